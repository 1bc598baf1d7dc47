// Internal helpers shared by the librdkafka adapters (producer, consumer, mock broker): owning
// handles for librdkafka's auxiliary C objects, error-code conversion, validated configuration.
// Includes rdkafka.h, so only .cc files of this module may include it.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "financelake/base/result.h"
#include "financelake/base/status.h"
#include "financelake/kafka/client_events.h"
#include "financelake/kafka/handle.h"
#include "financelake/kafka/kafka_types.h"

namespace financelake::kafka::internal {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
};
struct ErrorDeleter {
  void operator()(rd_kafka_error_t* error) const { rd_kafka_error_destroy(error); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;

// The Status for a librdkafka error code: "<context>: <rd_kafka_err2str>", e.g.
// "kafka: produce to 'stock-trades': Local: Unknown topic". Unreachable brokers and timeouts are
// Unavailable (retryable); unknown topics NotFound; bad arguments InvalidArgument.
Status ErrorStatus(std::string_view context, rd_kafka_resp_err_t err);
// Same for an rd_kafka_error_t (which carries a more specific message); null means OK.
Status ErrorStatus(std::string_view context, const rd_kafka_error_t* error);

// Builds a configuration: `ours` first, then the caller's `extra` settings. A key in `fixed`
// (properties our guarantees depend on, such as enable.auto.commit) cannot be overridden; any
// key librdkafka does not know, or a bad value, is InvalidArgument naming the key.
Result<ConfPtr> BuildConf(const Settings& ours, const Settings& extra,
                          std::initializer_list<std::string_view> fixed);

// Routes librdkafka's log lines and error events for a client to `events`, which also becomes
// the client's opaque (rd_kafka_opaque()); `events->owner()` reaches the producer or consumer.
void InstallEventCallbacks(rd_kafka_conf_t* conf, ClientEvents* events);

// rd_kafka_new(); takes the configuration on success.
Result<RdKafkaPtr> NewClient(rd_kafka_type_t type, ConfPtr conf);

// Requests cluster metadata until it arrives or `timeout` passes. Unavailable, naming the
// bootstrap servers and the last connection error, when no broker answers; Aborted soon after
// `*stop` becomes true (when given).
Status WaitForBroker(rd_kafka_t* rk, std::string_view brokers, std::chrono::milliseconds timeout,
                     const ClientEvents& events, const std::atomic<bool>* stop = nullptr);

// The librdkafka event callbacks' view of a client: its ClientEvents.
inline ClientEvents* EventsOf(const rd_kafka_t* rk) {
  return static_cast<ClientEvents*>(rd_kafka_opaque(rk));
}

}  // namespace financelake::kafka::internal
