// Reads CSV text (RFC 4180: quoted fields may hold commas, quotes and newlines) into a record
// batch. The first line is the header. An empty unquoted field is null; "" is an empty string.
// Without a schema every column's type is inferred: long, then double, boolean, date,
// timestamp, and string as the fallback.
#pragma once

#include <optional>
#include <string_view>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"

namespace financelake::columnar {

// `source` names the input in errors ("prices.csv: line 3, column 'px': 'x' is not a double").
// With a schema, the header must name the same columns (any order is not accepted: same order).
Result<RecordBatch> ReadCsv(std::string_view text, const std::optional<Schema>& schema,
                            std::string_view source);

}  // namespace financelake::columnar
