// The API parsers against recorded responses (shared/fixtures/api_responses): every value an
// event carries is compared with the number read from the fixture itself.
#include "financelake/sources/api_parsers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "financelake/base/json.h"
#include "financelake/sources/api_test_util.h"
#include "financelake/sources/event_time.h"

namespace financelake::sources {
namespace {

using testing::ApiFixture;

Json Parsed(std::string_view text) {
  auto j = Json::Parse(text);
  EXPECT_TRUE(j.ok()) << text.substr(0, 200);
  return j.ok() ? *j : Json();
}

double Num(const Json& j, const char* key) {
  const Json* v = j.Find(key);
  if (v == nullptr) return NAN;
  if (v->is_number()) return v->as_double();
  if (v->is_string()) return std::strtod(v->as_string().c_str(), nullptr);
  return NAN;
}

TEST(ApiParsersTest, AlphaVantageIntradaySeriesMatchesTheFixture) {
  const std::string body =
      ApiFixture("alpha_vantage/RomelTorres_alpha_vantage_test_data/mock_time_series");
  EventSerializer out("alphavantage");
  auto parsed = ParseAlphaVantage(body, out);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->quota_message.empty());
  const Json fixture = Parsed(body);
  const Json* series = fixture.Find("Time Series (1min)");
  ASSERT_NE(series, nullptr);
  ASSERT_EQ(parsed->events.size(), series->size());
  ASSERT_EQ(parsed->events.size(), 100u);
  std::set<std::string> ids;
  // The fixture lists the series newest first, as the API does; the events come oldest first.
  ASSERT_GT(series->members().front().first, series->members().back().first);
  for (size_t i = 0; i < parsed->events.size(); ++i) {
    const Event& e = parsed->events[i];
    const auto& [key, bar] = series->members()[series->size() - 1 - i];
    const Json p = Parsed(e.payload);
    if (i > 0) {
      EXPECT_GT(e.event_time.value(), parsed->events[i - 1].event_time.value()) << key;
    }
    EXPECT_EQ(e.topic, Topic::kStockTrades);
    EXPECT_EQ(e.key, "MSFT");
    EXPECT_EQ(p.GetString("source", ""), "alphavantage");
    EXPECT_DOUBLE_EQ(Num(p, "close"), Num(bar, "4. close")) << key;
    EXPECT_DOUBLE_EQ(Num(p, "open"), Num(bar, "1. open"));
    EXPECT_DOUBLE_EQ(Num(p, "high"), Num(bar, "2. high"));
    EXPECT_DOUBLE_EQ(Num(p, "low"), Num(bar, "3. low"));
    EXPECT_DOUBLE_EQ(Num(p, "volume"), Num(bar, "5. volume"));
    ids.insert(e.event_id);
  }
  EXPECT_EQ(ids.size(), 100u) << "one id per bar";
  // "2017-12-18 14:56:00" US/Eastern (EST, UTC-5), the newest bar, is 19:56 UTC.
  EXPECT_EQ(Parsed(parsed->events.back().payload).GetString("event_time", ""),
            "2017-12-18T19:56:00.000000Z");
  // Parsing the same response again gives the same ids.
  EventSerializer again("alphavantage");
  auto twice = ParseAlphaVantage(body, again);
  ASSERT_TRUE(twice.ok());
  for (size_t i = 0; i < twice->events.size(); ++i)
    EXPECT_EQ(twice->events[i].event_id, parsed->events[i].event_id);
}

TEST(ApiParsersTest, AlphaVantageDailySeriesIsStampedAtTheNewYorkClose) {
  const std::string body = R"J({"Meta Data":{"1. Information":"Daily Prices","2. Symbol":"IBM"},
    "Time Series (Daily)":{"2024-07-01":{"1. open":"172.0","2. high":"173.5","3. low":"170.1","4. close":"171.2","5. volume":"3000000"}}})J";
  EventSerializer out("alphavantage");
  auto parsed = ParseAlphaVantage(body, out);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->events.size(), 1u);
  const Json p = Parsed(parsed->events[0].payload);
  EXPECT_EQ(p.GetString("event_time", ""), "2024-07-01T20:00:00.000000Z");  // 16:00 EDT
  EXPECT_DOUBLE_EQ(Num(p, "close"), 171.2);
  EXPECT_DOUBLE_EQ(Num(p, "volume"), 3000000);
}

