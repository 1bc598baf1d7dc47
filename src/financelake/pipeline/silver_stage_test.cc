#include "financelake/pipeline/silver_stage.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "financelake/delta/checkpoint_writer.h"
#include "financelake/delta/data_writer.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/table.h"
#include "financelake/io/fault_injecting_filesystem.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/bronze_batch.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/errors_table.h"
#include "financelake/pipeline/exactly_once_table.h"
#include "financelake/pipeline/lake_test_util.h"
#include "financelake/pipeline/silver_contract.h"

namespace financelake::pipeline {
namespace {

constexpr int64_t kNow = 1767225600LL * 1000000;  // 2026-01-01T00:00:00Z

class SilverStageTest : public testing::LakeTest {
 protected:
  // Appends payloads to Bronze stock_trades as one commit.
  void Bronze(const std::vector<std::string>& payloads) { AppendBronze("stock-trades", payloads, kNow); }

  SilverCounts Run(std::shared_ptr<io::FileSystem> fs = nullptr, int64_t part_rows = int64_t{1} << 20,
                   const std::string& lake_spelling = "") {
    SilverOptions o;
    o.lake = lake_spelling.empty() ? lake_ : lake_spelling;
    o.fs = fs;
    o.now_us = kNow;
    o.part_rows = part_rows;
    auto r = RunSilverOnce(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? (*r)["stock_trades"] : SilverCounts{};
  }

  // event_id -> "ticker price volume" of the Silver rows; fails on a duplicate id.
  std::map<std::string, std::string> Silver() {
    std::map<std::string, std::string> out;
    auto table = delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "stock_trades"));
    auto snap = table->Latest();
    EXPECT_TRUE(snap.ok());
    auto rows = table->Scan(**snap, {{"event_id", "ticker", "price", "volume"}, std::nullopt, -1});
    EXPECT_TRUE(rows.ok());
    for (int64_t i = 0; i < rows->num_rows(); ++i) {
      const std::string id(rows->column(0).StringAt(i));
      EXPECT_EQ(out.count(id), 0u) << id << " twice in Silver";
      out[id] = fmt::format("{} {} {}", rows->column(1).StringAt(i), rows->column(2).ValueAt<double>(i),
                            rows->column(3).IsNull(i) ? "null" : fmt::format("{}", rows->column(3).ValueAt<double>(i)));
    }
    return out;
  }

  // raw payload -> reason of every error row; fails when one payload is there twice.
  std::map<std::string, std::string> Errors() {
    std::map<std::string, std::string> out;
    auto table = delta::Table::Open(io::PosixFileSystem(), ErrorsTablePath(lake_));
    auto snap = table->Latest();
    EXPECT_TRUE(snap.ok());
    auto rows = table->Scan(**snap, {});
    EXPECT_TRUE(rows.ok());
    for (int64_t i = 0; i < rows->num_rows(); ++i) {
      EXPECT_EQ(rows->column(1).StringAt(i), "silver");
      const std::string raw(rows->column(4).StringAt(i));
      EXPECT_EQ(out.count(raw), 0u) << raw << " twice in errors";
      out[raw] = std::string(rows->column(3).StringAt(i));
    }
    return out;
  }

  // Asserts that the errors table holds exactly `want` (raw payload -> reason); a reason ending
  // in "..." is a prefix (the JSON parser's own message follows it).
  void ExpectErrors(const std::map<std::string, std::string>& want) {
    auto errors = Errors();
    ASSERT_EQ(errors.size(), want.size());
    for (const auto& [raw, reason] : want) {
      ASSERT_EQ(errors.count(raw), 1u) << raw.substr(0, 200);
      const std::string_view r = reason;
      if (r.size() > 3 && r.substr(r.size() - 3) == "...") {
        EXPECT_EQ(errors[raw].rfind(r.substr(0, r.size() - 3), 0), 0u) << errors[raw];
      } else {
        EXPECT_EQ(errors[raw], reason) << raw.substr(0, 200);
      }
    }
  }

