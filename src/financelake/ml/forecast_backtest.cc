#include "financelake/ml/forecast_backtest.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace financelake::ml {
namespace {

constexpr int kMinTrainWindows = 30;

int Sign(double v) { return v > 0 ? 1 : (v < 0 ? -1 : 0); }

void Append(std::vector<double>* to, const std::vector<double>& from) { to->insert(to->end(), from.begin(), from.end()); }

}  // namespace

Status ForecastConfig::Validate() const {
  if (window < 1 || window > 1000) return Status::InvalidArgument(fmt::format("window must be in 1..1000, got {}", window));
  if (hidden.empty() || hidden.size() > 8) return Status::InvalidArgument("1 to 8 LSTM layers are supported");
  for (int h : hidden) {
    if (h < 1 || h > 4096) return Status::InvalidArgument(fmt::format("hidden size {} is out of range 1..4096", h));
  }
  if (!(dropout >= 0 && dropout < 1)) return Status::InvalidArgument(fmt::format("dropout must be in [0, 1), got {}", dropout));
  FL_RETURN_NOT_OK(ValidateForecastFeatures(features));
  if (train.max_epochs < 1) return Status::InvalidArgument("epochs must be >= 1");
  if (train.batch_size < 1) return Status::InvalidArgument("batch size must be >= 1");
  if (train.patience < 1) return Status::InvalidArgument("patience must be >= 1");
  if (!(train.learning_rate > 0 && std::isfinite(train.learning_rate))) {
    return Status::InvalidArgument("learning rate must be a positive number");
  }
  if (!(train.validation_fraction >= 0 && train.validation_fraction < 0.5)) {
    return Status::InvalidArgument("validation fraction must be in [0, 0.5)");
  }
  if (folds < 1 || validation_folds < 1 || folds > 1000 || validation_folds > 1000) {
    return Status::InvalidArgument("folds must be in 1..1000");
  }
  if (!(test_fraction > 0 && test_fraction < 0.9)) return Status::InvalidArgument("test fraction must be in (0, 0.9)");
  return Status::OK();
}

size_t ForecastConfig::MinRows(int fold_count) const {
  return static_cast<size_t>(window + kMinTrainWindows + fold_count + 1);
}

LstmShape ForecastConfig::Shape() const {
  return LstmShape{static_cast<int>(features.size()), hidden, dropout};
}

ForecastMetrics MeasureForecast(const std::vector<double>& predicted, const std::vector<double>& actual,
                                const std::vector<double>& previous) {
  ForecastMetrics m;
  m.n = static_cast<int>(predicted.size());
  if (m.n == 0) return m;
  double abs = 0, sq = 0, pct = 0;
  int moves = 0, called = 0, right = 0;
  for (size_t i = 0; i < predicted.size(); ++i) {
    const double e = predicted[i] - actual[i];
    abs += std::abs(e);
    sq += e * e;
    pct += std::abs(e) / std::abs(actual[i]);
    const int want = Sign(actual[i] - previous[i]);
    const int got = Sign(predicted[i] - previous[i]);
    if (got != 0) ++called;
    if (want != 0) {
      ++moves;
      if (got == want) ++right;
    }
  }
  m.mae = abs / m.n;
  m.rmse = std::sqrt(sq / m.n);
  m.mape = 100 * pct / m.n;
  m.directional_accuracy = (called == 0 || moves == 0) ? std::numeric_limits<double>::quiet_NaN()
                                                       : static_cast<double>(right) / moves;
  return m;
}

