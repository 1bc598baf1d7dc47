// Json: a JSON value (null, bool, integer, double, string, array, object) for logs, configs and
// APIs. Objects keep insertion order (Delta log lines read like Spark's). The parser and printer
// sit behind this one file pair (base/json.cc is the only place that includes nlohmann-json).
// A value type; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "financelake/base/result.h"

namespace financelake {

// Appends `s` as a JSON string literal (quotes and escapes included). Bytes that are not UTF-8
// become U+FFFD, so the output is always valid JSON.
void AppendJsonString(std::string_view s, std::string* out);

class Json {
 public:
  enum class Type : uint8_t { kNull, kBool, kInt, kDouble, kString, kArray, kObject };
  using Member = std::pair<std::string, Json>;

  Json() = default;  // null
  static Json Null() { return Json(); }
  static Json Bool(bool b);
  static Json Int(int64_t i);
  static Json Double(double d);
  static Json String(std::string s);
  static Json Array();
  static Json Object();

  // Parses one JSON document. InvalidArgument with the position on malformed text.
  static Result<Json> Parse(std::string_view text);
  // Compact text, no spaces (as Delta writes its log). Non-finite doubles print as null.
  std::string Dump() const;

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_int() const { return type_ == Type::kInt; }
  bool is_number() const { return type_ == Type::kInt || type_ == Type::kDouble; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Accessors; calling one for the wrong type is a bug (FL_CHECK), so test the type first or
  // use the Get* helpers below.
  bool as_bool() const;
  int64_t as_int() const;     // an integral double converts
  double as_double() const;   // an int converts
  const std::string& as_string() const;
  const std::vector<Json>& items() const;     // array elements
  const std::vector<Member>& members() const; // object members in order

  // Object: the member named `key`, or nullptr (also when this is not an object).
  const Json* Find(std::string_view key) const;
  // Object: sets (replacing) member `key`; turns null into an object first.
  Json& Set(std::string key, Json value);
  // Array: appends; turns null into an array first.
  Json& Push(Json value);
  size_t size() const;  // elements or members; 0 otherwise

  // Typed lookups for parsing: NotFound/InvalidArgument name the key and what was expected.
  Result<std::string> GetString(std::string_view key) const;
  Result<int64_t> GetInt(std::string_view key) const;
  Result<bool> GetBool(std::string_view key) const;
  // Same, with a default when the key is absent or null.
  std::string GetString(std::string_view key, std::string fallback) const;
  int64_t GetInt(std::string_view key, int64_t fallback) const;
  bool GetBool(std::string_view key, bool fallback) const;

  bool operator==(const Json& other) const;

 private:
  Type type_ = Type::kNull;
  bool b_ = false;
  int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  std::vector<Json> items_;
  std::vector<Member> members_;
};

}  // namespace financelake
