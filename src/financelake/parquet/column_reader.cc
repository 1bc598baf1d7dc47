#include "financelake/parquet/column_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "financelake/parquet/bit_util.h"
#include "financelake/parquet/byte_stream_split.h"
#include "financelake/parquet/delta_encoding.h"
#include "financelake/parquet/statistics.h"

namespace financelake::parquet {

using columnar::int128_t;

namespace {

// Level entries decoded per batch: bounds the scratch buffers whatever a page claims.
constexpr size_t kBatch = 8192;

constexpr uint64_t kMaxDeltaValuesPerByte = 4096;

constexpr int64_t kJulianEpochDay = 2440588;  // 1970-01-01
constexpr int64_t kMicrosPerDay = 86400LL * 1000 * 1000;

size_t PhysicalWidth(const LeafDescriptor& leaf) {
  switch (leaf.physical_type) {
    case Type::INT32:
    case Type::FLOAT: return 4;
    case Type::INT64:
    case Type::DOUBLE: return 8;
    case Type::INT96: return 12;
    case Type::FIXED_LEN_BYTE_ARRAY: return static_cast<size_t>(std::max(leaf.type_length, 0));
    default: return 0;  // BOOLEAN (bits), BYTE_ARRAY (variable)
  }
}

int64_t Wrap(uint64_t v) {
  return static_cast<int64_t>(v);
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h >> 15) << 31;
  const uint32_t exp = (h >> 10) & 0x1f;
  const uint32_t mant = h & 0x3ff;
  if (exp == 0) {
    const float f = std::ldexp(static_cast<float>(mant), -24);  // zero or subnormal
    return sign ? -f : f;
  }
  const uint32_t bits = exp == 31 ? (sign | 0x7f800000u | (mant << 13))
                                  : (sign | ((exp - 15 + 127) << 23) | (mant << 13));
  return std::bit_cast<float>(bits);
}

template <typename From, typename To, typename F>
void ConvertEach(const uint8_t* src, size_t n, uint8_t* out, F f) {
  for (size_t i = 0; i < n; ++i) {
    From v;
    std::memcpy(&v, src + i * sizeof(From), sizeof(From));
    const To t = f(v);
    std::memcpy(out + i * sizeof(To), &t, sizeof(To));
  }
}

// Physical values in PLAIN layout (not BOOLEAN, not BYTE_ARRAY) -> columnar representation.
Status ConvertPhysical(const LeafDescriptor& leaf, const uint8_t* src, size_t n, size_t width,
                       uint8_t* out) {
  switch (leaf.conversion) {
    case LeafConversion::kNone:
      if (width != static_cast<size_t>(leaf.type.fixed_width())) break;
      std::memcpy(out, src, n * width);
      return Status::OK();
    case LeafConversion::kInt32ToInt8:
      ConvertEach<int32_t, int8_t>(src, n, out, [](int32_t v) { return static_cast<int8_t>(v); });
      return Status::OK();
    case LeafConversion::kInt32ToInt16:
      ConvertEach<int32_t, int16_t>(src, n, out, [](int32_t v) { return static_cast<int16_t>(v); });
      return Status::OK();
    case LeafConversion::kUInt32ToInt64:
      ConvertEach<uint32_t, int64_t>(src, n, out,
                                     [](uint32_t v) { return static_cast<int64_t>(v); });
      return Status::OK();
    case LeafConversion::kUInt64ToDecimal:
      ConvertEach<uint64_t, int128_t>(src, n, out,
                                      [](uint64_t v) { return static_cast<int128_t>(v); });
      return Status::OK();
    case LeafConversion::kMillisToMicros:
      ConvertEach<int64_t, int64_t>(
          src, n, out, [](int64_t v) { return Wrap(static_cast<uint64_t>(v) * 1000u); });
      return Status::OK();
    case LeafConversion::kNanosToMicros:
      ConvertEach<int64_t, int64_t>(src, n, out, FloorDiv1000);
      return Status::OK();
    case LeafConversion::kDecimalFromInt32:
      ConvertEach<int32_t, int128_t>(src, n, out, [](int32_t v) { return int128_t{v}; });
      return Status::OK();
    case LeafConversion::kDecimalFromInt64:
      ConvertEach<int64_t, int128_t>(src, n, out, [](int64_t v) { return int128_t{v}; });
      return Status::OK();
    case LeafConversion::kInt96ToMicros:
      for (size_t i = 0; i < n; ++i) {
        const uint8_t* p = src + i * 12;
        const int64_t nanos = static_cast<int64_t>(bit_util::LoadLE64(p));
        const int64_t day = static_cast<int32_t>(bit_util::LoadLE32(p + 8));
        const int64_t micros = Wrap(static_cast<uint64_t>(day - kJulianEpochDay) * kMicrosPerDay +
                                    static_cast<uint64_t>(FloorDiv1000(nanos)));
        std::memcpy(out + i * 8, &micros, 8);
      }
      return Status::OK();
    case LeafConversion::kDecimalFromBytes:
      if (width == 0 || width > 16) break;
      for (size_t i = 0; i < n; ++i) {
        const int128_t v = DecimalFromBigEndian(src + i * width, width);
        std::memcpy(out + i * 16, &v, 16);
      }
      return Status::OK();
    case LeafConversion::kFloat16ToFloat:
      if (width != 2) break;
      for (size_t i = 0; i < n; ++i) {
        const float f = HalfToFloat(static_cast<uint16_t>(src[2 * i] | (src[2 * i + 1] << 8)));
        std::memcpy(out + i * 4, &f, 4);
      }
      return Status::OK();
  }
  return Status::Internal(fmt::format("cannot convert {}-byte {} values to {}", width,
                                      TypeName(leaf.physical_type), leaf.type.ToString()));
}

// Byte-array values -> decimal / float16.
Status ConvertViews(const LeafDescriptor& leaf, const std::string_view* v, size_t n, uint8_t* out) {
  if (leaf.conversion == LeafConversion::kDecimalFromBytes) {
    for (size_t i = 0; i < n; ++i) {
      if (v[i].size() > 16) {
        return Status::DataLoss(
            fmt::format("decimal value of {} bytes (at most 16 fit)", v[i].size()));
      }
      const int128_t d =
          DecimalFromBigEndian(reinterpret_cast<const uint8_t*>(v[i].data()), v[i].size());
      std::memcpy(out + i * 16, &d, 16);
    }
    return Status::OK();
  }
  if (leaf.conversion == LeafConversion::kFloat16ToFloat) {
    for (size_t i = 0; i < n; ++i) {
      if (v[i].size() != 2) return Status::DataLoss("FLOAT16 value is not 2 bytes");
      const auto* p = reinterpret_cast<const uint8_t*>(v[i].data());
      const float f = HalfToFloat(static_cast<uint16_t>(p[0] | (p[1] << 8)));
      std::memcpy(out + i * 4, &f, 4);
    }
    return Status::OK();
  }
  return Status::Internal(fmt::format("byte array values for a {} column", leaf.type.ToString()));
}

// The value count in the header of a DELTA_BINARY_PACKED stream (for the byte-array encodings,
// of the lengths stream that starts them).
Result<size_t> DeltaCount(const uint8_t* data, size_t size, size_t max_values, Encoding encoding) {
  const uint8_t* p = data;
  const uint8_t* end = data + size;
  uint64_t block = 0, miniblocks = 0, count = 0;
  if (!bit_util::ReadUleb128(&p, end, &block) || !bit_util::ReadUleb128(&p, end, &miniblocks) ||
      !bit_util::ReadUleb128(&p, end, &count)) {
    return Status::DataLoss(fmt::format("{}: truncated header", EncodingName(encoding)));
  }
  // A block costs at least a byte of min delta and one per miniblock; writers use blocks of at
  // most a few thousand values, so a header counting more than this is corrupt (and would make
  // us allocate out of proportion to the page).
  if (count > 1 + uint64_t{size} * kMaxDeltaValuesPerByte) {
    return Status::DataLoss(fmt::format("{}: header counts {} values, more than {} bytes can hold",
                                        EncodingName(encoding), count, size));
  }
  if (count > max_values) {
    return Status::DataLoss(fmt::format("{}: header counts {} values, the page holds at most {}",
                                        EncodingName(encoding), count, max_values));
  }
  return static_cast<size_t>(count);
}

template <int W>
void Gather(const uint32_t* idx, size_t n, const uint8_t* dict, uint8_t* out) {
  for (size_t i = 0; i < n; ++i) std::memcpy(out + i * W, dict + size_t{idx[i]} * W, W);
}

}  // namespace

