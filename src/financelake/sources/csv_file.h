// CsvFile: one replayable CSV file, loaded and parsed up front into records (events to be and
// malformed rows), each with its event time, so that the source can replay several files in
// event-time order and resume at any record. What a file holds is recognised from its header
// (price_csv.h, card_csv.h). Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/io/filesystem.h"
#include "financelake/sources/card_csv.h"
#include "financelake/sources/price_csv.h"

namespace financelake::sources {

enum class AssetClass : uint8_t { kAuto, kStock, kCrypto };

struct CsvFileOptions {
  std::string ticker;  // overrides the header prefix and the file name (single-ticker files)
  std::string ticker_flag = "--ticker";        // the caller's flag for `ticker`, for messages
  AssetClass asset_class = AssetClass::kAuto;  // kAuto: "<SYMBOL>-USD" tickers are crypto
  int64_t card_start_micros = 0;               // the instant of Time = 0 in card files
};

enum class CsvFileKind : uint8_t { kBars, kWideCloses, kCards };

// One record of a file, in file order.
struct CsvItem {
  enum class Type : uint8_t { kStockBar, kCryptoBar, kCard, kMalformed };
  Type type = Type::kMalformed;
  int64_t event_time = 0;  // for malformed rows: that of the previous good record (ordering)
  int64_t line = 0;
  uint32_t index = 0;  // into bars(), cards() or malformed()
  int16_t cell = -1;   // wide tables: the column's index in layout.wide, else -1
};

struct CsvMalformed {
  std::string reason;
  std::string raw;
  // The row's symbol (as Symbol() gives it) when it can be told: the file's ticker, the wide
  // table's column, or a valid Ticker cell; empty otherwise.
  std::string symbol;
};

class CsvFile {
 public:
  // Reads and parses `path`. InvalidArgument if the file does not exist, has no recognisable
  // header, or its ticker cannot be told; IOError and others from the filesystem.
  static Result<CsvFile> Load(io::FileSystem& fs, const std::string& path,
                              const CsvFileOptions& options);

  const std::string& path() const { return path_; }
  CsvFileKind kind() const { return kind_; }
  const std::vector<CsvItem>& items() const { return items_; }
  const std::vector<PriceBar>& bars() const { return bars_; }
  const std::vector<CardRow>& cards() const { return cards_; }
  const std::vector<CsvMalformed>& malformed() const { return malformed_; }
  // The symbol of a bar: its per-row/wide ticker or the file's, without "-USD" for crypto.
  std::string_view Symbol(const CsvItem& item) const;
  // "<path>:<line>", plus ":<TICKER>" for a wide-table cell.
  std::string Position(const CsvItem& item) const;
  // The card files' transaction id: "<file name>:<line>".
  std::string TransactionId(const CsvItem& item) const;

 private:
  bool IsCrypto(std::string_view ticker) const;
  // `ticker` ("" = the file's) as Symbol() gives it; "" when the file has no ticker of its own.
  std::string SymbolOf(std::string_view ticker) const;
  void AddBar(int32_t day, PriceBar bar, int64_t line, int16_t cell, int64_t* last_time);

  std::string path_;
  std::string base_name_;
  CsvFileOptions options_;
  CsvFileKind kind_ = CsvFileKind::kBars;
  PriceLayout price_layout_;
  std::string file_ticker_;
  std::vector<CsvItem> items_;
  std::vector<PriceBar> bars_;
  std::vector<CardRow> cards_;
  std::vector<CsvMalformed> malformed_;
};

// The ticker in a file name. The whole name when it is a ticker ("BRK-B.csv" -> "BRK-B",
// "BRK.B.csv", "BTC-USD.csv"); else the word of the name (split on '-', '_', '.', ' ') that is
// an upper-case ticker with a letter, with a class suffix of letters that follows it after '-' or
// '.', or "-USD"/"_USD": "yahoofinance-AAPL-20040819-20180120.csv" -> "AAPL",
// "TSLA_daily_2010-06-29.csv" -> "TSLA", "yahoofinance-BRK-B-2004.csv" -> "BRK-B". NotFound if
// there is none ("tesla-stock-price.csv"); InvalidArgument if several words could be tickers
// ("AAPL_MSFT.csv"): the caller asks for the ticker rather than guess.
Result<std::string> TickerFromFileName(std::string_view path);

}  // namespace financelake::sources
