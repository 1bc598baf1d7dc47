// Producer: an idempotent Kafka producer (librdkafka) for the simulator and source pollers.
//
// Guarantees we fix (see README.md): enable.idempotence=true and acks=all, so a message is
// written once and in order per partition even when librdkafka retries; keyed messages go to
// the partition the Java client would pick (murmur2). Compression and linger are options.
//
// Protocol:
//   1. Open() — validates options; does not contact the broker (librdkafka connects lazily).
//   2. WaitForBroker() — optional, to fail fast when the bootstrap servers are unreachable.
//   3. Produce() as often as needed. It only enqueues; when librdkafka's queue is full it serves
//      delivery reports and retries for up to `max_block` before returning Unavailable.
//   4. Flush() — waits for every enqueued message; returns the first delivery failure since the
//      previous Flush (delivery failures are also reported one by one to `on_delivery`).
//   5. Destroy. Messages not flushed are dropped.
//
// Thread-safe: several threads may Produce() concurrently. Delivery reports (and so
// `on_delivery`) run on whichever thread is inside Produce(), Poll() or Flush().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "financelake/base/result.h"
#include "financelake/base/status.h"
#include "financelake/base/strong_id.h"
#include "financelake/kafka/client_events.h"
#include "financelake/kafka/handle.h"
#include "financelake/kafka/kafka_types.h"

namespace financelake::kafka {

// The outcome of one message. `topic` is valid only during the callback.
struct DeliveryReport {
  std::string_view topic;
  KafkaPartition partition;
  KafkaOffset offset;  // -1001 if the message was not written
  Status status;
};

struct ProducerOptions {
  std::string brokers = "localhost:9092";  // bootstrap.servers
  std::string client_id = "financelake-producer";
  std::string compression = "lz4";   // none, gzip, snappy, lz4 or zstd
  int linger_ms = 5;                 // batch for this long before sending
  int max_queued_messages = 100000;  // queue.buffering.max.messages
  // How long Produce() may wait for room when the local queue is full.
  std::chrono::milliseconds max_block{10000};
  // Off so a misspelt topic fails ("Local: Unknown topic") instead of creating a topic.
  bool allow_auto_create_topics = false;
  Settings extra;  // further librdkafka properties, e.g. {"message.timeout.ms", "30000"}
  std::function<void(const DeliveryReport&)> on_delivery;  // optional
};

class Producer {
 public:
  static Result<std::unique_ptr<Producer>> Open(const ProducerOptions& options);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Fetches cluster metadata; Unavailable("kafka: cannot reach broker HOST:PORT: ...") if no
  // broker answers within `timeout`.
  // Aborted soon after `*stop` becomes true, when given.
  Status WaitForBroker(std::chrono::milliseconds timeout, const std::atomic<bool>* stop = nullptr);

  // Enqueues one message (key and value are copied). An empty key means "no key" (partition
  // chosen at random). `timestamp` is truncated to Kafka's milliseconds; 0 means "now".
  // Errors name the topic: "kafka: produce to 'stock-trades': Local: Unknown topic".
  Status Produce(std::string_view topic, std::string_view key, std::string_view value,
                 TimestampMicros timestamp);

  // Serves pending delivery reports, waiting up to `timeout` for one. Returns how many.
  int Poll(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

  // Waits until every enqueued message is delivered or failed. Unavailable if `timeout` passes
  // first; otherwise the first delivery failure since the previous Flush(), or OK.
  Status Flush(std::chrono::milliseconds timeout);

  int64_t delivered() const { return delivered_.load(); }
  int64_t failed() const { return failed_.load(); }
  // Messages enqueued but not yet delivered or failed.
  int64_t in_flight() const;
  const std::string& brokers() const { return brokers_; }

 private:
  friend struct ProducerCallbacks;  // librdkafka's delivery callback, in producer.cc
  explicit Producer(const ProducerOptions& options);
  void OnDelivery(const DeliveryReport& report);

  const std::string brokers_;
  const std::function<void(const DeliveryReport&)> on_delivery_;
  const std::chrono::milliseconds max_block_{0};
  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> failed_{0};
  std::mutex mu_;  // guards the two fields below
  int64_t failed_since_flush_ = 0;
  Status first_failure_;
  ClientEvents events_;  // the librdkafka opaque; must outlive rk_
  RdKafkaPtr rk_;
};

}  // namespace financelake::kafka
