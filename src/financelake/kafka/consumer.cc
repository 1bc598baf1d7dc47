#include "financelake/kafka/consumer.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <utility>

#include "financelake/kafka/broker_list.h"
#include "financelake/kafka/rdkafka_util.h"

namespace financelake::kafka {

static_assert(kOffsetBeginning.value() == RD_KAFKA_OFFSET_BEGINNING);
static_assert(kOffsetEnd.value() == RD_KAFKA_OFFSET_END);

namespace {

using internal::ErrorStatus;
using internal::PartitionListPtr;

std::vector<TopicPartition> ToVector(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  out.reserve(static_cast<size_t>(list->cnt));
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back({list->elems[i].topic, KafkaPartition(list->elems[i].partition)});
  }
  return out;
}

PartitionListPtr ToList(const std::vector<TopicPartition>& partitions) {
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const TopicPartition& tp : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value());
  }
  return list;
}

TopicPartition OfMessage(const rd_kafka_message_t* m) {
  return {rd_kafka_topic_name(m->rkt), KafkaPartition(m->partition)};
}

}  // namespace

struct ConsumerCallbacks {
  static Consumer* Of(void* opaque) {
    return static_cast<Consumer*>(static_cast<ClientEvents*>(opaque)->owner());
  }
  static void Rebalance(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    Of(opaque)->OnRebalance(err, partitions);
  }
  static void Commit(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                     rd_kafka_topic_partition_list_t* offsets, void* opaque) {
    Of(opaque)->OnCommit(err, offsets);
  }
};

Consumer::Consumer(const ConsumerOptions& options)
    : brokers_(options.brokers),
      topics_(options.topics),
      cooperative_(options.strategy == AssignmentStrategy::kCooperativeSticky),
      on_rebalance_(options.on_rebalance),
      events_(this) {
  events_.set_print(false);  // until WaitForBroker() succeeds: see client_events.h
}

Consumer::~Consumer() {
  if (!closed_ && rk_) (void)Close();
  rk_.reset();
}

