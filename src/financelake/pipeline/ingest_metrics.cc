#include "financelake/pipeline/ingest_metrics.h"

#include <fmt/format.h>

namespace financelake::pipeline {
namespace {

constexpr double kBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

void IngestMetrics::AddIn(const std::string& topic, int64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  in_[topic] += n;
}

void IngestMetrics::AddCommitted(const std::string& topic, int64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  committed_[topic] += n;
}

void IngestMetrics::AddError(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  ++errors_[kind];
}

void IngestMetrics::ObserveCommit(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++commits_;
  commit_seconds_sum_ += seconds;
  for (double le : kBuckets) {
    if (seconds <= le) ++commit_buckets_[le];
  }
}

void IngestMetrics::SetLag(const std::string& topic, int32_t partition, int64_t lag) {
  std::lock_guard<std::mutex> lock(mu_);
  lag_[{topic, partition}] = lag;
}

void IngestMetrics::ClearLag() {
  std::lock_guard<std::mutex> lock(mu_);
  lag_.clear();
}

std::string IngestMetrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  auto counter = [&](const char* name, const char* help, const std::map<std::string, int64_t>& m,
                     const char* label) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", name, help, name);
    for (const auto& [k, v] : m) out += fmt::format("{}{{{}=\"{}\"}} {}\n", name, label, Escape(k), v);
  };
  counter("financelake_ingest_events_in_total", "Records read from Kafka or the source.", in_, "topic");
  counter("financelake_ingest_events_committed_total", "Rows committed to Bronze.", committed_,
          "topic");
  counter("financelake_ingest_errors_total", "Errors by kind (commit retries, lost races).",
          errors_, "kind");
  out +=
      "# HELP financelake_ingest_consumer_lag Records of the partition not yet in the table (its "
      "end offset minus the committed position).\n"
      "# TYPE financelake_ingest_consumer_lag gauge\n";
  for (const auto& [tp, v] : lag_) {
    out += fmt::format("financelake_ingest_consumer_lag{{topic=\"{}\",partition=\"{}\"}} {}\n",
                       Escape(tp.first), tp.second, v);
  }
  out += "# HELP financelake_ingest_buffered_bytes Bytes buffered, not yet committed.\n"
         "# TYPE financelake_ingest_buffered_bytes gauge\n";
  out += fmt::format("financelake_ingest_buffered_bytes {}\n", buffered_bytes_.load());
  out += "# HELP financelake_ingest_commit_seconds Delta commit latency.\n"
         "# TYPE financelake_ingest_commit_seconds histogram\n";
  for (double le : kBuckets) {
    auto it = commit_buckets_.find(le);
    out += fmt::format("financelake_ingest_commit_seconds_bucket{{le=\"{}\"}} {}\n", le,
                       it == commit_buckets_.end() ? 0 : it->second);
  }
  out += fmt::format("financelake_ingest_commit_seconds_bucket{{le=\"+Inf\"}} {}\n", commits_);
  out += fmt::format("financelake_ingest_commit_seconds_sum {}\n", commit_seconds_sum_);
  out += fmt::format("financelake_ingest_commit_seconds_count {}\n", commits_);
  return out;
}

}  // namespace financelake::pipeline
