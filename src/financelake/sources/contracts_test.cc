// The serialised form of each contract, byte for byte: these are the examples in
// docs/events.md, so the documentation cannot drift from the code. The event ids were also
// computed by an independent Python implementation of the recipe.
#include "financelake/sources/contracts.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "financelake/base/json.h"
#include "financelake/sources/event_time.h"

namespace financelake::sources {
namespace {

const int64_t kTradeTime = *ParseEventTime("2024-01-02T14:30:00.123456Z");

TEST(ContractsTest, StockTrade) {
  EventSerializer s("sim");
  StockTradeRecord r;
  r.ticker = "AAPL";
  r.event_time = kTradeTime;
  r.price = 185.6;
  r.price_decimals = 2;
  r.volume = 300;
  r.side = "buy";
  r.exchange = "NASDAQ";
  Event e;
  s.Write(r, "seed=42", &e);
  EXPECT_EQ(
      e.payload,
      R"({"event_id":"4d7b6629a6e1a9b1157ff6efff8e1198","event_time":"2024-01-02T14:30:00.123456Z",)"
      R"("ticker":"AAPL","price":185.60,"volume":300,"source":"sim","kind":"trade",)"
      R"("side":"buy","exchange":"NASDAQ"})");
  EXPECT_EQ(e.topic, Topic::kStockTrades);
  EXPECT_EQ(e.key, "AAPL");
  EXPECT_EQ(e.event_id, ComputeEventId(Topic::kStockTrades, "sim", "AAPL", "seed=42", kTradeTime));
  EXPECT_EQ(e.event_time.value(), kTradeTime);
}

TEST(ContractsTest, DailyBar) {
  EventSerializer s("csv");
  StockTradeRecord r;
  r.ticker = "TSLA";
  r.event_time = *ParseEventTime("2018-10-15T20:00:00Z");
  r.price = r.close = 259.59;
  r.volume = 6189026;
  r.is_bar = true;
  r.open = 259.06;
  r.high = 263.28;
  r.low = 254.5367;
  Event e;
  s.Write(r, "bar:1d", &e);
  EXPECT_EQ(
      e.payload,
      R"({"event_id":"34df9a58e929a6faec211b07d4bea734","event_time":"2018-10-15T20:00:00.000000Z",)"
      R"("ticker":"TSLA","price":259.59,"volume":6189026,"source":"csv","kind":"bar",)"
      R"("interval":"1d","open":259.06,"high":263.28,"low":254.5367,"close":259.59})");
}

TEST(ContractsTest, CryptoTick) {
  EventSerializer s("sim");
  CryptoPriceRecord r;
  r.symbol = "BTC";
  r.event_time = kTradeTime;
  r.price_usd = 42265.19;
  r.price_decimals = 2;
  r.volume_24h = 22005705596;
  r.market_cap = 828397724000;
  r.change_24h = -1.2345;
  Event e;
  s.Write(r, "seed=42", &e);
  EXPECT_EQ(
      e.payload,
      R"({"event_id":"335a3378aa8a6bf4cae0f91fc816c07a","event_time":"2024-01-02T14:30:00.123456Z",)"
      R"("symbol":"BTC","price_usd":42265.19,"volume_24h":22005705596,)"
      R"("market_cap":828397724000,"change_24h":-1.2345,"source":"sim","kind":"tick"})");
  EXPECT_EQ(e.key, "BTC");
}

TEST(ContractsTest, BankTransaction) {
  EventSerializer s("sim");
  BankTransactionRecord r;
  r.transaction_id = "TX9F2C41D07A3B8E65";
  r.account_id = "AC0042000017";
  r.event_time = kTradeTime;
  r.amount = 42.5;
  r.currency = "USD";
  r.type = BankTxType::kCard;
  r.merchant = "Whole Foods Market";
  r.merchant_category = "grocery";
  r.country = "US";
  r.channel = "POS";
  r.label = FraudLabel::kLegit;
  Event e;
  s.Write(r, "seed=42", &e);
  EXPECT_EQ(
      e.payload,
      R"({"event_id":"82d8c4f02100b72274ec7773ea4dce60","event_time":"2024-01-02T14:30:00.123456Z",)"
      R"("transaction_id":"TX9F2C41D07A3B8E65","account_id":"AC0042000017","amount":42.50,)"
      R"("currency":"USD","type":"CARD","merchant":"Whole Foods Market",)"
      R"("merchant_category":"grocery","country":"US","channel":"POS","source":"sim",)"
      R"("is_fraud":false})");
  EXPECT_EQ(e.key, "AC0042000017");
}

TEST(ContractsTest, LabelledCardRowWithoutAccount) {
  EventSerializer s("csv");
  std::array<double, 28> v{};
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i) / 4 - 1;
  BankTransactionRecord r;
  r.transaction_id = "creditcard.csv:2";
  r.event_time = *ParseEventTime("2013-09-01T00:00:00Z");
  r.amount = 149.62;
  r.amount_decimals = -1;
  r.currency = "EUR";
  r.type = BankTxType::kCard;
  r.label = FraudLabel::kFraud;
  r.features = v.data();
  r.num_features = v.size();
  Event e;
  s.Write(r, r.transaction_id, &e);
  EXPECT_EQ(e.key, "creditcard.csv:2");  // no account: the transaction id partitions
  auto j = Json::Parse(e.payload);
  ASSERT_TRUE(j.ok());
  EXPECT_TRUE(j->Find("account_id")->is_null());
  EXPECT_TRUE(j->Find("merchant")->is_null());
  EXPECT_TRUE(j->Find("merchant_category")->is_null());
  EXPECT_TRUE(j->Find("country")->is_null());
  EXPECT_TRUE(j->Find("channel")->is_null());
  EXPECT_TRUE(j->Find("is_fraud")->as_bool());
  EXPECT_EQ(j->Find("amount")->as_double(), 149.62);
  ASSERT_EQ(j->Find("features")->size(), 28u);
  EXPECT_EQ(j->Find("features")->items()[27].as_double(), 5.75);
  EXPECT_EQ(e.event_id,
            ComputeEventId(Topic::kBankTransactions, "csv", "", "creditcard.csv:2", r.event_time));
}

TEST(ContractsTest, WithoutALabelIsFraudIsOmitted) {
  EventSerializer s("poller");
  BankTransactionRecord r;
  r.transaction_id = "T1";
  r.account_id = "A1";
  r.currency = "USD";
  Event e;
  s.Write(r, "", &e);
  EXPECT_EQ(Json::Parse(e.payload)->Find("is_fraud"), nullptr);
}

TEST(ContractsTest, SerializerReusesTheEventsStorage) {
  EventSerializer s("sim");
  StockTradeRecord r;
  r.ticker = "A";
  r.price = 1;
  Event e;
  s.Write(r, "", &e);
  const std::string first = e.payload;
  r.ticker = "B";
  s.Write(r, "", &e);
  EXPECT_NE(e.payload, first);
  EXPECT_EQ(Json::Parse(e.payload)->GetString("ticker", ""), "B");
}

}  // namespace
}  // namespace financelake::sources
