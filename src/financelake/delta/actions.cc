// Actions <-> JSON, field names as in PROTOCOL.md "Actions". Required fields missing or of the
// wrong type make the action (and the commit) DataLoss; fields we do not know are ignored, as
// the protocol asks.
#include "financelake/delta/actions.h"

#include <fmt/format.h>

namespace financelake::delta {
namespace {

// Field readers: `what` names the action in errors ("add: missing 'path'").
class Reader {
 public:
  Reader(const Json& obj, std::string_view what) : obj_(obj), what_(what) {}

  Status Error(std::string_view msg) const {
    return Status::DataLoss(fmt::format("{}: {}", what_, msg));
  }
  Status Missing(std::string_view key) const { return Error(fmt::format("missing '{}'", key)); }
  Status WrongType(std::string_view key, std::string_view expected) const {
    return Error(fmt::format("'{}' is not {}", key, expected));
  }

  const Json* Get(std::string_view key) const {
    const Json* v = obj_.Find(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  Result<std::string> String(std::string_view key) const {
    const Json* v = Get(key);
    if (v == nullptr) return Missing(key);
    if (!v->is_string()) return WrongType(key, "a string");
    return v->as_string();
  }
  Result<std::optional<std::string>> OptString(std::string_view key) const {
    const Json* v = Get(key);
    if (v == nullptr) return std::optional<std::string>();
    if (!v->is_string()) return WrongType(key, "a string");
    return std::optional<std::string>(v->as_string());
  }
  Result<int64_t> Int(std::string_view key) const {
    FL_ASSIGN_OR_RETURN(auto v, OptInt(key));
    if (!v) return Missing(key);
    return *v;
  }
  Result<std::optional<int64_t>> OptInt(std::string_view key) const {
    const Json* v = Get(key);
    if (v == nullptr) return std::optional<int64_t>();
    auto i = obj_.GetInt(key);
    if (!i.ok()) return WrongType(key, "an integer");
    return std::optional<int64_t>(*i);
  }
  Result<bool> Bool(std::string_view key, std::optional<bool> fallback = std::nullopt) const {
    const Json* v = Get(key);
    if (v == nullptr) {
      if (fallback) return *fallback;
      return Missing(key);
    }
    if (!v->is_bool()) return WrongType(key, "a boolean");
    return v->as_bool();
  }
  // Map[String, String]; null values are allowed only where `allow_null` (partition values).
  Result<std::map<std::string, std::optional<std::string>>> Map(std::string_view key,
                                                                bool required) const {
    std::map<std::string, std::optional<std::string>> out;
    const Json* v = Get(key);
    if (v == nullptr) {
      if (required) return Missing(key);
      return out;
    }
    if (!v->is_object()) return WrongType(key, "an object");
    for (const auto& [k, x] : v->members()) {
      if (x.is_null()) {
        out.emplace(k, std::nullopt);
      } else if (x.is_string()) {
        out.emplace(k, x.as_string());
      } else {
        return Error(fmt::format("'{}.{}' is not a string", key, k));
      }
    }
    return out;
  }
  Result<std::map<std::string, std::string>> StringMap(std::string_view key, bool required) const {
    FL_ASSIGN_OR_RETURN(auto m, Map(key, required));
    std::map<std::string, std::string> out;
    for (auto& [k, v] : m) {
      if (v) out.emplace(k, std::move(*v));
    }
    return out;
  }
  Result<std::vector<std::string>> StringList(std::string_view key, bool required) const {
    std::vector<std::string> out;
    const Json* v = Get(key);
    if (v == nullptr) {
      if (required) return Missing(key);
      return out;
    }
    if (!v->is_array()) return WrongType(key, "an array");
    for (const Json& e : v->items()) {
      if (!e.is_string()) return Error(fmt::format("'{}' holds a non-string", key));
      out.push_back(e.as_string());
    }
    return out;
  }

 private:
  const Json& obj_;
  std::string_view what_;
};

Result<Action> ParseAdd(const Reader& r) {
  AddFile a;
  FL_ASSIGN_OR_RETURN(a.path, r.String("path"));
  FL_ASSIGN_OR_RETURN(a.partition_values, r.Map("partitionValues", /*required=*/true));
  FL_ASSIGN_OR_RETURN(a.size, r.Int("size"));
  FL_ASSIGN_OR_RETURN(a.modification_time, r.Int("modificationTime"));
  FL_ASSIGN_OR_RETURN(a.data_change, r.Bool("dataChange"));
  FL_ASSIGN_OR_RETURN(a.stats, r.OptString("stats"));
  FL_ASSIGN_OR_RETURN(a.tags, r.StringMap("tags", /*required=*/false));
  a.has_deletion_vector = r.Get("deletionVector") != nullptr;
  return Action(std::move(a));
}

Result<Action> ParseRemove(const Reader& r) {
  RemoveFile rm;
  FL_ASSIGN_OR_RETURN(rm.path, r.String("path"));
  FL_ASSIGN_OR_RETURN(rm.deletion_timestamp, r.OptInt("deletionTimestamp"));
  FL_ASSIGN_OR_RETURN(rm.data_change, r.Bool("dataChange", true));
  FL_ASSIGN_OR_RETURN(rm.extended_file_metadata, r.Bool("extendedFileMetadata", false));
  FL_ASSIGN_OR_RETURN(rm.partition_values, r.Map("partitionValues", /*required=*/false));
  FL_ASSIGN_OR_RETURN(rm.size, r.OptInt("size"));
  return Action(std::move(rm));
}

Result<Action> ParseMetadata(const Reader& r) {
  Metadata m;
  FL_ASSIGN_OR_RETURN(m.id, r.String("id"));
  FL_ASSIGN_OR_RETURN(m.name, r.OptString("name"));
  FL_ASSIGN_OR_RETURN(m.description, r.OptString("description"));
  // Spark's own defaults for fields early Delta versions left out: format parquet, an empty
  // schema (schemaString "" here), no partition columns.
  if (const Json* f = r.Get("format")) {
    if (!f->is_object()) return r.WrongType("format", "an object");
    Reader fr(*f, "metaData.format");
    FL_ASSIGN_OR_RETURN(m.format.provider, fr.String("provider"));
    FL_ASSIGN_OR_RETURN(m.format.options, fr.StringMap("options", /*required=*/false));
  }
  FL_ASSIGN_OR_RETURN(auto schema, r.OptString("schemaString"));
  m.schema_string = schema.value_or("");
  FL_ASSIGN_OR_RETURN(m.partition_columns, r.StringList("partitionColumns", /*required=*/false));
  FL_ASSIGN_OR_RETURN(m.configuration, r.StringMap("configuration", /*required=*/false));
  FL_ASSIGN_OR_RETURN(m.created_time, r.OptInt("createdTime"));
  return Action(std::move(m));
}

Result<Action> ParseProtocol(const Reader& r) {
  Protocol p;
  FL_ASSIGN_OR_RETURN(int64_t reader, r.Int("minReaderVersion"));
  FL_ASSIGN_OR_RETURN(int64_t writer, r.Int("minWriterVersion"));
  if (reader < 0 || reader > INT32_MAX || writer < 0 || writer > INT32_MAX) {
    return r.Error("protocol version out of range");
  }
  p.min_reader_version = static_cast<int32_t>(reader);
  p.min_writer_version = static_cast<int32_t>(writer);
  FL_ASSIGN_OR_RETURN(p.reader_features, r.StringList("readerFeatures", /*required=*/false));
  FL_ASSIGN_OR_RETURN(p.writer_features, r.StringList("writerFeatures", /*required=*/false));
  return Action(std::move(p));
}

Result<Action> ParseTxn(const Reader& r) {
  Txn t;
  FL_ASSIGN_OR_RETURN(t.app_id, r.String("appId"));
  FL_ASSIGN_OR_RETURN(t.version, r.Int("version"));
  FL_ASSIGN_OR_RETURN(t.last_updated, r.OptInt("lastUpdated"));
  return Action(std::move(t));
}

Json StringMapJson(const std::map<std::string, std::string>& m) {
  Json j = Json::Object();
  for (const auto& [k, v] : m) j.Set(k, Json::String(v));
  return j;
}

Json PartitionValuesJson(const PartitionValues& pv) {
  Json j = Json::Object();
  for (const auto& [k, v] : pv) j.Set(k, v ? Json::String(*v) : Json::Null());
  return j;
}

Json StringListJson(const std::vector<std::string>& v) {
  Json j = Json::Array();
  for (const auto& s : v) j.Push(Json::String(s));
  return j;
}

Json Wrap(const char* name, Json body) {
  Json j = Json::Object();
  j.Set(name, std::move(body));
  return j;
}

struct ToJson {
  Json operator()(const Protocol& p) const {
    Json j = Json::Object();
    j.Set("minReaderVersion", Json::Int(p.min_reader_version));
    j.Set("minWriterVersion", Json::Int(p.min_writer_version));
    if (p.min_reader_version >= 3 || !p.reader_features.empty()) {
      j.Set("readerFeatures", StringListJson(p.reader_features));
    }
    if (p.min_writer_version >= 7 || !p.writer_features.empty()) {
      j.Set("writerFeatures", StringListJson(p.writer_features));
    }
    return Wrap("protocol", std::move(j));
  }
  Json operator()(const Metadata& m) const {
    Json j = Json::Object();
    j.Set("id", Json::String(m.id));
    if (m.name) j.Set("name", Json::String(*m.name));
    if (m.description) j.Set("description", Json::String(*m.description));
    Json format = Json::Object();
    format.Set("provider", Json::String(m.format.provider));
    format.Set("options", StringMapJson(m.format.options));
    j.Set("format", std::move(format));
    j.Set("schemaString", Json::String(m.schema_string));
    j.Set("partitionColumns", StringListJson(m.partition_columns));
    j.Set("configuration", StringMapJson(m.configuration));
    if (m.created_time) j.Set("createdTime", Json::Int(*m.created_time));
    return Wrap("metaData", std::move(j));
  }
  Json operator()(const AddFile& a) const {
    Json j = Json::Object();
    j.Set("path", Json::String(a.path));
    j.Set("partitionValues", PartitionValuesJson(a.partition_values));
    j.Set("size", Json::Int(a.size));
    j.Set("modificationTime", Json::Int(a.modification_time));
    j.Set("dataChange", Json::Bool(a.data_change));
    if (a.stats) j.Set("stats", Json::String(*a.stats));
    if (!a.tags.empty()) j.Set("tags", StringMapJson(a.tags));
    return Wrap("add", std::move(j));
  }
  Json operator()(const RemoveFile& r) const {
    Json j = Json::Object();
    j.Set("path", Json::String(r.path));
    if (r.deletion_timestamp) j.Set("deletionTimestamp", Json::Int(*r.deletion_timestamp));
    j.Set("dataChange", Json::Bool(r.data_change));
    if (r.extended_file_metadata) j.Set("extendedFileMetadata", Json::Bool(true));
    if (r.extended_file_metadata || !r.partition_values.empty()) {
      j.Set("partitionValues", PartitionValuesJson(r.partition_values));
    }
    if (r.size) j.Set("size", Json::Int(*r.size));
    return Wrap("remove", std::move(j));
  }
  Json operator()(const Txn& t) const {
    Json j = Json::Object();
    j.Set("appId", Json::String(t.app_id));
    j.Set("version", Json::Int(t.version));
    if (t.last_updated) j.Set("lastUpdated", Json::Int(*t.last_updated));
    return Wrap("txn", std::move(j));
  }
  Json operator()(const CommitInfo& c) const {
    return Wrap("commitInfo", c.value.is_object() ? c.value : Json::Object());
  }
  Json operator()(const OtherAction& o) const {
    Json j = Json::Object();
    j.Set(o.name, Json::Object());
    return j;
  }
};

}  // namespace

namespace {

std::optional<int64_t> IntField(const Json& object, const char* name) {
  const Json* t = object.Find(name);
  if (t == nullptr || !t->is_number()) return std::nullopt;
  auto r = object.GetInt(name);
  return r.ok() ? std::optional<int64_t>(*r) : std::nullopt;
}

}  // namespace

std::optional<int64_t> CommitInfo::timestamp() const {
  return IntField(value, "timestamp");
}

std::optional<int64_t> CommitInfo::in_commit_timestamp() const {
  return IntField(value, "inCommitTimestamp");
}

std::string CommitInfo::operation() const {
  return value.GetString("operation", "");
}

Result<Action> ParseAction(const Json& line) {
  if (!line.is_object()) return Status::DataLoss("action line is not a JSON object");
  if (line.size() != 1) {
    std::string keys;
    for (const auto& [k, v] : line.members()) keys += (keys.empty() ? "" : ", ") + k;
    return Status::DataLoss(fmt::format(
        "an action line must hold exactly one action, found {} ({})", line.size(), keys));
  }
  const std::string& name = line.members()[0].first;
  const Json& body = line.members()[0].second;
  auto parse = [&](Result<Action> (*fn)(const Reader&)) -> Result<Action> {
    if (!body.is_object()) return Status::DataLoss(fmt::format("{}: not a JSON object", name));
    return fn(Reader(body, name));
  };
  if (name == "add") return parse(ParseAdd);
  if (name == "remove") return parse(ParseRemove);
  if (name == "metaData") return parse(ParseMetadata);
  if (name == "protocol") return parse(ParseProtocol);
  if (name == "txn") return parse(ParseTxn);
  if (name == "commitInfo") {
    if (!body.is_object()) return Status::DataLoss("commitInfo: not a JSON object");
    return Action(CommitInfo{body});
  }
  return Action(OtherAction{name});
}

Json ActionToJson(const Action& action) {
  return std::visit(ToJson{}, action);
}

Result<std::vector<Action>> ParseCommit(std::string_view text, std::string_view where) {
  std::vector<Action> actions;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    auto context = [&](const Status& st) {
      return Status::DataLoss(fmt::format("delta: {}: line {}: {}", where, line_no, st.message()));
    };
    auto json = Json::Parse(line);
    if (!json.ok()) return context(json.status());
    auto action = ParseAction(*json);
    if (!action.ok()) return context(action.status());
    actions.push_back(std::move(action).value());
  }
  // Every writer puts at least one action in a commit (ours and Spark's: commitInfo and more),
  // and commits appear whole (put-if-absent), so an empty file is damage, not an empty commit:
  // replaying it as one would silently lose whatever it held.
  if (actions.empty()) {
    return Status::DataLoss(fmt::format("delta: {}: the commit file holds no actions (empty or blank): it is damaged", where));
  }
  return actions;
}

std::string SerializeCommit(const std::vector<Action>& actions) {
  std::string out;
  for (const Action& a : actions) {
    out += ActionToJson(a).Dump();
    out += '\n';
  }
  return out;
}

}  // namespace financelake::delta
