// ParseEventTime's edges: leap seconds, UTC offsets, and epoch milliseconds bounded to the
// years 1..9999 as the ISO form is.
#include "financelake/sources/event_time.h"

#include <gtest/gtest.h>

namespace financelake::sources {
namespace {

TEST(EventTimeTest, ALeapSecondIsOnlyTheLastSecondOfAUtcDay) {
  const int64_t midnight = *ParseEventTime("2017-01-01T00:00:00Z");
  EXPECT_EQ(*ParseEventTime("2016-12-31T23:59:60Z"), midnight);
  EXPECT_EQ(*ParseEventTime("2016-12-31T18:59:60-05:00"), midnight);  // the same second in New York
  EXPECT_FALSE(ParseEventTime("2024-01-02T12:34:60Z").ok());
  EXPECT_FALSE(ParseEventTime("2016-12-31T23:59:60+01:00").ok());  // 22:59:60 UTC
}

TEST(EventTimeTest, AnOffsetNeedsItsMinutesAfterAColon) {
  const int64_t t = *ParseEventTime("2024-01-02T14:30:00Z");
  EXPECT_EQ(*ParseEventTime("2024-01-02T20:00:00+05:30"), t);
  EXPECT_EQ(*ParseEventTime("2024-01-02T20:00:00+0530"), t);
  EXPECT_EQ(*ParseEventTime("2024-01-02T19:30:00+05"), t);
  EXPECT_FALSE(ParseEventTime("2024-01-02T19:30:00+05:").ok());
  EXPECT_FALSE(ParseEventTime("2024-01-02T19:30:00+05:3").ok());
}

TEST(EventTimeTest, EpochMillisecondsAreOfTheYears1To9999) {
  EXPECT_EQ(*ParseEventTime("-62135596800000"), kFirstEventTimeMillis * 1000);
  EXPECT_EQ(*ParseEventTime("253402300799999"), *ParseEventTime("9999-12-31T23:59:59.999Z"));
  for (const char* text :
       {"-62135596800001", "253402300800000", "5000000000000000", "-9000000000000000",
        "1"
        "000000000000000000000000000000000000000"}) {
    SCOPED_TRACE(text);
    auto t = ParseEventTime(text);
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.status().message().find("epoch milliseconds outside the years 1..9999"),
              std::string::npos)
        << t.status().message();
  }
}

TEST(EventTimeTest, JsonNumbersOfMillisecondsMayHaveAnExponentAndStayExact) {
  // Past 2^53 microseconds a double of ms * 1000 is not exact; whole milliseconds are.
  EXPECT_EQ(**ParseEpochMillis("253402300799999", true), 253402300799999 * 1000);
  EXPECT_EQ(**ParseEpochMillis("1.7042058e12", true), 1704205800000 * 1000);
  EXPECT_EQ(**ParseEpochMillis("-1E3", true), -1000 * 1000);
  EXPECT_FALSE(ParseEpochMillis("1.7042058e12", false).has_value());  // text: no exponent
  EXPECT_FALSE(ParseEpochMillis("12-3", true).has_value());
  EXPECT_FALSE(ParseEpochMillis("-", true).has_value());
  const auto far = ParseEpochMillis("1e300", true);
  ASSERT_TRUE(far.has_value());
  ASSERT_FALSE(far->ok());
  EXPECT_EQ(far->status().message(),
            "event time '1e300': epoch milliseconds outside the years 1..9999");
}

}  // namespace
}  // namespace financelake::sources
