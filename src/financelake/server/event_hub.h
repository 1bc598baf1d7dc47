// Server-Sent Events fan-out: the watcher publishes one event per table commit it sees; every
// open /api/events stream waits for events after the last one it sent (a bounded backlog lets a
// slow client catch up; one that falls further behind is told to reload). Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace financelake::server {

class EventHub {
 public:
  struct Event {
    int64_t id = 0;
    std::string type;  // "commit"
    std::string data;  // JSON
  };

  void Publish(std::string type, std::string data);
  // Events with id > after; waits up to `wait_ms` for one. *gap is set when events after
  // `after` were already dropped from the backlog.
  std::vector<Event> WaitAfter(int64_t after, int wait_ms, bool* gap);
  int64_t last_id() const;
  // Wakes every waiter (server shutdown).
  void Close();
  bool closed() const;

 private:
  static constexpr size_t kBacklog = 1000;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  int64_t next_id_ = 1;
  bool closed_ = false;
};

}  // namespace financelake::server
