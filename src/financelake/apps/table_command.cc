// `financelake table create|append|scan|history|describe|optimize|vacuum|checkpoint PATH`: a
// Delta table at PATH (the table root, holding `_delta_log/`), through delta/operations.h.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "financelake/apps/commands.h"
#include "financelake/apps/table_format.h"
#include "financelake/columnar/csv_reader.h"
#include "financelake/columnar/text_values.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/table.h"
#include "financelake/io/posix_filesystem.h"

namespace financelake::apps {

namespace {

using columnar::Column;
using columnar::DataType;
using columnar::Field;
using columnar::RecordBatch;
using columnar::Schema;

constexpr int64_t kNoVersion = INT64_MIN;  // --version not given: the latest

struct TableArgs {
  std::string path;
  std::string schema;
  std::string partition_by;
  std::vector<std::string> properties;
  std::string csv;
  int64_t version = kNoVersion;
  std::string timestamp;
  std::string where;
  std::string columns;
  int64_t limit = -1;  // -1: no limit
  bool count = false;
  std::string format = "table";
  bool files = false;
  int64_t target_size = 128LL << 20;
  double retain_hours = -1;  // < 0: the table's setting
  bool dry_run = false;
  bool force = false;
};

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const size_t b = item.find_first_not_of(" \t");
    const size_t e = item.find_last_not_of(" \t");
    out.push_back(b == std::string::npos ? "" : item.substr(b, e - b + 1));
  }
  return out;
}

std::string FormatMillis(int64_t ms) {
  return columnar::FormatTimestampMicros(ms * 1000);
}

// --timestamp: epoch milliseconds (digits, optionally signed) or an ISO-8601 timestamp/date.
Result<int64_t> ParseTimestampArg(const std::string& text) {
  const bool digits =
      !text.empty() &&
      text.find_first_not_of("0123456789", text[0] == '-' ? 1 : 0) == std::string::npos &&
      text != "-";
  if (digits) {
    try {
      return static_cast<int64_t>(std::stoll(text));
    } catch (const std::exception&) {
      return Status::InvalidArgument(fmt::format("--timestamp '{}': out of range", text));
    }
  }
  auto v = columnar::ParseValue(text, DataType::Timestamp());
  if (!v.ok()) {
    return Status::InvalidArgument(
        fmt::format("--timestamp '{}': expected epoch milliseconds or an ISO-8601 timestamp "
                    "(2024-01-31T09:30:00Z)",
                    text));
  }
  const int64_t us = v->as_int();
  return us >= 0 ? us / 1000 : -((-us + 999) / 1000);
}

std::shared_ptr<io::FileSystem> Fs() {
  return io::PosixFileSystem();
}

// Opens the table at `path`, which must be a directory holding `_delta_log/`. Cheap checks
// only: a log without commits is reported by the snapshot load, so that a large log is listed
// once per command, not twice.
Result<std::unique_ptr<delta::Table>> OpenExisting(const std::string& path) {
  auto fs = Fs();
  FL_ASSIGN_OR_RETURN(bool exists, fs->Exists(path));
  if (!exists) {
    return Status::NotFound(fmt::format("{}: no such table (the directory does not exist)", path));
  }
  FL_ASSIGN_OR_RETURN(io::FileInfo info, fs->Stat(path));
  if (!info.is_dir) {
    return Status::InvalidArgument(fmt::format("{}: not a Delta table (not a directory)", path));
  }
  auto table = delta::Table::Open(fs, path);
  FL_ASSIGN_OR_RETURN(bool has_log, fs->Exists(table->LogDir()));
  if (!has_log) {
    return Status::NotFound(fmt::format("{}: not a Delta table (no _delta_log/)", path));
  }
  return table;
}

// The snapshot chosen by --version / --timestamp, else the latest.
Result<delta::SnapshotPtr> ChooseSnapshot(delta::Table& table, const TableArgs& a) {
  if (a.version != kNoVersion && !a.timestamp.empty()) {
    return Status::InvalidArgument("give --version or --timestamp, not both");
  }
  if (a.version != kNoVersion) {
    if (a.version < 0) {
      return Status::InvalidArgument(fmt::format("--version must be >= 0, not {}", a.version));
    }
    auto snap = table.AtVersion(DeltaVersion(a.version));
    if (snap.ok()) return snap;
    // Name the latest version when the asked one is past it, whatever the log reader says.
    auto latest = table.Latest();
    if (latest.ok() && (*latest)->version().value() < a.version) {
      return Status::InvalidArgument(
          fmt::format("--version {}: {} has no such version; the latest version is {}", a.version,
                      table.path(), (*latest)->version().value()));
    }
    return snap.status();
  }
  if (!a.timestamp.empty()) {
    FL_ASSIGN_OR_RETURN(int64_t ms, ParseTimestampArg(a.timestamp));
    return table.AsOfTimestamp(ms);
  }
  return table.Latest();
}

