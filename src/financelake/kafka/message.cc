#include "financelake/kafka/message.h"

#include <librdkafka/rdkafka.h>

#include <utility>

namespace financelake::kafka {

Message::Message(MessagePtr msg) : msg_(std::move(msg)) {
  const rd_kafka_message_t* m = msg_.get();
  topic_ = rd_kafka_topic_name(m->rkt);
  partition_ = KafkaPartition(m->partition);
  offset_ = KafkaOffset(m->offset);
  has_key_ = m->key != nullptr;
  if (has_key_) key_ = std::string_view(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) {
    payload_ = std::string_view(static_cast<const char*>(m->payload), m->len);
  }
  rd_kafka_timestamp_type_t type;
  int64_t ms = rd_kafka_message_timestamp(m, &type);
  if (type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && ms >= 0) timestamp_ = TimestampMicros(ms * 1000);
}

}  // namespace financelake::kafka