Status ValueDecoder::Init(const LeafDescriptor& leaf, Encoding encoding, const uint8_t* data,
                          size_t size, size_t max_values, const Dictionary* dict) {
  leaf_ = &leaf;
  pos_ = data;
  end_ = data + size;
  bit_pos_ = 0;
  decoded_ = 0;
  rle_.reset();
  dict_ = nullptr;
  views_.clear();
  width_ = PhysicalWidth(leaf);
  const Type pt = leaf.physical_type;
  auto invalid = [&]() {
    return Status::DataLoss(fmt::format("encoding {} is not valid for {} values",
                                        EncodingName(encoding), TypeName(pt)));
  };
  switch (encoding) {
    case Encoding::PLAIN:
      mode_ = pt == Type::BOOLEAN      ? Mode::kPlainBool
              : pt == Type::BYTE_ARRAY ? Mode::kPlainBytes
                                       : Mode::kPlainFixed;
      if (mode_ == Mode::kPlainFixed && width_ == 0) return invalid();
      return Status::OK();
    case Encoding::PLAIN_DICTIONARY:
    case Encoding::RLE_DICTIONARY: {
      if (dict == nullptr) {
        return Status::DataLoss("dictionary-encoded page, but the chunk has no dictionary page");
      }
      dict_ = dict;
      mode_ = Mode::kDict;
      if (size == 0) {
        rle_.emplace(data, 0, 0);
        return Status::OK();
      }
      if (data[0] > 32) {
        return Status::DataLoss(fmt::format("dictionary index bit width {} exceeds 32", data[0]));
      }
      rle_.emplace(data + 1, size - 1, data[0]);
      return Status::OK();
    }
    case Encoding::RLE: {
      if (pt != Type::BOOLEAN) return invalid();
      if (size < 4) return Status::DataLoss("RLE booleans without their length prefix");
      const uint32_t len = bit_util::LoadLE32(data);
      if (len > size - 4) {
        return Status::DataLoss(
            fmt::format("RLE booleans of {} bytes overrun the page ({} left)", len, size - 4));
      }
      rle_.emplace(data + 4, len, 1);
      mode_ = Mode::kRleBool;
      return Status::OK();
    }
    case Encoding::DELTA_BINARY_PACKED: {
      if (pt != Type::INT32 && pt != Type::INT64) return invalid();
      size_t count = 0;
      if (size > 0) {
        FL_ASSIGN_OR_RETURN(count, DeltaCount(data, size, max_values, encoding));
      }
      owned_.resize(count * width_);
      if (count > 0) {
        FL_RETURN_NOT_OK(
            pt == Type::INT32
                ? DecodeDeltaBinaryPacked(data, size, count,
                                          reinterpret_cast<int32_t*>(owned_.data()), nullptr)
                : DecodeDeltaBinaryPacked(data, size, count,
                                          reinterpret_cast<int64_t*>(owned_.data()), nullptr));
      }
      pos_ = owned_.data();
      end_ = pos_ + owned_.size();
      mode_ = Mode::kPlainFixed;
      return Status::OK();
    }
    case Encoding::DELTA_LENGTH_BYTE_ARRAY:
    case Encoding::DELTA_BYTE_ARRAY: {
      const bool flba = pt == Type::FIXED_LEN_BYTE_ARRAY;
      if (pt != Type::BYTE_ARRAY && !(flba && encoding == Encoding::DELTA_BYTE_ARRAY)) {
        return invalid();
      }
      size_t count = 0;
      if (size > 0) {
        FL_ASSIGN_OR_RETURN(count, DeltaCount(data, size, max_values, encoding));
      }
      chars_.clear();
      lengths_.clear();
      if (count > 0) {
        FL_RETURN_NOT_OK(encoding == Encoding::DELTA_BYTE_ARRAY
                             ? DecodeDeltaByteArray(data, size, count, &chars_, &lengths_)
                             : DecodeDeltaLengthByteArray(data, size, count, &chars_, &lengths_));
      }
      if (lengths_.size() != count) return Status::Internal("delta decoder miscounted");
      views_.resize(count);
      size_t at = 0;
      for (size_t i = 0; i < count; ++i) {
        if (lengths_[i] > chars_.size() - at) return Status::Internal("delta lengths overrun");
        if (flba && lengths_[i] != width_) {
          return Status::DataLoss(
              fmt::format("DELTA_BYTE_ARRAY value of {} bytes in a {}-byte "
                          "FIXED_LEN_BYTE_ARRAY column",
                          lengths_[i], width_));
        }
        views_[i] = std::string_view(chars_.data() + at, lengths_[i]);
        at += lengths_[i];
      }
      mode_ = Mode::kViews;
      return Status::OK();
    }
    case Encoding::BYTE_STREAM_SPLIT: {
      if (pt == Type::BOOLEAN || pt == Type::BYTE_ARRAY || pt == Type::INT96 || width_ == 0) {
        return invalid();
      }
      if (size % width_ != 0 || size / width_ > max_values) {
        return Status::DataLoss(fmt::format(
            "BYTE_STREAM_SPLIT data of {} bytes does not hold whole {}-byte values (at most {})",
            size, width_, max_values));
      }
      owned_.resize(size);
      if (size > 0) {
        FL_RETURN_NOT_OK(DecodeByteStreamSplit(data, size, size / width_, static_cast<int>(width_),
                                               owned_.data()));
      }
      pos_ = owned_.data();
      end_ = pos_ + owned_.size();
      mode_ = Mode::kPlainFixed;
      return Status::OK();
    }
    default:
      return Status::Unimplemented(
          fmt::format("encoding {} ({})", EncodingName(encoding), static_cast<int>(encoding)));
  }
}