// ---------------------------------------------------------------------------------------------
// create / append

Result<delta::CreateOptions> MakeCreateOptions(const TableArgs& a, const Schema& schema) {
  delta::CreateOptions opts;
  if (!a.partition_by.empty()) {
    for (const std::string& col : SplitList(a.partition_by)) {
      const auto idx = schema.ResolveFieldIndex(col);
      if (!idx) {
        return Status::InvalidArgument(
            fmt::format("--partition-by: '{}' is not a column of the schema", col));
      }
      opts.partition_columns.push_back(schema.field(*idx).name);
    }
  }
  for (const std::string& kv : a.properties) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument(fmt::format("--property '{}': expected key=value", kv));
    }
    opts.properties[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return opts;
}

// On an existing table --partition-by and --property may only restate what it has: both are
// chosen when a table is created, and an append that ignored them would leave the user believing
// otherwise.
Status CheckCreateOptionsHeld(const TableArgs& a, const delta::Snapshot& snap) {
  FL_ASSIGN_OR_RETURN(delta::CreateOptions want, MakeCreateOptions(a, snap.schema()));
  if (!a.partition_by.empty() && want.partition_columns != snap.partition_columns()) {
    const std::string has =
        snap.partition_columns().empty()
            ? std::string("not partitioned")
            : fmt::format("partitioned by {}", fmt::join(snap.partition_columns(), ","));
    return Status::FailedPrecondition(fmt::format(
        "--partition-by '{}': {} exists, {}; partitioning is chosen when a table is created",
        a.partition_by, a.path, has));
  }
  const auto& config = snap.metadata().configuration;
  for (const auto& [key, value] : want.properties) {
    const auto it = config.find(key);
    if (it == config.end() || it->second != value) {
      return Status::FailedPrecondition(fmt::format(
          "--property '{}={}': {} exists with {}; properties are set when a table is created", key,
          value, a.path, it == config.end() ? key + " unset" : key + "=" + it->second));
    }
  }
  return Status::OK();
}

Result<Schema> ParseSchemaArg(const std::string& text) {
  FL_ASSIGN_OR_RETURN_CTX(Schema schema, Schema::Parse(text), "--schema");
  if (schema.num_fields() == 0) return Status::InvalidArgument("--schema: no columns");
  return schema;
}

// Directories a command creates for a table, removed again when the command fails before any
// file is in them (a failed create must not leave a directory that looks like a broken table).
class CreatedDirs {
 public:
  explicit CreatedDirs(std::string path) : path_(std::move(path)) {
    std::error_code ec;
    existed_ = std::filesystem::exists(path_, ec);
  }
  ~CreatedDirs() {
    if (existed_ || kept_) return;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_directory(ec)) return;  // something was written: leave it for the user
    }
    std::filesystem::remove_all(path_, ec);
  }
  void Keep() { kept_ = true; }

 private:
  std::string path_;
  bool existed_ = false;
  bool kept_ = false;
};

Status RunCreate(const TableArgs& a) {
  if (a.schema.empty()) return Status::InvalidArgument("--schema is required");
  FL_ASSIGN_OR_RETURN(Schema schema, ParseSchemaArg(a.schema));
  FL_ASSIGN_OR_RETURN(delta::CreateOptions opts, MakeCreateOptions(a, schema));
  auto fs = Fs();
  CreatedDirs dirs(a.path);
  FL_RETURN_NOT_OK(fs->CreateDirs(a.path));
  auto table = delta::Table::Open(fs, a.path);
  FL_ASSIGN_OR_RETURN(DeltaVersion v, delta::CreateTable(*table, schema, opts));
  dirs.Keep();
  return WriteStdout(fmt::format("created {} at version {}\n", a.path, v.value()));
}

