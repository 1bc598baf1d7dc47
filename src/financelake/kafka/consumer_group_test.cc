// Integration tests: several Consumers in one group against librdkafka's mock cluster, with the
// pipeline's usage pattern — positions kept outside Kafka (here a map standing in for the Delta
// `txn` actions) and handed back on every assignment.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "financelake/kafka/consumer.h"
#include "financelake/kafka/kafka_test_util.h"

namespace financelake::kafka {
namespace {

using std::chrono::milliseconds;
using test::PollUntil;

}  // namespace

// Readable test names in ctest ("... # GetParam() = RoundRobin").
void PrintTo(AssignmentStrategy strategy, std::ostream* os) {
  *os << (strategy == AssignmentStrategy::kRoundRobin ? "RoundRobin" : "CooperativeSticky");
}

namespace {

// One group member plus everything its rebalance callback reported.
struct Member {
  std::vector<RebalanceEvent> events;
  std::unique_ptr<Consumer> consumer;

  int revoked() const {
    int n = 0;
    for (const RebalanceEvent& e : events) {
      if (e.kind == RebalanceEvent::Kind::kRevoke) n += static_cast<int>(e.partitions.size());
    }
    return n;
  }
};

class ConsumerGroupTest : public ::testing::TestWithParam<AssignmentStrategy> {
 protected:
  void SetUp() override {
    broker_ = test::StartBroker();
    producer_ = test::OpenProducer(broker_->bootstrap());
  }

  // Joins a member whose start offsets come from `lake_` (the next offset to read).
  std::unique_ptr<Member> Join() {
    auto member = std::make_unique<Member>();
    ConsumerOptions options;
    options.brokers = broker_->bootstrap();
    options.group_id = "group";
    options.topics = {"stock-trades"};
    options.strategy = GetParam();
    options.extra = test::FastGroupSettings();
    options.on_rebalance = [this, m = member.get()](RebalanceEvent& event) {
      if (event.kind == RebalanceEvent::Kind::kAssign) {
        for (const TopicPartition& tp : event.partitions) {
          if (auto it = lake_.find(tp); it != lake_.end()) event.start_offsets[tp] = it->second;
        }
      }
      m->events.push_back(event);
      return Status::OK();
    };
    auto consumer = Consumer::Open(options);
    EXPECT_TRUE(consumer.ok()) << consumer.status().ToString();
    member->consumer = std::move(consumer).value();
    return member;
  }

  // Records a consumed message the way the ingest stage would: once, advancing the position.
  void Ingest(const Message& m) {
    ++ingested_[std::string(m.payload())];
    KafkaOffset& next = lake_[m.topic_partition()];
    EXPECT_EQ(m.offset(), next) << "gap or duplicate in " << m.topic_partition();
    next = m.offset().next();
  }

  // True when the members' assignments are disjoint and cover all 3 partitions, each member
  // holding at least one.
  static bool Balanced(const std::vector<Consumer*>& consumers) {
    std::set<TopicPartition> all;
    size_t total = 0;
    for (Consumer* c : consumers) {
      if (c->assignment().empty()) return false;
      total += c->assignment().size();
      all.insert(c->assignment().begin(), c->assignment().end());
    }
    return all.size() == 3 && total == 3;
  }

