#include "financelake/delta/stats.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "financelake/base/utf8.h"
#include "financelake/columnar/value.h"

namespace financelake::delta {
namespace {

using columnar::Column;
using columnar::DataType;
using columnar::Field;
using columnar::TypeKind;
using columnar::Value;

constexpr char32_t kTieBreaker = 0xFFFD;
constexpr int kMaxExactDecimalDigits = 15;  // DBL_DIG: such decimals survive a double

// Byte offset just past the first `chars` code points (s.size() if shorter).
size_t PrefixBytes(std::string_view s, size_t chars) {
  size_t i = 0;
  for (size_t n = 0; n < chars && i < s.size(); ++n) {
    char32_t cp;
    i += DecodeUtf8(s, i, &cp);
  }
  return i;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int SignificantDigits(columnar::int128_t v) {
  unsigned __int128 mag = v < 0 ? static_cast<unsigned __int128>(0) - static_cast<unsigned __int128>(v)
                                : static_cast<unsigned __int128>(v);
  while (mag != 0 && mag % 10 == 0) mag /= 10;
  int digits = 0;
  while (mag != 0) {
    mag /= 10;
    ++digits;
  }
  return digits;
}

// Leaves the Parquet schema has under a field of this type (maps: keys and values).
size_t CountParquetLeaves(const DataType& type) {
  if (!type.is_nested()) return 1;
  size_t n = 0;
  for (const Field& f : type.children()) n += CountParquetLeaves(f.type);
  return n;
}

// Rows where `col` or one of its enclosing structs is null.
int64_t CountNulls(const Column& col, const std::vector<const Column*>& ancestors, int64_t begin,
                   int64_t end) {
  int64_t n = 0;
  for (int64_t i = begin; i < end; ++i) {
    bool null = col.IsNull(i);
    for (const Column* a : ancestors) null = null || a->IsNull(i);
    n += null ? 1 : 0;
  }
  return n;
}

bool HasNaN(const Column& col, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    if (col.IsNull(i)) continue;
    const double d = col.type().kind() == TypeKind::kFloat ? col.ValueAt<float>(i)
                                                           : col.ValueAt<double>(i);
    if (std::isnan(d)) return true;
  }
  return false;
}

// The JSON form of a min (round_up = false) or max bound, or null when we write none.
Json BoundToJson(const Value& v, const DataType& type, bool is_max, size_t prefix_chars) {
  switch (type.kind()) {
    case TypeKind::kByte:
    case TypeKind::kShort:
    case TypeKind::kInteger:
    case TypeKind::kLong:
      return Json::Int(v.as_int());
    case TypeKind::kFloat:
    case TypeKind::kDouble:
      return std::isfinite(v.as_double()) ? Json::Double(v.as_double()) : Json();
    case TypeKind::kDecimal: {
      if (SignificantDigits(v.as_decimal()) > kMaxExactDecimalDigits) return Json();
      const std::string text = columnar::FormatDecimal(v.as_decimal(), type.scale());
      return Json::Double(std::strtod(text.c_str(), nullptr));
    }
    case TypeKind::kDate:
      return Json::String(columnar::FormatDate(static_cast<int32_t>(v.as_int())));
    case TypeKind::kTimestamp:
      return Json::String(FormatStatsTimestamp(v.as_int(), is_max));
    case TypeKind::kString:
      if (!IsValidUtf8(v.as_bytes())) return Json();
      return Json::String(is_max ? TruncateMaxString(v.as_bytes(), prefix_chars)
                                 : TruncateMinString(v.as_bytes(), prefix_chars));
    default:
      return Json();  // boolean, binary: Spark keeps no bounds
  }
}

class StatsWalker {
 public:
  // Rows [begin, end) of the columns were written.
  StatsWalker(const parquet::WriteResult& result, const StatsOptions& options, int64_t begin, int64_t end)
      : result_(result), options_(options), budget_(options.num_indexed_cols), begin_(begin), end_(end) {}

