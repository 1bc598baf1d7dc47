// `gold/model_metrics`: how every trained model scored, next to the baseline it was measured
// against, one row per (model version, subject, split, metric, baseline). Written by
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

struct AppendMetricsResult {
  int64_t version = -1;  // the table version written; -1 when nothing was appended
  size_t appended = 0;
  size_t already_present = 0;  // rows whose (version, subject, split, metric, baseline) was there
};

// Appends the `rows` the table does not have yet, in one commit (creating the table when
// absent): training the same model again (same version) appends nothing. Each (model version,
// subject) written carries a Delta txn, so two processes appending the same rows at once
// conflict and the second finds them present.
Result<AppendMetricsResult> AppendModelMetrics(std::shared_ptr<io::FileSystem> fs,
                                               std::string_view lake,
                                               const std::vector<ModelMetricRow>& rows);

// One line on stdout: what AppendModelMetrics did.
void PrintMetricsAppend(const AppendMetricsResult& r, std::string_view lake);

}  // namespace financelake::pipeline
