#include "financelake/sources/price_csv.h"

#include <cmath>

#include "financelake/sources/csv_text.h"
#include "financelake/sources/universe.h"

namespace financelake::sources {
namespace {

// Splits "AAPL.Open" into ("AAPL", "Open"); ("", name) without a dot.
std::pair<std::string, std::string> SplitPrefix(std::string_view name) {
  name = TrimSpaces(name);
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {"", std::string(name)};
  return {std::string(name.substr(0, dot)), std::string(name.substr(dot + 1))};
}

bool ParseOptional(const std::vector<std::string>& fields, int col, std::string_view name,
                   bool positive, double* out, std::string* reason) {
  if (col < 0) return true;
  const std::string_view text = TrimSpaces(fields[static_cast<size_t>(col)]);
  if (text.empty() || text == "null" || text == "NA" || text == "N/A") return true;  // unknown
  std::string why;
  if (!ParseCsvNumber(text, out, &why)) {
    *reason = "column '" + std::string(name) + "': " + why;
    return false;
  }
  if (positive ? !(*out > 0) : !(*out >= 0)) {
    *reason = "column '" + std::string(name) + "': " + std::string(text) +
              (positive ? " is not a positive price" : " is negative");
    return false;
  }
  return true;
}

}  // namespace

Result<PriceLayout> DetectPriceLayout(const std::vector<std::string>& header) {
  PriceLayout layout;
  layout.num_fields = header.size();
  std::vector<int> unclaimed;
  for (size_t i = 0; i < header.size(); ++i) {
    const auto [prefix, base] = SplitPrefix(header[i]);
    const std::string n = NormalizeHeader(base);
    const int col = static_cast<int>(i);
    int* slot = nullptr;
    if (n == "date" || n == "datetime" || n == "timestamp")
      slot = &layout.date;
    else if (n == "open")
      slot = &layout.open;
    else if (n == "high")
      slot = &layout.high;
    else if (n == "low")
      slot = &layout.low;
    else if (n == "close")
      slot = &layout.close;
    else if (n == "adjclose" || n == "adjusted" || n == "adjustedclose")
      slot = &layout.adj_close;
    else if (n == "volume")
      slot = &layout.volume;
    else if (n == "stock" || n == "ticker" || n == "symbol")
      slot = &layout.ticker;
    if (slot == nullptr) {
      unclaimed.push_back(col);
      continue;
    }
    if (*slot >= 0) continue;  // the first of duplicated names wins ("Close" before "AdjClose")
    *slot = col;
    if (!prefix.empty() && slot != &layout.date && layout.header_ticker.empty() &&
        ValidateTicker(prefix).ok()) {
      layout.header_ticker = prefix;
    }
  }
  if (layout.date < 0) {
    return Status::InvalidArgument("not a price file: no Date column in the header");
  }
  if (layout.close >= 0) return layout;
  // No Close column: a wide table if the other columns are tickers.
  for (int col : unclaimed) {
    const std::string name(TrimSpaces(header[static_cast<size_t>(col)]));
    if (ValidateTicker(name).ok()) layout.wide.emplace_back(col, name);
  }
  if (layout.wide.empty() || layout.open >= 0 || layout.high >= 0 || layout.low >= 0) {
    return Status::InvalidArgument(
        "not a price file: no Close column, and the other columns are not tickers");
  }
  return layout;
}

bool ParsePriceDate(const PriceLayout& layout, const std::vector<std::string>& fields, int32_t* day,
                    std::string* reason) {
  std::string why;
  if (!ParseCsvDate(fields[static_cast<size_t>(layout.date)], day, &why)) {
    *reason = "column 'Date': " + why;
    return false;
  }
  return true;
}

bool ParsePriceRow(const PriceLayout& layout, const std::vector<std::string>& fields, PriceBar* bar,
                   std::string* reason) {
  bar->ticker.clear();
  if (layout.ticker >= 0) {
    bar->ticker.assign(TrimSpaces(fields[static_cast<size_t>(layout.ticker)]));
    const Status st = ValidateTicker(bar->ticker);
    if (!st.ok()) {
      *reason = "column 'Ticker': " + st.message();
      return false;
    }
  }
  bar->close = kUnknown;
  if (!ParseOptional(fields, layout.close, "Close", true, &bar->close, reason)) return false;
  if (std::isnan(bar->close)) {
    *reason = "column 'Close': missing value";
    return false;
  }
  bar->open = bar->high = bar->low = bar->adj_close = bar->volume = kUnknown;
  return ParseOptional(fields, layout.open, "Open", true, &bar->open, reason) &&
         ParseOptional(fields, layout.high, "High", true, &bar->high, reason) &&
         ParseOptional(fields, layout.low, "Low", true, &bar->low, reason) &&
         ParseOptional(fields, layout.adj_close, "Adj Close", true, &bar->adj_close, reason) &&
         ParseOptional(fields, layout.volume, "Volume", false, &bar->volume, reason);
}

bool ParseWideCell(const PriceLayout& layout, const std::vector<std::string>& fields, size_t k,
                   PriceBar* bar, std::string* reason) {
  const auto& [col, ticker] = layout.wide[k];
  reason->clear();
  bar->ticker = ticker;
  bar->open = bar->high = bar->low = bar->adj_close = bar->volume = kUnknown;
  bar->close = kUnknown;
  if (!ParseOptional(fields, col, ticker, true, &bar->close, reason)) return false;
  return !std::isnan(bar->close);  // an empty cell: the ticker did not trade (yet)
}

}  // namespace financelake::sources
