// The `sim` source end to end: determinism, event ids, payload contracts, market hours, limits,
// resume, pacing, validation, and a throughput report.
#include "financelake/sources/sim_source.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/sources/event_time.h"
#include "financelake/sources/nyse_calendar.h"

namespace financelake::sources {
namespace {

std::vector<Event> Collect(const SimOptions& o, size_t batch = 1000) {
  auto source = MakeSimSource(o);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  std::vector<Event> all, buf;
  while (true) {
    auto n = (*source)->NextBatch(&buf, batch);
    EXPECT_TRUE(n.ok());
    if (!n.ok() || *n == 0) break;
    all.insert(all.end(), buf.begin(), buf.end());
  }
  return all;
}

SimOptions Small(uint64_t count) {
  SimOptions o;
  o.count = count;
  o.accounts = 2000;
  o.bank_tx_per_account_day = 20;  // keep all three topics well represented in a short run
  o.stock_trade_interval_s = 30;
  o.start_micros = 1704204000LL * 1000000;  // 2024-01-02T14:00:00Z: the market opens soon
  return o;
}

TEST(SimSourceTest, SameSeedGivesByteIdenticalEvents) {
  const std::vector<Event> a = Collect(Small(30000), 1000);
  const std::vector<Event> b = Collect(Small(30000), 777);  // batch size does not matter
  ASSERT_EQ(a.size(), 30000u);
  ASSERT_EQ(b.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].payload, b[i].payload) << i;
    ASSERT_EQ(a[i].key, b[i].key);
    ASSERT_EQ(a[i].topic, b[i].topic);
    ASSERT_EQ(a[i].position, b[i].position);
    ASSERT_EQ(a[i].offset, i + 1);
  }
}

TEST(SimSourceTest, DifferentSeedsDiffer) {
  SimOptions other = Small(5000);
  other.seed = 43;
  const std::vector<Event> a = Collect(Small(5000));
  const std::vector<Event> b = Collect(other);
  ASSERT_EQ(a.size(), 5000u);
  ASSERT_EQ(b.size(), 5000u);
  // The event_id hashes the seed, so it alone always differs: compare the rest (times, prices,
  // volumes, amounts), which only the generators' seeding can change.
  const std::regex id_field("\"event_id\":\"[0-9a-f]+\",?");
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    same += std::regex_replace(a[i].payload, id_field, "") ==
                    std::regex_replace(b[i].payload, id_field, "")
                ? 1
                : 0;
  }
  EXPECT_EQ(same, 0u);
  EXPECT_NE(std::regex_replace(a[0].payload, id_field, ""), a[0].payload);  // it was removed
}

TEST(SimSourceTest, PayloadsFollowTheContracts) {
  const std::vector<Event> events = Collect(Small(60000));
  std::set<Topic> seen;
  size_t fraud = 0, bank = 0;
  for (const Event& e : events) {
    auto parsed = Json::Parse(e.payload);
    ASSERT_TRUE(parsed.ok()) << e.payload;
    const Json& j = *parsed;
    seen.insert(e.topic);
    EXPECT_EQ(j.GetString("event_id", ""), e.event_id);
    EXPECT_EQ(j.GetString("source", ""), "sim");
    auto time = ParseEventTime(j.GetString("event_time", ""));
    ASSERT_TRUE(time.ok());
    EXPECT_EQ(*time, e.event_time.value());
    auto number = [&](const char* key) {
      const Json* v = j.Find(key);
      return v != nullptr && v->is_number();
    };
    switch (e.topic) {
      case Topic::kStockTrades:
        EXPECT_EQ(j.GetString("ticker", ""), e.key);
        EXPECT_TRUE(number("price") && number("volume")) << e.payload;
        EXPECT_EQ(j.GetString("kind", ""), "trade");
        EXPECT_TRUE(j.GetString("side", "") == "buy" || j.GetString("side", "") == "sell");
        EXPECT_FALSE(j.GetString("exchange", "").empty());
        EXPECT_EQ(j.Find("open"), nullptr);  // bar fields only on bars
        break;
      case Topic::kCryptoPrices:
        EXPECT_EQ(j.GetString("symbol", ""), e.key);
        EXPECT_TRUE(number("price_usd") && number("volume_24h") && number("market_cap") &&
                    number("change_24h"))
            << e.payload;
        EXPECT_EQ(j.GetString("kind", ""), "tick");
        break;
      case Topic::kBankTransactions: {
        ++bank;
        EXPECT_EQ(j.GetString("account_id", ""), e.key);
        EXPECT_EQ(j.GetString("transaction_id", "").size(), 18u);
        EXPECT_TRUE(number("amount"));
        EXPECT_EQ(j.GetString("currency", "").size(), 3u);
        EXPECT_EQ(j.GetString("country", "").size(), 2u);
        EXPECT_FALSE(j.GetString("channel", "").empty());
        const std::string type = j.GetString("type", "");
        const bool merchant_type = type == "CARD" || type == "PAYMENT";
        EXPECT_TRUE(merchant_type || type == "TRANSFER" || type == "WITHDRAWAL" ||
                    type == "DEPOSIT");
        // merchant and merchant_category: strings for CARD/PAYMENT, null otherwise.
        ASSERT_NE(j.Find("merchant"), nullptr);
        EXPECT_EQ(j.Find("merchant")->is_string(), merchant_type) << e.payload;
        EXPECT_EQ(j.Find("merchant_category")->is_string(), merchant_type);
        ASSERT_NE(j.Find("is_fraud"), nullptr);
        ASSERT_TRUE(j.Find("is_fraud")->is_bool());
        fraud += j.Find("is_fraud")->as_bool() ? 1 : 0;
        EXPECT_EQ(j.Find("features"), nullptr);
        break;
      }
    }
  }
  EXPECT_EQ(seen.size(), 3u);
  ASSERT_GT(bank, 10000u);
  EXPECT_NEAR(static_cast<double>(fraud) / static_cast<double>(bank), 0.01, 0.004);
}