Result<std::unique_ptr<Consumer>> Consumer::Open(const ConsumerOptions& options) {
  if (options.brokers.empty()) return Status::InvalidArgument("kafka: consumer: no brokers");
  FL_RETURN_NOT_OK(CheckBrokerList(options.brokers));
  if (options.group_id.empty()) return Status::InvalidArgument("kafka: consumer: no group id");
  if (options.topics.empty()) return Status::InvalidArgument("kafka: consumer: no topics");
  const bool cooperative = options.strategy == AssignmentStrategy::kCooperativeSticky;
  const Settings ours = {
      {"bootstrap.servers", options.brokers},
      {"group.id", options.group_id},
      {"client.id", options.client_id},
      // Positions live in the lake; Kafka commits are explicit and advisory.
      {"enable.auto.commit", "false"},
      // A start position the broker no longer has (retention deleted it before it was read) is
      // an error, not a silent jump to the earliest offset: see OffsetGone(). A partition with
      // no position and no group commit is assigned from the beginning (OnRebalance()).
      {"auto.offset.reset", "error"},
      // End-of-partition events tell us the position of partitions with nothing to read,
      // which CaughtUp() needs; Poll() consumes them.
      {"enable.partition.eof", "true"},
      {"partition.assignment.strategy", cooperative ? "cooperative-sticky" : "roundrobin"},
      // Records of aborted or still open transactions never reach the lake (librdkafka's
      // default too, but fixed: read_uncommitted would land aborted records exactly once).
      {"isolation.level", "read_committed"},
  };
  FL_ASSIGN_OR_RETURN(internal::ConfPtr conf,
                      internal::BuildConf(ours, options.extra,
                                          {"bootstrap.servers", "metadata.broker.list", "group.id",
                                           "enable.auto.commit", "enable.partition.eof",
                                           "partition.assignment.strategy", "isolation.level"}));
  std::unique_ptr<Consumer> consumer(new Consumer(options));
  internal::InstallEventCallbacks(conf.get(), &consumer->events_);
  rd_kafka_conf_set_rebalance_cb(conf.get(), ConsumerCallbacks::Rebalance);
  rd_kafka_conf_set_offset_commit_cb(conf.get(), ConsumerCallbacks::Commit);
  FL_ASSIGN_OR_RETURN(consumer->rk_, internal::NewClient(RD_KAFKA_CONSUMER, std::move(conf)));
  // Serve events, rebalances and commit results from the consumer queue, i.e. inside Poll().
  rd_kafka_poll_set_consumer(consumer->rk_.get());

  PartitionListPtr topics(
      rd_kafka_topic_partition_list_new(static_cast<int>(options.topics.size())));
  for (const std::string& topic : options.topics) {
    rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  FL_RETURN_NOT_OK(
      ErrorStatus("kafka: subscribe", rd_kafka_subscribe(consumer->rk_.get(), topics.get())));
  return consumer;
}

Status Consumer::CheckOpen() const {
  if (closed_) return Status::FailedPrecondition("kafka: consumer is closed");
  return events_.fatal_error();
}

Status Consumer::WaitForBroker(std::chrono::milliseconds timeout) {
  FL_RETURN_NOT_OK(CheckOpen());
  events_.set_print(false);
  Status st = internal::WaitForBroker(rk_.get(), brokers_, timeout, events_);
  if (st.ok()) events_.set_print(true);  // a client that cannot connect is discarded quietly
  return st;
}

Result<std::vector<Message>> Consumer::Poll(size_t max_messages,
                                            std::chrono::milliseconds timeout) {
  FL_RETURN_NOT_OK(CheckOpen());
  if (max_messages == 0) return Status::InvalidArgument("kafka: poll: max_messages must be >= 1");
  if (!pending_error_.ok()) return std::exchange(pending_error_, Status::OK());
  std::vector<Message> batch;
  batch.reserve(std::min<size_t>(max_messages, 4096));
  batch_ = &batch;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (batch.size() < max_messages) {
    int wait_ms = 0;
    if (batch.empty()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    MessagePtr msg(rd_kafka_consumer_poll(rk_.get(), wait_ms));
    if (!msg) {
      if (wait_ms == 0) break;
      continue;  // woken by an event (rebalance, commit result) before the deadline
    }
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      TopicPartition tp = OfMessage(msg.get());
      if (assignment_.contains(tp)) {
        KafkaOffset& pos = positions_[tp];
        pos = std::max(pos, KafkaOffset(msg->offset));
      }
      continue;
    }
    if (msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
      Status st = OffsetGone(msg.get());
      if (batch.empty()) {
        batch_ = nullptr;
        return st;
      }
      pending_error_ = st;
      break;
    }
    if (msg->err) {
      Status st(ErrorStatus("kafka: consume", msg->err).code(),
                std::string("kafka: consume: ") + rd_kafka_message_errstr(msg.get()));
      // Transient fetch/transport errors are retried by librdkafka; a missing topic, lost
      // authorization or a fatal error is something the caller must see.
      if (st.code() == StatusCode::kUnavailable) {
        events_.OnError(st.message(), /*fatal=*/false);
        continue;
      }
      if (batch.empty()) {
        batch_ = nullptr;
        return st;
      }
      pending_error_ = st;
      break;
    }
    batch.emplace_back(std::move(msg));
  }
  batch_ = nullptr;
  AdvancePositions(batch);
  return batch;
}

Status Consumer::OffsetGone(const rd_kafka_message_t* msg) {
  const TopicPartition tp = OfMessage(msg);
  if (msg->offset < 0) {
    // Assigned without a start offset, and the group's commit could not be looked up: not a
    // loss (nothing was read yet), and nothing is guessed.
    return Status::Unavailable(fmt::format(
        "kafka: {}: no start offset (the group's committed offset could not be looked up: {})",
        tp.ToString(), rd_kafka_message_errstr(msg)));
  }
  offsets_gone_ = true;
  int64_t low = RD_KAFKA_OFFSET_INVALID;
  int64_t high = RD_KAFKA_OFFSET_INVALID;
  const bool known =
      rd_kafka_query_watermark_offsets(rk_.get(), tp.topic.c_str(), tp.partition.value(), &low,
                                       &high, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string gone;
  if (known && low > msg->offset) {
    gone = fmt::format(
        " (its earliest is {}: offsets {}..{}, {} messages, were deleted before "
        "they were read)",
        low, msg->offset, low - 1, low - msg->offset);
  } else if (known) {
    gone = fmt::format(" (it holds offsets {}..{})", low, high - 1);
  }
  return Status::DataLoss(
      fmt::format("kafka: {}: offset {} is no longer on the broker{}; nothing was skipped ({})",
                  tp.ToString(), msg->offset, gone, rd_kafka_message_errstr(msg)));
}

void Consumer::AdvancePositions(const std::vector<Message>& batch) {
  // Records of one partition arrive in offset order, so only the last one per partition
  // matters; this keeps map lookups per batch, not per record.
  struct Last {
    std::string_view topic;
    KafkaPartition partition;
    KafkaOffset next;
  };
  std::vector<Last> last;
  for (const Message& m : batch) {
    auto it = std::find_if(last.begin(), last.end(), [&](const Last& l) {
      return l.partition == m.partition() && l.topic == m.topic();
    });
    if (it == last.end()) {
      last.push_back({m.topic(), m.partition(), m.offset().next()});
    } else {
      it->next = m.offset().next();
    }
  }
  for (const Last& l : last) {
    KafkaOffset& pos = positions_[{std::string(l.topic), l.partition}];
    pos = std::max(pos, l.next);
  }
}

void Consumer::OnRebalance(int err, rd_kafka_topic_partition_list_t* partitions) {
  rd_kafka_t* rk = rk_.get();
  // Known from our own setting; rd_kafka_rebalance_protocol() can block here during close in
  // older librdkafka (#4041).
  const bool cooperative = cooperative_;
  RebalanceEvent event;
  event.partitions = ToVector(partitions);
  Status callback_status;
  Status assign_status;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    event.kind = RebalanceEvent::Kind::kAssign;
    // While closing (an assignment that was still queued), nothing will be read: the owner is
    // not asked for start offsets (it may be part-way through its own destruction).
    if (on_rebalance_ && !closing_) callback_status = on_rebalance_(event);
    // Partitions the callback gave no start: the group's committed offset, else the beginning
    // (with auto.offset.reset=error, librdkafka would report "no committed offset" as an error).
    PartitionListPtr uncommitted(rd_kafka_topic_partition_list_new(partitions->cnt));
    for (const TopicPartition& tp : event.partitions) {
      if (!event.start_offsets.contains(tp)) {
        rd_kafka_topic_partition_list_add(uncommitted.get(), tp.topic.c_str(),
                                          tp.partition.value());
      }
    }
    // (Not while closing: the group is being left, nothing will be read, and the lookup would
    // wait for a coordinator that no longer answers this member.)
    const bool committed_known =
        uncommitted->cnt == 0 || (!closing_ && rd_kafka_committed(rk, uncommitted.get(), 10000) ==
                                                   RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < partitions->cnt; ++i) {
      const TopicPartition& tp = event.partitions[static_cast<size_t>(i)];
      auto it = event.start_offsets.find(tp);
      int64_t start = RD_KAFKA_OFFSET_INVALID;  // the group's commit, looked up by librdkafka
      if (it != event.start_offsets.end()) {
        start = it->second.value();
      } else if (committed_known) {
        const rd_kafka_topic_partition_t* c = rd_kafka_topic_partition_list_find(
            uncommitted.get(), tp.topic.c_str(), tp.partition.value());
        // No commit: the beginning. A lookup error for the partition: librdkafka's own lookup.
        if (c != nullptr && c->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          start = c->offset >= 0 ? c->offset : RD_KAFKA_OFFSET_BEGINNING;
        }
      }
      partitions->elems[i].offset = start;
      positions_.erase(tp);
      if (it != event.start_offsets.end() && it->second.value() >= 0) positions_[tp] = it->second;
      assignment_.insert(tp);
    }
    if (cooperative) {
      internal::ErrorPtr error(rd_kafka_incremental_assign(rk, partitions));
      assign_status = ErrorStatus("kafka: rebalance: assign", error.get());
    } else {
      assign_status = ErrorStatus("kafka: rebalance: assign", rd_kafka_assign(rk, partitions));
    }
    if (!callback_status.ok()) rd_kafka_pause_partitions(rk, partitions);
    awaiting_assignment_ = false;
  } else {
    event.kind = RebalanceEvent::Kind::kRevoke;
    const bool resync = err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS;
    if (resync) {
      // Any other error: librdkafka asks us to drop the whole assignment to resynchronize. The
      // callback sees it as lost: the partitions may be another member's by now.
      event.partitions.assign(assignment_.begin(), assignment_.end());
      event.lost = true;
    } else {
      event.lost = rd_kafka_assignment_lost(rk) != 0;
    }
    if (on_rebalance_) callback_status = on_rebalance_(event);
    if (resync) {
      assign_status = ErrorStatus("kafka: rebalance", static_cast<rd_kafka_resp_err_t>(err));
      rd_kafka_assign(rk, nullptr);
    } else if (cooperative) {
      internal::ErrorPtr error(rd_kafka_incremental_unassign(rk, partitions));
      assign_status = ErrorStatus("kafka: rebalance: revoke", error.get());
    } else {
      assign_status = ErrorStatus("kafka: rebalance: revoke", rd_kafka_assign(rk, nullptr));
    }
    const std::set<TopicPartition> revoked(event.partitions.begin(), event.partitions.end());
    for (const TopicPartition& tp : revoked) {
      assignment_.erase(tp);
      positions_.erase(tp);
    }
    // Until the assignment that follows, an empty assignment_ is no "nothing to read": the
    // eager protocol always follows a revocation with an assignment (empty or not); the
    // cooperative one takes back some partitions and may add none, so there only a consumer
    // left with nothing waits for one.
    if (!cooperative || resync || assignment_.empty()) awaiting_assignment_ = true;
    if (batch_ != nullptr) {
      std::erase_if(*batch_, [&](const Message& m) {
        return revoked.contains({std::string(m.topic()), m.partition()});
      });
    }
  }
  if (!callback_status.ok()) {
    pending_error_ = callback_status.WithContext("kafka: rebalance callback");
  } else if (!assign_status.ok() && pending_error_.ok()) {
    pending_error_ = assign_status;
  }
}

void Consumer::OnCommit(int err, const rd_kafka_topic_partition_list_t* offsets) {
  ++commits_answered_;
  if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;  // nothing to commit: not an error
  Status st = ErrorStatus("kafka: commit", static_cast<rd_kafka_resp_err_t>(err));
  for (int i = 0; st.ok() && offsets != nullptr && i < offsets->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = offsets->elems[i];
    st = ErrorStatus("kafka: commit " + std::string(p.topic) + "/" + std::to_string(p.partition),
                     p.err);
  }
  last_commit_status_ = st;
}

Status Consumer::PauseOrResume(const std::vector<TopicPartition>& partitions, bool pause) {
  FL_RETURN_NOT_OK(CheckOpen());
  const char* verb = pause ? "pause" : "resume";
  for (const TopicPartition& tp : partitions) {
    if (!assignment_.contains(tp)) {
      return Status::InvalidArgument(std::string("kafka: ") + verb + " " + tp.ToString() +
                                     ": not assigned to this consumer");
    }
  }
  PartitionListPtr list = ToList(partitions);
  rd_kafka_resp_err_t err = pause ? rd_kafka_pause_partitions(rk_.get(), list.get())
                                  : rd_kafka_resume_partitions(rk_.get(), list.get());
  FL_RETURN_NOT_OK(ErrorStatus(std::string("kafka: ") + verb, err));
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    FL_RETURN_NOT_OK(ErrorStatus(
        std::string("kafka: ") + verb + " " + p.topic + "/" + std::to_string(p.partition), p.err));
  }
  return Status::OK();
}

