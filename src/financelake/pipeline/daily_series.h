// Daily price histories for the forecaster (ml::DailySeries), one per ticker, from the lake's
// `gold/daily_prices` or straight from a daily CSV (any layout sources/price_csv.h knows), and
// the next trading day a forecast targets (NYSE calendar for stocks, the next UTC day for
// crypto).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/io/filesystem.h"
#include "financelake/ml/forecast_series.h"

namespace financelake::pipeline {

struct DailySeriesSet {
  std::vector<ml::DailySeries> series;  // sorted by ticker
  std::vector<std::string> warnings;    // rows left out and why (one line each, summarised)
};

// Every ticker of gold/daily_prices (or only `tickers`), each ascending by trading_date.
// NotFound when the table does not exist.
Result<DailySeriesSet> ReadGoldDailySeries(std::shared_ptr<io::FileSystem> fs, std::string_view lake,
                                           const std::vector<std::string>& tickers);

// The bars of a daily CSV grouped by ticker. avg_price is the typical price (H+L+C)/3 when the
// file has high and low, else the close; volume is absent (empty) when the file has none.
// Malformed rows are left out and counted in the warnings.
Result<DailySeriesSet> ReadCsvDailySeries(io::FileSystem& fs, const std::string& path, const std::string& ticker,
                                          const std::vector<std::string>& tickers);

// The day a forecast made after `day`'s close targets.
int32_t NextTradingDay(const std::string& asset_class, int32_t day);

}  // namespace financelake::pipeline
