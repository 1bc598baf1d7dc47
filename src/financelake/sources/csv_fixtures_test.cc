// The `csv` source on every shared fixture file (../shared/fixtures: stocks_daily, crypto,
// fraud): exact event and malformed-row counts, column mapping by name, tickers, labels.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/io/path.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/sources/csv_test_util.h"
#include "financelake/sources/event_time.h"

namespace financelake::sources {
namespace {

using csv_testing::Files;
using csv_testing::Fixture;
using csv_testing::Replay;
using csv_testing::Replayed;

// Data rows of a file without quoted line breaks: non-blank lines after the header.
int64_t DataRows(const std::string& path) {
  const std::string text = *io::PosixFileSystem()->ReadFile(path);
  int64_t lines = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    if (nl > start && !(nl == start + 1 && text[start] == '\r')) ++lines;
    start = nl + 1;
  }
  return lines - 1;
}

TEST(CsvSourceTest, ReplaysEveryFixtureFileWithExactCounts) {
  // Lines of each file that are malformed; tickers needed where the file cannot tell.
  const std::map<std::string, std::set<int64_t>> malformed_lines = {
      {"tesla-stock-price.csv", {2}},  // "11:34": an intraday row without a date
  };
  const std::map<std::string, std::string> tickers = {{"tesla-stock-price.csv", "TSLA"}};
  const std::map<std::string, int> cells_per_row = {{"stockdata.csv", 5}};
  std::vector<std::string> files;
  for (const char* dir : {"stocks_daily/mplfinance", "stocks_daily/plotly_datasets",
                          "stocks_daily/derived_from_yahoo_chart_json",
                          "crypto/exploratium_market-data", "fraud/ulb_creditcard"}) {
    auto entries = io::PosixFileSystem()->ListDir(Fixture(dir));
    ASSERT_TRUE(entries.ok()) << entries.status().ToString();
    for (const io::FileInfo& f : *entries) files.push_back(f.path);
  }
  ASSERT_GE(files.size(), 17u);
  int64_t total_events = 0;
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    const std::string name = io::BaseName(path);
    CsvSourceOptions o = Files({path});
    if (tickers.count(name)) o.ticker = tickers.at(name);
    const Replay r = Replayed(o);
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    std::set<int64_t> bad;
    for (const MalformedRecord& m : r.malformed) {
      bad.insert(m.line);
      EXPECT_EQ(m.file, path);
      EXPECT_EQ(m.position, path + ":" + std::to_string(m.line));
      EXPECT_FALSE(m.reason.empty());
    }
    const std::set<int64_t> expected_bad =
        malformed_lines.count(name) ? malformed_lines.at(name) : std::set<int64_t>{};
    EXPECT_EQ(bad, expected_bad);
    const int cells = cells_per_row.count(name) ? cells_per_row.at(name) : 1;
    EXPECT_EQ(static_cast<int64_t>(r.events.size()),
              (DataRows(path) - static_cast<int64_t>(expected_bad.size())) * cells);
    // Replay order is chronological, offsets count every record, payloads are valid JSON.
    int64_t previous = INT64_MIN;
    for (const Event& e : r.events) {
      ASSERT_GE(e.event_time.value(), previous);
      previous = e.event_time.value();
      auto j = Json::Parse(e.payload);
      ASSERT_TRUE(j.ok()) << e.payload;
      EXPECT_EQ(j->GetString("event_id", ""), e.event_id);
      EXPECT_EQ(j->GetString("source", ""), "csv");
    }
    total_events += static_cast<int64_t>(r.events.size());
  }
  EXPECT_EQ(total_events, 36547);  // 17 files, the wide table counting 5 bars a row
}

TEST(CsvSourceTest, TeslaFileIsDirtyDescendingAndReported) {
  CsvSourceOptions o = Files({Fixture("stocks_daily/plotly_datasets/tesla-stock-price.csv")});
  EXPECT_TRUE(Replayed(o).status.IsInvalidArgument());  // no ticker in the name: must be told
  EXPECT_NE(Replayed(o).status.message().find("pass --ticker"), std::string::npos);
  o.ticker = "TSLA";
  const Replay r = Replayed(o);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.malformed.size(), 1u);
  EXPECT_EQ(r.malformed[0].line, 2);
  EXPECT_NE(r.malformed[0].reason.find("'11:34' is a time of day without a date"),
            std::string::npos);
  EXPECT_EQ(r.malformed[0].raw,
            "\"11:34\",\"270.49\",\"4,787,699\",\"264.50\",\"273.88\",\"262.24\"");
  // The file is newest first; the replay is oldest first.
  ASSERT_EQ(r.events.size(), 756u);
  EXPECT_EQ(FormatEventTime(r.events.front().event_time.value()), "2015-10-15T20:00:00.000000Z");
  EXPECT_EQ(r.events.front().position, o.paths[0] + ":758");
  EXPECT_EQ(FormatEventTime(r.events.back().event_time.value()), "2018-10-15T20:00:00.000000Z");
  auto last = Json::Parse(r.events.back().payload);
  EXPECT_EQ(last->GetString("ticker", ""), "TSLA");
  EXPECT_EQ(last->Find("volume")->as_int(), 6189026);
  EXPECT_EQ(last->Find("close")->as_double(), 259.59);
}