TEST(ApiParsersTest, QuotaNoticesAreNotData) {
  EventSerializer out("x");
  auto info = ParseAlphaVantage(
      R"({"Information":"Our standard API rate limit is 25 requests per day."})", out);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->events.empty());
  EXPECT_NE(info->quota_message.find("25 requests per day"), std::string::npos);
  auto gecko = ParseCoinGeckoSimplePrice(
      R"({"status":{"error_code":429,"error_message":"You've exceeded the Rate Limit."}})", {}, 0,
      out);
  ASSERT_TRUE(gecko.ok());
  EXPECT_TRUE(gecko->events.empty());
  EXPECT_EQ(gecko->quota_message, "You've exceeded the Rate Limit.");
  auto bad = ParseAlphaVantage(R"({"Error Message":"Invalid API call."})", out);
  EXPECT_TRUE(bad.status().IsInvalidArgument()) << bad.status().ToString();
}

TEST(ApiParsersTest, YahooIntradaySkipsEmptyBarsAndKeepsBarTimes) {
  const std::string body = ApiFixture(
      "yahoo_finance/node-yahoo-finance2_bodies/"
      "chart-AAPL-2024-10-02-to-2024-10-03-includePrePost-false-interval-1m.body.json");
  EventSerializer out("yahoo");
  auto parsed = ParseYahooChart(body, out);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Json doc = Parsed(body);
  const Json& r = doc.Find("chart")->Find("result")->items()[0];
  const Json& ts = *r.Find("timestamp");
  const Json& close = *r.Find("indicators")->Find("quote")->items()[0].Find("close");
  size_t next = 0, nulls = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (close.items()[i].is_null()) {
      ++nulls;
      continue;
    }
    ASSERT_LT(next, parsed->events.size());
    const Event& e = parsed->events[next++];
    EXPECT_EQ(e.event_time.value(), static_cast<int64_t>(ts.items()[i].as_double()) * 1000000);
    EXPECT_DOUBLE_EQ(Num(Parsed(e.payload), "close"), close.items()[i].as_double());
  }
  EXPECT_EQ(next, parsed->events.size());
  EXPECT_EQ(nulls, 1u);
  EXPECT_EQ(parsed->events.size(), 390u);
  // A weekend: no bars, no error.
  auto weekend = ParseYahooChart(
      ApiFixture("yahoo_finance/node-yahoo-finance2_bodies/"
                 "chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.body.json"),
      out);
  ASSERT_TRUE(weekend.ok()) << weekend.status().ToString();
  EXPECT_TRUE(weekend->events.empty());
}

