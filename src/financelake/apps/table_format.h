// Printing record batches on the command line: aligned text columns for people, CSV and JSON
// lines (columnar/text_values.h) for programs. Used by `table scan` and `table history`; the
// --columns list of `table scan` and `parquet cat`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"

namespace financelake::apps {

enum class OutputFormat { kTable, kCsv, kJsonl };

// "table", "csv" or "jsonl"; InvalidArgument naming the bad word otherwise.
Result<OutputFormat> ParseOutputFormat(std::string_view text);

// Writes `batch` to standard output:
//  - kTable: a header, a rule, one line per row with columns padded to a common width (numbers
//    right-aligned, null as NULL, nested values as JSON, control characters escaped), then
//    "(N rows)";
//  - kCsv: a header line and RFC 4180 rows (null is an empty field);
//  - kJsonl: one JSON object per row.
// IOError if standard output refuses the bytes.
Status PrintBatch(const columnar::RecordBatch& batch, OutputFormat format);

// The columns a `--columns a,b` list names, as indexes into `schema`: names trimmed of spaces and
// matched without regard to case (as --where); `where` prefixes the errors: NotFound for a name
// the schema lacks, InvalidArgument for a column named twice (a JSON line cannot hold a key
// twice). An empty list: no columns (the caller's "all").
Result<std::vector<size_t>> ResolveColumnList(const columnar::Schema& schema,
                                              const std::string& list, const std::string& where);

// Writes `text` to standard output.
Status WriteStdout(std::string_view text);

}  // namespace financelake::apps
