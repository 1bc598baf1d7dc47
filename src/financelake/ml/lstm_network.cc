#include "financelake/ml/lstm_network.h"

#include <fmt/format.h>

#include <Eigen/QR>
#include <cmath>

#include "financelake/base/check.h"

namespace financelake::ml {

std::string LstmShape::Describe() const {
  std::string s = fmt::format("input {}", input_size);
  for (size_t l = 0; l < hidden.size(); ++l) {
    s += fmt::format(" -> LSTM({})", hidden[l]);
    if (l + 1 < hidden.size() && dropout > 0) s += fmt::format(" -> dropout {}", dropout);
  }
  return s + " -> dense(1)";
}

namespace {

// Uniform in [0, 1) from the top 53 bits: the same numbers on every platform (unlike
// std::uniform_real_distribution, whose algorithm the standard leaves open).
double Uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double Normal(std::mt19937_64& rng) {
  const double u1 = 1.0 - Uniform01(rng);  // (0, 1]
  const double u2 = Uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

}  // namespace

template <typename T>
LstmNetwork<T>::LstmNetwork(LstmShape shape) : shape_(std::move(shape)) {
  FL_CHECK(shape_.input_size > 0 && !shape_.hidden.empty());
  size_t offset = 0;
  int in = shape_.input_size;
  auto add = [&](std::string name, int rows, int cols) {
    tensors_.push_back({std::move(name), rows, cols, offset});
    offset += static_cast<size_t>(rows) * static_cast<size_t>(cols);
  };
  for (size_t l = 0; l < shape_.hidden.size(); ++l) {
    const int h = shape_.hidden[l];
    FL_CHECK(h > 0);
    add(fmt::format("lstm{}.wx", l), 4 * h, in);
    add(fmt::format("lstm{}.wh", l), 4 * h, h);
    add(fmt::format("lstm{}.b", l), 4 * h, 1);
    in = h;
  }
  add("dense.w", 1, in);
  add("dense.b", 1, 1);
  params_ = Vec::Zero(static_cast<Eigen::Index>(offset));
  cache_.resize(shape_.hidden.size());
  infer_cache_.resize(shape_.hidden.size());
}

template <typename T>
void LstmNetwork<T>::Initialize(uint64_t seed) {
  std::mt19937_64 rng(seed);
  params_.setZero();
  for (size_t l = 0; l < shape_.hidden.size(); ++l) {
    const int h = shape_.hidden[l];
    const LstmTensor& wx = tensors_[3 * l];
    const LstmTensor& wh = tensors_[3 * l + 1];
    const LstmTensor& b = tensors_[3 * l + 2];
    const double limit = std::sqrt(6.0 / (wx.cols + wx.rows));
    for (int k = 0; k < wx.rows * wx.cols; ++k) {
      params_[static_cast<Eigen::Index>(wx.offset) + k] = static_cast<T>((2 * Uniform01(rng) - 1) * limit);
    }
    // Orthogonal recurrent weights: the Q of a Gaussian matrix's QR, signs fixed by R's diagonal.
    Eigen::MatrixXd g(wh.rows, wh.cols);
    for (int c = 0; c < g.cols(); ++c) {
      for (int r = 0; r < g.rows(); ++r) g(r, c) = Normal(rng);
    }
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
    Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(wh.rows, wh.cols);
    const Eigen::MatrixXd r = qr.matrixQR().topRows(wh.cols).template triangularView<Eigen::Upper>();
    for (int c = 0; c < q.cols(); ++c) {
      if (r(c, c) < 0) q.col(c) *= -1;
    }
    Eigen::Map<Mat>(params_.data() + wh.offset, wh.rows, wh.cols) = q.cast<T>();
    params_.segment(static_cast<Eigen::Index>(b.offset) + h, h).setOnes();  // forget gate
  }
  const LstmTensor& dw = tensors_[tensors_.size() - 2];
  const double limit = std::sqrt(6.0 / (dw.cols + 1));
  for (int k = 0; k < dw.cols; ++k) {
    params_[static_cast<Eigen::Index>(dw.offset) + k] = static_cast<T>((2 * Uniform01(rng) - 1) * limit);
  }
}

template <typename T>
void LstmNetwork<T>::Forward(const Mat& x, int batch, std::mt19937_64* rng, std::vector<LayerCache>& cache) {
  FL_CHECK(x.rows() == shape_.input_size && batch > 0 && x.cols() % batch == 0);
  const int steps = static_cast<int>(x.cols() / batch);
  for (size_t l = 0; l < shape_.hidden.size(); ++l) {
    const int h = shape_.hidden[l];
    LayerCache& lc = cache[l];
    if (l == 0) {
      lc.input = x;
      lc.mask.resize(0, 0);
    } else {
      lc.input = cache[l - 1].hidden;
      if (rng != nullptr && shape_.dropout > 0) {
        // One draw from `rng` seeds a splitmix64 stream for the whole mask (two 32-bit
        // uniforms per step): the mask costs a fraction of a Mersenne-twister draw per element.
        const uint32_t drop_below = static_cast<uint32_t>(std::min(shape_.dropout, 1.0) * 4294967295.0);
        const T keep = static_cast<T>(1.0 / (1.0 - shape_.dropout));
        lc.mask.resize(lc.input.rows(), lc.input.cols());
        uint64_t state = (*rng)();
        T* m = lc.mask.data();
        const Eigen::Index n = lc.mask.size();
        for (Eigen::Index k = 0; k < n; k += 2) {
          const uint64_t r = SplitMix64(&state);
          m[k] = static_cast<uint32_t>(r) < drop_below ? T(0) : keep;
          if (k + 1 < n) m[k + 1] = static_cast<uint32_t>(r >> 32) < drop_below ? T(0) : keep;
        }
        lc.input.array() *= lc.mask.array();
      } else {
        lc.mask.resize(0, 0);
      }
    }
    const LstmTensor& twx = tensors_[3 * l];
    const LstmTensor& twh = tensors_[3 * l + 1];
    const LstmTensor& tb = tensors_[3 * l + 2];
    Eigen::Map<const Mat> wx(params_.data() + twx.offset, twx.rows, twx.cols);
    Eigen::Map<const Mat> wh(params_.data() + twh.offset, twh.rows, twh.cols);
    Eigen::Map<const Vec> b(params_.data() + tb.offset, tb.rows);
    lc.gates.noalias() = wx * lc.input;
    lc.gates.colwise() += b;
    lc.cells.resize(h, lc.input.cols());
    lc.hidden.resize(h, lc.input.cols());
    for (int t = 0; t < steps; ++t) {
      auto z = lc.gates.middleCols(static_cast<Eigen::Index>(t) * batch, batch);
      if (t > 0) z.noalias() += wh * lc.hidden.middleCols(static_cast<Eigen::Index>(t - 1) * batch, batch);
      auto ifg = z.topRows(2 * h);
      ifg = ((-ifg.array()).exp() + T(1)).inverse().matrix();
      z.middleRows(2 * h, h) = z.middleRows(2 * h, h).array().tanh().matrix();
      z.bottomRows(h) = ((-z.bottomRows(h).array()).exp() + T(1)).inverse().matrix();
      auto c = lc.cells.middleCols(static_cast<Eigen::Index>(t) * batch, batch);
      c = z.topRows(h).cwiseProduct(z.middleRows(2 * h, h));
      if (t > 0) {
        c += z.middleRows(h, h).cwiseProduct(lc.cells.middleCols(static_cast<Eigen::Index>(t - 1) * batch, batch));
      }
      lc.hidden.middleCols(static_cast<Eigen::Index>(t) * batch, batch) =
          z.bottomRows(h).cwiseProduct(c.array().tanh().matrix());
    }
  }
  const LstmTensor& tdw = tensors_[tensors_.size() - 2];
  Eigen::Map<const RowVec> dw(params_.data() + tdw.offset, tdw.cols);
  const T db = params_[static_cast<Eigen::Index>(tensors_.back().offset)];
  const Mat& last = cache.back().hidden;
  output_.noalias() = dw * last.rightCols(batch);
  output_.array() += db;
}

template <typename T>
typename LstmNetwork<T>::RowVec LstmNetwork<T>::Predict(const Mat& x, int batch) {
  Forward(x, batch, nullptr, infer_cache_);
  return output_;
}

template <typename T>
T LstmNetwork<T>::LossAndGradient(const Mat& x, int batch, const RowVec& y, std::mt19937_64* rng, Vec* grad) {
  FL_CHECK(y.cols() == batch);
  Forward(x, batch, rng, cache_);
  const int steps = static_cast<int>(x.cols() / batch);
  const RowVec err = output_ - y;
  const T loss = err.squaredNorm() / static_cast<T>(batch);
  const RowVec dy = err * (T(2) / static_cast<T>(batch));

  grad->resize(params_.size());  // every entry is written below
  const LstmTensor& tdw = tensors_[tensors_.size() - 2];
  const Mat& top = cache_.back().hidden;
  Eigen::Map<RowVec> gdw(grad->data() + tdw.offset, tdw.cols);
  gdw.noalias() = dy * top.rightCols(batch).transpose();
  (*grad)[static_cast<Eigen::Index>(tensors_.back().offset)] = dy.sum();
  Eigen::Map<const RowVec> dw(params_.data() + tdw.offset, tdw.cols);

  // Gradient with respect to the current layer's outputs (all steps).
  Mat& dh_seq = scratch_.dh_seq;
  Mat& dz = scratch_.dz;
  Mat& dh_next = scratch_.dh_next;
  Mat& dc_next = scratch_.dc_next;
  Mat& dc = scratch_.dc;
  Mat& dh = scratch_.dh;
  Mat& tc = scratch_.tc;
  dh_seq.setZero(top.rows(), top.cols());
  dh_seq.rightCols(batch).noalias() = dw.transpose() * dy;
  for (size_t li = shape_.hidden.size(); li-- > 0;) {
    const int h = shape_.hidden[li];
    LayerCache& lc = cache_[li];
    const LstmTensor& twx = tensors_[3 * li];
    const LstmTensor& twh = tensors_[3 * li + 1];
    const LstmTensor& tb = tensors_[3 * li + 2];
    Eigen::Map<const Mat> wx(params_.data() + twx.offset, twx.rows, twx.cols);
    Eigen::Map<const Mat> wh(params_.data() + twh.offset, twh.rows, twh.cols);
    dz.resize(4 * h, lc.input.cols());
    dh_next.setZero(h, batch);
    dc_next.setZero(h, batch);
    for (int t = steps - 1; t >= 0; --t) {
      const Eigen::Index col = static_cast<Eigen::Index>(t) * batch;
      const auto g = lc.gates.middleCols(col, batch);
      const auto gi = g.topRows(h).array();
      const auto gf = g.middleRows(h, h).array();
      const auto gg = g.middleRows(2 * h, h).array();
      const auto go = g.bottomRows(h).array();
      tc = lc.cells.middleCols(col, batch).array().tanh().matrix();
      dh = dh_seq.middleCols(col, batch) + dh_next;
      dc = (dh.array() * go * (T(1) - tc.array() * tc.array()) + dc_next.array()).matrix();
      auto d = dz.middleCols(col, batch);
      d.topRows(h) = (dc.array() * gg * gi * (T(1) - gi)).matrix();
      if (t > 0) {
        d.middleRows(h, h) =
            (dc.array() * lc.cells.middleCols(col - batch, batch).array() * gf * (T(1) - gf)).matrix();
      } else {
        d.middleRows(h, h).setZero();
      }
      d.middleRows(2 * h, h) = (dc.array() * gi * (T(1) - gg * gg)).matrix();
      d.bottomRows(h) = (dh.array() * tc.array() * go * (T(1) - go)).matrix();
      dc_next = (dc.array() * gf).matrix();
      if (t > 0) dh_next.noalias() = wh.transpose() * d;
    }
    Eigen::Map<Mat> gwx(grad->data() + twx.offset, twx.rows, twx.cols);
    Eigen::Map<Mat> gwh(grad->data() + twh.offset, twh.rows, twh.cols);
    Eigen::Map<Vec> gb(grad->data() + tb.offset, tb.rows);
    gwx.noalias() = dz * lc.input.transpose();
    if (steps > 1) {
      const Eigen::Index n = static_cast<Eigen::Index>(steps - 1) * batch;
      gwh.noalias() = dz.rightCols(n) * lc.hidden.leftCols(n).transpose();
    } else {
      gwh.setZero();
    }
    gb = dz.rowwise().sum();
    if (li > 0) {
      dh_seq.noalias() = wx.transpose() * dz;
      if (lc.mask.size() > 0) dh_seq.array() *= lc.mask.array();
    }
  }
  return loss;
}

const char* LstmKernelIsa() {
#if defined(__AVX2__) && defined(__FMA__)
  return "AVX2+FMA";
#else
  return "SSE2";
#endif
}

template class LstmNetwork<float>;
template class LstmNetwork<double>;

}  // namespace financelake::ml
