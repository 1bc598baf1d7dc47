#include "financelake/parquet/column_writer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <cmath>
#include <set>
#include <type_traits>

#include "financelake/parquet/bit_util.h"
#include "financelake/parquet/compression.h"
#include "financelake/parquet/dictionary.h"
#include "financelake/parquet/rle_encoding.h"

namespace financelake::parquet {

using columnar::Column;
using columnar::int128_t;
using columnar::TypeKind;
using columnar::Value;

namespace {

// A decimal written as FIXED_LEN_BYTE_ARRAY: its 16-byte big-endian form.
struct Flba16 {
  std::array<uint8_t, 16> b;
};

int BitWidthOf(uint64_t max_value) {
  int w = 0;
  while (max_value != 0) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

void AppendU32(std::string* out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out->append(b, 4);
}

constexpr int64_t kSlice = 4096;
// Values seen before the dictionary's cardinality is judged.
constexpr size_t kProbeValues = 16384;

template <typename Phys>
constexpr bool kHasDictionary =
    !std::is_same_v<Phys, bool> && !std::is_same_v<Phys, Flba16>;

template <typename Phys, typename Src>
class TypedLeafWriter final : public LeafWriter {
 public:
  TypedLeafWriter(const LeafDescriptor& leaf, const WriterOptions& options)
      : leaf_(leaf),
        options_(options),
        def_enc_(BitWidthOf(static_cast<uint64_t>(leaf.max_def))),
        rep_enc_(BitWidthOf(static_cast<uint64_t>(leaf.max_rep))) {
    use_dict_ = kHasDictionary<Phys> && options.dictionary;
  }

  Status WriteFlat(const Column& col, int64_t begin, int64_t end) override {
    const bool nullable = leaf_.max_def > 0;
    for (int64_t s = begin; s < end; s += kSlice) {
      const int64_t e = std::min(end, s + kSlice);
      const int64_t n = e - s;
      if (col.null_count() == 0) {
        if (nullable) def_enc_.PutRun(1, static_cast<size_t>(n));
        AddValues(col, s, e);
      } else {
        if (!nullable) {
          return Status::InvalidArgument(fmt::format(
              "parquet writer: column '{}' is not nullable but holds nulls", PathString()));
        }
        for (int64_t i = s; i < e; ++i) {
          const bool valid = col.IsValid(i);
          def_enc_.Put(valid ? 1u : 0u);
          if (valid) {
            AddValue(Get(col, i));
          } else {
            ++page_nulls_;
          }
        }
      }
      page_entries_ += n;
      FL_RETURN_NOT_OK(AfterSlice());
    }
    return Status::OK();
  }

  Status WriteNested(const Column& col, const int16_t* def, const int16_t* rep, int64_t n,
                     const int64_t* value_index) override {
    int64_t v = 0;
    for (int64_t s = 0; s < n; s += kSlice) {
      const int64_t e = std::min(n, s + kSlice);
      for (int64_t i = s; i < e; ++i) {
        if (leaf_.max_def > 0) def_enc_.Put(static_cast<uint32_t>(def[i]));
        if (leaf_.max_rep > 0) rep_enc_.Put(static_cast<uint32_t>(rep[i]));
        if (def[i] == leaf_.max_def) {
          AddValue(Get(col, value_index[v++]));
        } else {
          ++page_nulls_;
        }
      }
      page_entries_ += e - s;
      // Cut pages only where a new row starts, so a row never spans two pages.
      if (e < n && rep[e] != 0) continue;
      FL_RETURN_NOT_OK(AfterSlice());
    }
    return Status::OK();
  }

  int64_t BufferedBytes() const override {
    return pages_bytes_ + PageRawBytes() +
           (use_dict_ ? static_cast<int64_t>(DictPlainBytes()) : 0);
  }

  Status FinishChunk(io::WritableFile* sink, ColumnChunk* chunk,
                     ColumnStatistics* stats) override {
    if (page_entries_ > 0) FL_RETURN_NOT_OK(FlushPage());
    ColumnMetaData md;
    md.type = leaf_.physical_type;
    md.path_in_schema = leaf_.path;
    md.codec = options_.compression;
    md.num_values = chunk_entries_;
    const int64_t start = static_cast<int64_t>(sink->size());
    int64_t uncompressed = chunk_uncompressed_, compressed = pages_bytes_;
    std::set<Encoding> encodings(encodings_.begin(), encodings_.end());
    if (leaf_.max_def > 0 || leaf_.max_rep > 0) encodings.insert(Encoding::RLE);
    if (dict_pages_ > 0) {
      std::string page;
      DictPlain(&page);
      std::string header;
      FL_RETURN_NOT_OK(BuildPage(PageType::DICTIONARY_PAGE, page, DictSize(), Encoding::PLAIN,
                                 &header));
      uncompressed += static_cast<int64_t>(page.size()) + header_uncompressed_delta_;
      compressed += static_cast<int64_t>(header.size());
      FL_RETURN_NOT_OK(sink->Append(header));
      md.dictionary_page_offset = start;
      md.encoding_stats.push_back({PageType::DICTIONARY_PAGE, Encoding::PLAIN, 1});
      encodings.insert(Encoding::PLAIN);
    }
    md.data_page_offset = static_cast<int64_t>(sink->size());
    for (const std::string& page : pages_) FL_RETURN_NOT_OK(sink->Append(page));
    md.encodings.assign(encodings.begin(), encodings.end());
    if (dict_pages_ > 0) {
      md.encoding_stats.push_back({PageType::DATA_PAGE, Encoding::RLE_DICTIONARY, dict_pages_});
    }
    if (plain_pages_ > 0) {
      md.encoding_stats.push_back({PageType::DATA_PAGE, Encoding::PLAIN, plain_pages_});
    }
    md.total_uncompressed_size = uncompressed;
    md.total_compressed_size = compressed;

    ColumnStatistics st;
    st.num_values = chunk_entries_;
    st.null_count = chunk_nulls_;
    if (dict_pages_ > 0) CollectDictStats();
    if (has_minmax_) {
      st.min = ToValue(min_);
      st.max = ToValue(max_);
    }
    md.statistics = EncodeStatistics(st, leaf_);
    if constexpr (std::is_floating_point_v<Phys>) {
      // The format's rule for zeros, since -0.0 == +0.0 leaves either sign in min_/max_: a zero
      // minimum is written as -0.0 and a zero maximum as +0.0, so that both bound every zero.
      if (has_minmax_ && min_ == 0) {
        md.statistics->min_value = EncodeStatValue(Value::Real(-0.0), leaf_);
      }
      if (has_minmax_ && max_ == 0) {
        md.statistics->max_value = EncodeStatValue(Value::Real(0.0), leaf_);
      }
    }
    chunk->file_offset = start;
    chunk->meta_data = std::move(md);
    *stats = std::move(st);
    ResetChunk();
    return Status::OK();
  }

 private:
  std::string PathString() const { return fmt::format("{}", fmt::join(leaf_.path, ".")); }

  Phys Get(const Column& col, int64_t i) const {
    if constexpr (std::is_same_v<Phys, std::string_view>) {
      return col.StringAt(i);
    } else if constexpr (std::is_same_v<Phys, bool>) {
      return col.ValueAt<uint8_t>(i) != 0;
    } else if constexpr (std::is_same_v<Phys, Flba16>) {
      Flba16 f;
      DecimalToBigEndian(col.ValueAt<int128_t>(i), f.b.data(), 16);
      return f;
    } else {
      return static_cast<Phys>(col.ValueAt<Src>(i));
    }
  }

  // All slots in [b, e) are valid: the hot loop, without per-value mode checks.
  void AddValues(const Column& col, int64_t b, int64_t e) {
    page_values_ += e - b;
    if constexpr (kHasDictionary<Phys>) {
      if (use_dict_) {
        const size_t limit = static_cast<size_t>(options_.dictionary_page_bytes);
        for (int64_t i = b; i < e; ++i) {
          bool inserted;
          indices_.push_back(dict_.GetOrInsert(Get(col, i), &inserted));
          if (inserted && DictPlainBytes() > limit) dict_full_ = true;
        }
        return;
      }
    }
    if constexpr (std::is_arithmetic_v<Phys> && !std::is_same_v<Phys, bool>) {
      const size_t old = plain_.size();
      plain_.resize(old + static_cast<size_t>(e - b) * sizeof(Phys));
      char* out = plain_.data() + old;
      for (int64_t i = b; i < e; ++i) {
        const Phys v = Get(col, i);
        UpdateStats(v);
        std::memcpy(out, &v, sizeof(Phys));
        out += sizeof(Phys);
      }
    } else {
      for (int64_t i = b; i < e; ++i) {
        const Phys v = Get(col, i);
        UpdateStats(v);
        AppendPlain(v, &plain_);
      }
    }
  }

  void AddValue(Phys v) {
    ++page_values_;
    if constexpr (kHasDictionary<Phys>) {
      if (use_dict_) {
        bool inserted;
        indices_.push_back(dict_.GetOrInsert(v, &inserted));
        if (inserted && DictPlainBytes() > static_cast<size_t>(options_.dictionary_page_bytes)) {
          dict_full_ = true;
        }
        return;
      }
    }
    UpdateStats(v);
    AppendPlain(v, &plain_);
  }

  void AppendPlain(const Phys& v, std::string* out) {
    if constexpr (std::is_same_v<Phys, std::string_view>) {
      AppendU32(out, static_cast<uint32_t>(v.size()));
      out->append(v.data(), v.size());
    } else if constexpr (std::is_same_v<Phys, bool>) {
      if ((bool_bits_ & 7) == 0) out->push_back('\0');
      if (v) out->back() = static_cast<char>(out->back() | (1 << (bool_bits_ & 7)));
      ++bool_bits_;
    } else if constexpr (std::is_same_v<Phys, Flba16>) {
      const size_t w = static_cast<size_t>(leaf_.type_length);
      out->append(reinterpret_cast<const char*>(v.b.data()) + 16 - w, w);
    } else {
      const size_t old = out->size();
      out->resize(old + sizeof(Phys));
      std::memcpy(out->data() + old, &v, sizeof(Phys));
    }
  }

  void UpdateStats(const Phys& v) {
    if constexpr (std::is_floating_point_v<Phys>) {
      if (std::isnan(v)) return;
    }
    if (!has_minmax_) {
      SetStat(&min_, v);
      SetStat(&max_, v);
      has_minmax_ = true;
      return;
    }
    if (Less(v, StatView(min_))) SetStat(&min_, v);
    if (Less(StatView(max_), v)) SetStat(&max_, v);
  }

  // String stats are owned copies; other types are stored as themselves.
  using StatT = std::conditional_t<std::is_same_v<Phys, std::string_view>, std::string, Phys>;
  static Phys StatView(const StatT& s) { return Phys(s); }
  static void SetStat(StatT* dst, const Phys& v) { *dst = StatT(v); }
  static bool Less(const Phys& a, const Phys& b) {
    if constexpr (std::is_same_v<Phys, Flba16>) {
      // Two's complement big-endian: compare the sign first, then bytes unsigned.
      const bool an = a.b[0] & 0x80, bn = b.b[0] & 0x80;
      if (an != bn) return an;
      return a.b < b.b;
    } else {
      return a < b;  // string_view compares bytes unsigned (char_traits<char>)
    }
  }

  Value ToValue(const StatT& s) const {
    const TypeKind k = leaf_.type.kind();
    if constexpr (std::is_same_v<Phys, std::string_view>) {
      return Value::Bytes(s);
    } else if constexpr (std::is_same_v<Phys, bool>) {
      return Value::Bool(s);
    } else if constexpr (std::is_same_v<Phys, Flba16>) {
      return Value::Decimal(DecimalFromBigEndian(s.b.data(), 16));
    } else if constexpr (std::is_floating_point_v<Phys>) {
      return Value::Real(static_cast<double>(s));
    } else {
      if (k == TypeKind::kDecimal) return Value::Decimal(static_cast<int128_t>(s));
      return Value::Int(static_cast<int64_t>(s));
    }
  }

  size_t DictSize() const {
    if constexpr (kHasDictionary<Phys>) return dict_.size();
    return 0;
  }
  size_t DictPlainBytes() const {
    if constexpr (kHasDictionary<Phys>) return dict_.plain_bytes();
    return 0;
  }
  void DictPlain(std::string* out) {
    if constexpr (kHasDictionary<Phys>) {
      out->clear();
      for (size_t i = 0; i < dict_.size(); ++i) AppendPlain(DictEntry(i), out);
    }
  }
  Phys DictEntry(size_t i) const {
    if constexpr (std::is_same_v<Phys, std::string_view>) {
      return dict_.Get(i);
    } else if constexpr (kHasDictionary<Phys>) {
      return dict_.values()[i];
    } else {
      (void)i;
      return Phys{};
    }
  }
  void CollectDictStats() {
    if constexpr (kHasDictionary<Phys>) {
      for (size_t i = 0; i < dict_.size(); ++i) UpdateStats(DictEntry(i));
    }
  }

  int64_t PageRawBytes() const {
    return static_cast<int64_t>(plain_.size() + indices_.size() * 2 + def_enc_.EstimatedSize() +
                                rep_enc_.EstimatedSize());
  }

  Status AfterSlice() {
    if constexpr (kHasDictionary<Phys>) {
      // Cardinality probe: a column whose first values are mostly distinct will not profit from
      // a dictionary; stop hashing now rather than after a whole page.
      if (use_dict_ && pages_written_ == 0 && indices_.size() >= kProbeValues &&
          dict_.size() * 2 > indices_.size()) {
        FallBackToPlain();
        return Status::OK();
      }
    }
    if (dict_full_) {
      FL_RETURN_NOT_OK(FlushPage());
      use_dict_ = false;
      dict_full_ = false;
      sticky_plain_ = true;
      return Status::OK();
    }
    if (PageRawBytes() >= options_.page_bytes) return FlushPage();
    return Status::OK();
  }

  // Encodes the open page, compresses it and appends header + body to pages_.
  Status FlushPage() {
    body_.clear();
    if (leaf_.max_rep > 0) AppendLevels(&rep_enc_);
    if (leaf_.max_def > 0) AppendLevels(&def_enc_);
    Encoding enc = Encoding::PLAIN;
    if constexpr (kHasDictionary<Phys>) {
      if (use_dict_ && !indices_.empty() && pages_written_ == 0 && !DictionaryPaysOff()) {
        // Dictionary does not shrink the first page: re-encode it plain and stay plain.
        FallBackToPlain();
      }
      if (use_dict_) {
        enc = Encoding::RLE_DICTIONARY;
        const int width = std::max(1, BitWidthOf(dict_.size() > 0 ? dict_.size() - 1 : 0));
        body_.push_back(static_cast<char>(width));
        RleBpEncoder idx_enc(width);
        for (uint32_t idx : indices_) idx_enc.Put(idx);
        idx_enc.Finish(&body_);
      }
    }
    // A plain page without levels is its values alone: compress them where they are.
    const bool values_only = enc == Encoding::PLAIN && body_.empty();
    if (enc == Encoding::PLAIN && !values_only) body_.append(plain_);
    const std::string& body = values_only ? plain_ : body_;
    std::string header;
    FL_RETURN_NOT_OK(BuildPage(PageType::DATA_PAGE, body, static_cast<size_t>(page_entries_),
                               enc, &header));
    // One buffer per page (header + body), recycled across row groups so steady-state writing
    // does not fault in fresh memory.
    std::string page = TakeSpare();
    page.reserve(header.size() + compressed_.size());
    page.append(header);
    page.append(compressed_);
    pages_bytes_ += static_cast<int64_t>(page.size());
    pages_.push_back(std::move(page));
    chunk_uncompressed_ += static_cast<int64_t>(body.size()) + header_uncompressed_delta_;
    if (enc == Encoding::PLAIN) {
      ++plain_pages_;
      encodings_.insert(Encoding::PLAIN);
    } else {
      ++dict_pages_;
      encodings_.insert(Encoding::RLE_DICTIONARY);
    }
    ++pages_written_;
    chunk_entries_ += page_entries_;
    chunk_nulls_ += page_nulls_;
    page_entries_ = page_values_ = page_nulls_ = 0;
    plain_.clear();
    indices_.clear();
    bool_bits_ = 0;
    return Status::OK();
  }

  // Re-encodes the open (first) page's values PLAIN and drops the dictionary for this column.
  void FallBackToPlain() {
    if constexpr (kHasDictionary<Phys>) {
      for (uint32_t idx : indices_) {
        UpdateStats(DictEntry(idx));
        AppendPlain(DictEntry(idx), &plain_);
      }
      indices_.clear();
      dict_.Clear();
      use_dict_ = false;
      sticky_plain_ = true;
    }
  }

  bool DictionaryPaysOff() const {
    size_t plain_size = 0;
    if constexpr (std::is_same_v<Phys, std::string_view>) {
      for (uint32_t idx : indices_) plain_size += 4 + dict_.Get(idx).size();
    } else {
      plain_size = indices_.size() * sizeof(Phys);
    }
    const size_t width = static_cast<size_t>(std::max(1, BitWidthOf(dict_.size())));
    const size_t dict_size = DictPlainBytes() + indices_.size() * width / 8;
    return dict_size < plain_size;
  }

  void AppendLevels(RleBpEncoder* enc) {
    const size_t at = body_.size();
    body_.append(4, '\0');
    enc->Finish(&body_);
    const auto len = static_cast<uint32_t>(body_.size() - at - 4);
    std::memcpy(body_.data() + at, &len, 4);
  }

  // Compresses `body` into compressed_ and serializes its header into *header.
  Status BuildPage(PageType type, const std::string& body, size_t num_values, Encoding enc,
                   std::string* header) {
    size_t n = 0;
    FL_RETURN_NOT_OK(
        CompressInto(options_.compression, body, &comp_buf_, &n, options_.compression_level));
    compressed_ = std::string_view(comp_buf_.data(), n);
    PageHeader h;
    h.type = type;
    h.uncompressed_page_size = static_cast<int32_t>(body.size());
    h.compressed_page_size = static_cast<int32_t>(compressed_.size());
    if (type == PageType::DICTIONARY_PAGE) {
      DictionaryPageHeader d;
      d.num_values = static_cast<int32_t>(num_values);
      d.encoding = enc;
      h.dictionary_page_header = d;
    } else {
      DataPageHeader d;
      d.num_values = static_cast<int32_t>(num_values);
      d.encoding = enc;
      d.definition_level_encoding = Encoding::RLE;
      d.repetition_level_encoding = Encoding::RLE;
      h.data_page_header = d;
    }
    header->clear();
    SerializePageHeader(h, header);
    header_uncompressed_delta_ = static_cast<int64_t>(header->size());
    if (type == PageType::DICTIONARY_PAGE) header->append(compressed_);
    return Status::OK();
  }

  std::string TakeSpare() {
    if (spare_.empty()) return std::string();
    std::string s = std::move(spare_.back());
    spare_.pop_back();
    s.clear();
    return s;
  }

  void ResetChunk() {
    for (auto& p : pages_) spare_.push_back(std::move(p));
    pages_.clear();
    pages_bytes_ = 0;
    encodings_.clear();
    chunk_entries_ = chunk_nulls_ = chunk_uncompressed_ = 0;
    dict_pages_ = plain_pages_ = 0;
    pages_written_ = 0;
    has_minmax_ = false;
    if constexpr (kHasDictionary<Phys>) dict_.Clear();
    use_dict_ = kHasDictionary<Phys> && options_.dictionary && !sticky_plain_;
  }

  const LeafDescriptor& leaf_;
  const WriterOptions& options_;
  RleBpEncoder def_enc_;
  RleBpEncoder rep_enc_;

  // Open page.
  int64_t page_entries_ = 0, page_values_ = 0, page_nulls_ = 0;
  std::string plain_;
  std::vector<uint32_t> indices_;
  uint64_t bool_bits_ = 0;

  // Current chunk.
  std::conditional_t<std::is_same_v<Phys, std::string_view>, BinaryDictionary,
                     std::conditional_t<kHasDictionary<Phys>,
                                        FixedDictionary<std::conditional_t<kHasDictionary<Phys>, Phys, int32_t>>,
                                        int>>
      dict_{};
  bool use_dict_ = false;
  bool dict_full_ = false;
  bool sticky_plain_ = false;
  std::vector<std::string> pages_;  // header + compressed body of each data page
  std::vector<std::string> spare_;  // page buffers of earlier row groups, for reuse
  int64_t pages_bytes_ = 0;
  std::set<Encoding> encodings_;
  int64_t chunk_entries_ = 0, chunk_nulls_ = 0, chunk_uncompressed_ = 0;
  int32_t dict_pages_ = 0, plain_pages_ = 0, pages_written_ = 0;
  bool has_minmax_ = false;
  StatT min_{}, max_{};

  // Scratch.
  std::string body_, comp_buf_;
  std::string_view compressed_;  // the compressed page in comp_buf_
  int64_t header_uncompressed_delta_ = 0;
};

template <typename Phys, typename Src>
std::unique_ptr<LeafWriter> MakeTyped(const LeafDescriptor& leaf, const WriterOptions& o) {
  return std::make_unique<TypedLeafWriter<Phys, Src>>(leaf, o);
}

}  // namespace

Result<std::unique_ptr<LeafWriter>> LeafWriter::Make(const LeafDescriptor& leaf,
                                                     const WriterOptions& o) {
  switch (leaf.type.kind()) {
    case TypeKind::kBoolean: return MakeTyped<bool, uint8_t>(leaf, o);
    case TypeKind::kByte: return MakeTyped<int32_t, int8_t>(leaf, o);
    case TypeKind::kShort: return MakeTyped<int32_t, int16_t>(leaf, o);
    case TypeKind::kInteger:
    case TypeKind::kDate: return MakeTyped<int32_t, int32_t>(leaf, o);
    case TypeKind::kLong:
    case TypeKind::kTimestamp: return MakeTyped<int64_t, int64_t>(leaf, o);
    case TypeKind::kFloat: return MakeTyped<float, float>(leaf, o);
    case TypeKind::kDouble: return MakeTyped<double, double>(leaf, o);
    case TypeKind::kString:
    case TypeKind::kBinary: return MakeTyped<std::string_view, std::string_view>(leaf, o);
    case TypeKind::kDecimal:
      if (leaf.physical_type == Type::INT32) return MakeTyped<int32_t, int128_t>(leaf, o);
      if (leaf.physical_type == Type::INT64) return MakeTyped<int64_t, int128_t>(leaf, o);
      return MakeTyped<Flba16, int128_t>(leaf, o);
    default: break;
  }
  return Status::Internal(fmt::format("parquet writer: no leaf writer for {}",
                                      leaf.type.ToString()));
}

}  // namespace financelake::parquet
