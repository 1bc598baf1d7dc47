// Json over nlohmann-json: the library's SAX parser feeds our value tree directly (no
// intermediate nlohmann DOM), and printing is ours, so that the output is compact the way Delta
// and Spark write their logs. This is the only file that includes nlohmann; its exceptions do not
// escape it.
#include "financelake/base/json.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "financelake/base/utf8.h"

namespace financelake {

// A JSON string; bytes that are not UTF-8 become U+FFFD, so the output is always valid JSON.
void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n == 0) {
        out->append("\xEF\xBF\xBD");
      } else {
        out->append(s.data() + i, n);
        i += n - 1;
      }
      continue;
    }
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(*out), "\\u{:04x}", c);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

namespace {

// Deeper documents are refused, so that destroying or printing a parsed value (recursive)
// cannot overflow the stack.
constexpr size_t kMaxDepth = 512;

using NJson = nlohmann::ordered_json;

// Builds a Json from SAX events. Open containers live on a stack; a finished one is moved into
// its parent (or becomes the root).
class Builder {
 public:
  bool null() { return Value(Json::Null()); }
  bool boolean(bool b) { return Value(Json::Bool(b)); }
  bool number_integer(NJson::number_integer_t i) { return Value(Json::Int(i)); }
  bool number_unsigned(NJson::number_unsigned_t u) {
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Value(Json::Double(static_cast<double>(u)));
    }
    return Value(Json::Int(static_cast<int64_t>(u)));
  }
  bool number_float(NJson::number_float_t d, const NJson::string_t& /*raw*/) {
    return Value(Json::Double(d));
  }
  bool string(NJson::string_t& s) { return Value(Json::String(std::move(s))); }
  bool binary(NJson::binary_t& /*b*/) {
    error_ = "binary values are not JSON";
    return false;
  }
  bool start_object(std::size_t /*n*/) { return Open(Json::Object()); }
  bool key(NJson::string_t& k) {
    keys_.back() = std::move(k);
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(std::size_t /*n*/) { return Open(Json::Array()); }
  bool end_array() { return Close(); }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    // "[json.exception.parse_error.101] parse error at line 1, column 3: syntax error ..."
    std::string_view what = ex.what();
    const size_t colon = what.find(": ");
    if (colon != std::string_view::npos) what.remove_prefix(colon + 2);
    error_ = fmt::format("{} at byte {}", what, position);
    return false;
  }

  Json TakeRoot() { return std::move(root_); }
  const std::string& error() const { return error_; }

 private:
  bool Value(Json v) {
    if (open_.empty()) {
      root_ = std::move(v);
    } else if (open_.back().is_array()) {
      open_.back().Push(std::move(v));
    } else {
      open_.back().Set(std::move(keys_.back()), std::move(v));
    }
    return true;
  }
  bool Open(Json container) {
    if (open_.size() >= kMaxDepth) {
      error_ = fmt::format("nesting deeper than {} levels", kMaxDepth);
      return false;
    }
    open_.push_back(std::move(container));
    keys_.emplace_back();
    return true;
  }
  bool Close() {
    Json done = std::move(open_.back());
    open_.pop_back();
    keys_.pop_back();
    return Value(std::move(done));
  }

  std::vector<Json> open_;
  std::vector<std::string> keys_;  // the pending key of each open object
  Json root_;
  std::string error_;
};


void AppendDouble(double d, std::string* out) {
  if (!std::isfinite(d)) {
    out->append("null");
    return;
  }
  // Shortest text that reads back as the same double; keep a fraction or exponent so that the
  // value reads back as a double, not an integer.
  const size_t start = out->size();
  fmt::format_to(std::back_inserter(*out), "{}", d);
  if (out->find_first_of(".eE", start) == std::string::npos) out->append(".0");
}

void AppendJson(const Json& j, std::string* out) {
  switch (j.type()) {
    case Json::Type::kNull: out->append("null"); return;
    case Json::Type::kBool: out->append(j.as_bool() ? "true" : "false"); return;
    case Json::Type::kInt: fmt::format_to(std::back_inserter(*out), "{}", j.as_int()); return;
    case Json::Type::kDouble: AppendDouble(j.as_double(), out); return;
    case Json::Type::kString: AppendJsonString(j.as_string(), out); return;
    case Json::Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Json& e : j.items()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(e, out);
      }
      out->push_back(']');
      return;
    }
    case Json::Type::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, v] : j.members()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(k, out);
        out->push_back(':');
        AppendJson(v, out);
      }
      out->push_back('}');
      return;
    }
  }
}

std::string_view TypeName(Json::Type t) {
  switch (t) {
    case Json::Type::kNull: return "null";
    case Json::Type::kBool: return "a boolean";
    case Json::Type::kInt: return "an integer";
    case Json::Type::kDouble: return "a number";
    case Json::Type::kString: return "a string";
    case Json::Type::kArray: return "an array";
    case Json::Type::kObject: return "an object";
  }
  return "?";
}

bool IsIntegral(double d) {
  return std::isfinite(d) && std::trunc(d) == d && d >= -9.2233720368547758e18 &&
         d < 9.2233720368547758e18;
}

}  // namespace

Json Json::Bool(bool b) {
  Json j;
  j.type_ = Type::kBool;
  j.b_ = b;
  return j;
}

