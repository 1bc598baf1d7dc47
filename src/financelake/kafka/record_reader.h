// Reading single records by offset outside any consumer group (assign only, nothing committed).
// Ingest uses it at start to compare the record at the lake's position of a partition with the
// Bronze row it wrote for that record: a partition made again (the topic deleted and created, or
// the dev broker restarted) that has already grown past the lake's position holds another
// record there.
#pragma once

#include <atomic>
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

// The records at each partition's offset, and why some are missing.
struct RecordsAt {
  // A StoredRecord; nullopt when the partition has no record there (retention deleted it,
  // compaction removed it, or the offset is at or past the end). Partitions with no answer
  // within the timeout are left out.
  std::map<TopicPartition, std::optional<StoredRecord>> records;
  // When some are left out: librdkafka's last error, if any (else empty).
  std::string last_error;
};

// Reads the record at each partition's offset. `extra` are further librdkafka consumer
// properties (those the group consumer takes). Aborted soon after `*stop` becomes true (when
// given). librdkafka's log lines are kept, not printed: the caller reports what is missing.
Result<RecordsAt> ReadRecordsAt(const std::string& brokers, const Settings& extra,
                                const std::map<TopicPartition, KafkaOffset>& offsets,
                                std::chrono::milliseconds timeout,
                                const std::atomic<bool>* stop = nullptr);

}  // namespace financelake::kafka
