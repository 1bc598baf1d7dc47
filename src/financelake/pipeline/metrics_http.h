// A minimal HTTP endpoint for Prometheus scrapes: GET /metrics answers with `render()`, any
// other path 404, other methods 405. One thread, one request per connection, small requests
// only; binds to 127.0.0.1 unless told otherwise. Enough for a scraper, not a web server (the
// dashboard has its own).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "financelake/base/result.h"

namespace financelake::pipeline {

class MetricsServer {
 public:
  // Port 0 picks a free port (see port()).
  static Result<std::unique_ptr<MetricsServer>> Start(const std::string& host, int port,
                                                      std::function<std::string()> render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const { return port_; }

 private:
  MetricsServer(int fd, int port, std::function<std::string()> render);
  void Serve();
  void Handle(int client);

  int fd_;
  int port_;
  std::function<std::string()> render_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace financelake::pipeline
