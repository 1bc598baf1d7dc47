#include "financelake/ml/lstm_network.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>

#include "financelake/ml/ml_test_util.h"

namespace financelake::ml {
namespace {

using NetD = LstmNetwork<double>;

// Inputs and targets in [-1, 1] from a fixed generator.
void RandomData(int inputs, int steps, int batch, uint64_t seed, NetD::Mat* x, NetD::RowVec* y) {
  std::mt19937_64 rng(seed);
  auto u = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53 * 2 - 1; };
  x->resize(inputs, steps * batch);
  for (Eigen::Index k = 0; k < x->size(); ++k) x->data()[k] = u();
  y->resize(batch);
  for (int j = 0; j < batch; ++j) (*y)[j] = u();
}

// Central finite differences of the loss against the analytic gradient, every parameter; the
// dropout masks are the same in every evaluation (a fresh generator with one seed).
void CheckGradient(const LstmShape& shape, bool with_dropout) {
  NetD net(shape);
  net.Initialize(11);
  NetD::Mat x;
  NetD::RowVec y;
  RandomData(shape.input_size, 4, 3, 5, &x, &y);
  auto loss_at = [&](NetD::Vec* grad) {
    std::mt19937_64 rng(99);
    NetD::Vec scratch;
    return net.LossAndGradient(x, 3, y, with_dropout ? &rng : nullptr, grad != nullptr ? grad : &scratch);
  };
  NetD::Vec analytic;
  loss_at(&analytic);
  ASSERT_EQ(static_cast<size_t>(analytic.size()), net.num_params());
  const double eps = 1e-6;
  double worst = 0;
  int nonzero = 0;
  for (Eigen::Index k = 0; k < analytic.size(); ++k) {
    const double keep = net.params()[k];
    net.params()[k] = keep + eps;
    const double up = loss_at(nullptr);
    net.params()[k] = keep - eps;
    const double down = loss_at(nullptr);
    net.params()[k] = keep;
    const double numeric = (up - down) / (2 * eps);
    const double err = std::abs(numeric - analytic[k]) / std::max(1e-3, std::abs(numeric) + std::abs(analytic[k]));
    if (!(err <= worst)) worst = err;  // keeps a NaN (std::max would drop it): the check fails
    if (std::abs(analytic[k]) > 1e-9) ++nonzero;
  }
  EXPECT_LT(worst, 1e-6) << shape.Describe();
  // Every weight influences the loss somewhere (a zero gradient everywhere would pass trivially).
  EXPECT_GT(nonzero, static_cast<int>(analytic.size()) * 9 / 10);
}

TEST(LstmNetworkTest, GradientMatchesFiniteDifferencesTwoLayers) {
  CheckGradient(LstmShape{3, {5, 4}, 0.0}, false);
}

TEST(LstmNetworkTest, GradientMatchesFiniteDifferencesWithDropoutThreeLayers) {
  CheckGradient(LstmShape{2, {4, 3, 2}, 0.3}, true);
}

TEST(LstmNetworkTest, InitialisationIsDeterministicAndKerasLike) {
  LstmShape shape{2, {8, 4}, 0.2};
  NetD a(shape), b(shape), c(shape);
  a.Initialize(3);
  b.Initialize(3);
  c.Initialize(4);
  EXPECT_EQ(a.params(), b.params());
  EXPECT_NE(a.params(), c.params());
  // Recurrent weights have orthonormal columns; the forget gate's bias is one.
  const LstmTensor& wh = a.tensors()[1];
  Eigen::Map<const NetD::Mat> w(a.params().data() + wh.offset, wh.rows, wh.cols);
  EXPECT_TRUE((w.transpose() * w).isApprox(NetD::Mat::Identity(wh.cols, wh.cols), 1e-12));
  const LstmTensor& bias = a.tensors()[2];
  EXPECT_EQ(a.params().segment(bias.offset, 8), NetD::Vec::Zero(8));
  EXPECT_EQ(a.params().segment(bias.offset + 8, 8), NetD::Vec::Ones(8));
}

TEST(LstmNetworkTest, PredictIsIndependentOfBatchComposition) {
  NetD net(LstmShape{});
  net.Initialize(1);
  NetD::Mat x;
  NetD::RowVec y;
  RandomData(2, 7, 4, 2, &x, &y);
  const NetD::RowVec all = net.Predict(x, 4);
  for (int j = 0; j < 4; ++j) {
    NetD::Mat one(2, 7);
    for (int t = 0; t < 7; ++t) one.col(t) = x.col(t * 4 + j);
    EXPECT_NEAR(net.Predict(one, 1)[0], all[j], 1e-12);
  }
}

std::string Numbers(const double* v, Eigen::Index n) {
  std::string s;
  for (Eigen::Index k = 0; k < n; ++k) s += fmt::format(" {:.17g}", v[k]);
  return s;
}

std::map<std::string, std::vector<double>> ParseOracle(const std::string& out) {
  std::map<std::string, std::vector<double>> m;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string name;
    ls >> name;
    double v;
    while (ls >> v) m[name].push_back(v);
  }
  return m;
}

