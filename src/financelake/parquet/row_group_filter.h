// Row-group skipping: which row groups of a file may hold rows matching simple predicates,
// judged from the min/max/null_count statistics in the footer.
//
// Conservative: a row group is dropped only when its statistics prove that no row matches.
// Unknown columns, nested columns, missing statistics, NaN bounds and literals whose type does
// not fit the column keep the row group. Comparisons follow SQL: a null literal matches nothing
// (use kIsNull), and a null value never satisfies a comparison.
#pragma once

#include <string>
#include <vector>

#include "financelake/columnar/value.h"
#include "financelake/parquet/reader.h"

namespace financelake::parquet {

// `column <op> values`: kEq/kLt/kLe/kGt/kGe take one value, kIn any number (an empty list
// matches nothing), kIsNull/kIsNotNull none. Values use the column's Value representation
// (integers, dates and timestamps as Int, decimals as unscaled Decimal); Int literals are also
// accepted for float/double columns.
struct ColumnPredicate {
  enum class Op { kEq, kLt, kLe, kGt, kGe, kIn, kIsNull, kIsNotNull };
  std::string column;  // a top-level column name
  Op op = Op::kEq;
  std::vector<columnar::Value> values;
};

// Row groups (in file order) that may contain rows matching ALL predicates. Only top-level
// primitive columns are used; predicates on anything else keep every row group.
std::vector<int> SelectRowGroups(const ParquetReader& reader,
                                 const std::vector<ColumnPredicate>& preds);

}  // namespace financelake::parquet
