// The forecaster's input: one ticker's daily history (one row per trading day, ascending), the
// features derived from it, and the min-max scaler fitted on a prefix of it (a training fold
// only: never on days the model will be judged on).
//
// Features (names used in flags and manifests):
//   avg_price     the day's typical price (high + low + close) / 3, from Gold's columns or a
//                 CSV's; the close when a CSV has no high/low (avg_price_definition says which,
//                 and a model refuses a series whose definition differs from its training's)
//   total_volume  log(1 + volume) (Gold total_volume; CSV Volume)
//   return        close / previous close - 1 (0 on the first day)
//   volatility    standard deviation of the last 20 daily returns (fewer at the start)
// The target of the window ending at day d is the close of row d+1: the next trading day,
// since rows are trading days.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/base/status.h"

namespace financelake::ml {

// What DailySeries::avg_price holds.
inline constexpr std::string_view kAvgPriceTypical = "(high+low+close)/3";  // the typical price
inline constexpr std::string_view kAvgPriceClose = "close";  // a source without high/low

struct DailySeries {
  std::string ticker;
  std::string asset_class = "stock";  // stock | crypto (the calendar of its next day)
  std::vector<int32_t> days;          // days since 1970-01-01, ascending
  std::vector<double> close;
  std::vector<double> avg_price;
  std::vector<double> volume;
  std::string avg_price_definition = std::string(kAvgPriceTypical);

  size_t size() const { return days.size(); }
};

// The default features of the original project.
const std::vector<std::string>& DefaultForecastFeatures();
// InvalidArgument naming the unknown or repeated feature.
Status ValidateForecastFeatures(const std::vector<std::string>& features);

// Checks what the features need: equal column lengths, strictly ascending days (a repeated
// date is named), finite positive prices, finite non-negative volumes, and at least
// `min_rows` rows. The message starts with the ticker.
Status ValidateDailySeries(const DailySeries& s, const std::vector<std::string>& features, size_t min_rows);

// Unscaled features, one column per day (F x days).
Eigen::MatrixXd ComputeForecastFeatures(const DailySeries& s, const std::vector<std::string>& features);

// Days a history needs before a window so that the window's features are what the whole
// history gives: 1 for `return` (the day before), 20 for `volatility` (20 returns), else 0.
size_t FeatureWarmupDays(const std::vector<std::string>& features);

// Per-feature min-max scaling to [0, 1], plus the target's (close).
struct MinMaxScaler {
  std::vector<double> min, max;  // per feature
  double target_min = 0, target_max = 1;

  // Fitted on days [0, last_day] of `features` and `close`.
  static MinMaxScaler Fit(const Eigen::MatrixXd& features, const std::vector<double>& close, size_t last_day);
  Eigen::MatrixXf Transform(const Eigen::MatrixXd& features) const;
  double ScaleTarget(double close) const;
  double UnscaleTarget(double scaled) const;
};

}  // namespace financelake::ml
