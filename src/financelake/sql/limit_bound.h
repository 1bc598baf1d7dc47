// What a scan for `SELECT ... FROM t ORDER BY c [DESC] ... LIMIT n [OFFSET m]` may leave out.
// SQLite hands LIMIT and OFFSET to a virtual table only for a query over that table alone, with
// no other WHERE term and an ORDER BY (if any) of its plain columns; it still sorts the rows it
// is given and applies LIMIT and OFFSET itself. So the scan only has to return every row that can
// be among the first k = n + m, in the order of the first ORDER BY column (ties included, so the
// other ORDER BY columns need no look). The files' statistics bound those rows (limit_bound.cc):
// a dashboard's "newest 15 rows" of a Bronze table reads its newest file, not the whole table.
// Pure: no sqlite3.h here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "financelake/delta/snapshot.h"

namespace financelake::sql {

// For `ORDER BY column DESC` (or ASC) with k >= 1: a term `column >= v` (`<= v`), as Expr text,
// that every row among the first k keeps, or nullopt when the statistics cannot tell (no stats,
// fewer than k rows counted, a column type whose order SQLite sees differently, nulls first in
// ASC order, ...). Columns: integers, dates and timestamps that are not partition columns.
std::optional<std::string> OrderLimitTerm(const delta::Snapshot& snapshot,
                                          const std::string& column, bool desc, int64_t k);

}  // namespace financelake::sql
