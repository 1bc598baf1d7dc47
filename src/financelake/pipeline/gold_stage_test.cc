#include "financelake/pipeline/gold_stage.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "financelake/columnar/expr.h"
#include "financelake/columnar/value.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/table.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/lake_test_util.h"
#include "financelake/pipeline/silver_stage.h"
#include "financelake/pipeline/source_ingest.h"

namespace financelake::pipeline {
namespace {

class GoldStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("fl-gold-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Ingest(const std::vector<std::string>& files, const std::string& stream = "") {
    SourceIngestOptions o;
    o.lake = dir_ + "/lake";
    o.source.name = "csv";
    o.source.paths = files;
    o.stream_id = stream;
    auto r = RunSourceIngest(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  void Pipeline() {
    SilverOptions so;
    so.lake = dir_ + "/lake";
    ASSERT_TRUE(RunSilverOnce(so).ok());
    auto g = RunGoldOnce(dir_ + "/lake");
    ASSERT_TRUE(g.ok()) << g.status().ToString();
  }
  // "TICKER date" -> "open high low close volume count"
  std::map<std::string, std::string> Gold() {
    std::map<std::string, std::string> out;
    auto t = delta::Table::Open(io::PosixFileSystem(), DailyPricesPath(dir_ + "/lake"));
    auto snap = t->Latest();
    EXPECT_TRUE(snap.ok());
    auto rows = t->Scan(**snap, {});
    EXPECT_TRUE(rows.ok());
    for (int64_t i = 0; i < rows->num_rows(); ++i) {
      const std::string key = fmt::format(
          "{} {}", rows->column(1).StringAt(i),
          columnar::FormatValue(columnar::Value::Int(rows->column(0).ValueAt<int32_t>(i)), columnar::DataType::Date()));
      EXPECT_EQ(out.count(key), 0u) << key << " twice in Gold";
      out[key] = fmt::format("{} {} {} {} {} {}", rows->column(3).ValueAt<double>(i), rows->column(4).ValueAt<double>(i),
                             rows->column(5).ValueAt<double>(i), rows->column(6).ValueAt<double>(i),
                             rows->column(9).ValueAt<double>(i), rows->column(10).ValueAt<int64_t>(i));
    }
    return out;
  }
  std::string dir_;
};

TEST_F(GoldStageTest, ARealDailyHistoryReplayedEqualsItsOhlcv) {
  const std::string csv = std::string(FL_SOURCE_DIR) +
                          "/../shared/fixtures/stocks_daily/mplfinance/yahoofinance-INTC-19950101-20040412.csv";
  Ingest({csv});
  Pipeline();
  // The file's rows, as Gold should hold them.
  std::map<std::string, std::string> want;
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) f.push_back(cell);
    ASSERT_EQ(f.size(), 7u) << line;
    want["INTC " + f[0]] = fmt::format("{} {} {} {} {} 1", std::stod(f[1]), std::stod(f[2]), std::stod(f[3]),
                                       std::stod(f[4]), std::stod(f[6]));
  }
  ASSERT_GT(want.size(), 2000u);
  const auto gold = Gold();
  EXPECT_EQ(gold, want);
  // Replaying the same file as another stream (Bronze gets every row again): Silver drops the
  // duplicates and Gold does not change, volumes are not counted twice.
  Ingest({csv}, "replay");
  Pipeline();
  EXPECT_EQ(Gold(), want);
}

TEST_F(GoldStageTest, LateTradesRecomputeOnlyTheirDay) {
  // Two days of trades, then a late trade for day one.
  auto write = [&](const std::string& name, const std::string& body) {
    std::ofstream(dir_ + "/" + name) << body;
    return dir_ + "/" + name;
  };
  const std::string a = write("ACME.csv",
                              "Date,Open,High,Low,Close,Adj Close,Volume\n"
                              "2024-01-02,10,12,9,11,11,100\n2024-01-03,11,13,10,12,12,200\n");
  Ingest({a});
  Pipeline();
  const auto before = Gold();
  ASSERT_EQ(before.size(), 2u);
  const std::string b = write("ACME-late.csv",
                              "Date,Open,High,Low,Close,Adj Close,Volume\n2024-01-03,11,15,10,12,12,200\n");
  // The same day again from another file: a new event id (another source position), same day.
  SourceIngestOptions o;
  o.lake = dir_ + "/lake";
  o.source.name = "csv";
  o.source.paths = {b};
  o.source.flags = {{"ticker", "ACME"}, {"source-name", "late"}};
  ASSERT_TRUE(RunSourceIngest(o).ok());
  auto g = RunGoldOnce(dir_ + "/lake");  // Silver not run yet: Gold sees nothing new
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)["stock_trades"].groups, 0);
  SilverOptions so;
  so.lake = dir_ + "/lake";
  ASSERT_TRUE(RunSilverOnce(so).ok());
  auto late_pass = RunGoldOnce(dir_ + "/lake");
  ASSERT_TRUE(late_pass.ok());
  EXPECT_EQ((*late_pass)["stock_trades"].groups, 1);  // only the late bar's day
  const auto after = Gold();
  EXPECT_EQ(after.at("ACME 2024-01-02"), before.at("ACME 2024-01-02"));
  // Two sources' daily bars of one day: the one ingested last makes the day, nothing adds up.
  EXPECT_EQ(after.at("ACME 2024-01-03"), "11 15 10 12 200 1");
}

