// RecordBatch: a schema and one column per top-level field, all of the same length.
#pragma once

#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/column.h"
#include "financelake/columnar/schema.h"

namespace financelake::columnar {

class RecordBatch {
 public:
  RecordBatch() = default;
  // An empty batch with one empty column per field.
  explicit RecordBatch(Schema schema);
  // Validates that columns match the schema's types and share one length.
  static Result<RecordBatch> Make(Schema schema, std::vector<Column> columns);

  const Schema& schema() const { return schema_; }
  int64_t num_rows() const { return columns_.empty() ? 0 : columns_[0].length(); }
  size_t num_columns() const { return columns_.size(); }
  const Column& column(size_t i) const { return columns_[i]; }
  Column& mutable_column(size_t i) { return columns_[i]; }
  const std::vector<Column>& columns() const { return columns_; }
  // Hands the columns back (to reuse their memory); the batch is left empty.
  std::vector<Column> ReleaseColumns() && { return std::move(columns_); }
  // Column by field name, or nullptr.
  const Column* ColumnByName(std::string_view name) const;

  int64_t ByteSize() const;

 private:
  Schema schema_;
  std::vector<Column> columns_;
};

}  // namespace financelake::columnar
