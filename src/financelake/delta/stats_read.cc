#include "financelake/delta/stats_read.h"

#include <cmath>

#include "financelake/base/json.h"
#include "financelake/columnar/text_values.h"

namespace financelake::delta {
namespace {

using columnar::DataType;
using columnar::TypeKind;
using columnar::Value;

// Spark's dataSkippingStringPrefixLength.
constexpr size_t kStringPrefixChars = 32;
// A double holds every integer of this many digits exactly.
constexpr int kMaxExactDecimalDigits = 15;

size_t Utf8Chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// One min or max statistic as a Value of `type`, or nullopt when unusable.
std::optional<Value> StatValue(const Json& j, const DataType& type, bool is_max) {
  switch (type.kind()) {
    case TypeKind::kBoolean:
      if (j.is_bool()) return Value::Bool(j.as_bool());
      return std::nullopt;
    case TypeKind::kByte:
    case TypeKind::kShort:
    case TypeKind::kInteger:
    case TypeKind::kLong:
      if (j.is_int()) return Value::Int(j.as_int());
      return std::nullopt;
    case TypeKind::kFloat:
      if (j.is_number()) return Value::Real(static_cast<float>(j.as_double()));
      return std::nullopt;
    case TypeKind::kDouble:
      if (j.is_number()) return Value::Real(j.as_double());
      return std::nullopt;
    case TypeKind::kDecimal: {
      if (!j.is_number() || type.precision() > kMaxExactDecimalDigits) return std::nullopt;
      const double scaled = j.as_double() * std::pow(10.0, type.scale());
      if (!std::isfinite(scaled) || std::fabs(scaled) >= 1e15) return std::nullopt;
      return Value::Decimal(static_cast<columnar::int128_t>(std::llround(scaled)));
    }
    case TypeKind::kString:
      if (!j.is_string()) return std::nullopt;
      if (is_max && Utf8Chars(j.as_string()) >= kStringPrefixChars) return std::nullopt;
      return Value::Bytes(j.as_string());
    case TypeKind::kDate:
    case TypeKind::kTimestamp: {
      if (!j.is_string()) return std::nullopt;
      auto v = columnar::ParseValue(j.as_string(), type);
      if (!v.ok()) return std::nullopt;
      if (type.kind() == TypeKind::kTimestamp && is_max) return Value::Int(v->as_int() + 999);
      return *v;
    }
    default: return std::nullopt;  // binary and nested types carry no usable min/max
  }
}

struct Walker {
  FileStats* out;
  bool tight_bounds;

  static const Json* Member(const Json* obj, const std::string& name) {
    return obj == nullptr ? nullptr : obj->Find(name);
  }

  void Fields(const std::vector<columnar::Field>& fields, const std::string& prefix,
              const Json* mins, const Json* maxs, const Json* nulls) {
    for (const auto& f : fields) {
      const std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
      const Json* mn = Member(mins, f.name);
      const Json* mx = Member(maxs, f.name);
      const Json* nc = Member(nulls, f.name);
      if (f.type.kind() == TypeKind::kStruct) {
        Fields(f.type.children(), path, mn, mx, nc);
        continue;
      }
      columnar::Expr::ColumnRange range;
      range.num_records = out->num_records;
      if (mn != nullptr) range.min = StatValue(*mn, f.type, false);
      if (mx != nullptr) range.max = StatValue(*mx, f.type, true);
      if (nc != nullptr && nc->is_int()) {
        const int64_t n = nc->as_int();
        if (tight_bounds || n == 0 || (out->num_records && n == *out->num_records)) {
          range.null_count = n;
        }
      }
      if (range.min || range.max || range.null_count || range.num_records) {
        out->columns.emplace(path, std::move(range));
      }
    }
  }
};

}  // namespace

const columnar::Expr::ColumnRange* FileStats::Find(const std::string& column) const {
  auto it = columns.find(column);
  return it == columns.end() ? nullptr : &it->second;
}

Result<FileStats> ParseFileStats(std::string_view stats_json, const columnar::Schema& schema) {
  FL_ASSIGN_OR_RETURN(Json j, Json::Parse(stats_json).WithContext("stats"));
  if (!j.is_object()) return Status::InvalidArgument("stats: not a JSON object");
  FileStats stats;
  if (const Json* n = j.Find("numRecords"); n != nullptr && n->is_int() && n->as_int() >= 0) {
    stats.num_records = n->as_int();
  }
  const Json* tight = j.Find("tightBounds");
  Walker w{&stats, tight == nullptr || !tight->is_bool() || tight->as_bool()};
  w.Fields(schema.fields(), "", j.Find("minValues"), j.Find("maxValues"), j.Find("nullCount"));
  return stats;
}

std::optional<int64_t> StatsNumRecords(std::string_view stats_json) {
  auto j = Json::Parse(stats_json);
  if (!j.ok()) return std::nullopt;
  const Json* n = j->Find("numRecords");
  if (n == nullptr || !n->is_int()) return std::nullopt;
  return n->as_int();
}

}  // namespace financelake::delta
