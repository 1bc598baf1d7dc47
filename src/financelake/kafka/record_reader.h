// Reading single records by offset outside any consumer group (assign only, nothing committed).
// Ingest uses it at start to compare the record at the lake's position of a partition with the
// Bronze row it wrote for that record: a partition made again (the topic deleted and created, or
// the dev broker restarted) that has already grown past the lake's position holds another
// record there.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "financelake/base/result.h"
#include "financelake/base/strong_id.h"
#include "financelake/kafka/kafka_types.h"

namespace financelake::kafka {

struct StoredRecord {
  std::string payload;
  std::optional<TimestampMicros> timestamp;  // as Message::timestamp()
};

// The record at each partition's offset: a StoredRecord; nullopt when the partition has no
// record there (retention deleted it, compaction removed it, or the offset is at or past the
// end). Partitions with no answer within `timeout` are left out of the map. `extra` are further
// librdkafka consumer properties (those the group consumer takes).
Result<std::map<TopicPartition, std::optional<StoredRecord>>> ReadRecordsAt(
    const std::string& brokers, const Settings& extra,
    const std::map<TopicPartition, KafkaOffset>& offsets, std::chrono::milliseconds timeout);

}  // namespace financelake::kafka
