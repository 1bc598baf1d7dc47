// Upkeep of a lake that a long-running process keeps writing (a continuous `pipeline`, the
// demo): every commit of a streaming writer adds a small file (ingest commits about once a
// second per table, Silver and Gold once per pass), so a day of streaming leaves tens of
// thousands of files per table and every snapshot load, checkpoint and scan grows with them.
// MaintainLake compacts each table's small files (OPTIMIZE: per partition, dataChange =
// false, so incremental readers and writers are unaffected; a Gold pass that meets it is
// redone) and deletes the files removed longer ago than the table's retention (VACUUM with
// delta.deletedFileRetentionDuration, default 7 days: readers of older versions keep theirs).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "financelake/io/filesystem.h"

namespace financelake::pipeline {

struct MaintenanceCounts {
  int64_t tables = 0;           // Delta tables looked at
  int64_t files_compacted = 0;  // small files rewritten...
  int64_t files_written = 0;    // ...into these
  int64_t files_vacuumed = 0;   // files deleted (removed before the retention period)
  std::vector<std::string>
      errors;  // "<table>: <message>" of the tables that failed (the others ran)
};

// The Delta tables of a lake: <lake>/errors and every table directory under bronze/, silver/
// and gold/ (lake-relative paths, sorted). An entry that cannot be looked at (unreadable, a
// symlink loop) is skipped and named in `errors` when given.
std::vector<std::string> LakeTables(io::FileSystem& fs, const std::string& lake,
                                    std::vector<std::string>* errors = nullptr);

// One round over the lake's own tables (those whose description FinanceLake wrote: a table
// another tool keeps under the lake is left alone). A table that fails (say, a concurrent
// OPTIMIZE by another process) is reported in `errors` and the round goes on. `stop`, when
// given, is checked before each table: a round stops there when it returns true.
MaintenanceCounts MaintainLake(std::shared_ptr<io::FileSystem> fs, const std::string& lake,
                               const std::function<bool()>& stop = nullptr);

}  // namespace financelake::pipeline
