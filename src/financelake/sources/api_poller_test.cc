#include "financelake/sources/api_poller.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/io/memory_filesystem.h"
#include "financelake/sources/api_parsers.h"
#include "financelake/sources/api_test_util.h"
#include "financelake/sources/csv_source.h"
#include "financelake/sources/test_http_server.h"

namespace financelake::sources {
namespace {

using testing::ApiFixture;
using testing::CannedResponse;
using testing::Poll;
using testing::PollRun;
using testing::TestHttpServer;

Json Payload(const Event& e) {
  auto j = Json::Parse(e.payload);
  EXPECT_TRUE(j.ok()) << e.payload;
  return j.ok() ? *j : Json();
}

double Num(const Json& j, const char* key) {
  const Json* v = j.Find(key);
  return v != nullptr && v->is_number() ? v->as_double() : -1;
}

TEST(ApiPollerTest, YahooChartFixtureBecomesBars) {
  const std::string body = ApiFixture(
      "yahoo_finance/node-yahoo-finance2_bodies/chart-AMZN-2020-01-01-to-2020-01-03.body.json");
  TestHttpServer server({{200, body}});
  ManualClock clock;
  PollRun run =
      Poll("yahoo", {{"base-url", server.url()}, {"symbols", "AMZN"}, {"polls", "2"}}, &clock);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  // Two rounds, the same bar: emitted once.
  ASSERT_EQ(run.events.size(), 1u);
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_NE(server.requests()[0].find("GET /v8/finance/chart/AMZN?interval=1d&range=5d "),
            std::string::npos);
  const Event& e = run.events[0];
  EXPECT_EQ(e.topic, Topic::kStockTrades);
  EXPECT_EQ(e.key, "AMZN");
  const Json p = Payload(e);
  EXPECT_EQ(p.GetString("ticker", ""), "AMZN");
  EXPECT_EQ(p.GetString("kind", ""), "bar");
  EXPECT_EQ(p.GetString("source", ""), "yahoo");
  EXPECT_DOUBLE_EQ(Num(p, "open"), 93.75);
  EXPECT_DOUBLE_EQ(Num(p, "close"), 94.90049743652344);
  EXPECT_DOUBLE_EQ(Num(p, "price"), 94.90049743652344);
  EXPECT_DOUBLE_EQ(Num(p, "low"), 93.2074966430664);
  EXPECT_DOUBLE_EQ(Num(p, "volume"), 80580000);
  EXPECT_EQ(p.GetString("event_time", ""), "2020-01-02T21:00:00.000000Z");  // 16:00 New York
  // A fresh run gives the same event id.
  TestHttpServer again({{200, body}});
  ManualClock clock2;
  PollRun run2 =
      Poll("yahoo", {{"base-url", again.url()}, {"symbols", "AMZN"}, {"polls", "1"}}, &clock2);
  ASSERT_EQ(run2.events.size(), 1u);
  EXPECT_EQ(run2.events[0].event_id, e.event_id);
}

TEST(ApiPollerTest, YahooCryptoChartBecomesCryptoBars) {
  TestHttpServer server({{200, ApiFixture("yahoo_finance/node-yahoo-finance2_bodies/"
                                          "chart-BTC-USD-2020-01-01-to-2020-01-03.body.json")}});
  ManualClock clock;
  PollRun run =
      Poll("yahoo", {{"base-url", server.url()}, {"symbols", "BTC-USD"}, {"polls", "1"}}, &clock);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.events.size(), 3u);
  const Json p = Payload(run.events[0]);
  EXPECT_EQ(run.events[0].topic, Topic::kCryptoPrices);
  EXPECT_EQ(p.GetString("symbol", ""), "BTC");
  EXPECT_DOUBLE_EQ(Num(p, "price_usd"), 7200.17431640625);
  EXPECT_EQ(p.GetString("event_time", ""), "2020-01-01T23:59:59.000000Z");
  // docs/events.md: the same bar from a poller and from a replayed file differ only by `source`
  // (and so by event_id); change_24h of a 24/7 daily bar is close vs open in both.
  auto mem = std::make_shared<io::MemoryFileSystem>();
  {
    auto f = mem->NewWritableFile("/BTC-USD.csv").value();
    ASSERT_TRUE(
        f->Append("Date,Open,High,Low,Close,Volume\n2020-01-01,7194.89208984375,7254.33056640625,"
                  "7174.9443359375,7200.17431640625,18565664997\n")
            .ok());
    ASSERT_TRUE(f->Close().ok());
  }
  CsvSourceOptions o;
  o.paths = {"/BTC-USD.csv"};
  o.fs = mem;
  auto csv = MakeCsvSource(o);
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  std::vector<Event> replayed;
  ASSERT_EQ(*(*csv)->NextBatch(&replayed, 10), 1u);
  const Json& polled = p;
  const Json from_file = Payload(replayed[0]);
  EXPECT_NEAR(Num(polled, "change_24h"), (7200.17431640625 / 7194.89208984375 - 1) * 100, 1e-6)
      << run.events[0].payload;
  ASSERT_EQ(polled.size(), from_file.size()) << run.events[0].payload << "\n"
                                             << replayed[0].payload;
  for (size_t i = 0; i < polled.size(); ++i) {
    const auto& [name, value] = polled.members()[i];
    if (name == "event_id" || name == "source") continue;
    EXPECT_EQ(name, from_file.members()[i].first);
    EXPECT_EQ(value.Dump(), from_file.members()[i].second.Dump()) << name;
  }
}

TEST(ApiPollerTest, AlphaVantageGlobalQuoteWithKeyFromEnvNeverLogged) {
  ::setenv("ALPHAVANTAGE_API_KEY", "s3cr3t-key", 1);
  TestHttpServer server(
      {{500, "oops"},
       {200, ApiFixture("alpha_vantage/RomelTorres_alpha_vantage_test_data/global_quote")}});
  ManualClock clock;
  PollRun run = Poll("alphavantage",
                     {{"base-url", server.url()}, {"symbols", "MSFT"}, {"polls", "1"}}, &clock);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.events.size(), 1u);
  const Json p = Payload(run.events[0]);
  EXPECT_EQ(p.GetString("ticker", ""), "MSFT");
  EXPECT_DOUBLE_EQ(Num(p, "price"), 112.13);
  EXPECT_DOUBLE_EQ(Num(p, "open"), 112.63);
  EXPECT_DOUBLE_EQ(Num(p, "volume"), 29062853);
  EXPECT_EQ(p.GetString("event_time", ""), "2018-10-05T20:00:00.000000Z");
  // The key reached the server, and appears nowhere in what we print.
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_NE(server.requests()[1].find("apikey=s3cr3t-key"), std::string::npos);
  ASSERT_EQ(run.log.size(), 1u);
  EXPECT_EQ(run.log[0].find("s3cr3t"), std::string::npos) << run.log[0];
  EXPECT_NE(run.log[0].find("apikey=REDACTED"), std::string::npos) << run.log[0];
  EXPECT_NE(run.log[0].find("HTTP 500"), std::string::npos) << run.log[0];
}

