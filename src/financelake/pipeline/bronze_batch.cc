#include "financelake/pipeline/bronze_batch.h"

#include <charconv>

#include "financelake/base/check.h"
#include "financelake/base/utf8.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/event_time_field.h"

namespace financelake::pipeline {
namespace {

enum FieldSlot { kFEventId, kFEventTime, kFSource, kFTicker, kFSymbol, kFAccount };

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void AppendOptionalString(columnar::Column& c, const JsonField& f) {
  if (f.present && f.is_string) {
    c.AppendString(f.value);
  } else if (f.present) {
    c.AppendString(f.value);  // a number or literal where a string was expected: kept as text
  } else {
    c.AppendNull();
  }
}

}  // namespace

BronzeBatchBuilder::BronzeBatchBuilder() {
  fields_[kFEventId].name = "event_id";
  fields_[kFEventTime].name = "event_time";
  fields_[kFSource].name = "source";
  fields_[kFTicker].name = "ticker";
  fields_[kFSymbol].name = "symbol";
  fields_[kFAccount].name = "account_id";
  Clear();
}

void BronzeBatchBuilder::Clear() {
  columns_.clear();
  for (const columnar::Field& f : BronzeSchema().fields()) columns_.emplace_back(f.type);
  if (last_rows_ > 0) {
    for (size_t i = 0; i < columns_.size(); ++i) {
      columns_[i].Reserve(last_rows_, i < last_chars_.size() ? last_chars_[i] : 0);
    }
  }
  rows_ = 0;
  bytes_ = 0;
  first_offset_ = last_offset_ = -1;
}

void BronzeBatchBuilder::Append(const BronzeRecord& r, int64_t ingest_time_us) {
  // Text that is not UTF-8 is stored with U+FFFD in the string columns and exactly in the
  // binary ones (bronze_schema.h); the key fields are taken from the replaced text.
  const std::string_view payload = Utf8OrReplaced(r.payload, &fixed_payload_);
  const bool payload_utf8 = payload.data() == r.payload.data();  // not the replaced copy
  const bool json = ExtractJsonFields(payload, fields_);
  (void)json;  // a non-JSON payload leaves every field absent
  AppendOptionalString(columns_[kEventId], fields_[kFEventId]);
  // The entity key: the topic's own field first, then the others.
  const std::string_view preferred = EntityKeyField(r.topic);
  const JsonField* key = nullptr;
  for (int slot : {kFTicker, kFSymbol, kFAccount}) {
    if (fields_[slot].name == preferred && fields_[slot].present) key = &fields_[slot];
  }
  for (int slot : {kFTicker, kFSymbol, kFAccount}) {
    if (key == nullptr && fields_[slot].present) key = &fields_[slot];
  }
  if (key != nullptr) {
    AppendOptionalString(columns_[kEventKey], *key);
  } else {
    columns_[kEventKey].AppendNull();
  }
  const JsonField& et = fields_[kFEventTime];
  auto parsed = JsonEventTime(et);
  if (parsed.ok()) {
    columns_[kEventTime].Append<int64_t>(*parsed);
  } else {
    columns_[kEventTime].AppendNull();
  }
  AppendOptionalString(columns_[kSource], fields_[kFSource]);
  columns_[kPayload].AppendString(payload);
  bool key_utf8 = true;
  if (r.kafka_key) {
    const std::string_view key = Utf8OrReplaced(*r.kafka_key, &fixed_key_);
    key_utf8 = key.data() == r.kafka_key->data();
    columns_[kKafkaKey].AppendString(key);
  } else {
    columns_[kKafkaKey].AppendNull();
  }
  columns_[kTopic].AppendString(r.topic);
  if (r.partition) {
    columns_[kPartition].Append<int32_t>(*r.partition);
  } else {
    columns_[kPartition].AppendNull();
  }
  columns_[kOffset].Append<int64_t>(r.offset);
  if (r.kafka_timestamp_us) {
    columns_[kKafkaTimestamp].Append<int64_t>(*r.kafka_timestamp_us);
  } else {
    columns_[kKafkaTimestamp].AppendNull();
  }
  if (!r.source_position.empty()) {
    // (a file name may not be UTF-8)
    columns_[kSourcePosition].AppendString(Utf8OrReplaced(r.source_position, &fixed_position_));
  } else {
    // "<topic>/<partition>/<offset>", without a format string per row
    char digits[48];
    char* p = digits;
    *p++ = '/';
    p = std::to_chars(p, digits + 16, r.partition.value_or(0)).ptr;  // <= 11 characters
    *p++ = '/';
    p = std::to_chars(p, digits + sizeof(digits), r.offset).ptr;
    position_.assign(r.topic);
    position_.append(digits, static_cast<size_t>(p - digits));
    columns_[kSourcePosition].AppendString(position_);
  }
  columns_[kIngestTime].Append<int64_t>(ingest_time_us);
  columns_[kIngestDate].Append<int32_t>(
      static_cast<int32_t>(FloorDiv(ingest_time_us, 86400LL * 1000000)));
  if (payload_utf8) {
    columns_[kPayloadBytes].AppendNull();
  } else {
    columns_[kPayloadBytes].AppendString(r.payload);
  }
  if (key_utf8) {
    columns_[kKafkaKeyBytes].AppendNull();
  } else {
    columns_[kKafkaKeyBytes].AppendString(*r.kafka_key);
  }
  if (first_offset_ < 0) first_offset_ = r.offset;
  last_offset_ = r.offset;
  ++rows_;
  bytes_ += static_cast<int64_t>(r.payload.size() + (r.kafka_key ? r.kafka_key->size() : 0) +
                                 r.topic.size() + 96);
  // Text that is not UTF-8 is held twice (replaced and exact): back-pressure counts both.
  if (!payload_utf8) bytes_ += static_cast<int64_t>(fixed_payload_.size());
  if (!key_utf8) bytes_ += static_cast<int64_t>(fixed_key_.size());
}

columnar::RecordBatch BronzeBatchBuilder::Finish() {
  if (rows_ > 0) {
    last_rows_ = rows_ + rows_ / 8;
    last_chars_.clear();
    for (const columnar::Column& c : columns_) {
      const int64_t n = static_cast<int64_t>(c.chars().size());
      last_chars_.push_back(n + n / 8);
    }
  }
  auto batch = columnar::RecordBatch::Make(BronzeSchema(), std::move(columns_));
  FL_CHECK(batch.ok());
  Clear();
  return std::move(batch).value();
}

}  // namespace financelake::pipeline