TEST(CsvSourceTest, BarsCarryTheContractFields) {
  const Replay btc = Replayed(Files({Fixture("crypto/exploratium_market-data/BTC-USD.csv")}));
  ASSERT_TRUE(btc.status.ok());
  ASSERT_EQ(btc.events.size(), 363u);
  const Event& first = btc.events.front();
  EXPECT_EQ(first.topic, Topic::kCryptoPrices);
  EXPECT_EQ(first.key, "BTC");
  EXPECT_EQ(FormatEventTime(first.event_time.value()), "2020-06-27T23:59:59.000000Z");
  auto j = Json::Parse(first.payload);
  ASSERT_TRUE(j.ok());
  // Columns mapped by name in the order Date,High,Low,Open,Close,Volume,Adj Close.
  EXPECT_EQ(j->Find("open")->as_double(), 9048.4609375);
  EXPECT_EQ(j->Find("high")->as_double(), 9197.546875);
  EXPECT_EQ(j->Find("low")->as_double(), 8975.525390625);
  EXPECT_EQ(j->Find("price_usd")->as_double(), 9143.58203125);
  EXPECT_EQ(j->Find("volume_24h")->as_int(), 14560870760);
  EXPECT_TRUE(j->Find("market_cap")->is_null());
  EXPECT_NEAR(j->Find("change_24h")->as_double(), (9143.58203125 / 9048.4609375 - 1) * 100, 1e-5);
  EXPECT_EQ(first.event_id,
            ComputeEventId(Topic::kCryptoPrices, "csv", "BTC", "bar:1d", first.event_time.value()));
  // The duplicated 2021-03-28 row replays twice with one event id: downstream deduplicates.
  std::map<std::string, int> ids;
  for (const Event& e : btc.events) ids[e.event_id]++;
  EXPECT_EQ(ids.size(), 362u);

  const Replay aapl =
      Replayed(Files({Fixture("stocks_daily/plotly_datasets/finance-charts-apple.csv")}));
  ASSERT_TRUE(aapl.status.ok());
  EXPECT_EQ(aapl.events.front().key, "AAPL");  // from the "AAPL.Open" header prefix
  const Event& bar = aapl.events.front();
  // 16:00 New York on 2015-02-17 (EST) is 21:00Z.
  EXPECT_EQ(FormatEventTime(bar.event_time.value()), "2015-02-17T21:00:00.000000Z");
  j = Json::Parse(bar.payload);
  EXPECT_EQ(j->GetString("kind", ""), "bar");
  EXPECT_EQ(j->GetString("interval", ""), "1d");
  EXPECT_EQ(j->Find("price")->as_double(), j->Find("close")->as_double());
  EXPECT_EQ(j->Find("adj_close")->as_double(), 122.905254);

  const Replay wide = Replayed(Files({Fixture("stocks_daily/plotly_datasets/stockdata.csv")}));
  ASSERT_TRUE(wide.status.ok());
  j = Json::Parse(wide.events.front().payload);
  EXPECT_TRUE(j->Find("volume")->is_null());
  EXPECT_TRUE(j->Find("open")->is_null());
  EXPECT_EQ(wide.events.front().position,
            Fixture("stocks_daily/plotly_datasets/stockdata.csv") + ":2:MSFT");
}

TEST(CsvSourceTest, LongTableTickersAndTickerOption) {
  const std::string path = Fixture("stocks_daily/plotly_datasets/dash-stock-ticker-demo.csv");
  const Replay r = Replayed(Files({path}));
  ASSERT_TRUE(r.status.ok());
  std::map<std::string, int> per_ticker;
  for (const Event& e : r.events) per_ticker[e.key]++;
  EXPECT_EQ(per_ticker,
            (std::map<std::string, int>{
                {"AAPL", 753}, {"COKE", 754}, {"GOOGL", 754}, {"TSLA", 754}, {"YHOO", 619}}));
  CsvSourceOptions o = Files({path});
  o.ticker = "AAPL";
  EXPECT_NE(Replayed(o).status.message().find("--ticker does not apply"), std::string::npos);
}

TEST(CsvSourceTest, FraudFixturesKeepTheirLabels) {
  for (auto [file, frauds] : {std::pair{"drhuazhao_creditcard_sample_2000_random.csv", 6},
                              std::pair{"jaehyeongAN_creditcard_sample_all492frauds.csv", 492}}) {
    const Replay r = Replayed(Files({Fixture(std::string("fraud/ulb_creditcard/") + file)}));
    ASSERT_TRUE(r.status.ok());
    int seen = 0;
    for (const Event& e : r.events) {
      auto j = Json::Parse(e.payload);
      ASSERT_TRUE(j.ok());
      seen += j->Find("is_fraud")->as_bool() ? 1 : 0;
      ASSERT_EQ(j->Find("features")->size(), 28u);
    }
    EXPECT_EQ(seen, frauds) << file;
  }
}

}  // namespace
}  // namespace financelake::sources