TEST(ApiParsersTest, YahooDailyBarsCarryTheExchangesOwnDate) {
  // Yahoo stamps a daily bar at the session's open in exchange time: 09:00 in Tokyo is 00:00 UTC,
  // the evening before in New York. The bar keeps Tokyo's date (stamped 16:00 New York of it).
  auto times = [](const std::string& meta, const std::string& timestamps) {
    EventSerializer out("yahoo");
    auto r =
        ParseYahooChart(R"({"chart":{"result":[{"meta":)" + meta + R"(,"timestamp":)" + timestamps +
                            R"(,"indicators":{"quote":[{"close":[1,2,3]}]}}],"error":null}})",
                        out);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out_times;
    for (const Event& e : r.ok() ? r->events : std::vector<Event>{}) {
      out_times.push_back(Parsed(e.payload).GetString("event_time", ""));
    }
    return out_times;
  };
  EXPECT_EQ(
      times(
          R"({"symbol":"7203.T","exchangeTimezoneName":"Asia/Tokyo","gmtoffset":32400,"dataGranularity":"1d"})",
          "[1704326400,1704412800]"),
      (std::vector<std::string>{"2024-01-04T21:00:00.000000Z", "2024-01-05T21:00:00.000000Z"}));
  // London stamped at midnight BST (23:00 UTC the day before), read with the winter offset the
  // response carries: still its own date.
  EXPECT_EQ(
      times(
          R"({"symbol":"VOD.L","exchangeTimezoneName":"Europe/London","gmtoffset":0,"dataGranularity":"1d"})",
          "[1688338800]"),
      (std::vector<std::string>{"2023-07-03T20:00:00.000000Z"}));
  // New York itself, and a response without an offset: New York's rules as before.
  EXPECT_EQ(
      times(
          R"({"symbol":"AAPL","exchangeTimezoneName":"America/New_York","gmtoffset":-18000,"dataGranularity":"1d"})",
          "[1704205800]"),
      (std::vector<std::string>{"2024-01-02T21:00:00.000000Z"}));
  EXPECT_EQ(times(R"({"symbol":"AAPL","dataGranularity":"1d"})", "[1704205800]"),
            (std::vector<std::string>{"2024-01-02T21:00:00.000000Z"}));
  // An offset without the zone's name is still the exchange's offset (it fell back to New York).
  EXPECT_EQ(times(R"({"symbol":"7203.T","gmtoffset":32400,"dataGranularity":"1d"})", "[1704326400]"),
            (std::vector<std::string>{"2024-01-04T21:00:00.000000Z"}));
  // The recorded Xetra response (summer bars, winter offset in meta).
  EventSerializer out("yahoo");
  auto de = ParseYahooChart(ApiFixture("yahoo_finance/node-yahoo-finance2_bodies/"
                                       "chart-WSU.DE-2023-08-04-to-2023-08-09.body.json"),
                            out);
  ASSERT_TRUE(de.ok()) << de.status().ToString();
  ASSERT_EQ(de->events.size(), 3u);
  EXPECT_EQ(Parsed(de->events[1].payload).GetString("event_time", ""),
            "2023-08-07T20:00:00.000000Z");
}

TEST(ApiParsersTest, BarsSayWhenTheyAreComplete) {
  EventSerializer out("x");
  const int64_t settle = kDailyBarSettleMicros;
  // A Sao Paulo session ends at 17:55 BRT, after 16:00 New York: the bar of the session in
  // currentTradingPeriod is complete at the later of the two.
  auto sp = ParseYahooChart(
      R"({"chart":{"result":[{"meta":{"symbol":"PETR4.SA","exchangeTimezoneName":"America/Sao_Paulo",)"
      R"("gmtoffset":-10800,"dataGranularity":"1d","currentTradingPeriod":{"regular":{"start":1719838800,)"
      R"("end":1719867300}}},"timestamp":[1719579600,1719838800],"indicators":{"quote":[{"close":[36.5,37.1]}]}}]}})",
      out);
  ASSERT_TRUE(sp.ok()) << sp.status().ToString();
  ASSERT_EQ(sp->complete_at.size(), 2u);
  EXPECT_EQ(sp->complete_at[0], *ParseEventTime("2024-06-28T20:00:00Z") + settle)
      << "a past session";
  EXPECT_EQ(sp->complete_at[1], *ParseEventTime("2024-07-01T20:55:00Z") + settle) << "today's";
  // Intraday: the bar's start plus its length; Alpha Vantage keys are the bar's start.
  auto y = ParseYahooChart(ApiFixture("yahoo_finance/node-yahoo-finance2_bodies/"
                                      "chart-TSLA-2021-11-22-to-2021-11-23-interval-30m.body.json"),
                           out);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_FALSE(y->events.empty());
  EXPECT_EQ(y->complete_at[0], y->events[0].event_time.value() + 30 * 60'000'000LL);
  auto av = ParseAlphaVantage(
      ApiFixture("alpha_vantage/RomelTorres_alpha_vantage_test_data/mock_time_series"), out);
  ASSERT_TRUE(av.ok()) << av.status().ToString();
  ASSERT_EQ(av->complete_at.size(), av->events.size());
  EXPECT_EQ(av->complete_at.back(), av->events.back().event_time.value() + 60'000'000);
  auto daily = ParseAlphaVantage(
      R"J({"Meta Data":{"2. Symbol":"IBM"},"Time Series (Daily)":{"2024-07-01":{"4. close":"171.2"}}})J",
      out);
  ASSERT_TRUE(daily.ok()) << daily.status().ToString();
  EXPECT_EQ(daily->complete_at[0], *ParseEventTime("2024-07-01T20:00:00Z") + settle);
  // A tick is complete as it is, whatever its stamp (even ahead of this machine's clock).
  auto cg = ParseCoinGeckoSimplePrice(R"j({"bitcoin":{"usd":5,"last_updated_at":1700000000}})j", {},
                                      0, out);
  ASSERT_TRUE(cg.ok());
  EXPECT_EQ(cg->complete_at[0], std::numeric_limits<int64_t>::min());
}