TEST(ApiPollerTest, AlphaVantageQuotaNoteIsRateLimitingNotData) {
  ::setenv("ALPHAVANTAGE_API_KEY", "k", 1);
  TestHttpServer server(
      {{200,
        R"({"Note":"Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute"})"}});
  ManualClock clock;
  PollRun run =
      Poll("alphavantage",
           {{"base-url", server.url()}, {"symbols", "MSFT"}, {"polls", "1"}, {"max-retries", "2"}},
           &clock);
  ASSERT_FALSE(run.status.ok());
  EXPECT_TRUE(run.events.empty());
  EXPECT_NE(run.status.message().find("rate limited"), std::string::npos) << run.status.message();
  EXPECT_NE(run.status.message().find("no data was made up"), std::string::npos);
  EXPECT_EQ(server.requests().size(), 3u);
  ::unsetenv("ALPHAVANTAGE_API_KEY");
  PollRun nokey = Poll("alphavantage", {{"base-url", server.url()}}, &clock);
  EXPECT_NE(nokey.status.message().find("ALPHAVANTAGE_API_KEY"), std::string::npos);
}

TEST(ApiPollerTest, TooManyRequestsHonoursRetryAfterThenSucceeds) {
  TestHttpServer server(
      {{429, R"({"status":{"error_code":429,"error_message":"You've exceeded the Rate Limit"}})",
        "Retry-After: 30\r\n"},
       {200, ApiFixture("coingecko/go-gecko_fixtures/simple_price.json")}});
  ManualClock clock(1'000'000'000);
  PollRun run = Poll("coingecko",
                     {{"base-url", server.url()},
                      {"symbols", "bitcoin=BTC,ethereum=ETH"},
                      {"polls", "1"},
                      {"min-request-interval-s", "0"}},
                     &clock);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.events.size(), 2u);
  EXPECT_GE(clock.NowMicros() - 1'000'000'000, 30'000'000) << "waited per Retry-After";
  ASSERT_EQ(run.log.size(), 1u);
  EXPECT_NE(run.log[0].find("HTTP 429"), std::string::npos);
  EXPECT_NE(run.log[0].find("in 30.0 s"), std::string::npos) << run.log[0];
  const Json btc = Payload(run.events[0]);
  EXPECT_EQ(btc.GetString("symbol", ""), "BTC");
  EXPECT_DOUBLE_EQ(Num(btc, "price_usd"), 5005.73);
  EXPECT_EQ(Payload(run.events[1]).GetString("symbol", ""), "ETH");
  EXPECT_NE(server.requests()[1].find("ids=bitcoin,ethereum&vs_currencies=usd"), std::string::npos);
}

TEST(ApiPollerTest, PersistentServerErrorsGiveUpWithAClearError) {
  TestHttpServer server({{503, "busy"}});
  ManualClock clock;
  PollRun run =
      Poll("yahoo",
           {{"base-url", server.url()}, {"symbols", "AAPL"}, {"polls", "1"}, {"max-retries", "3"}},
           &clock);
  ASSERT_FALSE(run.status.ok());
  EXPECT_TRUE(run.events.empty());
  EXPECT_NE(run.status.message().find("HTTP 503"), std::string::npos) << run.status.message();
  EXPECT_NE(run.status.message().find("gave up after 3 retries"), std::string::npos);
  EXPECT_EQ(server.requests().size(), 4u);
  EXPECT_EQ(run.log.size(), 3u);
}

TEST(ApiPollerTest, TimeoutsAreRetried) {
  TestHttpServer server(
      {{200, "", "", true},
       {200, ApiFixture("coingecko/go-gecko_fixtures/simple_single_price.json")}});
  ManualClock clock;
  PollRun run = Poll(
      "coingecko",
      {{"base-url", server.url()}, {"symbols", "bitcoin"}, {"polls", "1"}, {"timeout-ms", "2000"}},
      &clock);
  ASSERT_TRUE(run.status.ok()) << run.status.ToString();
  ASSERT_EQ(run.events.size(), 1u);
  EXPECT_EQ(Payload(run.events[0]).GetString("symbol", ""), "BITCOIN");
  ASSERT_EQ(run.log.size(), 1u);
  EXPECT_NE(run.log[0].find("timed out"), std::string::npos) << run.log[0];
  EXPECT_EQ(run.log[0].rfind("coingecko: http: GET ", 0), 0u) << run.log[0];
}

TEST(ApiPollerTest, MalformedResponsesAreErrorsWithNothingEmitted) {
  for (
      const std::string& body :
      {std::string("{not json"),
       std::string(
           R"({"chart":{"result":null,"error":{"code":"Not Found","description":"No data found, symbol may be delisted"}}})"),
       std::string(
           R"({"chart":{"result":[{"meta":{"symbol":"X"},"timestamp":["a"],"indicators":{"quote":[{"close":[1]}]}}]}})")}) {
    TestHttpServer server({{200, body}});
    ManualClock clock;
    PollRun run =
        Poll("yahoo", {{"base-url", server.url()}, {"symbols", "X"}, {"polls", "1"}}, &clock);
    EXPECT_FALSE(run.status.ok()) << body;
    EXPECT_TRUE(run.events.empty()) << body;
    EXPECT_EQ(server.requests().size(), 1u) << "a malformed answer is not retried: " << body;
  }
}

TEST(ApiPollerTest, ACoinIdTheApiDoesNotKnowFailsAtTheFirstPoll) {
  // CoinGecko answers {} for an id it does not know: a typo must not idle forever with rc 0.
  TestHttpServer server({{200, "{}"}});
  ManualClock clock;
  PollRun run = Poll("coingecko",
                     {{"base-url", server.url()}, {"symbols", "bitcon"}, {"polls", "2"}}, &clock);
  ASSERT_FALSE(run.status.ok());
  EXPECT_TRUE(run.events.empty());
  EXPECT_NE(run.status.message().find("no price for 'bitcon'"), std::string::npos)
      << run.status.message();
  EXPECT_EQ(server.requests().size(), 1u) << "not retried, not polled again";
}

TEST(ApiPollerTest, BadFlagsNameTheFlag) {
  EXPECT_NE(ParsePollerOptions("yahoo", {{"polls", "x"}}).status().message().find("--polls"),
            std::string::npos);
  EXPECT_NE(ParsePollerOptions("yahoo", {{"seed", "1"}}).status().message().find("--seed"),
            std::string::npos);
  // Values that would wrap the int they end in, or be truncated, are refused, not reinterpreted.
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"max-retries", "3000000000"},
           {"timeout-ms", "3000000000"},
           {"polls", "1.7"},
           {"max-retries", "2.5"},
           {"polls", "0"}}) {  // 0 polls would never end: an endless poller is --polls left out
    auto r = ParsePollerOptions("yahoo", {{"symbols", "AAPL"}, {flag, value}});
    ASSERT_FALSE(r.ok()) << flag << "=" << value;
    EXPECT_NE(r.status().message().find("--" + flag), std::string::npos) << r.status().message();
  }
  // Symbols: printable, no spaces; a CoinGecko mapping has both sides.
  for (const auto& [api, symbols] :
       std::vector<std::pair<std::string, std::string>>{{"coingecko", "bitcoin="},
                                                        {"coingecko", "=BTC"},
                                                        {"coingecko", "a=b=c"},
                                                        {"yahoo", "AA PL"},
                                                        {"alphavantage", "MS\tFT"}}) {
    auto r = ParsePollerOptions(api, {{"symbols", symbols}});
    ASSERT_FALSE(r.ok()) << api << " " << symbols;
    EXPECT_NE(r.status().message().find("--symbols"), std::string::npos) << r.status().message();
  }
  EXPECT_TRUE(ParsePollerOptions("coingecko", {{"symbols", "bitcoin=BTC,ethereum"}}).ok());
  EXPECT_TRUE(ParsePollerOptions("yahoo", {{"symbols", "^GSPC,BRK-B,7203.T,BTC-USD"}}).ok());
  auto fine =
      ParsePollerOptions("yahoo", {{"symbols", "AAPL"}, {"max-retries", "1000"}, {"polls", "3"}});
  ASSERT_TRUE(fine.ok()) << fine.status().ToString();
  EXPECT_EQ(fine->max_retries, 1000);
}

