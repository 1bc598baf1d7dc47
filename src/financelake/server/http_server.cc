#include "financelake/server/http_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <thread>

namespace financelake::server {

std::string HttpRequest::Param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

HttpRequest RequestFromTarget(std::string method, const std::string& target) {
  HttpRequest r;
  r.method = std::move(method);
  const size_t q = target.find('?');
  r.path = httplib::detail::decode_url(target.substr(0, q), false);
  if (q != std::string::npos) {
    httplib::Params params;
    httplib::detail::parse_query_text(target.substr(q + 1), params);
    for (const auto& [k, v] : params) r.params.emplace(k, v);
  }
  r.remote_addr = "127.0.0.1";
  return r;
}

struct HttpServer::Impl {
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> stopping{false};
};

namespace {

void Serve(const HttpHandler& handler, const std::atomic<bool>& stopping, const httplib::Request& req,
           httplib::Response& res) {
  HttpRequest r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.params.emplace(k, v);
  for (const auto& [k, v] : req.headers) {
    std::string name = k;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    r.headers[name] = v;
  }
  r.remote_addr = req.remote_addr;
  // cpp-httplib reads no body for GET/HEAD: the bytes would be parsed as the next request (and
  // buffered without limit). Refuse and close the connection.
  if ((req.method == "GET" || req.method == "HEAD") &&
      (req.has_header("Transfer-Encoding") ||
       (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0"))) {
    res.status = 413;
    res.set_header("Connection", "close");
    res.set_content(R"({"error":"a GET request has no body"})", "application/json");
    return;
  }
  HttpResponse out = handler(r);
  res.status = out.status;
  for (const auto& [k, v] : out.headers) res.set_header(k, v);
  if (out.stream) {
    auto stream = std::move(out.stream);
    res.set_chunked_content_provider(
        out.content_type, [stream, &stopping](size_t, httplib::DataSink& sink) {
          const bool more = !stopping.load() && stream([&](std::string_view chunk) {
            return !stopping.load() && sink.is_writable() && sink.write(chunk.data(), chunk.size());
          });
          if (!more) sink.done();
          return more;
        });
    return;
  }
  res.set_content(out.body, out.content_type);
}

}  // namespace

HttpServer::HttpServer(std::unique_ptr<Impl> impl, int port) : impl_(std::move(impl)), port_(port) {}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& host, int port, int threads,
                                                      HttpHandler handler) {
  auto impl = std::make_unique<Impl>();
  const int n = std::max(2, threads);
  impl->server.new_task_queue = [n] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
  impl->server.set_payload_max_length(64 * 1024);  // a read-only API: small requests only
  impl->server.set_tcp_nodelay(true);              // no 40 ms Nagle/delayed-ACK stalls per answer
  impl->server.set_keep_alive_max_count(10000);    // dashboards poll: keep their connections
  // An idle connection holds a worker thread: keep idle waits short, so a few silent sockets
  // cannot starve the pool for long.
  impl->server.set_keep_alive_timeout(5);
  impl->server.set_read_timeout(5, 0);
  // Errors cpp-httplib answers itself (malformed request, unknown method, too large) get a
  // JSON body naming the problem; methods it does not route are 405.
  impl->server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    static const char* kMethods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    const bool known = std::any_of(std::begin(kMethods), std::end(kMethods),
                                   [&](const char* m) { return req.method == m; });
    if (res.status == 400 && !req.method.empty() && !known) {
      res.status = 405;
      res.set_header("Allow", "GET, HEAD");
    }
    if (!res.body.empty()) return;
    std::string what;
    switch (res.status) {
      case 405: what = "read-only API: only GET"; break;
      case 413: what = "request body too large (at most 64 KiB)"; break;
      case 414: what = "request URI too long"; break;
      case 431: what = "request headers too large"; break;
      default: what = fmt::format("bad request (HTTP {})", res.status); break;
    }
    res.set_content(fmt::format(R"({{"error":"{}"}})", what), "application/json");
  });
  auto h = std::make_shared<HttpHandler>(std::move(handler));
  const std::atomic<bool>* stopping = &impl->stopping;
  auto route = [h, stopping](const httplib::Request& req, httplib::Response& res) { Serve(*h, *stopping, req, res); };
  impl->server.Get(".*", route);
  impl->server.Post(".*", route);
  impl->server.Put(".*", route);
  impl->server.Delete(".*", route);
  impl->server.Patch(".*", route);
  impl->server.Options(".*", route);
  int bound = port;
  if (port == 0) {
    bound = impl->server.bind_to_any_port(host);
  } else if (!impl->server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) return Status::Unavailable(fmt::format("cannot listen on {}:{} (in use, or not an address here)", host, port));
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->server.listen_after_bind(); });
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl), bound));
}

void HttpServer::Stop() {
  if (impl_ == nullptr || impl_->stopping.exchange(true)) return;
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace financelake::server
