// The server's window on the lake: the tables and their versions, kept current by Poll()
// (which tails each table's log: only new commits are read), and query results served from
// memory until one of the tables changes. Queries are SQL built by the API from validated
// parameters, run by a small pool of SqlSessions (module sql; one per core, each used by one
// thread at a time), so cache hits never wait behind a query being computed. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/delta/table.h"
#include "financelake/io/filesystem.h"
#include "financelake/sql/result_set.h"
#include "financelake/sql/sql_session.h"

namespace financelake::server {

struct TableState {
  std::string name;  // SQL name: gold.daily_prices (the path when it has none: lake_catalog.h)
  std::string rel;   // gold/daily_prices
  bool has_sql_name = true;
  int64_t version = -1;
  int64_t files = 0;
  int64_t rows = -1;  // -1: unknown (files without stats)
  int64_t bytes = 0;
  int64_t last_commit_ms = 0;
  // The latest commit that changed data (an add with dataChange: appends, overwrites, ...), not
  // maintenance (OPTIMIZE, VACUUM, metadata-only commits); 0 when none is in the log.
  int64_t last_data_commit_ms = 0;
  // The table's id and schema: SQL sessions define a table's columns when they open, so a
  // change of either (a column added, the table replaced) reopens them.
  std::string shape;
};

class LakeView {
 public:
  static Result<std::unique_ptr<LakeView>> Open(std::shared_ptr<io::FileSystem> fs, std::string lake);

  // Re-reads the table list and each table's latest version; returns the tables whose version
  // changed (or that appeared) since the last call.
  Result<std::vector<TableState>> Poll();
  std::vector<TableState> Tables() const;
  // Bumped whenever Poll() sees a change; cached results of older generations are dropped.
  int64_t generation() const;

  // Runs `sql` (one statement); a repeated query is answered from memory while no table has
  // changed.
  Result<sql::ResultSet> Query(const std::string& sql);
  // The table at `rel` ("gold/daily_prices"), or NotFound.
  Result<TableState> Table(const std::string& rel) const;
  // Rows per partition value of one partition column, from the log's file statistics (no data
  // read): {partition value -> rows}. Empty when the table is not partitioned by `column`.
  Result<std::map<std::string, int64_t>> RowsByPartition(const std::string& rel, const std::string& column);

  const std::string& lake() const { return lake_; }

 private:
  LakeView(std::shared_ptr<io::FileSystem> fs, std::string lake) : fs_(std::move(fs)), lake_(std::move(lake)) {}

  // One delta::Table per path, kept between polls so Latest() replays only the new commits.
  delta::Table& TableAt(const std::string& path);
  // last_data_commit_ms of `snap`, reading only the commits after `previous` (the table's state
  // at the last poll, nullptr at the first).
  int64_t LastDataCommitMs(const std::string& path, const delta::Snapshot& snap,
                           const TableState* previous);

  std::shared_ptr<io::FileSystem> fs_;
  std::string lake_;
  std::mutex open_mu_;
  std::map<std::string, std::unique_ptr<delta::Table>> open_;  // guarded by open_mu_
  mutable std::mutex mu_;  // tables_, generation_, cache_
  std::map<std::string, TableState> tables_;  // by rel
  int64_t generation_ = 0;
  struct Cached {
    int64_t generation = 0;
    std::shared_ptr<const sql::ResultSet> result;
  };
  std::map<std::string, Cached> cache_;
  size_t cached_bytes_ = 0;
  struct Slot {
    std::mutex mu;
    std::unique_ptr<sql::SqlSession> session;
    int64_t list_generation = -1;  // the table list the session was opened on
  };
  std::vector<std::unique_ptr<Slot>> slots_;
  int64_t list_generation_ = 0;  // bumped when tables appear or go (guarded by mu_)
  std::atomic<size_t> next_slot_{0};
};

}  // namespace financelake::server
