// Integration tests: MockBroker, including an independent client (kcat) talking to it.
#include "financelake/kafka/mock_broker.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "financelake/kafka/kafka_test_util.h"

namespace financelake::kafka {
namespace {

using std::chrono::milliseconds;

// A port nobody listens on right now.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Starts a broker on a port free a moment ago; tries another if something took it meanwhile
// (tests run side by side).
Result<std::unique_ptr<MockBroker>> StartOnFreePort(BrokerOptions* options) {
  for (int attempt = 0;; ++attempt) {
    options->port = FreePort();
    auto broker = MockBroker::Start(*options);
    if (broker.ok() || attempt == 4 || broker.status().code() != StatusCode::kUnavailable) return broker;
  }
}

// Runs a shell command; returns its exit code and stdout.
std::pair<int, std::string> RunShell(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, out};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

bool HaveKcat() {
  return RunShell("command -v kcat >/dev/null 2>&1").first == 0;
}

TEST(MockBrokerTest, ValidatesOptions) {
  BrokerOptions options;
  options.port = 0;
  options.partitions = 0;
  EXPECT_TRUE(MockBroker::Start(options).status().IsInvalidArgument());
  options.partitions = 3;
  options.port = 70000;
  EXPECT_TRUE(MockBroker::Start(options).status().IsInvalidArgument());
  options.port = 0;
  options.topics = {""};
  EXPECT_TRUE(MockBroker::Start(options).status().IsInvalidArgument());
}

TEST(MockBrokerTest, FixedPortIsUsedAndASecondBrokerCannotTakeIt) {
  BrokerOptions options;
  auto broker = StartOnFreePort(&options);
  ASSERT_TRUE(broker.ok()) << broker.status().ToString();
  EXPECT_EQ((*broker)->bootstrap(), "127.0.0.1:" + std::to_string(options.port));
  EXPECT_NE((*broker)->advertised(), (*broker)->bootstrap());

  auto second = MockBroker::Start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("127.0.0.1:" + std::to_string(options.port)),
            std::string::npos)
      << second.status().message();

  // Our own clients work through the forwarded port.
  auto producer = test::OpenProducer((*broker)->bootstrap());
  ASSERT_TRUE(producer->WaitForBroker(milliseconds(5000)).ok());
  test::ProduceN(*producer, "bank-transactions", 100);
  EXPECT_EQ(producer->delivered(), 100);
}

TEST(MockBrokerTest, KcatProducesAndConsumes) {
  if (!HaveKcat()) GTEST_SKIP() << "kcat not installed";
  BrokerOptions options;
  auto started = StartOnFreePort(&options);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  const std::string bootstrap = (*started)->bootstrap();

  // kcat -> our consumer.
  auto [rc, out] =
      RunShell("printf 'AAPL:{\"p\":1}\\nMSFT:{\"p\":2}\\nAAPL:{\"p\":3}\\n' | kcat -b " +
               bootstrap + " -P -t stock-trades -K: 2>&1");
  ASSERT_EQ(rc, 0) << out;
  ConsumerOptions consumer_options;
  consumer_options.brokers = bootstrap;
  consumer_options.group_id = "kcat-check";
  consumer_options.topics = {"stock-trades"};
  auto consumer = Consumer::Open(consumer_options);
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  std::multiset<std::string> got;
  ASSERT_TRUE(test::PollUntil(
      {consumer->get()}, [&] { return got.size() == 3; }, milliseconds(15000),
      [&](size_t, const Message& m) {
        got.insert(std::string(m.key()) + "=" + std::string(m.payload()));
      }));
  EXPECT_EQ(got,
            (std::multiset<std::string>{"AAPL={\"p\":1}", "AAPL={\"p\":3}", "MSFT={\"p\":2}"}));

  // Our producer -> kcat.
  auto producer = test::OpenProducer(bootstrap);
  ASSERT_TRUE(producer->Produce("crypto-prices", "BTC", "64000.5", TimestampMicros(0)).ok());
  ASSERT_TRUE(producer->Produce("crypto-prices", "ETH", "3100.25", TimestampMicros(0)).ok());
  ASSERT_TRUE(producer->Flush(milliseconds(10000)).ok());
  auto [rc2, consumed] =
      RunShell("timeout 20 kcat -b " + bootstrap + " -C -t crypto-prices -e -q -f '%k=%s\\n'");
  ASSERT_EQ(rc2, 0) << consumed;
  EXPECT_NE(consumed.find("BTC=64000.5\n"), std::string::npos) << consumed;
  EXPECT_NE(consumed.find("ETH=3100.25\n"), std::string::npos) << consumed;

  // kcat sees the default topics with the requested partition count.
  auto [rc3, metadata] = RunShell("timeout 20 kcat -b " + bootstrap + " -L");
  ASSERT_EQ(rc3, 0);
  EXPECT_NE(metadata.find("topic \"bank-transactions\" with 3 partitions"), std::string::npos)
      << metadata;
}

}  // namespace
}  // namespace financelake::kafka