  static std::string Trade(const std::string& id, const std::string& ticker, const std::string& price,
                           const std::string& volume = "100",
                           const std::string& time = "\"2025-12-30T15:00:00Z\"") {
    return fmt::format(R"({{"event_id":"{}","event_time":{},"ticker":"{}","price":{},"volume":{},"source":"t","kind":"trade"}})",
                       id, time, ticker, price, volume);
  }

};

TEST_F(SilverStageTest, GoldenRowsErrorsAndDuplicates) {
  const std::vector<std::string> bad = {
      "not json",
      "[1,2]",
      R"({"event_time":"2025-12-30T15:00:00Z","ticker":"A","price":1,"volume":1,"source":"t","kind":"trade"})",
      Trade("b1", "AAPL", "-3"),
      Trade("b2", "AAPL", "\"12\""),
      Trade("b3", "aapl!", "12"),
      Trade("b4", "AAPL", "12", "-1"),
      Trade("b5", "AAPL", "12", "100", "\"yesterday\""),
      Trade("b6", "AAPL", "12", "100", "\"2027-06-01T00:00:00Z\""),
      R"({"event_id":"b7","event_time":"2025-12-30T15:00:00Z","ticker":"AAPL","volume":1,"source":"t","kind":"trade"})",
      Trade("b8", "AAPL", "0"),
  };
  std::vector<std::string> batch1 = {Trade("a1", "AAPL", "190.5"), Trade("a2", "MSFT", "410", "null"),
                                     Trade("a1", "AAPL", "190.5"),  // duplicate within the batch
                                     Trade("a3", "NVDA", "480", "7", "1767052800000")};  // epoch ms
  batch1.insert(batch1.end(), bad.begin(), bad.end());
  Bronze(batch1);
  SilverCounts c = Run();
  EXPECT_EQ(c.bronze_rows, 15);
  EXPECT_EQ(c.silver_rows, 3);
  EXPECT_EQ(c.error_rows, 11);
  EXPECT_EQ(c.duplicates, 1);
  EXPECT_EQ(c.bronze_rows, c.silver_rows + c.error_rows + c.duplicates);
  const std::map<std::string, std::string> want_silver = {
      {"a1", "AAPL 190.5 100"}, {"a2", "MSFT 410 null"}, {"a3", "NVDA 480 7"}};
  EXPECT_EQ(Silver(), want_silver);
  ExpectErrors({
      {bad[0], "payload is not JSON: json: ..."},
      {bad[1], "payload is not a JSON object"},
      {bad[2], "missing required field 'event_id'"},
      {bad[3], "field 'price': must be > 0, got -3"},
      {bad[4], "field 'price': expected a number, got a string"},
      {bad[5], "field 'ticker': expected 1-12 of A-Z, 0-9, '.', '-', '^', got 'aapl!'"},
      {bad[6], "field 'volume': must be >= 0, got -1"},
      {bad[7], "field 'event_time': not a timestamp (..."},
      {bad[8], "field 'event_time': 2027-06-01T00:00:00.000000Z is more than a day after the event was ingested (2026-01-01T00:00:00.000000Z)"},
      {bad[9], "missing required field 'price'"},
      {bad[10], "field 'price': must be > 0, got 0"},
  });

  // A later batch: a replayed event (duplicate across batches), a late event, a new one.
  Bronze({Trade("a2", "MSFT", "410", "null"), Trade("late", "AAPL", "150", "1", "\"2024-01-02T15:00:00Z\""),
          Trade("a4", "AAPL", "191")});
  c = Run();
  EXPECT_EQ(c.bronze_rows, 3);
  EXPECT_EQ(c.silver_rows, 2);
  EXPECT_EQ(c.duplicates, 1);
  EXPECT_EQ(Silver().size(), 5u);
  // Nothing new: nothing happens.
  c = Run();
  EXPECT_EQ(c.bronze_rows, 0);
  EXPECT_EQ(Silver().size(), 5u);
  EXPECT_EQ(Errors().size(), 11u);
}

// The bad-input census of docs/reliability.md, Silver's rows: every kind lands in `errors` with
// the reason a reader acts on, across the three contracts; a huge payload and a topic without a
// contract are not errors.
TEST_F(SilverStageTest, BadInputCensus) {
  const std::string long_id(200, 'x');
  const std::string big_note(2 << 20, 'n');  // a 2 MiB field the contract does not know
  const std::vector<std::string> stock_bad = {
      R"({"event_id":"t1","event_time":"2025-12-30T15:00:00Z","ticker":"AAPL","price":1)",  // truncated
      Trade("t2", "AAPL", "NaN"),                                                            // not JSON
      Trade("t3", "AAPL", "1e400"),                                                          // overflows
      Trade("t4", "AAPL", "\"NaN\""),
      Trade(long_id, "AAPL", "5"),
      Trade("t6", "AAPL", "12", "[100]"),
      Trade("t7", "AAPL", "12", "100", "\"2025-13-01T00:00:00Z\""),
      Trade("t8", "AAPL", "12", "100", "true"),
      // Before 0001-01-01 (as epoch ms and as text): once accepted, its event_date partition
      // ('-29719-04-05') made Silver unreadable and stopped the pipeline for good.
      Trade("t9", "AAPL", "12", "100", "-999999999999999"),
      Trade("t10", "AAPL", "12", "100", "\"-62135596800001\""),
      R"({"event_id":"t11","event_time":"2025-12-30T15:00:00Z","ticker":"AAPL","price":3,"volume":1,"source":"t","kind":"banana"})",
  };
  std::vector<std::string> stock = stock_bad;
  const std::string big = R"({"event_id":"big","event_time":"2025-12-30T15:00:00Z","ticker":"AAPL","price":3,"volume":1,"source":"t","kind":"trade","note":")" + big_note + "\"}";
  stock.push_back(big);
  Bronze(stock);
  auto crypto = [](const std::string& id, const std::string& change) {
    return fmt::format(R"({{"event_id":"{}","event_time":"2025-12-30T15:00:00Z","symbol":"BTC","price_usd":42000.5,"volume_24h":1e10,"market_cap":8e11,"change_24h":{},"source":"t","kind":"tick"}})",
                       id, change);
  };
  std::vector<std::string> crypto_bad = {crypto("c1", "1e400"), crypto("c2", "-Infinity"), crypto("c4", "1")};
  crypto_bad[2].replace(crypto_bad[2].find("\"BTC\""), 5, "\"BTC-USD\"");
  crypto_bad.push_back(crypto("c5", "1"));
  crypto_bad[3].replace(crypto_bad[3].find("\"tick\""), 6, "\"candle\"");
  AppendBronze("crypto-prices", {crypto_bad[0], crypto_bad[1], crypto_bad[2], crypto_bad[3], crypto("c3", "-1.5")}, kNow);
  auto bank = [](const std::string& id, const std::string& currency, const std::string& country, const std::string& type) {
    return fmt::format(R"({{"event_id":"{}","event_time":"2025-12-30T15:00:00Z","transaction_id":"T{}","account_id":"A1","amount":24.5,"currency":"{}","type":"{}","merchant":"M","merchant_category":"food","country":"{}","channel":"POS","source":"t","is_fraud":false}})",
                       id, id, currency, type, country);
  };
  std::vector<std::string> bank_bad = {bank("k1", "XXX", "GB", "CARD"), bank("k2", "GBP", "gb", "CARD"),
                                             bank("k3", "GBP", "GB", "REFUND"), bank("k5", "GBP", "GB", "CARD")};
  // The label as a string is not the boolean the contract asks for (it is what `fraud train` learns).
  bank_bad[3].replace(bank_bad[3].find("\"is_fraud\":false"), 16, "\"is_fraud\":\"true\"");
  AppendBronze("bank-transactions", {bank_bad[0], bank_bad[1], bank_bad[2], bank_bad[3], bank("k4", "GBP", "GB", "CARD")}, kNow);
  // A topic without a contract: Bronze keeps it, Silver leaves it alone (no table, no errors).
  AppendBronze("fx-rates", {R"({"pair":"EURUSD","rate":1.1})"}, kNow);

