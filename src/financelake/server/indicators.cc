#include "financelake/server/indicators.h"

#include <cmath>

namespace financelake::server {

std::vector<IndicatorRow> ComputeIndicators(const std::vector<int32_t>& days, const std::vector<double>& closes) {
  const size_t n = days.size();
  std::vector<IndicatorRow> out(n);
  std::vector<double> prefix(n + 1, 0.0);
  for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + closes[i];
  std::vector<double> ret(n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    IndicatorRow& r = out[i];
    r.day = days[i];
    r.close = closes[i];
    if (i > 0 && closes[i - 1] != 0) {
      ret[i] = closes[i] / closes[i - 1] - 1;
      r.daily_return = ret[i];
    }
    auto ma = [&](size_t w) -> std::optional<double> {
      if (i + 1 < w) return std::nullopt;
      return (prefix[i + 1] - prefix[i + 1 - w]) / static_cast<double>(w);
    };
    r.ma20 = ma(20);
    r.ma50 = ma(50);
    r.ma200 = ma(200);
    if (i >= 20) {  // returns of days i-19 .. i (each needs its previous day)
      double mean = 0, sq = 0;
      for (size_t k = i - 19; k <= i; ++k) mean += ret[k];
      mean /= 20;
      for (size_t k = i - 19; k <= i; ++k) sq += (ret[k] - mean) * (ret[k] - mean);
      r.volatility20 = std::sqrt(sq / 19) * std::sqrt(252.0);  // sample standard deviation
    }
  }
  return out;
}

}  // namespace financelake::server