// `table optimize` on gold/daily_prices while a pass replaces a day compacts away the file the
// pass removes: Delta's conflict check aborts the pass's commit, and the continuous pipeline
// exited on it. The pass is redone on the table as it is now.
TEST_F(GoldStageTest, ACompactionDuringAPassIsRetried) {
  auto write = [&](const std::string& name, const std::string& body) {
    std::ofstream(dir_ + "/" + name) << body;
    return dir_ + "/" + name;
  };
  const std::string header = "Date,Open,High,Low,Close,Adj Close,Volume\n";
  Ingest({write("ACME.csv", header + "2024-01-02,10,12,9,11,11,100\n")});
  Pipeline();
  Ingest({write("ACME-2.csv", header + "2024-01-03,11,13,10,12,12,200\n")}, "second");
  Pipeline();  // daily_prices: two files, one per day
  // The same day again from another source: a new event id, the same day.
  SourceIngestOptions late;
  late.lake = dir_ + "/lake";
  late.source.name = "csv";
  late.source.paths = {write("ACME-late.csv", header + "2024-01-02,10,14,9,11,11,50\n")};
  late.source.flags = {{"ticker", "ACME"}, {"source-name", "late"}};
  ASSERT_TRUE(RunSourceIngest(late).ok());
  SilverOptions so;
  so.lake = dir_ + "/lake";
  ASSERT_TRUE(RunSilverOnce(so).ok());
  auto hooked = std::make_shared<testing::HookedFileSystem>(io::PosixFileSystem());
  bool compacted = false;
  hooked->before_commit = [&] {  // OPTIMIZE commits first, rewriting 2024-01-02's file
    auto gold = delta::Table::Open(io::PosixFileSystem(), DailyPricesPath(dir_ + "/lake"));
    auto r = delta::Optimize(*gold);
    compacted = r.ok() && r->files_removed >= 2;
  };
  auto g = RunGoldOnce(dir_ + "/lake", hooked);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_TRUE(compacted);
  const auto gold = Gold();
  EXPECT_EQ(gold.at("ACME 2024-01-02"), "10 14 9 11 50 1");  // the later source's daily bar
  EXPECT_EQ(gold.at("ACME 2024-01-03"), "11 13 10 12 200 1");
}

class GoldOrderTest : public testing::LakeTest {};

