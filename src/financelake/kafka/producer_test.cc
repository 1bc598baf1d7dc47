// Integration tests: Producer against librdkafka's in-process mock cluster.
#include "financelake/kafka/producer.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "financelake/kafka/kafka_test_util.h"

namespace financelake::kafka {
namespace {

using std::chrono::milliseconds;
using test::StartBroker;

TEST(ProducerTest, RejectsUnknownConfigKeyWithItsName) {
  ProducerOptions options;
  options.extra = {{"linger.ms", "1"}, {"no.such.property", "1"}};
  auto producer = Producer::Open(options);
  ASSERT_FALSE(producer.ok());
  EXPECT_TRUE(producer.status().IsInvalidArgument());
  EXPECT_NE(producer.status().message().find("'no.such.property'"), std::string::npos)
      << producer.status().message();
  EXPECT_NE(producer.status().message().find("No such configuration property"), std::string::npos)
      << producer.status().message();
}

TEST(ProducerTest, RejectsBadValueAndFixedKeys) {
  ProducerOptions options;
  options.compression = "brotli";
  auto bad_value = Producer::Open(options);
  ASSERT_FALSE(bad_value.ok());
  EXPECT_TRUE(bad_value.status().IsInvalidArgument());
  EXPECT_NE(bad_value.status().message().find("compression.codec"), std::string::npos);

  ProducerOptions fixed;
  fixed.extra = {{"enable.idempotence", "false"}};
  auto overridden = Producer::Open(fixed);
  ASSERT_FALSE(overridden.ok());
  EXPECT_NE(overridden.status().message().find("'enable.idempotence' is fixed"), std::string::npos);

  EXPECT_EQ(ParseSetting("a=b=c").value(), std::make_pair(std::string("a"), std::string("b=c")));
  EXPECT_FALSE(ParseSetting("novalue").ok());
}

TEST(ProducerTest, WaitForBrokerFailsFastWhenUnreachable) {
  ProducerOptions options;
  options.brokers = "127.0.0.1:1";
  auto producer = Producer::Open(options);  // lazy: succeeds
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  auto start = std::chrono::steady_clock::now();
  Status st = (*producer)->WaitForBroker(milliseconds(1500));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_EQ(st.message().rfind("kafka: cannot reach broker 127.0.0.1:1: ", 0), 0u) << st.message();
}

TEST(ProducerTest, DeliversAndReportsEveryMessage) {
  auto broker = StartBroker();
  ProducerOptions options;
  options.brokers = broker->bootstrap();
  options.compression = "zstd";
  std::map<int32_t, std::set<int64_t>> offsets;
  options.on_delivery = [&](const DeliveryReport& r) {
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.topic, "crypto-prices");
    offsets[r.partition.value()].insert(r.offset.value());
  };
  auto producer = Producer::Open(options);
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  ASSERT_TRUE((*producer)->WaitForBroker(milliseconds(5000)).ok());
  test::ProduceN(**producer, "crypto-prices", 1000);
  EXPECT_EQ((*producer)->delivered(), 1000);
  EXPECT_EQ((*producer)->failed(), 0);
  EXPECT_EQ((*producer)->in_flight(), 0);
  size_t total = 0;
  for (const auto& [partition, set] : offsets) {
    EXPECT_EQ(*set.rbegin(), static_cast<int64_t>(set.size()) - 1) << "gap in " << partition;
    total += set.size();
  }
  EXPECT_EQ(total, 1000u);
}

TEST(ProducerTest, UnknownTopicFailsWhenAutoCreateIsOff) {
  auto broker = StartBroker();
  // What a real broker with auto.create.topics.enable=false answers; the mock would otherwise
  // create the topic (see MockBroker::MarkTopicMissing).
  broker->MarkTopicMissing("stock-trade");
  ProducerOptions options;
  options.brokers = broker->bootstrap();
  // librdkafka waits this long for a new topic to appear before giving up on it.
  options.extra = {{"topic.metadata.propagation.max.ms", "500"}};
  auto producer = Producer::Open(options);
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  Status produced = (*producer)->Produce("stock-trade", "k", "v", TimestampMicros(0));
  // The topic's absence is known either at once or when its metadata arrives.
  Status st = produced.ok() ? (*producer)->Flush(milliseconds(10000)) : produced;
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kNotFound) << st.ToString();
  // The delivery report carries the broker's code ("Broker: Unknown topic or partition").
  EXPECT_EQ(st.message().rfind("kafka: produce to 'stock-trade': ", 0), 0u) << st.message();
  EXPECT_NE(st.message().find("Unknown topic"), std::string::npos) << st.message();
  EXPECT_EQ((*producer)->delivered(), 0);
  EXPECT_EQ((*producer)->failed(), 1);
  // Once the topic is known missing, Produce itself fails with the same message.
  Status again = (*producer)->Produce("stock-trade", "k", "v", TimestampMicros(0));
  EXPECT_EQ(again.message(), "kafka: produce to 'stock-trade': Local: Unknown topic");
}

TEST(ProducerTest, FullQueueAppliesBackPressureThenFails) {
  auto broker = StartBroker();
  ProducerOptions options;
  options.brokers = broker->bootstrap();
  options.max_queued_messages = 10;
  auto producer = Producer::Open(options);
  ASSERT_TRUE(producer.ok());
  // A reachable broker drains the queue: Produce waits for room instead of failing.
  test::ProduceN(**producer, "stock-trades", 500);
  EXPECT_EQ((*producer)->delivered(), 500);

  // An unreachable one never does: Produce gives up after max_block.
  options.brokers = "127.0.0.1:1";
  options.max_block = milliseconds(200);
  auto stuck = Producer::Open(options);
  ASSERT_TRUE(stuck.ok());
  Status st;
  int accepted = 0;
  for (; accepted < 100; ++accepted) {
    st = (*stuck)->Produce("stock-trades", "k", "v", TimestampMicros(0));
    if (!st.ok()) break;
  }
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find("kafka: produce to 'stock-trades': Local: Queue full"),
            std::string::npos)
      << st.message();
  Status flush = (*stuck)->Flush(milliseconds(100));
  EXPECT_EQ(flush.code(), StatusCode::kUnavailable) << flush.ToString();
}

}  // namespace
}  // namespace financelake::kafka
