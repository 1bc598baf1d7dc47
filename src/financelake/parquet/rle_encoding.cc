#include "financelake/parquet/rle_encoding.h"

#include <algorithm>
#include <string>

#include "financelake/base/check.h"
#include "financelake/parquet/bit_util.h"

namespace financelake::parquet {

namespace {

// Run lengths must fit a signed 32-bit integer (Encodings.md, note 3).
constexpr uint64_t kMaxRunLength = (uint64_t{1} << 31) - 1;
// 63 groups keep a bit-packed header to one byte: (63 << 1) | 1 < 128.
constexpr int kMaxLiteralGroups = 63;

Status Corrupt(const std::string& what) {
  return Status::DataLoss("parquet: RLE: " + what);
}

}  // namespace

// ---- RleBpEncoder -----------------------------------------------------------------------------

RleBpEncoder::RleBpEncoder(int bit_width)
    : bit_width_(bit_width), byte_width_((bit_width + 7) / 8) {
  FL_CHECK(bit_width >= 0 && bit_width <= 32);
}

void RleBpEncoder::PutRun(uint32_t v, size_t count) {
  if (count == 0) return;
  if (run_length_ > 0 && v == run_value_) {
    run_length_ += count;
    return;
  }
  EndRun();
  run_value_ = v;
  run_length_ = count;
}

void RleBpEncoder::EndRun() {
  uint64_t len = run_length_;
  if (len == 0) return;
  run_length_ = 0;
  // Bit-packed runs hold whole groups, so a run can become RLE only after the head of it has
  // completed the pending group; worth it when 8 or more values are left.
  const uint64_t fill = group_size_ == 0 ? 0 : 8 - group_size_;
  if (len >= fill + 8) {
    AppendLiterals(run_value_, fill);
    CloseLiteralRun();
    WriteRleRun(run_value_, len - fill);
    return;
  }
  AppendLiterals(run_value_, len);  // len < 16 here
}

void RleBpEncoder::AppendLiterals(uint32_t v, size_t count) {
  FL_DCHECK(bit_width_ == 32 || v < (uint32_t{1} << bit_width_));
  for (size_t i = 0; i < count; ++i) {
    group_[group_size_++] = v;
    if (group_size_ == 8) PackGroup();
  }
}

void RleBpEncoder::PackGroup() {
  if (literal_header_ == std::string::npos) {
    literal_header_ = buf_.size();
    buf_.push_back(0);  // patched by CloseLiteralRun()
    literal_groups_ = 0;
  }
  uint8_t packed[32];
  bit_util::PackBits(group_, 8, bit_width_, packed);
  buf_.append(reinterpret_cast<const char*>(packed), bit_width_);
  group_size_ = 0;
  if (++literal_groups_ == kMaxLiteralGroups) CloseLiteralRun();
}

void RleBpEncoder::CloseLiteralRun() {
  if (literal_header_ == std::string::npos) return;
  buf_[literal_header_] = static_cast<char>((literal_groups_ << 1) | 1);
  literal_header_ = std::string::npos;
  literal_groups_ = 0;
}

void RleBpEncoder::WriteRleRun(uint32_t v, uint64_t count) {
  while (count > 0) {
    uint64_t chunk = std::min(count, kMaxRunLength);
    bit_util::PutUleb128(chunk << 1, &buf_);
    for (int i = 0; i < byte_width_; ++i) buf_.push_back(static_cast<char>(v >> (8 * i)));
    count -= chunk;
  }
}

void RleBpEncoder::Finish(std::string* out) {
  EndRun();
  if (group_size_ > 0) {
    std::fill(group_ + group_size_, group_ + 8, 0u);
    group_size_ = 8;
    PackGroup();
  }
  CloseLiteralRun();
  out->append(buf_);
  buf_.clear();
}

size_t RleBpEncoder::EstimatedSize() const {
  // Pending literals (at most two groups) plus one more bit-packed header.
  size_t size = buf_.size() + 2 * static_cast<size_t>(bit_width_) + 1;
  if (run_length_ >= 8) {
    uint64_t chunks = (run_length_ + kMaxRunLength - 1) / kMaxRunLength;
    size += chunks * (bit_util::kMaxUleb128Bytes + byte_width_);
  }
  return size;
}

// ---- RleBpDecoder -----------------------------------------------------------------------------

RleBpDecoder::RleBpDecoder(const uint8_t* data, size_t size, int bit_width)
    : pos_(data), end_(data + size), bit_width_(bit_width) {}

Result<bool> RleBpDecoder::NextRun() {
  if (pos_ == end_) return false;
  uint64_t header;
  if (!bit_util::ReadUleb128(&pos_, end_, &header)) return Corrupt("truncated run header");
  const size_t avail = static_cast<size_t>(end_ - pos_);
  if (header & 1) {
    uint64_t groups = header >> 1;
    uint64_t bytes;
    if (bit_width_ == 0) {
      bytes = 0;
      literal_left_ = std::min<uint64_t>(groups, uint64_t{1} << 60) * 8;
    } else if (groups <= avail / static_cast<uint64_t>(bit_width_)) {
      bytes = groups * bit_width_;
      literal_left_ = groups * 8;
    } else {
      // A truncated last run: hand out the values that are complete, then report the end.
      bytes = avail;
      literal_left_ = uint64_t{avail} * 8 / bit_width_;
    }
    literal_pos_ = pos_;
    pos_ += bytes;
  } else {
    rle_left_ = header >> 1;
    const int nbytes = (bit_width_ + 7) / 8;
    if (avail < static_cast<size_t>(nbytes)) return Corrupt("truncated run value");
    uint64_t v = bit_util::LoadLEBytes(pos_, nbytes);
    if (v > bit_util::LowMask(bit_width_)) {
      return Corrupt("run value " + std::to_string(v) + " exceeds bit width " +
                     std::to_string(bit_width_));
    }
    rle_value_ = static_cast<uint32_t>(v);
    pos_ += nbytes;
  }
  return true;
}

Result<size_t> RleBpDecoder::GetBatch(uint32_t* out, size_t n) {
  if (bit_width_ < 0 || bit_width_ > 32) {
    return Corrupt("bit width " + std::to_string(bit_width_) + " out of range [0, 32]");
  }
  size_t done = 0;
  while (done < n) {
    const size_t want = n - done;
    if (group_pos_ < group_count_) {
      size_t k = std::min<size_t>(want, group_count_ - group_pos_);
      std::copy(group_ + group_pos_, group_ + group_pos_ + k, out + done);
      group_pos_ += static_cast<int>(k);
      done += k;
    } else if (rle_left_ > 0) {
      size_t k = static_cast<size_t>(std::min<uint64_t>(want, rle_left_));
      std::fill(out + done, out + done + k, rle_value_);
      rle_left_ -= k;
      done += k;
    } else if (literal_left_ > 0) {
      const size_t in_size = static_cast<size_t>(end_ - literal_pos_);
      size_t whole = static_cast<size_t>(std::min<uint64_t>(want, literal_left_)) / 8 * 8;
      if (whole > 0) {
        bit_util::UnpackBits(literal_pos_, in_size, bit_width_, whole, out + done);
        literal_pos_ += whole / 8 * bit_width_;
        literal_left_ -= whole;
        done += whole;
      } else {
        // Fewer than 8 wanted, or left: decode one group and hand it out piecewise.
        int k = static_cast<int>(std::min<uint64_t>(8, literal_left_));
        bit_util::UnpackBits(literal_pos_, in_size, bit_width_, k, group_);
        literal_pos_ += std::min<size_t>(in_size, bit_width_);
        literal_left_ -= k;
        group_pos_ = 0;
        group_count_ = k;
      }
    } else {
      FL_ASSIGN_OR_RETURN(bool more, NextRun());
      if (!more) break;
    }
  }
  return done;
}

// ---- Standalone decoders ----------------------------------------------------------------------

Status DecodeBitPackedLegacy(const uint8_t* data, size_t size, int bit_width, size_t n,
                             uint32_t* out) {
  if (bit_width < 0 || bit_width > 32) {
    return Status::DataLoss("parquet: BIT_PACKED: bit width " + std::to_string(bit_width) +
                            " out of range [0, 32]");
  }
  if (bit_width > 0 && n > size / bit_width * 8 + (size % bit_width) * 8 / bit_width) {
    return Status::DataLoss("parquet: BIT_PACKED: " + std::to_string(size) + " bytes cannot hold " +
                            std::to_string(n) + " values of " + std::to_string(bit_width) +
                            " bits");
  }
  const uint64_t mask = bit_util::LowMask(bit_width);
  uint64_t acc = 0;  // holds fewer than 40 bits
  int bits = 0;
  const uint8_t* p = data;
  for (size_t i = 0; i < n; ++i) {
    while (bits < bit_width) {
      acc = (acc << 8) | *p++;
      bits += 8;
    }
    bits -= bit_width;
    out[i] = static_cast<uint32_t>((acc >> bits) & mask);
    acc &= bit_util::LowMask(bits);
  }
  return Status::OK();
}

Result<size_t> DecodeDictIndices(const uint8_t* data, size_t size, size_t n, uint32_t* out) {
  if (n == 0) return size_t{0};
  if (size == 0) return Status::DataLoss("parquet: RLE_DICTIONARY: missing bit width byte");
  const int bit_width = data[0];
  if (bit_width > 32) {
    return Status::DataLoss("parquet: RLE_DICTIONARY: bit width " + std::to_string(bit_width) +
                            " exceeds 32");
  }
  RleBpDecoder decoder(data + 1, size - 1, bit_width);
  return decoder.GetBatch(out, n);
}

}  // namespace financelake::parquet
