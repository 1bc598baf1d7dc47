#include "financelake/kafka/handle.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace financelake::kafka {

void RdKafkaDeleter::operator()(rd_kafka_s* rk) const {
  rd_kafka_destroy(rk);
}
void MessageDeleter::operator()(rd_kafka_message_s* msg) const {
  rd_kafka_message_destroy(msg);
}
void MockClusterDeleter::operator()(rd_kafka_mock_cluster_s* cluster) const {
  rd_kafka_mock_cluster_destroy(cluster);
}

}  // namespace financelake::kafka