// The header names of a CSV text: everything up to the first line break outside quotes.
Result<std::vector<std::string>> CsvHeader(std::string_view text, const std::string& source) {
  bool quoted = false;
  size_t end = 0;
  for (; end < text.size(); ++end) {
    const char c = text[end];
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == '\n' || c == '\r')) break;
  }
  FL_ASSIGN_OR_RETURN(RecordBatch header,
                      columnar::ReadCsv(text.substr(0, end), std::nullopt, source));
  std::vector<std::string> names;
  for (const Field& f : header.schema().fields()) names.push_back(f.name);
  return names;
}

std::string ColumnNames(const Schema& schema) {
  std::string s;
  for (const Field& f : schema.fields()) s += (s.empty() ? "" : ", ") + f.name;
  return s;
}

std::string SchemaText(const Schema& schema) {
  std::string s;
  for (const Field& f : schema.fields()) {
    s += (s.empty() ? "" : ",") + f.name + ":" + f.type.ToString();
  }
  return s;
}

// Parses CSV `text` into a batch of `table_schema`: the header may name the table's columns in
// any order and leave out nullable ones (they read as null); every value is parsed as the
// table's type for its column.
Result<RecordBatch> ReadCsvAs(std::string_view text, const Schema& table_schema,
                              const std::string& source) {
  FL_ASSIGN_OR_RETURN(std::vector<std::string> header, CsvHeader(text, source));
  std::vector<Field> csv_fields;
  std::vector<int> table_to_csv(table_schema.num_fields(), -1);
  for (size_t i = 0; i < header.size(); ++i) {
    auto idx = table_schema.ResolveFieldIndex(header[i]);  // case-insensitive, as Delta
    if (!idx) {
      return Status::InvalidArgument(
          fmt::format("{}: column '{}' is not in the table (columns: {})", source, header[i],
                      ColumnNames(table_schema)));
    }
    if (table_to_csv[*idx] != -1) {
      return Status::InvalidArgument(
          fmt::format("{}: column '{}' appears twice", source, header[i]));
    }
    table_to_csv[*idx] = static_cast<int>(i);
    csv_fields.push_back(Field{header[i], table_schema.field(*idx).type, true});
  }
  FL_ASSIGN_OR_RETURN(RecordBatch parsed, columnar::ReadCsv(text, Schema(csv_fields), source));
  std::vector<Column> columns;
  for (size_t t = 0; t < table_schema.num_fields(); ++t) {
    const Field& f = table_schema.field(t);
    if (table_to_csv[t] >= 0) {
      columns.push_back(parsed.column(static_cast<size_t>(table_to_csv[t])));
      continue;
    }
    if (!f.nullable) {
      return Status::InvalidArgument(
          fmt::format("{}: no column '{}', which the table declares not null", source, f.name));
    }
    Column col(f.type);
    for (int64_t r = 0; r < parsed.num_rows(); ++r) col.AppendNull();
    columns.push_back(std::move(col));
  }
  return RecordBatch::Make(table_schema, std::move(columns));
}

// True when two schemas name the same columns with the same types (nullability aside).
bool SameColumns(const Schema& a, const Schema& b) {
  if (a.num_fields() != b.num_fields()) return false;
  for (size_t i = 0; i < a.num_fields(); ++i) {
    if (a.field(i).name != b.field(i).name || !(a.field(i).type == b.field(i).type)) return false;
  }
  return true;
}

