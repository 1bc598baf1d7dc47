#include "financelake/pipeline/errors_table.h"

#include "financelake/base/check.h"
#include "financelake/base/utf8.h"
#include "financelake/io/path.h"

namespace financelake::pipeline {

using columnar::DataType;
using columnar::Field;

const columnar::Schema& ErrorsSchema() {
  static const columnar::Schema kSchema({
      Field{"error_time", DataType::Timestamp(), false},
      Field{"stage", DataType::String(), false},
      Field{"source_table", DataType::String(), true},
      Field{"reason", DataType::String(), false},
      Field{"raw_payload", DataType::String(), true},
      Field{"source_position", DataType::String(), true},
  });
  return kSchema;
}

ExactlyOnceTable::Layout ErrorsLayout() {
  return {ErrorsSchema(), {}, "FinanceLake errors: every rejected record with its reason"};
}

std::string ErrorsTablePath(std::string_view lake) {
  return io::JoinPath(lake, "errors");
}

ErrorRowsBuilder::ErrorRowsBuilder() {
  Reset();
}

void ErrorRowsBuilder::Reset() {
  columns_.clear();
  for (const Field& f : ErrorsSchema().fields()) columns_.emplace_back(f.type);
  rows_ = 0;
  bytes_ = 0;
}

void ErrorRowsBuilder::Append(const ErrorRow& row) {
  // Parquet strings must be UTF-8: a rejected record's bytes (a Latin-1 CSV line, a binary
  // message) are stored with U+FFFD; the exact bytes stay where source_position points.
  std::string scratch;
  auto AppendText = [&scratch](columnar::Column& c, std::string_view s) {
    c.AppendString(Utf8OrReplaced(s, &scratch));
  };
  columns_[0].Append<int64_t>(row.error_time_us);
  AppendText(columns_[1], row.stage);
  AppendText(columns_[2], row.source_table);
  AppendText(columns_[3], row.reason);
  AppendText(columns_[4], row.raw_payload);
  AppendText(columns_[5], row.source_position);
  ++rows_;
  bytes_ += static_cast<int64_t>(row.raw_payload.size() + row.reason.size() + 64);
}

columnar::RecordBatch ErrorRowsBuilder::Finish() {
  auto batch = columnar::RecordBatch::Make(ErrorsSchema(), std::move(columns_));
  FL_CHECK(batch.ok());
  Reset();
  return std::move(batch).value();
}

}  // namespace financelake::pipeline
