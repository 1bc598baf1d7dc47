// The HTTP server adapter (cpp-httplib from Debian; this pair of files is the only place that
// includes httplib.h). Every request, whatever its method and path, goes to one handler, so
// routing, validation and authorisation are ours. A response either has a body or streams
// (Server-Sent Events): the stream callback writes chunks until it returns false or the client
// goes away.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "financelake/base/result.h"

namespace financelake::server {

struct HttpRequest {
  std::string method;
  std::string path;  // decoded, without the query
  std::multimap<std::string, std::string> params;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string remote_addr;

  // The first value of query parameter `name`, or "".
  std::string Param(const std::string& name) const;
  bool Has(const std::string& name) const { return params.count(name) > 0; }
  std::string Header(const std::string& lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Streaming: called with a writer until it returns false; `write` returns false when the
  // client has gone.
  std::function<bool(const std::function<bool(std::string_view)>& write)> stream;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// A request for `method` and a request target ("/api/candles?ticker=AAPL&from=..."), with the
// path and query decoded exactly as the server decodes them (used by the API's fuzz target).
HttpRequest RequestFromTarget(std::string method, const std::string& target);

class HttpServer {
 public:
  // Binds `host:port` (port 0: any free port) and serves on `threads` worker threads (each
  // open event stream holds one). Unavailable with the reason when it cannot bind.
  // `stop_wait`: how long Stop() waits for the workers (see Stop).
  static Result<std::unique_ptr<HttpServer>> Start(
      const std::string& host, int port, int threads, HttpHandler handler,
      std::chrono::milliseconds stop_wait = std::chrono::seconds(6));
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }
  // Stops accepting, ends the streams and joins the threads, waiting at most `stop_wait` (longer
  // than the 5 s keep-alive and read timeouts, so idle connections end on their own): workers
  // still reading a request then (a client trickling it) are left to the process's exit. Either
  // way no call reaches the handler once Stop has returned. Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl, int port);
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace financelake::server
