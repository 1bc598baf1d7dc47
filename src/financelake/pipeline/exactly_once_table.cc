#include "financelake/pipeline/exactly_once_table.h"

#include <fmt/format.h>

#include <set>

#include "financelake/delta/data_writer.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/schema_json.h"
#include "financelake/delta/transaction.h"
#include "financelake/io/path.h"

namespace financelake::pipeline {
namespace {

constexpr int kMaxAttempts = 20;

bool IsConflict(const Status& st) {
  return st.code() == StatusCode::kAborted || st.code() == StatusCode::kAlreadyExists;
}

// True when `to` is `from` with nullable columns appended (a layout that grew since the table
// was created).
bool AddsNullableColumns(const columnar::Schema& from, const columnar::Schema& to) {
  if (to.num_fields() <= from.num_fields()) return false;
  for (size_t i = 0; i < to.num_fields(); ++i) {
    if (i < from.num_fields() ? !(to.field(i) == from.field(i)) : !to.field(i).nullable)
      return false;
  }
  return true;
}

// Commits the grown schema (Delta's "ADD COLUMNS": a metaData action, files unchanged; their
// rows read the new columns as null). Another process doing the same first is fine.
Status AddColumns(delta::Table& table, const columnar::Schema& schema) {
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    FL_ASSIGN_OR_RETURN(std::unique_ptr<delta::Transaction> txn, delta::Transaction::Start(table));
    const delta::Snapshot& snap = *txn->read_snapshot();
    if (snap.schema() == schema) return Status::OK();
    if (!AddsNullableColumns(snap.schema(), schema)) return Status::OK();  // the caller reports it
    FL_RETURN_NOT_OK(delta::CheckWritable(snap.protocol(), table.path()));
    delta::Metadata metadata = snap.metadata();
    metadata.schema_string = delta::SchemaToJson(schema);
    Json added = Json::Array();
    for (size_t i = snap.schema().num_fields(); i < schema.num_fields(); ++i) {
      Json column = Json::Object();
      column.Set(
          "column",
          delta::SchemaToJsonValue(columnar::Schema({schema.field(i)})).Find("fields")->items()[0]);
      column.Set("position", Json::String("LAST"));
      added.Push(std::move(column));
    }
    txn->UpdateMetadata(std::move(metadata));
    Json params = Json::Object();
    params.Set("columns", Json::String(added.Dump()));
    auto committed = txn->Commit("ADD COLUMNS", std::move(params));
    if (committed.ok()) return Status::OK();
    if (!IsConflict(committed.status())) {
      return committed.status().WithContext("add columns to " + table.path());
    }
  }
  return Status::Aborted("add columns to " + table.path() + ": too many concurrent commits");
}

}  // namespace

Result<std::unique_ptr<ExactlyOnceTable>> ExactlyOnceTable::OpenOrCreate(
    std::shared_ptr<io::FileSystem> fs, std::string path, const Layout& layout) {
  auto table = delta::Table::Open(fs, path);
  FL_ASSIGN_OR_RETURN(bool exists, table->Exists());
  if (!exists) {
    FL_RETURN_NOT_OK_CTX(fs->CreateDirs(path), "create " + path);
    delta::CreateOptions options;
    options.partition_columns = layout.partition_columns;
    if (!layout.description.empty()) options.description = layout.description;
    auto created = delta::CreateTable(*table, layout.schema, options);
    if (!created.ok() && !created.status().IsAlreadyExists()) {
      return created.status().WithContext("create table " + path);
    }
  }
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snapshot, table->Latest());
  if (!(snapshot->schema() == layout.schema) &&
      AddsNullableColumns(snapshot->schema(), layout.schema)) {
    FL_RETURN_NOT_OK(AddColumns(*table, layout.schema));
    FL_ASSIGN_OR_RETURN(snapshot, table->Latest());
  }
  if (!(snapshot->schema() == layout.schema)) {
    return Status::FailedPrecondition(
        fmt::format("{} exists with another schema ({}); expected ({})", path,
                    snapshot->schema().ToString(), layout.schema.ToString()));
  }
  return std::unique_ptr<ExactlyOnceTable>(new ExactlyOnceTable(std::move(table), layout.schema));
}

Result<int64_t> ExactlyOnceTable::TxnVersion(const std::string& app_id) {
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snapshot, table_->Latest());
  return snapshot->TxnVersion(app_id).value_or(-1);
}

Result<std::map<std::string, int64_t>> ExactlyOnceTable::TxnVersions(
    const std::vector<std::string>& app_ids) {
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snapshot, table_->Latest());
  std::map<std::string, int64_t> out;
  for (const std::string& id : app_ids) out[id] = snapshot->TxnVersion(id).value_or(-1);
  return out;
}

