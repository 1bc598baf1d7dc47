// CREATE TABLE, append, overwrite (whole or replaceWhere), DELETE and MERGE: the operations that
// change a table's rows. Each runs one Transaction; the copy-on-write ones read the live files
// that may hold affected rows (partition values and stats skip the rest), remove them and add
// rewritten copies.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <cstring>
#include <set>
#include <unordered_map>

#include "financelake/delta/checkpoint_writer.h"
#include "financelake/delta/data_writer.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/schema_json.h"
#include "financelake/delta/stats.h"
#include "financelake/delta/stats_read.h"
#include "financelake/delta/uuid.h"
#include "financelake/io/path.h"
#include "financelake/parquet/statistics.h"

namespace financelake::delta {
namespace {

using columnar::Column;
using columnar::Expr;
using columnar::RecordBatch;
using columnar::Schema;
using columnar::TypeKind;

// JSON text of a string list, as Spark puts lists into operationParameters: "[\"a\",\"b\"]".
Json ListParam(const std::vector<std::string>& items) {
  Json list = Json::Array();
  for (const std::string& s : items) list.Push(Json::String(s));
  return Json::String(list.Dump());
}

// A predicate as commitInfo shows it (history only; nothing reads it back): a long one (Gold
// recomputes thousands of dates with an IN list) is cut, so that every `history` row and
// commit file does not carry ~80 KB of dates.
std::string PredicateParam(std::string text) {
  constexpr size_t kShown = 1000;
  if (text.size() <= kShown + 100) return text;
  const size_t full = text.size();
  text.resize(kShown);
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xC0) text.pop_back();
  return fmt::format("{} ... ({} characters in all)", text, full);
}

Json WriteParams(const std::string& mode, const Snapshot& snapshot) {
  Json p = Json::Object();
  p.Set("mode", Json::String(mode));
  p.Set("partitionBy", ListParam(snapshot.partition_columns()));
  return p;
}

bool AlreadyCommitted(const Snapshot& snapshot, const std::optional<TxnId>& txn) {
  if (!txn) return false;
  const auto v = snapshot.TxnVersion(txn->app_id);
  return v && *v >= txn->version;
}

WriteOutcome Skipped(const Snapshot& snapshot) {
  WriteOutcome out;
  out.version = snapshot.version();
  out.skipped = true;
  return out;
}

// Commits; when the commit definitely did not land (a conflict), the data files written for it
// are removed again. On other errors they stay: the commit may have landed.
Result<CommitResult> CommitOrCleanup(Table& table, Transaction& txn, const std::string& op,
                                     Json params, const std::vector<AddFile>& written) {
  auto result = txn.Commit(op, std::move(params));
  const StatusCode code = result.status().code();
  if (!result.ok() && (code == StatusCode::kAborted || code == StatusCode::kAlreadyExists)) {
    for (const AddFile& a : written) {
      auto rel = DecodeLogPath(a.path);
      if (rel.ok()) (void)table.fs().Delete(io::JoinPath(table.path(), *rel));
    }
  }
  return result;
}

// Partition values (exact) and stats ranges of a live file, for Expr::MayMatch.
class FileRanges {
 public:
  FileRanges(const AddFile& file, const Snapshot& snapshot) {
    if (file.stats) {
      auto parsed = ParseFileStats(*file.stats, snapshot.schema());
      if (parsed.ok()) stats_ = std::move(parsed).value();
    }
    for (const std::string& col : snapshot.partition_columns()) {
      auto idx = snapshot.schema().FieldIndex(col);
      if (!idx) continue;
      auto it = file.partition_values.find(col);
      const std::optional<std::string> text =
          it == file.partition_values.end() ? std::nullopt : it->second;
      auto value = ParsePartitionValue(text, snapshot.schema().field(*idx).type);
      if (!value.ok()) continue;
      columnar::Expr::ColumnRange r;
      const int64_t n = stats_.num_records.value_or(1);
      r.num_records = n;
      if (value->is_null()) {
        r.null_count = n;
      } else {
        r.min = *value;
        r.max = *value;
        r.null_count = 0;
      }
      partitions_[col] = std::move(r);
    }
  }
  const columnar::Expr::ColumnRange* Find(const std::string& col) const {
    auto it = partitions_.find(col);
    return it != partitions_.end() ? &it->second : stats_.Find(col);
  }
  bool MayMatch(const Expr& e) const {
    return e.MayMatch([this](const std::string& c) { return Find(c); });
  }