Status Consumer::Pause(const std::vector<TopicPartition>& partitions) {
  return PauseOrResume(partitions, /*pause=*/true);
}

Status Consumer::Resume(const std::vector<TopicPartition>& partitions) {
  return PauseOrResume(partitions, /*pause=*/false);
}

Status Consumer::Seek(const std::map<TopicPartition, KafkaOffset>& next_offsets) {
  FL_RETURN_NOT_OK(CheckOpen());
  if (next_offsets.empty()) return Status::OK();
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())));
  for (const auto& [tp, offset] : next_offsets) {
    if (!assignment_.contains(tp)) {
      return Status::InvalidArgument("kafka: seek " + tp.ToString() +
                                     ": not assigned to this consumer");
    }
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value())->offset =
        offset.value();
  }
  internal::ErrorPtr error(rd_kafka_seek_partitions(rk_.get(), list.get(), 10000));
  if (error) {
    return Status::Unavailable(std::string("kafka: seek: ") + rd_kafka_error_string(error.get()));
  }
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    FL_RETURN_NOT_OK(ErrorStatus(
        std::string("kafka: seek ") + p.topic + "/" + std::to_string(p.partition), p.err));
  }
  for (const auto& [tp, offset] : next_offsets) positions_[tp] = offset;
  if (batch_ != nullptr) {  // inside Poll() (a rebalance callback): drop what predates the seek
    std::erase_if(*batch_, [&](const Message& m) {
      return next_offsets.contains({std::string(m.topic()), m.partition()});
    });
  }
  return Status::OK();
}