Status ValueDecoder::Ends(size_t n) const {
  return Status::DataLoss(
      fmt::format("page values end after {} values ({} more wanted)", decoded_, n));
}

Status ValueDecoder::NextIndices(size_t n) {
  indices_.resize(n);
  FL_ASSIGN_OR_RETURN(size_t got, rle_->GetBatch(indices_.data(), n));
  if (got != n) {
    return Status::DataLoss(fmt::format("dictionary indices end after {} values ({} wanted)",
                                        decoded_ + got, decoded_ + n));
  }
  uint32_t max = 0;
  for (size_t i = 0; i < n; ++i) max = std::max(max, indices_[i]);
  if (max >= dict_->size) {
    return Status::DataLoss(
        fmt::format("dictionary index {} out of range ({} entries)", max, dict_->size));
  }
  return Status::OK();
}

Status ValueDecoder::PlainViews(size_t n, std::string_view* out) {
  for (size_t i = 0; i < n; ++i) {
    if (end_ - pos_ < 4) return Ends(n - i);
    const uint32_t len = bit_util::LoadLE32(pos_);
    pos_ += 4;
    if (len > static_cast<size_t>(end_ - pos_)) {
      return Status::DataLoss(fmt::format("byte array {} of {} bytes overruns the page ({} left)",
                                          decoded_ + i, len, end_ - pos_));
    }
    out[i] = std::string_view(reinterpret_cast<const char*>(pos_), len);
    pos_ += len;
  }
  return Status::OK();
}

