// A tiny HTTP/1.1 server for tests of the pollers: 127.0.0.1, a kernel-chosen port, one thread,
// one request per connection. Answers from a script of canned responses (the last one repeats)
// and records every request's head. A response with `hang` set never answers (timeouts).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace financelake::sources::testing {

struct CannedResponse {
  CannedResponse(int status_ = 200, std::string body_ = "", std::string extra_headers_ = "",
                 bool hang_ = false)
      : status(status_), body(std::move(body_)), extra_headers(std::move(extra_headers_)), hang(hang_) {}
  int status;
  std::string body;
  std::string extra_headers;  // "Retry-After: 3\r\n"
  bool hang;
};

class TestHttpServer {
 public:
  explicit TestHttpServer(std::vector<CannedResponse> script) : script_(std::move(script)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    ::listen(fd_, 16);
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TestHttpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string head;
      char buf[4096];
      while (head.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      CannedResponse r;
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(head);
        r = script_[std::min(next_, script_.size() - 1)];
        ++next_;
      }
      if (r.hang) {
        hung_.push_back(c);  // closed at the end
        continue;
      }
      std::string out = "HTTP/1.1 " + std::to_string(r.status) + " X\r\nContent-Type: application/json\r\n" +
                        r.extra_headers + "Content-Length: " + std::to_string(r.body.size()) +
                        "\r\nConnection: close\r\n\r\n" + r.body;
      ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
      ::close(c);
    }
    for (int c : hung_) ::close(c);
  }

  std::vector<CannedResponse> script_;
  size_t next_ = 0;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::vector<int> hung_;
};

}  // namespace financelake::sources::testing
