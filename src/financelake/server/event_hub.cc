#include "financelake/server/event_hub.h"

#include <chrono>

namespace financelake::server {

void EventHub::Publish(std::string type, std::string data) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back({next_id_++, std::move(type), std::move(data)});
    if (events_.size() > kBacklog) events_.pop_front();
  }
  cv_.notify_all();
}

std::vector<EventHub::Event> EventHub::WaitAfter(int64_t after, int wait_ms, bool* gap) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return closed_ || next_id_ - 1 > after; });
  std::vector<Event> out;
  *gap = !events_.empty() && events_.front().id > after + 1 && after > 0;
  for (const Event& e : events_) {
    if (e.id > after) out.push_back(e);
  }
  return out;
}

int64_t EventHub::last_id() const {
  std::lock_guard<std::mutex> lock(mu_);
  return next_id_ - 1;
}

void EventHub::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool EventHub::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

}  // namespace financelake::server
