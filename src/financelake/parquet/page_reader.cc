#include "financelake/parquet/page_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "financelake/parquet/bit_util.h"
#include "financelake/parquet/compression.h"

namespace financelake::parquet {

namespace {

// A decompressed page may be this many times its compressed size (plus a MiB). zstd reaches
// ratios in the tens of thousands on constant data; anything beyond is a corrupt header, and
// this keeps the buffer we allocate proportional to the file.
constexpr uint64_t kMaxCompressionRatio = 65536;
constexpr uint64_t kRatioSlack = uint64_t{1} << 20;

const uint8_t kEmpty[1] = {0};

}  // namespace

Status WithParquetContext(const Status& st, std::string_view context) {
  if (st.ok()) return st;
  std::string_view msg = st.message();
  constexpr std::string_view kPrefix = "parquet: ";
  if (msg.substr(0, kPrefix.size()) == kPrefix) msg.remove_prefix(kPrefix.size());
  return Status(st.code(), fmt::format("{}: {}", context, msg));
}

PageReader::PageReader(const uint8_t* chunk, size_t size, CompressionCodec codec, int16_t max_def,
                       int16_t max_rep)
    : chunk_(chunk), size_(size), codec_(codec), max_def_(max_def), max_rep_(max_rep) {}

Result<const uint8_t*> PageReader::Body(const uint8_t* in, size_t in_size, size_t out_size,
                                        bool compressed) {
  if (!compressed || codec_ == CompressionCodec::UNCOMPRESSED) {
    if (in_size != out_size) {
      return Status::DataLoss(fmt::format(
          "page at chunk offset {}: uncompressed page holds {} bytes but its header says {}",
          page_offset_, in_size, out_size));
    }
    return in_size == 0 ? kEmpty : in;
  }
  if (out_size > uint64_t{in_size} * kMaxCompressionRatio + kRatioSlack) {
    return Status::DataLoss(
        fmt::format("page at chunk offset {}: {} compressed bytes cannot hold {} bytes",
                    page_offset_, in_size, out_size));
  }
  if (out_size == 0 && in_size == 0) return kEmpty;
  if (buf_capacity_ < out_size || buf_ == nullptr) {
    const size_t cap = std::max<size_t>({out_size, buf_capacity_ + buf_capacity_ / 2, 64});
    buf_.reset(new uint8_t[cap]);  // default-initialised: untouched pages cost nothing
    buf_capacity_ = cap;
  }
  Status st = Decompress(codec_, in, in_size, buf_.get(), out_size);
  if (!st.ok()) {
    return WithParquetContext(st, fmt::format("page at chunk offset {}", page_offset_));
  }
  return static_cast<const uint8_t*>(buf_.get());
}

Result<bool> PageReader::Next(Page* page) {
  while (pos_ < size_) {
    page_offset_ = pos_;
    size_t header_size = 0;
    auto parsed = ParsePageHeader(chunk_ + pos_, size_ - pos_, &header_size);
    if (!parsed.ok()) {
      return WithParquetContext(parsed.status(),
                                fmt::format("page header at chunk offset {}", pos_));
    }
    const PageHeader& h = *parsed;
    if (header_size == 0 || header_size > size_ - pos_) {
      return Status::DataLoss(
          fmt::format("page header at chunk offset {}: bad header size {}", pos_, header_size));
    }
    pos_ += header_size;
    if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0) {
      return Status::DataLoss(fmt::format(
          "page header at chunk offset {}: negative page size ({} compressed, {} uncompressed)",
          page_offset_, h.compressed_page_size, h.uncompressed_page_size));
    }
    const size_t compressed = static_cast<size_t>(h.compressed_page_size);
    const size_t uncompressed = static_cast<size_t>(h.uncompressed_page_size);
    if (compressed > size_ - pos_) {
      return Status::DataLoss(fmt::format(
          "page header at chunk offset {}: page of {} bytes overruns the chunk ({} bytes left)",
          page_offset_, compressed, size_ - pos_));
    }
    const uint8_t* raw = chunk_ + pos_;
    pos_ += compressed;
    *page = Page();
    page->type = h.type;
    switch (h.type) {
      case PageType::INDEX_PAGE: continue;
      case PageType::DICTIONARY_PAGE: {
        if (!h.dictionary_page_header) {
          return Status::DataLoss(fmt::format(
              "page header at chunk offset {}: dictionary page without its header", page_offset_));
        }
        const auto& d = *h.dictionary_page_header;
        if (d.num_values < 0) {
          return Status::DataLoss(fmt::format(
              "page header at chunk offset {}: {} dictionary entries", page_offset_, d.num_values));
        }
        FL_ASSIGN_OR_RETURN(page->values, Body(raw, compressed, uncompressed, true));
        page->values_size = uncompressed;
        page->num_values = d.num_values;
        page->encoding = d.encoding;
        return true;
      }
      case PageType::DATA_PAGE: {
        if (!h.data_page_header) {
          return Status::DataLoss(fmt::format(
              "page header at chunk offset {}: data page without its header", page_offset_));
        }
        FL_ASSIGN_OR_RETURN(const uint8_t* body, Body(raw, compressed, uncompressed, true));
        FL_RETURN_NOT_OK(SplitV1(*h.data_page_header, body, uncompressed, page));
        return true;
      }
      case PageType::DATA_PAGE_V2: {
        if (!h.data_page_header_v2) {
          return Status::DataLoss(fmt::format(
              "page header at chunk offset {}: data page v2 without its header", page_offset_));
        }
        FL_RETURN_NOT_OK(SplitV2(*h.data_page_header_v2, h, raw, page));
        return true;
      }
      default:
        return Status::DataLoss(fmt::format("page header at chunk offset {}: unknown page type {}",
                                            page_offset_, static_cast<int>(h.type)));
    }
  }
  return false;
}