// Trades of one day met out of time order (a later commit holds the day's first trade, and a
// file holds its trades in reverse): open, close, sums and counts follow event time, and equal
// those of the same trades met in order.
TEST_F(GoldOrderTest, TradesOutOfTimeOrderAggregateByEventTime) {
  const int64_t now = 1767225600LL * 1000000;  // 2026-01-01
  auto trade = [](const std::string& id, const std::string& ticker, const std::string& time, double price,
                  double volume) {
    return fmt::format(R"({{"event_id":"{}","event_time":"2025-12-30T{}Z","ticker":"{}","price":{},"volume":{},"source":"t","kind":"trade"}})",
                       id, time, ticker, price, volume);
  };
  auto run = [&] {
    SilverOptions so;
    so.lake = lake_;
    so.now_us = now;
    ASSERT_TRUE(RunSilverOnce(so).ok());
    ASSERT_TRUE(RunGoldOnce(lake_).ok());
  };
  auto gold = [&] {
    std::map<std::string, std::string> out;
    auto t = delta::Table::Open(io::PosixFileSystem(), DailyPricesPath(lake_));
    auto snap = t->Latest();
    EXPECT_TRUE(snap.ok());
    auto rows = t->Scan(**snap, {});
    EXPECT_TRUE(rows.ok());
    for (int64_t i = 0; i < rows->num_rows(); ++i) {
      out[std::string(rows->column(1).StringAt(i))] = fmt::format(
          "{} {} {} {} {} {} {} {}", rows->column(3).ValueAt<double>(i), rows->column(4).ValueAt<double>(i),
          rows->column(5).ValueAt<double>(i), rows->column(6).ValueAt<double>(i), rows->column(7).ValueAt<double>(i),
          rows->column(8).ValueAt<double>(i), rows->column(9).ValueAt<double>(i), rows->column(10).ValueAt<int64_t>(i));
    }
    return out;
  };
  // AAPL: 15:00 and 16:00 first, the 14:35 trade in a later commit. MSFT: reversed in its file.
  AppendBronze("stock-trades", {trade("a2", "AAPL", "15:00:00", 10.1, 3), trade("a3", "AAPL", "16:00:00", 12.7, 1),
                                trade("m3", "MSFT", "20:00:00", 403.3, 2), trade("m2", "MSFT", "18:00:00", 402.2, 5),
                                trade("m1", "MSFT", "15:00:00", 401.1, 7), trade("t2", "TIE", "17:00:00", 2, 1)},
               now);
  run();
  // TIE: two trades at the same time, the one of the smaller event_id in the later commit.
  AppendBronze("stock-trades", {trade("a1", "AAPL", "14:35:00", 9.3, 2), trade("t1", "TIE", "17:00:00", 1, 1)}, now);
  run();
  const auto out_of_order = gold();
  // AAPL in time order: 9.3 x2, 10.1 x3, 12.7 x1; MSFT: 401.1 x7, 402.2 x5, 403.3 x2.
  EXPECT_EQ(out_of_order.at("AAPL"), fmt::format("9.3 12.7 9.3 12.7 {} {} 6 3", ((9.3 + 10.1) + 12.7) / 3,
                                                 ((9.3 * 2 + 10.1 * 3) + 12.7 * 1) / 6.0));
  EXPECT_EQ(out_of_order.at("MSFT"), fmt::format("401.1 403.3 401.1 403.3 {} {} 14 3", ((401.1 + 402.2) + 403.3) / 3,
                                                 ((401.1 * 7 + 402.2 * 5) + 403.3 * 2) / 14.0));
  // Equal times are ordered by event_id (t1 opens, t2 closes), not by where the rows landed.
  EXPECT_EQ(out_of_order.at("TIE"), "1 2 1 2 1.5 1.5 2 2");
  // The same trades in time order, from scratch.
  std::filesystem::remove_all(lake_);
  next_offsets_.clear();
  AppendBronze("stock-trades", {trade("a1", "AAPL", "14:35:00", 9.3, 2), trade("a2", "AAPL", "15:00:00", 10.1, 3),
                                trade("a3", "AAPL", "16:00:00", 12.7, 1), trade("m1", "MSFT", "15:00:00", 401.1, 7),
                                trade("m2", "MSFT", "18:00:00", 402.2, 5), trade("m3", "MSFT", "20:00:00", 403.3, 2),
                                trade("t1", "TIE", "17:00:00", 1, 1), trade("t2", "TIE", "17:00:00", 2, 1)},
               now);
  run();
  EXPECT_EQ(gold(), out_of_order);
}

