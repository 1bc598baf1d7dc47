// `gold/model_metrics`: how every trained model scored, next to the baseline it was measured
// against, one row per (model version, subject, split, metric). Written by
// `financelake fraud train` (and the forecaster's train/backtest), read by the dashboard.
//
// Columns: created_at timestamp, model string ("fraud", "forecast"), model_version string,
// subject string (what was evaluated: a dataset or a ticker), split string ("test",
// "validation", "backtest"), metric string ("auprc", "roc_auc", "precision", ...), value double
// (null when undefined, e.g. recall without positives), baseline string (the model compared
// with: "logistic_regression", "persistence"), baseline_value double. Not partitioned.
#pragma once

#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/schema.h"
#include "financelake/io/filesystem.h"

namespace financelake::pipeline {

struct ModelMetricRow {
  int64_t created_at_us = 0;
  std::string model;
  std::string model_version;
  std::string subject;
  std::string split;
  std::string metric;
  double value = 0;           // NaN -> null
  std::string baseline;
  double baseline_value = 0;  // NaN -> null
};

const columnar::Schema& ModelMetricsSchema();
std::string ModelMetricsPath(std::string_view lake);

// Appends `rows` in one commit (creating the table when absent). Returns the version written.
Result<int64_t> AppendModelMetrics(std::shared_ptr<io::FileSystem> fs, std::string_view lake,
                                   const std::vector<ModelMetricRow>& rows);

}  // namespace financelake::pipeline
