// The bound, for DESC (ASC mirrors it): take the files whose statistics know the column's
// minimum, maximum and null count, largest maximum first, until their non-null rows number at
// least k; v = the smallest of their minima. Those rows are all >= v, so at least k rows are, and
// a row below v has at least k rows above it: it cannot be among the first k, whatever the other
// ORDER BY columns say. Rows equal to v stay. Files the bound does not use are still read when
// their statistics allow a row >= v (or say nothing).
//
// What SQLite compares is what the table shows it: numbers for integers, text for dates and
// timestamps ('YYYY-MM-DD', 'YYYY-MM-DDTHH:MM:SS.ffffffZ'). That text sorts as time only for
// years 0000-9999, so the values the bound relies on must lie there: beyond it a year-10000 row
// would sort as text below a year-2026 one. Below year 0 the text starts with '-', below every
// digit, which keeps such rows out of the first k of a DESC order as their time does.
#include "financelake/sql/limit_bound.h"

#include <algorithm>
#include <variant>
#include <vector>

#include "financelake/columnar/value.h"
#include "financelake/delta/stats_read.h"
#include "financelake/sql/pushdown.h"

namespace financelake::sql {
namespace {

using columnar::TypeKind;

struct FileBound {
  int64_t min = 0;
  int64_t max = 0;
  int64_t non_null = 0;
};

}  // namespace

std::optional<std::string> OrderLimitTerm(const delta::Snapshot& snapshot,
                                          const std::string& column, bool desc, int64_t k) {
  if (k < 1) return std::nullopt;
  const columnar::Schema& schema = snapshot.schema();
  const auto index = schema.FieldIndex(column);
  if (!index.has_value()) return std::nullopt;
  const columnar::DataType& type = schema.field(*index).type;
  const TypeKind kind = type.kind();
  const bool temporal = kind == TypeKind::kDate || kind == TypeKind::kTimestamp;
  if (!temporal && !columnar::IsIntegerKind(kind)) return std::nullopt;
  const auto& partitions = snapshot.partition_columns();
  if (std::find(partitions.begin(), partitions.end(), column) != partitions.end())
    return std::nullopt;

  // Where text order is time order (years 0000-9999).
  const int64_t day_lo = columnar::DaysFromCivil(0, 1, 1);
  const int64_t day_hi = columnar::DaysFromCivil(10000, 1, 1) - 1;
  const int64_t unit = kind == TypeKind::kTimestamp ? 86400000000LL : 1;
  const int64_t lo = day_lo * unit;
  const int64_t hi = (day_hi + 1) * unit - 1;
  const auto in_text_order = [&](int64_t x) { return !temporal || (x >= lo && x <= hi); };

  std::vector<FileBound> files;
  for (const delta::AddFile& add : snapshot.files()) {
    if (add.has_deletion_vector) return std::nullopt;  // numRecords would count deleted rows
    std::optional<delta::FileStats> stats;
    if (add.stats) {
      auto parsed = delta::ParseFileStats(*add.stats, schema);
      if (parsed.ok()) stats = std::move(*parsed);
    }
    const columnar::Expr::ColumnRange* range = stats ? stats->Find(column) : nullptr;
    const bool known = range != nullptr && stats->num_records && range->null_count && range->min &&
                       range->max && std::holds_alternative<int64_t>(range->min->v) &&
                       std::holds_alternative<int64_t>(range->max->v);
    // ASC puts NULLs first, and any file may hold a row that sorts first: every file must be
    // known, without nulls, and (as text) in time order.
    if (!desc && (!known || *range->null_count != 0 || !in_text_order(range->max->as_int()))) {
      return std::nullopt;
    }
    if (!known) continue;
    files.push_back(
        {range->min->as_int(), range->max->as_int(), *stats->num_records - *range->null_count});
  }
  // Nearest to the front of the order first.
  std::sort(files.begin(), files.end(), [desc](const FileBound& a, const FileBound& b) {
    return desc ? a.max > b.max : a.min < b.min;
  });
  int64_t rows = 0;
  int64_t bound = 0;
  for (const FileBound& f : files) {
    if (f.non_null <= 0) continue;
    // DESC relies on these rows showing (as text) at or above the bound.
    if (desc && !in_text_order(f.max)) return std::nullopt;
    bound = rows == 0 ? (desc ? f.min : f.max)
                      : (desc ? std::min(bound, f.min) : std::max(bound, f.max));
    rows += f.non_null;
    if (rows >= k) break;
  }
  if (rows < k || !in_text_order(bound)) return std::nullopt;
  SqlValue value = SqlValue::Int(bound);
  if (kind == TypeKind::kDate)
    value = SqlValue::Text(columnar::FormatDate(static_cast<int32_t>(bound)));
  if (kind == TypeKind::kTimestamp) value = SqlValue::Text(columnar::FormatTimestampMicros(bound));
  return PushDownTerm(column, type, desc ? PushOp::kGe : PushOp::kLe, value);
}

}  // namespace financelake::sql
