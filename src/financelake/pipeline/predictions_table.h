// `gold/predictions`: the served next-day forecasts, one row per (ticker, as_of_date,
// model_version): the latest computed (AppendPredictions replaces a row that changed). Contract
// columns (../shared/ARCHITECTURE.md): ticker string, as_of_date date (the last close the forecast
// knows), target_date date (the next trading day), predicted_close double (what is served),
// baseline_close double (persistence: the as_of close), model_version string, created_at timestamp;
// plus served string ("lstm" or "persistence": which forecast predicted_close is) and lstm_close
// double (the network's own figure, shown even when persistence is served). Not partitioned.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/schema.h"
#include "financelake/io/filesystem.h"
#include "financelake/ml/forecast_model.h"

namespace financelake::pipeline {

const columnar::Schema& PredictionsSchema();
std::string PredictionsPath(std::string_view lake);

struct AppendPredictionsResult {
  int64_t version = -1;        // -1 when nothing was written
  size_t appended = 0;         // a new (ticker, as_of_date, model_version)
  size_t replaced = 0;         // the stored row of that key said something else: replaced
  size_t already_present = 0;  // stored exactly as given
};

// Stores `forecasts` so that the table holds one row per (ticker, as_of_date, model_version),
// and that row is the latest forecast computed: new keys are added and a stored row that
// differs (the last day's prices changed since: a partial live day, Gold restated) is replaced,
// both in one commit (a Delta MERGE; creating the table if needed). Forecasts stored exactly as
// given are left alone. Safe against concurrent callers: a commit that lost the race is redone
// against the winner's table, so two runs never store a key twice.
Result<AppendPredictionsResult> AppendPredictions(std::shared_ptr<io::FileSystem> fs, std::string_view lake,
                                                  const std::vector<ml::Forecast>& forecasts, int64_t created_at_us);

}  // namespace financelake::pipeline
