// Gradient-boosted trees through XGBoost's C API (Debian's libxgboost-dev). This file and its
// .cc are the only ones that see xgboost/c_api.h.
//
// Train() fits binary:logistic trees with the histogram method, evaluates AUPRC on the
// validation rows after every round and keeps the rounds up to the best one (early stopping).
// With the same inputs, parameters and seed the model is bit-for-bit the same.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"

namespace financelake::ml {

struct DenseMatrix {
  const float* values = nullptr;  // rows x cols, row-major, NaN = missing
  int64_t rows = 0;
  int64_t cols = 0;
};

struct BoosterParams {
  int max_depth = 4;
  double eta = 0.3;
  int max_rounds = 400;
  int early_stopping_rounds = 40;
  double subsample = 0.8;
  double colsample_bytree = 0.8;
  double min_child_weight = 1;
  double scale_pos_weight = 1;  // negatives / positives balances the classes
  uint64_t seed = 0;
  int threads = 1;
};

class Booster {
 public:
  Booster();
  ~Booster();
  Booster(Booster&&) noexcept;
  Booster& operator=(Booster&&) noexcept;

  static Result<Booster> Train(const DenseMatrix& train, const std::vector<float>& train_labels,
                               const DenseMatrix& valid, const std::vector<float>& valid_labels,
                               const BoosterParams& params);
  // Probabilities for each row; `cols` must equal the training feature count.
  Result<std::vector<double>> Predict(const DenseMatrix& x) const;

  int rounds() const { return rounds_; }
  int64_t num_features() const { return num_features_; }
  double best_validation_auprc() const { return best_auprc_; }

  // XGBoost's own JSON model format.
  Result<std::string> SaveJson() const;
  static Result<Booster> LoadJson(const std::string& json, int threads = 1);

  // Sets the prediction thread count.
  Status SetThreads(int threads);

 private:
  void* handle_ = nullptr;
  int rounds_ = 0;
  int64_t num_features_ = 0;
  double best_auprc_ = 0;
};

}  // namespace financelake::ml