Json Json::Int(int64_t i) {
  Json j;
  j.type_ = Type::kInt;
  j.i_ = i;
  return j;
}

Json Json::Double(double d) {
  Json j;
  j.type_ = Type::kDouble;
  j.d_ = d;
  return j;
}

Json Json::String(std::string s) {
  Json j;
  j.type_ = Type::kString;
  j.s_ = std::move(s);
  return j;
}

Json Json::Array() {
  Json j;
  j.type_ = Type::kArray;
  return j;
}

Json Json::Object() {
  Json j;
  j.type_ = Type::kObject;
  return j;
}

Result<Json> Json::Parse(std::string_view text) {
  Builder builder;
  bool ok = false;
  try {
    ok = NJson::sax_parse(text, &builder);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(fmt::format("json: {}", e.what()));
  }
  if (!ok) {
    return Status::InvalidArgument(
        fmt::format("json: {}", builder.error().empty() ? "malformed" : builder.error()));
  }
  return builder.TakeRoot();
}

std::string Json::Dump() const {
  std::string out;
  AppendJson(*this, &out);
  return out;
}

bool Json::as_bool() const {
  FL_CHECK(type_ == Type::kBool);
  return b_;
}

int64_t Json::as_int() const {
  if (type_ == Type::kDouble) {
    FL_CHECK(IsIntegral(d_));
    return static_cast<int64_t>(d_);
  }
  FL_CHECK(type_ == Type::kInt);
  return i_;
}

double Json::as_double() const {
  if (type_ == Type::kInt) return static_cast<double>(i_);
  FL_CHECK(type_ == Type::kDouble);
  return d_;
}

const std::string& Json::as_string() const {
  FL_CHECK(type_ == Type::kString);
  return s_;
}

const std::vector<Json>& Json::items() const {
  FL_CHECK(type_ == Type::kArray);
  return items_;
}

const std::vector<Json::Member>& Json::members() const {
  FL_CHECK(type_ == Type::kObject);
  return members_;
}

const Json* Json::Find(std::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (const auto& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

Json& Json::Set(std::string key, Json value) {
  if (type_ == Type::kNull) type_ = Type::kObject;
  FL_CHECK(type_ == Type::kObject);
  for (auto& m : members_) {
    if (m.first == key) {
      m.second = std::move(value);
      return m.second;
    }
  }
  members_.emplace_back(std::move(key), std::move(value));
  return members_.back().second;
}

Json& Json::Push(Json value) {
  if (type_ == Type::kNull) type_ = Type::kArray;
  FL_CHECK(type_ == Type::kArray);
  items_.push_back(std::move(value));
  return items_.back();
}

size_t Json::size() const {
  if (type_ == Type::kArray) return items_.size();
  if (type_ == Type::kObject) return members_.size();
  return 0;
}

Result<std::string> Json::GetString(std::string_view key) const {
  const Json* v = Find(key);
  if (v == nullptr || v->is_null()) return Status::NotFound(fmt::format("missing '{}'", key));
  if (!v->is_string()) {
    return Status::InvalidArgument(
        fmt::format("'{}' is {}, expected a string", key, TypeName(v->type())));
  }
  return v->s_;
}

Result<int64_t> Json::GetInt(std::string_view key) const {
  const Json* v = Find(key);
  if (v == nullptr || v->is_null()) return Status::NotFound(fmt::format("missing '{}'", key));
  if (v->is_int()) return v->i_;
  if (v->type() == Type::kDouble && IsIntegral(v->d_)) return static_cast<int64_t>(v->d_);
  return Status::InvalidArgument(
      fmt::format("'{}' is {}, expected an integer", key, TypeName(v->type())));
}

Result<bool> Json::GetBool(std::string_view key) const {
  const Json* v = Find(key);
  if (v == nullptr || v->is_null()) return Status::NotFound(fmt::format("missing '{}'", key));
  if (!v->is_bool()) {
    return Status::InvalidArgument(
        fmt::format("'{}' is {}, expected a boolean", key, TypeName(v->type())));
  }
  return v->b_;
}

std::string Json::GetString(std::string_view key, std::string fallback) const {
  const Json* v = Find(key);
  if (v != nullptr && v->is_string()) return v->s_;
  return fallback;
}

int64_t Json::GetInt(std::string_view key, int64_t fallback) const {
  auto r = GetInt(key);
  return r.ok() ? *r : fallback;
}

bool Json::GetBool(std::string_view key, bool fallback) const {
  const Json* v = Find(key);
  return v != nullptr && v->is_bool() ? v->b_ : fallback;
}

// Numbers compare by value (1 == 1.0); objects compare as maps (member order does not matter).
bool Json::operator==(const Json& other) const {
  if (is_number() && other.is_number()) {
    if (is_int() && other.is_int()) return i_ == other.i_;
    return as_double() == other.as_double();
  }
  if (type_ != other.type_) return false;
  switch (type_) {
    case Type::kNull: return true;
    case Type::kBool: return b_ == other.b_;
    case Type::kString: return s_ == other.s_;
    case Type::kArray: return items_ == other.items_;
    case Type::kObject: {
      if (members_.size() != other.members_.size()) return false;
      for (const auto& [k, v] : members_) {
        const Json* o = other.Find(k);
        if (o == nullptr || !(*o == v)) return false;
      }
      return true;
    }
    default: return false;
  }
}

}  // namespace financelake