Status RunAppend(const TableArgs& a) {
  std::optional<Schema> given;
  if (!a.schema.empty()) {
    FL_ASSIGN_OR_RETURN(given, ParseSchemaArg(a.schema));
  }
  auto fs = Fs();
  FL_ASSIGN_OR_RETURN(std::string text, fs->ReadFile(a.csv));
  auto table = delta::Table::Open(fs, a.path);
  // Load first and create only when there is no table: one listing of the log per append.
  Result<delta::SnapshotPtr> loaded = table->Latest();
  std::string created;
  if (!loaded.ok() && loaded.status().IsNotFound()) {
    // A new table: the schema is the given one, else the CSV's inferred one.
    FL_ASSIGN_OR_RETURN(RecordBatch batch, columnar::ReadCsv(text, given, a.csv));
    FL_ASSIGN_OR_RETURN(delta::CreateOptions opts, MakeCreateOptions(a, batch.schema()));
    CreatedDirs dirs(a.path);
    FL_RETURN_NOT_OK(fs->CreateDirs(a.path));
    auto v = delta::CreateTable(*table, batch.schema(), opts);
    if (v.ok() || v.status().IsAlreadyExists()) dirs.Keep();
    if (v.ok()) {
      created = fmt::format("created {} at version {}; ", a.path, v->value());
    } else if (!v.status().IsAlreadyExists()) {
      return v.status();
    }
    // Else another writer created it first (or the load failed for another reason, which the
    // next load reports): append to it as to any existing table.
    loaded = table->Latest();
  }
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, std::move(loaded));
  const Schema& schema = snap->schema();
  FL_RETURN_NOT_OK(CheckCreateOptionsHeld(a, *snap));
  if (given && !SameColumns(*given, schema)) {
    return Status::FailedPrecondition(
        fmt::format("--schema '{}' does not match the schema of {}: '{}'", a.schema, a.path,
                    SchemaText(schema)));
  }
  FL_ASSIGN_OR_RETURN(RecordBatch batch, ReadCsvAs(text, schema, a.csv));
  if (batch.num_rows() == 0) {
    // An empty commit would only add a version that changes nothing.
    return WriteStdout(fmt::format("{}nothing to append: {} has no rows; {} stays at version {}\n",
                                   created, a.csv, a.path, snap->version().value()));
  }
  FL_ASSIGN_OR_RETURN(delta::WriteOutcome out, delta::Append(*table, batch));
  return WriteStdout(fmt::format("{}appended {} row{} in {} file{} at version {}\n", created,
                                 out.rows_written, out.rows_written == 1 ? "" : "s",
                                 out.files_added, out.files_added == 1 ? "" : "s",
                                 out.version.value()));
}

// ---------------------------------------------------------------------------------------------
// scan

Status RunScan(const TableArgs& a) {
  FL_ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(a.format));
  if (a.limit < -1) {
    return Status::InvalidArgument(fmt::format("--limit must be >= 0, not {}", a.limit));
  }
  FL_ASSIGN_OR_RETURN(auto table, OpenExisting(a.path));
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, ChooseSnapshot(*table, a));
  delta::ScanOptions opts;
  opts.limit = a.limit;
  if (!a.where.empty()) {
    auto filter = columnar::Expr::Parse(a.where, snap->schema());
    if (!filter.ok()) {
      // The parser's messages start with "where: "; say which option that was.
      std::string msg = filter.status().message();
      if (msg.rfind("where: ", 0) == 0) msg = msg.substr(7);
      return Status(filter.status().code(), fmt::format("--where '{}': {}", a.where, msg));
    }
    opts.filter = std::move(filter).value();
  }
  if (!a.columns.empty()) {
    FL_ASSIGN_OR_RETURN(std::vector<size_t> cols,
                        ResolveColumnList(snap->schema(), a.columns, "--columns: " + a.path));
    for (size_t i : cols) opts.columns.push_back(snap->schema().field(i).name);
  } else if (a.count && snap->schema().num_fields() > 0) {
    // Counting needs no values: read the narrowest thing there is, one column.
    opts.columns.push_back(snap->schema().field(0).name);
  }
  FL_ASSIGN_OR_RETURN(RecordBatch rows, table->Scan(*snap, opts));
  if (a.count) return WriteStdout(fmt::format("{}\n", rows.num_rows()));
  return PrintBatch(rows, format);
}

// ---------------------------------------------------------------------------------------------
// history / describe

std::string JsonText(const Json* j) {
  return j == nullptr || j->is_null() ? "{}" : j->Dump();
}

Status RunHistory(const TableArgs& a) {
  FL_ASSIGN_OR_RETURN(OutputFormat format, ParseOutputFormat(a.format));
  if (a.limit < -1) {
    return Status::InvalidArgument(fmt::format("--limit must be >= 0, not {}", a.limit));
  }
  FL_ASSIGN_OR_RETURN(auto table, OpenExisting(a.path));
  FL_ASSIGN_OR_RETURN(auto entries, table->History(a.limit));
  if (format == OutputFormat::kJsonl) {
    std::string out;
    for (const delta::HistoryEntry& e : entries) {
      const Json& ci = e.commit_info.value;
      Json o = Json::Object();
      o.Set("version", Json::Int(e.version.value()));
      o.Set("timestamp", Json::String(FormatMillis(e.timestamp_ms)));
      o.Set("timestampMs", Json::Int(e.timestamp_ms));
      o.Set("operation", Json::String(e.commit_info.operation()));
      const Json* params = ci.Find("operationParameters");
      const Json* metrics = ci.Find("operationMetrics");
      o.Set("operationParameters", params ? *params : Json::Object());
      o.Set("operationMetrics", metrics ? *metrics : Json::Object());
      out += o.Dump();
      out.push_back('\n');
    }
    return WriteStdout(out);
  }
  RecordBatch batch(Schema({Field{"version", DataType::Long(), false},
                            Field{"timestamp", DataType::Timestamp(), false},
                            Field{"operation", DataType::String(), true},
                            Field{"operationParameters", DataType::String(), true},
                            Field{"operationMetrics", DataType::String(), true}}));
  for (const delta::HistoryEntry& e : entries) {
    const Json& ci = e.commit_info.value;
    batch.mutable_column(0).Append<int64_t>(e.version.value());
    batch.mutable_column(1).Append<int64_t>(e.timestamp_ms * 1000);
    batch.mutable_column(2).AppendString(e.commit_info.operation());
    batch.mutable_column(3).AppendString(JsonText(ci.Find("operationParameters")));
    batch.mutable_column(4).AppendString(JsonText(ci.Find("operationMetrics")));
  }
  return PrintBatch(batch, format);
}

