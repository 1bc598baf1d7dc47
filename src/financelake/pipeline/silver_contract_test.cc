// ParseSilverRow's checks across fields (a price row's low/high/open/close/price and notional),
// its number and event-time edge cases, and the one event_time rule Bronze and Silver share.
#include "financelake/pipeline/silver_contract.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "financelake/pipeline/bronze_batch.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/event_time_field.h"
#include "financelake/sources/event_time.h"

namespace financelake::pipeline {
namespace {

constexpr int64_t kNow = 1767225600LL * 1000000;  // 2026-01-01T00:00:00Z

// The reason Silver gives for `payload` on `topic` ("" when the row is valid).
std::string Verdict(const std::string& topic, const std::string& payload) {
  std::string id;
  int32_t date = 0;
  return ParseSilverRow(*FindSilverContract(topic), payload, "p", kNow, nullptr, &id, &date);
}

// A daily stock bar; "null" leaves a value out.
std::string Bar(const std::string& price, const std::string& open, const std::string& high,
                const std::string& low, const std::string& close,
                const std::string& volume = "1000") {
  return fmt::format(
      R"({{"event_id":"b","event_time":"2025-12-30T21:00:00Z","ticker":"ZZZ","price":{},"volume":{},)"
      R"("source":"csv","kind":"bar","interval":"1d","open":{},"high":{},"low":{},"close":{}}})",
      price, volume, open, high, low, close);
}

std::string CryptoBar(const std::string& price, const std::string& high, const std::string& low) {
  return fmt::format(
      R"({{"event_id":"c","event_time":"2025-12-30T23:59:59Z","symbol":"BTC","price_usd":{},"volume_24h":5,)"
      R"("market_cap":null,"change_24h":1.5,"source":"csv","kind":"bar","interval":"1d","open":100,"high":{},"low":{}}})",
      price, high, low);
}

TEST(SilverContractTest, APriceRowsValuesMustAgreeAcrossFields) {
  EXPECT_EQ(Verdict("stock-trades", Bar("10", "9.5", "11", "9", "10")), "");
  EXPECT_EQ(Verdict("stock-trades", Bar("10", "10", "10", "10", "10")), "");  // a flat day
  // Values the row lacks are not compared.
  EXPECT_EQ(Verdict("stock-trades", Bar("10", "null", "null", "null", "null")), "");
  EXPECT_EQ(Verdict("stock-trades", Bar("10", "12", "null", "9", "10")), "");

  EXPECT_EQ(Verdict("stock-trades", Bar("3", "3", "1", "5", "3")),
            "field 'low' (5) is above field 'high' (1)");
  EXPECT_EQ(Verdict("stock-trades", Bar("210.46", "209.42", "210.8", "209.85", "210.46")),
            "field 'open' (209.42) is below field 'low' (209.85)");
  EXPECT_EQ(Verdict("stock-trades", Bar("12", "10", "11", "9", "12")),
            "field 'close' (12) is above field 'high' (11)");
  EXPECT_EQ(Verdict("stock-trades", Bar("8", "10", "11", "9", "null")),
            "field 'price' (8) is below field 'low' (9)");
  EXPECT_EQ(Verdict("stock-trades", Bar("1", "10", "11", "0.5", "3")),
            "field 'close' (3) differs from field 'price' (1): a bar's close is its price");
  // A close of 1e308 within a high of 1e308: each value is finite, the notional is not (Gold's
  // vwap was Infinity).
  EXPECT_EQ(Verdict("stock-trades", Bar("1e308", "10", "1e308", "9", "1e308", "5")),
            "field 'price' (1e+308) times field 'volume' (5) is not a finite number");
  EXPECT_EQ(Verdict("crypto-prices", CryptoBar("120", "110", "90")),
            "field 'price_usd' (120) is above field 'high' (110)");
  EXPECT_EQ(Verdict("crypto-prices", CryptoBar("100", "110", "90")), "");
}

TEST(SilverContractTest, NumbersTooSmallForADoubleAreReadAsTheyRound) {
  const std::string trade =
      R"({"event_id":"t","event_time":"2025-12-30T15:00:00Z","ticker":"ZZZ","price":%P,"volume":%V,"source":"t","kind":"trade"})";
  auto with = [&](const std::string& price, const std::string& volume) {
    std::string s = trade;
    s.replace(s.find("%P"), 2, price);
    s.replace(s.find("%V"), 2, volume);
    return s;
  };
  // 1e-400 rounds to 0: a price of 0 is refused for what it is (not as "inf"), a volume of 0 is
  // fine.
  EXPECT_EQ(Verdict("stock-trades", with("1e-400", "1")), "field 'price': must be > 0, got 0");
  EXPECT_EQ(Verdict("stock-trades", with("3", "1e-400")), "");
  EXPECT_EQ(Verdict("stock-trades", with("1e400", "1")), "field 'price': must be > 0, got inf");
}

TEST(SilverContractTest, BronzeAndSilverReadTheSameEventTimes) {
  struct Case {
    std::string literal;  // the event_time's JSON text
    bool valid;
  };
  const std::vector<Case> cases = {
      {"1704205800000", true},
      {"1.7042058e12", true},
      {"1704205800000.5", true},
      {"\"1704205800000\"", true},
      {"\"2024-01-02T14:30:00Z\"", true},
      {"1e300", false},
      {"-1e20", false},
      {"\"5000000000000000\"", false},
      {"\"-9000000000000000\"", false},
      {"253402300800000", false},
      {"\"2016-12-31T23:59:60Z\"", true},
      {"\"2024-01-02T12:34:60Z\"", false},
      {"1e-400", true},  // rounds to 0: 1970-01-01, as the string form reads it
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.literal);
    const std::string payload = fmt::format(
        R"({{"event_id":"t","event_time":{},"ticker":"ZZZ","price":3,"volume":1,"source":"t","kind":"trade"}})",
        c.literal);
    const std::string verdict = Verdict("stock-trades", payload);
    if (c.valid) {
      EXPECT_EQ(verdict, "");
    } else {
      EXPECT_NE(verdict.find("field 'event_time': not a timestamp ("), std::string::npos)
          << verdict;
      EXPECT_EQ(verdict.find("()"), std::string::npos) << "an empty explanation: " << verdict;
    }
    BronzeBatchBuilder b;
    b.Append(
        BronzeRecord{payload, std::nullopt, "stock-trades", std::nullopt, 0, std::nullopt, "f:1"},
        kNow);
    const columnar::RecordBatch batch = b.Finish();
    const columnar::Column& et = batch.column(kEventTime);
    ASSERT_EQ(et.length(), 1);
    EXPECT_EQ(et.IsNull(0), !c.valid) << "Bronze's event_time column and Silver disagree";
  }
  JsonField f;
  f.present = true;
  f.value = "1.7042058e12";
  EXPECT_EQ(*JsonEventTime(f), *sources::ParseEventTime("2024-01-02T14:30:00Z"));
}

}  // namespace
}  // namespace financelake::pipeline