  SilverOptions o;
  o.lake = lake_;
  o.now_us = kNow;
  auto r = RunSilverOnce(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["stock_trades"].silver_rows, 1);  // the big one
  EXPECT_EQ((*r)["crypto_prices"].silver_rows, 1);
  EXPECT_EQ((*r)["bank_transactions"].silver_rows, 1);
  EXPECT_EQ(r->count("fx_rates"), 0u);
  EXPECT_FALSE(std::filesystem::exists(SilverTablePath(lake_, "fx_rates")));
  EXPECT_EQ(Silver().count("big"), 1u);

  ExpectErrors({
      {stock_bad[0], "payload is not JSON: json: ..."},
      {stock_bad[1], "payload is not JSON: json: ..."},
      {stock_bad[2], "field 'price': must be > 0, got inf"},
      {stock_bad[3], "field 'price': expected a number, got a string"},
      {stock_bad[4], "field 'event_id': expected 1-128 printable characters without spaces, got '" +
                         long_id.substr(0, 64) + "'"},
      {stock_bad[5], "field 'volume': expected a number, got an array"},
      {stock_bad[6], "field 'event_time': not a timestamp (..."},
      {stock_bad[7], "field 'event_time': expected a string or epoch milliseconds, got a boolean"},
      {stock_bad[8],
       "field 'event_time': not a timestamp (event time '-999999999999999': epoch milliseconds "
       "outside the years 1..9999)"},
      {stock_bad[9],
       "field 'event_time': not a timestamp (event time '-62135596800001': epoch milliseconds "
       "outside the years 1..9999)"},
      {stock_bad[10], "field 'kind': expected trade or bar, got 'banana'"},
      {crypto_bad[2],
       "field 'symbol': expected 2-10 of A-Z, 0-9 (the coin without its quote currency), got "
       "'BTC-USD'"},
      {crypto_bad[3], "field 'kind': expected tick or bar, got 'candle'"},
      {bank_bad[3], "field 'is_fraud': expected true or false, got a string"},
      {crypto_bad[0], "field 'change_24h': must be finite, got inf"},
      {crypto_bad[1], "payload is not JSON: json: ..."},
      {bank_bad[0], "field 'currency': unknown ISO 4217 currency code, got 'XXX'"},
      {bank_bad[1], "field 'country': expected an ISO 3166-1 alpha-2 country code, got 'gb'"},
      {bank_bad[2],
       "field 'type': expected PAYMENT, TRANSFER, WITHDRAWAL, DEPOSIT or CARD, got 'REFUND'"},
  });
}

