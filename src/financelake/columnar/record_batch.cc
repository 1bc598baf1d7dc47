#include "financelake/columnar/record_batch.h"

#include <fmt/format.h>

namespace financelake::columnar {

RecordBatch::RecordBatch(Schema schema) : schema_(std::move(schema)) {
  for (const auto& f : schema_.fields()) columns_.emplace_back(f.type);
}

Result<RecordBatch> RecordBatch::Make(Schema schema, std::vector<Column> columns) {
  if (columns.size() != schema.num_fields()) {
    return Status::InvalidArgument(fmt::format("record batch: {} columns for {} fields",
                                               columns.size(), schema.num_fields()));
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!(columns[i].type() == schema.field(i).type)) {
      return Status::InvalidArgument(fmt::format(
          "record batch: column '{}' is {} but the schema says {}", schema.field(i).name,
          columns[i].type().ToString(), schema.field(i).type.ToString()));
    }
    if (columns[i].length() != columns[0].length()) {
      return Status::InvalidArgument(fmt::format("record batch: column '{}' has {} rows, not {}",
                                                 schema.field(i).name, columns[i].length(),
                                                 columns[0].length()));
    }
  }
  RecordBatch b;
  b.schema_ = std::move(schema);
  b.columns_ = std::move(columns);
  return b;
}

const Column* RecordBatch::ColumnByName(std::string_view name) const {
  auto idx = schema_.FieldIndex(name);
  return idx ? &columns_[*idx] : nullptr;
}

int64_t RecordBatch::ByteSize() const {
  int64_t n = 0;
  for (const auto& c : columns_) n += c.ByteSize();
  return n;
}

}  // namespace financelake::columnar
