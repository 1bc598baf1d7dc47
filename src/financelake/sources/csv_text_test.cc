// Reading dirty CSV text: records, numbers, dates, header matching and layout detection.
#include "financelake/sources/csv_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "financelake/columnar/value.h"
#include "financelake/sources/card_csv.h"
#include "financelake/sources/csv_file.h"
#include "financelake/sources/price_csv.h"

namespace financelake::sources {
namespace {

std::vector<CsvRecord> ReadAll(std::string_view text) {
  CsvRecordReader reader(text);
  std::vector<CsvRecord> out;
  CsvRecord rec;
  while (reader.Next(&rec)) out.push_back(rec);
  return out;
}

TEST(CsvRecordReaderTest, QuotesLineEndsBomAndBlankLines) {
  const auto recs = ReadAll(
      "\xEF\xBB\xBF"
      "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\r\n\n\n"
      "\"multi\nline\",2,3\nlast,row,no-newline");
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(recs[0].line, 1);
  EXPECT_EQ(recs[1].fields, (std::vector<std::string>{"x,1", "say \"hi\"", ""}));
  EXPECT_EQ(recs[1].raw, "\"x,1\",\"say \"\"hi\"\"\",");
  EXPECT_EQ(recs[2].line, 5);  // blank lines 3 and 4 are skipped but counted
  EXPECT_EQ(recs[2].fields[0], "multi\nline");
  EXPECT_EQ(recs[3].line, 7);  // the quoted line break counts too
  EXPECT_EQ(recs[3].fields, (std::vector<std::string>{"last", "row", "no-newline"}));
  EXPECT_FALSE(recs[3].unterminated_quote);
}

TEST(CsvRecordReaderTest, CrOnlyLinesAreNumberedLikeAnyOther) {
  // An old-Mac file: every line ends with a lone \r; blank lines and quoted breaks count too.
  const auto recs = ReadAll("a,b\r1,2\r\r\r\"x\ry\",3\r4,5\r");
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_EQ(recs[2].line, 5);  // lines 3 and 4 are blank
  EXPECT_EQ(recs[2].fields[0], "x\ry");
  EXPECT_EQ(recs[3].line, 7);
  EXPECT_EQ(recs[3].fields, (std::vector<std::string>{"4", "5"}));
}

TEST(CsvRecordReaderTest, UnterminatedQuoteIsFlagged) {
  const auto recs = ReadAll("a,b\n1,\"open\n2,3\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_TRUE(recs[1].unterminated_quote);
  EXPECT_EQ(recs[1].raw, "1,\"open\n2,3");
}

TEST(CsvNumberTest, ThousandsSeparatorsAndErrors) {
  double v;
  std::string why;
  ASSERT_TRUE(ParseCsvNumber("4,787,699", &v, &why));
  EXPECT_EQ(v, 4787699);
  ASSERT_TRUE(ParseCsvNumber(" -1,234.5 ", &v, &why));
  EXPECT_EQ(v, -1234.5);
  ASSERT_TRUE(ParseCsvNumber("6189026.0000", &v, &why));
  EXPECT_EQ(v, 6189026);
  ASSERT_TRUE(ParseCsvNumber("+2.5e3", &v, &why));
  EXPECT_EQ(v, 2500);
  for (const char* bad : {"", "1,23", "12,345,67", ",123", "1.234,5", "abc", "1x", "nan", "inf"}) {
    EXPECT_FALSE(ParseCsvNumber(bad, &v, &why)) << bad;
    EXPECT_FALSE(why.empty());
  }
}

TEST(CsvDateTest, FormatsAndReasons) {
  int32_t d;
  std::string why;
  ASSERT_TRUE(ParseCsvDate("2018/10/15", &d, &why));
  EXPECT_EQ(columnar::FormatDate(d), "2018-10-15");
  ASSERT_TRUE(ParseCsvDate("2018-10-15", &d, &why));
  EXPECT_EQ(columnar::FormatDate(d), "2018-10-15");
  ASSERT_TRUE(ParseCsvDate("11/5/2019", &d, &why));
  EXPECT_EQ(columnar::FormatDate(d), "2019-11-05");
  ASSERT_TRUE(ParseCsvDate("2018-10-15 00:00:00", &d, &why));
  // Midnight as yfinance and other exporters write a daily index: the date as written.
  for (const char* text :
       {"2024-01-02 00:00:00-05:00", "2024-01-02T00:00:00Z", "2024-01-02 00:00:00.000",
        "2024-01-02T00:00:00.000000+09:00", "2024-01-02 00:00+0100", "2024-01-02 00:00:00 -05",
        "2024-01-02 00:00:00.0Z"}) {
    ASSERT_TRUE(ParseCsvDate(text, &d, &why)) << text << ": " << why;
    EXPECT_EQ(columnar::FormatDate(d), "2024-01-02") << text;
  }
  for (const char* text :
       {"2024-01-02 00:00:00.5", "2024-01-02 00:00:01-05:00", "2024-01-02 09:30:00Z",
        "2024-01-02 00:00:00+25:00", "2024-01-02 00:00:00-05:0", "2024-01-02 00:00:00 EST"}) {
    EXPECT_FALSE(ParseCsvDate(text, &d, &why)) << text;
    EXPECT_NE(why.find("has a time of day"), std::string::npos) << text << ": " << why;
  }
  EXPECT_FALSE(ParseCsvDate("11:34", &d, &why));
  EXPECT_NE(why.find("time of day without a date"), std::string::npos);
  EXPECT_FALSE(ParseCsvDate("2019-11-05 09:31:00", &d, &why));
  EXPECT_NE(why.find("has a time of day"), std::string::npos);
  EXPECT_FALSE(ParseCsvDate("2023-02-29", &d, &why));
  EXPECT_NE(why.find("not a valid calendar date"), std::string::npos);
  EXPECT_FALSE(ParseCsvDate("15.10.2018", &d, &why));
  EXPECT_FALSE(ParseCsvDate("", &d, &why));
}

TEST(PriceLayoutTest, MapsColumnsByNameNotPosition) {
  // The crypto files' unusual order, with extra columns.
  auto layout = DetectPriceLayout(
      {"Date", "High", "Low", "Open", "Close", "Volume", "Adj Close", "ma7", "sharpe"});
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->date, 0);
  EXPECT_EQ(layout->high, 1);
  EXPECT_EQ(layout->low, 2);
  EXPECT_EQ(layout->open, 3);
  EXPECT_EQ(layout->close, 4);
  EXPECT_EQ(layout->volume, 5);
  EXPECT_EQ(layout->adj_close, 6);
  // plotly's prefixed columns name the ticker.
  layout = DetectPriceLayout({"Date", "AAPL.Open", "AAPL.High", "AAPL.Low", "AAPL.Close",
                              "AAPL.Volume", "AAPL.Adjusted", "dn", "mavg"});
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->header_ticker, "AAPL");
  EXPECT_EQ(layout->adj_close, 6);
  // A long table with a ticker column and an unnamed index.
  layout = DetectPriceLayout({"", "Date", "Open", "High", "Low", "Close", "Volume", "Stock"});
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->ticker, 7);
  // A wide table of closes.
  layout = DetectPriceLayout({"MSFT", "IBM", "SBUX", "AAPL", "GSPC", "Date"});
  ASSERT_TRUE(layout.ok());
  ASSERT_EQ(layout->wide.size(), 5u);
  EXPECT_EQ(layout->wide[4].second, "GSPC");
  // Not price files.
  EXPECT_FALSE(DetectPriceLayout({"Open", "Close"}).ok());
  EXPECT_FALSE(DetectPriceLayout({"Date", "foo", "bar"}).ok());
}

