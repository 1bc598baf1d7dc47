// The forecaster's daily histories: gaps are warned about once per ticker, a row that cannot be
// used fails its ticker only, and avg_price means one thing per series.
#include "financelake/pipeline/daily_series.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "financelake/columnar/csv_reader.h"
#include "financelake/columnar/value.h"
#include "financelake/delta/operations.h"
#include "financelake/pipeline/gold_stage.h"
#include "financelake/pipeline/lake_test_util.h"
#include "financelake/pipeline/silver_stage.h"

namespace financelake::pipeline {
namespace {

std::string Fixture(const std::string& rel) {
  return std::string(FL_SOURCE_DIR) + "/../shared/fixtures/" + rel;
}

std::vector<std::string> WarningsOf(const DailySeriesSet& set, const std::string& ticker) {
  std::vector<std::string> out;
  for (const std::string& w : set.warnings) {
    if (w.rfind(ticker + ":", 0) == 0) out.push_back(w);
  }
  return out;
}

class DailySeriesTest : public testing::LakeTest {
 protected:
  std::string WriteCsv(const std::string& name, const std::string& text) {
    std::filesystem::create_directories(lake_);
    const std::string path = lake_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
};

// AAPL lacks 2017-08-07 and 2017-11-08 in the five-ticker demo file (the other tickers only the
// latter): the history is used as it is (nothing invented), with one warning naming the gaps.
TEST_F(DailySeriesTest, GapsAreWarnedOncePerTicker) {
  auto fs = io::PosixFileSystem();
  auto set = ReadCsvDailySeries(
      *fs, Fixture("stocks_daily/plotly_datasets/dash-stock-ticker-demo.csv"), "", {"AAPL"});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->series.size(), 1u);
  EXPECT_EQ(MissingTradingDays(set->series[0]),
            (std::vector<int32_t>{columnar::DaysFromCivil(2017, 8, 7),
                                  columnar::DaysFromCivil(2017, 11, 8)}));
  const std::vector<std::string> w = WarningsOf(*set, "AAPL");
  ASSERT_EQ(w.size(), 1u) << ::testing::PrintToString(set->warnings);
  EXPECT_EQ(w[0].rfind("AAPL: 2 missing trading days between 2015-01-02 and 2017-12-29 "
                       "(2017-08-07, 2017-11-08); nothing is filled in",
                       0),
            0u)
      << w[0];
  // Fourteen years of AAPL: holidays and the one-off closures (2007-01-02, Hurricane Sandy) are
  // not gaps.
  auto full = ReadCsvDailySeries(
      *fs, Fixture("stocks_daily/mplfinance/yahoofinance-AAPL-20040819-20180120.csv"), "", {});
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  EXPECT_TRUE(full->warnings.empty()) << ::testing::PrintToString(full->warnings);
  // Crypto trades every day.
  const std::string btc = WriteCsv("BTC-USD.csv",
                                   "Date,Open,High,Low,Close,Volume\n"
                                   "2021-01-01,10,11,9,10,100\n2021-01-02,10,11,9,10,100\n"
                                   "2021-01-04,10,11,9,10,100\n2021-01-05,10,11,9,10,100\n");
  auto crypto = ReadCsvDailySeries(*fs, btc, "", {});
  ASSERT_TRUE(crypto.ok()) << crypto.status().ToString();
  ASSERT_EQ(crypto->series.size(), 1u);
  EXPECT_EQ(crypto->series[0].asset_class, "crypto");
  ASSERT_EQ(crypto->warnings.size(), 1u) << ::testing::PrintToString(crypto->warnings);
  EXPECT_NE(
      crypto->warnings[0].find("BTC: 1 missing day between 2021-01-01 and 2021-01-05 (2021-01-03)"),
      std::string::npos)
      << crypto->warnings[0];
}

// A NaN or empty close fails that ticker with the file line; the other tickers are read.
TEST_F(DailySeriesTest, AnUnusableCloseFailsItsTickerOnly) {
  auto fs = io::PosixFileSystem();
  std::string text = "Date,Open,High,Low,Close,Volume,Ticker\n";
  for (int d = 4; d <= 8; ++d) {
    text += fmt::format("2021-01-0{},10,11,9,10,100,GOOD\n", d);
    text +=
        fmt::format("2021-01-0{},10,11,9,{},100,BAD\n", d, d == 6 ? "NaN" : (d == 7 ? "" : "10"));
  }
  const std::string path = WriteCsv("long.csv", text);
  auto set = ReadCsvDailySeries(*fs, path, "", {});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->series.size(), 1u);
  EXPECT_EQ(set->series[0].ticker, "GOOD");
  EXPECT_EQ(set->series[0].size(), 5u);
  ASSERT_EQ(set->failed.count("BAD"), 1u);
  const std::string& m = set->failed.at("BAD").message();
  EXPECT_EQ(m.rfind("BAD: " + path + ":7: column 'Close'", 0), 0u) << m;  // the NaN row's line
  EXPECT_NE(m.find("and 1 more such rows"), std::string::npos) << m;      // the empty close
  // Asked for by name, it still fails rather than being reported missing.
  auto only = ReadCsvDailySeries(*fs, path, "", {"BAD"});
  ASSERT_TRUE(only.ok());
  EXPECT_TRUE(only->series.empty());
  EXPECT_EQ(only->failed.count("BAD"), 1u);
  EXPECT_TRUE(only->warnings.empty()) << ::testing::PrintToString(only->warnings);
}

// avg_price is the typical price when every day has high and low; a series where some day
// lacks them uses the close throughout, and says so.
TEST_F(DailySeriesTest, AvgPriceHasOneDefinitionPerSeries) {
  auto fs = io::PosixFileSystem();
  const std::string full =
      WriteCsv("FULL.csv", "Date,High,Low,Close\n2021-01-04,12,9,9\n2021-01-05,12,9,12\n");
  auto a = ReadCsvDailySeries(*fs, full, "", {});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->series[0].avg_price, (std::vector<double>{10, 11}));
  EXPECT_EQ(a->series[0].avg_price_definition, ml::kAvgPriceTypical);
  const std::string part =
      WriteCsv("PART.csv", "Date,High,Low,Close\n2021-01-04,12,9,9\n2021-01-05,,,12\n");
  auto b = ReadCsvDailySeries(*fs, part, "", {});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->series[0].avg_price, (std::vector<double>{9, 12}));
  EXPECT_EQ(b->series[0].avg_price_definition, ml::kAvgPriceClose);
}

