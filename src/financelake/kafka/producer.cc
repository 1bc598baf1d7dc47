#include "financelake/kafka/producer.h"

#include <librdkafka/rdkafka.h>

#include <string>

#include "financelake/kafka/broker_list.h"
#include "financelake/kafka/rdkafka_util.h"

namespace financelake::kafka {
struct ProducerCallbacks {
  static void Delivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* msg, void* opaque) {
    auto* producer = static_cast<Producer*>(static_cast<ClientEvents*>(opaque)->owner());
    std::string_view topic = rd_kafka_topic_name(msg->rkt);
    DeliveryReport report{topic, KafkaPartition(msg->partition), KafkaOffset(msg->offset),
                          Status::OK()};
    if (msg->err) {
      report.status =
          internal::ErrorStatus("kafka: produce to '" + std::string(topic) + "'", msg->err);
    }
    producer->OnDelivery(report);
  }
};

Producer::Producer(const ProducerOptions& options)
    : brokers_(options.brokers),
      on_delivery_(options.on_delivery),
      max_block_(options.max_block),
      events_(this) {
  events_.set_print(false);  // until WaitForBroker() succeeds: see client_events.h
}

Producer::~Producer() = default;

Result<std::unique_ptr<Producer>> Producer::Open(const ProducerOptions& options) {
  if (options.brokers.empty()) return Status::InvalidArgument("kafka: producer: no brokers");
  FL_RETURN_NOT_OK(CheckBrokerList(options.brokers));
  const Settings ours = {
      {"bootstrap.servers", options.brokers},
      {"client.id", options.client_id},
      // Exactly-once per partition under retries; librdkafka then also bounds in-flight
      // requests to 5 and retries indefinitely within message.timeout.ms.
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"compression.codec", options.compression},
      {"linger.ms", std::to_string(options.linger_ms)},
      {"queue.buffering.max.messages", std::to_string(options.max_queued_messages)},
      {"allow.auto.create.topics", options.allow_auto_create_topics ? "true" : "false"},
      // Same key -> same partition as the Java client, so mixed producers agree.
      {"partitioner", "murmur2_random"},
  };
  FL_ASSIGN_OR_RETURN(internal::ConfPtr conf,
                      internal::BuildConf(ours, options.extra,
                                          {"bootstrap.servers", "metadata.broker.list",
                                           "enable.idempotence", "acks", "request.required.acks",
                                           // an entity keeps its partition (docs/events.md)
                                           "partitioner",
                                           // no Kafka transactions: idempotence per partition
                                           "transactional.id"}));
  std::unique_ptr<Producer> producer(new Producer(options));
  internal::InstallEventCallbacks(conf.get(), &producer->events_);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), ProducerCallbacks::Delivery);
  FL_ASSIGN_OR_RETURN(producer->rk_, internal::NewClient(RD_KAFKA_PRODUCER, std::move(conf)));
  return producer;
}

Status Producer::WaitForBroker(std::chrono::milliseconds timeout, const std::atomic<bool>* stop) {
  events_.set_print(false);
  Status st = internal::WaitForBroker(rk_.get(), brokers_, timeout, events_, stop);
  if (st.ok()) events_.set_print(true);  // a client that cannot connect is discarded quietly
  return st;
}

Status Producer::Produce(std::string_view topic, std::string_view key, std::string_view value,
                         TimestampMicros timestamp) {
  FL_RETURN_NOT_OK(events_.fatal_error());
  const std::string topic_name(topic);  // librdkafka wants a NUL-terminated name
  const int64_t timestamp_ms = timestamp.value() > 0 ? timestamp.value() / 1000 : 0;
  const auto deadline = std::chrono::steady_clock::now() + max_block_;
  while (true) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(topic_name.c_str()),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
        RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() >= deadline) {
      Status st = internal::ErrorStatus("kafka: produce to '" + topic_name + "'", err);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        st = Status::Unavailable(st.message() + " (still full after " +
                                 std::to_string(max_block_.count()) + " ms)");
      }
      return st;
    }
    // Back-pressure: delivery reports free queue space; serve them and try again.
    rd_kafka_poll(rk_.get(), 10);
  }
  rd_kafka_poll(rk_.get(), 0);
  return Status::OK();
}

int Producer::Poll(std::chrono::milliseconds timeout) {
  return rd_kafka_poll(rk_.get(), static_cast<int>(timeout.count()));
}

Status Producer::Flush(std::chrono::milliseconds timeout) {
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count()));
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    std::string msg = "kafka: flush to " + brokers_ + ": " + std::to_string(in_flight()) +
                      " messages still queued after " + std::to_string(timeout.count()) + " ms";
    if (std::string last = events_.last_error(); !last.empty()) msg += " (" + last + ")";
    return Status::Unavailable(std::move(msg));
  }
  FL_RETURN_NOT_OK(events_.fatal_error());
  std::lock_guard<std::mutex> lock(mu_);
  if (failed_since_flush_ == 0) return Status::OK();
  Status first = first_failure_;
  int64_t count = failed_since_flush_;
  failed_since_flush_ = 0;
  first_failure_ = Status::OK();
  if (count == 1) return first;
  return Status(first.code(),
                first.message() + " (and " + std::to_string(count - 1) + " more failed messages)");
}

int64_t Producer::in_flight() const {
  return rd_kafka_outq_len(rk_.get());
}

void Producer::OnDelivery(const DeliveryReport& report) {
  if (report.status.ok()) {
    delivered_.fetch_add(1, std::memory_order_relaxed);
  } else {
    failed_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_since_flush_++ == 0) first_failure_ = report.status;
  }
  if (on_delivery_) on_delivery_(report);
}

}  // namespace financelake::kafka