TEST(SimSourceTest, EventIdsAreStableDistinctAndRecomputable) {
  const std::vector<Event> a = Collect(Small(50000));
  const std::vector<Event> b = Collect(Small(50000));
  std::set<std::string> ids;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].event_id, b[i].event_id);
    ids.insert(a[i].event_id);
    ASSERT_EQ(a[i].event_id,
              ComputeEventId(a[i].topic, "sim", a[i].key, "seed=42", a[i].event_time.value()));
  }
  EXPECT_EQ(ids.size(), a.size());
}

TEST(SimSourceTest, StockTradesOnlyInSessionsAcrossDst) {
  SimOptions o;
  o.start_micros = *ParseEventTime("2024-03-04T00:00:00Z");  // DST starts 2024-03-10
  o.days = 14;
  o.accounts = 50;
  o.stock_trade_interval_s = 60;
  o.crypto_tick_interval_s = 600;
  const std::vector<Event> events = Collect(o);
  size_t stocks = 0, weekend_crypto = 0;
  std::set<std::string> opens;  // first trade of each session, UTC hour:minute
  int32_t day = -1;
  int64_t previous = INT64_MIN;
  for (const Event& e : events) {
    const int64_t t = e.event_time.value();
    ASSERT_GT(t, previous);  // strictly increasing event time
    previous = t;
    ASSERT_LT(t, o.start_micros + 14 * kMicrosPerDay);
    if (e.topic == Topic::kCryptoPrices) {
      const int64_t d = DayOfMicros(t);
      weekend_crypto += ((d + 4) % 7 == 0 || (d + 4) % 7 == 6) ? 1 : 0;
    }
    if (e.topic != Topic::kStockTrades) continue;
    ++stocks;
    ASSERT_TRUE(IsInNyseSession(t)) << FormatEventTime(t);
    const NyseSession s = NextNyseSession(t);
    if (s.day != day) {
      day = s.day;
      opens.insert(FormatEventTime(s.open_utc).substr(11, 5));
    }
  }
  EXPECT_GT(stocks, 10u * 20 * 300);  // 10 sessions x 20 tickers x ~390 trades
  EXPECT_GT(weekend_crypto, 0u);      // crypto trades 24/7
  EXPECT_EQ(opens, (std::set<std::string>{"13:30", "14:30"}));  // EST, then EDT
}

TEST(SimSourceTest, CountAndTopicSelection) {
  SimOptions o = Small(1234);
  o.topics = {Topic::kBankTransactions};
  const std::vector<Event> events = Collect(o);
  ASSERT_EQ(events.size(), 1234u);
  for (const Event& e : events) ASSERT_EQ(e.topic, Topic::kBankTransactions);
}

TEST(SimSourceTest, ResumeContinuesExactlyAfterThePosition) {
  const std::vector<Event> full = Collect(Small(20000));
  SimOptions o = Small(20000);
  o.resume_after = full[12344].position;  // "12345"
  EXPECT_EQ(o.resume_after, "12345");
  const std::vector<Event> rest = Collect(o);
  ASSERT_EQ(rest.size(), full.size() - 12345);
  for (size_t i = 0; i < rest.size(); ++i) {
    ASSERT_EQ(rest[i].payload, full[12345 + i].payload);
    ASSERT_EQ(rest[i].offset, full[12345 + i].offset);
  }
  // Position() reports the last event handed out.
  auto source = MakeSimSource(Small(100));
  std::vector<Event> batch;
  EXPECT_EQ((*source)->Position(), "");
  ASSERT_EQ(*(*source)->NextBatch(&batch, 40), 40u);
  EXPECT_EQ((*source)->Position(), "40");
  EXPECT_EQ(batch.back().position, "40");
}

TEST(SimSourceTest, ResumeErrors) {
  SimOptions o = Small(100);
  o.resume_after = "101";
  auto past = MakeSimSource(o);
  ASSERT_FALSE(past.ok());
  EXPECT_NE(past.status().message().find("past the end"), std::string::npos);
  o.resume_after = "100";  // exactly the end: valid, nothing left
  auto at_end = MakeSimSource(o);
  ASSERT_TRUE(at_end.ok());
  std::vector<Event> batch;
  EXPECT_EQ(*(*at_end)->NextBatch(&batch, 10), 0u);
  o.resume_after = "file.csv:12";
  EXPECT_TRUE(MakeSimSource(o).status().IsInvalidArgument());
}