Result<TxnCommitResult> ExactlyOnceTable::Commit(const columnar::RecordBatch& batch,
                                                 const std::vector<TxnAdvance>& txns,
                                                 const std::string& query_id) {
  return CommitLoop(&batch, {}, txns, query_id);
}

Result<std::vector<delta::AddFile>> ExactlyOnceTable::WriteFiles(
    const columnar::RecordBatch& batch) {
  if (batch.num_rows() == 0) return std::vector<delta::AddFile>{};
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, table_->Latest());
  FL_RETURN_NOT_OK(CheckSchema(*snap));
  return delta::WriteDataFiles(table_->fs(), table_->path(), snap->schema(), snap->metadata(),
                               batch);
}

Result<TxnCommitResult> ExactlyOnceTable::CommitFiles(std::vector<delta::AddFile> files,
                                                      const std::vector<TxnAdvance>& txns,
                                                      const std::string& query_id) {
  auto result = CommitLoop(nullptr, files, txns, query_id);
  if (result.ok() && result->version >= 0) return result;
  // An error may come after the commit landed (the log entry was renamed into place but the
  // directory sync and the read-back failed): then the log already points at these files.
  // Remove them only when the table, read again, shows none of them.
  if (result.ok() || NoneInTable(files)) DiscardFiles(files);
  return result;
}

bool ExactlyOnceTable::NoneInTable(const std::vector<delta::AddFile>& files) {
  auto snap = table_->Latest();
  if (!snap.ok()) return false;  // cannot tell: leave them (an orphan is harmless, a hole is not)
  std::set<std::string> ours;
  for (const delta::AddFile& a : files) ours.insert(a.path);
  for (const delta::AddFile& a : (*snap)->files()) {
    if (ours.count(a.path) != 0) return false;
  }
  return true;
}

Status ExactlyOnceTable::CheckSchema(const delta::Snapshot& snap) const {
  if (snap.schema() == schema_) return Status::OK();
  return Status::FailedPrecondition(fmt::format("{}: the schema changed while writing ({})",
                                                table_->path(), snap.schema().ToString()));
}

void ExactlyOnceTable::DiscardFiles(const std::vector<delta::AddFile>& files) {
  for (const delta::AddFile& a : files) {
    auto rel = delta::DecodeLogPath(a.path);
    if (rel.ok()) (void)table_->fs().Delete(io::JoinPath(table_->path(), *rel));
  }
}

Result<TxnCommitResult> ExactlyOnceTable::CommitLoop(const columnar::RecordBatch* batch,
                                                     const std::vector<delta::AddFile>& staged,
                                                     const std::vector<TxnAdvance>& txns,
                                                     const std::string& query_id) {
  const std::string where = "commit to " + table_->path();
  TxnCommitResult result;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    result.attempts = attempt;
    FL_ASSIGN_OR_RETURN_CTX(std::unique_ptr<delta::Transaction> txn,
                            delta::Transaction::Start(*table_), where);
    const delta::Snapshot& snap = *txn->read_snapshot();
    for (const TxnAdvance& t : txns) {
      if (snap.TxnVersion(t.app_id).value_or(-1) != t.from)
        result.stale_app_ids.push_back(t.app_id);
    }
    if (!result.stale_app_ids.empty()) return result;
    if (!staged.empty()) FL_RETURN_NOT_OK(CheckSchema(snap));
    std::vector<delta::AddFile> written;
    if (batch != nullptr && batch->num_rows() > 0) {
      FL_ASSIGN_OR_RETURN_CTX(written, txn->WriteDataFiles(*batch), where);
      txn->AddFiles(written);
    }
    txn->AddFiles(staged);
    for (const TxnAdvance& t : txns) txn->SetTxn(t.app_id, t.to);
    Json params = Json::Object();
    params.Set("outputMode", Json::String("Append"));
    params.Set("queryId", Json::String(query_id));
    params.Set("epochId", Json::String(std::to_string(epoch_)));
    auto committed = txn->Commit("STREAMING UPDATE", std::move(params));
    if (committed.ok()) {
      ++epoch_;
      result.version = committed->version.value();
      return result;
    }
    if (!IsConflict(committed.status())) {
      // The outcome may be unknown (the log entry landed, the read-back failed): remove this
      // attempt's files only when the table, read again, shows none of them.
      if (NoneInTable(written)) DiscardFiles(written);
      return committed.status().WithContext(where);
    }
    // Lost to a writer of the same appIds (or another conflict): the files written for this
    // attempt are orphans, removed now (staged files are kept for the next attempt); then look
    // again at the table's positions.
    DiscardFiles(written);
  }
  return Status::Unavailable(
      fmt::format("{}: gave up after {} conflicting attempts", where, kMaxAttempts));
}

}  // namespace financelake::pipeline
