// Binary-classification metrics for the fraud model: area under the precision-recall curve
// (average precision, as scikit-learn's average_precision_score computes it), ROC-AUC (the
// Mann-Whitney statistic with ties counted half), and the confusion counts at a threshold.
// Scores at or above the threshold are alerts. A metric that is undefined on its input (no
// positive or no negative labels) is NaN. A NaN score ranks below every number (ties with the
// other NaNs) and is never alerted nor chosen as a threshold.
#pragma once

#include <cstdint>
#include <vector>

namespace financelake::ml {

double AveragePrecision(const std::vector<double>& scores, const std::vector<float>& labels);
double RocAuc(const std::vector<double>& scores, const std::vector<float>& labels);

struct ThresholdMetrics {
  double threshold = 0;
  int64_t true_positives = 0;
  int64_t false_positives = 0;
  int64_t false_negatives = 0;
  int64_t true_negatives = 0;
  double precision = 0;   // NaN when nothing is alerted
  double recall = 0;      // NaN when there are no positives
  double alert_rate = 0;  // alerts / rows
};
ThresholdMetrics AtThreshold(const std::vector<double>& scores, const std::vector<float>& labels,
                             double threshold);

// The threshold (one of the scores) with the highest F1 on `labels`; ties go to the higher
// threshold (fewer alerts). With no positive label: the smallest score above every row, so
// nothing is alerted.
double BestF1Threshold(const std::vector<double>& scores, const std::vector<float>& labels);

}  // namespace financelake::ml
