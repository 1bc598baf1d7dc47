// `gold/predictions`: the served next-day forecasts, one row per (ticker, as_of_date,
// model_version). Contract columns (../shared/ARCHITECTURE.md): ticker string, as_of_date date
// (the last close the forecast knows), target_date date (the next trading day),
// predicted_close double (what is served), baseline_close double (persistence: the as_of
// close), model_version string, created_at timestamp; plus served string ("lstm" or
// "persistence": which forecast predicted_close is) and lstm_close double (the network's own
// figure, shown even when persistence is served). Not partitioned.
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
  int64_t version = -1;  // -1 when nothing was new
  size_t appended = 0;
  size_t already_present = 0;  // same ticker, as_of_date and model_version: kept once
};

// Appends the forecasts not already in the table, in one commit (creating the table).
Result<AppendPredictionsResult> AppendPredictions(std::shared_ptr<io::FileSystem> fs, std::string_view lake,
                                                  const std::vector<ml::Forecast>& forecasts, int64_t created_at_us);

}  // namespace financelake::pipeline
