#include "financelake/delta/checkpoint_schema.h"

#include <fmt/format.h>

#include "financelake/base/check.h"

namespace financelake::delta {
namespace {

using columnar::Column;
using columnar::TypeKind;

// ---- reading -------------------------------------------------------------------------------

// Field access into one row of a struct column; `what` names the action in errors.
class RowReader {
 public:
  RowReader(const Column& col, int64_t row, std::string what)
      : col_(col), row_(row), what_(std::move(what)) {}

  Status Error(std::string_view msg) const {
    return Status::DataLoss(fmt::format("{}: {}", what_, msg));
  }

  // A child column by name, or nullptr when the checkpoint does not have that field.
  const Column* Child(std::string_view name) const {
    const auto& fields = col_.type().children();
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].name == name) return &col_.child(i);
    }
    return nullptr;
  }
  bool Has(std::string_view name) const {
    const Column* c = Child(name);
    return c != nullptr && c->IsValid(row_);
  }
  RowReader Nested(std::string_view name) const {
    return RowReader(*Child(name), row_, fmt::format("{}.{}", what_, name));
  }

  Result<std::optional<std::string>> OptString(std::string_view name) const {
    const Column* c = Child(name);
    if (c == nullptr || c->IsNull(row_)) return std::optional<std::string>();
    if (!c->type().is_binary_like()) return Error(fmt::format("'{}' is not a string", name));
    return std::optional<std::string>(std::string(c->StringAt(row_)));
  }
  Result<std::string> String(std::string_view name) const {
    FL_ASSIGN_OR_RETURN(auto s, OptString(name));
    if (!s) return Error(fmt::format("missing '{}'", name));
    return std::move(*s);
  }
  Result<std::optional<int64_t>> OptInt(std::string_view name) const {
    const Column* c = Child(name);
    if (c == nullptr || c->IsNull(row_)) return std::optional<int64_t>();
    switch (c->type().kind()) {
      case TypeKind::kByte:
      case TypeKind::kShort:
      case TypeKind::kInteger:
      case TypeKind::kLong: return std::optional<int64_t>(c->GetValue(row_).as_int());
      default: return Error(fmt::format("'{}' is not an integer", name));
    }
  }
  Result<int64_t> Int(std::string_view name) const {
    FL_ASSIGN_OR_RETURN(auto v, OptInt(name));
    if (!v) return Error(fmt::format("missing '{}'", name));
    return *v;
  }
  Result<bool> Bool(std::string_view name, bool fallback) const {
    const Column* c = Child(name);
    if (c == nullptr || c->IsNull(row_)) return fallback;
    if (c->type().kind() != TypeKind::kBoolean) {
      return Error(fmt::format("'{}' is not a boolean", name));
    }
    return c->ValueAt<uint8_t>(row_) != 0;
  }
  Result<PartitionValues> Map(std::string_view name) const {
    PartitionValues out;
    const Column* c = Child(name);
    if (c == nullptr || c->IsNull(row_)) return out;
    if (c->type().kind() != TypeKind::kMap || !c->child(0).type().is_binary_like() ||
        !c->child(1).type().is_binary_like()) {
      return Error(fmt::format("'{}' is not a map<string,string>", name));
    }
    for (int64_t e = c->offsets()[row_]; e < c->offsets()[row_ + 1]; ++e) {
      std::optional<std::string> v;
      if (c->child(1).IsValid(e)) v = std::string(c->child(1).StringAt(e));
      out[std::string(c->child(0).StringAt(e))] = std::move(v);
    }
    return out;
  }
  Result<std::map<std::string, std::string>> StringMap(std::string_view name) const {
    FL_ASSIGN_OR_RETURN(PartitionValues m, Map(name));
    std::map<std::string, std::string> out;
    for (auto& [k, v] : m) {
      if (v) out.emplace(k, std::move(*v));
    }
    return out;
  }
  Result<std::vector<std::string>> StringList(std::string_view name) const {
    std::vector<std::string> out;
    const Column* c = Child(name);
    if (c == nullptr || c->IsNull(row_)) return out;
    if (c->type().kind() != TypeKind::kArray || !c->child(0).type().is_binary_like()) {
      return Error(fmt::format("'{}' is not an array<string>", name));
    }
    for (int64_t e = c->offsets()[row_]; e < c->offsets()[row_ + 1]; ++e) {
      if (c->child(0).IsValid(e)) out.emplace_back(c->child(0).StringAt(e));
    }
    return out;
  }

 private:
  const Column& col_;
  int64_t row_;
  std::string what_;
};