TEST(CardLayoutTest, RecognisesTheUlbLayoutWithOrWithoutIndex) {
  std::vector<std::string> header = {"Time"};
  for (int i = 1; i <= 28; ++i) header.push_back("V" + std::to_string(i));
  header.push_back("Amount");
  header.push_back("Class");
  auto layout = DetectCardLayout(header);
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->time, 0);
  EXPECT_EQ(layout->features[27], 28);
  header.insert(header.begin(), "");
  layout = DetectCardLayout(header);
  ASSERT_TRUE(layout.has_value());
  EXPECT_EQ(layout->time, 1);
  EXPECT_EQ(layout->label, 31);
  header.erase(header.begin() + 5);  // drop V4
  EXPECT_FALSE(DetectCardLayout(header).has_value());
}

TEST(TickerFromFileNameTest, FindsTheTicker) {
  EXPECT_EQ(*TickerFromFileName("/x/yahoofinance-AAPL-20040819-20180120.csv"), "AAPL");
  EXPECT_EQ(*TickerFromFileName("TSLA_daily_2010-06-29_2023-08-11.csv"), "TSLA");
  EXPECT_EQ(*TickerFromFileName("data/BTC-USD.csv"), "BTC-USD");
  EXPECT_EQ(*TickerFromFileName("MSFT_daily_6mo_to_2025-10-29.csv"), "MSFT");
  EXPECT_TRUE(TickerFromFileName("tesla-stock-price.csv").status().IsNotFound());
  EXPECT_TRUE(TickerFromFileName("2024-01-02.csv").status().IsNotFound());
}

