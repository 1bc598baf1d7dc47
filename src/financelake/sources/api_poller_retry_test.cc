// The pollers' request discipline against a local server: exponential backoff with jitter,
// Retry-After as an HTTP date, request spacing, a quota notice followed by data, and API keys
// that reach the server but never a log line or an error. A ManualClock makes the waits instant.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>

#include "financelake/sources/api_poller.h"
#include "financelake/sources/api_test_util.h"
#include "financelake/sources/test_http_server.h"

namespace financelake::sources {
namespace {

using testing::ApiFixture;
using testing::Poll;
using testing::PollRun;
using testing::TestHttpServer;

// The "in X s" of a retry log line.
double Delay(const std::string& line) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(line, m, std::regex(R"(retry \d+/\d+ in ([0-9.]+) s)"))) << line;
  return m.empty() ? -1 : std::stod(m[1]);
}

const char* kYahooBody =
    "yahoo_finance/node-yahoo-finance2_bodies/chart-AMZN-2020-01-01-to-2020-01-03.body.json";

TEST(ApiPollerRetryTest, BackoffDoublesWithJitterThenSucceeds) {
  TestHttpServer server({{503, "busy"},
                         {502, "bad gateway"},
                         {500, "oops"},
                         {504, "late"},
                         {200, ApiFixture(kYahooBody)}});
  ManualClock clock;
  PollRun run = Poll("yahoo",
                     {{"base-url", server.url()},
                      {"symbols", "AMZN"},
                      {"polls", "1"},
                      {"max-retries", "4"},
                      {"min-request-interval-s", "0"}},
                     &clock);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(run.events.size(), 1u);
  EXPECT_EQ(server.requests().size(), 5u);
  ASSERT_EQ(run.log.size(), 4u);
  double total = 0;
  for (int i = 0; i < 4; ++i) {
    const double d = Delay(run.log[i]);
    const double base = 1 << i;  // 1, 2, 4, 8 s, +-20% jitter
    EXPECT_GE(d, 0.8 * base - 0.05) << run.log[i];
    EXPECT_LE(d, 1.2 * base + 0.05) << run.log[i];
    EXPECT_NE(run.log[i].find(fmt::format("retry {}/4", i + 1)), std::string::npos) << run.log[i];
    total += d;
  }
  EXPECT_NE(run.log[0].find("HTTP 503"), std::string::npos) << run.log[0];
  EXPECT_NE(run.log[3].find("HTTP 504"), std::string::npos) << run.log[3];
  EXPECT_GE(clock.NowMicros(), static_cast<int64_t>((total - 0.5) * 1e6)) << "the waits were slept";
}

TEST(ApiPollerRetryTest, RetryAfterAsAnHttpDateIsHonoured) {
  char date[64];
  const std::time_t at = std::time(nullptr) + 40;
  std::tm tm{};
  gmtime_r(&at, &tm);
  std::strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  TestHttpServer server({{429, "slow down", std::string("Retry-After: ") + date + "\r\n"},
                         {200, ApiFixture(kYahooBody)}});
  ManualClock clock;
  PollRun run =
      Poll("yahoo", {{"base-url", server.url()}, {"symbols", "AMZN"}, {"polls", "1"}}, &clock);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.log.size(), 1u);
  const double d = Delay(run.log[0]);
  EXPECT_GE(d, 37) << run.log[0];
  EXPECT_LE(d, 41) << run.log[0];
  EXPECT_GE(clock.NowMicros(), 37'000'000);
}

TEST(ApiPollerRetryTest, RequestsAndRoundsAreSpaced) {
  ::setenv("ALPHAVANTAGE_API_KEY", "spacing-test-key", 1);
  TestHttpServer server(
      {{200, ApiFixture("alpha_vantage/RomelTorres_alpha_vantage_test_data/global_quote")}});
  ManualClock clock;
  // Two symbols, three rounds: six requests at least 12 s apart (the free tier's 5 a minute).
  PollRun run = Poll(
      "alphavantage",
      {{"base-url", server.url()}, {"symbols", "MSFT,IBM"}, {"polls", "3"}, {"interval-s", "5"}},
      &clock);
  ::unsetenv("ALPHAVANTAGE_API_KEY");
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  EXPECT_EQ(server.requests().size(), 6u);
  EXPECT_GE(clock.NowMicros(), 5 * 12'000'000);
  EXPECT_EQ(run.events.size(), 1u) << "the same quote in every answer is emitted once";
  EXPECT_TRUE(run.log.empty());
}

