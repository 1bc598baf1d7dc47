#include "financelake/ml/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>

#include "financelake/ml/ml_test_util.h"

namespace financelake::ml {
namespace {

TEST(Metrics, SmallExampleByHand) {
  // Ranked: 0.8 (pos), 0.4 (neg), 0.35 (pos), 0.1 (neg).
  const std::vector<double> s = {0.1, 0.4, 0.35, 0.8};
  const std::vector<float> y = {0, 0, 1, 1};
  EXPECT_NEAR(AveragePrecision(s, y), 0.5 * 1.0 + 0.5 * (2.0 / 3.0), 1e-12);
  EXPECT_NEAR(RocAuc(s, y), 0.75, 1e-12);
  const ThresholdMetrics m = AtThreshold(s, y, 0.35);
  EXPECT_EQ(m.true_positives, 2);
  EXPECT_EQ(m.false_positives, 1);
  EXPECT_EQ(m.true_negatives, 1);
  EXPECT_EQ(m.false_negatives, 0);
  EXPECT_NEAR(m.precision, 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.recall, 1.0, 1e-12);
  EXPECT_NEAR(m.alert_rate, 0.75, 1e-12);
  // Best F1: threshold 0.8 gives 2/3, 0.35 gives 0.8.
  EXPECT_EQ(BestF1Threshold(s, y), 0.35);
}

TEST(Metrics, TiesCountTogether) {
  const std::vector<double> s = {0.5, 0.5, 0.5, 0.5};
  const std::vector<float> y = {1, 0, 1, 0};
  EXPECT_NEAR(RocAuc(s, y), 0.5, 1e-12);
  EXPECT_NEAR(AveragePrecision(s, y), 0.5, 1e-12);
}

TEST(Metrics, UndefinedWithoutBothClasses) {
  const std::vector<double> s = {0.2, 0.7};
  EXPECT_TRUE(std::isnan(AveragePrecision(s, {0, 0})));
  EXPECT_TRUE(std::isnan(RocAuc(s, {1, 1})));
  EXPECT_TRUE(std::isnan(AtThreshold(s, {0, 0}, 0.5).recall));
  EXPECT_GT(BestF1Threshold(s, {0, 0}), 0.7);  // alerts nothing
}

// A NaN score (once, a logistic baseline fed +inf and -inf) hung every metric: the tie loops
// waited for NaN == NaN. NaN ranks below every number and is never a threshold.
TEST(Metrics, NaNScoresRankLowestAndEnd) {
  const double nan = std::nan("");
  const std::vector<double> s = {nan, 0.9, nan, 0.2};
  const std::vector<float> y = {1, 1, 0, 0};
  // Ranked: 0.9 (pos), 0.2 (neg), then the NaN pair (one pos, one neg) tied at the bottom.
  EXPECT_NEAR(AveragePrecision(s, y), 0.5 * 1.0 + 0.5 * 0.5, 1e-12);
  EXPECT_NEAR(RocAuc(s, y), (1.0 + 1.0 + 0.5 + 0.0) / 4.0, 1e-12);
  EXPECT_EQ(BestF1Threshold(s, y), 0.9);
  EXPECT_EQ(BestF1Threshold({nan, nan}, {0, 0}), 0.5);
  EXPECT_EQ(AtThreshold(s, y, 0.5).true_positives, 1);
}

// scikit-learn's average_precision_score and roc_auc_score are the oracle, on data with ties.
TEST(Metrics, AgreeWithScikitLearn) {
  std::mt19937_64 rng(7);
  std::vector<double> s;
  std::vector<float> y;
  std::ostringstream in;
  in.precision(17);
  for (int i = 0; i < 3000; ++i) {
    const bool pos = rng() % 50 == 0;
    // Rounded so that many scores tie.
    const double score = std::round((pos ? 0.3 : 0.0) + std::uniform_real_distribution<>(0, 1)(rng) * 100) / 100;
    s.push_back(score);
    y.push_back(pos ? 1 : 0);
    in << score << ' ' << (pos ? 1 : 0) << '\n';
  }
  const std::string out = testing::RunPython(R"(
import sys
from sklearn.metrics import average_precision_score, roc_auc_score
s, y = [], []
for line in sys.stdin:
    a, b = line.split(); s.append(float(a)); y.append(int(b))
print(repr(average_precision_score(y, s)), repr(roc_auc_score(y, s)))
)", in.str());
  ASSERT_FALSE(out.empty()) << "python3 + sklearn oracle failed";
  std::istringstream res(out);
  double ap = 0, auc = 0;
  res >> ap >> auc;
  EXPECT_NEAR(AveragePrecision(s, y), ap, 1e-12);
  EXPECT_NEAR(RocAuc(s, y), auc, 1e-12);
}

}  // namespace
}  // namespace financelake::ml
