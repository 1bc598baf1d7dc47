// Reads a labelled CSV for training or scoring (`financelake fraud train|score --csv`).
// A leading unnamed header column (a pandas index written with to_csv) is named "_c0", as
// Spark names unnamed columns, and reported as a row index: the caller excludes it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"

namespace financelake::ml {

inline constexpr std::string_view kIndexColumn = "_c0";

// `index_column_out` set to true when the file had an unnamed first column.
Result<columnar::RecordBatch> ReadLabelledCsv(std::string text, std::string_view source,
                                              bool* index_column_out);

}  // namespace financelake::ml
