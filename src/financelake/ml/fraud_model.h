// A trained fraud model as it is stored and served: the feature encoder (which input columns,
// how encoded), the XGBoost trees, the logistic-regression baseline trained on the same split,
// the alert threshold chosen on validation data, and the training report.
//
// On disk (docs/models.md): <lake>/models/fraud/<version>/manifest.json (format, version, label,
// time column, inputs, feature names, threshold, report, baseline) and booster.json (XGBoost's
// JSON model); <lake>/models/fraud/CURRENT names the latest model trained (what `fraud score`
// uses by default) and <lake>/models/fraud/PIPELINE the one the Silver stage scores with (set
// only by models trained on Silver's own bank transactions, whose features it computes). The version is a hash of
// the model's content ("fraud-" + 12 hex digits), so a retrain with the same data and seed
// gives the same version. Files are written to a temporary directory and renamed into place,
// and CURRENT is replaced atomically: a reader never sees half a model.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/io/filesystem.h"
#include "financelake/ml/feature_encoder.h"
#include "financelake/ml/logistic_model.h"
#include "financelake/ml/xgboost_booster.h"

namespace financelake::ml {

inline constexpr int kFraudModelFormatVersion = 1;

struct FraudModel {
  std::string version;
  std::string label;
  std::string time_column;
  FeatureEncoder encoder;
  Booster booster;
  LogisticModel baseline;
  double threshold = 0.5;
  int64_t created_at_us = 0;
  Json report;  // fraud_training.h's report

  // fraud_score per row (the label column, if present, is never read).
  Result<std::vector<double>> Score(const columnar::RecordBatch& batch) const;
  Result<std::vector<double>> ScoreBaseline(const columnar::RecordBatch& batch) const;
};

// "<lake>/models/fraud"
std::string FraudModelsDir(std::string_view lake);

inline constexpr std::string_view kCurrentModel = "CURRENT";
inline constexpr std::string_view kPipelineModel = "PIPELINE";

// Computes model.version from its content, writes it (creating the models directory), and
// points CURRENT (and PIPELINE when `for_pipeline`) at it.
Status SaveFraudModel(io::FileSystem& fs, std::string_view lake, FraudModel* model,
                      bool for_pipeline = false);
// `version`: a version, or a pointer (kCurrentModel, kPipelineModel); empty = CURRENT.
// NotFound when the lake has no such model (no such version, or the pointer is not there);
// DataLoss when a pointer names a model that is missing, or a model's files are damaged.
Result<std::shared_ptr<const FraudModel>> LoadFraudModel(io::FileSystem& fs, std::string_view lake,
                                                         const std::string& version = "",
                                                         int threads = 1);
// The version a pointer names (or `version` itself, checked); NotFound without the pointer.
Result<std::string> ResolveFraudModelVersion(io::FileSystem& fs, std::string_view lake,
                                             const std::string& version);

// For a long-running stage: re-reads only the pointer file on each Get() and loads the model
// again only when it names another version (model directories never change). Thread-safe.
class FraudModelCache {
 public:
  Result<std::shared_ptr<const FraudModel>> Get(io::FileSystem& fs, std::string_view lake,
                                                const std::string& version);

 private:
  std::mutex mu_;
  std::string lake_;
  std::shared_ptr<const FraudModel> model_;
};

}  // namespace financelake::ml