Status ValueDecoder::DecodeFixed(size_t n, uint8_t* out) {
  if (n == 0) return Status::OK();
  switch (mode_) {
    case Mode::kPlainFixed:
      if (n > static_cast<size_t>(end_ - pos_) / width_) return Ends(n);
      FL_RETURN_NOT_OK(ConvertPhysical(*leaf_, pos_, n, width_, out));
      pos_ += n * width_;
      break;
    case Mode::kPlainBool: {
      const size_t bits = static_cast<size_t>(end_ - pos_) * 8;
      if (n > bits - bit_pos_) return Ends(n);
      for (size_t i = 0; i < n; ++i, ++bit_pos_) {
        out[i] = (pos_[bit_pos_ >> 3] >> (bit_pos_ & 7)) & 1;
      }
      break;
    }
    case Mode::kRleBool: {
      indices_.resize(n);
      FL_ASSIGN_OR_RETURN(size_t got, rle_->GetBatch(indices_.data(), n));
      if (got != n) return Ends(n);
      for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(indices_[i]);
      break;
    }
    case Mode::kPlainBytes:
      tmp_views_.resize(n);
      FL_RETURN_NOT_OK(PlainViews(n, tmp_views_.data()));
      FL_RETURN_NOT_OK(ConvertViews(*leaf_, tmp_views_.data(), n, out));
      break;
    case Mode::kViews:
      if (n > views_.size() - decoded_) return Ends(n);
      FL_RETURN_NOT_OK(ConvertViews(*leaf_, views_.data() + decoded_, n, out));
      break;
    case Mode::kDict: {
      FL_RETURN_NOT_OK(NextIndices(n));
      const uint8_t* d = dict_->fixed.data();
      switch (leaf_->type.fixed_width()) {
        case 1: Gather<1>(indices_.data(), n, d, out); break;
        case 2: Gather<2>(indices_.data(), n, d, out); break;
        case 4: Gather<4>(indices_.data(), n, d, out); break;
        case 8: Gather<8>(indices_.data(), n, d, out); break;
        case 16: Gather<16>(indices_.data(), n, d, out); break;
        default: return Status::Internal("dictionary of an unexpected width");
      }
      break;
    }
  }
  decoded_ += n;
  return Status::OK();
}

