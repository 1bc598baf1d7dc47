// Consumer: a Kafka consumer-group member (librdkafka) for `financelake ingest`.
//
// Offsets are the caller's: enable.auto.commit=false, and on every assignment the caller may
// say where each partition starts (its position from the Delta `txn` action), so exactly-once
// bookkeeping lives in the lake. Committing to Kafka (CommitOffsets) is advisory, for lag
// tools and for partitions the lake has never seen. With no start offset and no committed
// offset a partition starts at the earliest record (auto.offset.reset=earliest).
//
// Rebalancing is eager (roundrobin) by default: every rebalance first revokes the whole
// assignment, then assigns the new one (pauses are reset). Roundrobin balances all partitions
// of all topics across members. kCooperativeSticky makes rebalances incremental — an assign
// event lists only the partitions added, a revoke event only those taken away, unaffected
// partitions keep flowing — but librdkafka before 2.4 (Debian 12 ships 2.0.2) can hang or crash
// when a cooperative member closes during a rebalance (librdkafka #4527, #4312); Close()
// works around it, yet eager stays the default until the library is newer.
//
// Protocol:
//   1. Open() — subscribes to the topics; librdkafka connects lazily.
//   2. WaitForBroker() — optional, to fail fast when the brokers are unreachable.
//   3. HighWatermarks() — optional, for `--once`: remember the end offsets at start.
//   4. Poll() repeatedly. Group membership, rebalances and commits all happen inside Poll():
//      the rebalance callback runs there, on the calling thread, before any record of a newly
//      assigned partition is returned.
//   5. Process each batch, record its offsets in the lake, then CommitOffsets() (optional).
//      Pause()/Resume() partitions for back-pressure. With `--once`, stop when CaughtUp().
//   6. Close() (or destroy) — leaves the group; a final revoke event runs inside Close().
//
// Not thread-safe: one thread calls every method.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/base/status.h"
#include "financelake/base/strong_id.h"
#include "financelake/kafka/client_events.h"
#include "financelake/kafka/handle.h"
#include "financelake/kafka/kafka_types.h"
#include "financelake/kafka/message.h"

struct rd_kafka_topic_partition_list_s;

namespace financelake::kafka {

struct RebalanceEvent {
  enum class Kind { kAssign, kRevoke };
  Kind kind = Kind::kAssign;
  // kRevoke only: the session expired, or librdkafka asked to drop the whole assignment after a
  // rebalance error, and the partitions may already belong to another member (do not commit
  // anything for them).
  bool lost = false;
  std::vector<TopicPartition> partitions;
  // kAssign only, filled in by the callback: the next offset to read (last processed + 1) for
  // any partition it has a position for; kOffsetBeginning / kOffsetEnd also work. Others start
  // at the group's committed offset, else the earliest record. Entries for partitions not in
  // `partitions` are ignored.
  std::map<TopicPartition, KafkaOffset> start_offsets;
};

// Called inside Poll()/Close(). An error does not stop the rebalance (the group protocol must
// complete); the newly assigned partitions are paused instead so nothing is read from a wrong
// position, and the error is returned by the next Poll().
using RebalanceCallback = std::function<Status(RebalanceEvent&)>;

enum class AssignmentStrategy { kRoundRobin, kCooperativeSticky };

struct ConsumerOptions {
  std::string brokers = "localhost:9092";  // bootstrap.servers
  std::string group_id = "financelake-ingest";
  std::string client_id = "financelake-consumer";
  std::vector<std::string> topics = DefaultTopics();
  AssignmentStrategy strategy = AssignmentStrategy::kRoundRobin;
  Settings extra;  // further librdkafka properties, e.g. {"session.timeout.ms", "10000"}
  RebalanceCallback on_rebalance;  // optional
};

struct PartitionLag {
  TopicPartition partition;
  std::optional<KafkaOffset> position;        // next offset this consumer will return
  std::optional<KafkaOffset> high_watermark;  // as of the latest fetch response
  std::optional<int64_t> lag;                 // high_watermark - position
};

class Consumer {
 public:
  static Result<std::unique_ptr<Consumer>> Open(const ConsumerOptions& options);
  ~Consumer();  // Close()s if needed; the rebalance callback may run here
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Fetches cluster metadata; Unavailable("kafka: cannot reach broker HOST:PORT: ...") if no
  // broker answers within `timeout`.
  Status WaitForBroker(std::chrono::milliseconds timeout);

