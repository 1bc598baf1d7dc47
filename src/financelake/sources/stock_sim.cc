#include "financelake/sources/stock_sim.h"

#include <algorithm>
#include <cmath>

#include "financelake/sources/price_tick.h"

namespace financelake::sources {
namespace {

constexpr double kTradingDaysPerYear = 252;
// Share of a day's variance that accrues overnight (open-to-previous-close gap).
constexpr double kOvernightShare = 0.2;
constexpr double kRegularSessionMicros = 6.5 * 3600 * 1e6;
constexpr double kIntradayYearsPerMicro =
    (1.0 - kOvernightShare) / kTradingDaysPerYear / kRegularSessionMicros;

}  // namespace

StockSim::StockSim(std::vector<StockInstrument> instruments, uint64_t seed, int64_t start_micros,
                   double mean_trade_interval_s)
    : instruments_(std::move(instruments)), mean_interval_us_(mean_trade_interval_s * 1e6) {
  tickers_.reserve(instruments_.size());
  for (uint32_t i = 0; i < instruments_.size(); ++i) {
    const StockInstrument& inst = instruments_[i];
    GarchParams params;
    params.mu = inst.mu;
    params.sigma = inst.sigma;
    Ticker t{Rng(StreamSeed(seed, "stock/" + inst.ticker)), GbmGarch(inst.start_price, params),
             NextNyseSession(start_micros)};
    // Cheaper stocks trade in more shares: a median of ~100 shares at $200.
    t.log_median_size = std::log(100.0 * std::sqrt(200.0 / inst.start_price));
    t.last_time = std::max(start_micros, t.session.open_utc);
    tickers_.push_back(std::move(t));
  }
  for (uint32_t i = 0; i < tickers_.size(); ++i) Schedule(i, tickers_[i].last_time);
}

void StockSim::Schedule(uint32_t i, int64_t after) {
  Ticker& t = tickers_[i];
  const double span = static_cast<double>(t.session.close_utc - t.session.open_utc);
  const double x = std::clamp(static_cast<double>(after - t.session.open_utc) / span, 0.0, 1.0);
  int64_t next =
      after + std::max<int64_t>(1, static_cast<int64_t>(t.rng.Exponential() * mean_interval_us_ /
                                                        IntradayUShape(x)));
  if (next >= t.session.close_utc) {
    // The session is over: the first trade of the next session, shortly after its open.
    t.session = NextNyseSession(t.session.close_utc);
    t.new_session = true;
    next = t.session.open_utc +
           static_cast<int64_t>(t.rng.Exponential() * mean_interval_us_ / IntradayUShape(0));
    next = std::min(next, t.session.close_utc - 1);
  }
  queue_.push({next, i});
}

void StockSim::Next(StockTrade* out) {
  const Pending p = queue_.top();
  queue_.pop();
  Ticker& t = tickers_[p.index];
  if (t.new_session) {
    if (t.traded) {
      // Close-to-close variance period: end yesterday's, then open with the overnight gap.
      t.model.EndPeriod();
      t.model.Step(kOvernightShare / kTradingDaysPerYear, t.rng.Normal());
    }
    t.traded = true;
    t.new_session = false;
    t.last_time = t.session.open_utc;
  }
  const double dt = static_cast<double>(p.time - t.last_time) * kIntradayYearsPerMicro;
  t.model.Step(dt, t.rng.Normal());
  t.last_time = p.time;

  const double span = static_cast<double>(t.session.close_utc - t.session.open_utc);
  const double x = static_cast<double>(p.time - t.session.open_utc) / span;
  const double size = t.rng.LogNormal(t.log_median_size, 0.9) * std::sqrt(IntradayUShape(x));
  int64_t volume = std::max<int64_t>(1, std::llround(size));
  if (volume >= 100 && t.rng.Bernoulli(0.7))
    volume = std::max<int64_t>(100, (volume + 50) / 100 * 100);

  out->instrument = p.index;
  out->event_time = p.time;
  out->model_price = t.model.price();
  out->price_decimals = PriceDecimals(out->model_price, out->model_price >= 1.0 ? 2 : 4);
  out->price = RoundToTick(out->model_price, out->price_decimals);
  out->volume = volume;
  out->buy = t.rng.Bernoulli(0.5);
  Schedule(p.index, p.time);
}

}  // namespace financelake::sources