TEST(TickerFromFileNameTest, KeepsTheClassSuffix) {
  // Two share classes are two instruments: the suffix is part of the ticker.
  EXPECT_EQ(*TickerFromFileName("BRK-A.csv"), "BRK-A");
  EXPECT_EQ(*TickerFromFileName("/d/BRK-B.csv"), "BRK-B");
  EXPECT_EQ(*TickerFromFileName("BRK.B.csv"), "BRK.B");
  EXPECT_EQ(*TickerFromFileName("BF-B.csv"), "BF-B");
  EXPECT_EQ(*TickerFromFileName("BRK-B_daily_2024.csv"), "BRK-B");
  EXPECT_EQ(*TickerFromFileName("yahoofinance-BRK-A-20040819-20180120.csv"), "BRK-A");
  EXPECT_EQ(*TickerFromFileName("^GSPC.csv"), "^GSPC");
  EXPECT_EQ(*TickerFromFileName("7203.T.csv"), "7203.T");  // Tokyo: a code and its exchange
  EXPECT_EQ(*TickerFromFileName("7203.T_daily.csv"), "7203.T");
  // Crypto pairs and the unambiguous words of a name as before.
  EXPECT_EQ(*TickerFromFileName("ETH-USD.csv"), "ETH-USD");
  EXPECT_EQ(*TickerFromFileName("ETH_USD_2020.csv"), "ETH-USD");
  EXPECT_EQ(*TickerFromFileName("AAPL_daily.csv"), "AAPL");
  EXPECT_EQ(*TickerFromFileName("AAPL 2020.csv"), "AAPL");
  EXPECT_EQ(*TickerFromFileName("AAPL-2020.csv"), "AAPL");  // digits after '-': a year
  EXPECT_EQ(*TickerFromFileName("AAPL-2.csv"), "AAPL");
  // Several words that could each be the ticker: the caller must say which.
  for (const char* name : {"AAPL_MSFT.csv", "BRK B.csv", "SP500_NOV2019_IDay.csv"}) {
    auto t = TickerFromFileName(name);
    ASSERT_FALSE(t.ok()) << name << " -> " << *t;
    EXPECT_NE(t.status().message().find("more than one ticker"), std::string::npos)
        << t.status().message();
  }
}

TEST(HeaderTest, Normalize) {
  EXPECT_EQ(NormalizeHeader("Adj Close"), "adjclose");
  EXPECT_EQ(NormalizeHeader("  \"Volume\" "), "volume");
  EXPECT_EQ(NormalizeHeader("adj_close"), "adjclose");
}

}  // namespace
}  // namespace financelake::sources
