// A stacked LSTM regressor in Eigen: LSTM(h1) -> dropout -> LSTM(h2) -> ... -> dense(1), the
// last LSTM layer's final hidden state feeding the dense output. Gate order and equations are
// PyTorch's (torch.nn.LSTM): i, f, g, o with
//   z = Wx x_t + Wh h_{t-1} + b,  c_t = f*c_{t-1} + i*g,  h_t = o*tanh(c_t)
// so weights load one-to-one into PyTorch (one bias per layer: PyTorch's b_ih + b_hh).
// Dropout (inverted, per element and time step, like Keras' Dropout layer on a sequence) sits
// between LSTM layers and is only applied when training with a random generator.
//
// All parameters live in one flat vector (params()) viewed as matrices, so the optimiser,
// serialisation and gradient checks work on one buffer. Layout, per LSTM layer l in order:
// Wx (4H x I, column-major), Wh (4H x H), b (4H); then the dense Wd (1 x H_last) and bd (1).
// Instantiated for float (training) and double (oracles, gradient checks). Thread-compatible:
// one network per thread (it keeps scratch buffers).
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace financelake::ml {

struct LstmShape {
  int input_size = 2;
  std::vector<int> hidden{64, 32};
  double dropout = 0.2;
  // "input 2 -> LSTM(64) -> dropout 0.2 -> LSTM(32) -> dense(1)"
  std::string Describe() const;
};

struct LstmTensor {
  std::string name;  // "lstm0.wx", "lstm0.wh", "lstm0.b", ..., "dense.w", "dense.b"
  int rows = 0, cols = 0;
  size_t offset = 0;  // into params()
};

template <typename T>
class LstmNetwork {
 public:
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  using RowVec = Eigen::Matrix<T, 1, Eigen::Dynamic>;

  explicit LstmNetwork(LstmShape shape);

  // Keras-style initialisation, deterministic in `seed`: Glorot-uniform input weights,
  // orthogonal recurrent weights, zero biases except the forget gate's (1).
  void Initialize(uint64_t seed);

  const LstmShape& shape() const { return shape_; }
  const std::vector<LstmTensor>& tensors() const { return tensors_; }
  size_t num_params() const { return static_cast<size_t>(params_.size()); }
  Vec& params() { return params_; }
  const Vec& params() const { return params_; }

  // x: the window as one (input_size x steps*batch) matrix, time-major blocks: columns
  // [t*batch, (t+1)*batch) hold step t of every sample. Returns the batch's outputs.
  RowVec Predict(const Mat& x, int batch);

  // Mean squared error of the outputs against `y` (1 x batch) and its gradient with respect to
  // params(), written into *grad (resized). With `rng`, dropout masks are drawn from it.
  T LossAndGradient(const Mat& x, int batch, const RowVec& y, std::mt19937_64* rng, Vec* grad);

 private:
  struct LayerCache {
    Mat input;  // I x steps*batch (after dropout for layers > 0)
    Mat mask;   // dropout mask applied to this layer's input (empty: none)
    Mat gates;  // 4H x steps*batch: activated i, f, g, o
    Mat cells;  // H x steps*batch
    Mat hidden; // H x steps*batch
  };
  // Runs the layers into `cache`; the result is in output_.
  void Forward(const Mat& x, int batch, std::mt19937_64* rng, std::vector<LayerCache>& cache);

  LstmShape shape_;
  std::vector<LstmTensor> tensors_;
  Vec params_;
  std::vector<LayerCache> cache_;        // training batches
  std::vector<LayerCache> infer_cache_;  // Predict (other batch sizes: no reallocation churn)
  struct Scratch {
    Mat dh_seq, dz, dh_next, dc_next, dc, dh, tc;
  } scratch_;  // backward-pass buffers, kept to avoid reallocating per batch
  RowVec output_;
};

// The vector instructions the kernels were compiled for: "AVX2+FMA" or "SSE2".
const char* LstmKernelIsa();

extern template class LstmNetwork<float>;
extern template class LstmNetwork<double>;

}  // namespace financelake::ml
