// The lake's `errors` table (<lake>/errors): every record a stage could not use, with the reason
// a human reads and the raw text, so nothing disappears silently.
//
// Columns (ARCHITECTURE.md): error_time timestamp, stage string ("ingest", "silver", ...),
// source_table string (the table or file the record came from), reason string, raw_payload
// string, source_position string ("topic/partition/offset" or "file:line"). Not partitioned.
// Written through ExactlyOnceTable, so a stage's errors commit exactly once per position too.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/columnar/record_batch.h"
#include "financelake/pipeline/exactly_once_table.h"

namespace financelake::pipeline {

const columnar::Schema& ErrorsSchema();
ExactlyOnceTable::Layout ErrorsLayout();
// <lake>/errors
std::string ErrorsTablePath(std::string_view lake);

struct ErrorRow {
  int64_t error_time_us = 0;
  std::string_view stage;
  std::string_view source_table;
  std::string_view reason;
  std::string_view raw_payload;
  std::string_view source_position;
};

class ErrorRowsBuilder {
 public:
  ErrorRowsBuilder();
  void Append(const ErrorRow& row);
  int64_t rows() const { return rows_; }
  int64_t bytes() const { return bytes_; }
  columnar::RecordBatch Finish();  // the builder is empty afterwards

 private:
  void Reset();
  std::vector<columnar::Column> columns_;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
};

}  // namespace financelake::pipeline