TEST(SimSourceTest, RateLimitsWallClockNotEventTime) {
  ManualClock clock(1000000);
  SimOptions o = Small(0);
  o.rate = 500;
  o.clock = &clock;
  auto source = MakeSimSource(o);
  ASSERT_TRUE(source.ok());
  std::vector<Event> batch;
  size_t total = 0;
  while (total < 5000) {
    auto n = (*source)->NextBatch(&batch, 256);
    ASSERT_TRUE(n.ok());
    ASSERT_GT(*n, 0u);
    total += *n;
  }
  // 5000 events at 500/s take ~10 s of (manual) wall time.
  EXPECT_NEAR(static_cast<double>(clock.NowMicros() - 1000000) / 1e6, 10.0, 0.6);
  EXPECT_GT(clock.sleeps(), 10);
}

TEST(SimSourceTest, APacedRunEndsWithItsLastEventAndStopsWithoutAnEarlyOne) {
  // --count 3 at 0.5 events/s: events at 0, 2 and 4 s, and the end right after the third (it
  // used to wait 2 s more for a fourth that --count rules out).
  ManualClock clock(0);
  SimOptions o = Small(0);
  o.rate = 0.5;
  o.count = 3;
  o.clock = &clock;
  auto source = MakeSimSource(o);
  ASSERT_TRUE(source.ok());
  std::vector<Event> batch;
  for (int64_t due : {0, 2000000, 4000000}) {
    ASSERT_EQ(*(*source)->NextBatch(&batch, 10), 1u);
    EXPECT_EQ(clock.NowMicros(), due);
  }
  const int sleeps = clock.sleeps();
  EXPECT_EQ(*(*source)->NextBatch(&batch, 10), 0u);
  EXPECT_EQ(clock.NowMicros(), 4000000);
  EXPECT_EQ(clock.sleeps(), sleeps);

  // A stop (Ctrl-C) during the wait for the second event: nothing more is emitted.
  ManualClock stopped(0);
  o.clock = &stopped;
  stopped.InterruptAtSleep(1);
  source = MakeSimSource(o);
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(*(*source)->NextBatch(&batch, 10), 1u);
  EXPECT_EQ(*(*source)->NextBatch(&batch, 10), 0u);
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ((*source)->Position(), "1");
}

TEST(SimSourceTest, BadOptionsAreInvalidArgument) {
  auto expect_invalid = [](SimOptions o, const char* fragment) {
    const Status st = ValidateSimOptions(o);
    EXPECT_TRUE(st.IsInvalidArgument()) << fragment;
    EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
    EXPECT_TRUE(MakeSimSource(o).status().IsInvalidArgument());
  };
  SimOptions o;
  o.rate = -1;
  expect_invalid(o, "rate must be >= 0");
  o = SimOptions();
  o.fraud_rate = 0.7;
  expect_invalid(o, "fraud rate");
  o = SimOptions();
  o.accounts = 0;
  expect_invalid(o, "accounts");
  o = SimOptions();
  o.start_micros = *ParseEventTime("1900-01-01T00:00:00Z");
  expect_invalid(o, "outside 1971-01-01");
  o = SimOptions();
  o.tickers = {{"aapl!", 0}};
  expect_invalid(o, "ticker 'aapl!'");
  o = SimOptions();
  o.topics = {Topic::kStockTrades, Topic::kStockTrades};
  expect_invalid(o, "listed twice");
  o = SimOptions();
  o.days = -2;
  expect_invalid(o, "days");
  EXPECT_TRUE(ValidateSimOptions(SimOptions()).ok());
}

TEST(SimSourceTest, ThroughputReport) {
  SimOptions o;
  o.count = 2000000;
  auto source = MakeSimSource(o);
  ASSERT_TRUE(source.ok());
  std::vector<Event> batch;
  size_t total = 0, bytes = 0;
  const auto wall0 = std::chrono::steady_clock::now();
  const std::clock_t cpu0 = std::clock();
  while (true) {
    const size_t n = *(*source)->NextBatch(&batch, 4096);
    if (n == 0) break;
    total += n;
    for (size_t i = 0; i < n; ++i) bytes += batch[i].payload.size();
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const double cpu = static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
  std::cout << "[ THROUGHPUT ] sim rate=0: " << total << " events, "
            << static_cast<double>(total) / wall / 1e6 << " M events/s wall, "
            << static_cast<double>(total) / cpu / 1e6 << " M events/s CPU, "
            << static_cast<double>(bytes) / cpu / 1e6 << " MB/s of JSON\n";
  RecordProperty("events_per_second_cpu", static_cast<int>(static_cast<double>(total) / cpu));
  EXPECT_EQ(total, 2000000u);
}

}  // namespace
}  // namespace financelake::sources
