// RateLimiter and ReplayPacer against a manual clock, and Source::Next / Drain.
#include "financelake/sources/pacing.h"

#include <gtest/gtest.h>

#include <vector>

#include "financelake/sources/sim_source.h"
#include "financelake/sources/source.h"

namespace financelake::sources {
namespace {

TEST(RateLimiterTest, LetsThroughRateEventsPerSecond) {
  ManualClock clock(0);
  RateLimiter limiter(100, &clock);
  EXPECT_EQ(limiter.Acquire(1000), 1u);  // only the first event is due at t = 0
  size_t total = 1;
  while (total < 1001) total += limiter.Acquire(1000);
  EXPECT_EQ(total, 1001u);
  // Event i is due at i / 100 s: the 1001st (i = 1000) at 10 s.
  EXPECT_EQ(clock.NowMicros(), 10 * 1000000);
}

TEST(RateLimiterTest, ReturnsWhatIsDueWithoutSleeping) {
  ManualClock clock(0);
  RateLimiter limiter(1000, &clock);
  EXPECT_EQ(limiter.Acquire(5), 1u);
  clock.Advance(10000);  // 10 ms later: events 1..10 are due
  const int sleeps = clock.sleeps();
  EXPECT_EQ(limiter.Acquire(100), 10u);
  EXPECT_EQ(clock.sleeps(), sleeps);
}

TEST(RateLimiterTest, AStallDoesNotBecomeAnUnboundedBurst) {
  ManualClock clock(0);
  RateLimiter limiter(1000, &clock, /*max_burst_seconds=*/0.5);
  EXPECT_EQ(limiter.Acquire(1), 1u);
  clock.Advance(60 * 1000000);  // the consumer stalled for a minute
  const size_t burst = limiter.Acquire(1000000);
  EXPECT_LE(burst, 501u);
  EXPECT_GE(burst, 499u);
}

TEST(RateLimiterTest, AnInterruptedWaitLetsNothingThrough) {
  ManualClock clock(0);
  RateLimiter limiter(1, &clock);
  EXPECT_EQ(limiter.Acquire(5), 1u);
  clock.InterruptAtSleep(1);
  EXPECT_EQ(limiter.Acquire(5), 0u);  // event 1 is due at 1 s; the stop came first
  EXPECT_EQ(clock.NowMicros(), 0);
  clock.Advance(1000000);  // once due, it is let through even while stopping
  EXPECT_EQ(limiter.Acquire(5), 1u);
}

TEST(RateLimiterTest, ZeroRateIsUnlimited) {
  ManualClock clock(0);
  RateLimiter limiter(0, &clock);
  EXPECT_EQ(limiter.Acquire(12345), 12345u);
  EXPECT_EQ(clock.sleeps(), 0);
}

TEST(ReplayPacerTest, ScalesEventTimeGaps) {
  ManualClock clock(500);
  ReplayPacer pacer(10, &clock);      // 10x real time
  EXPECT_TRUE(pacer.IsDue(1000000));  // the first event anchors and is due at once
  EXPECT_FALSE(pacer.IsDue(1000000 + 5000000));
  EXPECT_EQ(pacer.DueAt(1000000 + 5000000), 500 + 500000);  // 5 s of event time = 0.5 s
  EXPECT_TRUE(pacer.WaitFor(1000000 + 5000000));
  EXPECT_EQ(clock.NowMicros(), 500 + 500000);
  clock.InterruptAtSleep(clock.sleeps() + 1);
  EXPECT_FALSE(pacer.WaitFor(1000000 + 6000000));  // stopping before it is due
  EXPECT_EQ(clock.NowMicros(), 500 + 500000);
  EXPECT_TRUE(pacer.IsDue(0));  // earlier than the anchor: due at once
  ReplayPacer unlimited(0, &clock);
  EXPECT_TRUE(unlimited.IsDue(INT64_MAX / 2));
}

TEST(SourceTest, NextAndDrain) {
  SimOptions o;
  o.count = 25;
  auto source = MakeSimSource(o);
  ASSERT_TRUE(source.ok());
  Event e;
  ASSERT_TRUE(*(*source)->Next(&e));
  EXPECT_EQ(e.position, "1");
  size_t drained = 0;
  int batches = 0;
  ASSERT_TRUE(Drain(**source, 10, [&](std::span<const Event> batch) {
                ++batches;
                drained += batch.size();
                return Status::OK();
              }).ok());
  EXPECT_EQ(drained, 24u);
  EXPECT_EQ(batches, 3);
  EXPECT_FALSE(*(*source)->Next(&e));

  auto again = MakeSimSource(o);
  const Status st =
      Drain(**again, 10, [](std::span<const Event>) { return Status::Unavailable("broker down"); });
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_NE(st.message().find("sink after position 10"), std::string::npos);
}

}  // namespace
}  // namespace financelake::sources
