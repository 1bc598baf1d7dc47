// What a Delta table's commits added: the incremental stages' input.
#pragma once

#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/delta/table.h"

namespace financelake::pipeline {

// Paths (as in the log) of the data files added with dataChange by the commits after `from` up
// to `to` (a compaction's files, dataChange = false, hold rows counted when first added). When
// a commit file is gone (log cleanup after a long pause) every live file at `to` is returned:
// callers must be idempotent for that case.
Result<std::vector<std::string>> DataFilesAdded(delta::Table& table, int64_t from, int64_t to);

}  // namespace financelake::pipeline