Result<Action> ReadAdd(const RowReader& r) {
  AddFile a;
  FL_ASSIGN_OR_RETURN(a.path, r.String("path"));
  FL_ASSIGN_OR_RETURN(a.partition_values, r.Map("partitionValues"));
  FL_ASSIGN_OR_RETURN(a.size, r.Int("size"));
  FL_ASSIGN_OR_RETURN(auto mtime, r.OptInt("modificationTime"));
  a.modification_time = mtime.value_or(0);
  FL_ASSIGN_OR_RETURN(a.data_change, r.Bool("dataChange", false));
  FL_ASSIGN_OR_RETURN(a.stats, r.OptString("stats"));
  FL_ASSIGN_OR_RETURN(a.tags, r.StringMap("tags"));
  a.has_deletion_vector = r.Has("deletionVector");
  return Action(std::move(a));
}

Result<Action> ReadRemove(const RowReader& r) {
  RemoveFile rm;
  FL_ASSIGN_OR_RETURN(rm.path, r.String("path"));
  FL_ASSIGN_OR_RETURN(rm.deletion_timestamp, r.OptInt("deletionTimestamp"));
  FL_ASSIGN_OR_RETURN(rm.data_change, r.Bool("dataChange", false));
  FL_ASSIGN_OR_RETURN(rm.extended_file_metadata, r.Bool("extendedFileMetadata", false));
  FL_ASSIGN_OR_RETURN(rm.partition_values, r.Map("partitionValues"));
  FL_ASSIGN_OR_RETURN(rm.size, r.OptInt("size"));
  return Action(std::move(rm));
}

Result<Action> ReadMetadata(const RowReader& r) {
  Metadata m;
  FL_ASSIGN_OR_RETURN(m.id, r.String("id"));
  FL_ASSIGN_OR_RETURN(m.name, r.OptString("name"));
  FL_ASSIGN_OR_RETURN(m.description, r.OptString("description"));
  if (r.Has("format")) {
    if (r.Child("format")->type().kind() != TypeKind::kStruct) {
      return r.Error("'format' is not a struct");
    }
    RowReader f = r.Nested("format");
    FL_ASSIGN_OR_RETURN(auto provider, f.OptString("provider"));
    m.format.provider = provider.value_or("parquet");
    FL_ASSIGN_OR_RETURN(m.format.options, f.StringMap("options"));
  }
  FL_ASSIGN_OR_RETURN(auto schema, r.OptString("schemaString"));
  m.schema_string = schema.value_or("");
  FL_ASSIGN_OR_RETURN(m.partition_columns, r.StringList("partitionColumns"));
  FL_ASSIGN_OR_RETURN(m.configuration, r.StringMap("configuration"));
  FL_ASSIGN_OR_RETURN(m.created_time, r.OptInt("createdTime"));
  return Action(std::move(m));
}

Result<Action> ReadProtocol(const RowReader& r) {
  Protocol p;
  FL_ASSIGN_OR_RETURN(int64_t reader, r.Int("minReaderVersion"));
  FL_ASSIGN_OR_RETURN(int64_t writer, r.Int("minWriterVersion"));
  p.min_reader_version = static_cast<int32_t>(reader);
  p.min_writer_version = static_cast<int32_t>(writer);
  FL_ASSIGN_OR_RETURN(p.reader_features, r.StringList("readerFeatures"));
  FL_ASSIGN_OR_RETURN(p.writer_features, r.StringList("writerFeatures"));
  return Action(std::move(p));
}

