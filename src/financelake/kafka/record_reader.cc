#include "financelake/kafka/record_reader.h"

#include <librdkafka/rdkafka.h>

#include "financelake/kafka/broker_list.h"
#include "financelake/kafka/client_events.h"
#include "financelake/kafka/handle.h"
#include "financelake/kafka/message.h"
#include "financelake/kafka/rdkafka_util.h"

namespace financelake::kafka {

Result<RecordsAt> ReadRecordsAt(const std::string& brokers, const Settings& extra,
                                const std::map<TopicPartition, KafkaOffset>& offsets,
                                std::chrono::milliseconds timeout, const std::atomic<bool>* stop) {
  RecordsAt result;
  auto& out = result.records;
  if (offsets.empty()) return result;
  FL_RETURN_NOT_OK(CheckBrokerList(brokers));
  const Settings ours = {
      {"bootstrap.servers", brokers},
      // Required by librdkafka for a consumer; never joined (assign only) nor committed to.
      {"group.id", "financelake-record-reader"},
      {"enable.auto.commit", "false"},
      {"auto.offset.reset", "error"},  // an offset the broker no longer has: an answer, not a jump
      {"enable.partition.eof", "true"},
      // Aborted and open transactions' records too: one at the lake's position (which held a
      // committed record) means another partition, and is compared like any other.
      {"isolation.level", "read_uncommitted"},
  };
  FL_ASSIGN_OR_RETURN(internal::ConfPtr conf,
                      internal::BuildConf(ours, extra,
                                          {"bootstrap.servers", "metadata.broker.list", "group.id",
                                           "enable.auto.commit", "enable.partition.eof",
                                           "partition.assignment.strategy", "isolation.level"}));
  // Quiet: an unreachable broker's connect errors become the caller's one line.
  ClientEvents events(nullptr);
  events.set_print(false);
  internal::InstallEventCallbacks(conf.get(), &events);
  FL_ASSIGN_OR_RETURN(RdKafkaPtr rk, internal::NewClient(RD_KAFKA_CONSUMER, std::move(conf)));
  rd_kafka_poll_set_consumer(rk.get());
  internal::PartitionListPtr list(
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [tp, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition.value())->offset =
        offset.value();
  }
  FL_RETURN_NOT_OK(
      internal::ErrorStatus("kafka: read records: assign", rd_kafka_assign(rk.get(), list.get())));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < offsets.size() && std::chrono::steady_clock::now() < deadline) {
    if (stop != nullptr && stop->load()) {
      (void)rd_kafka_consumer_close(rk.get());
      return Status::Aborted("kafka: stopped while reading the records at the lake's positions");
    }
    MessagePtr msg(rd_kafka_consumer_poll(rk.get(), 100));
    if (!msg || msg->rkt == nullptr) continue;
    const TopicPartition tp{rd_kafka_topic_name(msg->rkt), KafkaPartition(msg->partition)};
    auto wanted = offsets.find(tp);
    if (wanted == offsets.end() || out.count(tp) != 0) continue;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const Message record(std::move(msg));  // the payload and timestamp as ingest reads them
      if (record.offset() < wanted->second) continue;
      if (record.offset() > wanted->second) {  // compacted away
        out[tp] = std::nullopt;
        continue;
      }
      out[tp] = StoredRecord{std::string(record.payload()), record.timestamp()};
    } else if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF ||
               msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
               msg->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
      out[tp] = std::nullopt;
    }
  }
  if (out.size() < offsets.size()) result.last_error = events.last_error();
  (void)rd_kafka_consumer_close(rk.get());
  return result;
}

}  // namespace financelake::kafka