TEST(ApiPollerRetryTest, AQuotaNoticeIsWaitedOutAndNothingInvented) {
  ::setenv("ALPHAVANTAGE_API_KEY", "quota-test-key", 1);
  TestHttpServer server(
      {{200,
        R"({"Note":"Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute."})"},
       {200, ApiFixture("alpha_vantage/RomelTorres_alpha_vantage_test_data/global_quote")}});
  ManualClock clock;
  PollRun run = Poll("alphavantage",
                     {{"base-url", server.url()}, {"symbols", "MSFT"}, {"polls", "1"}}, &clock);
  ::unsetenv("ALPHAVANTAGE_API_KEY");
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.events.size(), 1u);
  ASSERT_EQ(run.log.size(), 1u);
  EXPECT_NE(run.log[0].find("rate limited: Thank you for using Alpha Vantage"), std::string::npos)
      << run.log[0];
  EXPECT_GE(clock.NowMicros(), 12'000'000) << "the next request still respects the spacing";
}

TEST(ApiPollerRetryTest, CoinGeckoKeyIsSentButNeverPrinted) {
  const std::string key = "CG-sekrit-0123456789";
  ::setenv("COINGECKO_API_KEY", key.c_str(), 1);
  // A transient failure (logged), then a 4xx whose body echoes the key (the error).
  TestHttpServer server({{503, "busy"}, {401, R"({"error":"invalid key )" + key + R"("})"}});
  ManualClock clock;
  PollRun run = Poll("coingecko",
                     {{"base-url", server.url()}, {"symbols", "bitcoin"}, {"polls", "1"}}, &clock);
  ::unsetenv("COINGECKO_API_KEY");
  ASSERT_FALSE(run.status.ok());
  EXPECT_TRUE(run.events.empty());
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_NE(server.requests()[0].find("x-cg-demo-api-key: " + key), std::string::npos)
      << server.requests()[0];
  EXPECT_NE(run.status.message().find("HTTP 401"), std::string::npos) << run.status.message();
  EXPECT_EQ(run.status.message().find("sekrit"), std::string::npos) << run.status.message();
  EXPECT_NE(run.status.message().find("REDACTED"), std::string::npos) << run.status.message();
  ASSERT_EQ(run.log.size(), 1u);
  EXPECT_EQ(run.log[0].find("sekrit"), std::string::npos) << run.log[0];
}

TEST(ApiPollerRetryTest, ShortAndUrlEncodedKeysAreNeverPrinted) {
  // A short key echoed in a quota notice (logged), then a 400 echoing an encoded key (the error).
  for (const std::string key : {"K7Q2ZP1", "abc+def/ghi=jk"}) {
    ::setenv("ALPHAVANTAGE_API_KEY", key.c_str(), 1);
    const std::string encoded = key == "K7Q2ZP1" ? key : "abc%2Bdef%2Fghi%3Djk";
    TestHttpServer server(
        {{200, R"({"Information":"The API key )" + key + R"( has reached its daily limit"})"},
         {400, "bad request /query?symbol=MSFT&apikey=" + encoded}});
    ManualClock clock;
    PollRun run = Poll("alphavantage",
                       {{"base-url", server.url()}, {"symbols", "MSFT"}, {"polls", "1"}}, &clock);
    ::unsetenv("ALPHAVANTAGE_API_KEY");
    ASSERT_FALSE(run.status.ok()) << key;
    EXPECT_NE(run.status.message().find("HTTP 400"), std::string::npos) << run.status.message();
    for (const std::string& secret : {key, encoded}) {
      EXPECT_EQ(run.status.message().find(secret), std::string::npos) << run.status.message();
      for (const std::string& line : run.log)
        EXPECT_EQ(line.find(secret), std::string::npos) << line;
    }
    EXPECT_FALSE(run.log.empty());
  }
}