// Identity is (event_id, event_date): an id reused on another day is kept, one replayed on its
// own day is dropped, and incremental passes give what one pass over the same Bronze gives.
// (Silver once looked up existing ids only on the batch's dates, so a reused id was dropped or
// kept depending on which other rows shared its batch.)
TEST_F(SilverStageTest, DeduplicationDoesNotDependOnTheBatching) {
  const std::string day1 = Trade("X1", "DUP", "10", "1", "\"2024-01-02T15:00:00Z\"");
  const std::string day2 = Trade("X1", "DUP", "99", "1", "\"2024-01-09T15:00:00Z\"");
  const std::string other_day1 = Trade("Y1", "DUP", "11", "1", "\"2024-01-02T16:00:00Z\"");
  auto count_x1 = [&] {
    auto table = delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "stock_trades"));
    auto rows = table->Scan(**table->Latest(), {{"event_id", "price"}, std::nullopt, -1});
    EXPECT_TRUE(rows.ok());
    std::multiset<double> prices;
    for (int64_t i = 0; rows.ok() && i < rows->num_rows(); ++i) {
      if (rows->column(0).StringAt(i) == "X1") prices.insert(rows->column(1).ValueAt<double>(i));
    }
    return prices;
  };
  const std::multiset<double> want = {10, 99};
  // One pass over everything.
  Bronze({day1, other_day1, day2, day1});
  EXPECT_EQ(Run().duplicates, 1);
  EXPECT_EQ(count_x1(), want);
  // The same rows over three passes, the reused id alone in its batch, then with a row of the
  // first day beside it, then the replay of the first day.
  std::filesystem::remove_all(lake_);
  next_offsets_.clear();
  Bronze({day1, other_day1});
  Run();
  Bronze({day2});
  EXPECT_EQ(Run().duplicates, 0);
  Bronze({day1});
  EXPECT_EQ(Run().duplicates, 1);
  EXPECT_EQ(count_x1(), want);
  std::filesystem::remove_all(lake_);
  next_offsets_.clear();
  Bronze({day1});
  Run();
  Bronze({day2, other_day1});
  EXPECT_EQ(Run().duplicates, 0);
  EXPECT_EQ(count_x1(), want);
}

TEST_F(SilverStageTest, FailuresAndRerunsGiveIdenticalTables) {
  std::vector<std::string> rows;
  for (int i = 0; i < 300; ++i) {
    rows.push_back(i % 10 == 0 ? Trade("x" + std::to_string(i), "AAPL", "-1")
                               : Trade("e" + std::to_string(i % 250), "T" + std::to_string(i % 7), "10"));
  }
  Bronze(std::vector<std::string>(rows.begin(), rows.begin() + 150));
  Bronze(std::vector<std::string>(rows.begin() + 150, rows.end()));
  int failed = 0, round = 0;
  for (io::FaultOp op : {io::FaultOp::kWrite, io::FaultOp::kRename, io::FaultOp::kSync}) {
    for (int nth = 1; nth <= 4; ++nth) {
      auto fs = std::make_shared<io::FaultInjectingFileSystem>(io::PosixFileSystem());
      fs->FailNth(op, nth);
      SilverOptions o;
      o.lake = lake_;
      o.fs = fs;
      o.now_us = kNow;
      o.part_rows = nth % 2 == 0 ? 1 : o.part_rows;  // every other run in parts of one file
      if (!RunSilverOnce(o).ok()) ++failed;
      // New Bronze rows between runs: a new event and an invalid one.
      ++round;
      Bronze({Trade("n" + std::to_string(round), "AAPL", "5"), Trade("y" + std::to_string(round), "AAPL", "-1")});
    }
  }
  EXPECT_GE(failed, 6);
  Run();
  // Every distinct valid event once (e1..e249 without multiples of 10, n1..n12); every invalid
  // Bronze row once in errors (x0..x290, y1..y12).
  EXPECT_EQ(Silver().size(), 225u + 12u);
  EXPECT_EQ(Errors().size(), 30u + 12u);
  // And a from-scratch run over the same Bronze gives the same tables.
  const auto silver = Silver();
  const auto errors = Errors();
  std::filesystem::remove_all(SilverTablePath(lake_, "stock_trades"));
  std::filesystem::remove_all(ErrorsTablePath(lake_));
  Run();
  EXPECT_EQ(Silver(), silver);
  EXPECT_EQ(Errors(), errors);
}