Status Consumer::CommitOffsets(const std::map<TopicPartition, KafkaOffset>& next_offsets) {
  FL_RETURN_NOT_OK(CheckOpen());
  if (next_offsets.empty()) return Status::OK();
  PartitionListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(next_offsets.size())));
  for (const auto& [tp, offset] : next_offsets) {
    if (offset.value() < 0) {
      return Status::InvalidArgument("kafka: commit " + tp.ToString() + ": offset " +
                                     std::to_string(offset.value()) + " is not a real offset");
    }
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value())->offset =
        offset.value();
  }
  return ErrorStatus("kafka: commit", rd_kafka_commit(rk_.get(), list.get(), /*async=*/1));
}

Result<std::map<TopicPartition, KafkaOffset>> Consumer::HighWatermarks(
    std::chrono::milliseconds timeout) {
  FL_RETURN_NOT_OK(CheckOpen());
  const int timeout_ms = static_cast<int>(timeout.count());
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk_.get(), /*all_topics=*/1, nullptr, &raw, timeout_ms);
  internal::MetadataPtr md(raw);
  FL_RETURN_NOT_OK(ErrorStatus("kafka: watermarks: metadata from " + brokers_, err));
  std::map<TopicPartition, KafkaOffset> out;
  for (const std::string& topic : topics_) {
    const rd_kafka_metadata_topic_t* found = nullptr;
    for (int i = 0; i < md->topic_cnt; ++i) {
      if (topic == md->topics[i].topic && md->topics[i].err == 0) found = &md->topics[i];
    }
    if (found == nullptr) {
      return Status::NotFound("kafka: watermarks: topic '" + topic + "' does not exist");
    }
    for (int p = 0; p < found->partition_cnt; ++p) {
      int32_t id = found->partitions[p].id;
      int64_t low = 0;
      int64_t high = 0;
      FL_RETURN_NOT_OK(ErrorStatus(
          "kafka: watermarks: " + topic + "/" + std::to_string(id),
          rd_kafka_query_watermark_offsets(rk_.get(), topic.c_str(), id, &low, &high, timeout_ms)));
      out[{topic, KafkaPartition(id)}] = KafkaOffset(high);
    }
  }
  return out;
}

