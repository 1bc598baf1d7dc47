#include "financelake/sources/price_tick.h"

#include <algorithm>
#include <cmath>

namespace financelake::sources {
namespace {

constexpr double kPow10[kMaxPriceDecimals + 1] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

}  // namespace

int PriceDecimals(double price, int base) {
  if (!(price > 0) || !std::isfinite(price)) return base;
  // A price in [10^k, 10^(k+1)) has its third significant digit at place 2 - k.
  const int needed = 2 - static_cast<int>(std::floor(std::log10(price)));
  return std::clamp(std::max(base, needed), 0, kMaxPriceDecimals);
}

double RoundToTick(double price, int decimals) {
  const double scale = kPow10[std::clamp(decimals, 0, kMaxPriceDecimals)];
  return std::max(std::round(price * scale), 1.0) / scale;
}

}  // namespace financelake::sources
