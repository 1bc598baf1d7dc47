// Daily price histories for the forecaster (ml::DailySeries), one per ticker, from the lake's
// `gold/daily_prices` or straight from a daily CSV (any layout sources/price_csv.h knows), and
// the next trading day a forecast targets (NYSE calendar for stocks, the next UTC day for
// crypto).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/io/filesystem.h"
#include "financelake/ml/forecast_series.h"

namespace financelake::pipeline {

struct DailySeriesSet {
  std::vector<ml::DailySeries> series;  // sorted by ticker
  std::vector<std::string> warnings;    // rows left out, gaps (one line each, summarised)
  // Tickers with a row that cannot be used (a NaN or empty close, a bad date, ...): not in
  // `series`, since leaving the day out would make the day before it target a two-day move.
  // The error names the file line and starts with the ticker.
  std::map<std::string, Status> failed;
};

// Every ticker of gold/daily_prices (or only `tickers`), each ascending by trading_date, with
// avg_price the typical price (high + low + close) / 3 of Gold's columns: the same feature as
// from a CSV (Gold's own avg_price, the mean trade price, cannot be had from a daily file).
// NotFound when the table does not exist.
Result<DailySeriesSet> ReadGoldDailySeries(std::shared_ptr<io::FileSystem> fs, std::string_view lake,
                                           const std::vector<std::string>& tickers);

// The bars of a daily CSV grouped by ticker. avg_price is the typical price (H+L+C)/3 when the
// ticker's every row has high and low, else the close (avg_price_definition says which); volume
// is absent (empty) when the file has none. A malformed row fails its ticker (`failed`); one
// whose ticker cannot be told is left out and counted in the warnings.
Result<DailySeriesSet> ReadCsvDailySeries(io::FileSystem& fs, const std::string& path, const std::string& ticker,
                                          const std::vector<std::string>& tickers);

// The day a forecast made after `day`'s close targets.
int32_t NextTradingDay(const std::string& asset_class, int32_t day);

// The trading days missing between the first and last day of `s` (NYSE calendar, apart from its
// known one-off closures, for stocks; every day for crypto), ascending. Both readers warn once
// per ticker that has any: nothing is filled in, so the day before a gap targets a later day.
std::vector<int32_t> MissingTradingDays(const ml::DailySeries& s);

}  // namespace financelake::pipeline