TEST(ApiParsersTest, CoinGeckoTicksUseLastUpdatedAtSoIdsAreStable) {
  const std::string body =
      R"({"bitcoin":{"usd":67187.34,"usd_market_cap":1.3e12,"usd_24h_vol":2.1e10,"usd_24h_change":-1.5,"last_updated_at":1711356300}})";
  EventSerializer out("coingecko");
  auto a = ParseCoinGeckoSimplePrice(body, {{"bitcoin", "BTC"}}, 1, out);
  auto b = ParseCoinGeckoSimplePrice(body, {{"bitcoin", "BTC"}}, 999999999, out);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->events.size(), 1u);
  EXPECT_EQ(a->events[0].event_id, b->events[0].event_id) << "re-polling the same tick";
  EXPECT_EQ(a->events[0].key, "BTC");
  const Json p = Parsed(a->events[0].payload);
  EXPECT_EQ(p.GetString("event_time", ""), "2024-03-25T08:45:00.000000Z");
  EXPECT_DOUBLE_EQ(Num(p, "price_usd"), 67187.34);
  // The recorded fixture has no last_updated_at: the poll time stamps it.
  auto fx =
      ParseCoinGeckoSimplePrice(ApiFixture("coingecko/go-gecko_fixtures/simple_single_price.json"),
                                {}, 1'700'000'000'000'000, out);
  ASSERT_TRUE(fx.ok());
  ASSERT_EQ(fx->events.size(), 1u);
  EXPECT_EQ(fx->events[0].event_time.value(), 1'700'000'000'000'000);
  EXPECT_DOUBLE_EQ(Num(Parsed(fx->events[0].payload), "price_usd"), 5013.61);
}

TEST(ApiParsersTest, IntradayBarsCarryTheirInterval) {
  EventSerializer out("yahoo");
  auto y = ParseYahooChart(
      ApiFixture("yahoo_finance/node-yahoo-finance2_bodies/"
                 "chart-AAPL-2024-10-02-to-2024-10-03-includePrePost-false-interval-1m.body.json"),
      out);
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  ASSERT_FALSE(y->events.empty());
  for (const Event& e : y->events)
    ASSERT_EQ(Parsed(e.payload).GetString("interval", ""), "1m") << e.payload;
  auto av = ParseAlphaVantage(
      ApiFixture("alpha_vantage/RomelTorres_alpha_vantage_test_data/mock_time_series"), out);
  ASSERT_TRUE(av.ok()) << av.status().ToString();
  ASSERT_FALSE(av->events.empty());
  const std::string iv = Parsed(av->events[0].payload).GetString("interval", "");
  EXPECT_TRUE(iv == "1min" || iv == "5min" || iv == "15min" || iv == "30min" || iv == "60min")
      << iv;
}

TEST(ApiParsersTest, CoinsNotAskedForAreNotEmitted) {
  EventSerializer out("coingecko");
  auto r = ParseCoinGeckoSimplePrice(
      R"j({"bitcoin":{"usd":5,"last_updated_at":1700000000},"dogecoin":{"usd":0.1,"last_updated_at":1700000000}})j",
      {{"bitcoin", "BTC"}}, 0, out);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].key, "BTC");
}

