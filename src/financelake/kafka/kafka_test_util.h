// Helpers for the Kafka integration tests (each test runs against an in-process mock cluster).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "financelake/kafka/consumer.h"
#include "financelake/kafka/mock_broker.h"
#include "financelake/kafka/producer.h"

namespace financelake::kafka::test {

using std::chrono::milliseconds;

// A broker on a kernel-chosen port with the default topics.
inline std::unique_ptr<MockBroker> StartBroker(int partitions = 3) {
  BrokerOptions options;
  options.port = 0;
  options.partitions = partitions;
  auto broker = MockBroker::Start(options);
  EXPECT_TRUE(broker.ok()) << broker.status().ToString();
  return broker.ok() ? std::move(broker).value() : nullptr;
}

// Group timings for tests: the mock coordinator waits session.timeout.ms - 1 s for members to
// rejoin after one joins, so keep it short.
inline Settings FastGroupSettings() {
  return {{"session.timeout.ms", "3000"}, {"heartbeat.interval.ms", "300"}};
}

inline std::unique_ptr<Producer> OpenProducer(const std::string& brokers) {
  ProducerOptions options;
  options.brokers = brokers;
  auto producer = Producer::Open(options);
  EXPECT_TRUE(producer.ok()) << producer.status().ToString();
  return producer.ok() ? std::move(producer).value() : nullptr;
}

// Produces `n` messages "<topic>-<i>" with keys "key-<i % keys>" and flushes.
inline void ProduceN(Producer& producer, const std::string& topic, int n, int keys = 50,
                     int first = 0) {
  for (int i = first; i < first + n; ++i) {
    ASSERT_TRUE(producer
                    .Produce(topic, "key-" + std::to_string(i % keys),
                             topic + "-" + std::to_string(i), TimestampMicros(0))
                    .ok());
  }
  Status st = producer.Flush(milliseconds(30000));
  ASSERT_TRUE(st.ok()) << st.ToString();
}

// Polls `consumers` round-robin (each is single-threaded; one test thread drives them all)
// until `done()` or `timeout`. Every record goes to `sink(consumer index, message)`.
inline bool PollUntil(const std::vector<Consumer*>& consumers, const std::function<bool()>& done,
                      milliseconds timeout,
                      const std::function<void(size_t, const Message&)>& sink = nullptr) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    for (size_t i = 0; i < consumers.size(); ++i) {
      auto batch = consumers[i]->Poll(1000, milliseconds(consumers.size() > 1 ? 20 : 100));
      EXPECT_TRUE(batch.ok()) << batch.status().ToString();
      if (!batch.ok()) return false;
      if (sink) {
        for (const Message& m : *batch) sink(i, m);
      }
    }
  }
  return true;
}

}  // namespace financelake::kafka::test
