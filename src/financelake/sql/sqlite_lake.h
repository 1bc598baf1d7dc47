// SQLite virtual-table modules over the lake (the adapter: sqlite_lake.cc and sql_session.cc
// are the only files that include sqlite3.h).
//   delta    CREATE VIRTUAL TABLE t USING delta('<table path>' [, 'version=N' | 'timestamp=T']):
//            the table's columns (types: INTEGER, REAL, TEXT for strings, dates 'YYYY-MM-DD' and
//            timestamps 'YYYY-MM-DDTHH:MM:SS.ffffffZ', BLOB); read-only. SQLite's WHERE
//            constraints that pushdown.h accepts go to the Delta scan as a filter (partition
//            pruning, file and row-group skipping by stats, row filtering) and only the columns
//            the query uses are read. Without a version the latest snapshot is read per query.
//   history  the table-valued function history('<table>'): version, timestamp, operation,
//            operation_parameters, operation_metrics (JSON), engine_info, newest first.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "financelake/delta/table.h"
#include "financelake/io/filesystem.h"
#include "financelake/sql/lake_catalog.h"
#include "financelake/sql/scan_cache.h"

struct sqlite3;

namespace financelake::sql {

struct LakeScanStats {
  int64_t scans = 0;
  int64_t files_total = 0;
  int64_t files_read = 0;
  int64_t rows_read = 0;
  int64_t groupings = 0;  // scans' rows put in GROUP BY order (group_order.h)
};

struct LakeContext {
  std::shared_ptr<io::FileSystem> fs;
  std::string lake;
  std::vector<LakeTable> tables;
  bool pushdown = true;  // false: every constraint is left to SQLite (full scans)
  LakeScanStats stats;
  RepeatedScans repeated;  // this statement's kept rows

  // One delta::Table per path (its snapshot cache is reused across queries).
  delta::Table& TableAt(const std::string& path);
  // The latest snapshot of the table at `path` as this statement sees it: looked up once per
  // statement (a self-join reads one version; a nested loop does not list the log per row).
  Result<delta::SnapshotPtr> StatementSnapshot(const std::string& path);
  // Forgets the statement's snapshots and kept rows; the session calls it after each statement.
  void EndStatement();

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<delta::Table>> open_;
  std::map<std::string, delta::SnapshotPtr> statement_snapshots_;
};

// Registers the modules; SQLITE_OK or SQLite's error code.
int RegisterLakeModules(sqlite3* db, LakeContext* ctx);

}  // namespace financelake::sql
