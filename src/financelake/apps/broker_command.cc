// `financelake broker`: a local Kafka-protocol broker for development and tests.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "financelake/apps/commands.h"
#include "financelake/apps/source_flags.h"
#include "financelake/kafka/mock_broker.h"

namespace financelake::apps {
namespace {

struct BrokerArgs {
  int port = 9092;
  int partitions = 3;
  std::string topics = "stock-trades,crypto-prices,bank-transactions";
};

Status RunBrokerCommand(const BrokerArgs& a) {
  if (a.port < 0 || a.port > 65535) {
    return Status::InvalidArgument("--port: " + std::to_string(a.port) + " is not a port (0-65535)");
  }
  if (a.partitions < 1 || a.partitions > 1000) {
    return Status::InvalidArgument("--partitions must be between 1 and 1000");
  }
  kafka::BrokerOptions o;
  o.port = a.port;
  o.partitions = a.partitions;
  // Each topic once, in the order given (`a,a` made the mock cluster fail on the second).
  for (std::string& t : SplitCommaList(a.topics)) {
    if (std::find(o.topics.begin(), o.topics.end(), t) == o.topics.end())
      o.topics.push_back(std::move(t));
  }
  if (o.topics.empty()) return Status::InvalidArgument("--topics: no topic given");
  return kafka::RunBroker(o);
}

}  // namespace

void RegisterBrokerCommand(CLI::App& app, Action* action) {
  auto a = std::make_shared<BrokerArgs>();
  CLI::App* cmd = app.add_subcommand(
      "broker",
      "A local Kafka-protocol broker for development and tests (librdkafka's mock cluster): "
      "in-memory (lost on exit), single process, 127.0.0.1 only, no auth, keeps only about the "
      "last 5 MB per partition. Not for production: use Kafka or Redpanda for anything durable.");
  cmd->add_option("--port", a->port, "port on 127.0.0.1 (default 9092; 0: any free port)");
  cmd->add_option("--partitions", a->partitions, "partitions per topic (default 3)");
  cmd->add_option("--topics", a->topics, "topics to create (default the three event topics)");
  cmd->callback([action, a] { *action = [a] { return RunBrokerCommand(*a); }; });
}

}  // namespace financelake::apps