// One day seen by several feeds (trades, intraday bars of two intervals, two sources' daily
// bars) is made from one of them, so volumes are never counted twice.
TEST_F(GoldOrderTest, ADaySeenBySeveralFeedsIsMadeFromOne) {
  const int64_t now = 1767225600LL * 1000000;  // 2026-01-01
  auto trade = [](const std::string& id, const std::string& ticker, const std::string& time,
                  double price, double volume, const std::string& source) {
    return fmt::format(
        R"({{"event_id":"{}","event_time":"2025-12-30T{}Z","ticker":"{}","price":{},"volume":{},"source":"{}","kind":"trade"}})",
        id, time, ticker, price, volume, source);
  };
  // A bar; interval "" leaves the field out (as a Silver row from before bar_interval has it).
  auto bar = [](const std::string& id, const std::string& ticker, const std::string& time,
                double open, double high, double low, double close, double volume,
                const std::string& source, const std::string& interval) {
    return fmt::format(
        R"({{"event_id":"{}","event_time":"2025-12-30T{}Z","ticker":"{}","price":{},"volume":{},"source":"{}","kind":"bar",{}"open":{},"high":{},"low":{},"close":{}}})",
        id, time, ticker, close, volume, source,
        interval.empty() ? "" : fmt::format(R"("interval":"{}",)", interval), open, high, low,
        close);
  };
  // ALL: trades, 1m bars, a csv daily bar, then (ingested later) a yahoo daily bar.
  // MIX: trades and intraday bars; the 30m bars cover more of the day than the 1m bars.
  // SUM: trades from two sources: one feed, they add up.
  // OLD: a bar without an interval and trades: the bar; DAY: such a bar and a daily bar: the daily.
  AppendBronze("stock-trades",
               {trade("all-t1", "ALL", "15:00:00", 100, 5, "sim"),
                trade("all-t2", "ALL", "16:00:00", 101, 6, "sim"),
                bar("all-m1", "ALL", "14:30:00", 99, 100, 98, 99.5, 1000, "yahoo", "1m"),
                bar("all-m2", "ALL", "14:31:00", 99.5, 101, 99, 100.5, 2000, "yahoo", "1m"),
                bar("all-d1", "ALL", "21:00:00", 99, 105, 95, 104, 900000, "csv", "1d"),
                trade("mix-t1", "MIX", "15:00:00", 50, 1, "sim"),
                bar("mix-m1", "MIX", "14:30:00", 50, 51, 49, 50.5, 10, "yahoo", "1m"),
                bar("mix-m2", "MIX", "14:31:00", 50.5, 52, 50, 51.5, 20, "yahoo", "1m"),
                bar("mix-m3", "MIX", "14:32:00", 51.5, 53, 51, 52.5, 30, "yahoo", "1m"),
                bar("mix-h1", "MIX", "14:30:00", 50, 55, 48, 54, 300, "alphavantage", "30min"),
                bar("mix-h2", "MIX", "15:00:00", 54, 56, 53, 55, 400, "alphavantage", "30min"),
                trade("sum-t1", "SUM", "15:00:00", 10, 2, "a"),
                trade("sum-t2", "SUM", "16:00:00", 12, 3, "b"),
                trade("old-t1", "OLD", "15:00:00", 7, 100, "sim"),
                bar("old-b1", "OLD", "21:00:00", 6, 8, 5, 7.5, 40, "csv", ""),
                bar("day-b1", "DAY", "21:00:00", 6, 8, 5, 7.5, 40, "csv", ""),
                bar("day-d1", "DAY", "21:00:00", 6, 9, 5, 7.25, 45, "yahoo", "1d")},
               now);
  SilverOptions so;
  so.lake = lake_;
  so.now_us = now;
  ASSERT_TRUE(RunSilverOnce(so).ok());
  ASSERT_TRUE(RunGoldOnce(lake_).ok());
  AppendBronze("stock-trades",
               {bar("all-d2", "ALL", "21:00:00", 99, 106, 94, 103.5, 950000, "yahoo", "1d")},
               now + 1000000);
  ASSERT_TRUE(RunSilverOnce(so).ok());
  ASSERT_TRUE(RunGoldOnce(lake_).ok());
  // "open high low close total_volume trade_count" per ticker.
  std::map<std::string, std::string> out;
  auto t = delta::Table::Open(io::PosixFileSystem(), DailyPricesPath(lake_));
  auto snap = t->Latest();
  ASSERT_TRUE(snap.ok());
  auto rows = t->Scan(**snap, {});
  ASSERT_TRUE(rows.ok());
  for (int64_t i = 0; i < rows->num_rows(); ++i) {
    out[std::string(rows->column(1).StringAt(i))] = fmt::format(
        "{} {} {} {} {} {}", rows->column(3).ValueAt<double>(i), rows->column(4).ValueAt<double>(i),
        rows->column(5).ValueAt<double>(i), rows->column(6).ValueAt<double>(i),
        rows->column(9).ValueAt<double>(i), rows->column(10).ValueAt<int64_t>(i));
  }
  EXPECT_EQ(out, (std::map<std::string, std::string>{{"ALL", "99 106 94 103.5 950000 1"},
                                                     {"MIX", "50 56 48 55 700 2"},
                                                     {"SUM", "10 12 10 12 5 2"},
                                                     {"OLD", "6 8 5 7.5 40 1"},
                                                     {"DAY", "6 9 5 7.25 45 1"}}));
  // Silver keeps each bar's interval (null when the payload has none).
  auto silver = delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "stock_trades"));
  auto silver_snap = silver->Latest();
  ASSERT_TRUE(silver_snap.ok());
  delta::ScanOptions scan;
  scan.columns = {"event_id", "bar_interval"};
  auto intervals = silver->Scan(**silver_snap, scan);
  ASSERT_TRUE(intervals.ok()) << intervals.status().ToString();
  std::map<std::string, std::string> by_id;
  for (int64_t i = 0; i < intervals->num_rows(); ++i) {
    by_id[std::string(intervals->column(0).StringAt(i))] =
        intervals->column(1).IsNull(i) ? "null" : std::string(intervals->column(1).StringAt(i));
  }
  EXPECT_EQ(by_id.at("mix-h1"), "30min");
  EXPECT_EQ(by_id.at("all-d2"), "1d");
  EXPECT_EQ(by_id.at("old-b1"), "null");
  EXPECT_EQ(by_id.at("sum-t1"), "null");
}

