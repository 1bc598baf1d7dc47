// Message: one Kafka record returned by Consumer::Poll.
//
// Owns librdkafka's message. key() and payload() point straight into librdkafka's fetch buffer
// (no copy) and stay valid while the Message lives. Holding a Message keeps its whole fetch
// buffer alive, so convert it (that is the one copy, e.g. into a RecordBatch) and drop it soon.
// Movable, not copyable; thread-compatible.
#pragma once

#include <optional>
#include <string_view>

#include "financelake/base/strong_id.h"
#include "financelake/kafka/handle.h"
#include "financelake/kafka/kafka_types.h"

namespace financelake::kafka {

class Message {
 public:
  // Takes a message without error (err == 0) from rd_kafka_consumer_poll().
  explicit Message(MessagePtr msg);
  Message(Message&&) noexcept = default;
  Message& operator=(Message&&) noexcept = default;

  std::string_view topic() const { return topic_; }
  KafkaPartition partition() const { return partition_; }
  KafkaOffset offset() const { return offset_; }
  TopicPartition topic_partition() const { return {std::string(topic_), partition_}; }
  // Empty when the record has no key; has_key() tells "no key" from "empty key".
  std::string_view key() const { return key_; }
  bool has_key() const { return has_key_; }
  std::string_view payload() const { return payload_; }
  // The record's timestamp (create or log-append time), Kafka milliseconds in microseconds.
  std::optional<TimestampMicros> timestamp() const { return timestamp_; }

 private:
  MessagePtr msg_;
  std::string_view topic_;  // owned by librdkafka's topic handle, which msg_ references
  KafkaPartition partition_;
  KafkaOffset offset_;
  std::string_view key_;
  std::string_view payload_;
  bool has_key_ = false;
  std::optional<TimestampMicros> timestamp_;
};

}  // namespace financelake::kafka
