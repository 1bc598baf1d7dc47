#include "financelake/server/kafka_lag.h"

#include <fmt/format.h>

#include <chrono>

#include "financelake/delta/table.h"
#include "financelake/kafka/consumer.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/kafka_ingest.h"

namespace financelake::server {

KafkaLagProbe::KafkaLagProbe(std::shared_ptr<io::FileSystem> fs, std::string lake, KafkaLagOptions options)
    : fs_(std::move(fs)), lake_(std::move(lake)), options_(std::move(options)) {
  if (options_.topics.empty()) options_.topics = kafka::DefaultTopics();
  report_ = Json::Object();
  report_.Set("brokers", Json::String(options_.brokers));
  report_.Set("error", Json::String("not asked yet"));
}

KafkaLagProbe::~KafkaLagProbe() = default;

void KafkaLagProbe::Refresh() {
  Json r = Json::Object();
  r.Set("brokers", Json::String(options_.brokers));
  r.Set("group", Json::String(options_.group));
  auto fail = [&](const std::string& why) {
    r.Set("error", Json::String(why));
    std::lock_guard<std::mutex> lock(mu_);
    report_ = std::move(r);
  };
  if (consumer_ == nullptr) {
    kafka::ConsumerOptions co;
    co.brokers = options_.brokers;
    co.group_id = options_.group + "-dashboard-lag";
    co.client_id = "financelake-serve";
    co.topics = options_.topics;
    auto c = kafka::Consumer::Open(co);
    if (!c.ok()) return fail(c.status().message());
    consumer_ = std::move(*c);
  }
  auto marks = consumer_->HighWatermarks(std::chrono::milliseconds(3000));
  if (!marks.ok()) return fail(marks.status().message());
  Json parts = Json::Array();
  int64_t total = 0;
  std::string current_topic;
  delta::SnapshotPtr snap;
  for (const auto& [tp, high] : *marks) {
    if (tp.topic != current_topic) {
      current_topic = tp.topic;
      snap = nullptr;
      auto table = delta::Table::Open(fs_, pipeline::BronzeTablePath(lake_, tp.topic));
      auto exists = table->Exists();
      if (exists.ok() && *exists) {
        auto s = table->Latest();
        if (s.ok()) snap = *s;
      }
    }
    int64_t next = 0;  // the first offset not yet in Bronze
    if (snap != nullptr) {
      auto v = snap->TxnVersion(pipeline::KafkaAppId(options_.group, tp.topic, tp.partition.value()));
      if (v) next = *v + 1;
    }
    const int64_t lag = std::max<int64_t>(0, high.value() - next);
    total += lag;
    Json p = Json::Object();
    p.Set("topic", Json::String(tp.topic));
    p.Set("partition", Json::Int(tp.partition.value()));
    p.Set("high_watermark", Json::Int(high.value()));
    p.Set("ingested", Json::Int(next));
    p.Set("lag", Json::Int(lag));
    parts.Push(std::move(p));
  }
  r.Set("lag", Json::Int(total));
  r.Set("partitions", std::move(parts));
  std::lock_guard<std::mutex> lock(mu_);
  report_ = std::move(r);
}

Json KafkaLagProbe::Report() const {
  std::lock_guard<std::mutex> lock(mu_);
  return report_;
}

}  // namespace financelake::server