// Gold keeps a stock and a coin of one name apart (asset_class is in its key); a forecast series
// is of one instrument, so such a ticker fails with a message naming both instead of mixing
// ~$30,000 coin closes with ~$30 share closes into one history. Other tickers are read.
TEST_F(DailySeriesTest, ATickerOfTwoInstrumentsInGoldFails) {
  std::vector<std::string> stocks, coins;
  for (int d = 4; d <= 8; ++d) {
    for (const char* t : {"BTC", "MSFT"}) {
      stocks.push_back(fmt::format(
          R"({{"event_id":"s{}{}","event_time":"2021-01-0{}T20:00:00Z","ticker":"{}","price":30,)"
          R"("volume":10,"source":"csv","kind":"bar","interval":"1d","open":30,"high":31,"low":29,"close":30}})",
          t, d, d, t));
    }
    coins.push_back(fmt::format(
        R"({{"event_id":"c{}","event_time":"2021-01-0{}T12:00:00Z","symbol":"BTC","price_usd":30000,)"
        R"("volume_24h":5,"market_cap":null,"change_24h":null,"source":"sim","kind":"tick"}})",
        d, d));
  }
  const int64_t ingested = int64_t{1767225600} * 1000000;  // 2026-01-01
  AppendBronze("stock-trades", stocks, ingested);
  AppendBronze("crypto-prices", coins, ingested);
  SilverOptions so;
  so.lake = lake_;
  auto silver = RunSilverOnce(so);
  ASSERT_TRUE(silver.ok()) << silver.status().ToString();
  EXPECT_EQ((*silver)["stock_trades"].silver_rows, 10);
  EXPECT_EQ((*silver)["crypto_prices"].silver_rows, 5);
  auto gold = RunGoldOnce(lake_);
  ASSERT_TRUE(gold.ok()) << gold.status().ToString();
  for (const std::vector<std::string>& asked :
       {std::vector<std::string>{}, std::vector<std::string>{"BTC"}}) {
    auto set = ReadGoldDailySeries(io::PosixFileSystem(), lake_, asked);
    ASSERT_TRUE(set.ok()) << set.status().ToString();
    ASSERT_EQ(set->failed.count("BTC"), 1u) << ::testing::PrintToString(set->warnings);
    EXPECT_EQ(set->failed.at("BTC").message(),
              "BTC: " + DailyPricesPath(lake_) +
                  " holds two instruments of this name (crypto and stock); a forecast is of one: "
                  "ingest one of them under another ticker");
    std::vector<std::string> read;
    for (const ml::DailySeries& s : set->series) read.push_back(s.ticker);
    EXPECT_EQ(read, asked.empty() ? std::vector<std::string>{"MSFT"} : std::vector<std::string>{});
    EXPECT_TRUE(WarningsOf(*set, "BTC").empty()) << ::testing::PrintToString(set->warnings);
  }
}

