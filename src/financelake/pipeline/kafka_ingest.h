// Bronze ingest from Kafka: `financelake ingest --brokers ... --topics ...`.
//
// A consumer-group member reads its partitions into per-topic micro-batches and commits each
// batch to the topic's Bronze table together with one Delta `txn` per partition
// (appId "financelake-ingest:<group>:<topic>:<partition>", version = last offset in the table).
// Positions live in the lake: on every assignment a partition starts at its txn version + 1
// (from the beginning when the table has none), never at Kafka's committed offset; offsets are
// committed to Kafka after each Delta commit only so lag tools work. On revocation everything
// buffered is committed first (eager rebalancing), so the next owner continues exactly there.
// If a commit finds a partition's txn moved by someone else (a zombie after a lost session),
// the topic's buffered rows are dropped and its partitions re-read from the lake's positions.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/io/filesystem.h"
#include "financelake/kafka/kafka_types.h"
#include "financelake/pipeline/flush_policy.h"
#include "financelake/pipeline/ingest_metrics.h"
#include "financelake/pipeline/source_ingest.h"

namespace financelake::pipeline {

struct KafkaIngestOptions {
  std::string lake = "lake";
  std::shared_ptr<io::FileSystem> fs;  // nullptr: the local filesystem
  std::string brokers = "localhost:9092";
  std::vector<std::string> topics = kafka::DefaultTopics();
  std::string group = "financelake-ingest";
  FlushPolicy flush;
  // Buffered bytes above which partitions are paused until a commit succeeds.
  int64_t max_buffered_bytes = 256LL << 20;
  bool once = false;  // stop when caught up with the end offsets seen at start
  int connect_timeout_ms = 10000;
  kafka::Settings settings;  // extra librdkafka consumer properties
  // Commit offsets to Kafka after each Delta commit (advisory, for lag tools). Off only in tests
  // that play a crash between the two commits.
  bool commit_kafka_offsets = true;
  const std::atomic<bool>* stop = nullptr;
  IngestMetrics* metrics = nullptr;  // optional
  std::function<void(const IngestProgress&)> on_commit;
};

Result<IngestProgress> RunKafkaIngest(const KafkaIngestOptions& options);

std::string KafkaAppId(const std::string& group, const std::string& topic, int32_t partition);

}  // namespace financelake::pipeline
