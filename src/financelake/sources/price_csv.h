// Daily price files: which column is which (by header name, never by position), and one data
// row -> one or more bars.
//
// Layouts recognised:
//   - Yahoo-style bars: Date, Open, High, Low, Close, Adj Close, Volume in any order, any case,
//     with an optional "<TICKER>." prefix (plotly's "AAPL.Open") and extra columns ignored
//     (crypto files' "ma7", "sharpe", ...). Only Date and Close are required; a per-row ticker
//     column (Stock, Ticker or Symbol) makes a long table of several tickers.
//   - Wide close tables: a Date column plus one column per ticker holding closes (plotly's
//     stockdata.csv); each cell is a bar with only a close.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/sources/contracts.h"

namespace financelake::sources {

struct PriceLayout {
  size_t num_fields = 0;
  int date = -1;
  int open = -1, high = -1, low = -1, close = -1, adj_close = -1, volume = -1;
  int ticker = -1;            // per-row ticker column, or -1
  std::string header_ticker;  // from a "<TICKER>.Close" header prefix, or ""
  // Wide tables: (column, ticker) for every close column; empty for bar files.
  std::vector<std::pair<int, std::string>> wide;
};

// Recognises a price header; InvalidArgument if it is neither layout ("no Date column", "no
// Close column and no ticker columns").
Result<PriceLayout> DetectPriceLayout(const std::vector<std::string>& header);

// One bar parsed from a row (for a wide table: one cell).
struct PriceBar {
  int32_t day = 0;
  std::string ticker;  // the per-row ticker, or empty to use the file's
  double open = kUnknown, high = kUnknown, low = kUnknown, close = kUnknown;
  double adj_close = kUnknown, volume = kUnknown;
};

// Parses the row's date; false with *reason if it is not a date.
bool ParsePriceDate(const PriceLayout& layout, const std::vector<std::string>& fields, int32_t* day,
                    std::string* reason);

// Parses a bar-file row (not a wide table) after its date was parsed. Required: a positive
// close; optional values may be empty (null) but must be numbers if present, prices positive,
// volume >= 0. False with *reason naming the column otherwise.
bool ParsePriceRow(const PriceLayout& layout, const std::vector<std::string>& fields, PriceBar* bar,
                   std::string* reason);

// Parses wide-table cell `k` (layout.wide[k]); an empty cell means no bar (returns false with
// an empty *reason), a bad one false with *reason.
bool ParseWideCell(const PriceLayout& layout, const std::vector<std::string>& fields, size_t k,
                   PriceBar* bar, std::string* reason);

}  // namespace financelake::sources