  // Up to `max_messages` records: waits up to `timeout` for the first, then takes only what is
  // already fetched. Empty on timeout. Records of a partition revoked during this call are
  // dropped (the new owner reads them). Transient broker errors are retried inside; a subscribed
  // topic that does not exist is NotFound ("kafka: consume: Subscribed topic not available:
  // ..."), a fatal client error FailedPrecondition.
  Result<std::vector<Message>> Poll(size_t max_messages, std::chrono::milliseconds timeout);

  // Stops / restarts fetching from assigned partitions (back-pressure). InvalidArgument for a
  // partition not currently assigned.
  Status Pause(const std::vector<TopicPartition>& partitions);
  Status Resume(const std::vector<TopicPartition>& partitions);

  // Moves the read position of assigned partitions (e.g. back to the lake's position after a
  // lost exactly-once race). Records fetched before the seek are not returned, including those a
  // Poll() in progress has collected when this is called from its rebalance callback; records
  // an earlier Poll() returned are the caller's to discard. InvalidArgument for a partition not
  // currently assigned.
  Status Seek(const std::map<TopicPartition, KafkaOffset>& next_offsets);

  // Commits, asynchronously, the next offset to read per partition (last processed + 1).
  // Failures arrive later, inside Poll(); see last_commit_status().
  Status CommitOffsets(const std::map<TopicPartition, KafkaOffset>& next_offsets);
  Status last_commit_status() const { return last_commit_status_; }
  // How many CommitOffsets() results (success or failure) Poll() has delivered so far.
  int64_t commits_answered() const { return commits_answered_; }

  // The high watermark (offset of the next record to be written) of every partition of the
  // subscribed topics, asked of the brokers now. NotFound for a topic the cluster lacks.
  Result<std::map<TopicPartition, KafkaOffset>> HighWatermarks(std::chrono::milliseconds timeout);

  // True when this consumer's latest rebalance event gave it an assignment (an empty one too)
  // and it has read, in every assigned partition present in `targets`, up to the target offset
  // (e.g. the HighWatermarks() taken at start). False before the first assignment and between a
  // revocation and the assignment that follows it (the partitions are only passing through).
  bool CaughtUp(const std::map<TopicPartition, KafkaOffset>& targets) const;

  // Position, cached high watermark and lag of every assigned partition; no network call.
  std::vector<PartitionLag> Lag() const;

  const std::set<TopicPartition>& assignment() const { return assignment_; }
  // True once Poll() returned DataLoss for a start offset the broker no longer has (retention
  // deleted messages before they were read).
  bool offsets_gone() const { return offsets_gone_; }

  // The next offset Poll() will return for `tp`, once known.
  std::optional<KafkaOffset> position(const TopicPartition& tp) const;

  // Leaves the group: unsubscribes, serves the resulting revoke event (records fetched
  // meanwhile are dropped, not returned), then closes. Further calls fail FailedPrecondition.
  Status Close();

 private:
  friend struct ConsumerCallbacks;  // librdkafka callbacks, in consumer.cc
  explicit Consumer(const ConsumerOptions& options);
  void OnRebalance(int err, rd_kafka_topic_partition_list_s* partitions);
  void OnCommit(int err, const rd_kafka_topic_partition_list_s* offsets);
  Status CheckOpen() const;
  void AdvancePositions(const std::vector<Message>& batch);
  // The error for a start offset the broker no longer has (auto.offset.reset=error): DataLoss
  // naming the partition, the offset and the broker's earliest.
  Status OffsetGone(const rd_kafka_message_s* msg);
  Status PauseOrResume(const std::vector<TopicPartition>& partitions, bool pause);

  const std::string brokers_;
  const std::vector<std::string> topics_;
  const bool cooperative_;
  const RebalanceCallback on_rebalance_;
  std::set<TopicPartition> assignment_;
  std::map<TopicPartition, KafkaOffset> positions_;
  bool awaiting_assignment_ = true;  // no assignment yet, or a revocation since the last one
  bool closing_ = false;  // Close() has begun
  bool offsets_gone_ = false;
  bool closed_ = false;
  Status pending_error_;  // returned by the next Poll()
  Status last_commit_status_;
  int64_t commits_answered_ = 0;
  std::vector<Message>* batch_ = nullptr;  // the batch Poll() is filling, for revocations
  ClientEvents events_;                    // the librdkafka opaque; must outlive rk_
  RdKafkaPtr rk_;
};

}  // namespace financelake::kafka
