// The `csv` source on the project's small dirty files: every malformed-row report, card rows,
// resume, interleaving, pacing, errors, and the filesystem interface.
#include "financelake/sources/csv_source.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/io/fault_injecting_filesystem.h"
#include "financelake/io/memory_filesystem.h"
#include "financelake/sources/csv_test_util.h"
#include "financelake/sources/event_time.h"

namespace financelake::sources {
namespace {

using csv_testing::Files;
using csv_testing::Fixture;
using csv_testing::Replay;
using csv_testing::Replayed;
using csv_testing::TestData;

TEST(CsvSourceTest, DirtyFileReportsEveryBadRowWithItsReason) {
  const Replay r = Replayed(Files({TestData("XYZ_dirty_daily.csv")}));
  ASSERT_TRUE(r.status.ok());
  std::map<int64_t, std::string> reasons;
  for (const MalformedRecord& m : r.malformed) reasons[m.line] = m.reason;
  const std::map<int64_t, std::string> expected = {
      {3, "column 'Close': missing value"},
      {4, "column 'Close': 'abc' is not a number"},
      {6, "column 'Date': '2024-02-30' is not a valid calendar date"},
      {7, "expected 7 fields, found 3"},
      {8, "column 'Volume': -5 is negative"},
      {9, "column 'Close': 0 is not a positive price"},
      {11, "column 'Close': 'nan' is not a finite number"},
      {13, "column 'Date': '13:05' is a time of day without a date (an intraday row)"},
      {14, "column 'Volume': '1,2,3' is not a number (misplaced ',')"},
      {15, "a quoted field is not closed before the end of the file"},
  };
  EXPECT_EQ(reasons, expected);
  ASSERT_EQ(r.events.size(), 3u);  // lines 2, 5 (1,500 -> 1500) and 12 (M/D/YYYY, no volume)
  EXPECT_EQ(r.events[1].position, TestData("XYZ_dirty_daily.csv") + ":5");
  EXPECT_EQ(Json::Parse(r.events[1].payload)->Find("volume")->as_int(), 1500);
  EXPECT_TRUE(Json::Parse(r.events[2].payload)->Find("volume")->is_null());
  // Malformed records are numbered with the events, in replay order.
  EXPECT_EQ(r.malformed[0].offset, 2u);
  EXPECT_EQ(r.events[1].offset, 4u);  // line 2, bad 3, bad 4, line 5
}

TEST(CsvSourceTest, CardFilesBecomeLabelledBankTransactions) {
  CsvSourceOptions o = Files({TestData("cards_small.csv")});
  o.card_start_micros = *ParseEventTime("2024-05-01T00:00:00Z");
  const Replay r = Replayed(o);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.events.size(), 4u);
  ASSERT_EQ(r.malformed.size(), 3u);
  EXPECT_EQ(r.malformed[0].reason, "column 'Class': '2' is not 0 or 1");
  EXPECT_EQ(r.malformed[1].reason, "column 'V28': 'x' is not a number");
  EXPECT_EQ(r.malformed[2].reason, "column 'Time': negative seconds");
  // Time order: line 3 (Time 0), line 4 (60.5 s), line 2 (120 s), line 8 (3600 s).
  EXPECT_EQ(r.events[0].position, TestData("cards_small.csv") + ":3");
  EXPECT_EQ(FormatEventTime(r.events[1].event_time.value()), "2024-05-01T00:01:00.500000Z");
  auto j = Json::Parse(r.events[2].payload);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->GetString("transaction_id", ""), "cards_small.csv:2");
  EXPECT_EQ(r.events[2].key, "cards_small.csv:2");
  EXPECT_TRUE(j->Find("account_id")->is_null());
  EXPECT_TRUE(j->Find("merchant")->is_null());
  EXPECT_EQ(j->GetString("type", ""), "CARD");
  EXPECT_EQ(j->GetString("currency", ""), "EUR");
  EXPECT_EQ(j->Find("amount")->as_double(), 149.62);
  EXPECT_FALSE(j->Find("is_fraud")->as_bool());
  ASSERT_EQ(j->Find("features")->size(), 28u);
  EXPECT_EQ(j->Find("features")->items()[0].as_double(), -1.5);
  EXPECT_TRUE(Json::Parse(r.events[0].payload)->Find("is_fraud")->as_bool());  // quoted '1'
}