Status PageReader::SplitV1(const DataPageHeader& h, const uint8_t* body, size_t size, Page* page) {
  if (h.num_values < 0) {
    return Status::DataLoss(
        fmt::format("data page at chunk offset {}: {} values", page_offset_, h.num_values));
  }
  page->num_values = h.num_values;
  page->encoding = h.encoding;
  const uint8_t* p = body;
  size_t left = size;
  auto take = [&](LevelSection* s, Encoding enc, int16_t max_level,
                  std::string_view what) -> Status {
    if (max_level == 0) return Status::OK();
    s->encoding = enc;
    if (enc == Encoding::RLE) {
      if (left < 4) {
        return Status::DataLoss(fmt::format(
            "data page at chunk offset {}: no room for the {} levels length", page_offset_, what));
      }
      const uint32_t len = bit_util::LoadLE32(p);
      if (len > left - 4) {
        return Status::DataLoss(fmt::format(
            "data page at chunk offset {}: {} levels of {} bytes overrun the page ({} bytes left)",
            page_offset_, what, len, left - 4));
      }
      s->data = p + 4;
      s->size = len;
      p += 4 + len;
      left -= 4 + size_t{len};
      return Status::OK();
    }
    if (enc == Encoding::BIT_PACKED) {
      const uint64_t bytes = bit_util::BytesForBits(
          static_cast<uint64_t>(h.num_values) *
          static_cast<uint64_t>(bit_util::BitWidth(static_cast<uint64_t>(max_level))));
      if (bytes > left) {
        return Status::DataLoss(fmt::format(
            "data page at chunk offset {}: {} levels of {} bytes overrun the page ({} bytes left)",
            page_offset_, what, bytes, left));
      }
      s->data = p;
      s->size = static_cast<size_t>(bytes);
      p += bytes;
      left -= static_cast<size_t>(bytes);
      return Status::OK();
    }
    return Status::Unimplemented(fmt::format("data page at chunk offset {}: {} level encoding {}",
                                             page_offset_, what, EncodingName(enc)));
  };
  FL_RETURN_NOT_OK(take(&page->rep, h.repetition_level_encoding, max_rep_, "repetition"));
  FL_RETURN_NOT_OK(take(&page->def, h.definition_level_encoding, max_def_, "definition"));
  page->values = p;
  page->values_size = left;
  return Status::OK();
}

Status PageReader::SplitV2(const DataPageHeaderV2& h, const PageHeader& ph, const uint8_t* raw,
                           Page* page) {
  const int64_t rep_len = h.repetition_levels_byte_length;
  const int64_t def_len = h.definition_levels_byte_length;
  const int64_t levels = rep_len + def_len;
  if (h.num_values < 0 || h.num_nulls < 0 || h.num_nulls > h.num_values || h.num_rows < 0 ||
      rep_len < 0 || def_len < 0 || levels > ph.compressed_page_size ||
      levels > ph.uncompressed_page_size) {
    return Status::DataLoss(fmt::format(
        "data page v2 at chunk offset {}: inconsistent header ({} values, {} nulls, {} rows, "
        "levels {}+{} bytes, page {} compressed / {} uncompressed bytes)",
        page_offset_, h.num_values, h.num_nulls, h.num_rows, rep_len, def_len,
        ph.compressed_page_size, ph.uncompressed_page_size));
  }
  page->v2 = true;
  page->num_values = h.num_values;
  page->encoding = h.encoding;
  if (max_rep_ > 0) page->rep = {Encoding::RLE, raw, static_cast<size_t>(rep_len)};
  if (max_def_ > 0) page->def = {Encoding::RLE, raw + rep_len, static_cast<size_t>(def_len)};
  const size_t in = static_cast<size_t>(ph.compressed_page_size - levels);
  const size_t out = static_cast<size_t>(ph.uncompressed_page_size - levels);
  FL_ASSIGN_OR_RETURN(page->values, Body(raw + levels, in, out, h.is_compressed));
  page->values_size = out;
  return Status::OK();
}

Status LevelDecoder::Init(const LevelSection& section, int16_t max_level, size_t num_values) {
  const int bw = bit_util::BitWidth(static_cast<uint64_t>(max_level));
  rle_.reset();
  unpacked_.clear();
  pos_ = 0;
  decoded_ = 0;
  if (section.encoding == Encoding::RLE) {
    rle_.emplace(section.data, section.size, bw);
    return Status::OK();
  }
  if (section.encoding == Encoding::BIT_PACKED) {
    unpacked_.resize(num_values);
    return DecodeBitPackedLegacy(section.data, section.size, bw, num_values, unpacked_.data());
  }
  return Status::Unimplemented(fmt::format("level encoding {}", EncodingName(section.encoding)));
}

Status LevelDecoder::Decode(uint32_t* out, size_t n) {
  if (rle_) {
    FL_ASSIGN_OR_RETURN(size_t got, rle_->GetBatch(out, n));
    if (got != n) {
      return Status::DataLoss(
          fmt::format("levels end after {} of {} values", decoded_ + got, decoded_ + n));
    }
  } else {
    if (n > unpacked_.size() - pos_) {
      return Status::DataLoss(fmt::format("levels end after {} values", unpacked_.size()));
    }
    std::memcpy(out, unpacked_.data() + pos_, n * sizeof(uint32_t));
    pos_ += n;
  }
  decoded_ += n;
  return Status::OK();
}

}  // namespace financelake::parquet
