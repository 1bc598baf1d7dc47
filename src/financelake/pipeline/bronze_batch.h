// BronzeBatchBuilder: turns raw messages into Bronze rows (bronze_schema.h), extracting the key
// fields from JSON payloads on the way. A payload that is not a JSON object is kept as it is,
// with null key fields (Silver rejects it with a reason); one that is not UTF-8 text is kept
// exactly in payload_bytes (bronze_schema.h). Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/columnar/record_batch.h"
#include "financelake/pipeline/json_fields.h"

namespace financelake::pipeline {

struct BronzeRecord {
  std::string_view payload;
  std::optional<std::string_view> kafka_key;  // nullopt: the record has no key
  std::string_view topic;
  std::optional<int32_t> partition;  // nullopt in-process
  int64_t offset = 0;
  std::optional<int64_t> kafka_timestamp_us;
  std::string_view source_position;  // "": "<topic>/<partition>/<offset>"
};

class BronzeBatchBuilder {
 public:
  BronzeBatchBuilder();

  void Append(const BronzeRecord& record, int64_t ingest_time_us);

  int64_t rows() const { return rows_; }
  // Bytes buffered (payloads, keys and the fixed-size columns): what back-pressure counts.
  int64_t bytes() const { return bytes_; }
  int64_t first_offset() const { return first_offset_; }
  int64_t last_offset() const { return last_offset_; }

  // The rows so far as a batch; the builder is empty afterwards.
  columnar::RecordBatch Finish();
  // Drops the rows so far.
  void Clear();

 private:
  std::vector<columnar::Column> columns_;
  // The last batch's size per column, to size the next one (no regrowth copies).
  std::vector<int64_t> last_chars_;
  int64_t last_rows_ = 0;
  std::array<JsonField, 6> fields_;
  std::string position_;
  std::string fixed_payload_;  // a payload that is not UTF-8, with U+FFFD
  std::string fixed_key_;
  std::string fixed_position_;  // a source position (file name) that is not UTF-8
  int64_t rows_ = 0;
  int64_t bytes_ = 0;
  int64_t first_offset_ = -1;
  int64_t last_offset_ = -1;
};

}  // namespace financelake::pipeline
