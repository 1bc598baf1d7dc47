// Per-ticker indicators the dashboard shows, computed on read from gold/daily_prices (a
// ticker's whole history, then cut to the requested range, so a 200-day average on the first
// day of the range is still a full one): daily return (close / previous close - 1), simple
// moving averages of the close over 20, 50 and 200 trading days (null until that many days
// exist), and the 20-day rolling volatility of daily returns, annualised (x sqrt(252); null until
// 20 returns exist).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace financelake::server {

struct IndicatorRow {
  int32_t day = 0;
  double close = 0;
  std::optional<double> daily_return, ma20, ma50, ma200, volatility20;
};

// `days` ascending, one close each.
std::vector<IndicatorRow> ComputeIndicators(const std::vector<int32_t>& days, const std::vector<double>& closes);

}  // namespace financelake::server
