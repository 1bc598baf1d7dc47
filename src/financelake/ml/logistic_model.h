// Logistic regression, the fraud model's baseline: features standardized with the training
// rows' mean and deviation (missing values take the mean), classes weighted to balance
// (each class carries half the total weight), L2 penalty on the weights (not the bias),
// fitted by Newton steps (iteratively reweighted least squares), each halved until the
// penalized loss decreases, to convergence.
// Deterministic: no randomness at all.
#pragma once

#include <cstdint>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/base/result.h"

namespace financelake::ml {

class LogisticModel {
 public:
  // `x`: rows x cols, row-major; `y`: 0/1 labels. Fails when one class is absent.
  static Result<LogisticModel> Train(const std::vector<float>& x, int64_t rows, int64_t cols,
                                     const std::vector<float>& y, double l2 = 1.0);
  // Probabilities of the positive class.
  std::vector<double> Predict(const std::vector<float>& x, int64_t rows) const;
  int iterations() const { return iterations_; }

  Json ToJson() const;
  static Result<LogisticModel> FromJson(const Json& json);

 private:
  std::vector<double> mean_, scale_;  // per feature
  std::vector<double> weights_;       // on standardized features
  double bias_ = 0;
  int iterations_ = 0;
};

}  // namespace financelake::ml
