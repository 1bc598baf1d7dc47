// Pacing helpers: a Clock that tests can drive, RateLimiter (events per second of wall time)
// and ReplayPacer (event-time gaps replayed at a speed multiplier). Sources use them inside
// NextBatch(); a caller can use RateLimiter directly to throttle any loop.
//
// None of these classes is thread-safe; a Clock implementation may be shared if it is.
#pragma once

#include <cstddef>
#include <cstdint>

namespace financelake::sources {

// A process-wide request to stop waiting, e.g. from a Ctrl-C handler (async-signal-safe).
// SystemClock() sleeps then wake within 100 ms, and sources that would wait for more data
// (the API pollers) end at their next batch, so the caller commits what it has and stops.
void InterruptWaits();
bool WaitsInterrupted();

// Monotonic wall time in microseconds, and sleeping.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMicros() = 0;
  // May return before `deadline` when the wait is interrupted (see Interrupted()).
  virtual void SleepUntilMicros(int64_t deadline) = 0;
  // True once waits on this clock are interrupted: a stop was requested.
  virtual bool Interrupted() const = 0;
};

// steady_clock based, interrupted by InterruptWaits(). Process-wide; thread-safe.
Clock* SystemClock();

// A clock that only moves when told to; sleeping jumps straight to the deadline. For tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now = 0) : now_(now) {}
  int64_t NowMicros() override { return now_; }
  void SleepUntilMicros(int64_t deadline) override {
    ++sleeps_;
    if (interrupt_at_sleep_ == sleeps_) interrupted_ = true;  // the stop arrives mid-wait
    if (!interrupted_ && deadline > now_) now_ = deadline;
  }
  bool Interrupted() const override { return interrupted_; }
  void Advance(int64_t micros) { now_ += micros; }
  int sleeps() const { return sleeps_; }
  // The n-th sleep (from 1) is interrupted before its deadline, and every later one at once.
  void InterruptAtSleep(int n) { interrupt_at_sleep_ = n; }

 private:
  int64_t now_;
  int sleeps_ = 0;
  int interrupt_at_sleep_ = 0;
  bool interrupted_ = false;
};

// Lets through `rate` events per second of wall time on average: the i-th event (from 0) is due
// at start + i / rate. After a stall (the consumer was slow) at most `max_burst_seconds` of
// backlog is let through at once, then the schedule restarts, so a stall does not turn into a
// long burst. rate 0 means unlimited.
class RateLimiter {
 public:
  RateLimiter(double rate, Clock* clock, double max_burst_seconds = 1.0);

  // Waits (sleeping on the clock) until at least one event is due, then returns how many of
  // `want` (>= 1) may be emitted now and counts them as emitted. Returns 0 when the wait was
  // interrupted (the clock's Interrupted()) before an event was due.
  size_t Acquire(size_t want);

  double rate() const { return rate_; }

 private:
  double rate_;
  Clock* clock_;
  double max_burst_;
  int64_t start_ = 0;
  uint64_t emitted_ = 0;
  bool started_ = false;
};

// Replays event time at `speed` times real time (1 = real time, 60 = a minute per second,
// 0 = as fast as possible). The first event anchors event time to the wall clock; an event
// whose time is earlier than the anchor's is due at once.
class ReplayPacer {
 public:
  ReplayPacer(double speed, Clock* clock) : speed_(speed), clock_(clock) {}

  bool unlimited() const { return speed_ <= 0; }
  // Wall-clock micros at which an event at `event_time` is due (anchoring on first use).
  int64_t DueAt(int64_t event_time);
  // True if an event at `event_time` may be emitted now.
  bool IsDue(int64_t event_time) { return unlimited() || DueAt(event_time) <= clock_->NowMicros(); }
  // Sleeps until an event at `event_time` is due: true, or false when the wait was interrupted
  // (the clock's Interrupted()) before then.
  bool WaitFor(int64_t event_time);

 private:
  double speed_;
  Clock* clock_;
  bool anchored_ = false;
  int64_t wall0_ = 0;
  int64_t event0_ = 0;
};

}  // namespace financelake::sources
