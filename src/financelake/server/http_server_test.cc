// HttpServer::Stop with clients that do not cooperate: a client trickling its request one header
// at a time (each read within the 5 s read timeout) held SIGTERM up for as long as it kept on.
// Stop returns anyway, and no call reaches the handler after it (the caller then destroys what
// the handler uses).
#include "financelake/server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace financelake::server {
namespace {

int Connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void Send(int fd, const std::string& s) {
  ASSERT_EQ(::send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
}

// What the server sends until it closes the connection (or 10 s pass).
std::string ReadAll(int fd) {
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  return out;
}

// A client that sends its request one header at a time until told to stop.
class Trickler {
 public:
  explicit Trickler(int port) : fd_(Connect(port)) {
    Send(fd_, "GET /api/health HTTP/1.1\r\nHost: x\r\n");
    thread_ = std::thread([this] {
      for (int i = 0; !stop_.load(); ++i) {
        Send(fd_, "X-Slow-" + std::to_string(i) + ": 1\r\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      }
    });
  }
  // Stops trickling, ends the request and returns what the server answered.
  std::string Finish() {
    stop_ = true;
    thread_.join();
    Send(fd_, "\r\n");
    std::string answer = ReadAll(fd_);
    ::close(fd_);
    return answer;
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(HttpServerTest, StopDoesNotWaitForAClientTricklingItsRequest) {
  std::atomic<int> calls{0};
  auto server = HttpServer::Start(
      "127.0.0.1", 0, 4,
      [&](const HttpRequest&) {
        ++calls;
        HttpResponse r;
        r.body = "{}";
        return r;
      },
      std::chrono::milliseconds(500));
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Trickler slow((*server)->port());
  ASSERT_GE(slow.fd(), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  (*server)->Stop();  // without its deadline: never (the client trickles until it returns)
  // The request completes after Stop: it is answered without reaching the handler.
  const std::string answer = slow.Finish();
  EXPECT_EQ(calls.load(), 0);
  EXPECT_NE(answer.find(" 503 "), std::string::npos) << answer;
  EXPECT_NE(answer.find("the server is stopping"), std::string::npos) << answer;
}

// Past its deadline Stop still waits for the calls into the handler that are running and for
// open streams to end and be destroyed: the caller destroys what they use once it returns.
TEST(HttpServerTest, StopPastItsDeadlineStillWaitsForHandlerCallsAndStreams) {
  std::atomic<int> alive{0};
  std::atomic<bool> slow_started{false};
  struct Alive {
    std::atomic<int>* n;
    ~Alive() {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a slow teardown
      --*n;
    }
  };
  auto server = HttpServer::Start(
      "127.0.0.1", 0, 6,
      [&](const HttpRequest& r) {
        HttpResponse out;
        ++alive;
        std::shared_ptr<Alive> held(new Alive{&alive});
        if (r.path == "/slow") {
          slow_started = true;
          std::this_thread::sleep_for(std::chrono::milliseconds(1500));
          out.body = "{}";
          return out;
        }
        out.content_type = "text/event-stream";
        out.stream = [held](const std::function<bool(std::string_view)>& write) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          return write(": tick\n\n");
        };
        return out;
      },
      std::chrono::milliseconds(200));
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const int port = (*server)->port();
  Trickler trickler(port);  // keeps Stop past its deadline
  const int stream = Connect(port);
  ASSERT_GE(stream, 0);
  Send(stream, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  char buf[256];
  ASSERT_GT(::recv(stream, buf, sizeof(buf), 0), 0);  // the stream is open
  const int slow = Connect(port);
  ASSERT_GE(slow, 0);
  Send(slow, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  while (!slow_started.load()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  (*server)->Stop();
  EXPECT_EQ(alive.load(), 0) << "a handler call or a stream outlived Stop()";
  ::close(stream);
  ::close(slow);
  trickler.Finish();
}

// Found by a hunt: cpp-httplib applied Range headers to the answers, under a 200 (a cut JSON
// answer), and a list of thousands of ranges built an answer of hundreds of MB from one
// request. Ranges are ignored: the whole answer, 200, no Content-Range.
TEST(HttpServerTest, RangeHeadersAreIgnored) {
  auto server = HttpServer::Start(
      "127.0.0.1", 0, 2,
      [](const HttpRequest&) {
        HttpResponse r;
        r.body = R"({"answer":"0123456789abcdef"})";
        return r;
      },
      std::chrono::milliseconds(500));
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  std::string ranges = "bytes=0-3";
  for (int i = 0; i < 500; ++i) ranges += ",0-";
  for (const std::string& range : {std::string("bytes=0-3"), std::string("bytes=5-"), ranges}) {
    const int fd = Connect((*server)->port());
    ASSERT_GE(fd, 0);
    Send(fd, "GET /api/x HTTP/1.1\r\nHost: x\r\nRange: " + range + "\r\nConnection: close\r\n\r\n");
    const std::string answer = ReadAll(fd);
    ::close(fd);
    EXPECT_EQ(answer.rfind("HTTP/1.1 200 ", 0), 0u) << answer.substr(0, 200);
    EXPECT_EQ(answer.find("Content-Range"), std::string::npos) << answer.substr(0, 400);
    const std::string body = R"({"answer":"0123456789abcdef"})";
    EXPECT_EQ(answer.substr(answer.size() - body.size() - 4), "\r\n\r\n" + body)
        << answer.substr(0, 400);
  }
}

}  // namespace
}  // namespace financelake::server
