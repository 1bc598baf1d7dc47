// Printing record batches on the command line: aligned text columns for people, CSV and JSON
// lines (columnar/text_values.h) for programs. Used by `table scan` and `table history`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

// Writes `text` to standard output.
Status WriteStdout(std::string_view text);

}  // namespace financelake::apps