// The same weights in torch.nn.LSTM / nn.Linear (float64): outputs, loss and every gradient
// agree to 1e-5 (in practice to rounding).
TEST(LstmNetworkTest, ForwardAndGradientsMatchPyTorch) {
  const LstmShape shape;  // the default: 2 -> LSTM(64) -> LSTM(32) -> dense(1)
  NetD net(shape);
  net.Initialize(2024);
  // Non-zero biases everywhere so their gradients are exercised.
  std::mt19937_64 rng(8);
  for (size_t t = 0; t < net.tensors().size(); ++t) {
    const LstmTensor& tt = net.tensors()[t];
    if (tt.cols != 1) continue;
    for (int r = 0; r < tt.rows; ++r) net.params()[tt.offset + r] += static_cast<double>(rng() % 1000) / 5000.0 - 0.1;
  }
  const int batch = 5;
  NetD::Mat x;
  NetD::RowVec y;
  RandomData(2, 7, batch, 3, &x, &y);
  NetD::Vec grad;
  const double loss = net.LossAndGradient(x, batch, y, nullptr, &grad);
  const NetD::RowVec out = net.Predict(x, batch);

  std::string input;
  for (const LstmTensor& t : net.tensors()) {
    input += fmt::format("{} {} {}{}\n", t.name, t.rows, t.cols,
                         Numbers(net.params().data() + t.offset, static_cast<Eigen::Index>(t.rows) * t.cols));
  }
  input += fmt::format("x {} {}{}\n", x.rows(), x.cols(), Numbers(x.data(), x.size()));
  input += fmt::format("y 1 {}{}\nbatch {}\n", batch, Numbers(y.data(), y.size()), batch);
  const std::string script = testing::ReadText(std::string(FL_SOURCE_DIR) + "/tests/oracles/lstm_torch.py");
  ASSERT_FALSE(script.empty());
  const std::string result = testing::RunPython(script, input);
  ASSERT_FALSE(result.empty()) << "the PyTorch oracle failed (python3-torch, /usr/bin/python3)";
  auto torch = ParseOracle(result);

  ASSERT_EQ(torch["out"].size(), static_cast<size_t>(batch));
  for (int j = 0; j < batch; ++j) EXPECT_NEAR(out[j], torch["out"][j], 1e-5);
  ASSERT_EQ(torch["loss"].size(), 1u);
  EXPECT_NEAR(loss, torch["loss"][0], 1e-5);
  double worst = 0;
  for (const LstmTensor& t : net.tensors()) {
    const auto& g = torch["grad." + t.name];
    ASSERT_EQ(g.size(), static_cast<size_t>(t.rows) * t.cols) << t.name;
    for (size_t k = 0; k < g.size(); ++k) {
      const double err = std::abs(g[k] - grad[static_cast<Eigen::Index>(t.offset + k)]);
      if (!(err <= worst)) worst = err;  // keeps a NaN: the check fails
    }
  }
  EXPECT_LT(worst, 1e-5);
  EXPECT_GT(grad.cwiseAbs().maxCoeff(), 1e-4);  // the comparison is not between zeros
}

}  // namespace
}  // namespace financelake::ml
