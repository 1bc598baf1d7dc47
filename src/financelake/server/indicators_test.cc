#include "financelake/server/indicators.h"

#include <gtest/gtest.h>

#include <cmath>

namespace financelake::server {
namespace {

TEST(IndicatorsTest, WindowsStartWhenTheyAreFull) {
  std::vector<int32_t> days;
  std::vector<double> closes;
  for (int i = 0; i < 250; ++i) {
    days.push_back(19000 + i);
    closes.push_back(100 + i % 7 + 0.5 * i);
  }
  const auto r = ComputeIndicators(days, closes);
  ASSERT_EQ(r.size(), 250u);
  EXPECT_FALSE(r[0].daily_return.has_value());
  EXPECT_DOUBLE_EQ(*r[1].daily_return, closes[1] / closes[0] - 1);
  EXPECT_FALSE(r[18].ma20.has_value());
  ASSERT_TRUE(r[19].ma20.has_value());
  double s = 0;
  for (int i = 0; i < 20; ++i) s += closes[i];
  EXPECT_NEAR(*r[19].ma20, s / 20, 1e-12);
  EXPECT_FALSE(r[48].ma50.has_value());
  EXPECT_TRUE(r[49].ma50.has_value());
  EXPECT_FALSE(r[198].ma200.has_value());
  s = 0;
  for (int i = 50; i < 250; ++i) s += closes[i];
  EXPECT_NEAR(*r[249].ma200, s / 200, 1e-9);
  // Volatility: sample standard deviation of the last 20 returns, annualised.
  EXPECT_FALSE(r[19].volatility20.has_value());
  ASSERT_TRUE(r[20].volatility20.has_value());
  double mean = 0, sq = 0;
  for (int i = 1; i <= 20; ++i) mean += closes[i] / closes[i - 1] - 1;
  mean /= 20;
  for (int i = 1; i <= 20; ++i) sq += std::pow(closes[i] / closes[i - 1] - 1 - mean, 2);
  EXPECT_NEAR(*r[20].volatility20, std::sqrt(sq / 19) * std::sqrt(252.0), 1e-12);
}

TEST(IndicatorsTest, FlatPricesHaveNoVolatility) {
  const auto r = ComputeIndicators({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21},
                                   std::vector<double>(21, 50.0));
  EXPECT_DOUBLE_EQ(*r[20].volatility20, 0.0);
  EXPECT_DOUBLE_EQ(*r[20].daily_return, 0.0);
  EXPECT_TRUE(ComputeIndicators({}, {}).empty());
}

}  // namespace
}  // namespace financelake::server
