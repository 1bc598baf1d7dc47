#include "financelake/parquet/row_group_filter.h"

#include <cmath>
#include <optional>
#include <variant>

#include "financelake/parquet/statistics.h"

namespace financelake::parquet {

using columnar::DataType;
using columnar::TypeKind;
using columnar::Value;

namespace {

using Op = ColumnPredicate::Op;

// The literal in the representation CompareValues expects for `type`, or nullopt when it does
// not fit (then the predicate cannot be judged).
std::optional<Value> Coerce(const Value& v, const DataType& type) {
  switch (type.kind()) {
    case TypeKind::kBoolean:
      if (std::holds_alternative<bool>(v.v)) return v;
      return std::nullopt;
    case TypeKind::kFloat:
    case TypeKind::kDouble:
      if (std::holds_alternative<double>(v.v)) {
        if (std::isnan(v.as_double())) return std::nullopt;
        return v;
      }
      if (std::holds_alternative<int64_t>(v.v)) {
        return Value::Real(static_cast<double>(v.as_int()));
      }
      return std::nullopt;
    case TypeKind::kString:
    case TypeKind::kBinary:
      if (std::holds_alternative<std::string>(v.v)) return v;
      return std::nullopt;
    case TypeKind::kDecimal:
      if (std::holds_alternative<columnar::int128_t>(v.v)) return v;
      return std::nullopt;
    case TypeKind::kByte:
    case TypeKind::kShort:
    case TypeKind::kInteger:
    case TypeKind::kLong:
    case TypeKind::kDate:
    case TypeKind::kTimestamp:
      if (std::holds_alternative<int64_t>(v.v)) return v;
      return std::nullopt;
    default: return std::nullopt;
  }
}

bool UsableBound(const std::optional<Value>& b, const DataType& type) {
  if (!b || b->is_null()) return false;
  if (!Coerce(*b, type)) return false;  // a bound of the wrong kind, or NaN
  return true;
}

// False only when the statistics prove that no row of the row group satisfies `p`.
bool MayMatch(const ColumnPredicate& p, const ColumnStatistics& s, const DataType& type) {
  const bool all_null = s.null_count && *s.null_count == s.num_values;
  switch (p.op) {
    case Op::kIsNull: return !s.null_count || *s.null_count > 0;
    case Op::kIsNotNull: return !all_null;
    default: break;
  }
  if (all_null) return false;                                // comparisons never hold for nulls
  if (p.op != Op::kIn && p.values.size() != 1) return true;  // malformed: cannot judge
  const bool bounds = UsableBound(s.min, type) && UsableBound(s.max, type);
  for (const Value& raw : p.values) {
    if (raw.is_null()) continue;  // `x = NULL` / `x IN (NULL)` holds for no row
    const std::optional<Value> v = Coerce(raw, type);
    if (!v || !bounds) return true;
    const int vs_min = CompareValues(*v, *s.min, type);
    const int vs_max = CompareValues(*v, *s.max, type);
    switch (p.op) {
      case Op::kEq:
      case Op::kIn:
        if (vs_min >= 0 && vs_max <= 0) return true;
        break;
      case Op::kLt: return vs_min > 0;   // min < v
      case Op::kLe: return vs_min >= 0;  // min <= v
      case Op::kGt: return vs_max < 0;   // max > v
      case Op::kGe: return vs_max <= 0;  // max >= v
      default: return true;
    }
  }
  return false;  // no literal falls in [min, max] (or there was none)
}

}  // namespace

std::vector<int> SelectRowGroups(const ParquetReader& reader,
                                 const std::vector<ColumnPredicate>& preds) {
  const ParquetSchema& ps = reader.parquet_schema();
  // Resolve each predicate to a leaf once; -1 = cannot be judged from statistics.
  std::vector<long> leaf_of(preds.size(), -1);
  for (size_t i = 0; i < preds.size(); ++i) {
    const auto idx = reader.schema().FieldIndex(preds[i].column);
    if (!idx) continue;
    const auto [first, last] = ps.field_leaves[*idx];
    if (last != first + 1) continue;
    const LeafDescriptor& leaf = ps.leaves[first];
    if (leaf.nodes.size() != 1 || leaf.max_rep != 0) continue;
    leaf_of[i] = static_cast<long>(first);
  }
  std::vector<int> out;
  for (int rg = 0; rg < reader.num_row_groups(); ++rg) {
    if (reader.row_group_num_rows(rg) == 0) continue;
    bool keep = true;
    for (size_t i = 0; i < preds.size() && keep; ++i) {
      if (leaf_of[i] < 0) continue;
      const size_t leaf = static_cast<size_t>(leaf_of[i]);
      auto stats = reader.RowGroupStatistics(rg, leaf);
      if (!stats.ok()) continue;
      keep = MayMatch(preds[i], *stats, ps.leaves[leaf].type);
    }
    if (keep) out.push_back(rg);
  }
  return out;
}

}  // namespace financelake::parquet