// A pass in parts (one Bronze file each here) gives the tables of a pass in one part: a copy in
// a later part, or already in Silver on a date first seen in a later part, is a duplicate; a
// failed pass leaves no Silver data file behind.
TEST_F(SilverStageTest, PartsGiveTheSameTablesAsOnePass) {
  auto day = [](int d) { return fmt::format("\"2025-12-{:02d}T15:00:00Z\"", d); };
  Bronze({Trade("old1", "AAPL", "1", "1", day(1)), Trade("old9", "AAPL", "1", "1", day(9))});
  ASSERT_EQ(Run().silver_rows, 2);
  const auto before = Silver();
  auto data_files = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(SilverTablePath(lake_, "stock_trades"))) {
      n += e.path().extension() == ".parquet" ? 1 : 0;
    }
    return n;
  };
  const size_t files_before = data_files();
  for (int f = 0; f < 6; ++f) {
    std::vector<std::string> rows;
    for (int i = 0; i < 20; ++i) {
      // ids repeat across files; dates move forward so later parts meet new dates
      const int n = f * 12 + i;
      rows.push_back(Trade("p" + std::to_string(n), "T" + std::to_string(n % 5), "10", "1", day(1 + (n / 10) % 12)));
    }
    rows.push_back(Trade("old9", "AAPL", "1", "1", day(9)));  // already in Silver
    rows.push_back(Trade("bad" + std::to_string(f), "AAPL", "-1"));
    Bronze(rows);
  }
  // A failing pass in parts: no commit and no data file left.
  auto fs = std::make_shared<io::FaultInjectingFileSystem>(io::PosixFileSystem());
  fs->FailNth(io::FaultOp::kRename, 1);
  SilverOptions o;
  o.lake = lake_;
  o.fs = fs;
  o.now_us = kNow;
  o.part_rows = 1;
  EXPECT_FALSE(RunSilverOnce(o).ok());
  EXPECT_EQ(Silver(), before);
  EXPECT_EQ(data_files(), files_before);

  const SilverCounts parts = Run(nullptr, 1);
  EXPECT_EQ(parts.bronze_rows, 6 * 22);
  EXPECT_EQ(parts.error_rows, 6);
  EXPECT_EQ(parts.silver_rows, 80);  // p0..p79
  EXPECT_EQ(parts.duplicates, 6 * 22 - 6 - 80);
  const auto silver = Silver();
  const auto errors = Errors();
  EXPECT_EQ(silver.size(), 82u);
  std::filesystem::remove_all(SilverTablePath(lake_, "stock_trades"));
  std::filesystem::remove_all(ErrorsTablePath(lake_));
  Run(nullptr, 0);
  EXPECT_EQ(Silver(), silver);
  EXPECT_EQ(Errors(), errors);
}


// The "too far in the future" bound is the row's ingest time, not the clock: a pass that
// committed the errors table and failed before Silver, rerun days later, gives the same verdict
// (the row stays an error and does not land in Silver as well).
TEST_F(SilverStageTest, AFutureEventKeepsItsVerdictWhenRerunLater) {
  const std::string ahead = Trade("ahead", "AAPL", "10", "1", "\"2026-01-02T12:00:00Z\"");  // kNow + 1.5 days
  const std::string ok = Trade("fine", "AAPL", "10");
  int errors_only = 0;  // faulty passes that left the errors table ahead of Silver
  for (int nth = 1; nth <= 6; ++nth) {
    std::filesystem::remove_all(lake_);
    next_offsets_.clear();
    Bronze({ok, ahead});
    auto fs = std::make_shared<io::FaultInjectingFileSystem>(io::PosixFileSystem());
    fs->FailNth(io::FaultOp::kRename, nth);
    SilverOptions o;
    o.lake = lake_;
    o.fs = fs;
    o.now_us = kNow;
    const bool failed = !RunSilverOnce(o).ok();
    auto exists = [](const std::string& path) {
      auto e = delta::Table::Open(io::PosixFileSystem(), path)->Exists();
      return e.ok() && *e;
    };
    if (failed && exists(ErrorsTablePath(lake_)) && Errors().count(ahead) == 1 &&
        (!exists(SilverTablePath(lake_, "stock_trades")) || Silver().empty())) {
      ++errors_only;
    }
    o.fs = nullptr;
    o.now_us = kNow + 3 * 86'400'000'000LL;  // three days later the event is no longer ahead
    ASSERT_TRUE(RunSilverOnce(o).ok());
    const auto silver = Silver();
    EXPECT_EQ(silver.count("fine"), 1u) << "nth " << nth;
    EXPECT_EQ(silver.count("ahead"), 0u) << "nth " << nth << ": in Silver and in errors";
    EXPECT_EQ(Errors().count(ahead), 1u) << "nth " << nth;
  }
  EXPECT_GE(errors_only, 1) << "no fault hit between the errors commit and the Silver commit";
}