// The feed choice's finer points, with the rows in order and reversed (the same Gold):
// crypto bars sum their volumes (a tick's volume_24h is a trailing figure, a bar's its own);
// a complete daily bar beats a close-only one ingested later; a source's bars from before
// bar_interval (null) and after it on one day are one feed.
TEST_F(GoldOrderTest, FeedChoiceEdgeCases) {
  const int64_t now = 1767225600LL * 1000000;  // 2026-01-01
  auto stock_bar = [](const std::string& id, const std::string& ticker, const std::string& time,
                      const std::string& source, const std::string& interval,
                      const std::string& ohlcv) {
    return fmt::format(
        R"({{"event_id":"{}","event_time":"2025-12-30T{}Z","ticker":"{}","source":"{}","kind":"bar",{}{}}})",
        id, time, ticker, source,
        interval.empty() ? "" : fmt::format(R"("interval":"{}",)", interval), ohlcv);
  };
  auto crypto = [](const std::string& id, const std::string& time, const std::string& kind,
                   double price, double volume, const std::string& extra) {
    return fmt::format(
        R"({{"event_id":"{}","event_time":"2025-12-30T{}Z","symbol":"BTC","price_usd":{},"volume_24h":{},"market_cap":null,"change_24h":null,"source":"s","kind":"{}"{}}})",
        id, time, price, volume, kind, extra);
  };
  const std::vector<std::string> first = {
      // CLO: a complete daily bar, then (second commit) a close-only one of another source.
      stock_bar("clo-y", "CLO", "21:00:00", "yahoo", "1d",
                R"("price":10,"volume":500,"open":9,"high":11,"low":8,"close":10)"),
      // UPG: yahoo 5m bars, two before the upgrade (no interval) and two after; alphavantage's
      // one 30min bar covers more than either half alone (30 min vs 10), less than both (40).
      stock_bar("upg-1", "UPG", "14:30:00", "yahoo", "",
                R"("price":20,"volume":1,"open":19,"high":21,"low":18,"close":20)"),
      stock_bar("upg-2", "UPG", "14:35:00", "yahoo", "",
                R"("price":21,"volume":2,"open":20,"high":22,"low":19,"close":21)"),
      stock_bar("upg-3", "UPG", "15:00:00", "yahoo", "5m",
                R"("price":22,"volume":3,"open":21,"high":23,"low":20,"close":22)"),
      stock_bar("upg-4", "UPG", "15:05:00", "yahoo", "5m",
                R"("price":23,"volume":4,"open":22,"high":24,"low":21,"close":23)"),
      stock_bar("upg-a", "UPG", "14:30:00", "alphavantage", "30min",
                R"("price":30,"volume":99,"open":30,"high":30,"low":30,"close":30)")};
  const std::vector<std::string> crypto_rows = {
      crypto("btc-t1", "01:00:00", "tick", 100, 3e10, ""),
      crypto("btc-t2", "23:59:00", "tick", 103, 3.1e10, ""),
      crypto("btc-b1", "10:00:00", "bar", 101, 100,
             R"(,"interval":"5m","open":100,"high":102,"low":99)"),
      crypto("btc-b2", "10:05:00", "bar", 102, 200,
             R"(,"interval":"5m","open":101,"high":103,"low":100)")};
  const std::vector<std::string> second = {stock_bar("clo-c", "CLO", "21:00:00", "csv", "1d",
                                                     R"("price":10.5,"volume":null,"close":10.5)")};
  auto run = [&](bool reversed) {
    std::filesystem::remove_all(lake_);
    next_offsets_.clear();
    auto order = [&](std::vector<std::string> rows) {
      if (reversed) std::reverse(rows.begin(), rows.end());
      return rows;
    };
    AppendBronze("stock-trades", order(first), now);
    AppendBronze("crypto-prices", order(crypto_rows), now);
    AppendBronze("stock-trades", second, now + 1000000);
    SilverOptions so;
    so.lake = lake_;
    so.now_us = now;
    auto silver = RunSilverOnce(so);
    EXPECT_TRUE(silver.ok()) << silver.status().ToString();
    EXPECT_EQ((*silver)["stock_trades"].silver_rows, 7);
    EXPECT_EQ((*silver)["crypto_prices"].silver_rows, 4);
    EXPECT_TRUE(RunGoldOnce(lake_).ok());
    // "open high low close vwap total_volume trade_count" per key.
    std::map<std::string, std::string> out;
    auto t = delta::Table::Open(io::PosixFileSystem(), DailyPricesPath(lake_));
    auto rows = t->Scan(*t->Latest().value(), {});
    EXPECT_TRUE(rows.ok());
    for (int64_t i = 0; i < rows->num_rows(); ++i) {
      out[std::string(rows->column(1).StringAt(i))] = fmt::format(
          "{} {} {} {} {} {} {}", rows->column(3).ValueAt<double>(i),
          rows->column(4).ValueAt<double>(i), rows->column(5).ValueAt<double>(i),
          rows->column(6).ValueAt<double>(i),
          rows->column(8).IsNull(i) ? "null"
                                    : fmt::format("{}", rows->column(8).ValueAt<double>(i)),
          rows->column(9).ValueAt<double>(i), rows->column(10).ValueAt<int64_t>(i));
    }
    return out;
  };
  const auto in_order = run(false);
  EXPECT_EQ(in_order,
            (std::map<std::string, std::string>{
                {"BTC", fmt::format("100 103 99 102 {} 300 2", (101.0 * 100 + 102.0 * 200) / 300)},
                {"CLO", "9 11 8 10 10 500 1"},
                {"UPG", fmt::format("19 24 18 23 {} 10 4",
                                    (20.0 * 1 + 21.0 * 2 + 22.0 * 3 + 23.0 * 4) / 10)}}));
  EXPECT_EQ(run(true), in_order);
}