 private:
  FileStats stats_;
  std::map<std::string, columnar::Expr::ColumnRange> partitions_;
};

int64_t CountSet(const std::vector<uint8_t>& mask) {
  return static_cast<int64_t>(std::count_if(mask.begin(), mask.end(), [](uint8_t m) { return m != 0; }));
}

// Copy-on-write removal of the rows matching `predicate`: the files that hold such rows are
// removed and the rest of their rows collected in `kept`. Files that may match are declared read.
struct RowRemoval {
  std::vector<RemoveFile> removes;
  std::vector<RecordBatch> kept;
  int64_t rows_removed = 0;
};
Result<RowRemoval> RemoveMatchingRows(Table& table, Transaction& txn, const Snapshot& snapshot,
                                      const Expr& predicate, int64_t now) {
  RowRemoval out;
  std::vector<AddFile> candidates;
  for (const AddFile& file : snapshot.files()) {
    if (FileRanges(file, snapshot).MayMatch(predicate)) candidates.push_back(file);
  }
  txn.ReadFiles(candidates);
  for (const AddFile& file : candidates) {
    FL_ASSIGN_OR_RETURN(RecordBatch rows, ReadDataFiles(table, snapshot, {file}));
    FL_ASSIGN_OR_RETURN(std::vector<uint8_t> mask, predicate.Evaluate(rows));
    const int64_t hits = CountSet(mask);
    if (hits == 0) continue;
    out.rows_removed += hits;
    out.removes.push_back(RemoveFor(file, now, true));
    if (hits < rows.num_rows()) out.kept.push_back(TakeRows(rows, SelectRows(mask, false)));
  }
  return out;
}

// Writes the concatenation of `batches` (table schema); nothing for none.
Result<std::vector<AddFile>> WriteBatches(Transaction& txn, const Schema& schema,
                                          const std::vector<RecordBatch>& batches) {
  if (batches.empty()) return std::vector<AddFile>();
  FL_ASSIGN_OR_RETURN(RecordBatch all, ConcatBatches(schema, batches));
  return txn.WriteDataFiles(all);
}

Status ValidateCreate(const Schema& schema, const CreateOptions& options) {
  if (schema.num_fields() == 0) return Status::InvalidArgument("schema has no columns");
  std::set<std::string> lower;
  for (const columnar::Field& f : schema.fields()) {
    std::string l = f.name;
    for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (f.name.empty() || !lower.insert(l).second) {
      return Status::InvalidArgument("duplicate or empty column name '" + f.name +
                                     "' (Delta column names are case-insensitive)");
    }
  }
  std::set<std::string> parts;
  for (const std::string& p : options.partition_columns) {
    auto i = schema.FieldIndex(p);
    if (!i) return Status::InvalidArgument("partition column '" + p + "' is not in the schema");
    const columnar::DataType& t = schema.field(*i).type;
    if (t.is_nested() || t.kind() == TypeKind::kBinary) {
      return Status::InvalidArgument("cannot partition by " + t.ToString() + " column '" + p + "'");
    }
    if (!parts.insert(p).second) return Status::InvalidArgument("partition column '" + p + "' twice");
  }
  if (parts.size() == schema.num_fields()) {
    return Status::InvalidArgument("every column is a partition column; data files need one more");
  }
  const auto& props = options.properties;
  auto prop = [&](const std::string& k) {
    auto it = props.find(k);
    return it == props.end() ? std::string() : it->second;
  };
  for (const char* k : {"delta.enableChangeDataFeed", "delta.enableDeletionVectors"}) {
    if (prop(k) == "true") return Status::Unimplemented(std::string(k) + " needs a newer protocol");
  }
  if (!prop("delta.columnMapping.mode").empty() && prop("delta.columnMapping.mode") != "none") {
    return Status::Unimplemented("column mapping needs a newer protocol");
  }
  if ((!prop("delta.minReaderVersion").empty() && prop("delta.minReaderVersion") != "1") ||
      (!prop("delta.minWriterVersion").empty() && prop("delta.minWriterVersion") != "2")) {
    return Status::Unimplemented("financelake writes protocol (1, 2) tables only");
  }
  for (const char* k : {"delta.logRetentionDuration", "delta.deletedFileRetentionDuration"}) {
    if (!prop(k).empty()) FL_RETURN_NOT_OK(ParseIntervalMs(prop(k)).status());
  }
  if (const std::string v = prop("delta.checkpointInterval"); !v.empty()) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n <= 0) {
      return Status::InvalidArgument("delta.checkpointInterval: '" + v + "' is not a whole number >= 1");
    }
  }
  for (const char* k : {"delta.appendOnly", "delta.checkpoint.writeStatsAsJson", "delta.checkpoint.writeStatsAsStruct"}) {
    std::string v = prop(k);
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!v.empty() && v != "true" && v != "false") {
      return Status::InvalidArgument(std::string(k) + ": '" + prop(k) + "' is not true or false");
    }
  }
  FL_RETURN_NOT_OK(StatsOptionsFromConfiguration(props).status());
  return Status::OK();
}

