// Per-file statistics for `add.stats`, in the JSON form Spark writes (delta-io/delta
// PROTOCOL.md, "Per-file Statistics"; see docs/formats/delta.md):
//
//   {"numRecords":3,"minValues":{"id":1,"s":{"name":"a"}},"maxValues":{...},"nullCount":{...}}
//
// Which columns: the first `delta.dataSkippingNumIndexedCols` (default 32; negative = all) leaf
// columns of the file's data schema (partition columns are not in data files), counted in schema
// order with structs flattened and an array or map counting as one leaf, as Spark's
// StatisticsCollection.truncateSchema does. minValues/maxValues: byte, short, integer, long,
// float, double, decimal, date, timestamp and string leaves (not boolean, binary, arrays, maps);
// nullCount: every counted leaf (an array or map counts null arrays/maps). Nested structs are
// nested objects.
//
// Values are conservative bounds: strings are cut to 32 characters (min: the prefix; max: the
// prefix extended over characters >= U+FFFD, then U+FFFD appended, as Spark's
// truncateMaxStringAgg does; we count code points, so the bound also holds bytewise in UTF-8);
// timestamps are ISO-8601 UTC at millisecond precision with the minimum rounded down and the
// maximum rounded up; dates are "YYYY-MM-DD"; decimals are JSON numbers (left out past 15
// significant digits, which a double cannot hold exactly); NaN and infinities are never written
// (a column holding NaN gets no maximum, since Spark orders NaN above everything).
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "financelake/base/json.h"
#include "financelake/base/utf8.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/parquet/writer.h"

namespace financelake::delta {

struct StatsOptions {
  int64_t num_indexed_cols = 32;   // delta.dataSkippingNumIndexedCols; < 0: every column
  size_t string_prefix_chars = 32; // Spark's spark.databricks.delta.stats.skipping.strings.prefixLength
};

// Reads `delta.dataSkippingNumIndexedCols` from a table configuration (default 32; a malformed
// value is an InvalidArgument naming it).
Result<StatsOptions> StatsOptionsFromConfiguration(
    const std::map<std::string, std::string>& configuration);

// The stats of one data file: `batch` is what was written to it (data columns only) and
// `result` what ParquetWriter::Close() returned for it (per-leaf min/max/null counts).
Json BuildFileStats(const columnar::RecordBatch& batch, const parquet::WriteResult& result,
                    const StatsOptions& options);
// The same for rows [begin, end) of `columns` (one per field of `schema`).
Json BuildFileStats(const columnar::Schema& schema, const std::vector<const columnar::Column*>& columns,
                    int64_t begin, int64_t end, const parquet::WriteResult& result,
                    const StatsOptions& options);

// --- pieces, exposed for tests ---

// The first `prefix_chars` code points of `s` (all of it when shorter).
std::string TruncateMinString(std::string_view s, size_t prefix_chars);
// `s` when it has at most `prefix_chars` code points; otherwise a string >= every string that
// starts with the prefix of `s`: the prefix, then the code points >= U+FFFD that follow it, then
// U+FFFD.
std::string TruncateMaxString(std::string_view s, size_t prefix_chars);
// "2024-01-31T09:30:00.123Z": microseconds since the epoch rounded down (or up) to milliseconds.
std::string FormatStatsTimestamp(int64_t micros, bool round_up);
// IsValidUtf8 (base/utf8.h) tells which strings get min/max values.

}  // namespace financelake::delta