TEST(CsvSourceTest, ResumeContinuesExactlyAfterThePosition) {
  CsvSourceOptions o = Files({Fixture("stocks_daily/plotly_datasets/tesla-stock-price.csv"),
                              TestData("cards_small.csv"), TestData("XYZ_dirty_daily.csv")});
  o.ticker = "TSLA";
  const Replay full = Replayed(o);
  ASSERT_TRUE(full.status.ok());
  // After an event in the middle, and after the very last record.
  for (size_t k : {size_t{0}, size_t{100}, full.events.size() - 1}) {
    CsvSourceOptions again = o;
    again.resume_after = full.events[k].position;
    const Replay rest = Replayed(again, 7);
    ASSERT_TRUE(rest.status.ok()) << rest.status.ToString();
    ASSERT_EQ(rest.events.size(), full.events.size() - k - 1) << k;
    for (size_t i = 0; i < rest.events.size(); ++i) {
      ASSERT_EQ(rest.events[i].payload, full.events[k + 1 + i].payload);
      ASSERT_EQ(rest.events[i].offset, full.events[k + 1 + i].offset);
    }
  }
  // Malformed records before the resume point are not reported again.
  CsvSourceOptions after_bad = o;
  after_bad.resume_after = full.malformed.back().position;
  const Replay tail = Replayed(after_bad);
  ASSERT_TRUE(tail.status.ok());
  EXPECT_TRUE(tail.malformed.empty());
  EXPECT_EQ(tail.final_position, full.final_position);
  // A position that is not a record of these files.
  CsvSourceOptions wrong = o;
  wrong.resume_after = o.paths[0] + ":99999";
  EXPECT_TRUE(Replayed(wrong).status.IsInvalidArgument());
  wrong.resume_after = "12";
  EXPECT_TRUE(Replayed(wrong).status.IsInvalidArgument());
}

TEST(CsvSourceTest, SeveralFilesInterleaveByDate) {
  const Replay r = Replayed(Files(
      {Fixture("stocks_daily/derived_from_yahoo_chart_json/AAPL_daily_6mo_to_2025-10-29.csv"),
       Fixture("stocks_daily/derived_from_yahoo_chart_json/MSFT_daily_6mo_to_2025-10-29.csv")}));
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.events.size(), 254u);
  for (size_t i = 0; i < r.events.size(); ++i) {
    EXPECT_EQ(r.events[i].key, i % 2 == 0 ? "AAPL" : "MSFT");
    EXPECT_EQ(r.events[i].offset, i + 1);
  }
}

TEST(CsvSourceTest, WithoutAHandlerMalformedRowsAreErrors) {
  CsvSourceOptions o = Files({TestData("XYZ_dirty_daily.csv")});
  auto source = MakeCsvSource(o);
  ASSERT_TRUE(source.ok());
  std::vector<Event> batch;
  auto n = (*source)->NextBatch(&batch, 100);
  ASSERT_FALSE(n.ok());
  EXPECT_TRUE(n.status().IsDataLoss());
  EXPECT_NE(n.status().message().find("XYZ_dirty_daily.csv:3: column 'Close': missing value"),
            std::string::npos);
  // A handler's error stops the replay, with context.
  o.on_malformed = [](const MalformedRecord&) { return Status::Unavailable("errors topic down"); };
  source = MakeCsvSource(o);
  n = (*source)->NextBatch(&batch, 100);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(n.status().message().find("errors topic down"), std::string::npos);
}

TEST(CsvSourceTest, SpeedReplaysEventTimeAgainstTheClock) {
  ManualClock clock(0);
  CsvSourceOptions o = Files({TestData("cards_small.csv")});
  o.speed = 60;  // a minute per second
  o.clock = &clock;
  const Replay r = Replayed(o, 100);
  ASSERT_TRUE(r.status.ok());
  // Event times span 0 .. 3600 s: one minute of wall time at 60x.
  EXPECT_EQ(clock.NowMicros(), 60 * kMicrosPerSecond);
  EXPECT_EQ(r.events.size(), 4u);
}