bool Consumer::CaughtUp(const std::map<TopicPartition, KafkaOffset>& targets) const {
  if (awaiting_assignment_) return false;
  for (const TopicPartition& tp : assignment_) {
    auto target = targets.find(tp);
    if (target == targets.end() || target->second.value() <= 0) continue;
    auto pos = positions_.find(tp);
    if (pos == positions_.end() || pos->second < target->second) return false;
  }
  return true;
}

std::vector<PartitionLag> Consumer::Lag() const {
  std::vector<PartitionLag> out;
  for (const TopicPartition& tp : assignment_) {
    PartitionLag lag{tp, position(tp), std::nullopt, std::nullopt};
    int64_t low = RD_KAFKA_OFFSET_INVALID;
    int64_t high = RD_KAFKA_OFFSET_INVALID;
    if (rd_kafka_get_watermark_offsets(rk_.get(), tp.topic.c_str(), tp.partition.value(), &low,
                                       &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        high >= 0) {
      lag.high_watermark = KafkaOffset(high);
    }
    if (lag.position && lag.high_watermark) {
      lag.lag = std::max<int64_t>(0, lag.high_watermark->value() - lag.position->value());
    }
    out.push_back(std::move(lag));
  }
  return out;
}

std::optional<KafkaOffset> Consumer::position(const TopicPartition& tp) const {
  auto it = positions_.find(tp);
  if (it == positions_.end()) return std::nullopt;
  return it->second;
}

Status Consumer::Close() {
  if (closed_) return Status::OK();
  // Unsubscribe and serve the revoke (and any assignment still queued before it) here, before
  // rd_kafka_consumer_close(): closing while a cooperative rebalance is in flight hangs
  // librdkafka < 2.4 (#4527). Records fetched meanwhile are dropped; their positions were never
  // reported, so the next owner reads them.
  closing_ = true;
  Status st = ErrorStatus("kafka: unsubscribe", rd_kafka_unsubscribe(rk_.get()));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (st.ok() && !assignment_.empty() && std::chrono::steady_clock::now() < deadline) {
    MessagePtr dropped(rd_kafka_consumer_poll(rk_.get(), 100));
  }
  closed_ = true;
  Status closed = ErrorStatus("kafka: close consumer", rd_kafka_consumer_close(rk_.get()));
  assignment_.clear();
  positions_.clear();
  return st.ok() ? closed : st;
}

}  // namespace financelake::kafka