// A continuous pipeline's kept aggregates give, pass after pass, the Gold a pass from scratch
// gives (every column, to the last bit): random trades, bars of several sources and intervals
// (some close-only), crypto ticks and bars, late rows, replays and days that roll over, with
// another process's Gold pass in the middle (the kept aggregates must then be dropped).
TEST_F(GoldOrderTest, KeptAggregatesGiveTheGoldOfAFullPass) {
  constexpr int64_t kDay = 86400LL * 1000000;
  const int64_t start = 1767052800LL * 1000000;  // 2025-12-30T00:00:00Z
  const int64_t now = start + 60 * kDay;         // rows' ingest time: none is in the future
  auto time_text = [](int64_t us) {
    return columnar::FormatValue(columnar::Value::Int(us), columnar::DataType::Timestamp());
  };
  // Every column of Gold, doubles printed shortest-exact.
  auto gold_of = [](const std::string& lake) {
    std::map<std::string, std::string> out;
    auto t = delta::Table::Open(io::PosixFileSystem(), DailyPricesPath(lake));
    auto rows = t->Scan(*t->Latest().value(), {});
    EXPECT_TRUE(rows.ok());
    for (int64_t i = 0; rows.ok() && i < rows->num_rows(); ++i) {
      const std::string key =
          fmt::format("{} {} {}", rows->column(2).StringAt(i), rows->column(1).StringAt(i),
                      rows->column(0).ValueAt<int32_t>(i));
      EXPECT_EQ(out.count(key), 0u) << key << " twice in Gold";
      out[key] = testing::RowText(*rows, i, 3);
    }
    return out;
  };
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    std::filesystem::remove_all(lake_);
    next_offsets_.clear();
    std::mt19937_64 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
    auto state = NewGoldState();
    SilverOptions so;
    so.lake = lake_;
    so.now_us = now;
    so.id_cache = std::make_shared<SilverIdCache>();
    int64_t clock = start;
    int64_t groups_after_first = 0, read_after_first = 0, rounds_without_reads = 0;
    for (int round = 0; round < 14; ++round) {
      std::vector<std::string> stocks, cryptos;
      for (int n = 0; n < 25; ++n) {
        clock += static_cast<int64_t>(pick(3600)) * 1000000 / 4;  // about two days over a seed
        int64_t t = clock;
        if (pick(8) == 0) t -= static_cast<int64_t>(pick(20000)) * 1000000;  // a late row
        const std::string id = fmt::format("s{}-r{}-n{}", seed, round, n);
        const std::string when = time_text(t);
        const int what = pick(10);
        const std::string ticker = std::string(1, static_cast<char>('A' + pick(3)));
        if (what < 4) {
          stocks.push_back(fmt::format(
              R"({{"event_id":"{}","event_time":"{}","ticker":"{}","price":{},"volume":{},"source":"{}","kind":"trade"}})",
              id, when, ticker, 10 + pick(1000) / 100.0, 1 + pick(500), pick(2) ? "a" : "b"));
        } else if (what < 6) {
          const double o = 10 + pick(1000) / 100.0;
          stocks.push_back(fmt::format(
              R"({{"event_id":"{}","event_time":"{}","ticker":"{}","price":{},"volume":{},"source":"yahoo","kind":"bar","interval":"{}","open":{},"high":{},"low":{},"close":{}}})",
              id, when, ticker, o + 0.5, 100 + pick(100), pick(2) ? "1m" : "5m", o, o + 1, o - 1,
              o + 0.5));
        } else if (what == 6) {
          stocks.push_back(fmt::format(
              R"({{"event_id":"{}","event_time":"{}","ticker":"{}","price":{},"volume":null,"source":"csv","kind":"bar","interval":"1d","close":{}}})",
              id, when, ticker, 11.25, 11.25));
        } else if (what < 9) {
          cryptos.push_back(fmt::format(
              R"({{"event_id":"{}","event_time":"{}","symbol":"{}","price_usd":{},"volume_24h":{},"market_cap":null,"change_24h":null,"source":"s","kind":"tick"}})",
              id, when, pick(2) ? "BTC" : "ETH", 100 + pick(10000) / 100.0, 1e9 + pick(1000)));
        } else {
          const double o = 100 + pick(100);
          cryptos.push_back(fmt::format(
              R"({{"event_id":"{}","event_time":"{}","symbol":"BTC","price_usd":{},"volume_24h":{},"market_cap":null,"change_24h":null,"source":"s","kind":"bar","interval":"5m","open":{},"high":{},"low":{}}})",
              id, when, o + 1, 10 + pick(90), o, o + 2, o - 2));
        }
      }
      // Now and then a replay of an earlier row (Silver drops it).
      if (round > 0 && !stocks.empty() && pick(3) == 0) stocks.push_back(stocks.front());
      if (!stocks.empty()) AppendBronze("stock-trades", stocks, now);
      if (!cryptos.empty()) AppendBronze("crypto-prices", cryptos, now);
      ASSERT_TRUE(RunSilverOnce(so).ok());
      if (round == 7) {  // another process's pass: what is kept no longer matches Gold's position
        ASSERT_TRUE(RunGoldOnce(lake_).ok());
        AppendBronze(
            "stock-trades",
            {fmt::format(
                R"({{"event_id":"s{}-x","event_time":"{}","ticker":"A","price":9,"volume":1,"source":"a","kind":"trade"}})",
                seed, time_text(clock - 3600LL * 1000000))},
            now);
        ASSERT_TRUE(RunSilverOnce(so).ok());
      }
      auto counts = RunGoldOnce(lake_, nullptr, state.get());
      ASSERT_TRUE(counts.ok()) << counts.status().ToString();
      int64_t groups = 0, read = 0;
      for (const auto& [table, c] : *counts) {
        groups += c.groups;
        read += c.groups_read;
      }
      if (round > 0) {
        groups_after_first += groups;
        read_after_first += read;
        rounds_without_reads += groups > 0 && read == 0 ? 1 : 0;
      }
      // The same Silver from scratch.
      const std::string copy = lake_ + "-scratch";
      std::filesystem::remove_all(copy);
      std::filesystem::copy(lake_, copy, std::filesystem::copy_options::recursive);
      std::filesystem::remove_all(DailyPricesPath(copy));
      ASSERT_TRUE(RunGoldOnce(copy).ok());
      ASSERT_EQ(gold_of(lake_), gold_of(copy)) << "seed " << seed << " round " << round;
      std::filesystem::remove_all(copy);
    }
    EXPECT_GT(GoldStateGroups(*state), 0);
    // Most groups came from the kept aggregates; late rows made some read from Silver.
    EXPECT_LT(read_after_first * 2, groups_after_first) << "seed " << seed;
    EXPECT_GT(rounds_without_reads, 0) << "seed " << seed;
  }
}