TEST(CsvSourceTest, AStopDuringAReplayWaitEmitsNothingEarly) {
  ManualClock clock(0);
  clock.InterruptAtSleep(1);  // Ctrl-C while waiting for the second card transaction
  CsvSourceOptions o = Files({TestData("cards_small.csv")});
  o.speed = 60;
  o.clock = &clock;
  o.on_malformed = [](const MalformedRecord&) { return Status::OK(); };
  auto source = MakeCsvSource(o);
  ASSERT_TRUE(source.ok());
  std::vector<Event> batch;
  auto n = (*source)->NextBatch(&batch, 100);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  ASSERT_EQ(*n, 1u);  // the first is due at once
  const std::string first = (*source)->Position();
  n = (*source)->NextBatch(&batch, 100);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 0u);
  EXPECT_EQ(clock.NowMicros(), 0);
  EXPECT_EQ((*source)->Position(), first);  // a resume starts at the second
}

TEST(CsvSourceTest, FilesGoThroughTheFileSystemInterface) {
  auto mem = std::make_shared<io::MemoryFileSystem>();
  ASSERT_TRUE(mem->CreateDirs("/in").ok());
  {
    auto f = mem->NewWritableFile("/in/ABC.csv").value();
    ASSERT_TRUE(f->Append("Date,Close\n2024-01-02,10\n2024-01-03,11\n").ok());
    ASSERT_TRUE(f->Close().ok());
  }
  CsvSourceOptions o = Files({"/in/ABC.csv"});
  o.fs = mem;
  const Replay r = Replayed(o);
  ASSERT_TRUE(r.status.ok());
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].key, "ABC");

  auto faulty = std::make_shared<io::FaultInjectingFileSystem>(mem);
  faulty->FailAlways(io::FaultOp::kRead);
  o.fs = faulty;
  const Replay failed = Replayed(o);
  EXPECT_TRUE(failed.status.IsIOError());
  EXPECT_NE(failed.status.message().find("csv: /in/ABC.csv"), std::string::npos);
}

TEST(CsvSourceTest, ShareClassesNamedByTheirFilesAreTwoInstruments) {
  // BRK-A.csv and BRK-B.csv: the same date, two tickers, two event ids (one id would make Silver
  // drop one class as a duplicate of the other).
  auto mem = std::make_shared<io::MemoryFileSystem>();
  ASSERT_TRUE(mem->CreateDirs("/in").ok());
  for (const auto& [name, close] : {std::pair{"BRK-A", "542000"}, std::pair{"BRK-B", "361"}}) {
    auto f = mem->NewWritableFile(std::string("/in/") + name + ".csv").value();
    ASSERT_TRUE(f->Append(std::string("Date,Close\n2024-01-02,") + close + "\n").ok());
    ASSERT_TRUE(f->Close().ok());
  }
  CsvSourceOptions o = Files({"/in/BRK-A.csv", "/in/BRK-B.csv"});
  o.fs = mem;
  const Replay r = Replayed(o);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].key, "BRK-A");
  EXPECT_EQ(r.events[1].key, "BRK-B");
  EXPECT_EQ(Json::Parse(r.events[1].payload)->GetString("ticker", ""), "BRK-B");
  EXPECT_NE(r.events[0].event_id, r.events[1].event_id);
}

TEST(CsvSourceTest, YfinanceMidnightsAreDailyDates) {
  // yfinance's to_csv() writes its daily index as a midnight with the exchange's offset.
  auto mem = std::make_shared<io::MemoryFileSystem>();
  ASSERT_TRUE(mem->CreateDirs("/in").ok());
  {
    auto f = mem->NewWritableFile("/in/YF.csv").value();
    ASSERT_TRUE(f->Append("Date,Open,High,Low,Close,Volume\n"
                          "2024-01-02 00:00:00-05:00,10,11,9,10.5,100\n"
                          "2024-01-03T00:00:00Z,10,11,9,10.5,100\n"
                          "2024-01-04 00:00:00.000,10,11,9,10.5,100\n")
                    .ok());
    ASSERT_TRUE(f->Close().ok());
  }
  CsvSourceOptions o = Files({"/in/YF.csv"});
  o.fs = mem;
  const Replay r = Replayed(o);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_TRUE(r.malformed.empty()) << r.malformed[0].reason;
  ASSERT_EQ(r.events.size(), 3u);
  const char* closes[] = {"2024-01-02T21:00:00.000000Z", "2024-01-03T21:00:00.000000Z",
                          "2024-01-04T21:00:00.000000Z"};  // 16:00 New York of the date as written
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(Json::Parse(r.events[i].payload)->GetString("event_time", ""), closes[i]);
  }
}