Result<Action> ReadTxn(const RowReader& r) {
  Txn t;
  FL_ASSIGN_OR_RETURN(t.app_id, r.String("appId"));
  FL_ASSIGN_OR_RETURN(t.version, r.Int("version"));
  FL_ASSIGN_OR_RETURN(t.last_updated, r.OptInt("lastUpdated"));
  return Action(std::move(t));
}

// ---- writing -------------------------------------------------------------------------------

Column& Child(Column& c, std::string_view name) {
  const auto& fields = c.type().children();
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name) return c.mutable_child(i);
  }
  FL_CHECK(false && "checkpoint schema field missing");
  return c;
}

void PutOptString(Column& c, const std::optional<std::string>& s) {
  if (s) {
    c.AppendString(*s);
  } else {
    c.AppendNull();
  }
}

void PutOptLong(Column& c, const std::optional<int64_t>& v) {
  if (v) {
    c.Append<int64_t>(*v);
  } else {
    c.AppendNull();
  }
}

void PutBool(Column& c, bool b) {
  c.Append<uint8_t>(b ? 1 : 0);
}

void PutMap(Column& c, const PartitionValues& m) {
  for (const auto& [k, v] : m) {
    c.mutable_child(0).AppendString(k);
    PutOptString(c.mutable_child(1), v);
  }
  c.CloseList();
}

void PutStringMap(Column& c, const std::map<std::string, std::string>& m, bool null_if_empty) {
  if (m.empty() && null_if_empty) return c.AppendNull();
  for (const auto& [k, v] : m) {
    c.mutable_child(0).AppendString(k);
    c.mutable_child(1).AppendString(v);
  }
  c.CloseList();
}

void PutStringList(Column& c, const std::vector<std::string>& v, bool null_if_empty) {
  if (v.empty() && null_if_empty) return c.AppendNull();
  for (const auto& s : v) c.mutable_child(0).AppendString(s);
  c.CloseList();
}

// Appends one row: the named struct column gets its fields from `fill`, every other column a
// null.
template <typename Fill>
void PutRow(columnar::RecordBatch* batch, std::string_view action, Fill fill) {
  for (size_t i = 0; i < batch->num_columns(); ++i) {
    Column& c = batch->mutable_column(i);
    if (batch->schema().field(i).name == action) {
      fill(c);
      c.AppendStructValid();
    } else {
      c.AppendNull();
    }
  }
}

}  // namespace

const columnar::Schema& CheckpointSchema() {
  static const columnar::Schema* schema = [] {
    auto s = columnar::Schema::Parse(
        "txn:struct<appId:string,version:long,lastUpdated:long>,"
        "add:struct<path:string,partitionValues:map<string,string>,size:long,"
        "modificationTime:long,dataChange:boolean,tags:map<string,string>,stats:string>,"
        "remove:struct<path:string,deletionTimestamp:long,dataChange:boolean,"
        "extendedFileMetadata:boolean,partitionValues:map<string,string>,size:long,"
        "tags:map<string,string>>,"
        "metaData:struct<id:string,name:string,description:string,"
        "format:struct<provider:string,options:map<string,string>>,schemaString:string,"
        "partitionColumns:array<string>,configuration:map<string,string>,createdTime:long>,"
        "protocol:struct<minReaderVersion:integer,minWriterVersion:integer,"
        "readerFeatures:array<string>,writerFeatures:array<string>>,"
        "commitInfo:struct<version:long,timestamp:timestamp,operation:string,"
        "operationParameters:map<string,string>,readVersion:long,isBlindAppend:boolean>");
    FL_CHECK(s.ok());
    return new columnar::Schema(std::move(s).value());
  }();
  return *schema;
}

const std::vector<std::string>& CheckpointActionColumns() {
  static const std::vector<std::string> kColumns = {"txn", "add", "remove", "metaData", "protocol"};
  return kColumns;
}

