#include "financelake/parquet/delta_encoding.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "financelake/parquet/bit_util.h"

namespace financelake::parquet {

namespace {

constexpr uint64_t kBlockSize = 128;
constexpr uint64_t kMiniblocks = 4;
constexpr uint64_t kMiniblockSize = kBlockSize / kMiniblocks;
// Bounds a corrupt header so that byte counts computed from it cannot overflow.
constexpr uint64_t kMaxBlockSize = uint64_t{1} << 32;

Status Corrupt(std::string_view what, const std::string& msg) {
  return Status::DataLoss("parquet: " + std::string(what) + ": " + msg);
}

// DELTA_BINARY_PACKED decoding; `what` names the stream in error messages.
template <typename T>
Status DecodeDbp(const uint8_t* data, size_t size, size_t n, T* out, size_t* consumed,
                 std::string_view what) {
  using U = std::make_unsigned_t<T>;
  // Deltas of 32-bit values may be computed in 64 bits by the writer (DuckDB does): up to 33
  // bits wide. Arithmetic below wraps modulo 2^(8*sizeof(T)), which gives the right values.
  constexpr int kMaxWidth = 64;
  if (size == 0 && n == 0) {  // some writers leave a page without values empty
    if (consumed != nullptr) *consumed = 0;
    return Status::OK();
  }
  const uint8_t* p = data;
  const uint8_t* const end = data + size;

  uint64_t block_size, miniblocks, total;
  int64_t first;
  if (!bit_util::ReadUleb128(&p, end, &block_size) ||
      !bit_util::ReadUleb128(&p, end, &miniblocks) || !bit_util::ReadUleb128(&p, end, &total) ||
      !bit_util::ReadZigZag(&p, end, &first)) {
    return Corrupt(what, "truncated header");
  }
  if (block_size == 0 || block_size % 128 != 0 || block_size > kMaxBlockSize) {
    return Corrupt(what, "block size " + std::to_string(block_size) +
                             " is not a multiple of 128 in [128, 2^32]");
  }
  if (miniblocks == 0 || block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
    return Corrupt(what, std::to_string(miniblocks) + " miniblocks do not split a block of " +
                             std::to_string(block_size) + " values into multiples of 32");
  }
  if (total < n) {
    return Corrupt(
        what, "holds " + std::to_string(total) + " values, expected at least " + std::to_string(n));
  }
  const uint64_t per_miniblock = block_size / miniblocks;

  U last = static_cast<U>(first);
  if (n > 0) out[0] = static_cast<T>(last);
  uint64_t done = total == 0 ? 0 : 1;  // values accounted for, decoded or skipped
  uint64_t unpacked[32];
  while (done < total) {
    int64_t min_delta_signed;
    if (!bit_util::ReadZigZag(&p, end, &min_delta_signed)) {
      return Corrupt(what, "truncated block header");
    }
    const U min_delta = static_cast<U>(min_delta_signed);
    if (static_cast<uint64_t>(end - p) < miniblocks) return Corrupt(what, "truncated bit widths");
    const uint8_t* widths = p;
    p += miniblocks;
    // Only miniblocks holding values are read; the rest of the widths may be arbitrary bytes.
    for (uint64_t m = 0; m < miniblocks && done < total; ++m) {
      const int width = widths[m];
      if (width > kMaxWidth) {
        return Corrupt(what, "miniblock bit width " + std::to_string(width) + " exceeds " +
                                 std::to_string(kMaxWidth));
      }
      const uint64_t bytes = per_miniblock / 8 * width;
      if (static_cast<uint64_t>(end - p) < bytes) return Corrupt(what, "truncated miniblock");
      const uint64_t in_miniblock = std::min(per_miniblock, total - done);
      uint64_t todo = done < n ? std::min<uint64_t>(in_miniblock, n - done) : 0;
      const uint8_t* q = p;
      T* dst = todo > 0 ? out + done : nullptr;
      while (todo > 0) {
        const size_t k = static_cast<size_t>(std::min<uint64_t>(todo, 32));
        bit_util::UnpackBits(q, static_cast<size_t>(end - q), width, k, unpacked);
        for (size_t j = 0; j < k; ++j) {
          last += min_delta + static_cast<U>(unpacked[j]);
          *dst++ = static_cast<T>(last);
        }
        q += size_t{4} * static_cast<size_t>(width);
        todo -= k;
      }
      done += in_miniblock;
      p += bytes;
    }
  }
  if (consumed != nullptr) *consumed = static_cast<size_t>(p - data);
  return Status::OK();
}

template <typename T>
void EncodeDbp(const T* v, size_t n, std::string* out) {
  using U = std::make_unsigned_t<T>;
  bit_util::PutUleb128(kBlockSize, out);
  bit_util::PutUleb128(kMiniblocks, out);
  bit_util::PutUleb128(n, out);
  bit_util::PutZigZag(n > 0 ? static_cast<int64_t>(v[0]) : 0, out);
  U rel[kBlockSize];
  uint8_t packed[kMiniblockSize * 8];
  for (size_t start = 1; start < n; start += kBlockSize) {
    const size_t count = std::min<size_t>(kBlockSize, n - start);
    // Deltas wrap in the width of T, so an INT32 column never needs more than 32 bits.
    T min_delta = std::numeric_limits<T>::max();
    for (size_t j = 0; j < count; ++j) {
      T delta = static_cast<T>(static_cast<U>(v[start + j]) - static_cast<U>(v[start + j - 1]));
      rel[j] = static_cast<U>(delta);
      min_delta = std::min(min_delta, delta);
    }
    for (size_t j = 0; j < count; ++j) rel[j] -= static_cast<U>(min_delta);
    std::fill(rel + count, rel + kBlockSize, U{0});
    bit_util::PutZigZag(min_delta, out);
    const size_t used = (count + kMiniblockSize - 1) / kMiniblockSize;
    uint8_t widths[kMiniblocks] = {};
    for (size_t m = 0; m < used; ++m) {
      U max_rel = *std::max_element(rel + m * kMiniblockSize, rel + (m + 1) * kMiniblockSize);
      widths[m] = static_cast<uint8_t>(bit_util::BitWidth(max_rel));
    }
    out->append(reinterpret_cast<const char*>(widths), kMiniblocks);
    for (size_t m = 0; m < used; ++m) {
      bit_util::PackBits(rel + m * kMiniblockSize, kMiniblockSize, widths[m], packed);
      out->append(reinterpret_cast<const char*>(packed), kMiniblockSize / 8 * widths[m]);
    }
  }
}

// Decodes n non-negative int32 lengths and checks that their bytes follow within the data;
// sets *data_offset to where those bytes start and *total_bytes to their sum.
Status DecodeLengths(const uint8_t* data, size_t size, size_t n, std::string_view what,
                     std::vector<int32_t>* lengths, size_t* data_offset, uint64_t* total_bytes) {
  lengths->resize(n);
  FL_RETURN_NOT_OK(DecodeDbp(data, size, n, lengths->data(), data_offset, what));
  uint64_t sum = 0;
  for (size_t i = 0; i < n; ++i) {
    if ((*lengths)[i] < 0) {
      return Corrupt(what, "value " + std::to_string(i) + " has negative length " +
                               std::to_string((*lengths)[i]));
    }
    sum += static_cast<uint64_t>((*lengths)[i]);
  }
  if (sum > size - *data_offset) {
    return Corrupt(what, "lengths add up to " + std::to_string(sum) + " bytes, only " +
                             std::to_string(size - *data_offset) + " left");
  }
  *total_bytes = sum;
  return Status::OK();
}

}  // namespace

Status DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, size_t n, int32_t* out,
                               size_t* consumed) {
  return DecodeDbp(data, size, n, out, consumed, "DELTA_BINARY_PACKED");
}

