// Table: a Delta table at a path on a FileSystem. Reads snapshots (latest, by version, by
// timestamp), history, and scans rows. Writing goes through Transaction (transaction.h) and the
// operations in operations.h. Thread-safe: snapshots are immutable and the cached latest
// snapshot is guarded.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "financelake/columnar/expr.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/delta/log.h"
#include "financelake/delta/snapshot.h"
#include "financelake/io/filesystem.h"

namespace financelake::delta {

struct HistoryEntry {
  DeltaVersion version;
  int64_t timestamp_ms = 0;
  CommitInfo commit_info;  // empty object if the commit had none
};

struct ScanOptions {
  std::vector<std::string> columns;            // empty: all, in schema order
  std::optional<columnar::Expr> filter;        // rows must satisfy it; files/row groups skipped
  int64_t limit = -1;                          // -1: all rows
  // When set, receives one id per returned row, stable for the snapshot whatever the filter:
  // (index of the file in snapshot.files()) << 40 | row number within the file. SQL engines
  // use it as a rowid (deduplicating the union of several scans of one table).
  std::vector<int64_t>* row_ids = nullptr;
};

struct ScanMetrics {
  int64_t files_total = 0;
  int64_t files_read = 0;     // after partition + stats skipping
  int64_t rows_read = 0;
};

class Table {
 public:
  // Does not touch the disk; Exists() and the snapshot calls do.
  static std::unique_ptr<Table> Open(std::shared_ptr<io::FileSystem> fs, std::string path);

  const std::string& path() const { return path_; }
  io::FileSystem& fs() const { return *fs_; }
  std::shared_ptr<io::FileSystem> shared_fs() const { return fs_; }

  // True when `_delta_log/` holds at least one commit or checkpoint.
  Result<bool> Exists() const;
  // Latest version; reuses the cached snapshot and replays only newer commits.
  Result<SnapshotPtr> Latest();
  Result<SnapshotPtr> AtVersion(DeltaVersion v);
  // The latest version whose commit timestamp is <= timestamp_ms (Spark's semantics); an error
  // naming the earliest/latest timestamps when out of range.
  Result<SnapshotPtr> AsOfTimestamp(int64_t timestamp_ms);
  // Newest first; at most `limit` entries (-1: all recoverable), of versions below `before`
  // when given (the next page; nothing when commit `before` - 1 is missing). With a limit,
  // those commits are found without listing the log when they are all there (a streaming
  // table's log holds millions of commits), and returned as they are: their timestamps are
  // made increasing from the oldest of them, as Spark's history with a limit does (time travel
  // by timestamp makes them increasing over the whole log; the two differ only where commit
  // files' times go backwards), and versions below a gap or whose checkpoint was deleted are
  // not looked for. Otherwise the log is listed: history stops at the first gap.
  Result<std::vector<HistoryEntry>> History(int64_t limit = -1,
                                            std::optional<DeltaVersion> before = std::nullopt);

  // Rows of a snapshot: live files read with projection, partition values filled in from the
  // log, columns missing from a file read as null, filter applied.
  Result<columnar::RecordBatch> Scan(const Snapshot& snapshot, const ScanOptions& options,
                                     ScanMetrics* metrics = nullptr) const;

  std::string LogDir() const;

 private:
  Table(std::shared_ptr<io::FileSystem> fs, std::string path);
  // History's window: the newest `limit` commits, Stat by Stat; nullopt when one is missing or
  // the latest version cannot be loaded (then the listing decides).
  std::optional<std::vector<CommitFile>> RecentCommits(int64_t limit,
                                                       std::optional<DeltaVersion> before);
  // The first version dated by commitInfo.inCommitTimestamp, or nullopt (table.cc).
  Result<std::optional<int64_t>> InCommitTimestampsFrom();

  std::shared_ptr<io::FileSystem> fs_;
  std::string path_;
  std::mutex mu_;
  SnapshotPtr latest_;  // guarded by mu_
};

}  // namespace financelake::delta