// Silver paused while Bronze was compacted and its old log entries cleaned up: the commits Silver
// would read are gone, so it works from the snapshot difference, whose compacted file holds rows
// it has seen. Silver and errors still get every row once.
TEST_F(SilverStageTest, AfterBronzeLogCleanupEveryRowStillLandsOnce) {
  Bronze({Trade("a1", "AAPL", "10"), Trade("bad1", "AAPL", "-1")});
  Bronze({Trade("a2", "AAPL", "11"), Trade("bad2", "AAPL", "-2")});
  Run();
  ASSERT_EQ(Silver().size(), 2u);
  ASSERT_EQ(Errors().size(), 2u);
  Bronze({Trade("a3", "AAPL", "12"), Trade("bad3", "AAPL", "-3"), Trade("a1", "AAPL", "10")});
  Bronze({Trade("a4", "AAPL", "13"), Trade("bad4", "AAPL", "-4")});
  auto bronze = delta::Table::Open(io::PosixFileSystem(), BronzeTablePath(lake_, "stock-trades"));
  auto optimized = delta::Optimize(*bronze);
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  Bronze({Trade("a5", "AAPL", "14"), Trade("bad5", "AAPL", "-5")});
  ASSERT_TRUE(delta::Checkpoint(*bronze).ok());
  const int64_t far_future_ms = delta::WallClockMs() + 400LL * 86'400'000;
  auto deleted = delta::CleanupExpiredLogs(*io::PosixFileSystem(), bronze->LogDir(), 0, far_future_ms);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  ASSERT_GE(deleted->size(), 3u) << "the commits Silver would read must be gone";

  // The lake spelled another way: the errors rows written before are still recognised (they
  // were written again when the stored Bronze path was compared as typed).
  const SilverCounts c = Run(nullptr, int64_t{1} << 20, lake_ + "/./");
  EXPECT_EQ(c.silver_rows, 3);  // a3 a4 a5
  const auto silver = Silver();
  EXPECT_EQ(silver.size(), 5u);
  for (const char* id : {"a1", "a2", "a3", "a4", "a5"}) EXPECT_EQ(silver.count(id), 1u) << id;
  EXPECT_EQ(Errors().size(), 5u);  // Errors() fails on a payload there twice
  // Nothing new: a rerun changes nothing.
  EXPECT_EQ(Run().silver_rows, 0);
  EXPECT_EQ(Silver().size(), 5u);
  EXPECT_EQ(Errors().size(), 5u);
}

