// Table operations built on Transaction: what the CLI and the pipeline call.
// Each returns the committed version; commitInfo carries operation, operationParameters and
// operationMetrics (numFiles, numOutputRows, numOutputBytes, numRemovedFiles, ...) the way Spark
// writes them, so DESCRIBE HISTORY in Spark shows them.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "financelake/columnar/expr.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/delta/table.h"
#include "financelake/delta/transaction.h"

namespace financelake::delta {

struct CreateOptions {
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> properties;
  std::optional<std::string> name;
  std::optional<std::string> description;
};

// CREATE TABLE: protocol (1, 2) + metaData. AlreadyExists if the table exists.
Result<DeltaVersion> CreateTable(Table& table, const columnar::Schema& schema,
                                 const CreateOptions& options);

// Exactly-once bookkeeping for a writer: (app_id, version) committed with the data. If the
// table already holds a txn for app_id at >= version, nothing is written and the existing
// table version is returned with `skipped` set.
struct TxnId {
  std::string app_id;
  int64_t version = 0;
};
struct WriteOutcome {
  DeltaVersion version;
  bool skipped = false;
  int64_t files_added = 0;
  int64_t files_removed = 0;
  int64_t rows_written = 0;
  int64_t rows_deleted = 0;
  int64_t rows_updated = 0;
};

Result<WriteOutcome> Append(Table& table, const columnar::RecordBatch& batch,
                            std::optional<TxnId> txn = std::nullopt);
// Replaces the whole table, or with `replace_where` only the rows matching it (the new rows
// must all match it, else InvalidArgument).
Result<WriteOutcome> Overwrite(Table& table, const columnar::RecordBatch& batch,
                               std::optional<columnar::Expr> replace_where = std::nullopt,
                               std::optional<TxnId> txn = std::nullopt);
// Copy-on-write delete of the rows matching `predicate`.
Result<WriteOutcome> DeleteWhere(Table& table, const columnar::Expr& predicate);
// Upsert by key columns (copy-on-write): rows of `batch` whose keys exist replace those rows,
// the rest are inserted. Duplicate keys within `batch` -> InvalidArgument.
Result<WriteOutcome> Merge(Table& table, const columnar::RecordBatch& batch,
                           const std::vector<std::string>& key_columns,
                           std::optional<TxnId> txn = std::nullopt);

struct OptimizeOptions {
  int64_t target_file_bytes = 128LL << 20;
  int64_t min_files = 2;  // a partition with fewer small files is left alone
};
// Bin-packs small files per partition; dataChange=false; never conflicts with appends. Files
// are packed in the order they were first written, and each new file's add carries that time
// of its oldest input in the tag kFirstWrittenTag (ms), so a later OPTIMIZE keeps the order.
Result<WriteOutcome> Optimize(Table& table, const OptimizeOptions& options = {});
inline constexpr const char* kFirstWrittenTag = "financelake.firstWrittenMs";

struct VacuumOptions {
  std::optional<double> retain_hours;  // default: delta.deletedFileRetentionDuration (7 days)
  bool dry_run = false;
  bool force = false;  // allow retention shorter than the table's setting
  int64_t now_ms = 0;  // 0: the clock
};
struct VacuumResult {
  std::vector<std::string> deleted;  // relative paths (or, on dry run, that would be)
};
Result<VacuumResult> Vacuum(Table& table, const VacuumOptions& options = {});

// Writes a checkpoint at the latest version and `_last_checkpoint`.
Result<DeltaVersion> Checkpoint(Table& table);

}  // namespace financelake::delta
