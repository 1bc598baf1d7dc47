// Training an LstmNetwork<float> on windows of a daily feature matrix: mini-batch Adam on the
// mean squared error, samples shuffled each epoch, early stopping on a validation slice (the
// latest training windows, never shuffled into training) with the best epoch's weights
// restored. Deterministic for a given seed (one thread; the generator is ours, not the
// standard library's distributions). Thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

#include "financelake/ml/lstm_network.h"

namespace financelake::ml {

// Scaled daily features (one column per day) and, per day d, the scaled value the window
// ending at d must predict (the next trading day's close). A window of length W ending at d
// covers days d-W+1 .. d.
struct WindowedSeries {
  Eigen::MatrixXf features;  // F x days
  Eigen::VectorXf target;    // days (the last day has no target: never a training sample)
  int window = 7;
};

struct LstmTrainOptions {
  int max_epochs = 50;
  int batch_size = 32;
  int patience = 5;               // epochs without validation improvement before stopping
  double learning_rate = 1e-3;    // Adam, beta1 0.9, beta2 0.999, epsilon 1e-8
  double validation_fraction = 0.1;
  uint64_t seed = 42;
  bool restore_best = true;  // false: keep the last epoch's weights (fixed-epoch benchmarks)
};

struct LstmTrainResult {
  int epochs_run = 0;
  int best_epoch = 0;            // 1-based; the weights kept
  double best_validation_loss = 0;  // MSE in scaled units (training loss when no validation)
  int train_samples = 0;
  int validation_samples = 0;
  std::vector<double> train_loss;  // per epoch
  std::vector<double> validation_loss;
};

// The (input_size x W*batch) time-major input for the windows ending at ends[0..n).
Eigen::MatrixXf BuildWindowBatch(const WindowedSeries& data, const int* ends, int n);

// Trains `net` (already initialised) on the windows ending at `samples` (ascending day
// indices, each >= window-1 with a target). The last validation_fraction of them (at least one
// when there are 10 or more) is the validation slice.
LstmTrainResult TrainLstm(LstmNetwork<float>* net, const WindowedSeries& data, const std::vector<int>& samples,
                          const LstmTrainOptions& options);

// The network's outputs (scaled) for the windows ending at `ends`.
std::vector<double> PredictWindows(LstmNetwork<float>* net, const WindowedSeries& data, const std::vector<int>& ends);

}  // namespace financelake::ml