  std::unique_ptr<MockBroker> broker_;
  std::unique_ptr<Producer> producer_;
  std::map<TopicPartition, KafkaOffset> lake_;
  std::map<std::string, int> ingested_;
};

TEST_P(ConsumerGroupTest, MembersSplitPartitionsAndAJoinerTriggersARebalance) {
  test::ProduceN(*producer_, "stock-trades", 3000);
  auto a = Join();
  auto b = Join();
  auto sink = [&](size_t, const Message& m) { Ingest(m); };
  std::vector<Consumer*> two = {a->consumer.get(), b->consumer.get()};
  ASSERT_TRUE(PollUntil(
      two, [&] { return Balanced(two); }, milliseconds(30000), sink))
      << "a has " << a->consumer->assignment().size() << ", b has "
      << b->consumer->assignment().size();

  // More records, then a third member: the group rebalances and someone gives a partition up.
  test::ProduceN(*producer_, "stock-trades", 3000, 50, /*first=*/3000);
  auto c = Join();
  std::vector<Consumer*> three = {a->consumer.get(), b->consumer.get(), c->consumer.get()};
  ASSERT_TRUE(PollUntil(
      three, [&] { return Balanced(three); }, milliseconds(30000), sink));
  EXPECT_GE(a->revoked() + b->revoked(), 1);
  ASSERT_FALSE(c->events.empty());
  const RebalanceEvent& joined = c->events.back();
  EXPECT_EQ(joined.kind, RebalanceEvent::Kind::kAssign);
  EXPECT_EQ(joined.partitions.size(), 1u);
  if (GetParam() == AssignmentStrategy::kCooperativeSticky) {
    // Cooperative: only the moved partition is revoked; the others kept flowing.
    EXPECT_EQ(a->revoked() + b->revoked(), 1);
  }

  // Every record ingested exactly once across the rebalance, because each assignment resumed
  // from the lake's position (Ingest() checks offsets are contiguous).
  ASSERT_TRUE(PollUntil(
      three, [&] { return ingested_.size() == 6000; }, milliseconds(30000), sink));
  for (const auto& [payload, times] : ingested_) ASSERT_EQ(times, 1) << payload;

  // A member leaving hands its partitions back (a revoke event during Close()).
  int before = c->revoked();
  ASSERT_TRUE(c->consumer->Close().ok());
  EXPECT_EQ(c->revoked(), before + 1);
}

// `ingest --once` ends when CaughtUp(): between a revocation and the assignment that follows,
// a member's empty assignment is not "nothing left to read" (it ended there, with a partition's
// records unread, when another member left the group). An empty assignment that was given is.
TEST_P(ConsumerGroupTest, CaughtUpWaitsForTheAssignmentAfterARevocation) {
  auto a = Join();
  const std::map<TopicPartition, KafkaOffset> nothing_to_reach;  // every partition is caught up
  EXPECT_FALSE(a->consumer->CaughtUp(nothing_to_reach));         // no assignment yet
  ASSERT_TRUE(PollUntil(
      {a->consumer.get()}, [&] { return a->consumer->assignment().size() == 3; },
      milliseconds(30000)));
  EXPECT_TRUE(a->consumer->CaughtUp(nothing_to_reach));
  auto b = Join();
  std::vector<Consumer*> two = {a->consumer.get(), b->consumer.get()};
  int windows = 0;  // polls that ended between a's revocation and its next assignment
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
       !Balanced(two) && std::chrono::steady_clock::now() < deadline;) {
    for (Consumer* c : two) {
      auto batch = c->Poll(1000, milliseconds(20));
      ASSERT_TRUE(batch.ok()) << batch.status().ToString();
      const bool between = !a->events.empty() &&
                           a->events.back().kind == RebalanceEvent::Kind::kRevoke &&
                           a->consumer->assignment().empty();
      if (between) {
        ++windows;
        EXPECT_FALSE(a->consumer->CaughtUp(nothing_to_reach)) << "a revoked member looked done";
      }
    }
  }
  ASSERT_TRUE(Balanced(two));
  EXPECT_TRUE(a->consumer->CaughtUp(nothing_to_reach));
  EXPECT_TRUE(b->consumer->CaughtUp(nothing_to_reach));
  if (GetParam() == AssignmentStrategy::kRoundRobin) {
    // Eager: a gave all three back and waited for the group to re-form.
    EXPECT_GE(windows, 1) << "no poll fell between the revocation and the assignment";
  }
}

INSTANTIATE_TEST_SUITE_P(Strategies, ConsumerGroupTest,
                         ::testing::Values(AssignmentStrategy::kRoundRobin,
                                           AssignmentStrategy::kCooperativeSticky),
                         [](const auto& info) {
                           return info.param == AssignmentStrategy::kRoundRobin
                                      ? "RoundRobin"
                                      : "CooperativeSticky";
                         });

}  // namespace
}  // namespace financelake::kafka