Status ValueDecoder::DecodeViews(size_t n, std::string_view* out) {
  if (n == 0) return Status::OK();
  switch (mode_) {
    case Mode::kPlainBytes: FL_RETURN_NOT_OK(PlainViews(n, out)); break;
    case Mode::kPlainFixed:
      if (n > static_cast<size_t>(end_ - pos_) / width_) return Ends(n);
      for (size_t i = 0; i < n; ++i) {
        out[i] = std::string_view(reinterpret_cast<const char*>(pos_), width_);
        pos_ += width_;
      }
      break;
    case Mode::kViews:
      if (n > views_.size() - decoded_) return Ends(n);
      std::copy_n(views_.data() + decoded_, n, out);
      break;
    case Mode::kDict:
      FL_RETURN_NOT_OK(NextIndices(n));
      for (size_t i = 0; i < n; ++i) out[i] = dict_->views[indices_[i]];
      break;
    default: return Status::Internal("byte array values requested from a boolean column");
  }
  decoded_ += n;
  return Status::OK();
}

Status ColumnChunkReader::Read(const LeafDescriptor& leaf, const ColumnMetaData& md,
                               const uint8_t* data, size_t size, LeafAssembler* assembler,
                               uint64_t max_string_bytes) {
  have_dict_ = false;
  dict_.size = 0;
  string_bytes_ = 0;
  max_string_bytes_ = max_string_bytes;
  if (md.num_values < 0) {
    return Status::DataLoss(fmt::format("chunk claims {} values", md.num_values));
  }
  PageReader pages(data, size, md.codec, leaf.max_def, leaf.max_rep);
  const int64_t total = md.num_values;
  int64_t seen = 0;
  Page page;
  while (seen < total) {
    FL_ASSIGN_OR_RETURN(bool more, pages.Next(&page));
    if (!more) break;
    if (page.type == PageType::DICTIONARY_PAGE) {
      const std::string where =
          fmt::format("dictionary page at chunk offset {}", pages.page_offset());
      if (have_dict_ || seen > 0) {
        return Status::DataLoss(where + ": a dictionary page must come first, and only once");
      }
      FL_RETURN_NOT_OK(WithParquetContext(LoadDictionary(leaf, page), where));
      continue;
    }
    const std::string where = fmt::format("data page at chunk offset {}", pages.page_offset());
    if (page.num_values > total - seen) {
      return Status::DataLoss(fmt::format("{}: {} values, but only {} of the chunk's {} are left",
                                          where, page.num_values, total - seen, total));
    }
    FL_RETURN_NOT_OK(WithParquetContext(ReadDataPage(leaf, page, assembler), where));
    seen += page.num_values;
  }
  if (seen != total) {
    return Status::DataLoss(
        fmt::format("the chunk's pages end after {} of its {} values", seen, total));
  }
  return Status::OK();
}

