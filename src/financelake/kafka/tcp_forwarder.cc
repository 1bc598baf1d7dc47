#include "financelake/kafka/tcp_forwarder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <vector>

namespace financelake::kafka {
namespace {

constexpr size_t kMaxBuffered = size_t{256} * 1024;  // per direction; beyond it we stop reading

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

void SetNonBlocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

sockaddr_in LoopbackAddress(const std::string& host, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  return addr;
}

// One relayed connection: bytes read from one side wait in `pending[side]` until the other side
// can take them.
struct Relay {
  int fd[2] = {-1, -1};    // 0 = client, 1 = upstream
  std::string pending[2];  // pending[i]: read from fd[i], to be written to fd[1 - i]
  bool closed = false;

  ~Relay() {
    for (int f : fd) {
      if (f >= 0) close(f);
    }
  }
  // Moves bytes after `fd[side]` became readable. False once the connection should close.
  bool ReadFrom(int side) {
    char buf[64 * 1024];
    ssize_t n = read(fd[side], buf, sizeof(buf));
    if (n > 0) {
      pending[side].append(buf, static_cast<size_t>(n));
      return Drain(side);
    }
    return n < 0 && (errno == EAGAIN || errno == EINTR);
  }
  // Writes what `side` sent to the other side, as far as it will take it.
  bool Drain(int side) {
    std::string& out = pending[side];
    while (!out.empty()) {
      ssize_t n = send(fd[1 - side], out.data(), out.size(), MSG_NOSIGNAL);
      if (n < 0) return errno == EAGAIN || errno == EINTR;
      out.erase(0, static_cast<size_t>(n));
    }
    return true;
  }
};

}  // namespace

Result<std::unique_ptr<TcpForwarder>> TcpForwarder::Start(int listen_port,
                                                          const std::string& target_host,
                                                          int target_port) {
  const std::string where = "kafka: listen on 127.0.0.1:" + std::to_string(listen_port);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::IOError(Errno(where + ": socket"));
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in addr = LoopbackAddress("127.0.0.1", listen_port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 64) != 0) {
    Status st = errno == EADDRINUSE
                    ? Status::Unavailable(Errno(where) + " (is another broker running?)")
                    : Status::IOError(Errno(where));
    close(fd);
    return st;
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int wake[2];
  if (pipe2(wake, O_CLOEXEC) != 0) {
    close(fd);
    return Status::IOError(Errno(where + ": pipe"));
  }
  SetNonBlocking(fd);
  std::unique_ptr<TcpForwarder> fwd(
      new TcpForwarder(fd, ntohs(addr.sin_port), wake[0], wake[1], target_host, target_port));
  // The relay thread must not take SIGINT/SIGTERM meant for the broker's main loop.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  fwd->thread_ = std::thread([f = fwd.get()] { f->Run(); });
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return fwd;
}

TcpForwarder::TcpForwarder(int listen_fd, int port, int wake_read, int wake_write,
                           std::string target_host, int target_port)
    : listen_fd_(listen_fd),
      port_(port),
      wake_read_(wake_read),
      wake_write_(wake_write),
      target_host_(std::move(target_host)),
      target_port_(target_port) {}

TcpForwarder::~TcpForwarder() {
  char byte = 0;
  if (write(wake_write_, &byte, 1) < 0) {
    // The pipe cannot be full (one byte, once); nothing else to do.
  }
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
  close(wake_read_);
  close(wake_write_);
}

void TcpForwarder::Run() {
  std::list<Relay> relays;
  std::vector<pollfd> fds;
  std::vector<std::pair<Relay*, int>> owners;  // fds[i + 2] belongs to owners[i]
  while (true) {
    fds.assign({{wake_read_, POLLIN, 0}, {listen_fd_, POLLIN, 0}});
    owners.clear();
    for (Relay& r : relays) {
      for (int side = 0; side < 2; ++side) {
        short events = 0;
        if (r.pending[side].size() < kMaxBuffered) events |= POLLIN;
        if (!r.pending[1 - side].empty()) events |= POLLOUT;
        fds.push_back({r.fd[side], events, 0});
        owners.emplace_back(&r, side);
      }
    }
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents) return;  // stop requested
    for (size_t i = 2; i < fds.size(); ++i) {
      auto [relay, side] = owners[i - 2];
      short ev = fds[i].revents;
      if (relay->closed || ev == 0) continue;
      bool ok = true;
      if (ev & POLLOUT) ok = relay->Drain(1 - side);
      if (ok && (ev & (POLLIN | POLLHUP | POLLERR))) ok = relay->ReadFrom(side);
      if (!ok) relay->closed = true;
    }
    relays.remove_if([](const Relay& r) { return r.closed; });
    if (fds[1].revents & POLLIN) {
      int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      int upstream = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in target = LoopbackAddress(target_host_, target_port_);
      if (upstream < 0 ||
          connect(upstream, reinterpret_cast<sockaddr*>(&target), sizeof(target)) != 0) {
        close(client);
        if (upstream >= 0) close(upstream);
        continue;
      }
      int on = 1;
      for (int f : {client, upstream}) {
        SetNonBlocking(f);
        setsockopt(f, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
      }
      Relay& r = relays.emplace_back();
      r.fd[0] = client;
      r.fd[1] = upstream;
    }
  }
}

}  // namespace financelake::kafka
