// Counters of a running ingest, exported as Prometheus text (`--metrics-port`). Updated by the
// ingest thread, read by the metrics server thread: every field is atomic or guarded.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace financelake::pipeline {

class IngestMetrics {
 public:
  void AddIn(const std::string& topic, int64_t n);
  void AddCommitted(const std::string& topic, int64_t n);
  void AddError(const std::string& kind);
  void ObserveCommit(double seconds);
  void SetBufferedBytes(int64_t bytes) { buffered_bytes_.store(bytes); }
  void SetLag(const std::string& topic, int32_t partition, int64_t lag);
  void ClearLag();

  // The Prometheus text exposition (version 0.0.4).
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t> in_;         // topic -> events read
  std::map<std::string, int64_t> committed_;  // topic -> rows committed
  std::map<std::string, int64_t> errors_;     // kind -> count
  std::map<std::pair<std::string, int32_t>, int64_t> lag_;
  int64_t commits_ = 0;
  double commit_seconds_sum_ = 0;
  std::map<double, int64_t> commit_buckets_;  // le -> count
  std::atomic<int64_t> buffered_bytes_{0};
};

}  // namespace financelake::pipeline