// Rows deleted from Silver by another writer (a DELETE: files removed with dataChange) between
// passes: the kept aggregates still count them, so the next pass computes its groups from
// Silver instead (as a pass without kept aggregates does).
TEST_F(GoldOrderTest, KeptAggregatesAreNotUsedAfterSilverRowsWereDeleted) {
  const int64_t now = 1767225600LL * 1000000;  // 2026-01-01
  auto trade = [](int n) {
    return fmt::format(
        R"({{"event_id":"d{}","event_time":"2025-12-30T15:{:02d}:00Z","ticker":"DEL","price":{},"volume":{},"source":"a","kind":"trade"}})",
        n, n, 10 + n, n);
  };
  SilverOptions so;
  so.lake = lake_;
  so.now_us = now;
  auto state = NewGoldState();
  auto pass = [&] {
    EXPECT_TRUE(RunSilverOnce(so).ok());
    auto g = RunGoldOnce(lake_, nullptr, state.get());
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return g.ok() ? (*g)["stock_trades"] : GoldCounts{};
  };
  AppendBronze("stock-trades", {trade(1), trade(2), trade(3)}, now);
  pass();
  AppendBronze("stock-trades", {trade(4)}, now);
  EXPECT_EQ(pass().groups_read, 0);  // kept aggregates
  auto silver = delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "stock_trades"));
  auto snap = silver->Latest();
  ASSERT_TRUE(snap.ok());
  // d4, alone in its file: the file is removed and nothing is added back.
  auto where = columnar::Expr::Parse("event_id = 'd4'", (*snap)->schema());
  ASSERT_TRUE(where.ok());
  auto deleted = delta::DeleteWhere(*silver, *where);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  ASSERT_EQ(deleted->rows_deleted, 1);
  AppendBronze("stock-trades", {trade(5)}, now);
  const GoldCounts c = pass();
  EXPECT_EQ(c.groups, 1);
  EXPECT_EQ(c.groups_read, 1);
  auto gold = delta::Table::Open(io::PosixFileSystem(), DailyPricesPath(lake_));
  auto rows = gold->Scan(*gold->Latest().value(),
                         {{"trade_count", "total_volume", "open"}, std::nullopt, -1});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->num_rows(), 1);
  EXPECT_EQ(rows->column(0).ValueAt<int64_t>(0), 4);  // d1 d2 d3 d5
  EXPECT_EQ(rows->column(1).ValueAt<double>(0), 1 + 2 + 3 + 5);
  EXPECT_EQ(rows->column(2).ValueAt<double>(0), 11);
}

}  // namespace
}  // namespace financelake::pipeline
