// Schema: the ordered top-level fields of a table or record batch.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/types.h"

namespace financelake::columnar {

class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}

  const std::vector<Field>& fields() const { return fields_; }
  const Field& field(size_t i) const { return fields_[i]; }
  size_t num_fields() const { return fields_.size(); }
  // Index of the field named `name`, or nullopt.
  std::optional<size_t> FieldIndex(std::string_view name) const;
  // As Spark and Delta resolve a name a user typed: the exact name, else the one field whose
  // name differs only in ASCII case (nullopt when none or when that is ambiguous).
  std::optional<size_t> ResolveFieldIndex(std::string_view name) const;
  // A schema of the named fields in the given order; NotFound names the missing one.
  Result<Schema> Select(const std::vector<std::string>& names) const;

  // "name: type [not null]" per line.
  std::string ToString() const;
  // Parses "name:type,name:type" (types as in DataType::Parse; nested types may hold commas).
  static Result<Schema> Parse(std::string_view text);

  bool operator==(const Schema& other) const { return fields_ == other.fields_; }

 private:
  std::vector<Field> fields_;
};

}  // namespace financelake::columnar
