// A ticker's served forecaster: the LSTM trained on the whole history, its scaler, and the
// choice of what is served. The LSTM is served only when it beat persistence (lower MAE) over
// the walk-forward validation folds; otherwise the persistence forecast is served, marked as
// such, so a forecast is never worse than the baseline shown next to it.
//
// Store (docs/models.md): <lake>/models/<TICKER>/<version>/{manifest.json, weights.f32} and
// <lake>/models/<TICKER>/CURRENT naming the served version. weights.f32 holds the network's
// flat parameter vector (lstm_network.h layout) as little-endian float32; the manifest holds the
// architecture, features, scaler, validation metrics, the served choice and an FNV-1a checksum
// of the weights. version = "lstm-" + 12 hex digits of a hash of manifest and weights (the same
// data, settings and seed give the same version). Writes are atomic (temporary directory, then
// rename; CURRENT last).
#pragma once

#include <memory>
#include <string>

#include "financelake/base/json.h"
#include "financelake/base/result.h"
#include "financelake/io/filesystem.h"
#include "financelake/ml/forecast_backtest.h"

namespace financelake::ml {

// The LSTM is served only when its validation covered at least this many days (and it beat
// persistence over them): a shorter history serves persistence.
inline constexpr int64_t kMinServingEvidenceDays = 20;

// What `train` serves for a validation with this skill (LSTM MAE / persistence MAE) over this
// many days: "lstm" or "persistence".
inline const char* ServedForecaster(double skill, int64_t validation_days) {
  return skill < 1 && validation_days >= kMinServingEvidenceDays ? "lstm" : "persistence";
}

inline constexpr int kForecastModelFormatVersion = 1;

struct ForecastModel {
  std::string ticker;
  std::string asset_class = "stock";
  std::string version;
  int64_t created_at_us = 0;
  ForecastConfig config;  // architecture, features, training settings
  // What the avg_price feature was in training (DailySeries::avg_price_definition; "" in
  // manifests written before it was recorded). A forecast needs a series that says the same.
  std::string avg_price_definition;
  MinMaxScaler scaler;
  std::unique_ptr<LstmNetwork<float>> net;
  std::string served;  // "lstm" or "persistence"
  // Validation (walk-forward folds over the latest windows) that decided `served`.
  int validation_folds = 0;
  ForecastMetrics lstm, persistence, drift;
  double skill = 0;
  // The final fit on every window.
  LstmTrainResult training;
  int32_t first_day = 0, last_day = 0;  // the history it was trained on
  size_t rows = 0;

  Json Manifest() const;
};

// Backtests on config.validation_folds, then trains the final network on every window (scaler
// fitted on the whole history). InvalidArgument (starting with the ticker) for bad histories.
Result<ForecastModel> TrainForecastModel(const DailySeries& series, const ForecastConfig& config);

struct Forecast {
  std::string ticker;
  int32_t as_of_day = 0;      // the last day of the history
  int32_t target_day = 0;     // the next trading day (given by the caller's calendar)
  double lstm_close = 0;      // the network's output, served or not
  double baseline_close = 0;  // persistence: the last close
  double predicted_close = 0; // what is served
  std::string served;
  std::string model_version;
};

// The next-day forecast from the end of `series` (which may extend past the training history).
// FailedPrecondition when the model uses avg_price and the series' definition of it differs.
Result<Forecast> ForecastNextDay(ForecastModel& model, const DailySeries& series, int32_t target_day);

// "<lake>/models/<TICKER>"; InvalidArgument for a ticker that cannot name a directory.
Result<std::string> ForecastModelDir(std::string_view lake, std::string_view ticker);

// Writes the model (setting model->version) and points CURRENT at it.
Status SaveForecastModel(io::FileSystem& fs, std::string_view lake, ForecastModel* model);
// Loads `version` ("" = CURRENT). NotFound when the ticker has no model; InvalidArgument for a
// damaged or foreign manifest or weights that fail their checksum.
Result<ForecastModel> LoadForecastModel(io::FileSystem& fs, std::string_view lake, std::string_view ticker,
                                        const std::string& version = "");
// Tickers with a CURRENT forecast model, sorted.
Result<std::vector<std::string>> ListForecastTickers(io::FileSystem& fs, std::string_view lake);

}  // namespace financelake::ml