Status DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, size_t n, int64_t* out,
                               size_t* consumed) {
  return DecodeDbp(data, size, n, out, consumed, "DELTA_BINARY_PACKED");
}

void EncodeDeltaBinaryPacked(const int32_t* v, size_t n, std::string* out) {
  EncodeDbp(v, n, out);
}

void EncodeDeltaBinaryPacked(const int64_t* v, size_t n, std::string* out) {
  EncodeDbp(v, n, out);
}

Status DecodeDeltaLengthByteArray(const uint8_t* data, size_t size, size_t n, std::string* chars,
                                  std::vector<uint32_t>* lengths) {
  std::vector<int32_t> lens;
  size_t offset = 0;
  uint64_t total = 0;
  FL_RETURN_NOT_OK(DecodeLengths(data, size, n, "DELTA_LENGTH_BYTE_ARRAY", &lens, &offset, &total));
  chars->append(reinterpret_cast<const char*>(data + offset), total);
  lengths->insert(lengths->end(), lens.begin(), lens.end());
  return Status::OK();
}

Status DecodeDeltaByteArray(const uint8_t* data, size_t size, size_t n, std::string* chars,
                            std::vector<uint32_t>* lengths) {
  constexpr std::string_view kWhat = "DELTA_BYTE_ARRAY";
  std::vector<int32_t> prefixes(n);
  size_t prefix_bytes = 0;
  FL_RETURN_NOT_OK(DecodeDbp(data, size, n, prefixes.data(), &prefix_bytes, kWhat));
  std::vector<int32_t> suffixes;
  size_t offset = 0;
  uint64_t total = 0;
  FL_RETURN_NOT_OK(DecodeLengths(data + prefix_bytes, size - prefix_bytes, n, kWhat, &suffixes,
                                 &offset, &total));
  const uint8_t* suffix = data + prefix_bytes + offset;

  const size_t chars_start = chars->size();
  const size_t lengths_start = lengths->size();
  size_t prev_offset = chars_start;
  uint64_t prev_length = 0;
  Status st;
  for (size_t i = 0; i < n; ++i) {
    const int32_t prefix = prefixes[i];
    if (prefix < 0 || static_cast<uint64_t>(prefix) > prev_length) {
      st = Corrupt(kWhat, "value " + std::to_string(i) + " has prefix length " +
                              std::to_string(prefix) + ", previous value is " +
                              std::to_string(prev_length) + " bytes");
      break;
    }
    const uint64_t length = static_cast<uint64_t>(prefix) + static_cast<uint64_t>(suffixes[i]);
    if (length > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
      st = Corrupt(kWhat, "value " + std::to_string(i) + " is longer than 2^31-1 bytes");
      break;
    }
    const size_t at = chars->size();
    chars->resize(at + length);
    char* dst = chars->data() + at;
    std::memcpy(dst, chars->data() + prev_offset, static_cast<size_t>(prefix));
    std::memcpy(dst + prefix, suffix, static_cast<size_t>(suffixes[i]));
    suffix += suffixes[i];
    lengths->push_back(static_cast<uint32_t>(length));
    prev_offset = at;
    prev_length = length;
  }
  if (!st.ok()) {
    chars->resize(chars_start);
    lengths->resize(lengths_start);
  }
  return st;
}

void EncodeDeltaLengthByteArray(const std::string_view* values, size_t n, std::string* out) {
  std::vector<int32_t> lengths(n);
  for (size_t i = 0; i < n; ++i) lengths[i] = static_cast<int32_t>(values[i].size());
  EncodeDbp(lengths.data(), n, out);
  for (size_t i = 0; i < n; ++i) out->append(values[i]);
}

void EncodeDeltaByteArray(const std::string_view* values, size_t n, std::string* out) {
  std::vector<int32_t> prefixes(n);
  std::vector<std::string_view> suffixes(n);
  std::string_view prev;
  for (size_t i = 0; i < n; ++i) {
    const std::string_view v = values[i];
    size_t common =
        std::mismatch(prev.begin(), prev.begin() + std::min(prev.size(), v.size()), v.begin())
            .first -
        prev.begin();
    prefixes[i] = static_cast<int32_t>(common);
    suffixes[i] = v.substr(common);
    prev = v;
  }
  EncodeDbp(prefixes.data(), n, out);
  EncodeDeltaLengthByteArray(suffixes.data(), n, out);
}

}  // namespace financelake::parquet
