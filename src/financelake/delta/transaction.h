// Transaction: an optimistic-concurrency commit to a Delta table.
//
// Protocol:
//  1. Transaction::Start(table) reads the latest snapshot (the read version).
//  2. Stage data: WriteDataFiles(batch) writes Parquet files under unique names (partitioned
//     into col=value/ directories) and returns their AddFile actions with Spark-style stats;
//     add them with AddFiles(). RemoveFiles(), SetTxn(appId, version), UpdateMetadata() as needed.
//  3. Commit(operation, parameters) writes `_delta_log/<read+1>.json` with create-if-absent. If
//     another writer got that version first, the new commits are read and checked against this
//     transaction (blind appends always retry; a removed file that was also removed by the
//     winner, a txn appId the winner also advanced, a metadata/protocol change, or a read of
//     files the winner changed fail with Aborted/AlreadyExists naming the winning version), and
//     the commit is retried at the next version.
//  4. After a commit at a multiple of delta.checkpointInterval a checkpoint is written; expired
//     log files are cleaned up per delta.logRetentionDuration.
// Not thread-safe; one transaction per thread. Many processes may commit to one table.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "financelake/columnar/record_batch.h"
#include "financelake/delta/table.h"

namespace financelake::delta {

struct CommitResult {
  DeltaVersion version;
  int attempts = 1;  // 1 + conflicts retried
};

// OK when financelake may write to a table of this protocol (reader 1, writer <= 2); else
// FailedPrecondition "unsupported table feature for writing: ...". Every write path checks it,
// including checkpoints and vacuum (they change the table directory too).
Status CheckWritable(const Protocol& protocol, const std::string& table_path);

class Transaction {
 public:
  static Result<std::unique_ptr<Transaction>> Start(Table& table);
  // For a new table: no snapshot; the first commit must carry protocol + metadata.
  static std::unique_ptr<Transaction> StartCreate(Table& table);

  const Snapshot* read_snapshot() const { return read_.get(); }

  // Writes `batch` (schema must match the table's) as one or more Parquet files.
  Result<std::vector<AddFile>> WriteDataFiles(const columnar::RecordBatch& batch);

  void AddFiles(std::vector<AddFile> files);
  void RemoveFiles(std::vector<RemoveFile> files);
  void SetProtocol(Protocol protocol);
  void UpdateMetadata(Metadata metadata);
  void SetTxn(std::string app_id, int64_t version);
  // Declares that this transaction read (and depends on) these live files: a concurrent commit
  // that removes any of them makes this one fail instead of retrying.
  void ReadFiles(const std::vector<AddFile>& files);
  // Declares that this transaction's result depends on the whole table (overwrite).
  void ReadWholeTable();

  Result<CommitResult> Commit(const std::string& operation, Json operation_parameters);

 private:
  Transaction() = default;
  struct State;
  std::shared_ptr<State> state_;
  Table* table_ = nullptr;
  SnapshotPtr read_;
};

}  // namespace financelake::delta