// Found by a hunt: a gold/daily_prices written by another tool with other column types was read
// as if it had Gold's (a float close read past its column's end, a string close crashed, a long
// close became 5e-323), and a null trading_date became 1970-01-01.
TEST_F(DailySeriesTest, AGoldTableOfOtherTypesOrNullsIsRefusedByName) {
  auto write = [&](const std::string& retype, const std::string& type, bool nullable,
                   const std::string& rows) {
    std::filesystem::remove_all(lake_);
    std::vector<columnar::Field> fields = DailyPricesSchema().fields();
    for (columnar::Field& f : fields) {
      f.nullable = nullable;
      if (f.name == retype) f.type = *columnar::DataType::Parse(type);
    }
    const columnar::Schema schema(fields);
    auto table = delta::Table::Open(io::PosixFileSystem(), DailyPricesPath(lake_));
    ASSERT_TRUE(delta::CreateTable(*table, schema, {}).ok());
    auto batch = columnar::ReadCsv(
        "trading_date,ticker,asset_class,open,high,low,close,avg_price,vwap,total_volume,"
        "trade_count\n" +
            rows,
        schema, "gold.csv");
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_TRUE(delta::Append(*table, *batch).ok());
  };
  const std::string row = "2020-01-06,AAA,stock,10,11,9,10,10,10,100,5\n";
  for (const auto& [column, type] :
       std::vector<std::pair<std::string, std::string>>{{"close", "float"},
                                                        {"close", "long"},
                                                        {"close", "string"},
                                                        {"trading_date", "string"},
                                                        {"high", "int"},
                                                        {"total_volume", "long"}}) {
    write(column, type, false, row);
    auto set = ReadGoldDailySeries(io::PosixFileSystem(), lake_, {});
    ASSERT_FALSE(set.ok()) << column << " " << type;
    EXPECT_NE(set.status().message().find("column " + column + " is "), std::string::npos)
        << set.status().message();
  }
  for (const char* missing : {"trading_date", "high", "close"}) {
    std::string r = "2020-01-06,AAA,stock,10,11,9,10,10,10,100,5\n";
    const std::vector<std::string> names = {"trading_date", "ticker", "asset_class", "open",
                                            "high",         "low",    "close"};
    const size_t at = std::find(names.begin(), names.end(), missing) - names.begin();
    std::vector<std::string> cells;
    std::stringstream ss(r.substr(0, r.size() - 1));
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    cells[at] = "";
    write("", "", true, fmt::format("{}\n", fmt::join(cells, ",")) + row);
    auto set = ReadGoldDailySeries(io::PosixFileSystem(), lake_, {});
    ASSERT_FALSE(set.ok()) << missing;
    EXPECT_EQ(set.status().message(),
              DailyPricesPath(lake_) + ": a row of AAA has no " + std::string(missing));
  }
  write("", "", true, row);  // nullable, but no nulls: read
  auto set = ReadGoldDailySeries(io::PosixFileSystem(), lake_, {});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->series.size(), 1u);
  EXPECT_EQ(set->series[0].close, std::vector<double>{10});
}

// The forecast's target day is the next day the exchange opened: past weekends and holidays,
// and past the one-off closures the rules do not give (a TSLA history ending 2018-12-04 targeted
// 2018-12-05, the day of mourning for President Bush).
TEST(NextTradingDayTest, SkipsOneOffClosuresAsWellAsTheRules) {
  auto day = [](int y, unsigned m, unsigned d) {
    return static_cast<int32_t>(columnar::DaysFromCivil(y, m, d));
  };
  EXPECT_EQ(NextTradingDay("stock", day(2018, 12, 4)), day(2018, 12, 6));
  EXPECT_EQ(NextTradingDay("stock", day(2012, 10, 26)), day(2012, 10, 31));  // Sandy
  EXPECT_EQ(NextTradingDay("stock", day(2025, 1, 8)), day(2025, 1, 10));
  EXPECT_EQ(NextTradingDay("stock", day(2024, 1, 5)), day(2024, 1, 8));  // a weekend
  EXPECT_EQ(NextTradingDay("stock", day(2016, 12, 23)), day(2016, 12, 27));
  EXPECT_EQ(NextTradingDay("crypto", day(2018, 12, 4)), day(2018, 12, 5));
}

}  // namespace
}  // namespace financelake::pipeline
