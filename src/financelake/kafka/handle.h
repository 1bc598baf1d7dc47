// Owning handles for the librdkafka C objects held by the Kafka adapters. The C structs are only
// forward-declared here, so headers that hold a handle do not pull in rdkafka.h; the deleters are
// defined in handle.cc, one of the few files that includes librdkafka.
#pragma once

#include <memory>

// Same tags as librdkafka's `typedef struct rd_kafka_s rd_kafka_t;` etc.
struct rd_kafka_s;
struct rd_kafka_message_s;
struct rd_kafka_mock_cluster_s;

namespace financelake::kafka {

// rd_kafka_destroy(): for a consumer, call rd_kafka_consumer_close() first (Consumer::Close).
struct RdKafkaDeleter {
  void operator()(rd_kafka_s* rk) const;
};
struct MessageDeleter {
  void operator()(rd_kafka_message_s* msg) const;
};
struct MockClusterDeleter {
  void operator()(rd_kafka_mock_cluster_s* cluster) const;
};

using RdKafkaPtr = std::unique_ptr<rd_kafka_s, RdKafkaDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_s, MessageDeleter>;
using MockClusterPtr = std::unique_ptr<rd_kafka_mock_cluster_s, MockClusterDeleter>;

}  // namespace financelake::kafka