// The bytes of a row's key (nullopt when a key column is null: SQL equality never matches
// null). Floats are normalised so that -0.0 equals 0.0 and NaN equals NaN, as in Spark.
std::optional<std::string> RowKey(const std::vector<const Column*>& cols, int64_t row) {
  std::string key;
  for (const Column* col : cols) {
    if (col->IsNull(row)) return std::nullopt;
    const TypeKind k = col->type().kind();
    if (k == TypeKind::kFloat || k == TypeKind::kDouble) {
      double d = col->GetValue(row).as_double();
      if (d == 0) d = 0;
      if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
      key.append(reinterpret_cast<const char*>(&d), sizeof d);
    } else if (col->type().is_binary_like()) {
      const std::string_view v = col->StringAt(row);
      const uint64_t n = v.size();
      key.append(reinterpret_cast<const char*>(&n), sizeof n);
      key.append(v);
    } else {
      const int w = col->type().fixed_width();
      key.append(reinterpret_cast<const char*>(col->values<uint8_t>()) + row * w,
                 static_cast<size_t>(w));
    }
  }
  return key;
}

std::string DescribeKey(const RecordBatch& batch, const std::vector<size_t>& idx, int64_t row) {
  std::string out = "(";
  for (size_t i = 0; i < idx.size(); ++i) {
    const columnar::Field& f = batch.schema().field(idx[i]);
    out += (i ? ", " : "") + f.name + "=" +
           columnar::FormatValue(batch.column(idx[i]).GetValue(row), f.type);
  }
  return out + ")";
}

// The [min, max] of each key column over the source rows with non-null keys, for skipping
// target files whose stats cannot hold such a key. nullopt for a column without usable order.
struct KeyBounds {
  std::vector<std::optional<std::pair<columnar::Value, columnar::Value>>> bounds;
  bool MayHold(const FileRanges& ranges, const Schema& schema,
               const std::vector<size_t>& idx) const {
    for (size_t i = 0; i < idx.size(); ++i) {
      const columnar::Field& f = schema.field(idx[i]);
      const columnar::Expr::ColumnRange* r = ranges.Find(f.name);
      if (r == nullptr) continue;
      if (r->null_count && r->num_records && *r->null_count == *r->num_records) return false;
      if (!bounds[i] || !r->min || !r->max) continue;
      if (parquet::CompareValues(*r->max, bounds[i]->first, f.type) < 0 ||
          parquet::CompareValues(*r->min, bounds[i]->second, f.type) > 0) {
        return false;
      }
    }
    return true;
  }
};

