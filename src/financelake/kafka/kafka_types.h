// Plain value types shared by the Kafka producer, consumer and broker adapters. This header does
// not include librdkafka, so callers (pipeline, apps) can use it freely.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/base/strong_id.h"

namespace financelake::kafka {

// The topics `financelake broker` creates and the simulator produces to.
inline const std::vector<std::string>& DefaultTopics() {
  static const std::vector<std::string> kTopics = {"stock-trades", "crypto-prices",
                                                   "bank-transactions"};
  return kTopics;
}

// Logical start offsets understood by Consumer (same values as librdkafka's
// RD_KAFKA_OFFSET_BEGINNING / _END; checked by a static_assert in consumer.cc).
inline constexpr KafkaOffset kOffsetBeginning{-2};
inline constexpr KafkaOffset kOffsetEnd{-1};

// One partition of one topic. Ordered and hashable so it can key maps of offsets.
struct TopicPartition {
  std::string topic;
  KafkaPartition partition;

  auto operator<=>(const TopicPartition&) const = default;
  bool operator==(const TopicPartition&) const = default;
  // "stock-trades/2", the form used in error messages and the errors table.
  std::string ToString() const { return topic + "/" + std::to_string(partition.value()); }
  friend std::ostream& operator<<(std::ostream& os, const TopicPartition& tp) {
    return os << tp.ToString();
  }
};

// Extra librdkafka properties ("key", "value"), applied in order after our defaults. Keys are
// checked by librdkafka itself; an unknown key or bad value is an InvalidArgument naming it.
using Settings = std::vector<std::pair<std::string, std::string>>;

// Splits one "key=value" command-line setting. The value may itself contain '='.
inline Result<std::pair<std::string, std::string>> ParseSetting(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status::InvalidArgument("kafka: setting '" + std::string(text) +
                                   "': expected key=value");
  }
  return std::pair<std::string, std::string>(std::string(text.substr(0, eq)),
                                             std::string(text.substr(eq + 1)));
}

}  // namespace financelake::kafka

template <>
struct std::hash<financelake::kafka::TopicPartition> {
  size_t operator()(const financelake::kafka::TopicPartition& tp) const noexcept {
    return std::hash<std::string>()(tp.topic) * 31 + static_cast<size_t>(tp.partition.value());
  }
};
