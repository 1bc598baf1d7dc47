// MockBroker: the `financelake broker` backend — a Kafka-protocol broker that lives in this
// process, built on librdkafka's mock cluster (rdkafka_mock.h).
//
// Honest limits: for development and tests only. It is in-memory (everything is lost on exit),
// listens on 127.0.0.1 only, has no authentication, keeps only about the last 5 MB of each
// partition (the mock drops older batches), supports only what the mock implements (produce
// incl. idempotent, fetch, consumer groups with offset commits, metadata, list offsets; no
// admin API), and librdkafka marks the mock API experimental. It creates any topic a client asks
// for (4 partitions), even when the client disables auto-creation. Use a real Kafka or Redpanda
// for anything durable.
//
// Ports: the mock cluster always listens on a kernel-chosen port. When `port` is non-zero a
// TcpForwarder on 127.0.0.1:`port` relays bootstrap connections to it; clients then follow the
// metadata to the mock's own 127.0.0.1:<ephemeral> listener. bootstrap() is the address to give
// clients either way.
//
// Thread-safe: librdkafka serves the cluster from its own thread; CreateTopic may be called from
// any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/base/status.h"
#include "financelake/kafka/client_events.h"
#include "financelake/kafka/handle.h"
#include "financelake/kafka/kafka_types.h"
#include "financelake/kafka/tcp_forwarder.h"

namespace financelake::kafka {

struct BrokerOptions {
  int port = 9092;  // 0: no fixed port; use bootstrap() as printed
  int partitions = 3;
  std::vector<std::string> topics = DefaultTopics();
  int brokers = 1;  // mock broker nodes (all in this process)
};

class MockBroker {
 public:
  static Result<std::unique_ptr<MockBroker>> Start(const BrokerOptions& options);
  ~MockBroker();
  MockBroker(const MockBroker&) = delete;
  MockBroker& operator=(const MockBroker&) = delete;

  // "127.0.0.1:9092": what clients put in bootstrap.servers.
  const std::string& bootstrap() const { return bootstrap_; }
  // The mock cluster's own listeners, as advertised in metadata ("127.0.0.1:41234,...").
  const std::string& advertised() const { return advertised_; }

  // Creates a topic (replication factor 1). Topics are never deleted.
  Status CreateTopic(const std::string& topic, int partitions);

  // The mock (librdkafka 2.0's, which speaks Metadata v2 only) auto-creates every topic a client
  // asks about, whatever the client's allow.auto.create.topics. For tests of the real-broker
  // behaviour with auto.create.topics.enable=false, this makes metadata for `topic` answer
  // "Unknown topic or partition".
  void MarkTopicMissing(const std::string& topic);

 private:
  MockBroker() : events_(this) {}

  ClientEvents events_;
  RdKafkaPtr rk_;  // the handle the mock cluster is attached to
  MockClusterPtr cluster_;
  std::unique_ptr<TcpForwarder> forwarder_;
  std::string bootstrap_;
  std::string advertised_;
};

// `financelake broker`: starts a MockBroker, prints "broker listening on HOST:PORT" on stdout
// (one line, flushed, so scripts can parse it), and serves until SIGINT or SIGTERM.
Status RunBroker(const BrokerOptions& options);

}  // namespace financelake::kafka