TEST(ApiPollerTest, FlagsThatMakeNoSenseFailAtStartNamingTheFlag) {
  // Each used to be accepted and fail only after requests (and their retries), or never.
  for (const auto& [api, flag, value, fragment] :
       std::vector<std::tuple<std::string, std::string, std::string, std::string>>{
           {"alphavantage", "function", "BOGUS",
            "'BOGUS' is not one of GLOBAL_QUOTE, TIME_SERIES_DAILY"},
           {"alphavantage", "function", "TIME_SERIES_WEEKLY", "is not one of"},
           {"yahoo", "range", "7x", "'7x' is not one of 1d, 5d"},
           {"yahoo", "interval", "9q", "'9q' is not one of 1m"},
           {"yahoo", "interval", "1wk", "is not one of"},
           {"yahoo", "range", "1d", "holds only today's bar"},
           {"coingecko", "range", "5d", "only for --source yahoo"},
           {"yahoo", "function", "GLOBAL_QUOTE", "only for --source alphavantage"},
           {"alphavantage", "interval", "5min", "only for --function TIME_SERIES_INTRADAY"},
           {"yahoo", "base-url", "notaurl", "'notaurl' is not a URL"},
           {"yahoo", "base-url", "ftp://example.com", "not an http or https URL"},
           {"yahoo", "base-url", "http://", "'http://'"},
           {"yahoo", "base-url", "http://example.com/x?apikey=1", "has a query"},
           {"coingecko", "base-url", "http://exa mple.com", "is not a URL"}}) {
    auto o = ParsePollerOptions(api, {{flag, value}});
    ASSERT_FALSE(o.ok()) << api << " --" << flag << " " << value;
    EXPECT_EQ(o.status().message().rfind("--" + flag + ": ", 0), 0u) << o.status().message();
    EXPECT_NE(o.status().message().find(fragment), std::string::npos) << o.status().message();
  }
  auto intraday = ParsePollerOptions("alphavantage", {{"function", "TIME_SERIES_INTRADAY"}});
  ASSERT_TRUE(intraday.ok()) << intraday.status().ToString();
  EXPECT_EQ(intraday->interval, "5min") << "AV has no 1d intraday interval";
  auto yahoo = ParsePollerOptions(
      "yahoo", {{"base-url", "http://127.0.0.1:8080/"}, {"range", "1mo"}, {"interval", "30m"}});
  ASSERT_TRUE(yahoo.ok()) << yahoo.status().ToString();
  EXPECT_EQ(yahoo->base_url, "http://127.0.0.1:8080");
  EXPECT_EQ(yahoo->interval, "30m");
}