Status ColumnChunkReader::LoadDictionary(const LeafDescriptor& leaf, const Page& page) {
  if (page.encoding != Encoding::PLAIN && page.encoding != Encoding::PLAIN_DICTIONARY) {
    return Status::Unimplemented(
        fmt::format("dictionary encoding {}", EncodingName(page.encoding)));
  }
  const size_t n = static_cast<size_t>(page.num_values);
  const size_t width = PhysicalWidth(leaf);
  const uint64_t min_bits = leaf.physical_type == Type::BOOLEAN      ? 1
                            : leaf.physical_type == Type::BYTE_ARRAY ? 32
                                                                     : width * 8;
  if (min_bits == 0 || n > uint64_t{page.values_size} * 8 / min_bits) {
    return Status::DataLoss(fmt::format("{} entries cannot fit in {} bytes", n, page.values_size));
  }
  const int w = leaf.type.fixed_width();
  if (w == 0) {
    dict_.bytes.assign(reinterpret_cast<const char*>(page.values), page.values_size);
    FL_RETURN_NOT_OK(values_.Init(leaf, Encoding::PLAIN,
                                  reinterpret_cast<const uint8_t*>(dict_.bytes.data()),
                                  dict_.bytes.size(), n, nullptr));
    dict_.views.resize(n);
    FL_RETURN_NOT_OK(values_.DecodeViews(n, dict_.views.data()));
  } else {
    dict_.fixed.resize(n * static_cast<size_t>(w));
    FL_RETURN_NOT_OK(
        values_.Init(leaf, Encoding::PLAIN, page.values, page.values_size, n, nullptr));
    FL_RETURN_NOT_OK(values_.DecodeFixed(n, dict_.fixed.data()));
  }
  dict_.size = n;
  have_dict_ = true;
  return Status::OK();
}

Status ColumnChunkReader::ReadDataPage(const LeafDescriptor& leaf, const Page& page,
                                       LeafAssembler* assembler) {
  const size_t n = static_cast<size_t>(page.num_values);
  if (leaf.max_def > 0) {
    FL_RETURN_NOT_OK(
        WithParquetContext(def_decoder_.Init(page.def, leaf.max_def, n), "definition levels"));
  }
  if (leaf.max_rep > 0) {
    FL_RETURN_NOT_OK(
        WithParquetContext(rep_decoder_.Init(page.rep, leaf.max_rep, n), "repetition levels"));
  }
  FL_RETURN_NOT_OK(values_.Init(leaf, page.encoding, page.values, page.values_size, n,
                                have_dict_ ? &dict_ : nullptr));
  const size_t batch = std::min(n, kBatch);
  if (leaf.max_def > 0 && def_.size() < batch) def_.resize(batch);
  if (leaf.max_rep > 0 && rep_.size() < batch) rep_.resize(batch);
  const uint32_t* def = leaf.max_def > 0 ? def_.data() : nullptr;
  const uint32_t* rep = leaf.max_rep > 0 ? rep_.data() : nullptr;
  for (size_t done = 0; done < n;) {
    const size_t k = std::min(kBatch, n - done);
    if (def != nullptr) {
      FL_RETURN_NOT_OK(
          WithParquetContext(def_decoder_.Decode(def_.data(), k), "definition levels"));
    }
    if (rep != nullptr) {
      FL_RETURN_NOT_OK(
          WithParquetContext(rep_decoder_.Decode(rep_.data(), k), "repetition levels"));
    }
    FL_RETURN_NOT_OK(assembler->Consume(def, rep, k));
    FL_RETURN_NOT_OK(FillLeaf(leaf, def, k, assembler));
    done += k;
  }
  return Status::OK();
}

Status ColumnChunkReader::FillLeaf(const LeafDescriptor& leaf, const uint32_t* def, size_t n,
                                   LeafAssembler* assembler) {
  const size_t values = assembler->batch_values();
  const size_t slots = assembler->batch_slots();
  const int w = leaf.type.fixed_width();
  if (w > 0) {
    if (values == slots) {
      if (slots == 0) return Status::OK();
      uint8_t* dst = assembler->leaf_column()->AppendRaw(static_cast<int64_t>(slots));
      return values_.DecodeFixed(values, dst);
    }
    scratch_.resize(values * static_cast<size_t>(w));
    FL_RETURN_NOT_OK(values_.DecodeFixed(values, scratch_.data()));
    assembler->FillFixed(def, n, scratch_.data(), w);
    return Status::OK();
  }
  views_.resize(values);
  FL_RETURN_NOT_OK(values_.DecodeViews(values, views_.data()));
  uint64_t bytes = 0;
  for (size_t i = 0; i < values; ++i) bytes += views_[i].size();
  string_bytes_ += bytes;
  if (string_bytes_ > max_string_bytes_) {
    return Status::DataLoss(fmt::format(
        "the chunk decodes to more than {} bytes of strings, out of proportion to the file",
        max_string_bytes_));
  }
  assembler->FillViews(def, n, views_.data());
  return Status::OK();
}

}  // namespace financelake::parquet