KeyBounds SourceKeyBounds(const RecordBatch& batch, const std::vector<size_t>& idx,
                          const std::vector<int64_t>& keyed_rows) {
  KeyBounds kb;
  for (size_t c : idx) {
    const Column& col = batch.column(c);
    const TypeKind k = col.type().kind();
    if (k == TypeKind::kFloat || k == TypeKind::kDouble || k == TypeKind::kBoolean ||
        keyed_rows.empty()) {
      kb.bounds.emplace_back();
      continue;
    }
    columnar::Value lo = col.GetValue(keyed_rows[0]), hi = lo;
    for (int64_t r : keyed_rows) {
      columnar::Value v = col.GetValue(r);
      if (parquet::CompareValues(v, lo, col.type()) < 0) lo = v;
      if (parquet::CompareValues(v, hi, col.type()) > 0) hi = std::move(v);
    }
    kb.bounds.emplace_back(std::make_pair(std::move(lo), std::move(hi)));
  }
  return kb;
}

}  // namespace

Result<DeltaVersion> CreateTable(Table& table, const Schema& schema, const CreateOptions& options) {
  const std::string where = "delta: create table " + table.path();
  FL_RETURN_NOT_OK_CTX(ValidateCreate(schema, options), where);
  FL_ASSIGN_OR_RETURN_CTX(bool exists, table.Exists(), where);
  if (exists) return Status::AlreadyExists(where + ": table already exists");
  Metadata md;
  md.id = NewUuid();
  md.name = options.name;
  md.description = options.description;
  md.schema_string = SchemaToJson(schema);
  md.partition_columns = options.partition_columns;
  md.configuration = options.properties;
  md.created_time = WallClockMs();
  auto txn = Transaction::StartCreate(table);
  txn->SetProtocol(Protocol{});
  txn->UpdateMetadata(md);
  Json props = Json::Object();
  for (const auto& [k, v] : options.properties) props.Set(k, Json::String(v));
  Json params = Json::Object();
  params.Set("isManaged", Json::String("false"));
  params.Set("description", options.description ? Json::String(*options.description) : Json());
  params.Set("partitionBy", ListParam(options.partition_columns));
  params.Set("properties", Json::String(props.Dump()));
  FL_ASSIGN_OR_RETURN(CommitResult r, txn->Commit("CREATE TABLE", std::move(params)));
  return r.version;
}

Result<WriteOutcome> Append(Table& table, const RecordBatch& batch, std::optional<TxnId> txn_id) {
  FL_ASSIGN_OR_RETURN(auto txn, Transaction::Start(table));
  const Snapshot& snapshot = *txn->read_snapshot();
  if (AlreadyCommitted(snapshot, txn_id)) return Skipped(snapshot);
  FL_ASSIGN_OR_RETURN(std::vector<AddFile> adds, txn->WriteDataFiles(batch));
  WriteOutcome out;
  out.files_added = static_cast<int64_t>(adds.size());
  out.rows_written = batch.num_rows();
  txn->AddFiles(adds);
  if (txn_id) txn->SetTxn(txn_id->app_id, txn_id->version);
  FL_ASSIGN_OR_RETURN(CommitResult r, CommitOrCleanup(table, *txn, "WRITE",
                                                      WriteParams("Append", snapshot), adds));
  out.version = r.version;
  return out;
}

