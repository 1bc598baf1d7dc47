// Pollers emit a bar only once it is complete: the APIs show the current bar while it forms, and
// a first snapshot kept under the bar's id would stand for the bar for good (its final values
// dropped as a repeat). The time of day comes from PollerOptions::utc_now, so these tests pick it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/sources/api_poller.h"
#include "financelake/sources/api_test_util.h"
#include "financelake/sources/event_time.h"
#include "financelake/sources/test_http_server.h"

namespace financelake::sources {
namespace {

using testing::ApiFixture;
using testing::Poll;
using testing::PollRun;
using testing::TestHttpServer;

int64_t At(const char* iso) {
  return *ParseEventTime(iso);
}

Json Payload(const Event& e) {
  return Json::Parse(e.payload).value();
}

// A Yahoo daily AAPL bar of 2024-01-02 (session 09:30-16:00 EST), as polled mid-session and
// after the close.
std::string AaplBar(double close, double high, double low, double volume) {
  return R"({"chart":{"result":[{"meta":{"symbol":"AAPL","dataGranularity":"1d"},"timestamp":[1704205800],)"
         R"("indicators":{"quote":[{"open":[187.15],"high":[)" +
         std::to_string(high) + R"(],"low":[)" + std::to_string(low) + R"(],"close":[)" +
         std::to_string(close) + R"(],"volume":[)" + std::to_string(volume) +
         R"(]}]}}],"error":null}})";
}

TEST(ApiPollerCompleteTest, ADailyBarPolledMidSessionIsEmittedWithItsFinalValues) {
  TestHttpServer server({{200, AaplBar(187.0, 188.0, 186.5, 1000000)},
                         {200, AaplBar(185.64, 188.44, 183.89, 82488700)}});
  ManualClock clock;
  const int64_t start = At("2024-01-02T18:00:00Z");  // 13:00 in New York: the session is open
  // Two polls four hours apart: the second one is after the close.
  PollRun run = Poll("yahoo",
                     {{"base-url", server.url()},
                      {"symbols", "AAPL"},
                      {"polls", "2"},
                      {"interval-s", "14400"},
                      {"min-request-interval-s", "0"}},
                     &clock, [&] { return start + clock.NowMicros(); });
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.events.size(), 1u);
  const Json p = Payload(run.events[0]);
  EXPECT_DOUBLE_EQ(p.Find("close")->as_double(), 185.64) << run.events[0].payload;
  EXPECT_DOUBLE_EQ(p.Find("volume")->as_double(), 82488700);
  EXPECT_EQ(p.GetString("event_time", ""), "2024-01-02T21:00:00.000000Z");
}

TEST(ApiPollerCompleteTest, ADailyBarIsHeldUntilItsCloseHasSettled) {
  auto events_at = [](const char* now) {
    TestHttpServer server({{200, AaplBar(185.64, 188.44, 183.89, 82488700)}});
    ManualClock clock;
    PollRun run = Poll("yahoo", {{"base-url", server.url()}, {"symbols", "AAPL"}, {"polls", "1"}},
                       &clock, [t = At(now)] { return t; });
    EXPECT_TRUE(run.status.ok()) << run.status.ToString();
    return run.events.size();
  };
  EXPECT_EQ(events_at("2024-01-02T20:59:59Z"), 0u) << "before the close";
  EXPECT_EQ(events_at("2024-01-02T21:14:59Z"), 0u) << "the closing prints are not in yet";
  EXPECT_EQ(events_at("2024-01-02T21:15:00Z"), 1u);
}

TEST(ApiPollerCompleteTest, IntradayBarsAreEmittedOnceTheirMinuteHasPassed) {
  const std::string body = ApiFixture(
      "yahoo_finance/node-yahoo-finance2_bodies/"
      "chart-AAPL-2024-10-02-to-2024-10-03-includePrePost-false-interval-1m.body.json");
  const int64_t now = At("2024-10-02T15:00:30Z");  // 11:00:30 in New York
  TestHttpServer server({{200, body}});
  ManualClock clock;
  PollRun run =
      Poll("yahoo",
           {{"base-url", server.url()}, {"symbols", "AAPL"}, {"polls", "1"}, {"interval", "1m"}},
           &clock, [now] { return now; });
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_FALSE(run.events.empty());
  // The 10:59 bar ended at 11:00 and is in; the 11:00 bar is still forming.
  EXPECT_EQ(Payload(run.events.back()).GetString("event_time", ""), "2024-10-02T14:59:00.000000Z");
  for (const Event& e : run.events) EXPECT_LE(e.event_time.value() + 60'000'000, now);
}

TEST(ApiPollerCompleteTest, ACryptoDayIsCompleteAfterMidnightUtc) {
  const std::string body = ApiFixture(
      "yahoo_finance/node-yahoo-finance2_bodies/chart-BTC-USD-2020-01-01-to-2020-01-03.body.json");
  for (const auto& [now, expected] : std::vector<std::pair<const char*, size_t>>{
           {"2020-01-03T12:00:00Z", 2}, {"2020-01-04T00:14:59Z", 2}, {"2020-01-04T00:15:00Z", 3}}) {
    TestHttpServer server({{200, body}});
    ManualClock clock;
    PollRun run =
        Poll("yahoo", {{"base-url", server.url()}, {"symbols", "BTC-USD"}, {"polls", "1"}}, &clock,
             [t = At(now)] { return t; });
    ASSERT_TRUE(run.status.ok()) << run.status.ToString();
    EXPECT_EQ(run.events.size(), expected) << now;
  }
}

TEST(ApiPollerCompleteTest, AnAlphaVantageQuoteOfTodayWaitsForTheClose) {
  // GLOBAL_QUOTE's "latest trading day" is today while the market is open: its price moves.
  ::setenv("ALPHAVANTAGE_API_KEY", "k", 1);
  auto events_at = [](const char* now) {
    TestHttpServer server(
        {{200, ApiFixture("alpha_vantage/RomelTorres_alpha_vantage_test_data/global_quote")}});
    ManualClock clock;
    PollRun run =
        Poll("alphavantage", {{"base-url", server.url()}, {"symbols", "MSFT"}, {"polls", "1"}},
             &clock, [t = At(now)] { return t; });
    EXPECT_TRUE(run.status.ok()) << run.status.ToString();
    return run.events;
  };
  EXPECT_TRUE(events_at("2018-10-05T18:00:00Z").empty()) << "14:00 EDT of the quote's day";
  const std::vector<Event> after = events_at("2018-10-05T20:15:00Z");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(Payload(after[0]).GetString("event_time", ""), "2018-10-05T20:00:00.000000Z");
  ::unsetenv("ALPHAVANTAGE_API_KEY");
}

// A CoinGecko tick is final as it is, even stamped a little ahead of this machine's clock
// (skew): it was held as "not complete yet" and silently dropped.
TEST(ApiPollerCompleteTest, ACoinGeckoTickAheadOfTheClockIsEmitted) {
  TestHttpServer server({{200, R"({"bitcoin":{"usd":67000.5,"last_updated_at":1704205805}})"}});
  ManualClock clock;
  PollRun run = Poll("coingecko", {{"base-url", server.url()}, {"symbols", "bitcoin=BTC"}, {"polls", "1"}},
                     &clock, [t = At("2024-01-02T14:30:00Z")] { return t; });
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.events.size(), 1u);
}

}  // namespace
}  // namespace financelake::sources