// A continuous pipeline's id cache: later passes deduplicate against the ids kept from the
// passes before (the date's partition is not read again), and a Silver changed by another
// writer in between (here an append of a row whose id Bronze then brings) is read again.
TEST_F(SilverStageTest, TheIdCacheDeduplicatesLikeAReadOfSilver) {
  auto cache = std::make_shared<SilverIdCache>();
  auto run = [&] {
    SilverOptions o;
    o.lake = lake_;
    o.now_us = kNow;
    o.id_cache = cache;
    auto r = RunSilverOnce(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? (*r)["stock_trades"] : SilverCounts{};
  };
  auto silver_version = [&] {
    auto table = delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "stock_trades"));
    return (*table->Latest())->version().value();
  };
  Bronze({Trade("a", "AAPL", "10"), Trade("b", "AAPL", "11")});
  EXPECT_EQ(run().silver_rows, 2);
  const SilverIdCache::Table& kept = cache->tables["stock_trades"];
  ASSERT_TRUE(kept.seen);
  EXPECT_EQ(kept.seen->size(), 2);
  EXPECT_EQ(kept.silver_version, silver_version());
  EXPECT_EQ(kept.dates.size(), 1u);
  // A replay beside a new event: the replay is a duplicate by the cached ids, and Silver's
  // file is not read (it is moved away for the pass).
  Bronze({Trade("a", "AAPL", "10"), Trade("c", "AAPL", "12")});
  std::vector<std::filesystem::path> moved;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(SilverTablePath(lake_, "stock_trades"))) {
    if (e.path().extension() == ".parquet") moved.push_back(e.path());
  }
  ASSERT_EQ(moved.size(), 1u);
  std::filesystem::rename(moved[0], lake_ + "/aside.parquet");
  SilverCounts c = run();
  std::filesystem::rename(lake_ + "/aside.parquet", moved[0]);
  EXPECT_EQ(c.silver_rows, 1);
  EXPECT_EQ(c.duplicates, 1);
  EXPECT_EQ(cache->tables["stock_trades"].seen->size(), 3);
  EXPECT_EQ(cache->tables["stock_trades"].silver_version, silver_version());
  // Another writer appends a Silver row with id "d" (a copy of a's row).
  {
    auto table = delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "stock_trades"));
    auto snap = table->Latest();
    ASSERT_TRUE(snap.ok());
    auto rows = table->Scan(**snap, {});
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<columnar::Column> cols =
        delta::TakeRows(*rows, std::vector<int64_t>{0}).ReleaseColumns();
    cols[0] = columnar::Column(rows->schema().field(0).type);
    cols[0].AppendString("d");
    auto batch = columnar::RecordBatch::Make(rows->schema(), std::move(cols));
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_TRUE(delta::Append(*table, *batch).ok());
  }
  Bronze({Trade("d", "AAPL", "13"), Trade("e", "AAPL", "14")});
  c = run();
  EXPECT_EQ(c.silver_rows, 1);
  EXPECT_EQ(c.duplicates, 1);
  const auto silver = Silver();  // fails on an id there twice
  EXPECT_EQ(silver.size(), 5u);
  EXPECT_EQ(cache->tables["stock_trades"].seen->size(), 5);
}

// A Silver table from before bar_interval existed gains it on the next pass (ADD COLUMNS, files
// unchanged): its old rows read null, new bars carry their interval.
TEST_F(SilverStageTest, AnOlderSilverTableGainsBarInterval) {
  const SilverContract& contract = *FindSilverContract("stock-trades");
  const columnar::Schema schema = SilverSchema(contract);
  ASSERT_EQ(schema.field(schema.num_fields() - 1).name, "bar_interval");
  const columnar::Schema old_schema(
      std::vector<columnar::Field>(schema.fields().begin(), schema.fields().end() - 1));
  {
    auto old = ExactlyOnceTable::OpenOrCreate(
        io::PosixFileSystem(), SilverTablePath(lake_, "stock_trades"),
        {old_schema, {std::string(kSilverPartitionColumn)}, "old"});
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    std::vector<columnar::Column> cols;
    for (const columnar::Field& f : schema.fields()) cols.emplace_back(f.type);
    std::string id;
    int32_t date = 0;
    ASSERT_EQ(ParseSilverRow(contract, Trade("old1", "AAPL", "180"), "p", kNow, &cols, &id, &date),
              "");
    cols.pop_back();
    auto batch = columnar::RecordBatch::Make(old_schema, std::move(cols));
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_TRUE((*old)->Commit(*batch, {}, "old").ok());
  }
  Bronze(
      {Trade("t1", "AAPL", "190"),
       R"({"event_id":"b1","event_time":"2025-12-30T21:00:00Z","ticker":"AAPL","price":191,"volume":5,"source":"csv","kind":"bar","interval":"1d","open":189,"high":192,"low":188,"close":191})"});
  EXPECT_EQ(Run().silver_rows, 2);
  auto table = delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "stock_trades"));
  auto snap = table->Latest();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->schema(), schema);
  auto rows = table->Scan(**snap, {{"event_id", "bar_interval"}, std::nullopt, -1});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  std::map<std::string, std::string> intervals;
  for (int64_t i = 0; i < rows->num_rows(); ++i) {
    intervals[std::string(rows->column(0).StringAt(i))] =
        rows->column(1).IsNull(i) ? "null" : std::string(rows->column(1).StringAt(i));
  }
  EXPECT_EQ(intervals,
            (std::map<std::string, std::string>{{"old1", "null"}, {"t1", "null"}, {"b1", "1d"}}));
}

