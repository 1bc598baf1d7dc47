// ExactlyOnceTable: a Delta table written by a pipeline stage (Bronze, errors, ...) and its
// exactly-once bookkeeping.
//
// Each commit carries the rows of a micro-batch and one Delta `txn` action per input stream it
// covers (a Kafka partition, or an in-process source), whose version is the last offset those
// rows reach. Before committing, the table's current version of every such appId must equal
// the one the writer started from: if another writer advanced it (a rebalance gave the
// partition to another process, or a restarted process caught up), nothing is written and the
// stale appIds are reported, so the caller drops those rows and resumes from the table's
// position. Concurrent commits of other partitions simply retry (blind appends).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/delta/table.h"
#include "financelake/io/filesystem.h"

namespace financelake::pipeline {

struct TxnAdvance {
  std::string app_id;
  int64_t from = -1;  // the version the writer resumed from; -1: none in the table
  int64_t to = -1;    // the version this commit records
};

struct TxnCommitResult {
  int64_t version = -1;  // the table version written; -1 when nothing was written
  int attempts = 0;
  std::vector<std::string> stale_app_ids;  // non-empty: nothing written (see above)
};

class ExactlyOnceTable {
 public:
  struct Layout {
    columnar::Schema schema;
    std::vector<std::string> partition_columns;
    std::string description;
  };
  // Opens the table at `path`, creating it with `layout` if it does not exist (creating
  // concurrently with another process is fine). FailedPrecondition if it exists with another
  // schema.
  static Result<std::unique_ptr<ExactlyOnceTable>> OpenOrCreate(std::shared_ptr<io::FileSystem> fs,
                                                                std::string path,
                                                                const Layout& layout);

  const std::string& path() const { return table_->path(); }
  delta::Table& table() { return *table_; }

  // The latest txn version per appId (re-reads new commits); -1 when absent.
  Result<int64_t> TxnVersion(const std::string& app_id);
  Result<std::map<std::string, int64_t>> TxnVersions(const std::vector<std::string>& app_ids);

  // Commits `batch` (may have no rows: then only the txn actions) with `txns`.
  // `query_id` goes into commitInfo's operationParameters.
  Result<TxnCommitResult> Commit(const columnar::RecordBatch& batch,
                                    const std::vector<TxnAdvance>& txns,
                                    const std::string& query_id);

  // The same in two steps, for a batch too large to hold at once: WriteFiles writes rows as
  // data files of the current schema (not yet part of the table; call it per part), then
  // CommitFiles commits them all in one version. When nothing is committed (stale appIds, an
  // error before the commit) the files are removed; a conflicting commit retries with the same
  // files. After an error whose outcome is unknown (the log entry may have landed) the files
  // are kept unless the table, read again, shows none of them.
  Result<std::vector<delta::AddFile>> WriteFiles(const columnar::RecordBatch& batch);
  Result<TxnCommitResult> CommitFiles(std::vector<delta::AddFile> files,
                                      const std::vector<TxnAdvance>& txns,
                                      const std::string& query_id);
  // Removes files written by WriteFiles that will not be committed (best effort).
  void DiscardFiles(const std::vector<delta::AddFile>& files);

 private:
  ExactlyOnceTable(std::unique_ptr<delta::Table> table, columnar::Schema schema)
      : table_(std::move(table)), schema_(std::move(schema)) {}
  // FailedPrecondition unless the table still has the schema it was opened with.
  Status CheckSchema(const delta::Snapshot& snap) const;
  // True when the latest snapshot references none of `files`; false when it does or cannot be
  // read.
  bool NoneInTable(const std::vector<delta::AddFile>& files);
  // Writes `batch` (if any) in every attempt, and adds the `staged` files.
  Result<TxnCommitResult> CommitLoop(const columnar::RecordBatch* batch,
                                     const std::vector<delta::AddFile>& staged,
                                     const std::vector<TxnAdvance>& txns,
                                     const std::string& query_id);
  std::unique_ptr<delta::Table> table_;
  columnar::Schema schema_;
  int64_t epoch_ = 0;
};

}  // namespace financelake::pipeline
