// Flag parsing for the CLI: values, defaults, and error messages that name the flag.
#include "financelake/sources/options.h"

#include <gtest/gtest.h>

#include <string>

#include "financelake/sources/event_time.h"
#include "financelake/sources/sim_source.h"
#include "financelake/sources/universe.h"

namespace financelake::sources {
namespace {

void ExpectInvalid(const Status& st, const std::string& fragment) {
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
}

TEST(SimOptionsTest, ParsesEveryFlag) {
  auto o = ParseSimOptions({{"seed", "7"},
                            {"topics", "stock-trades,bank-transactions"},
                            {"tickers", "aapl, MSFT=420.5,BRK.B"},
                            {"crypto", "BTC,ETH=2000"},
                            {"accounts", "50"},
                            {"fraud-rate", "0.02"},
                            {"rate", "1000"},
                            {"count", "99"},
                            {"start", "2024-03-01"},
                            {"days", "2.5"},
                            {"trade-interval", "1"},
                            {"crypto-interval", "3"},
                            {"tx-per-day", "8"},
                            {"resume-after", "12"}});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->seed, 7u);
  EXPECT_EQ(o->topics, (std::vector<Topic>{Topic::kStockTrades, Topic::kBankTransactions}));
  ASSERT_EQ(o->tickers.size(), 3u);
  EXPECT_EQ(o->tickers[0].symbol, "AAPL");
  EXPECT_EQ(o->tickers[1].start_price, 420.5);
  EXPECT_EQ(o->tickers[2].symbol, "BRK.B");
  EXPECT_EQ(o->crypto[1].start_price, 2000);
  EXPECT_EQ(o->accounts, 50u);
  EXPECT_EQ(o->fraud_rate, 0.02);
  EXPECT_EQ(o->rate, 1000);
  EXPECT_EQ(o->count, 99u);
  EXPECT_EQ(o->start_micros, *ParseEventTime("2024-03-01T00:00:00Z"));
  EXPECT_EQ(o->days, 2.5);
  EXPECT_EQ(o->stock_trade_interval_s, 1);
  EXPECT_EQ(o->crypto_tick_interval_s, 3);
  EXPECT_EQ(o->bank_tx_per_account_day, 8);
  EXPECT_EQ(o->resume_after, "12");
  auto now = ParseSimOptions({{"start", "now"}}, 1704205800000000);
  EXPECT_EQ(now->start_micros, 1704205800000000);
  EXPECT_TRUE(ParseSimOptions({}).ok());
}

TEST(SimOptionsTest, StartPricesTooSmallToQuoteAreRefused) {
  // Below 0.0000001 a price cannot keep its digits in 9 decimals (it would print as 0).
  ExpectInvalid(ParseSimOptions({{"tickers", "PENNY=0.00000001"}}).status(),
                "--tickers: symbol 'PENNY'");
  ExpectInvalid(ParseSimOptions({{"crypto", "SHIB=0.00000001"}}).status(),
                "--crypto: symbol 'SHIB'");
  ExpectInvalid(ParseSimOptions({{"crypto", "SHIB=1e-8"}}).status(), "below 0.0000001");
  SimOptions direct;
  direct.crypto = {{"SHIB", 1e-8}};
  ExpectInvalid(ValidateSimOptions(direct), "sim: crypto");
  EXPECT_TRUE(ParseSimOptions({{"tickers", "PENNY=0.00001"}, {"crypto", "SHIB=0.0000001"}}).ok());
  // Above a billion a price times its tick scale was no finite integer ("price":null).
  ExpectInvalid(ParseSimOptions({{"tickers", "X=1e307"}}).status(),
                "start price 1e+307 is above 1000000000");
  ExpectInvalid(ParseSimOptions({{"crypto", "BTC=2e9"}}).status(), "--crypto: symbol 'BTC'");
  EXPECT_TRUE(ParseSimOptions({{"tickers", "BRK=1e9"}}).ok());
}

TEST(SimOptionsTest, ErrorsNameTheFlag) {
  ExpectInvalid(ParseSimOptions({{"rate", "-5"}}).status(), "rate must be >= 0");
  ExpectInvalid(ParseSimOptions({{"rate", "fast"}}).status(), "--rate: 'fast' is not a number");
  ExpectInvalid(ParseSimOptions({{"rate", "1e20"}}).status(),
                "rate 1e+20 events/s is out of range");
  ExpectInvalid(ParseSimOptions({{"rate", "1e-300"}}).status(), "out of range: 0.001 to 1e9");
  EXPECT_TRUE(ParseSimOptions({{"rate", "0"}}).ok());
  EXPECT_TRUE(ParseSimOptions({{"rate", "0.001"}}).ok());
  ExpectInvalid(ParseSimOptions({{"seed", "-1"}}).status(), "--seed");
  ExpectInvalid(ParseSimOptions({{"start", "yesterday"}}).status(), "--start: time 'yesterday'");
  ExpectInvalid(ParseSimOptions({{"tickers", "AAPL,GOOG!"}}).status(), "--tickers: ticker 'GOOG!'");
  ExpectInvalid(ParseSimOptions({{"tickers", "AAPL,aapl"}}).status(), "listed twice");
  ExpectInvalid(ParseSimOptions({{"tickers", "AAPL=-3"}}).status(), "not a positive number");
  ExpectInvalid(ParseSimOptions({{"tickers", "TOOLONGNAME"}}).status(), "1-7 upper-case");
  ExpectInvalid(ParseSimOptions({{"crypto", "B"}}).status(), "--crypto: crypto symbol 'B'");
  ExpectInvalid(ParseSimOptions({{"topics", "stocks"}}).status(), "--topics: unknown topic");
  ExpectInvalid(ParseSimOptions({{"accounts", "0"}}).status(), "--accounts: must be 1..1000000");
  ExpectInvalid(ParseSimOptions({{"speed", "2"}}).status(), "unknown sim option --speed");
  ExpectInvalid(ParseSimOptions({{"resume-after", "x:1"}}).status(), "not a simulator position");
}

TEST(CsvOptionsTest, ParsesFlagsAndChecksThem) {
  auto o = ParseCsvOptions({{"ticker", "tsla"},
                            {"asset-class", "stock"},
                            {"start", "2024-01-01T00:00:00Z"},
                            {"speed", "86400"},
                            {"source-name", "yahoo"},
                            {"resume-after", "a.csv:3"}},
                           {"a.csv"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->ticker, "TSLA");
  EXPECT_EQ(o->asset_class, AssetClass::kStock);
  EXPECT_EQ(o->card_start_micros, *ParseEventTime("2024-01-01T00:00:00Z"));
  EXPECT_EQ(o->speed, 86400);
  EXPECT_EQ(o->source_name, "yahoo");
  EXPECT_EQ(o->resume_after, "a.csv:3");
  ExpectInvalid(ParseCsvOptions({}, {}).status(), "no input files");
  ExpectInvalid(ParseCsvOptions({{"speed", "-1"}}, {"a.csv"}).status(), "speed must be >= 0");
  ExpectInvalid(ParseCsvOptions({{"asset-class", "bond"}}, {"a.csv"}).status(), "--asset-class");
  ExpectInvalid(ParseCsvOptions({{"ticker", "A B"}}, {"a.csv"}).status(), "ticker 'A B'");
  ExpectInvalid(ParseCsvOptions({{"rate", "1"}}, {"a.csv"}).status(), "unknown csv option --rate");
  ExpectInvalid(ParseCsvOptions({{"source-name", "My Feed"}}, {"a.csv"}).status(), "source name");
}

TEST(UniverseTest, DefaultsAndDerivedInstruments) {
  EXPECT_EQ(DefaultStocks().size(), 20u);
  EXPECT_EQ(DefaultCrypto().size(), 10u);
  for (const StockInstrument& s : DefaultStocks()) EXPECT_TRUE(ValidateTicker(s.ticker).ok());
  const auto resolved = ResolveStocks({{"AAPL", 0}, {"ZZZZ", 0}, {"MSFT", 500}});
  EXPECT_EQ(resolved[0].start_price, 185.64);
  EXPECT_GT(resolved[1].start_price, 15);
  EXPECT_LT(resolved[1].start_price, 600);
  EXPECT_EQ(resolved[1].start_price, ResolveStocks({{"ZZZZ", 0}})[0].start_price);  // stable
  EXPECT_EQ(resolved[2].start_price, 500);
  EXPECT_TRUE(ValidateTicker("^GSPC").ok());
  EXPECT_TRUE(ValidateTicker("BF-B").ok());
  EXPECT_TRUE(ValidateTicker("BTC-USD").ok());
  EXPECT_FALSE(ValidateTicker("").ok());
  EXPECT_FALSE(ValidateTicker("1ABC").ok());
  // A code of digits is a ticker with its exchange's suffix (Tokyo, Hong Kong), not alone.
  EXPECT_TRUE(ValidateTicker("7203.T").ok());
  EXPECT_TRUE(ValidateTicker("0700.HK").ok());
  EXPECT_TRUE(ValidateTicker("1INCH-USD").ok());
  EXPECT_FALSE(ValidateTicker("2024").ok());
  EXPECT_FALSE(ValidateTicker("EURUSD=X").ok());
  EXPECT_FALSE(ValidateTicker("AB.CDEF").ok());
}

}  // namespace
}  // namespace financelake::sources
