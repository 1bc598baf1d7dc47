// Walk-forward (expanding window) evaluation of the LSTM forecaster against the baselines a
// forecast must beat to be worth showing:
//   persistence  tomorrow's close = today's close (the random walk)
//   drift        today's close x (1 + the training fold's mean daily return)
// The windows of the last `test_fraction` of the history are split into `folds` consecutive
// test folds. Fold k trains a fresh network on every earlier window (targets up to the fold's
// first day), with the scaler fitted on those days only, then predicts its test windows. Data
// after a fold's last target never reaches it (the leakage test poisons it to check).
#pragma once

#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/ml/forecast_series.h"
#include "financelake/ml/lstm_network.h"
#include "financelake/ml/lstm_trainer.h"

namespace financelake::ml {

struct ForecastConfig {
  int window = 7;
  std::vector<int> hidden{64, 32};
  double dropout = 0.2;
  std::vector<std::string> features = DefaultForecastFeatures();
  LstmTrainOptions train;
  int folds = 5;               // backtest folds (`train` uses validation_folds)
  int validation_folds = 3;    // folds `train` judges the LSTM on before serving it
  double test_fraction = 0.2;  // share of the windows the folds cover

  // InvalidArgument naming the bad setting.
  Status Validate() const;
  // Rows a history needs: a window, `folds` test windows, and 30 training windows.
  size_t MinRows(int fold_count) const;
  LstmShape Shape() const;
};

struct ForecastMetrics {
  int n = 0;
  double mae = 0, rmse = 0;
  double mape = 0;                  // percent
  double directional_accuracy = 0;  // share of days with a move whose direction was called; NaN
                                    // for a forecast that never calls one (persistence)
};

// Metrics of `predicted` against `actual`, directions judged from `previous` (today's close).
ForecastMetrics MeasureForecast(const std::vector<double>& predicted, const std::vector<double>& actual,
                                const std::vector<double>& previous);

struct BacktestFold {
  int fold = 0;
  int32_t train_first_day = 0, train_last_day = 0;  // target days of the training windows
  int32_t test_first_day = 0, test_last_day = 0;    // target days of the test windows
  LstmTrainResult training;
  std::vector<int32_t> target_days;
  std::vector<double> actual, lstm, persistence, drift;
  ForecastMetrics lstm_metrics, persistence_metrics, drift_metrics;
};

struct BacktestResult {
  std::string ticker;
  std::vector<BacktestFold> folds;
  // Over every fold's test windows together.
  ForecastMetrics lstm, persistence, drift;
  double skill = 0;  // MAE(lstm) / MAE(persistence): below 1 the LSTM beat the random walk
};

// InvalidArgument (message starting with the ticker) for a history that is too short or bad.
Result<BacktestResult> WalkForwardBacktest(const DailySeries& series, const ForecastConfig& config, int folds);

}  // namespace financelake::ml