TEST(ApiPollerTest, SymbolsAreNormalisedToTheContractOrRefused) {
  auto symbols = [](const std::string& api, const std::string& list) {
    auto o = ParsePollerOptions(api, {{"symbols", list}});
    EXPECT_TRUE(o.ok()) << api << " " << list << ": " << o.status().ToString();
    return o.ok() ? o->symbols : std::vector<std::string>{};
  };
  EXPECT_EQ(symbols("yahoo", "aapl,brk-b,7203.t"),
            (std::vector<std::string>{"AAPL", "BRK-B", "7203.T"}));
  EXPECT_EQ(symbols("alphavantage", "msft,"), (std::vector<std::string>{"MSFT"}));
  // Yahoo's crypto pairs take the crypto symbol rule (2-10), not the ticker's 1-7 base.
  EXPECT_EQ(symbols("yahoo", "sui20947-usd,BTC-USD"),
            (std::vector<std::string>{"SUI20947-USD", "BTC-USD"}));
  EXPECT_EQ(symbols("coingecko", "Bitcoin,usd-coin=usdc,wrapped-bitcoin=WBTC"),
            (std::vector<std::string>{"bitcoin=BITCOIN", "usd-coin=USDC", "wrapped-bitcoin=WBTC"}));
  auto refused = [](const std::string& api, const std::string& list, const std::string& fragment) {
    auto o = ParsePollerOptions(api, {{"symbols", list}});
    ASSERT_FALSE(o.ok()) << api << " " << list;
    EXPECT_EQ(o.status().message().rfind("--symbols: ", 0), 0u) << o.status().message();
    EXPECT_NE(o.status().message().find(fragment), std::string::npos) << o.status().message();
  };
  // An id without a symbol becomes its upper-cased self, which must be a crypto symbol.
  refused("coingecko", "usd-coin", "give its symbol: usd-coin=SYMBOL");
  refused("coingecko", "wrapped-bitcoin", "'WRAPPED-BITCOIN'");
  refused("coingecko", "bitcoin=B", "crypto symbol 'B'");
  refused("coingecko", "bitcoin=BTC,wrapped-bitcoin=btc", "'BTC' is the symbol of two coins");
  refused("coingecko", "bitcoin,BITCOIN", "'bitcoin' is listed twice");
  refused("yahoo", "EURUSD=X", "ticker 'EURUSD=X'");
  refused("yahoo", "AAPL,aapl", "'AAPL' is listed twice");
  refused("alphavantage", "RELIANCE.BSE", "ticker 'RELIANCE.BSE'");
  refused("alphavantage", "SUI20947-USD", "ticker 'SUI20947-USD'");
  refused("yahoo", ",,", "',,' has an empty entry");
  refused("yahoo", "AAPL,,MSFT", "has an empty entry");
  refused("coingecko", "", "names no symbol");
}