std::string PartitionValuesText(const delta::PartitionValues& pv) {
  std::string s;
  for (const auto& [k, v] : pv) {
    s += fmt::format("{}{}={}", s.empty() ? "" : ",", k, v ? *v : "NULL");
  }
  return s;
}

Status RunDescribe(const TableArgs& a) {
  if (a.format != "text" && a.format != "json") {
    return Status::InvalidArgument(
        fmt::format("--format must be text or json, not '{}'", a.format));
  }
  FL_ASSIGN_OR_RETURN(auto table, OpenExisting(a.path));
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, ChooseSnapshot(*table, a));
  const delta::Snapshot& s = *snap;
  const delta::Metadata& md = s.metadata();
  const delta::Protocol& p = s.protocol();
  const auto rows = s.num_records();
  const std::vector<std::string>& parts = s.partition_columns();
  auto is_partition = [&](const std::string& name) {
    return std::find(parts.begin(), parts.end(), name) != parts.end();
  };

  if (a.format == "json") {
    Json o = Json::Object();
    o.Set("path", Json::String(a.path));
    o.Set("version", Json::Int(s.version().value()));
    o.Set("timestampMs", Json::Int(s.timestamp_ms()));
    o.Set("id", Json::String(md.id));
    if (md.name) o.Set("name", Json::String(*md.name));
    if (md.description) o.Set("description", Json::String(*md.description));
    if (md.created_time) o.Set("createdTime", Json::Int(*md.created_time));
    Json proto = Json::Object();
    proto.Set("minReaderVersion", Json::Int(p.min_reader_version));
    proto.Set("minWriterVersion", Json::Int(p.min_writer_version));
    if (!p.reader_features.empty()) {
      Json f = Json::Array();
      for (const auto& x : p.reader_features) f.Push(Json::String(x));
      proto.Set("readerFeatures", f);
    }
    if (!p.writer_features.empty()) {
      Json f = Json::Array();
      for (const auto& x : p.writer_features) f.Push(Json::String(x));
      proto.Set("writerFeatures", f);
    }
    o.Set("protocol", proto);
    Json schema = Json::Array();
    for (const Field& f : s.schema().fields()) {
      Json field = Json::Object();
      field.Set("name", Json::String(f.name));
      field.Set("type", Json::String(f.type.ToString()));
      field.Set("nullable", Json::Bool(f.nullable));
      schema.Push(field);
    }
    o.Set("schema", schema);
    Json pc = Json::Array();
    for (const auto& c : parts) pc.Push(Json::String(c));
    o.Set("partitionColumns", pc);
    Json props = Json::Object();
    for (const auto& [k, v] : md.configuration) props.Set(k, Json::String(v));
    o.Set("properties", props);
    o.Set("numFiles", Json::Int(static_cast<int64_t>(s.files().size())));
    o.Set("sizeBytes", Json::Int(s.total_bytes()));
    o.Set("numRecords", rows ? Json::Int(*rows) : Json::Null());
    if (a.files) {
      Json files = Json::Array();
      for (const delta::AddFile& f : s.files()) {
        Json file = Json::Object();
        file.Set("path", Json::String(f.path));
        file.Set("size", Json::Int(f.size));
        Json pv = Json::Object();
        for (const auto& [k, v] : f.partition_values)
          pv.Set(k, v ? Json::String(*v) : Json::Null());
        file.Set("partitionValues", pv);
        files.Push(file);
      }
      o.Set("files", files);
    }
    return WriteStdout(o.Dump() + "\n");
  }

  std::string out;
  out += fmt::format("path:        {}\n", a.path);
  out += fmt::format("version:     {} ({})\n", s.version().value(), FormatMillis(s.timestamp_ms()));
  out += fmt::format("id:          {}\n", md.id);
  if (md.name) out += fmt::format("name:        {}\n", *md.name);
  if (md.description) out += fmt::format("description: {}\n", *md.description);
  if (md.created_time) out += fmt::format("created:     {}\n", FormatMillis(*md.created_time));
  out +=
      fmt::format("protocol:    reader {}, writer {}", p.min_reader_version, p.min_writer_version);
  if (!p.reader_features.empty()) {
    out += fmt::format("; reader features {}", fmt::join(p.reader_features, ","));
  }
  if (!p.writer_features.empty()) {
    out += fmt::format("; writer features {}", fmt::join(p.writer_features, ","));
  }
  out += "\n";
  out += fmt::format("partitioned: {}\n",
                     parts.empty() ? "no" : fmt::format("by {}", fmt::join(parts, ", ")));
  out += fmt::format("files:       {}\n", s.files().size());
  out += fmt::format("size:        {} bytes\n", s.total_bytes());
  out += fmt::format("rows:        {}\n", rows ? std::to_string(*rows) : "unknown");
  out += "properties:";
  if (md.configuration.empty()) out += "  none";
  out += "\n";
  for (const auto& [k, v] : md.configuration) out += fmt::format("  {} = {}\n", k, v);
  out += "schema:\n";
  for (const Field& f : s.schema().fields()) {
    out += fmt::format("  {}: {}{}{}\n", f.name, f.type.ToString(), f.nullable ? "" : " not null",
                       is_partition(f.name) ? " (partition)" : "");
  }
  if (a.files) {
    out += "live files:\n";
    for (const delta::AddFile& f : s.files()) {
      out += fmt::format("  {}  {} bytes{}{}\n", f.path, f.size,
                         f.partition_values.empty() ? "" : "  ",
                         PartitionValuesText(f.partition_values));
    }
  }
  return WriteStdout(out);
}

