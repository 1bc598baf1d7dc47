#include "financelake/ml/lstm_trainer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "financelake/base/check.h"

namespace financelake::ml {
namespace {

class Adam {
 public:
  Adam(Eigen::Index n, double lr) : lr_(lr), m_(Eigen::VectorXf::Zero(n)), v_(Eigen::VectorXf::Zero(n)) {}

  void Step(Eigen::VectorXf* params, const Eigen::VectorXf& grad) {
    ++t_;
    m_ = kBeta1 * m_ + (1 - kBeta1) * grad;
    v_ = kBeta2 * v_ + (1 - kBeta2) * grad.cwiseAbs2();
    const float c1 = static_cast<float>(1 - std::pow(kBeta1, t_));
    const float c2 = static_cast<float>(1 - std::pow(kBeta2, t_));
    const float step = static_cast<float>(lr_) / c1;
    params->array() -= step * m_.array() / ((v_.array() / c2).sqrt() + kEpsilon);
  }

 private:
  static constexpr float kBeta1 = 0.9f, kBeta2 = 0.999f, kEpsilon = 1e-8f;
  double lr_;
  int t_ = 0;
  Eigen::VectorXf m_, v_;
};

// Fisher-Yates with our generator: the same order on every standard library.
void Shuffle(std::vector<int>* v, std::mt19937_64& rng) {
  for (size_t i = v->size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng() % i);
    std::swap((*v)[i - 1], (*v)[j]);
  }
}

double MeanSquaredError(LstmNetwork<float>* net, const WindowedSeries& data, const std::vector<int>& ends) {
  if (ends.empty()) return 0;
  const std::vector<double> p = PredictWindows(net, data, ends);
  double s = 0;
  for (size_t k = 0; k < ends.size(); ++k) {
    const double e = p[k] - data.target[ends[k]];
    s += e * e;
  }
  return s / static_cast<double>(ends.size());
}

}  // namespace

Eigen::MatrixXf BuildWindowBatch(const WindowedSeries& data, const int* ends, int n) {
  const int w = data.window;
  Eigen::MatrixXf x(data.features.rows(), static_cast<Eigen::Index>(w) * n);
  for (int t = 0; t < w; ++t) {
    for (int j = 0; j < n; ++j) {
      FL_DCHECK(ends[j] - w + 1 >= 0 && ends[j] < data.features.cols());
      x.col(static_cast<Eigen::Index>(t) * n + j) = data.features.col(ends[j] - w + 1 + t);
    }
  }
  return x;
}

std::vector<double> PredictWindows(LstmNetwork<float>* net, const WindowedSeries& data, const std::vector<int>& ends) {
  std::vector<double> out;
  out.reserve(ends.size());
  constexpr int kChunk = 256;
  for (size_t k = 0; k < ends.size(); k += kChunk) {
    const int n = static_cast<int>(std::min<size_t>(kChunk, ends.size() - k));
    const auto y = net->Predict(BuildWindowBatch(data, ends.data() + k, n), n);
    for (int j = 0; j < n; ++j) out.push_back(y[j]);
  }
  return out;
}

LstmTrainResult TrainLstm(LstmNetwork<float>* net, const WindowedSeries& data, const std::vector<int>& samples,
                          const LstmTrainOptions& options) {
  FL_CHECK(options.batch_size > 0 && options.max_epochs > 0);
  LstmTrainResult r;
  const int n = static_cast<int>(samples.size());
  int n_valid = 0;
  if (n >= 10 && options.validation_fraction > 0) {
    n_valid = std::max(1, static_cast<int>(std::lround(n * options.validation_fraction)));
  }
  std::vector<int> train(samples.begin(), samples.end() - n_valid);
  const std::vector<int> valid(samples.end() - n_valid, samples.end());
  r.train_samples = static_cast<int>(train.size());
  r.validation_samples = n_valid;

  std::mt19937_64 rng(options.seed ^ 0x9e3779b97f4a7c15ULL);
  Adam adam(static_cast<Eigen::Index>(net->num_params()), options.learning_rate);
  Eigen::VectorXf grad, best = net->params();
  Eigen::RowVectorXf y;
  double best_loss = std::numeric_limits<double>::infinity();
  int since_best = 0;
  for (int epoch = 1; epoch <= options.max_epochs; ++epoch) {
    Shuffle(&train, rng);
    double sum = 0;
    for (size_t k = 0; k < train.size(); k += static_cast<size_t>(options.batch_size)) {
      const int b = static_cast<int>(std::min<size_t>(options.batch_size, train.size() - k));
      y.resize(b);
      for (int j = 0; j < b; ++j) y[j] = data.target[train[k + j]];
      const float loss = net->LossAndGradient(BuildWindowBatch(data, train.data() + k, b), b, y, &rng, &grad);
      sum += static_cast<double>(loss) * b;
      adam.Step(&net->params(), grad);
    }
    const double train_loss = train.empty() ? 0 : sum / static_cast<double>(train.size());
    r.train_loss.push_back(train_loss);
    r.epochs_run = epoch;
    const double monitored = n_valid > 0 ? MeanSquaredError(net, data, valid) : train_loss;
    if (n_valid > 0) r.validation_loss.push_back(monitored);
    if (monitored < best_loss) {
      best_loss = monitored;
      best = net->params();
      r.best_epoch = epoch;
      since_best = 0;
    } else if (++since_best >= options.patience) {
      break;
    }
  }
  if (options.restore_best) net->params() = best;
  r.best_validation_loss = best_loss;
  return r;
}

}  // namespace financelake::ml
