#include "financelake/server/dashboard.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "financelake/base/json.h"
#include "financelake/kafka/broker_list.h"

namespace financelake::server {

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

void UseEnvironmentToken(DashboardOptions* o) {
  if (!o->api.auth_token.empty()) return;
  if (const char* env = std::getenv("FINANCELAKE_AUTH_TOKEN"); env != nullptr)
    o->api.auth_token = env;
}

Status ValidateDashboardOptions(const DashboardOptions& o) {
  if (o.port < 0 || o.port > 65535) return Status::InvalidArgument(fmt::format("--port {} is not a port (0..65535)", o.port));
  if (o.threads < 2 || o.threads > 1024) return Status::InvalidArgument("--threads must be in 2..1024");
  if (o.poll_ms < 50 || o.poll_ms > 60000) return Status::InvalidArgument("--poll-ms must be in 50..60000");
  if (o.api.late_after_s < 1 || o.api.stalled_after_s <= o.api.late_after_s) {
    return Status::InvalidArgument("--late-after-s must be >= 1 and --stalled-after-s greater than it");
  }
  if (!o.api.auth_token.empty() && o.api.auth_token.size() < 16) {
    return Status::InvalidArgument("the auth token must have at least 16 characters");
  }
  if (!o.kafka.brokers.empty()) FL_RETURN_NOT_OK(kafka::CheckBrokerList(o.kafka.brokers));
  if (!IsLoopbackHost(o.host) && o.api.auth_token.empty()) {
    return Status::InvalidArgument(fmt::format(
        "--host {} is reachable from other machines: give --auth-token (or FINANCELAKE_AUTH_TOKEN), or bind 127.0.0.1",
        o.host));
  }
  return Status::OK();
}

Result<std::unique_ptr<Dashboard>> Dashboard::Start(std::shared_ptr<io::FileSystem> fs, DashboardOptions options) {
  FL_RETURN_NOT_OK(ValidateDashboardOptions(options));
  std::unique_ptr<Dashboard> d(new Dashboard());
  d->options_ = options;
  FL_ASSIGN_OR_RETURN(d->view_, LakeView::Open(fs, options.lake));
  ApiOptions api_options = options.api;
  // Each event stream holds a worker thread: leave half of them for the other requests.
  api_options.max_event_streams = std::max(1, options.threads / 2);
  if (!options.kafka.brokers.empty()) {
    d->lag_ = std::make_unique<KafkaLagProbe>(fs, options.lake, options.kafka);
    KafkaLagProbe* probe = d->lag_.get();
    api_options.kafka_lag = [probe] { return probe->Report(); };
  }
  d->api_ = std::make_unique<Api>(d->view_.get(), &d->events_, api_options);
  Api* api = d->api_.get();
  FL_ASSIGN_OR_RETURN(d->http_, HttpServer::Start(options.host, options.port, options.threads,
                                                  [api](const HttpRequest& r) { return api->Handle(r); }));
  Dashboard* self = d.get();
  d->watcher_ = std::thread([self] {
    int cycle = 0;
    while (!self->stop_.load()) {
      if (self->lag_ != nullptr && cycle++ % 10 == 0) self->lag_->Refresh();  // ~5 s at the default poll
      auto changed = self->view_->Poll();
      if (changed.ok()) {
        for (const TableState& t : *changed) {
          Json e = Json::Object();
          e.Set("table", Json::String(t.name));
          e.Set("path", Json::String(t.rel));
          e.Set("version", Json::Int(t.version));
          e.Set("rows", t.rows >= 0 ? Json::Int(t.rows) : Json::Null());
          self->events_.Publish("commit", e.Dump());
        }
      }
      for (int waited = 0; waited < self->options_.poll_ms && !self->stop_.load(); waited += 50) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
  return d;
}

std::string Dashboard::url() const {
  const std::string host = options_.host == "0.0.0.0" || options_.host == "::" ? "127.0.0.1" : options_.host;
  return fmt::format("http://{}:{}/", host, port());
}

void Dashboard::Stop() {
  if (stop_.exchange(true)) return;
  events_.Close();
  if (http_) http_->Stop();
  if (watcher_.joinable()) watcher_.join();
}

Dashboard::~Dashboard() { Stop(); }

}  // namespace financelake::server