// ---------------------------------------------------------------------------------------------
// optimize / vacuum / checkpoint

Status RunOptimize(const TableArgs& a) {
  if (a.target_size <= 0) {
    return Status::InvalidArgument(
        fmt::format("--target-size must be positive, not {}", a.target_size));
  }
  FL_ASSIGN_OR_RETURN(auto table, OpenExisting(a.path));
  delta::OptimizeOptions opts;
  opts.target_file_bytes = a.target_size;
  FL_ASSIGN_OR_RETURN(delta::WriteOutcome out, delta::Optimize(*table, opts));
  if (out.files_removed == 0 && out.files_added == 0) {
    return WriteStdout(fmt::format("nothing to optimize (version {})\n", out.version.value()));
  }
  return WriteStdout(fmt::format("optimized: {} files rewritten into {} at version {}\n",
                                 out.files_removed, out.files_added, out.version.value()));
}

Status RunVacuum(const TableArgs& a, bool retain_given) {
  FL_ASSIGN_OR_RETURN(auto table, OpenExisting(a.path));
  delta::VacuumOptions opts;
  if (retain_given) {
    if (!(a.retain_hours >= 0) || !std::isfinite(a.retain_hours)) {
      return Status::InvalidArgument(
          fmt::format("--retain-hours must be a finite number >= 0, not {}", a.retain_hours));
    }
    opts.retain_hours = a.retain_hours;
  }
  opts.dry_run = a.dry_run;
  opts.force = a.force;
  FL_ASSIGN_OR_RETURN(delta::VacuumResult res, delta::Vacuum(*table, opts));
  std::string out;
  for (const std::string& p : res.deleted) out += p + "\n";
  out += fmt::format("{} {} file{}\n", a.dry_run ? "would delete" : "deleted", res.deleted.size(),
                     res.deleted.size() == 1 ? "" : "s");
  return WriteStdout(out);
}

Status RunCheckpoint(const TableArgs& a) {
  FL_ASSIGN_OR_RETURN(auto table, OpenExisting(a.path));
  FL_ASSIGN_OR_RETURN(DeltaVersion v, delta::Checkpoint(*table));
  return WriteStdout(fmt::format("checkpoint written at version {}\n", v.value()));
}

}  // namespace

