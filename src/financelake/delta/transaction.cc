// Transaction: staging, commitInfo, the optimistic commit loop and post-commit hooks
// (checkpoint, log cleanup). Conflict rules are in conflict.h.
#include "financelake/delta/transaction.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include "financelake/base/utf8.h"
#include "financelake/delta/checkpoint_writer.h"
#include "financelake/delta/conflict.h"
#include "financelake/delta/data_writer.h"
#include "financelake/delta/log.h"
#include "financelake/delta/schema_json.h"
#include "financelake/delta/stats_read.h"
#include "financelake/delta/uuid.h"
#include "financelake/io/atomic_file.h"
#include "financelake/io/path.h"

namespace financelake::delta {
namespace {

constexpr int kMaxCommitAttempts = 100;
constexpr char kEngineInfo[] = "financelake/0.1";
constexpr int64_t kDefaultCheckpointInterval = 10;

struct Totals {
  int64_t files = 0;
  int64_t bytes = 0;
  std::optional<int64_t> rows = 0;  // nullopt once a file has no numRecords
  void Add(int64_t size, std::optional<int64_t> records) {
    ++files;
    bytes += size;
    rows = rows && records ? std::optional<int64_t>(*rows + *records) : std::nullopt;
  }
};

Json Str(int64_t v) {
  return Json::String(std::to_string(v));
}

// operationMetrics as Spark names them (all values strings), from what the commit adds and
// removes; row counts of removed files come from their stats in the read snapshot.
Json OperationMetrics(const std::string& op, const std::vector<AddFile>& adds,
                      const std::vector<RemoveFile>& removes, const Snapshot* read) {
  Totals added, removed;
  for (const AddFile& a : adds)
    added.Add(a.size, a.stats ? StatsNumRecords(*a.stats) : std::nullopt);
  std::map<std::string, const AddFile*> live;
  if (read != nullptr) {
    for (const AddFile& f : read->files()) live[NormalizeActionPath(f.path)] = &f;
  }
  for (const RemoveFile& r : removes) {
    auto it = live.find(NormalizeActionPath(r.path));
    const AddFile* f = it == live.end() ? nullptr : it->second;
    removed.Add(r.size ? *r.size : (f ? f->size : 0),
                f && f->stats ? StatsNumRecords(*f->stats) : std::nullopt);
  }
  Json m = Json::Object();
  if (op == "WRITE" || op == "CREATE TABLE AS SELECT" || op == "CREATE TABLE" ||
      op == "STREAMING UPDATE") {
    if (op == "CREATE TABLE" && adds.empty()) return m;
    m.Set("numFiles", Str(added.files));
    if (added.rows) m.Set("numOutputRows", Str(*added.rows));
    m.Set("numOutputBytes", Str(added.bytes));
    if (!removes.empty()) {
      m.Set("numRemovedFiles", Str(removed.files));
      m.Set("numRemovedBytes", Str(removed.bytes));
    }
  } else if (op == "DELETE") {
    m.Set("numRemovedFiles", Str(removed.files));
    m.Set("numAddedFiles", Str(added.files));
    if (removed.rows && added.rows) {
      m.Set("numDeletedRows", Str(*removed.rows - *added.rows));
      m.Set("numCopiedRows", Str(*added.rows));
    }
    m.Set("numRemovedBytes", Str(removed.bytes));
    m.Set("numAddedBytes", Str(added.bytes));
    m.Set("numAddedChangeFiles", Str(0));
  } else if (op == "MERGE") {
    m.Set("numTargetFilesAdded", Str(added.files));
    m.Set("numTargetFilesRemoved", Str(removed.files));
    m.Set("numTargetBytesAdded", Str(added.bytes));
    m.Set("numTargetBytesRemoved", Str(removed.bytes));
    if (added.rows) m.Set("numOutputRows", Str(*added.rows));
    m.Set("numTargetChangeFilesAdded", Str(0));
  } else {  // OPTIMIZE and others
    m.Set("numAddedFiles", Str(added.files));
    m.Set("numRemovedFiles", Str(removed.files));
    m.Set("numAddedBytes", Str(added.bytes));
    m.Set("numRemovedBytes", Str(removed.bytes));
    if (added.rows) m.Set("numOutputRows", Str(*added.rows));
  }
  return m;
}

int64_t CheckpointInterval(const Metadata& md) {
  auto it = md.configuration.find("delta.checkpointInterval");
  if (it == md.configuration.end()) return kDefaultCheckpointInterval;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  if (ec != std::errc() || end != it->second.data() + it->second.size() || n <= 0) {
    return kDefaultCheckpointInterval;
  }
  return n;
}

// Checkpoint at multiples of delta.checkpointInterval, then expired-log cleanup. The commit has
// landed already, so failures here are dropped: the log stays valid without them and the next
// checkpoint covers this one.
void PostCommit(Table& table, DeltaVersion version, const Metadata& md) {
  const int64_t interval = CheckpointInterval(md);
  if (version.value() == 0 || version.value() % interval != 0) return;
  auto snapshot = table.AtVersion(version);
  if (!snapshot.ok()) return;
  const int64_t now = WallClockMs();
  auto written = WriteCheckpoint(table.fs(), table.LogDir(), **snapshot, now);
  if (!written.ok()) return;
  if ((*snapshot)->Property("delta.enableExpiredLogCleanup", "true") == "false") return;
  auto retention = DurationPropertyMs(**snapshot, "delta.logRetentionDuration", "interval 30 days");
  if (!retention.ok()) return;
  auto due = LogCleanupDue(table.fs(), table.LogDir(), version, *retention, now);
  if (!due.ok() || !*due) return;
  auto cleaned = CleanupExpiredLogs(table.fs(), table.LogDir(), *retention, now);
  (void)cleaned;
}

}  // namespace

struct Transaction::State {
  bool create = false;
  bool committed = false;
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::vector<AddFile> adds;
  std::vector<RemoveFile> removes;
  std::map<std::string, Txn> txns;
  std::set<std::string> read_files;
  bool read_whole_table = false;
};

// We write protocol (1, 2) tables: no table features, column mapping, CDF, constraints, ...
Status CheckWritable(const Protocol& p, const std::string& table) {
  if (p.min_reader_version > 1 || p.min_writer_version > 2) {
    return Status::FailedPrecondition(fmt::format(
        "delta: {}: unsupported table feature for writing: the table requires reader version {} "
        "/ writer version {}; financelake writes only tables of protocol (1, 2)",
        table, p.min_reader_version, p.min_writer_version));
  }
  return Status::OK();
}

namespace {

// The name of the first column (nested ones too) whose metadata holds a `delta.invariants`
// expression, or "" when none does.
std::string ColumnWithInvariant(const Json& node) {
  if (node.is_object()) {
    const Json* meta = node.Find("metadata");
    if (meta != nullptr && meta->is_object() && meta->Find("delta.invariants") != nullptr) {
      return node.GetString("name", "?");
    }
    for (const auto& member : node.members()) {
      std::string found = ColumnWithInvariant(member.second);
      if (!found.empty()) return found;
    }
  } else if (node.is_array()) {
    for (const Json& item : node.items()) {
      std::string found = ColumnWithInvariant(item);
      if (!found.empty()) return found;
    }
  }
  return "";
}

// Writers of protocol (1, 2) must enforce column invariants (SQL expressions in the schema's
// metadata); financelake does not evaluate Spark SQL, so it adds no rows to such a table.
Status CheckNoInvariants(const Metadata& md, const std::string& table) {
  if (md.schema_string.find("delta.invariants") == std::string::npos) return Status::OK();
  auto schema = Json::Parse(md.schema_string);
  if (!schema.ok()) return Status::OK();  // the snapshot load reports a bad schema
  const std::string column = ColumnWithInvariant(*schema);
  if (column.empty()) return Status::OK();
  return Status::FailedPrecondition(fmt::format(
      "delta: {}: column '{}' has an invariant (delta.invariants), which financelake cannot "
      "check, so it writes no rows to this table; write with Spark or delta-rs",
      table, column));
}

}  // namespace

Result<std::unique_ptr<Transaction>> Transaction::Start(Table& table) {
  FL_ASSIGN_OR_RETURN_CTX(SnapshotPtr snapshot, table.Latest(),
                          fmt::format("delta: {}: start transaction", table.path()));
  FL_RETURN_NOT_OK(CheckWritable(snapshot->protocol(), table.path()));
  std::unique_ptr<Transaction> txn(new Transaction());
  txn->state_ = std::make_shared<State>();
  txn->table_ = &table;
  txn->read_ = std::move(snapshot);
  return txn;
}

std::unique_ptr<Transaction> Transaction::StartCreate(Table& table) {
  std::unique_ptr<Transaction> txn(new Transaction());
  txn->state_ = std::make_shared<State>();
  txn->state_->create = true;
  txn->table_ = &table;
  return txn;
}

Result<std::vector<AddFile>> Transaction::WriteDataFiles(const columnar::RecordBatch& batch) {
  if (state_->metadata) {
    FL_ASSIGN_OR_RETURN_CTX(columnar::Schema schema,
                            SchemaFromJson(state_->metadata->schema_string),
                            "delta: " + table_->path() + ": staged metadata");
    return delta::WriteDataFiles(table_->fs(), table_->path(), schema, *state_->metadata, batch);
  }
  if (read_ == nullptr) {
    return Status::FailedPrecondition("delta: " + table_->path() +
                                      ": a new table needs UpdateMetadata() before data");
  }
  return delta::WriteDataFiles(table_->fs(), table_->path(), read_->schema(), read_->metadata(),
                               batch);
}

void Transaction::AddFiles(std::vector<AddFile> files) {
  for (AddFile& f : files) state_->adds.push_back(std::move(f));
}

void Transaction::RemoveFiles(std::vector<RemoveFile> files) {
  for (RemoveFile& f : files) state_->removes.push_back(std::move(f));
}

void Transaction::SetProtocol(Protocol protocol) {
  state_->protocol = std::move(protocol);
}

void Transaction::UpdateMetadata(Metadata metadata) {
  state_->metadata = std::move(metadata);
}

void Transaction::SetTxn(std::string app_id, int64_t version) {
  Txn t;
  t.app_id = app_id;
  t.version = version;
  t.last_updated = WallClockMs();
  state_->txns[std::move(app_id)] = std::move(t);
}

void Transaction::ReadFiles(const std::vector<AddFile>& files) {
  for (const AddFile& f : files) state_->read_files.insert(NormalizeActionPath(f.path));
}

void Transaction::ReadWholeTable() {
  state_->read_whole_table = true;
}

Result<CommitResult> Transaction::Commit(const std::string& operation, Json operation_parameters) {
  State& s = *state_;
  const std::string& table = table_->path();
  if (s.committed)
    return Status::FailedPrecondition("delta: " + table + ": transaction committed twice");
  if (s.create && !s.metadata) {
    return Status::FailedPrecondition("delta: " + table + ": creating a table needs metadata");
  }
  // The log is JSON text: an appId that is not UTF-8 would read back as another id (U+FFFD),
  // and the stream it tracks would never find its position again (exactly-once lost).
  for (const auto& [app, t] : s.txns) {
    if (!IsValidUtf8(app)) {
      return Status::InvalidArgument("delta: " + table +
                                     ": a txn appId must be UTF-8 text (it would not read back "
                                     "from the log)");
    }
  }
  const Metadata& md = s.metadata ? *s.metadata : read_->metadata();
  if (s.create && !s.protocol) s.protocol = Protocol{};
  if (s.protocol) FL_RETURN_NOT_OK(CheckWritable(*s.protocol, table));
  for (const AddFile& a : s.adds) {
    if (a.data_change) {
      FL_RETURN_NOT_OK(CheckNoInvariants(md, table));
      break;
    }
  }
  if (md.configuration.count("delta.appendOnly") != 0 &&
      md.configuration.at("delta.appendOnly") == "true") {
    for (const RemoveFile& r : s.removes) {
      if (r.data_change) {
        return Status::FailedPrecondition("delta: " + table +
                                          ": table is append-only (delta.appendOnly); cannot "
                                          "remove " +
                                          r.path);
      }
    }
  }

  // As Spark: a create counts as a blind append; a metadata or protocol change does not.
  bool blind_append = s.removes.empty() && s.read_files.empty() && !s.read_whole_table &&
                      (s.create || (!s.metadata && !s.protocol));
  for (const AddFile& a : s.adds) blind_append = blind_append && a.data_change;

  Json info = Json::Object();
  info.Set("timestamp", Json::Int(WallClockMs()));
  info.Set("operation", Json::String(operation));
  info.Set("operationParameters",
           operation_parameters.is_object() ? std::move(operation_parameters) : Json::Object());
  if (read_ != nullptr) info.Set("readVersion", Json::Int(read_->version().value()));
  // Commits that change no data (compaction) are snapshot-isolated in Spark's terms.
  const bool changes_data =
      std::any_of(s.adds.begin(), s.adds.end(), [](const AddFile& a) { return a.data_change; }) ||
      std::any_of(s.removes.begin(), s.removes.end(),
                  [](const RemoveFile& r) { return r.data_change; });
  const bool snapshot_isolated = !changes_data && (!s.adds.empty() || !s.removes.empty());
  info.Set("isolationLevel",
           Json::String(snapshot_isolated ? "SnapshotIsolation" : "WriteSerializable"));
  info.Set("isBlindAppend", Json::Bool(blind_append));
  info.Set("operationMetrics", OperationMetrics(operation, s.adds, s.removes, read_.get()));
  info.Set("engineInfo", Json::String(kEngineInfo));
  info.Set("txnId", Json::String(NewUuid()));

  std::vector<Action> actions;
  actions.emplace_back(CommitInfo{std::move(info)});
  if (s.protocol) actions.emplace_back(*s.protocol);
  if (s.metadata) actions.emplace_back(*s.metadata);
  for (const auto& [app, t] : s.txns) actions.emplace_back(t);
  for (const RemoveFile& r : s.removes) actions.emplace_back(r);
  for (const AddFile& a : s.adds) actions.emplace_back(a);
  const std::string text = SerializeCommit(actions);

  ConflictScope scope;
  scope.table = table;
  scope.read_whole_table = s.read_whole_table;
  scope.read_files = s.read_files;
  for (const RemoveFile& r : s.removes) scope.removed_files.insert(NormalizeActionPath(r.path));
  for (const auto& [app, t] : s.txns) scope.app_ids.insert(app);

  io::FileSystem& fs = table_->fs();
  const std::string log_dir = table_->LogDir();
  if (s.create) {
    FL_RETURN_NOT_OK_CTX(fs.CreateDirs(log_dir), "delta: " + table + ": create _delta_log");
  }
  int64_t version = s.create ? 0 : read_->version().value() + 1;
  for (int attempt = 1; attempt <= kMaxCommitAttempts; ++attempt, ++version) {
    const std::string path = io::JoinPath(log_dir, CommitFileName(DeltaVersion(version)));
    Status st = io::CreateFileIfAbsent(fs, path, text);
    if (!st.ok() && !st.IsAlreadyExists()) {
      // A failure after the rename (directory sync) leaves our commit in place: it is visible
      // to readers, so it counts as committed. Anything else at that name is a winner.
      auto landed = fs.ReadFile(path);
      if (landed.ok() && *landed == text) {
        st = Status::OK();
      } else if (!landed.ok()) {
        return st.WithContext(fmt::format("delta: {}: commit version {}", table, version));
      }
    }
    if (st.ok()) {
      s.committed = true;
      PostCommit(*table_, DeltaVersion(version), md);
      return CommitResult{DeltaVersion(version), attempt};
    }
    if (s.create) {
      return Status::AlreadyExists(fmt::format("delta: {}: table already exists", table));
    }
    FL_RETURN_NOT_OK(CheckWinningCommit(fs, log_dir, DeltaVersion(version), scope));
  }
  return Status::Aborted(
      fmt::format("delta: {}: gave up after {} conflicting commits", table, kMaxCommitAttempts));
}

}  // namespace financelake::delta