  // Adds the stats of one field (and its children) to the three objects.
  void AddField(const Field& field, const Column& col, std::vector<const Column*>& ancestors,
                Json* min, Json* max, Json* nulls) {
    if (Exhausted()) return;
    const DataType& type = field.type;
    if (type.kind() == TypeKind::kStruct) {
      Json cmin = Json::Object(), cmax = Json::Object(), cnulls = Json::Object();
      ancestors.push_back(&col);
      for (size_t i = 0; i < type.children().size(); ++i) {
        AddField(type.children()[i], col.child(i), ancestors, &cmin, &cmax, &cnulls);
      }
      ancestors.pop_back();
      if (cmin.size() > 0) min->Set(field.name, std::move(cmin));
      if (cmax.size() > 0) max->Set(field.name, std::move(cmax));
      if (cnulls.size() > 0) nulls->Set(field.name, std::move(cnulls));
      return;
    }
    if (budget_ > 0) --budget_;
    const size_t leaf = next_leaf_;
    next_leaf_ += CountParquetLeaves(type);
    if (type.is_nested() || leaf >= result_.leaf_stats.size()) {
      nulls->Set(field.name, Json::Int(CountNulls(col, ancestors, begin_, end_)));
      return;
    }
    const parquet::ColumnStatistics& s = result_.leaf_stats[leaf];
    nulls->Set(field.name, Json::Int(s.null_count ? *s.null_count : CountNulls(col, ancestors, begin_, end_)));
    if (s.min) {
      Json j = BoundToJson(*s.min, type, false, options_.string_prefix_chars);
      if (!j.is_null()) min->Set(field.name, std::move(j));
    }
    const bool is_float = type.kind() == TypeKind::kFloat || type.kind() == TypeKind::kDouble;
    if (s.max && !(is_float && HasNaN(col, begin_, end_))) {
      Json j = BoundToJson(*s.max, type, true, options_.string_prefix_chars);
      if (!j.is_null()) max->Set(field.name, std::move(j));
    }
  }

 private:
  bool Exhausted() const { return options_.num_indexed_cols >= 0 && budget_ == 0; }

  const parquet::WriteResult& result_;
  const StatsOptions& options_;
  int64_t budget_;
  int64_t begin_, end_;
  size_t next_leaf_ = 0;
};

}  // namespace

Result<StatsOptions> StatsOptionsFromConfiguration(
    const std::map<std::string, std::string>& configuration) {
  StatsOptions options;
  auto it = configuration.find("delta.dataSkippingNumIndexedCols");
  if (it != configuration.end()) {
    const std::string& text = it->second;
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < -1) {
      return Status::InvalidArgument(fmt::format(
          "delta: table property delta.dataSkippingNumIndexedCols: '{}' is not an integer >= -1",
          text));
    }
    options.num_indexed_cols = n;
  }
  return options;
}

Json BuildFileStats(const columnar::RecordBatch& batch, const parquet::WriteResult& result,
                    const StatsOptions& options) {
  std::vector<const Column*> columns;
  for (const Column& c : batch.columns()) columns.push_back(&c);
  return BuildFileStats(batch.schema(), columns, 0, batch.num_rows(), result, options);
}

Json BuildFileStats(const columnar::Schema& schema, const std::vector<const Column*>& columns,
                    int64_t begin, int64_t end, const parquet::WriteResult& result,
                    const StatsOptions& options) {
  Json min = Json::Object(), max = Json::Object(), nulls = Json::Object();
  StatsWalker walker(result, options, begin, end);
  std::vector<const Column*> ancestors;
  for (size_t i = 0; i < columns.size(); ++i) {
    walker.AddField(schema.field(i), *columns[i], ancestors, &min, &max, &nulls);
  }
  Json stats = Json::Object();
  stats.Set("numRecords", Json::Int(end - begin));
  stats.Set("minValues", std::move(min));
  stats.Set("maxValues", std::move(max));
  stats.Set("nullCount", std::move(nulls));
  return stats;
}

std::string TruncateMinString(std::string_view s, size_t prefix_chars) {
  return std::string(s.substr(0, PrefixBytes(s, prefix_chars)));
}

std::string TruncateMaxString(std::string_view s, size_t prefix_chars) {
  size_t end = PrefixBytes(s, prefix_chars);
  if (end == s.size()) return std::string(s);
  while (end < s.size()) {
    char32_t cp;
    const size_t n = DecodeUtf8(s, end, &cp);
    if (cp < kTieBreaker) break;
    end += n;
  }
  return std::string(s.substr(0, end)) + "\xEF\xBF\xBD";  // U+FFFD
}

std::string FormatStatsTimestamp(int64_t micros, bool round_up) {
  const int64_t ms = round_up ? -FloorDiv(-micros, 1000) : FloorDiv(micros, 1000);
  const int64_t days = FloorDiv(ms, 86400000);
  const int64_t rem = ms - days * 86400000;
  int64_t y;
  unsigned m, d;
  columnar::CivilFromDays(days, &y, &m, &d);
  const int64_t secs = rem / 1000;
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:03d}Z", y, m, d, secs / 3600,
                     (secs / 60) % 60, secs % 60, rem % 1000);
}

}  // namespace financelake::delta
