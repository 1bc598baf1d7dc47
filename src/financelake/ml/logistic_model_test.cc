#include "financelake/ml/logistic_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "financelake/ml/feature_encoder.h"
#include "financelake/ml/ml_test_util.h"

namespace financelake::ml {
namespace {

// The same model fitted by scikit-learn (class_weight="balanced", C = 1 / l2, on standardized
// features) gives the same probabilities.
TEST(LogisticModel, AgreesWithScikitLearn) {
  auto data = testing::ReadCsvFile(testing::FraudFixture("jaehyeongAN_creditcard_sample_all492frauds.csv"));
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < data->num_rows(); ++i) rows.push_back(i);
  auto enc = FeatureEncoder::Fit(*data, rows, {"_c0", "Time", "Class"}, nullptr);
  ASSERT_TRUE(enc.ok());
  const int64_t n = data->num_rows(), d = enc->num_features();
  const std::vector<float> x = *enc->Encode(*data);
  const columnar::Column& cls = *data->ColumnByName("Class");
  std::vector<float> y;
  std::ostringstream in;
  in.precision(9);
  for (int64_t i = 0; i < n; ++i) {
    y.push_back(static_cast<float>(NumericAt(cls, i)));
    for (int64_t j = 0; j < d; ++j) in << x[static_cast<size_t>(i * d + j)] << ' ';
    in << y.back() << '\n';
  }
  auto model = LogisticModel::Train(x, n, d, y, 1.0);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::vector<double> ours = model->Predict(x, n);
  const std::string out = testing::RunPython(R"(
import sys
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
a = np.loadtxt(sys.stdin, dtype=np.float64)
x, y = a[:, :-1].astype(np.float32).astype(np.float64), a[:, -1]
z = StandardScaler().fit_transform(x)
m = LogisticRegression(C=1.0, class_weight="balanced", solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(z, y)
print("\n".join(repr(p) for p in m.predict_proba(z)[:, 1]))
)", in.str());
  ASSERT_FALSE(out.empty()) << "python3 + sklearn oracle failed";
  std::istringstream res(out);
  double max_diff = 0;
  for (int64_t i = 0; i < n; ++i) {
    double p = -1;
    res >> p;
    const double diff = std::abs(p - ours[static_cast<size_t>(i)]);
    if (!(diff <= max_diff)) max_diff = diff;  // a NaN (ours or the oracle's) makes it NaN: fails
  }
  EXPECT_LT(max_diff, 1e-5) << "after " << model->iterations() << " Newton steps";
}

TEST(LogisticModel, NeedsBothClassesAndRoundTrips) {
  const std::vector<float> x = {0, 1, 2, 3, 4, 5};
  EXPECT_FALSE(LogisticModel::Train(x, 6, 1, {0, 0, 0, 0, 0, 0}).ok());
  auto m = LogisticModel::Train(x, 6, 1, {0, 0, 1, 0, 1, 1});
  ASSERT_TRUE(m.ok());
  const std::vector<double> p = m->Predict(x, 6);
  EXPECT_LT(p[0], 0.5);
  EXPECT_GT(p[5], 0.5);
  auto back = LogisticModel::FromJson(*Json::Parse(m->ToJson().Dump()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Predict(x, 6), p);
}

}  // namespace
}  // namespace financelake::ml
