#include "financelake/kafka/broker_list.h"

#include <gtest/gtest.h>

namespace financelake::kafka {
namespace {

TEST(BrokerListTest, AcceptsWhatLibrdkafkaReadsAsWritten) {
  for (const char* ok :
       {"localhost:9092", "127.0.0.1:1", "kafka-1.internal:65535", "broker",
        "a:9092,b:9093, c:9094", "SSL://kafka:9093", "plaintext://k:9092", "[::1]:9092",
        "[fe80::1]", "sasl_ssl://[::1]:9094", "[fe80::1%eth0]:9092", "Kafka-1.EXAMPLE.com:9092",
        // librdkafka skips empty entries and reads an empty host as localhost
        "k:9092,", ",k:9092", "k:9092,,b:9092", "k:9092, ,", ":9092"}) {
    EXPECT_TRUE(CheckBrokerList(ok).ok()) << ok << ": " << CheckBrokerList(ok).ToString();
  }
}

TEST(BrokerListTest, RefusesWhatLibrdkafkaWouldMisreadOrOnlyReportLate) {
  const auto message = [](const char* brokers) { return CheckBrokerList(brokers).message(); };
  // librdkafka takes 84642 as 84642 % 65536 = 19106, and 9092x as 9092.
  EXPECT_EQ(message("127.0.0.1:84642"),
            "--brokers '127.0.0.1:84642': port '84642' is not a number in 1..65535 (give "
            "HOST:PORT[,...])");
  EXPECT_EQ(message("127.0.0.1:9092x"),
            "--brokers '127.0.0.1:9092x': port '9092x' is not a number in 1..65535 (give "
            "HOST:PORT[,...])");
  EXPECT_EQ(message(",, ,"), "--brokers ',, ,' names no broker: give HOST:PORT[,...]");
  EXPECT_EQ(message("http://k:9092"),
            "--brokers 'http://k:9092': 'http://' is not a Kafka protocol (PLAINTEXT, SSL, "
            "SASL_PLAINTEXT, SASL_SSL) (give HOST:PORT[,...])");
  EXPECT_EQ(message(" "), "--brokers is empty: give HOST:PORT[,...]");
  for (const char* bad : {",,,", "k:0", "k:", "k:-1", "k:99999999999999999999", "::1:9092", "[::1",
                          "[::1]9092", "k k:9092", "k/x:9092"}) {
    EXPECT_FALSE(CheckBrokerList(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace financelake::kafka