TEST(ApiPollerRetryTest, AKeyEchoedWhereTheBodyIsCutIsNeverPrintedInPart) {
  // An error body is shortened for the message; a key that straddles the cut must not leave its
  // first characters behind.
  const std::string key = "ZQ7XK2M9PL4WBN8R";
  ::setenv("ALPHAVANTAGE_API_KEY", key.c_str(), 1);
  for (size_t at = 185; at < 200; at += 3) {
    const std::string echo = "apikey=" + key;
    const std::string body =
        R"({"Error Message":")" + std::string(at - 18 - 7, 'x') + echo + R"("})";
    ASSERT_EQ(body.find(key), at);
    TestHttpServer server({{400, body}});
    ManualClock clock;
    PollRun run = Poll("alphavantage",
                       {{"base-url", server.url()}, {"symbols", "MSFT"}, {"polls", "1"}}, &clock);
    ASSERT_FALSE(run.status.ok());
    EXPECT_NE(run.status.message().find("HTTP 400"), std::string::npos) << run.status.message();
    EXPECT_EQ(run.status.message().find(key.substr(0, 4)), std::string::npos)
        << at << ": " << run.status.message();
  }
  ::unsetenv("ALPHAVANTAGE_API_KEY");
}

TEST(ApiPollerRetryTest, TheKeyHeaderDoesNotFollowARedirectToAnotherHost) {
  ::setenv("COINGECKO_API_KEY", "CG-supersecret", 1);
  TestHttpServer other({{200, ApiFixture("coingecko/go-gecko_fixtures/simple_price.json")}});
  const std::string elsewhere =
      "http://localhost:" + other.url().substr(other.url().rfind(':') + 1);
  TestHttpServer api(
      {{302, "", "Location: " + elsewhere + "/api/v3/simple/price?ids=bitcoin\r\n"}});
  ManualClock clock;
  PollRun run = Poll("coingecko",
                     {{"base-url", api.url()}, {"symbols", "bitcoin=BTC"}, {"polls", "1"}}, &clock);
  ::unsetenv("COINGECKO_API_KEY");
  ASSERT_FALSE(run.status.ok());
  EXPECT_TRUE(run.events.empty());
  EXPECT_TRUE(other.requests().empty()) << "the key went to another host";
  EXPECT_NE(run.status.message().find("HTTP 302: redirect to http://localhost:"), std::string::npos)
      << run.status.message();
  EXPECT_NE(run.status.message().find("not followed"), std::string::npos) << run.status.message();
  EXPECT_EQ(api.requests().size(), 1u) << "a refused redirect is an answer, not retried";
}

TEST(ApiPollerRetryTest, RefusedConnectionsAreRetriedThenFailClearly) {
  int port = 0;
  {
    TestHttpServer gone({{200, "{}"}});
    port = std::stoi(gone.url().substr(gone.url().rfind(':') + 1));
  }  // closed: nothing listens there now
  ManualClock clock;
  PollRun run = Poll("yahoo",
                     {{"base-url", "http://127.0.0.1:" + std::to_string(port)},
                      {"symbols", "AAPL"},
                      {"polls", "1"},
                      {"max-retries", "2"}},
                     &clock);
  ASSERT_FALSE(run.status.ok());
  EXPECT_TRUE(run.status.code() == StatusCode::kUnavailable) << run.status.ToString();
  EXPECT_NE(run.status.message().find("gave up after 2 retries"), std::string::npos)
      << run.status.message();
  EXPECT_EQ(run.log.size(), 2u);
}

// Found by a hunt: a symbol whose request failed for good threw away what the round's earlier
// requests had fetched (an API may not serve it again). Those events come first, then the error.
TEST(ApiPollerRetryTest, OneFailingSymbolKeepsTheRoundsOtherEvents) {
  TestHttpServer server({{200, ApiFixture(kYahooBody)}, {503, "busy"}, {503, "busy"}});
  ManualClock clock;
  PollRun run = Poll("yahoo",
                     {{"base-url", server.url()},
                      {"symbols", "AMZN,MSFT"},
                      {"polls", "1"},
                      {"max-retries", "1"},
                      {"min-request-interval-s", "0"}},
                     &clock);
  ASSERT_FALSE(run.status.ok());
  EXPECT_NE(run.status.message().find("HTTP 503"), std::string::npos) << run.status.message();
  ASSERT_EQ(run.events.size(), 1u) << "AMZN's bar, fetched before MSFT failed";
  EXPECT_NE(run.events[0].payload.find("AMZN"), std::string::npos) << run.events[0].payload;
  EXPECT_EQ(server.requests().size(), 3u);
  // Logged when it happens too (a run stopped before it asks for more would not report it).
  ASSERT_FALSE(run.log.empty());
  EXPECT_NE(run.log.back().find("handing out what the round fetched first"), std::string::npos)
      << run.log.back();
}

}  // namespace
}  // namespace financelake::sources