void RegisterTableCommands(CLI::App& app, Action* action) {
  auto a = std::make_shared<TableArgs>();
  CLI::App* t =
      app.add_subcommand("table", "Create, write, read and maintain a Delta table at PATH");
  t->require_subcommand(1);
  auto path = [&](CLI::App* sub) {
    sub->add_option("PATH", a->path, "the table's root directory (holding _delta_log/)")
        ->required();
  };
  auto set = [action, a](CLI::App* sub, Status (*run)(const TableArgs&)) {
    sub->callback([action, a, run] { *action = [a, run] { return run(*a); }; });
  };

  CLI::App* create = t->add_subcommand("create", "Create an empty table (protocol 1/2)");
  path(create);
  create->add_option("--schema", a->schema, "columns 'name:type,...' (types as in parquet write)")
      ->required();
  create->add_option("--partition-by", a->partition_by, "comma-separated partition columns");
  create->add_option("--property", a->properties, "table property key=value (repeatable)");
  set(create, RunCreate);

  CLI::App* append = t->add_subcommand(
      "append", "Append the rows of a CSV file (creates the table if it does not exist)");
  path(append);
  append->add_option("--csv", a->csv, "input CSV with a header line")->required();
  append->add_option("--schema", a->schema,
                     "column types 'name:type,...' for a new table (default: inferred); for an "
                     "existing table it must match the table's");
  append->add_option("--partition-by", a->partition_by,
                     "partition columns, for a new table (an existing table's must be these)");
  append->add_option("--property", a->properties,
                     "table property key=value, for a new table (an existing table must have it)");
  set(append, RunAppend);

  CLI::App* scan = t->add_subcommand("scan", "Print the table's rows");
  path(scan);
  scan->add_option("--version", a->version, "read this version (time travel)");
  scan->add_option("--timestamp", a->timestamp,
                   "read the version current at this time: epoch ms or ISO-8601");
  scan->add_option("--where", a->where, "filter, e.g. \"ticker = 'AAPL' AND px > 10\"");
  scan->add_option("--columns", a->columns, "comma-separated columns to print, in order");
  scan->add_option("--limit", a->limit, "print at most N rows");
  scan->add_flag("--count", a->count, "print the number of matching rows only");
  scan->add_option("--format", a->format, "table (default), csv or jsonl");
  set(scan, RunScan);

  CLI::App* history = t->add_subcommand("history", "Print the table's commits, newest first");
  path(history);
  history->add_option("--format", a->format, "table (default), csv or jsonl");
  history->add_option("--limit", a->limit, "at most N commits");
  set(history, RunHistory);

  CLI::App* describe = t->add_subcommand(
      "describe", "Print schema, partitioning, properties, protocol, version, files and size");
  path(describe);
  describe->add_option("--version", a->version, "describe this version");
  describe->add_option("--timestamp", a->timestamp, "describe the version current at this time");
  describe->add_flag("--files", a->files, "list the live files too");
  describe->add_option("--format", a->format, "text (default) or json")->default_str("text");
  describe->callback([action, a, describe] {
    if (describe->count("--format") == 0) a->format = "text";
    *action = [a] { return RunDescribe(*a); };
  });

  CLI::App* optimize =
      t->add_subcommand("optimize", "Compact small files (bin-packing per partition)");
  path(optimize);
  optimize->add_option("--target-size", a->target_size,
                       "target file size in bytes (default 128 MiB)");
  set(optimize, RunOptimize);

  CLI::App* vacuum = t->add_subcommand("vacuum", "Delete files no longer referenced by the table");
  path(vacuum);
  vacuum->add_option("--retain-hours", a->retain_hours,
                     "keep files removed less than H hours ago (default: the table's "
                     "delta.deletedFileRetentionDuration, 7 days)");
  vacuum->add_flag("--dry-run", a->dry_run, "list what would be deleted, delete nothing");
  vacuum->add_flag("--force", a->force, "allow a retention shorter than the table's setting");
  vacuum->callback([action, a, vacuum] {
    const bool given = vacuum->count("--retain-hours") > 0;
    *action = [a, given] { return RunVacuum(*a, given); };
  });

  CLI::App* checkpoint =
      t->add_subcommand("checkpoint", "Write a checkpoint at the latest version");
  path(checkpoint);
  set(checkpoint, RunCheckpoint);
}

}  // namespace financelake::apps
