#include "financelake/server/http_server.h"

#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

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

namespace {

// Whether the server is stopping, and how many calls into the handler (or a stream) are running:
// once Stop() returns, no call may reach the handler's objects, which the caller then destroys.
struct Gate {
  std::atomic<bool> stopping{false};
  std::atomic<int> busy{0};

  // False once stopping; else the caller holds the gate until Leave(). (Incremented before the
  // check, so Stop(), which sets `stopping` before it waits for `busy` to be 0, cannot miss one.)
  bool Enter() {
    ++busy;
    if (!stopping.load()) return true;
    --busy;
    return false;
  }
  void Leave() { --busy; }
};

}  // namespace

struct HttpServer::Impl {
  httplib::Server server;
  std::thread thread;
  Gate gate;
  std::chrono::milliseconds stop_wait{0};
};

namespace {

void Serve(const HttpHandler& handler, Gate& gate, const httplib::Request& req,
           httplib::Response& res) {
  // Range requests are ignored (RFC 9110 allows it): every answer is a whole, computed one. As
  // cpp-httplib applies them, a Range header cut JSON answers under a 200, and a list of
  // thousands of ranges built an answer of hundreds of MB from one small request. (The request
  // object is the server's own, non-const; only the handler's view of it is const.)
  const_cast<httplib::Request&>(req).ranges.clear();
  if (!gate.Enter()) {
    res.status = 503;
    res.set_content(R"({"error":"the server is stopping"})", "application/json");
    return;
  }
  struct Held {
    Gate& g;
    ~Held() { g.Leave(); }
  } held{gate};
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
    // The stream (and what it holds of the handler's objects) counts as a call into the handler
    // until it is destroyed, after its response ends.
    struct Hold {
      decltype(HttpResponse::stream) stream;
      Gate& gate;
      ~Hold() {
        stream = nullptr;
        gate.Leave();
      }
    };
    ++gate.busy;
    std::shared_ptr<Hold> hold(new Hold{std::move(out.stream), gate});
    res.set_chunked_content_provider(out.content_type, [hold](size_t, httplib::DataSink& sink) {
      Gate& gate = hold->gate;
      const bool more = !gate.stopping.load() && hold->stream([&](std::string_view chunk) {
        return !gate.stopping.load() && sink.is_writable() &&
               sink.write(chunk.data(), chunk.size());
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

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& host, int port,
                                                      int threads, HttpHandler handler,
                                                      std::chrono::milliseconds stop_wait) {
  auto impl = std::make_unique<Impl>();
  impl->stop_wait = stop_wait;
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
  Gate* gate = &impl->gate;
  auto route = [h, gate](const httplib::Request& req, httplib::Response& res) {
    Serve(*h, *gate, req, res);
  };
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
  // cpp-httplib's stop() does nothing before the listening loop runs: a Stop() right after
  // Start() would leave it listening.
  for (int i = 0; i < 500 && !raw->server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl), bound));
}

void HttpServer::Stop() {
  if (impl_ == nullptr || impl_->gate.stopping.exchange(true)) return;
  impl_->server.stop();
  // The pool's workers finish their requests; one reading a slow client's request (up to 5 s per
  // read, without an overall limit) held SIGTERM up for as long as the client kept trickling.
  // After stop_wait the server is left to the process's exit (its memory stays allocated: those
  // workers still use it).
  auto joined = std::make_shared<std::promise<void>>();
  std::future<void> done = joined->get_future();
  std::thread joiner([impl = impl_.get(), joined] {
    if (impl->thread.joinable()) impl->thread.join();
    joined->set_value();
  });
  if (done.wait_for(impl_->stop_wait) == std::future_status::ready) {
    joiner.join();
    return;
  }
  joiner.detach();
  // Calls into the handler end on their own (a stream within a second of `stopping`); only
  // workers reading a request, which never reach the handler now, are left behind.
  while (impl_->gate.busy.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Kept where a leak checker sees it (reachable from a static), never destroyed.
  static std::mutex left_mu;
  static auto* left = new std::vector<Impl*>();
  std::lock_guard<std::mutex> lock(left_mu);
  left->push_back(impl_.release());
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace financelake::server
