// TcpForwarder: listens on 127.0.0.1:<port> and relays every accepted connection, byte for byte,
// to a target address on the same host.
//
// Why: librdkafka's mock cluster always listens on a kernel-chosen port. `financelake broker
// --port 9092` puts a forwarder on 9092 so clients can bootstrap from a fixed address. Kafka
// metadata still advertises the mock's own 127.0.0.1:<ephemeral> listener, so after bootstrap
// clients connect there directly; both addresses are loopback-only.
//
// One background thread multiplexes all connections with poll(). Thread-safe to destroy from any
// thread; destruction closes every relayed connection.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "financelake/base/result.h"

namespace financelake::kafka {

class TcpForwarder {
 public:
  // Binds 127.0.0.1:`listen_port` (0 = any free port) and starts relaying to
  // `target_host`:`target_port` (an IPv4 address literal).
  static Result<std::unique_ptr<TcpForwarder>> Start(int listen_port,
                                                     const std::string& target_host,
                                                     int target_port);
  ~TcpForwarder();
  TcpForwarder(const TcpForwarder&) = delete;
  TcpForwarder& operator=(const TcpForwarder&) = delete;

  int port() const { return port_; }

 private:
  TcpForwarder(int listen_fd, int port, int wake_read, int wake_write, std::string target_host,
               int target_port);
  void Run();

  const int listen_fd_;
  const int port_;
  const int wake_read_;  // the thread polls this; a byte written to wake_write_ stops it
  const int wake_write_;
  const std::string target_host_;
  const int target_port_;
  std::thread thread_;
};

}  // namespace financelake::kafka