TEST(ApiParsersTest, ACoinAskedForButMissingFailsTheResponseNamingIt) {
  EventSerializer out("coingecko");
  auto none = ParseCoinGeckoSimplePrice("{}", {{"bitcon", "BITCON"}}, 0, out);
  ASSERT_TRUE(none.status().IsInvalidArgument()) << none.status().ToString();
  EXPECT_NE(none.status().message().find("no price for 'bitcon'"), std::string::npos)
      << none.status().message();
  auto some = ParseCoinGeckoSimplePrice(R"j({"bitcoin":{"usd":5,"last_updated_at":1700000000}})j",
                                        {{"bitcoin", "BTC"}, {"etherium", "ETH"}}, 0, out);
  ASSERT_FALSE(some.ok()) << "emitted " << some->events.size() << " of 2 coins";
  EXPECT_NE(some.status().message().find("'etherium'"), std::string::npos)
      << some.status().message();
  EXPECT_EQ(some.status().message().find("'bitcoin'"), std::string::npos)
      << some.status().message();
}

TEST(ApiParsersTest, ImpossibleValuesFailTheResponseNothingIsEmitted) {
  EventSerializer out("x");
  auto fails = [](const Result<ParsedBody>& r, const char* what) {
    EXPECT_FALSE(r.ok()) << what << ": accepted with " << (r.ok() ? r->events.size() : 0)
                         << " events";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << what << ": " << r.status().ToString();
    }
  };
  fails(
      ParseAlphaVantage(
          R"j({"Global Quote":{"01. symbol":"MSFT","05. price":"-112.5","06. volume":"100","07. latest trading day":"2018-10-05"}})j",
          out),
      "negative price");
  fails(
      ParseAlphaVantage(
          R"j({"Global Quote":{"01. symbol":"MSFT","05. price":"112.5","06. volume":"-100","07. latest trading day":"2018-10-05"}})j",
          out),
      "negative volume");
  fails(
      ParseAlphaVantage(
          R"j({"Meta Data":{"2. Symbol":"MSFT"},"Time Series (1min)":{"2017-12-18 99:99:99":{"4. close":"86.6"}}})j",
          out),
      "hour 99");
  fails(ParseCoinGeckoSimplePrice(R"j({"bitcoin":{"usd":-5,"last_updated_at":1700000000}})j", {}, 0,
                                  out),
        "negative usd");
  fails(ParseCoinGeckoSimplePrice(R"j({"bitcoin":{"usd":0,"last_updated_at":1700000000}})j", {}, 0,
                                  out),
        "zero usd");
  const std::string head = R"j({"chart":{"result":[{"meta":{"symbol":"AAPL"},"timestamp":)j";
  fails(
      ParseYahooChart(
          head +
              R"j([1704205800,1704292200],"indicators":{"quote":[{"close":[10,-5],"volume":[1,1]}]}}]}})j",
          out),
      "negative close");
  fails(
      ParseYahooChart(
          head +
              R"j([1704205800,1704292200],"indicators":{"quote":[{"close":[10,0],"volume":[1,1]}]}}]}})j",
          out),
      "zero close");
  fails(
      ParseYahooChart(
          head +
              R"j([1704205800,1704292200,1704378600],"indicators":{"quote":[{"close":[10.0],"volume":[1]}]}}]}})j",
          out),
      "short close array");
  fails(ParseYahooChart(
            head + R"j([1704205800],"indicators":{"quote":[{"close":["abc"],"volume":[1]}]}}]}})j",
            out),
        "text close");
  fails(ParseYahooChart(
            head + R"j([1e30],"indicators":{"quote":[{"close":[10],"volume":[1]}]}}]}})j", out),
        "timestamp 1e30");
  // Optional values too: a negative volume, a price that is not > 0, text or a boolean where a
  // number belongs (once emitted as -5, 0, or silently null).
  for (const char* quote : {R"j("volume":[-5])j", R"j("volume":["abc"])j", R"j("volume":[true])j",
                            R"j("open":[-1])j", R"j("high":["x"])j", R"j("low":[-0.5])j"}) {
    fails(ParseYahooChart(
              head + R"j([1704205800],"indicators":{"quote":[{"close":[10],)j" + quote + "}]}}]}}",
              out),
          quote);
  }
  fails(
      ParseYahooChart(
          head +
              R"j([1704205800],"indicators":{"quote":[{"close":[10]}],"adjclose":[{"adjclose":[-2]}]}}]}})j",
          out),
      "negative adjclose");
  fails(
      ParseAlphaVantage(
          R"j({"Meta Data":{"2. Symbol":"MSFT"},"Time Series (Daily)":{"2024-01-02":{"1. open":"-1","4. close":"86.6"}}})j",
          out),
      "negative open");
  fails(
      ParseAlphaVantage(
          R"j({"Meta Data":{"2. Symbol":"MSFT"},"Time Series (Daily)":{"2024-01-02garbage":{"4. close":"86.6"}}})j",
          out),
      "a daily key with more after the date");
  fails(
      ParseAlphaVantage(
          R"j({"Meta Data":{"2. Symbol":"MSFT"},"Time Series (1min)":{"2024-01-02":{"4. close":"86.6"}}})j",
          out),
      "an intraday key without its time");
  fails(
      ParseAlphaVantage(
          R"j({"Global Quote":{"01. symbol":"MSFT","05. price":"112.5","04. low":"-3","07. latest trading day":"2018-10-05"}})j",
          out),
      "negative low");
  fails(ParseCoinGeckoSimplePrice(
            R"j({"bitcoin":{"usd":5,"usd_24h_vol":-3,"last_updated_at":1700000000}})j", {}, 0, out),
        "negative volume_24h");
  fails(ParseCoinGeckoSimplePrice(
            R"j({"bitcoin":{"usd":5,"usd_market_cap":"lots","last_updated_at":1700000000}})j", {},
            0, out),
        "text market cap");
  // A price of 0 is Yahoo's "unknown" (early rows of many tickers, a halted one's bars): the bar
  // is emitted with that value null.
  auto zero_open = ParseYahooChart(
      head +
          R"j([1704205800],"indicators":{"quote":[{"close":[10],"open":[0],"high":[0],"low":[0],"volume":[0]}]}}]}})j",
      out);
  ASSERT_TRUE(zero_open.ok()) << zero_open.status().ToString();
  ASSERT_EQ(zero_open->events.size(), 1u);
  const Json zero_bar = Parsed(zero_open->events[0].payload);
  for (const char* k : {"open", "high", "low"}) EXPECT_TRUE(zero_bar.Find(k)->is_null()) << k;
  EXPECT_EQ(zero_bar.Find("volume")->as_double(), 0);
  // The same shapes with sane values parse (the cases above fail for the value, not the shape).
  auto av = ParseAlphaVantage(
      R"j({"Meta Data":{"2. Symbol":"MSFT"},"Time Series (Daily)":{"2024-01-02":{"1. open":"85","3. low":"0.5","5. volume":"0","4. close":"86.6"}}})j",
      out);
  ASSERT_TRUE(av.ok()) << av.status().ToString();
  EXPECT_EQ(av->events.size(), 1u);
  auto cg_change = ParseCoinGeckoSimplePrice(
      R"j({"bitcoin":{"usd":5,"usd_24h_vol":0,"usd_market_cap":null,"usd_24h_change":-3.5,"last_updated_at":1700000000}})j",
      {}, 0, out);
  ASSERT_TRUE(cg_change.ok()) << cg_change.status().ToString();
  auto ok = ParseYahooChart(
      head +
          R"j([1704205800,1704292200],"indicators":{"quote":[{"close":[10,null],"volume":[1,1]}]}}]}})j",
      out);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->events.size(), 1u);
  auto cg = ParseCoinGeckoSimplePrice(R"j({"bitcoin":{"usd":5,"last_updated_at":1700000000}})j", {},
                                      0, out);
  ASSERT_TRUE(cg.ok()) << cg.status().ToString();
  EXPECT_EQ(cg->events.size(), 1u);
}

TEST(ApiParsersTest, MalformedBodiesNameTheProblem) {
  EventSerializer out("x");
  EXPECT_NE(ParseCoinGeckoSimplePrice(R"({"bitcoin":{"eur":1}})", {}, 0, out)
                .status()
                .message()
                .find("no usd price"),
            std::string::npos);
  EXPECT_NE(ParseAlphaVantage(R"({"foo":1})", out).status().message().find("neither"),
            std::string::npos);
  EXPECT_NE(ParseYahooChart("[1,2]", out).status().message().find("not a JSON object"),
            std::string::npos);
  EXPECT_TRUE(ParseAlphaVantage(R"({"Global Quote":{}})", out).status().IsNotFound());
}

}  // namespace
}  // namespace financelake::sources
