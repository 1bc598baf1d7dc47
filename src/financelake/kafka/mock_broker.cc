#include "financelake/kafka/mock_broker.h"

#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "financelake/kafka/rdkafka_util.h"
#include "financelake/kafka/topic_name.h"

namespace financelake::kafka {
namespace {

constexpr int kMaxPartitions = 1000;

// Self-pipe written by the SIGINT/SIGTERM handler while RunBroker waits.
int g_stop_pipe[2] = {-1, -1};

extern "C" void OnStopSignal(int /*sig*/) {
  char byte = 1;
  ssize_t n = write(g_stop_pipe[1], &byte, 1);
  (void)n;
}

Status CheckBrokerTopic(const std::string& topic) {
  return CheckTopicName(topic).WithContext("kafka: broker");
}

}  // namespace

Result<std::unique_ptr<MockBroker>> MockBroker::Start(const BrokerOptions& options) {
  if (options.port < 0 || options.port > 65535) {
    return Status::InvalidArgument("kafka: broker: port " + std::to_string(options.port) +
                                   " is not in 0..65535");
  }
  if (options.partitions < 1 || options.partitions > kMaxPartitions) {
    return Status::InvalidArgument("kafka: broker: partitions must be in 1.." +
                                   std::to_string(kMaxPartitions));
  }
  if (options.brokers < 1 || options.brokers > 16) {
    return Status::InvalidArgument("kafka: broker: brokers must be in 1..16");
  }
  for (const std::string& topic : options.topics) FL_RETURN_NOT_OK(CheckBrokerTopic(topic));
  std::unique_ptr<MockBroker> broker(new MockBroker());
  FL_ASSIGN_OR_RETURN(internal::ConfPtr conf,
                      internal::BuildConf({{"client.id", "financelake-broker"}}, {}, {}));
  internal::InstallEventCallbacks(conf.get(), &broker->events_);
  FL_ASSIGN_OR_RETURN(broker->rk_, internal::NewClient(RD_KAFKA_PRODUCER, std::move(conf)));
  broker->cluster_.reset(rd_kafka_mock_cluster_new(broker->rk_.get(), options.brokers));
  if (!broker->cluster_) {
    std::string msg = "kafka: broker: cannot start the mock cluster";
    if (std::string last = broker->events_.last_error(); !last.empty()) msg += ": " + last;
    return Status::IOError(std::move(msg));
  }
  broker->advertised_ = rd_kafka_mock_cluster_bootstraps(broker->cluster_.get());
  for (const std::string& topic : options.topics) {
    FL_RETURN_NOT_OK(broker->CreateTopic(topic, options.partitions));
  }
  broker->bootstrap_ = broker->advertised_.substr(0, broker->advertised_.find(','));
  if (options.port != 0) {
    // bootstrap_ is "127.0.0.1:<port>" as rd_kafka_mock_cluster_bootstraps() formats it.
    size_t colon = broker->bootstrap_.rfind(':');
    std::string host = broker->bootstrap_.substr(0, colon);
    int target_port = std::stoi(broker->bootstrap_.substr(colon + 1));
    FL_ASSIGN_OR_RETURN(broker->forwarder_, TcpForwarder::Start(options.port, host, target_port));
    broker->bootstrap_ = "127.0.0.1:" + std::to_string(broker->forwarder_->port());
  }
  return broker;
}

MockBroker::~MockBroker() {
  forwarder_.reset();
  cluster_.reset();  // the cluster must go before the handle it is attached to
  rk_.reset();
}

Status MockBroker::CreateTopic(const std::string& topic, int partitions) {
  FL_RETURN_NOT_OK(CheckBrokerTopic(topic));
  if (partitions < 1 || partitions > kMaxPartitions) {
    return Status::InvalidArgument("kafka: broker: topic '" + topic +
                                   "': partitions must be in 1.." + std::to_string(kMaxPartitions));
  }
  return internal::ErrorStatus("kafka: broker: create topic '" + topic + "'",
                               rd_kafka_mock_topic_create(cluster_.get(), topic.c_str(), partitions,
                                                          /*replication_factor=*/1));
}

void MockBroker::MarkTopicMissing(const std::string& topic) {
  rd_kafka_mock_topic_set_error(cluster_.get(), topic.c_str(),
                                RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
}

Status RunBroker(const BrokerOptions& options) {
  FL_ASSIGN_OR_RETURN(std::unique_ptr<MockBroker> broker, MockBroker::Start(options));
  if (pipe2(g_stop_pipe, O_CLOEXEC) != 0) {
    return Status::IOError(std::string("kafka: broker: pipe: ") + std::strerror(errno));
  }
  struct sigaction action {
  }, old_int{}, old_term{};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);

  std::string topics;
  for (const std::string& t : options.topics) topics += (topics.empty() ? "" : ", ") + t;
  std::fprintf(stderr,
               "financelake broker: in-memory development broker (librdkafka mock cluster, "
               "not durable); topics: %s (%d partitions each); advertised %s; Ctrl-C stops\n",
               topics.empty() ? "(none)" : topics.c_str(), options.partitions,
               broker->advertised().c_str());
  std::printf("broker listening on %s\n", broker->bootstrap().c_str());
  std::fflush(stdout);

  pollfd pfd{g_stop_pipe[0], POLLIN, 0};
  while (poll(&pfd, 1, -1) < 0 && errno == EINTR) {
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  close(g_stop_pipe[0]);
  close(g_stop_pipe[1]);
  g_stop_pipe[0] = g_stop_pipe[1] = -1;
  std::fprintf(stderr, "financelake broker: stopping\n");
  return Status::OK();
}

}  // namespace financelake::kafka