TEST(CsvSourceTest, CardFilesOfTheSameNameKeepTheirOwnEventIds) {
  // Two exports named alike in different folders, the same line holding different transactions
  // at the same time: their event ids must differ (Silver would drop one as a duplicate); a
  // replay of one file gives the ids it gave before.
  auto mem = std::make_shared<io::MemoryFileSystem>();
  std::string header = "Time";
  for (int i = 1; i <= 28; ++i) header += ",V" + std::to_string(i);
  header += ",Amount,Class\n";
  auto write = [&](const std::string& path, const std::string& amount) {
    ASSERT_TRUE(mem->CreateDirs(path.substr(0, path.rfind('/'))).ok());
    auto f = mem->NewWritableFile(path).value();
    std::string row = "0";
    for (int i = 1; i <= 28; ++i) row += ",0.5";
    ASSERT_TRUE(f->Append(header + row + "," + amount + ",0\n").ok());
    ASSERT_TRUE(f->Close().ok());
  };
  write("/a/cards.csv", "10.00");
  write("/b/cards.csv", "99.00");
  auto ids = [&](const std::string& path) {
    CsvSourceOptions o = Files({path});
    o.fs = mem;
    const Replay r = Replayed(o);
    EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.events.size(), 1u);
    return r.events.empty() ? std::string() : r.events[0].event_id;
  };
  const std::string a = ids("/a/cards.csv");
  EXPECT_FALSE(a.empty());
  EXPECT_NE(a, ids("/b/cards.csv"));
  EXPECT_EQ(a, ids("/a/cards.csv"));
}

