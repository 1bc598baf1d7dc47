#include "financelake/kafka/client_events.h"

#include <cstdio>

namespace financelake::kafka {
namespace {

constexpr int kLogWarning = 4;  // syslog LOG_WARNING
constexpr int kLogError = 3;    // syslog LOG_ERR

// librdkafka prefixes log lines with "[thrd:<thread>]: "; the thread name is noise for users.
std::string_view StripThreadPrefix(std::string_view line) {
  if (line.starts_with("[thrd:")) {
    size_t end = line.find("]: ");
    if (end != std::string_view::npos) return line.substr(end + 3);
  }
  return line;
}

}  // namespace

void ClientEvents::OnLog(int level, std::string_view client, std::string_view line) {
  if (level > kLogWarning) return;
  std::string_view text = StripThreadPrefix(line);
  if (print_.load()) {
    std::fprintf(stderr, "kafka: %.*s: %.*s\n", static_cast<int>(client.size()), client.data(),
                 static_cast<int>(text.size()), text.data());
  }
  if (level <= kLogError) {
    std::lock_guard<std::mutex> lock(mu_);
    last_error_ = std::string(text);
  }
}

void ClientEvents::OnError(std::string_view reason, bool fatal) {
  std::lock_guard<std::mutex> lock(mu_);
  last_error_ = std::string(StripThreadPrefix(reason));
  if (fatal && fatal_.ok()) fatal_ = Status::FailedPrecondition("kafka: fatal: " + last_error_);
}

std::string ClientEvents::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

Status ClientEvents::fatal_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fatal_;
}

}  // namespace financelake::kafka