Result<BacktestResult> WalkForwardBacktest(const DailySeries& s, const ForecastConfig& config, int folds) {
  FL_RETURN_NOT_OK(config.Validate());
  if (folds < 1 || folds > 1000) return Status::InvalidArgument("folds must be in 1..1000");
  FL_RETURN_NOT_OK(ValidateDailySeries(s, config.features, config.MinRows(folds)));
  const int n = static_cast<int>(s.size());
  const int w = config.window;
  const int windows = n - w;  // windows ending at w-1 .. n-2
  int test_windows = std::max(folds, static_cast<int>(std::lround(windows * config.test_fraction)));
  test_windows = std::min(test_windows, windows - kMinTrainWindows);
  const int first_test = n - 1 - test_windows;  // end day of the first test window
  const Eigen::MatrixXd raw = ComputeForecastFeatures(s, config.features);

  BacktestResult r;
  r.ticker = s.ticker;
  std::vector<double> all_actual, all_lstm, all_persist, all_drift, all_prev;
  for (int k = 0; k < folds; ++k) {
    // Fold k covers windows [k*T/K, (k+1)*T/K) of the T test windows: sizes differ by one at most.
    const int a = first_test + static_cast<int>(static_cast<int64_t>(k) * test_windows / folds);
    const int b = first_test + static_cast<int>(static_cast<int64_t>(k + 1) * test_windows / folds) - 1;
    BacktestFold f;
    f.fold = k + 1;
    // Everything the fold may see: days 0 .. a (the last training target is close[a]).
    const MinMaxScaler scaler = MinMaxScaler::Fit(raw, s.close, static_cast<size_t>(a));
    WindowedSeries data;
    data.window = w;
    data.features = scaler.Transform(raw.leftCols(b + 1));
    data.target.resize(b + 1);
    for (int d = 0; d <= b; ++d) {
      data.target[d] = d < a ? static_cast<float>(scaler.ScaleTarget(s.close[d + 1])) : 0.0f;  // test targets unseen
    }
    std::vector<int> train;
    for (int d = w - 1; d < a; ++d) train.push_back(d);
    LstmNetwork<float> net(config.Shape());
    net.Initialize(config.train.seed);
    f.training = TrainLstm(&net, data, train, config.train);
    f.train_first_day = s.days[w];
    f.train_last_day = s.days[a];
    std::vector<int> ends;
    for (int d = a; d <= b; ++d) ends.push_back(d);
    const std::vector<double> scaled = PredictWindows(&net, data, ends);
    double mean_return = 0;
    for (int d = 1; d <= a; ++d) mean_return += s.close[d] / s.close[d - 1] - 1;
    mean_return /= std::max(1, a);
    std::vector<double> prev;
    for (size_t i = 0; i < ends.size(); ++i) {
      const int d = ends[i];
      f.target_days.push_back(s.days[d + 1]);
      f.actual.push_back(s.close[d + 1]);
      f.lstm.push_back(scaler.UnscaleTarget(scaled[i]));
      f.persistence.push_back(s.close[d]);
      f.drift.push_back(s.close[d] * (1 + mean_return));
      prev.push_back(s.close[d]);
    }
    f.test_first_day = f.target_days.front();
    f.test_last_day = f.target_days.back();
    f.lstm_metrics = MeasureForecast(f.lstm, f.actual, prev);
    f.persistence_metrics = MeasureForecast(f.persistence, f.actual, prev);
    f.drift_metrics = MeasureForecast(f.drift, f.actual, prev);
    Append(&all_actual, f.actual);
    Append(&all_lstm, f.lstm);
    Append(&all_persist, f.persistence);
    Append(&all_drift, f.drift);
    Append(&all_prev, prev);
    r.folds.push_back(std::move(f));
  }
  r.lstm = MeasureForecast(all_lstm, all_actual, all_prev);
  r.persistence = MeasureForecast(all_persist, all_actual, all_prev);
  r.drift = MeasureForecast(all_drift, all_actual, all_prev);
  // Against a perfect persistence (a flat series) skill is undefined: NaN, printed n/a, stored
  // null; persistence is served (NaN < 1 is false).
  const double ratio = r.lstm.mae / r.persistence.mae;
  r.skill = r.persistence.mae > 0 && std::isfinite(ratio) ? ratio : std::nan("");
  return r;
}

}  // namespace financelake::ml
