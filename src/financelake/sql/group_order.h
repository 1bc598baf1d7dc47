// The order in which a scan hands its rows to SQLite when SQLite asked for them grouped (a
// GROUP BY over the virtual table's own columns, sqlite3_vtab_distinct() == 1): rows whose key
// columns are equal come together, so SQLite aggregates each group as it streams past instead
// of sorting every row first (its sorter was most of a full-table GROUP BY's time).
//
// The groups come in ascending order of their keys (descending per key where asked), compared
// as SQLite compares the values the virtual table returns (NULL and NaN first, integers and
// reals by value, text and blobs bytewise, dates and timestamps by their text, decimals by the
// REAL SQLite sees),
// so the rows are sorted as well as grouped: whatever SQLite concludes from the plan (it may take a
// consumed GROUP BY as also satisfying an identical ORDER BY), the output is right. Within a group
// rows keep their scan order. Pure: no sqlite3.h here.
#pragma once

#include <cstdint>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"

namespace financelake::sql {

struct GroupKey {
  int column = 0;  // into the batch
  bool descending = false;
};

// The REAL SQLite is handed for row `row` of a decimal column (the virtual table returns
// decimals so): the decimal's text read back as a double, -0.0 as 0.0. Up to 15 significant
// digits every decimal has its own REAL; beyond, neighbours can share one.
double DecimalAsReal(const columnar::Column& column, int64_t row);

// Whether rows can be grouped by a column of this type (nested types cannot: SQLite sees them
// as JSON text, which this code does not build).
bool GroupableType(const columnar::DataType& type);

// What a grouping cost: groups found, and hash-table slots looked at (about one per row when
// the keys hash well).
struct GroupRowsStats {
  int64_t groups = 0;
  int64_t probes = 0;
};

// The rows of `batch` (all, or those in `selected`, as row numbers), grouped by `keys` in the
// order above. An error when there are more rows than a uint32_t numbers.
Result<std::vector<uint32_t>> GroupRows(const columnar::RecordBatch& batch,
                                        const std::vector<uint32_t>* selected,
                                        const std::vector<GroupKey>& keys,
                                        GroupRowsStats* stats = nullptr);

}  // namespace financelake::sql
