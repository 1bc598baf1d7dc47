// ClientEvents: what librdkafka reports about one client (log lines, errors, fatal errors),
// collected so a failure can name its cause ("Connect to ipv4#127.0.0.1:1 failed: Connection
// refused") instead of a bare "Local: Timed out".
//
// librdkafka calls the log callback from its own threads, so every method is thread-safe.
// Warnings and errors are also printed to stderr, prefixed "kafka: <client>: ".
#pragma once

#include <atomic>

#include <mutex>
#include <string>
#include <string_view>

#include "financelake/base/status.h"

namespace financelake::kafka {

class ClientEvents {
 public:
  // `owner` is handed back to librdkafka callbacks that need the producer or consumer.
  explicit ClientEvents(void* owner) : owner_(owner) {}
  ClientEvents(const ClientEvents&) = delete;
  ClientEvents& operator=(const ClientEvents&) = delete;

  void* owner() const { return owner_; }

  // A log line at syslog `level` (0 = emergency .. 7 = debug).
  void OnLog(int level, std::string_view client, std::string_view line);
  // An error event. Fatal errors make the client unusable; they are kept for fatal_error().
  void OnError(std::string_view reason, bool fatal);

  // While false, log lines are collected but not printed. Producers and consumers start quiet
  // and print from a successful WaitForBroker() on, so an unreachable broker ends as one clear
  // error (which names the cause) rather than a stream of connect warnings.
  void set_print(bool print) { print_.store(print); }

  // The most recent error or error-level log line, without librdkafka's "[thrd:...]: " prefix;
  // empty if none.
  std::string last_error() const;
  // OK until librdkafka raised a fatal error (e.g. the idempotent producer lost its sequence).
  Status fatal_error() const;

 private:
  void* const owner_;
  std::atomic<bool> print_{true};
  mutable std::mutex mu_;
  std::string last_error_;
  Status fatal_;
};

}  // namespace financelake::kafka
