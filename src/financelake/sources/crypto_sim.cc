#include "financelake/sources/crypto_sim.h"

#include <algorithm>
#include <cmath>

#include "financelake/sources/event_time.h"
#include "financelake/sources/price_tick.h"

namespace financelake::sources {
namespace {

constexpr double kYearsPerMicro = 1.0 / (365.0 * 86400.0 * 1e6);
constexpr int64_t kMicrosPerHour = 3600LL * 1000000;

double RoundTo(double v, int decimals) {
  static constexpr double kPow10[] = {1, 1e1, 1e2, 1e3, 1e4};
  const double scale = kPow10[decimals];
  return std::round(v * scale) / scale;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

}  // namespace

CryptoSim::CryptoSim(std::vector<CryptoInstrument> instruments, uint64_t seed, int64_t start_micros,
                     double mean_tick_interval_s)
    : instruments_(std::move(instruments)), mean_interval_us_(mean_tick_interval_s * 1e6) {
  assets_.reserve(instruments_.size());
  for (uint32_t i = 0; i < instruments_.size(); ++i) {
    const CryptoInstrument& inst = instruments_[i];
    GarchParams params;
    // Drift of the log price mu - sigma^2/2 = +2% a year: with mu = 0.10 and crypto's
    // volatility (0.6-1.0) the median path decayed (BTC 41,395 -> 0.0001 over a century).
    params.mu = 0.02 + 0.5 * inst.sigma * inst.sigma;
    params.sigma = inst.sigma;
    Asset a{Rng(StreamSeed(seed, "crypto/" + inst.symbol)), GbmGarch(inst.start_price, params)};
    a.last_time = start_micros;
    a.period_day = DayOfMicros(start_micros);
    a.first_hour = a.last_hour = FloorDiv(start_micros, kMicrosPerHour);
    a.hour_price.fill(inst.start_price);
    const int64_t first =
        start_micros + 1 + static_cast<int64_t>(a.rng.Exponential() * mean_interval_us_);
    assets_.push_back(std::move(a));
    queue_.push({first, i});
  }
}

void CryptoSim::Next(CryptoTick* out) {
  const Pending p = queue_.top();
  queue_.pop();
  Asset& a = assets_[p.index];
  const CryptoInstrument& inst = instruments_[p.index];

  const int64_t day = DayOfMicros(p.time);
  if (day != a.period_day) {
    a.model.EndPeriod();
    a.period_day = day;
  }
  // Remember the price at the start of every hour passed since the last tick.
  const int64_t hour = FloorDiv(p.time, kMicrosPerHour);
  for (int64_t h = std::max(a.last_hour + 1, hour - kHours + 1); h <= hour; ++h) {
    a.hour_price[static_cast<size_t>(h % kHours)] = a.model.price();
  }
  a.last_hour = hour;

  const double dt = static_cast<double>(p.time - a.last_time) * kYearsPerMicro;
  a.model.Step(dt, a.rng.Normal());
  a.last_time = p.time;

  // Mean-reverting log volume (half-life ~1.4 days, ~30% daily noise).
  const double dt_days = dt * 365.0;
  a.log_volume_dev += -0.5 * a.log_volume_dev * dt_days + 0.3 * std::sqrt(dt_days) * a.rng.Normal();
  const double turbulence = std::sqrt(a.model.variance()) / inst.sigma;

  const double price = a.model.price();
  const double then = hour - 24 >= a.first_hour
                          ? a.hour_price[static_cast<size_t>((hour - 24) % kHours)]
                          : inst.start_price;
  out->instrument = p.index;
  out->event_time = p.time;
  out->price_decimals = PriceDecimals(price, price >= 1000 ? 2 : (price >= 1 ? 4 : 6));
  out->price = RoundToTick(price, out->price_decimals);
  // Dollar volume moves with the price (the coins traded do not).
  out->volume_24h = std::round(inst.volume_24h * (price / inst.start_price) *
                               std::exp(a.log_volume_dev) * turbulence);
  out->market_cap = std::round(price * inst.supply);
  out->change_24h = RoundTo((price / then - 1.0) * 100.0, 4);

  queue_.push(
      {p.time + std::max<int64_t>(1, static_cast<int64_t>(a.rng.Exponential() * mean_interval_us_)),
       p.index});
}

}  // namespace financelake::sources
