// Reading the per-file statistics of an add action (PROTOCOL.md "Per-file Statistics": the
// `stats` JSON string with numRecords, minValues, maxValues, nullCount, tightBounds) into value
// ranges for file skipping with columnar::Expr::MayMatch.
//
// Conservative by construction: a statistic that does not fit its column's type, or that the
// writer may have truncated, is dropped (unknown), never guessed:
//  - string maxima of 32 or more characters (Spark cuts strings to a 32-character prefix, so
//    such a maximum may not bound the real values); minima are prefixes, so they stay;
//  - timestamps are stored at millisecond precision, so a maximum is widened by 999 µs;
//  - decimals beyond 15 digits (JSON numbers are doubles here) and binary values;
//  - with tightBounds = false, a nullCount other than 0 or numRecords.
// Independent of the writer's stats.{h,cc}. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "financelake/base/result.h"
#include "financelake/columnar/expr.h"
#include "financelake/columnar/schema.h"

namespace financelake::delta {

struct FileStats {
  std::optional<int64_t> num_records;
  // By column path: "price" for a top-level column, "quote.bid" for a field of a struct.
  std::map<std::string, columnar::Expr::ColumnRange> columns;

  // The range of a column, or nullptr when nothing is known about it.
  const columnar::Expr::ColumnRange* Find(const std::string& column) const;
};

// Parses `stats_json` against the table schema. InvalidArgument when the text is not a JSON
// object; unknown columns and unusable values are skipped.
Result<FileStats> ParseFileStats(std::string_view stats_json, const columnar::Schema& schema);

// numRecords alone, or nullopt when absent or unreadable.
std::optional<int64_t> StatsNumRecords(std::string_view stats_json);

}  // namespace financelake::delta
