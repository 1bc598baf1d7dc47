// Parsing values of every primitive type from text (CSV fields, CLI literals), and printing
// rows as JSON lines or CSV. The inverse forms of FormatValue (value.h).
#pragma once

#include <string>
#include <string_view>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/columnar/value.h"

namespace financelake::columnar {

// Parses `text` as a value of the primitive `type`. Accepted forms: integers in range;
// decimal/scientific doubles and "NaN", "Infinity", "-Infinity"; booleans true/false (any case)
// or 1/0; dates YYYY-MM-DD; timestamps YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]] with an optional Z or
// ±HH:MM offset (no offset = UTC), or a date alone; decimals with at most `scale` fraction
// digits and `precision` digits in all; string and binary take the text as is.
// InvalidArgument says what was expected.
Result<Value> ParseValue(std::string_view text, const DataType& type);

// Appends slot `row` of `column` as JSON, in the form AppendJsonRow uses (nested values as
// JSON arrays and objects).
void AppendJsonValue(const Column& column, int64_t row, std::string* out);
// Appends row `row` of `batch` as one JSON object (no newline): keys are column names; dates,
// timestamps, decimals and NaN/Infinity as strings, binary as base64, maps as objects.
void AppendJsonRow(const RecordBatch& batch, int64_t row, std::string* out);
// Appends a CSV header / row (RFC 4180 quoting; null is an empty unquoted field; nested values
// as their JSON text).
void AppendCsvHeader(const Schema& schema, std::string* out);
// One CSV field, quoted when it must be (separators, quotes, line breaks, edge spaces) and when
// empty, so that an empty string differs from a null (an unquoted empty field).
void AppendCsvField(std::string_view s, std::string* out);
void AppendCsvRow(const RecordBatch& batch, int64_t row, std::string* out);

}  // namespace financelake::columnar