Result<WriteOutcome> Overwrite(Table& table, const RecordBatch& batch,
                               std::optional<Expr> replace_where, std::optional<TxnId> txn_id) {
  FL_ASSIGN_OR_RETURN(auto txn, Transaction::Start(table));
  const Snapshot& snapshot = *txn->read_snapshot();
  if (AlreadyCommitted(snapshot, txn_id)) return Skipped(snapshot);
  const std::string where = "delta: overwrite " + table.path();
  FL_RETURN_NOT_OK_CTX(CheckBatchMatchesSchema(batch, snapshot.schema()), where);
  const int64_t now = WallClockMs();
  txn->ReadWholeTable();
  WriteOutcome out;
  std::vector<AddFile> written;
  Json params = WriteParams("Overwrite", snapshot);
  if (replace_where) {
    FL_ASSIGN_OR_RETURN(std::vector<uint8_t> mask, replace_where->Evaluate(batch));
    const int64_t outside = batch.num_rows() - CountSet(mask);
    if (outside > 0) {
      return Status::InvalidArgument(fmt::format("{}: {} of the new rows do not match replaceWhere '{}'",
                                                 where, outside, replace_where->ToString()));
    }
    FL_ASSIGN_OR_RETURN(RowRemoval removal,
                        RemoveMatchingRows(table, *txn, snapshot, *replace_where, now));
    FL_ASSIGN_OR_RETURN(written, WriteBatches(*txn, snapshot.schema(), removal.kept));
    out.files_removed = static_cast<int64_t>(removal.removes.size());
    out.rows_deleted = removal.rows_removed;
    txn->RemoveFiles(std::move(removal.removes));
    params.Set("predicate", ListParam({PredicateParam(replace_where->ToString())}));
  } else {
    std::vector<RemoveFile> removes;
    for (const AddFile& f : snapshot.files()) removes.push_back(RemoveFor(f, now, true));
    out.files_removed = static_cast<int64_t>(removes.size());
    out.rows_deleted = snapshot.num_records().value_or(0);
    txn->RemoveFiles(std::move(removes));
  }
  FL_ASSIGN_OR_RETURN(std::vector<AddFile> adds, txn->WriteDataFiles(batch));
  written.insert(written.end(), adds.begin(), adds.end());
  out.files_added = static_cast<int64_t>(written.size());
  out.rows_written = batch.num_rows();
  txn->AddFiles(written);
  if (txn_id) txn->SetTxn(txn_id->app_id, txn_id->version);
  FL_ASSIGN_OR_RETURN(CommitResult r, CommitOrCleanup(table, *txn, "WRITE", std::move(params), written));
  out.version = r.version;
  return out;
}

Result<WriteOutcome> DeleteWhere(Table& table, const Expr& predicate) {
  FL_ASSIGN_OR_RETURN(auto txn, Transaction::Start(table));
  const Snapshot& snapshot = *txn->read_snapshot();
  FL_ASSIGN_OR_RETURN(RowRemoval removal,
                      RemoveMatchingRows(table, *txn, snapshot, predicate, WallClockMs()));
  WriteOutcome out;
  out.version = snapshot.version();
  if (removal.removes.empty()) return out;  // nothing matched: no commit
  FL_ASSIGN_OR_RETURN(std::vector<AddFile> written,
                      WriteBatches(*txn, snapshot.schema(), removal.kept));
  out.files_removed = static_cast<int64_t>(removal.removes.size());
  out.files_added = static_cast<int64_t>(written.size());
  out.rows_deleted = removal.rows_removed;
  txn->RemoveFiles(std::move(removal.removes));
  txn->AddFiles(written);
  Json params = Json::Object();
  params.Set("predicate", ListParam({PredicateParam(predicate.ToString())}));
  FL_ASSIGN_OR_RETURN(CommitResult r, CommitOrCleanup(table, *txn, "DELETE", std::move(params), written));
  out.version = r.version;
  return out;
}