TEST(ApiPollerTest, AResponseForASymbolThatBreaksTheContractFails) {
  // Yahoo's forex pairs are not stocks; a response naming one (or a crypto pair not in USD)
  // would give events whose key breaks the contract.
  TestHttpServer server({{200, ApiFixture("yahoo_finance/node-yahoo-finance2_bodies/"
                                          "chart-EURUSD=X-2020-01-01-to-2020-01-03.body.json")}});
  ManualClock clock;
  PollRun run =
      Poll("yahoo", {{"base-url", server.url()}, {"symbols", "EURUSD"}, {"polls", "1"}}, &clock);
  ASSERT_FALSE(run.status.ok());
  EXPECT_TRUE(run.events.empty());
  EXPECT_NE(run.status.message().find("ticker 'EURUSD=X'"), std::string::npos)
      << run.status.message();
}

TEST(ApiPollerTest, AnOversizedResponseIsRefusedNotBuffered) {
  TestHttpServer server({{200, std::string((size_t{64} << 20) + 1, ' ')}});
  ManualClock clock;
  PollRun run =
      Poll("yahoo",
           {{"base-url", server.url()}, {"symbols", "AAPL"}, {"polls", "1"}, {"max-retries", "0"}},
           &clock);
  ASSERT_FALSE(run.status.ok());
  EXPECT_TRUE(run.events.empty());
  EXPECT_NE(run.status.message().find("larger than 64 MiB"), std::string::npos)
      << run.status.message();
}

}  // namespace
}  // namespace financelake::sources
