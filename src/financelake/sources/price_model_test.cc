// Statistics of the simulated prices: GBM log-returns have the drift and volatility they were
// given, GARCH makes squared returns autocorrelated (volatility clustering), and the stock and
// crypto simulators only trade when their markets are open.
#include "financelake/sources/price_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "financelake/sources/crypto_sim.h"
#include "financelake/sources/event_time.h"
#include "financelake/sources/nyse_calendar.h"
#include "financelake/sources/price_tick.h"
#include "financelake/sources/random.h"
#include "financelake/sources/stock_sim.h"

namespace financelake::sources {
namespace {

struct Moments {
  double mean = 0;
  double stdev = 0;
};

Moments MomentsOf(const std::vector<double>& x) {
  Moments m;
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(x.size());
  for (double v : x) m.stdev += (v - m.mean) * (v - m.mean);
  m.stdev = std::sqrt(m.stdev / static_cast<double>(x.size() - 1));
  return m;
}

// Lag-k autocorrelation of x.
double Autocorrelation(const std::vector<double>& x, size_t k) {
  const Moments m = MomentsOf(x);
  double num = 0;
  double den = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    den += (x[i] - m.mean) * (x[i] - m.mean);
    if (i + k < x.size()) num += (x[i] - m.mean) * (x[i + k] - m.mean);
  }
  return num / den;
}

// Daily log-returns of one GbmGarch path.
std::vector<double> DailyReturns(const GarchParams& p, uint64_t seed, int days) {
  GbmGarch model(100, p);
  Rng rng(seed);
  std::vector<double> r;
  r.reserve(static_cast<size_t>(days));
  for (int d = 0; d < days; ++d) {
    r.push_back(model.Step(1.0 / 252, rng.Normal()));
    model.EndPeriod();
  }
  return r;
}

TEST(RngTest, NormalHasUnitMomentsAndIsDeterministic) {
  Rng a(7), b(7), c(8);
  std::vector<double> x;
  for (int i = 0; i < 400000; ++i) x.push_back(a.Normal());
  const Moments m = MomentsOf(x);
  EXPECT_NEAR(m.mean, 0, 0.01);
  EXPECT_NEAR(m.stdev, 1, 0.01);
  Rng again(7);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(b.NextU64(), again.NextU64());
  EXPECT_NE(Rng(7).NextU64(), c.NextU64());
}

TEST(GbmGarchTest, LogReturnsHaveTheGivenDriftAndVolatility) {
  GarchParams p;
  p.mu = 0.10;
  p.sigma = 0.30;
  constexpr int kDays = 400000;
  const std::vector<double> r = DailyReturns(p, 1, kDays);
  const Moments m = MomentsOf(r);
  const double dt = 1.0 / 252;
  // E[r] = (mu - E[h]/2) dt with E[h] = sigma^2; standard error sigma sqrt(dt) / sqrt(n).
  const double expected_mean = (p.mu - 0.5 * p.sigma * p.sigma) * dt;
  const double se = p.sigma * std::sqrt(dt) / std::sqrt(static_cast<double>(kDays));
  EXPECT_NEAR(m.mean, expected_mean, 5 * se);
  // Long-run volatility within 5% (GARCH makes the sample variance converge slowly).
  EXPECT_NEAR(m.stdev / std::sqrt(dt), p.sigma, 0.05 * p.sigma);
}

TEST(GbmGarchTest, SquaredReturnsAreAutocorrelated) {
  GarchParams p;
  const std::vector<double> r = DailyReturns(p, 2, 200000);
  std::vector<double> sq;
  for (double v : r) sq.push_back(v * v);
  // GARCH(1,1) with alpha 0.08, beta 0.90: clearly positive at short lags, decaying with lag.
  const double ac1 = Autocorrelation(sq, 1);
  const double ac10 = Autocorrelation(sq, 10);
  EXPECT_GT(ac1, 0.05);
  EXPECT_GT(ac10, 0.02);
  EXPECT_LT(ac10, ac1);
  // Raw returns are not autocorrelated (no free lunch).
  EXPECT_NEAR(Autocorrelation(r, 1), 0, 0.01);
}

TEST(GbmGarchTest, WithoutGarchThereIsNoClustering) {
  GarchParams p;
  p.alpha = 0;
  p.beta = 0;
  std::vector<double> sq;
  for (double v : DailyReturns(p, 3, 200000)) sq.push_back(v * v);
  EXPECT_NEAR(Autocorrelation(sq, 1), 0, 0.01);
}

TEST(GbmGarchTest, IntradayStepsAddUpToTheDailyVariance) {
  GarchParams p;
  p.alpha = 0;
  p.beta = 0;
  p.sigma = 0.2;
  GbmGarch model(50, p);
  Rng rng(4);
  std::vector<double> daily;
  for (int d = 0; d < 100000; ++d) {
    double sum = 0;
    for (int k = 0; k < 20; ++k) sum += model.Step(1.0 / 252 / 20, rng.Normal());
    model.EndPeriod();
    daily.push_back(sum);
  }
  EXPECT_NEAR(MomentsOf(daily).stdev * std::sqrt(252.0), 0.2, 0.004);
}

TEST(StockSimTest, TradesOnlyDuringSessionsWithRealisticDailyVolatility) {
  const int64_t start = *ParseEventTime("2024-01-01T00:00:00Z");
  StockSim sim({{"TEST", "NYSE", 100, 0.05, 0.30}}, 9, start, 60);
  const int64_t end = *ParseEventTime("2026-01-01T00:00:00Z");
  StockTrade t;
  std::vector<double> closes;
  int32_t day = -1;
  double last = 0;
  int64_t trades = 0;
  int64_t previous = 0;
  while (sim.next_time() < end) {
    sim.Next(&t);
    ++trades;
    ASSERT_TRUE(IsInNyseSession(t.event_time)) << FormatEventTime(t.event_time);
    ASSERT_GT(t.event_time, previous);
    previous = t.event_time;
    ASSERT_GT(t.volume, 0);
    const NyseSession s = NextNyseSession(t.event_time);
    if (s.day != day) {
      if (day >= 0) closes.push_back(last);
      day = s.day;
    }
    last = t.model_price;
  }
  // Every session of the two years has trades: ~390 a day at one a minute.
  size_t sessions = 0;
  for (int64_t d = DayOfMicros(start); d < DayOfMicros(end); ++d) {
    sessions += IsNyseTradingDay(static_cast<int32_t>(d)) ? 1 : 0;
  }
  EXPECT_EQ(sessions, 503u);  // 252 in 2024, 251 in 2025 (the 2025-01-09 closure is not modelled)
  EXPECT_EQ(closes.size() + 1, sessions);
  EXPECT_NEAR(static_cast<double>(trades) / static_cast<double>(sessions), 390, 20);
  std::vector<double> r;
  for (size_t i = 1; i < closes.size(); ++i) r.push_back(std::log(closes[i] / closes[i - 1]));
  EXPECT_NEAR(MomentsOf(r).stdev * std::sqrt(252.0), 0.30, 0.06);
}

TEST(StockSimTest, IntradayUShape) {
  EXPECT_DOUBLE_EQ(IntradayUShape(0), 2);
  EXPECT_DOUBLE_EQ(IntradayUShape(1), 2);
  EXPECT_DOUBLE_EQ(IntradayUShape(0.5), 0.5);
  double mean = 0;
  for (int i = 0; i < 1000; ++i) mean += IntradayUShape((i + 0.5) / 1000) / 1000;
  EXPECT_NEAR(mean, 1, 1e-3);
}

TEST(PriceTickTest, TinyPricesKeepThreeDigitsAndAreNeverZero) {
  EXPECT_EQ(PriceDecimals(185.6, 2), 2);
  EXPECT_EQ(PriceDecimals(0.5, 4), 4);
  EXPECT_EQ(PriceDecimals(0.05, 4), 4);
  EXPECT_EQ(PriceDecimals(0.0894, 6), 6);
  EXPECT_EQ(PriceDecimals(0.00001, 4), 7);
  EXPECT_EQ(PriceDecimals(0.0000123, 6), 7);
  EXPECT_EQ(PriceDecimals(kMinSimStartPrice, 6), 9);
  EXPECT_EQ(PriceDecimals(1e-12, 6), kMaxPriceDecimals);
  EXPECT_DOUBLE_EQ(RoundToTick(0.00001234, 7), 0.0000123);
  EXPECT_DOUBLE_EQ(RoundToTick(185.604, 2), 185.60);
  EXPECT_DOUBLE_EQ(RoundToTick(1e-12, 9), 1e-9) << "never 0";
  EXPECT_DOUBLE_EQ(RoundToTick(0.004, 2), 0.01) << "never 0";
}

TEST(StockSimTest, APennyStockNeverTradesAtZero) {
  const int64_t start = *ParseEventTime("2024-01-02T00:00:00Z");
  StockSim sim({{"PENNY", "NYSE", 0.00001, 0.07, 0.6}}, 3, start, 60);
  StockTrade t;
  for (int i = 0; i < 5000; ++i) {
    sim.Next(&t);
    ASSERT_GT(t.price, 0) << i;
    EXPECT_GE(t.price_decimals, 7);
    EXPECT_NEAR(t.price, t.model_price, t.model_price * 0.01) << "3 significant digits";
  }
}

TEST(CryptoSimTest, ACoinAtTheSmallestStartPriceNeverTicksAtZero) {
  const int64_t start = *ParseEventTime("2024-01-02T00:00:00Z");
  CryptoSim sim({{"SHIB", kMinSimStartPrice, 1.3, 5.8e14, 2e8}}, 3, start, 60);
  CryptoTick t;
  for (int i = 0; i < 5000; ++i) {
    sim.Next(&t);
    ASSERT_GT(t.price, 0) << i;
    EXPECT_GT(t.market_cap, 0);
    EXPECT_GE(t.price_decimals, 8);
  }
}

TEST(CryptoSimTest, TicksAroundTheClockWithConsistentFields) {
  const int64_t start = *ParseEventTime("2024-01-06T00:00:00Z");  // a Saturday
  CryptoSim sim({{"BTC", 40000, 0.6, 19.6e6, 2e10}}, 5, start, 30);
  CryptoTick t;
  int weekend = 0;
  double first_price = 0;
  while (sim.next_time() < start + 3 * kMicrosPerDay) {
    sim.Next(&t);
    if (first_price == 0) first_price = t.price;
    if (t.event_time < start + 2 * kMicrosPerDay) ++weekend;
    EXPECT_NEAR(t.market_cap, t.price * 19.6e6, t.price * 19.6e6 * 1e-6);
    EXPECT_GT(t.volume_24h, 0);
    EXPECT_EQ(t.price_decimals, 2);
  }
  EXPECT_NEAR(weekend, 2 * 86400 / 30, 300);
  // After 24h, change_24h compares with the price a day earlier, not the start price.
  EXPECT_NEAR(t.change_24h, 0, 20);
}

}  // namespace
}  // namespace financelake::sources