Result<std::vector<Action>> ActionsFromCheckpoint(const columnar::RecordBatch& batch) {
  using ReadFn = Result<Action> (*)(const RowReader&);
  struct Kind {
    const Column* column;
    const char* name;
    ReadFn read;
  };
  std::vector<Kind> kinds;
  for (auto [name, read] : {std::pair<const char*, ReadFn>{"protocol", ReadProtocol},
                            {"metaData", ReadMetadata},
                            {"txn", ReadTxn},
                            {"add", ReadAdd},
                            {"remove", ReadRemove}}) {
    const Column* c = batch.ColumnByName(name);
    if (c == nullptr) continue;
    if (c->type().kind() != TypeKind::kStruct) {
      return Status::DataLoss(fmt::format("checkpoint column '{}' is not a struct", name));
    }
    kinds.push_back(Kind{c, name, read});
  }
  std::vector<Action> out;
  for (int64_t row = 0; row < batch.num_rows(); ++row) {
    for (const Kind& k : kinds) {
      if (k.column->IsNull(row)) continue;
      auto action = k.read(RowReader(*k.column, row, k.name));
      if (!action.ok()) return action.status().WithContext(fmt::format("row {}", row));
      out.push_back(std::move(action).value());
    }
  }
  return out;
}

columnar::RecordBatch CheckpointBatch(const Snapshot& snapshot,
                                      std::optional<int64_t> min_tombstone_timestamp_ms) {
  columnar::RecordBatch batch(CheckpointSchema());
  const Protocol& p = snapshot.protocol();
  PutRow(&batch, "protocol", [&](Column& c) {
    Child(c, "minReaderVersion").Append<int32_t>(p.min_reader_version);
    Child(c, "minWriterVersion").Append<int32_t>(p.min_writer_version);
    PutStringList(Child(c, "readerFeatures"), p.reader_features, p.min_reader_version < 3);
    PutStringList(Child(c, "writerFeatures"), p.writer_features, p.min_writer_version < 7);
  });
  const Metadata& m = snapshot.metadata();
  PutRow(&batch, "metaData", [&](Column& c) {
    Child(c, "id").AppendString(m.id);
    PutOptString(Child(c, "name"), m.name);
    PutOptString(Child(c, "description"), m.description);
    Column& format = Child(c, "format");
    Child(format, "provider").AppendString(m.format.provider);
    PutStringMap(Child(format, "options"), m.format.options, false);
    format.AppendStructValid();
    Child(c, "schemaString").AppendString(m.schema_string);
    PutStringList(Child(c, "partitionColumns"), m.partition_columns, false);
    PutStringMap(Child(c, "configuration"), m.configuration, false);
    PutOptLong(Child(c, "createdTime"), m.created_time);
  });
  for (const auto& entry : snapshot.txns()) {
    const Txn& t = entry.second;
    PutRow(&batch, "txn", [&](Column& c) {
      Child(c, "appId").AppendString(t.app_id);
      Child(c, "version").Append<int64_t>(t.version);
      PutOptLong(Child(c, "lastUpdated"), t.last_updated);
    });
  }
  for (const AddFile& a : snapshot.files()) {
    PutRow(&batch, "add", [&](Column& c) {
      Child(c, "path").AppendString(a.path);
      PutMap(Child(c, "partitionValues"), a.partition_values);
      Child(c, "size").Append<int64_t>(a.size);
      Child(c, "modificationTime").Append<int64_t>(a.modification_time);
      PutBool(Child(c, "dataChange"), false);
      PutStringMap(Child(c, "tags"), a.tags, true);
      PutOptString(Child(c, "stats"), a.stats);
    });
  }
  for (const RemoveFile& r : snapshot.tombstones()) {
    if (min_tombstone_timestamp_ms &&
        r.deletion_timestamp.value_or(0) < *min_tombstone_timestamp_ms) {
      continue;
    }
    PutRow(&batch, "remove", [&](Column& c) {
      Child(c, "path").AppendString(r.path);
      PutOptLong(Child(c, "deletionTimestamp"), r.deletion_timestamp);
      PutBool(Child(c, "dataChange"), r.data_change);
      PutBool(Child(c, "extendedFileMetadata"), r.extended_file_metadata);
      PutMap(Child(c, "partitionValues"), r.partition_values);
      PutOptLong(Child(c, "size"), r.size);
      Child(c, "tags").AppendNull();
    });
  }
  return batch;
}

}  // namespace financelake::delta