// A card row whose `Time` puts it past the year 9999 is malformed (it overflowed into a garbage
// or clamped event_time, and an event_id computed from it).
TEST(CsvSourceTest, ACardTimePastTheYear9999IsMalformed) {
  const std::string path = ::testing::TempDir() + "/cards_far.csv";
  {
    std::ofstream f(path);
    f << "Time";
    for (int i = 1; i <= 28; ++i) f << ",V" << i;
    f << ",Amount,Class\n";
    for (const char* time : {"60", "1e13", "4e12", "1e300"}) {
      f << time;
      for (int i = 1; i <= 28; ++i) f << ",0.5";
      f << ",10,0\n";
    }
  }
  const Replay r = Replayed(Files({path}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(FormatEventTime(r.events[0].event_time.value()), "2013-09-01T00:01:00.000000Z");
  ASSERT_EQ(r.malformed.size(), 3u);
  for (const MalformedRecord& m : r.malformed) {
    EXPECT_NE(m.reason.find("column 'Time': "), std::string::npos) << m.reason;
    EXPECT_NE(m.reason.find("past the year 9999"), std::string::npos) << m.reason;
  }
  std::remove(path.c_str());
}

// An hourly file's 00:00 rows are not daily bars: once the file shows another time of day,
// every row of it is malformed (its 00:00 bar became the day's candle in Gold). A daily file
// dated with midnights (yfinance) stays daily.
TEST(CsvSourceTest, MidnightRowsOfAnIntradayFileAreNotDailyBars) {
  const std::string path = ::testing::TempDir() + "/BTC-USD_1h.csv";
  {
    std::ofstream f(path);
    f << "Date,Open,High,Low,Close,Adj Close,Volume\n";
    for (int day = 1; day <= 2; ++day) {
      for (int hour = 0; hour < 3; ++hour) {
        f << fmt::format("2021-01-0{} {:02d}:00:00,110,111,109,110.5,110.5,1000\n", day, hour);
      }
    }
    f << "2021-01-03,110,111,109,110.5,110.5,1000\n";  // a date alone stays a daily row
  }
  const Replay r = Replayed(Files({path}));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_NE(r.events[0].payload.find("\"2021-01-03T23:59:59"), std::string::npos)
      << r.events[0].payload;
  ASSERT_EQ(r.malformed.size(), 6u);
  int midnights = 0;
  for (const MalformedRecord& m : r.malformed) {
    if (m.reason.find("is an intraday bar (line " + std::to_string(m.line + 1) +
                      " has another time of day on the same date)") != std::string::npos) {
      ++midnights;
    } else {
      EXPECT_NE(m.reason.find("has a time of day"), std::string::npos) << m.reason;
    }
  }
  EXPECT_EQ(midnights, 2);
  std::remove(path.c_str());
  // A daily file dated with midnights and one stray time (a DST-shifted stamp): only that row
  // is malformed.
  const std::string daily = ::testing::TempDir() + "/XYZ_daily.csv";
  {
    std::ofstream f(daily);
    f << "Date,Open,High,Low,Close,Adj Close,Volume\n";
    f << "2021-01-04 00:00:00-05:00,10,11,9,10.5,10.5,1000\n";
    f << "2021-01-05 23:00:00-05:00,10,11,9,10.5,10.5,1000\n";
    f << "2021-01-06 00:00:00-05:00,10,11,9,10.5,10.5,1000\n";
  }
  const Replay d = Replayed(Files({daily}));
  ASSERT_TRUE(d.status.ok()) << d.status.ToString();
  EXPECT_EQ(d.events.size(), 2u);
  ASSERT_EQ(d.malformed.size(), 1u);
  EXPECT_EQ(d.malformed[0].line, 3);
  std::remove(daily.c_str());
}

// --asset-class crypto (or a USD pair) must give a symbol of the crypto contract; a stock
// ticker read as crypto is refused up front, not sent to Silver's errors row by row.
TEST(CsvSourceTest, ATickerReadAsCryptoMustMakeACryptoSymbol) {
  for (const char* ticker : {"BRK-B", "F"}) {
    CsvSourceOptions o = Files({TestData("XYZ_dirty_daily.csv")});
    o.asset_class = AssetClass::kCrypto;
    o.ticker = ticker;
    const Replay r = Replayed(o);
    EXPECT_TRUE(r.status.IsInvalidArgument()) << r.status.ToString();
    EXPECT_NE(r.status.message().find(std::string("crypto symbol '") + ticker + "'"),
              std::string::npos)
        << r.status.message();
    EXPECT_TRUE(r.events.empty());
  }
  CsvSourceOptions o = Files({TestData("XYZ_dirty_daily.csv")});
  o.asset_class = AssetClass::kCrypto;
  o.ticker = "BTC-USD";
  const Replay r = Replayed(o);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_FALSE(r.events.empty());
  EXPECT_EQ(r.events[0].key, "BTC");
}

TEST(CsvSourceTest, BadOptionsAndFilesAreInvalidArgument) {
  auto invalid = [](CsvSourceOptions o, const std::string& fragment) {
    const Replay r = Replayed(o);
    EXPECT_TRUE(r.status.IsInvalidArgument()) << r.status.ToString();
    EXPECT_NE(r.status.message().find(fragment), std::string::npos) << r.status.message();
  };
  invalid(Files({}), "no input files");
  invalid(Files({TestData("no-such-file.csv")}), "no-such-file.csv: no such file");
  invalid(Files({TestData("PROVENANCE.md")}), "unrecognised header");
  CsvSourceOptions o = Files({TestData("XYZ_dirty_daily.csv")});
  o.speed = -1;
  invalid(o, "speed must be >= 0");
  o = Files({TestData("XYZ_dirty_daily.csv")});
  o.ticker = "not a ticker";
  invalid(o, "ticker 'not a ticker'");
  invalid(Files({TestData("cards_small.csv"), TestData("cards_small.csv")}), "listed twice");
}

}  // namespace
}  // namespace financelake::sources