TEST(SilverTopicsTest, AnUnknownTopicIsRefusedBeforeAnythingRuns) {
  SilverOptions o;
  o.lake = "/nonexistent/financelake-lake";
  o.topics = {"crypto_prices"};  // the table's name, not the topic's
  auto r = RunSilverOnce(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("unknown topic 'crypto_prices'"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("crypto-prices"), std::string::npos) << r.status().message();
}

// A Bronze file Silver has not read yet, compacted and then vacuumed (default retention, a week
// later): the log still names it, so every later pass failed on "No such file", and a new
// consumer could never be built. The live files hold its rows: read those, deduplicated.
TEST_F(SilverStageTest, BronzeFilesCompactedAndVacuumedBeforeSilverReadThemAreNotNeeded) {
  Bronze({Trade("a1", "AAPL", "190"), Trade("a2", "AAPL", "191")});
  EXPECT_EQ(Run().silver_rows, 2);
  Bronze({Trade("a3", "AAPL", "192")});  // Silver is behind from here
  Bronze({Trade("a4", "AAPL", "193"), Trade("a1", "AAPL", "190")});
  auto bronze = delta::Table::Open(io::PosixFileSystem(), BronzeTablePath(lake_, "stock-trades"));
  ASSERT_TRUE(delta::Optimize(*bronze).ok());
  delta::VacuumOptions vacuum;
  vacuum.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count() +
                  8LL * 24 * 3600 * 1000;  // a week and a day later
  auto deleted = delta::Vacuum(*bronze, vacuum);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  ASSERT_EQ(deleted->deleted.size(), 3u);
  const SilverCounts c = Run();
  EXPECT_EQ(c.silver_rows, 2);  // a3, a4: the compacted file's a1 and a2 are Silver's already
  EXPECT_EQ(Silver().size(), 4u);
  // A new consumer (Silver rebuilt from this Bronze) gets every event once too.
  std::filesystem::remove_all(SilverTablePath(lake_, "stock_trades"));
  std::filesystem::remove_all(ErrorsTablePath(lake_));
  EXPECT_EQ(Run().silver_rows, 4);
  EXPECT_EQ(Silver().size(), 4u);
}

TEST_F(SilverStageTest, TheFirstIngestedCopyWinsAfterBronzeWasCompactedAndVacuumed) {
  // Found by a hunt: OPTIMIZE put the rows of small files together in path order (random file
  // names), and a Silver that had to read the compacted files (the originals vacuumed) kept the
  // copy that happened to sort first; the pipeline's own hourly OPTIMIZE and a 7-day VACUUM get
  // there without any FORCE. Thirteen commits each hold a copy of "x" (price 10, 20, ... 130)
  // and an event of their own. A first OPTIMIZE packs them three by three (the thirteenth is
  // left alone), a second packs those files again: the review of the first fix found that one
  // ordered by modification time, so the thirteenth (older than the packed files) came first.
  for (int i = 1; i <= 13; ++i) {
    AppendBronze(
        "stock-trades",
        {Trade("x", "AAPL", std::to_string(10 * i)), Trade("u" + std::to_string(i), "AAPL", "50")},
        kNow + i * 1000000);
    // Files written in one millisecond would tie in OPTIMIZE's order (add.modificationTime).
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  auto bronze = delta::Table::Open(io::PosixFileSystem(), BronzeTablePath(lake_, "stock-trades"));
  auto before = bronze->Latest();
  ASSERT_TRUE(before.ok());
  int64_t largest = 0;
  for (const delta::AddFile& f : (*before)->files()) largest = std::max(largest, f.size);
  delta::OptimizeOptions by_three;
  by_three.target_file_bytes = 3 * largest;
  ASSERT_TRUE(delta::Optimize(*bronze, by_three).ok());
  auto packed = bronze->Latest();
  ASSERT_TRUE(packed.ok());
  ASSERT_EQ((*packed)->files().size(), 5u);
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  ASSERT_TRUE(delta::Optimize(*bronze).ok());
  auto once_more = bronze->Latest();
  ASSERT_TRUE(once_more.ok());
  ASSERT_EQ((*once_more)->files().size(), 1u);
  delta::VacuumOptions vacuum;
  vacuum.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count() +
                  8LL * 24 * 3600 * 1000;  // a week and a day later
  ASSERT_TRUE(delta::Vacuum(*bronze, vacuum).ok());
  EXPECT_EQ(Run().silver_rows, 14);
  const auto silver = Silver();
  ASSERT_EQ(silver.count("x"), 1u);
  EXPECT_EQ(silver.at("x"), "AAPL 10 100");
}

}  // namespace
}  // namespace financelake::pipeline
