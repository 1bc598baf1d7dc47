// Integration tests: Consumer (single member) against librdkafka's in-process mock cluster.
#include "financelake/kafka/consumer.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "financelake/kafka/kafka_test_util.h"

namespace financelake::kafka {
namespace {

using std::chrono::milliseconds;
using test::PollUntil;
using test::StartBroker;

ConsumerOptions Options(const MockBroker& broker, const std::string& group,
                        std::vector<std::string> topics = {"stock-trades"}) {
  ConsumerOptions options;
  options.brokers = broker.bootstrap();
  options.group_id = group;
  options.topics = std::move(topics);
  options.extra = test::FastGroupSettings();
  return options;
}

std::unique_ptr<Consumer> Open(const ConsumerOptions& options) {
  auto consumer = Consumer::Open(options);
  EXPECT_TRUE(consumer.ok()) << consumer.status().ToString();
  return consumer.ok() ? std::move(consumer).value() : nullptr;
}

TopicPartition Tp(int p, const std::string& topic = "stock-trades") {
  return {topic, KafkaPartition(p)};
}

TEST(ConsumerTest, RejectsBadOptionsNamingTheKey) {
  ConsumerOptions options;
  options.extra = {{"sesion.timeout.ms", "1000"}};
  auto bad_key = Consumer::Open(options);
  ASSERT_FALSE(bad_key.ok());
  EXPECT_TRUE(bad_key.status().IsInvalidArgument());
  EXPECT_NE(bad_key.status().message().find("'sesion.timeout.ms'"), std::string::npos)
      << bad_key.status().message();

  options.extra = {{"enable.auto.commit", "true"}};
  auto fixed = Consumer::Open(options);
  ASSERT_FALSE(fixed.ok());
  EXPECT_NE(fixed.status().message().find("'enable.auto.commit' is fixed"), std::string::npos);
  // read_uncommitted would land records of aborted transactions.
  options.extra = {{"isolation.level", "read_uncommitted"}};
  auto uncommitted = Consumer::Open(options);
  ASSERT_FALSE(uncommitted.ok());
  EXPECT_NE(uncommitted.status().message().find("'isolation.level' is fixed"), std::string::npos)
      << uncommitted.status().message();

  options.extra = {};
  options.brokers = "127.0.0.1:1";
  auto unreachable = Consumer::Open(options);
  ASSERT_TRUE(unreachable.ok());
  Status st = (*unreachable)->WaitForBroker(milliseconds(1000));
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(st.message().rfind("kafka: cannot reach broker 127.0.0.1:1: ", 0), 0u);
}

TEST(ConsumerTest, EveryMessageExactlyOnceWithContiguousOffsets) {
  auto broker = StartBroker();
  auto producer = test::OpenProducer(broker->bootstrap());
  constexpr int kMessages = 10000;
  test::ProduceN(*producer, "stock-trades", kMessages, /*keys=*/97);

  auto consumer = Open(Options(*broker, "exactly-once"));
  std::map<std::string, int> seen;                  // payload -> times
  std::map<int32_t, std::vector<int64_t>> offsets;  // partition -> offsets in order
  std::map<std::string, std::set<int32_t>> key_partitions;
  auto sink = [&](size_t, const Message& m) {
    ++seen[std::string(m.payload())];
    offsets[m.partition().value()].push_back(m.offset().value());
    key_partitions[std::string(m.key())].insert(m.partition().value());
    EXPECT_EQ(m.topic(), "stock-trades");
    EXPECT_TRUE(m.has_key());
    EXPECT_TRUE(m.timestamp().has_value());
  };
  ASSERT_TRUE(PollUntil(
      {consumer.get()}, [&] { return seen.size() == kMessages; }, milliseconds(30000), sink));
  // Nothing more arrives.
  ASSERT_TRUE(consumer->Poll(1000, milliseconds(300)).value().empty());

  for (const auto& [payload, times] : seen) EXPECT_EQ(times, 1) << payload;
  EXPECT_EQ(offsets.size(), 3u);  // keys spread over all partitions
  for (const auto& [partition, list] : offsets) {
    for (size_t i = 0; i < list.size(); ++i) {
      ASSERT_EQ(list[i], static_cast<int64_t>(i)) << "partition " << partition;
    }
    EXPECT_EQ(consumer->position(Tp(partition)), KafkaOffset(static_cast<int64_t>(list.size())));
  }
  for (const auto& [key, partitions] : key_partitions) EXPECT_EQ(partitions.size(), 1u) << key;
  EXPECT_TRUE(consumer->Close().ok());
  EXPECT_FALSE(consumer->Poll(1, milliseconds(0)).ok());
}

TEST(ConsumerTest, SeekOnAssignOverridesCommittedOffsets) {
  auto broker = StartBroker();
  auto producer = test::OpenProducer(broker->bootstrap());
  test::ProduceN(*producer, "stock-trades", 600);

  // A first member commits 5 on every partition, then leaves.
  {
    auto first = Open(Options(*broker, "seek"));
    ASSERT_TRUE(PollUntil(
        {first.get()}, [&] { return first->assignment().size() == 3; }, milliseconds(15000)));
    ASSERT_TRUE(first
                    ->CommitOffsets(
                        {{Tp(0), KafkaOffset(5)}, {Tp(1), KafkaOffset(5)}, {Tp(2), KafkaOffset(5)}})
                    .ok());
    ASSERT_TRUE(PollUntil(
        {first.get()}, [&] { return first->commits_answered() == 1; }, milliseconds(15000)));
    EXPECT_TRUE(first->last_commit_status().ok()) << first->last_commit_status().ToString();
  }

  // The next member has positions of its own (the lake's) for partitions 0 and 1.
  std::vector<RebalanceEvent> events;
  ConsumerOptions options = Options(*broker, "seek");
  options.on_rebalance = [&](RebalanceEvent& event) {
    if (event.kind == RebalanceEvent::Kind::kAssign) {
      event.start_offsets[Tp(0)] = KafkaOffset(42);
      event.start_offsets[Tp(1)] = kOffsetBeginning;
      event.start_offsets[Tp(7)] = KafkaOffset(1);  // not assigned: ignored
    }
    events.push_back(event);
    return Status::OK();
  };
  auto consumer = Open(options);
  auto end = consumer->HighWatermarks(milliseconds(5000));
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  std::map<int32_t, int64_t> first_offset;
  ASSERT_TRUE(PollUntil(
      {consumer.get()}, [&] { return consumer->CaughtUp(*end); }, milliseconds(15000),
      [&](size_t, const Message& m) {
        first_offset.try_emplace(m.partition().value(), m.offset().value());
      }));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, RebalanceEvent::Kind::kAssign);
  EXPECT_EQ(events[0].partitions.size(), 3u);
  EXPECT_EQ(first_offset[0], 42);  // caller-supplied
  EXPECT_EQ(first_offset[1], 0);   // caller-supplied: beginning
  EXPECT_EQ(first_offset[2], 5);   // no caller offset: the group's committed offset
}

TEST(ConsumerTest, PauseStopsAPartitionAndResumeRestartsIt) {
  auto broker = StartBroker();
  auto producer = test::OpenProducer(broker->bootstrap());
  auto consumer = Open(Options(*broker, "pause"));
  ASSERT_TRUE(PollUntil(
      {consumer.get()}, [&] { return consumer->assignment().size() == 3; }, milliseconds(15000)));
  EXPECT_TRUE(consumer->Pause({Tp(1, "crypto-prices")}).IsInvalidArgument());
  ASSERT_TRUE(consumer->Pause({Tp(0)}).ok());

  test::ProduceN(*producer, "stock-trades", 300);
  std::map<int32_t, int> count;
  auto sink = [&](size_t, const Message& m) { ++count[m.partition().value()]; };
  PollUntil(
      {consumer.get()}, [] { return false; }, milliseconds(1500), sink);
  // On a slow machine the unpaused partitions' messages may take longer than that window.
  EXPECT_TRUE(PollUntil(
      {consumer.get()}, [&] { return count[1] + count[2] > 0; }, milliseconds(15000), sink));
  EXPECT_EQ(count[0], 0);
  ASSERT_TRUE(consumer->Resume({Tp(0)}).ok());
  ASSERT_TRUE(PollUntil(
      {consumer.get()}, [&] { return count[0] + count[1] + count[2] == 300; }, milliseconds(10000),
      sink));
  EXPECT_GT(count[0], 0);
}

TEST(ConsumerTest, OnceStopsAtTheHighWatermarksSeenAtStart) {
  auto broker = StartBroker();
  auto producer = test::OpenProducer(broker->bootstrap());
  test::ProduceN(*producer, "stock-trades", 900);
  // bank-transactions stays empty: its partitions count as caught up at once.
  auto consumer = Open(Options(*broker, "once", {"stock-trades", "bank-transactions"}));
  auto targets = consumer->HighWatermarks(milliseconds(5000));
  ASSERT_TRUE(targets.ok()) << targets.status().ToString();
  ASSERT_EQ(targets->size(), 6u);
  int64_t total = 0;
  for (const auto& [tp, offset] : *targets) total += offset.value();
  EXPECT_EQ(total, 900);
  EXPECT_FALSE(consumer->CaughtUp(*targets));  // no assignment yet

  // Records written after the start do not extend a --once run.
  test::ProduceN(*producer, "stock-trades", 300, 50, /*first=*/900);
  int64_t consumed = 0;
  ASSERT_TRUE(PollUntil(
      {consumer.get()}, [&] { return consumer->CaughtUp(*targets); }, milliseconds(15000),
      [&](size_t, const Message&) { ++consumed; }));
  EXPECT_GE(consumed, 900);
  for (const auto& [tp, offset] : *targets) {
    EXPECT_GE(consumer->position(tp).value_or(KafkaOffset(0)), offset) << tp;
  }
  // Lag: after draining everything, zero on every partition.
  PollUntil(
      {consumer.get()}, [&] { return consumed == 1200; }, milliseconds(10000),
      [&](size_t, const Message&) { ++consumed; });
  std::vector<PartitionLag> lag = consumer->Lag();
  ASSERT_EQ(lag.size(), 6u);
  for (const PartitionLag& l : lag) {
    if (l.partition.topic != "stock-trades") continue;
    ASSERT_TRUE(l.lag.has_value()) << l.partition;
    EXPECT_EQ(*l.lag, 0) << l.partition;
  }

  ConsumerOptions missing = Options(*broker, "once", {"no-such-topic"});
  broker->MarkTopicMissing("no-such-topic");
  auto none = Open(missing);
  EXPECT_TRUE(none->HighWatermarks(milliseconds(3000)).status().IsNotFound());
}

TEST(ConsumerTest, FailingRebalanceCallbackPausesAndSurfaces) {
  auto broker = StartBroker();
  auto producer = test::OpenProducer(broker->bootstrap());
  test::ProduceN(*producer, "stock-trades", 30);
  ConsumerOptions options = Options(*broker, "failing");
  options.on_rebalance = [](RebalanceEvent& event) {
    if (event.kind == RebalanceEvent::Kind::kAssign) return Status::IOError("lake unreadable");
    return Status::OK();
  };
  auto consumer = Open(options);
  Status error;
  int records = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (error.ok() && std::chrono::steady_clock::now() < deadline) {
    auto batch = consumer->Poll(100, milliseconds(100));
    if (!batch.ok())
      error = batch.status();
    else
      records += static_cast<int>(batch->size());
  }
  EXPECT_EQ(error.code(), StatusCode::kIOError);
  EXPECT_EQ(error.message(), "kafka: rebalance callback: lake unreadable");
  // The assigned partitions are paused: nothing is read from a position nobody chose.
  for (int i = 0; i < 10; ++i)
    records += static_cast<int>(consumer->Poll(100, milliseconds(50))->size());
  EXPECT_EQ(records, 0);
}

}  // namespace
}  // namespace financelake::kafka
