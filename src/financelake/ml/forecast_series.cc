#include "financelake/ml/forecast_series.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "financelake/columnar/value.h"

namespace financelake::ml {
namespace {

constexpr int kVolatilityDays = 20;

double Range(double lo, double hi) { return hi > lo ? hi - lo : 1.0; }

}  // namespace

const std::vector<std::string>& DefaultForecastFeatures() {
  static const std::vector<std::string> k{"avg_price", "total_volume"};
  return k;
}

Status ValidateForecastFeatures(const std::vector<std::string>& features) {
  if (features.empty()) return Status::InvalidArgument("no features: use avg_price, total_volume, return, volatility");
  for (size_t i = 0; i < features.size(); ++i) {
    const std::string& f = features[i];
    if (f != "avg_price" && f != "total_volume" && f != "return" && f != "volatility") {
      return Status::InvalidArgument(
          fmt::format("unknown feature '{}' (known: avg_price, total_volume, return, volatility)", f));
    }
    if (std::find(features.begin(), features.begin() + static_cast<long>(i), f) != features.begin() + static_cast<long>(i)) {
      return Status::InvalidArgument(fmt::format("feature '{}' is listed twice", f));
    }
  }
  return Status::OK();
}

Status ValidateDailySeries(const DailySeries& s, const std::vector<std::string>& features, size_t min_rows) {
  const size_t n = s.days.size();
  const bool need_volume = std::find(features.begin(), features.end(), "total_volume") != features.end();
  const bool need_avg = std::find(features.begin(), features.end(), "avg_price") != features.end();
  if (need_volume && s.volume.size() != n) {  // the loaders drop a volume that some day lacks
    return Status::InvalidArgument(fmt::format(
        "{}: no volume for every day (a day without one, or no Volume column): leave total_volume "
        "out of --features (e.g. --features avg_price,return)", s.ticker));
  }
  if (s.close.size() != n || (need_avg && s.avg_price.size() != n)) {
    return Status::InvalidArgument(fmt::format("{}: columns of different lengths", s.ticker));
  }
  for (size_t i = 0; i < n; ++i) {
    const std::string day = columnar::FormatDate(s.days[i]);
    if (i > 0 && s.days[i] <= s.days[i - 1]) {
      return Status::InvalidArgument(fmt::format("{}: {} {}", s.ticker, day,
                                                 s.days[i] == s.days[i - 1] ? "appears twice" : "is out of date order"));
    }
    if (!std::isfinite(s.close[i]) || s.close[i] <= 0) {
      return Status::InvalidArgument(fmt::format("{}: close is {} on {}", s.ticker, s.close[i], day));
    }
    if (need_avg && (!std::isfinite(s.avg_price[i]) || s.avg_price[i] <= 0)) {
      return Status::InvalidArgument(fmt::format("{}: avg_price is {} on {}", s.ticker, s.avg_price[i], day));
    }
    if (need_volume && (!std::isfinite(s.volume[i]) || s.volume[i] < 0)) {
      return Status::InvalidArgument(fmt::format("{}: volume is {} on {}", s.ticker, s.volume[i], day));
    }
  }
  if (n < min_rows) {
    return Status::InvalidArgument(fmt::format("{}: {} rows; at least {} are needed", s.ticker, n, min_rows));
  }
  // Finite prices can still give features that are not (a close of 1e300 after 1e-300 is a
  // return of inf): such a model could be saved but never loaded again.
  const Eigen::MatrixXd raw = ComputeForecastFeatures(s, features);
  for (Eigen::Index d = 0; d < raw.cols(); ++d) {
    for (Eigen::Index f = 0; f < raw.rows(); ++f) {
      if (!std::isfinite(raw(f, d))) {
        return Status::InvalidArgument(fmt::format(
            "{}: feature {} is {} on {} (close {} after {}): leave it out of --features", s.ticker,
            features[static_cast<size_t>(f)], raw(f, d),
            columnar::FormatDate(s.days[static_cast<size_t>(d)]), s.close[static_cast<size_t>(d)],
            d > 0 ? s.close[static_cast<size_t>(d) - 1] : s.close[0]));
      }
    }
  }
  return Status::OK();
}

Eigen::MatrixXd ComputeForecastFeatures(const DailySeries& s, const std::vector<std::string>& features) {
  const Eigen::Index n = static_cast<Eigen::Index>(s.size());
  Eigen::MatrixXd out(static_cast<Eigen::Index>(features.size()), n);
  std::vector<double> ret(static_cast<size_t>(n), 0.0);
  for (Eigen::Index d = 1; d < n; ++d) ret[d] = s.close[d] / s.close[d - 1] - 1;
  for (size_t f = 0; f < features.size(); ++f) {
    const std::string& name = features[f];
    for (Eigen::Index d = 0; d < n; ++d) {
      double v = 0;
      if (name == "avg_price") {
        v = s.avg_price[d];
      } else if (name == "total_volume") {
        v = std::log1p(s.volume[d]);
      } else if (name == "return") {
        v = ret[d];
      } else {  // volatility: returns of days max(1, d-19) .. d
        const Eigen::Index from = std::max<Eigen::Index>(1, d - kVolatilityDays + 1);
        const Eigen::Index k = d - from + 1;
        if (k >= 2) {
          double mean = 0, sq = 0;
          for (Eigen::Index j = from; j <= d; ++j) mean += ret[j];
          mean /= static_cast<double>(k);
          for (Eigen::Index j = from; j <= d; ++j) sq += (ret[j] - mean) * (ret[j] - mean);
          v = std::sqrt(sq / static_cast<double>(k));
        }
      }
      out(static_cast<Eigen::Index>(f), d) = v;
    }
  }
  return out;
}

size_t FeatureWarmupDays(const std::vector<std::string>& features) {
  auto has = [&](const char* f) {
    return std::find(features.begin(), features.end(), f) != features.end();
  };
  if (has("volatility")) return kVolatilityDays;
  return has("return") ? 1 : 0;
}

MinMaxScaler MinMaxScaler::Fit(const Eigen::MatrixXd& features, const std::vector<double>& close, size_t last_day) {
  MinMaxScaler s;
  const Eigen::Index n = static_cast<Eigen::Index>(last_day) + 1;
  for (Eigen::Index f = 0; f < features.rows(); ++f) {
    s.min.push_back(features.row(f).head(n).minCoeff());
    s.max.push_back(features.row(f).head(n).maxCoeff());
  }
  const auto [lo, hi] = std::minmax_element(close.begin(), close.begin() + n);
  s.target_min = *lo;
  s.target_max = *hi;
  return s;
}

Eigen::MatrixXf MinMaxScaler::Transform(const Eigen::MatrixXd& features) const {
  Eigen::MatrixXf out(features.rows(), features.cols());
  for (Eigen::Index f = 0; f < features.rows(); ++f) {
    const double lo = min[static_cast<size_t>(f)], r = Range(lo, max[static_cast<size_t>(f)]);
    out.row(f) = ((features.row(f).array() - lo) / r).cast<float>();
  }
  return out;
}

double MinMaxScaler::ScaleTarget(double close) const {
  return (close - target_min) / Range(target_min, target_max);
}

double MinMaxScaler::UnscaleTarget(double scaled) const {
  return scaled * Range(target_min, target_max) + target_min;
}

}  // namespace financelake::ml
