#include "financelake/ml/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace financelake::ml {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A NaN score (a model fed a value it cannot use) ranks below every number and ties with the
// other NaNs, so the orderings below stay strict weak orders and every tie group ends.
bool Below(double a, double b) {
  if (std::isnan(a)) return !std::isnan(b);
  return !std::isnan(b) && a < b;
}
bool Same(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

// Row indexes by descending score.
std::vector<size_t> ByScoreDesc(const std::vector<double>& scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return Below(scores[b], scores[a]); });
  return order;
}

// Walks the scores from the highest down, one step per distinct score (tied rows cross a
// threshold together): f(score, true positives so far, rows so far).
template <typename F>
void ForEachThreshold(const std::vector<double>& scores, const std::vector<float>& labels, F&& f) {
  const std::vector<size_t> order = ByScoreDesc(scores);
  int64_t tp = 0, seen = 0;
  for (size_t i = 0; i < order.size();) {
    const double score = scores[order[i]];
    for (; i < order.size() && Same(scores[order[i]], score); ++i) {
      tp += labels[order[i]] > 0.5f ? 1 : 0;
      ++seen;
    }
    f(score, tp, seen);
  }
}

int64_t Positives(const std::vector<float>& labels) {
  int64_t n = 0;
  for (float l : labels) n += l > 0.5f ? 1 : 0;
  return n;
}

}  // namespace

double AveragePrecision(const std::vector<double>& scores, const std::vector<float>& labels) {
  const int64_t pos = Positives(labels);
  if (pos == 0) return kNaN;
  double ap = 0, prev_recall = 0;
  ForEachThreshold(scores, labels, [&](double, int64_t tp, int64_t seen) {
    const double recall = static_cast<double>(tp) / static_cast<double>(pos);
    ap += (recall - prev_recall) * static_cast<double>(tp) / static_cast<double>(seen);
    prev_recall = recall;
  });
  return ap;
}

double RocAuc(const std::vector<double>& scores, const std::vector<float>& labels) {
  const int64_t pos = Positives(labels);
  const int64_t neg = static_cast<int64_t>(labels.size()) - pos;
  if (pos == 0 || neg == 0) return kNaN;
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return Below(scores[a], scores[b]); });
  // Sum of the positives' ranks (1-based, ties get their average rank).
  double rank_sum = 0;
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    int64_t tied_pos = 0;
    while (j < order.size() && Same(scores[order[j]], scores[order[i]])) {
      tied_pos += labels[order[j]] > 0.5f ? 1 : 0;
      ++j;
    }
    const double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    rank_sum += avg_rank * static_cast<double>(tied_pos);
    i = j;
  }
  const double u = rank_sum - static_cast<double>(pos) * static_cast<double>(pos + 1) / 2.0;
  return u / (static_cast<double>(pos) * static_cast<double>(neg));
}

ThresholdMetrics AtThreshold(const std::vector<double>& scores, const std::vector<float>& labels,
                             double threshold) {
  ThresholdMetrics m;
  m.threshold = threshold;
  for (size_t i = 0; i < scores.size(); ++i) {
    const bool alert = scores[i] >= threshold;
    const bool fraud = labels[i] > 0.5f;
    if (alert && fraud) ++m.true_positives;
    if (alert && !fraud) ++m.false_positives;
    if (!alert && fraud) ++m.false_negatives;
    if (!alert && !fraud) ++m.true_negatives;
  }
  const int64_t alerts = m.true_positives + m.false_positives;
  const int64_t pos = m.true_positives + m.false_negatives;
  m.precision = alerts == 0 ? kNaN : static_cast<double>(m.true_positives) / static_cast<double>(alerts);
  m.recall = pos == 0 ? kNaN : static_cast<double>(m.true_positives) / static_cast<double>(pos);
  m.alert_rate = scores.empty() ? kNaN : static_cast<double>(alerts) / static_cast<double>(scores.size());
  return m;
}

double BestF1Threshold(const std::vector<double>& scores, const std::vector<float>& labels) {
  const int64_t pos = Positives(labels);
  if (scores.empty()) return 0.5;
  if (pos == 0) {
    const double top = *std::max_element(scores.begin(), scores.end(), Below);
    return std::isnan(top) ? 0.5 : std::nextafter(top, std::numeric_limits<double>::infinity());
  }
  double best_f1 = -1, best = 0;
  ForEachThreshold(scores, labels, [&](double score, int64_t tp, int64_t seen) {
    const double f1 = 2.0 * static_cast<double>(tp) / static_cast<double>(seen + pos);
    if (!std::isnan(score) &&
        f1 > best_f1) {  // strictly better: on ties the earlier (higher) threshold stays
      best_f1 = f1;
      best = score;
    }
  });
  return best;
}

}  // namespace financelake::ml
