// A SQL session over one lake: an in-memory SQLite database in which every Delta table of the
// lake is a read-only virtual table (sqlite_lake.h) under both of its names (lake_catalog.h),
// except tables that cannot be opened (SHOW TABLES lists them without figures; a query naming
// one fails with the reason), plus time travel, history() and the lake statements (statement.h).
// Statements run one by one; the first failure stops a script. Nothing a query does can change a
// table: the virtual tables have no write path, and ATTACH/DETACH of database files are refused.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/io/filesystem.h"
#include "financelake/sql/result_set.h"
#include "financelake/sql/sqlite_lake.h"

struct sqlite3;

namespace financelake::sql {

class SqlSession {
 public:
  // NotFound when the lake directory does not exist.
  static Result<std::unique_ptr<SqlSession>> Open(std::shared_ptr<io::FileSystem> fs,
                                                  const std::string& lake);
  ~SqlSession();
  SqlSession(const SqlSession&) = delete;
  SqlSession& operator=(const SqlSession&) = delete;

  // Runs every statement of `script` and returns their results in order; InvalidArgument
  // ("SQL: ...", one line) at the first failing statement.
  Result<std::vector<ResultSet>> Execute(std::string_view script);
  // One statement (from SplitStatements): callers that print results as they come.
  Result<ResultSet> ExecuteOne(const std::string& statement);

  // Predicate pushdown into the Delta scans (on by default); off = full scans (benchmarks).
  void set_pushdown(bool on) { ctx_.pushdown = on; }
  // Files and rows the Delta scans read since the session opened (or the last reset).
  const LakeScanStats& scan_stats() const { return ctx_.stats; }
  void reset_scan_stats() { ctx_.stats = {}; }
  const std::vector<LakeTable>& tables() const { return ctx_.tables; }

 private:
  SqlSession() = default;
  Status Exec(const std::string& sql);
  Result<ResultSet> RunStatement(const std::string& statement);
  Result<ResultSet> RunQuery(const std::string& statement);

  sqlite3* db_ = nullptr;
  LakeContext ctx_;
  // Tables that could not be opened, by LakeTable::rel: why.
  std::map<std::string, std::string> unreadable_;
  int time_travel_counter_ = 0;
  std::string denied_;  // why the authorizer last refused something (this statement)
};

}  // namespace financelake::sql
