// The whole dashboard server as one object: the lake view, the watcher thread that polls the
// tables (tailing their logs) and publishes a "commit" event per new version, the API and the
// HTTP server. Used by `financelake serve` and `financelake demo`.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "financelake/base/result.h"
#include "financelake/io/filesystem.h"
#include "financelake/server/api.h"
#include "financelake/server/event_hub.h"
#include "financelake/server/http_server.h"
#include "financelake/server/kafka_lag.h"
#include "financelake/server/lake_view.h"

namespace financelake::server {

struct DashboardOptions {
  std::string lake = "lake";
  std::string host = "127.0.0.1";
  int port = 8501;
  int threads = 32;     // HTTP workers; each open event stream holds one
  int poll_ms = 500;    // how often the tables' logs are checked for new commits
  ApiOptions api;
  KafkaLagOptions kafka;  // brokers set: consumer lag in the health answer
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool IsLoopbackHost(const std::string& host);

// InvalidArgument for options that must not run (a non-loopback host without a token, a
// token shorter than 16 characters, bad numbers).
Status ValidateDashboardOptions(const DashboardOptions& o);
// FINANCELAKE_AUTH_TOKEN as the token when none was given (serve and demo).
void UseEnvironmentToken(DashboardOptions* o);

class Dashboard {
 public:
  static Result<std::unique_ptr<Dashboard>> Start(std::shared_ptr<io::FileSystem> fs, DashboardOptions options);
  ~Dashboard();
  int port() const { return http_->port(); }
  std::string url() const;
  void Stop();

 private:
  Dashboard() = default;
  DashboardOptions options_;
  std::unique_ptr<LakeView> view_;
  std::unique_ptr<KafkaLagProbe> lag_;
  EventHub events_;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> http_;
  std::thread watcher_;
  std::atomic<bool> stop_{false};
};

}  // namespace financelake::server
