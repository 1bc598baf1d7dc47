#include "financelake/sources/pacing.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

namespace financelake::sources {
namespace {

std::atomic<bool> g_interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

class SteadyClock final : public Clock {
 public:
  int64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  void SleepUntilMicros(int64_t deadline) override {
    // In slices, so that InterruptWaits() ends a long wait (a poll interval, a backoff) soon.
    for (int64_t now = NowMicros(); deadline > now && !WaitsInterrupted(); now = NowMicros()) {
      std::this_thread::sleep_for(std::chrono::microseconds(std::min<int64_t>(deadline - now, 100'000)));
    }
  }
  bool Interrupted() const override { return WaitsInterrupted(); }
};

}  // namespace

void InterruptWaits() { g_interrupted.store(true); }
bool WaitsInterrupted() { return g_interrupted.load(); }

Clock* SystemClock() {
  static SteadyClock* clock = new SteadyClock();  // never destroyed: usable during exit
  return clock;
}

RateLimiter::RateLimiter(double rate, Clock* clock, double max_burst_seconds)
    : rate_(rate), clock_(clock), max_burst_(max_burst_seconds) {}

size_t RateLimiter::Acquire(size_t want) {
  if (rate_ <= 0 || want == 0) return want;
  int64_t now = clock_->NowMicros();
  if (!started_) {
    started_ = true;
    start_ = now;
  }
  // Events due by `now`: all i with start + i/rate <= now, i.e. floor(elapsed*rate) + 1.
  auto due_by = [&](int64_t t) {
    return static_cast<uint64_t>(std::floor(static_cast<double>(t - start_) * 1e-6 * rate_)) + 1;
  };
  uint64_t due = due_by(now);
  const auto max_backlog = static_cast<uint64_t>(std::max(1.0, max_burst_ * rate_));
  if (due > emitted_ + max_backlog) {
    // Restart the schedule so that a stall does not become an unbounded burst.
    start_ = now - static_cast<int64_t>(static_cast<double>(max_backlog - 1) / rate_ * 1e6);
    emitted_ = 0;
    due = due_by(now);
  }
  if (due <= emitted_) {
    const int64_t next =
        start_ + static_cast<int64_t>(std::ceil(static_cast<double>(emitted_) / rate_ * 1e6));
    clock_->SleepUntilMicros(next);
    now = clock_->NowMicros();
    if (now < next && clock_->Interrupted()) return 0;  // stopping: the next event is not due
    due = std::max(due_by(std::max(now, next)), emitted_ + 1);
  }
  const size_t n = static_cast<size_t>(std::min<uint64_t>(want, due - emitted_));
  emitted_ += n;
  return n;
}

int64_t ReplayPacer::DueAt(int64_t event_time) {
  if (!anchored_) {
    anchored_ = true;
    wall0_ = clock_->NowMicros();
    event0_ = event_time;
  }
  if (event_time <= event0_) return wall0_;
  return wall0_ + static_cast<int64_t>(static_cast<double>(event_time - event0_) / speed_);
}

bool ReplayPacer::WaitFor(int64_t event_time) {
  if (unlimited()) return true;
  const int64_t due = DueAt(event_time);
  if (due > clock_->NowMicros()) clock_->SleepUntilMicros(due);
  return due <= clock_->NowMicros() || !clock_->Interrupted();
}

}  // namespace financelake::sources