Result<WriteOutcome> Merge(Table& table, const RecordBatch& batch,
                           const std::vector<std::string>& key_columns,
                           std::optional<TxnId> txn_id) {
  FL_ASSIGN_OR_RETURN(auto txn, Transaction::Start(table));
  const Snapshot& snapshot = *txn->read_snapshot();
  if (AlreadyCommitted(snapshot, txn_id)) return Skipped(snapshot);
  const std::string where = "delta: merge into " + table.path();
  const Schema& schema = snapshot.schema();
  FL_RETURN_NOT_OK_CTX(CheckBatchMatchesSchema(batch, schema), where);
  if (key_columns.empty()) return Status::InvalidArgument(where + ": no key columns");
  std::vector<size_t> idx;
  for (const std::string& k : key_columns) {
    auto i = schema.FieldIndex(k);
    if (!i) return Status::InvalidArgument(where + ": key column '" + k + "' is not in the table");
    if (schema.field(*i).type.is_nested()) {
      return Status::InvalidArgument(where + ": key column '" + k + "' is nested");
    }
    idx.push_back(*i);
  }
  auto key_cols = [&](const RecordBatch& b) {
    std::vector<const Column*> cols;
    for (size_t i : idx) cols.push_back(&b.column(i));
    return cols;
  };

  // Source keys; duplicates would make the result depend on row order.
  std::unordered_map<std::string, int64_t> source;
  std::vector<int64_t> keyed_rows;
  const auto source_cols = key_cols(batch);
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    auto key = RowKey(source_cols, r);
    if (!key) continue;
    auto [it, inserted] = source.emplace(std::move(*key), r);
    if (!inserted) {
      return Status::InvalidArgument(fmt::format("{}: duplicate key {} in the source (rows {} and {})",
                                                 where, DescribeKey(batch, idx, r), it->second, r));
    }
    keyed_rows.push_back(r);
  }

  // Target rows with a source key are replaced by the source row; the rest of their files kept.
  const KeyBounds bounds = SourceKeyBounds(batch, idx, keyed_rows);
  std::vector<AddFile> candidates;
  for (const AddFile& f : snapshot.files()) {
    if (!source.empty() && bounds.MayHold(FileRanges(f, snapshot), schema, idx)) {
      candidates.push_back(f);
    }
  }
  txn->ReadWholeTable();
  txn->ReadFiles(candidates);
  const int64_t now = WallClockMs();
  std::vector<uint8_t> matched(static_cast<size_t>(batch.num_rows()), 0);
  std::vector<int64_t> updated;
  std::vector<RecordBatch> out_batches;
  std::vector<RemoveFile> removes;
  for (const AddFile& f : candidates) {
    FL_ASSIGN_OR_RETURN(RecordBatch rows, ReadDataFiles(table, snapshot, {f}));
    const auto cols = key_cols(rows);
    std::vector<int64_t> keep;
    for (int64_t r = 0; r < rows.num_rows(); ++r) {
      auto key = RowKey(cols, r);
      auto it = key ? source.find(*key) : source.end();
      if (it == source.end()) {
        keep.push_back(r);
      } else {
        updated.push_back(it->second);
        matched[static_cast<size_t>(it->second)] = 1;
      }
    }
    if (static_cast<int64_t>(keep.size()) == rows.num_rows()) continue;
    removes.push_back(RemoveFor(f, now, true));
    if (!keep.empty()) out_batches.push_back(TakeRows(rows, keep));
  }
  const std::vector<int64_t> inserted = SelectRows(matched, false);
  if (!updated.empty()) out_batches.push_back(TakeRows(batch, updated));
  if (!inserted.empty()) out_batches.push_back(TakeRows(batch, inserted));
  FL_ASSIGN_OR_RETURN(std::vector<AddFile> written, WriteBatches(*txn, schema, out_batches));

  WriteOutcome out;
  out.files_added = static_cast<int64_t>(written.size());
  out.files_removed = static_cast<int64_t>(removes.size());
  out.rows_updated = static_cast<int64_t>(updated.size());
  out.rows_written = static_cast<int64_t>(updated.size() + inserted.size());
  txn->RemoveFiles(std::move(removes));
  txn->AddFiles(written);
  if (txn_id) txn->SetTxn(txn_id->app_id, txn_id->version);
  std::string on;
  for (const std::string& k : key_columns) {
    on += (on.empty() ? "" : " AND ") + fmt::format("target.{0} = source.{0}", k);
  }
  Json params = Json::Object();
  params.Set("predicate", ListParam({PredicateParam(on)}));
  params.Set("matchedPredicates", Json::String(R"([{"actionType":"update"}])"));
  params.Set("notMatchedPredicates", Json::String(R"([{"actionType":"insert"}])"));
  params.Set("notMatchedBySourcePredicates", Json::String("[]"));
  FL_ASSIGN_OR_RETURN(CommitResult r, CommitOrCleanup(table, *txn, "MERGE", std::move(params), written));
  out.version = r.version;
  return out;
}

}  // namespace financelake::delta
