// Trains the fraud model on a labelled table (a CSV, or Silver's bank transactions) and
// evaluates it honestly.
//
// Rows are ordered by the time column (file order when there is none) and split by time, never
// at random: the earliest 60% train, the next 20% validate (early stopping, and the alert
// threshold: the one with the best F1), the latest 20% test. Class imbalance: XGBoost's
// scale_pos_weight = negatives / positives of the training rows; the logistic baseline
// weights both classes to half the total. Both models see the same features and split, and
// both are reported on the test rows: AUPRC, ROC-AUC, and precision, recall and alert rate at
// the threshold each chose on validation.
#pragma once

#include <string>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/ml/fraud_model.h"
#include "financelake/ml/metrics.h"

namespace financelake::ml {

struct FraudTrainOptions {
  std::string label;                 // required: 0/1 (numeric or boolean)
  std::string time_column;           // empty: the rows are in time order already
  std::vector<std::string> exclude;  // further columns that are not features
  uint64_t seed = 42;
  int threads = 1;
  double train_fraction = 0.6;
  double valid_fraction = 0.2;
  BoosterParams booster;  // seed/threads/scale_pos_weight are set from the above
};

struct SliceInfo {
  int64_t rows = 0;
  int64_t positives = 0;
  std::string first_time, last_time;  // time column values at the slice's ends
};

struct ModelEvaluation {
  double auprc = 0;
  double roc_auc = 0;
  ThresholdMetrics at_threshold;
};

struct FraudTrainReport {
  SliceInfo train, validation, test;
  ModelEvaluation xgboost_test, logistic_test;
  double xgboost_validation_auprc = 0, logistic_validation_auprc = 0;
  int rounds = 0;
  std::vector<std::string> features;
  std::vector<std::string> notes;
  Json ToJson() const;
};

Result<FraudModel> TrainFraudModel(const columnar::RecordBatch& data,
                                   const FraudTrainOptions& options, FraudTrainReport* report);

}  // namespace financelake::ml
