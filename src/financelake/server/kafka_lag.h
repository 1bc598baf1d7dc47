// Consumer lag for the health panel when the lake is fed from Kafka: per partition, the
// broker's high watermark against the last offset the ingest group committed to Bronze (the
// `txn` of appId financelake-ingest:<group>:<topic>:<partition> in the Bronze table: the
// exactly-once position, not Kafka's committed offset). Asked of the brokers with a dedicated
// consumer of its own group (it never polls, so the ingest group is untouched). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/io/filesystem.h"

namespace financelake::kafka {
class Consumer;
}

namespace financelake::server {

struct KafkaLagOptions {
  std::string brokers;  // empty: no probe
  std::string group = "financelake-ingest";  // the ingest group whose progress is measured
  std::vector<std::string> topics;           // default: the standard topics
};

class KafkaLagProbe {
 public:
  KafkaLagProbe(std::shared_ptr<io::FileSystem> fs, std::string lake, KafkaLagOptions options);
  ~KafkaLagProbe();
  // Asks the brokers and the Bronze tables now; keeps the result for Report().
  void Refresh();
  // {"brokers","group","lag","partitions":[{topic,partition,high_watermark,ingested,lag}]} or
  // {"brokers","error"}.
  Json Report() const;

 private:
  std::shared_ptr<io::FileSystem> fs_;
  std::string lake_;
  KafkaLagOptions options_;
  std::unique_ptr<kafka::Consumer> consumer_;
  mutable std::mutex mu_;
  Json report_;
};

}  // namespace financelake::server
