#include "financelake/ml/logistic_model.h"

#include <cmath>

namespace financelake::ml {
namespace {

// Solves a x = b for symmetric positive definite `a` (n x n, row-major) by Cholesky.
bool SolveSpd(std::vector<double> a, std::vector<double> b, size_t n, std::vector<double>* x) {
  for (size_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (size_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) return false;
    const double l = std::sqrt(d);
    a[j * n + j] = l;
    for (size_t i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (size_t k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / l;
    }
  }
  for (size_t i = 0; i < n; ++i) {  // L z = b
    double s = b[i];
    for (size_t k = 0; k < i; ++k) s -= a[i * n + k] * b[k];
    b[i] = s / a[i * n + i];
  }
  for (size_t i = n; i-- > 0;) {  // L^T x = z
    double s = b[i];
    for (size_t k = i + 1; k < n; ++k) s -= a[k * n + i] * b[k];
    b[i] = s / a[i * n + i];
  }
  *x = std::move(b);
  return true;
}

double Sigmoid(double z) { return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z)); }

}  // namespace

Result<LogisticModel> LogisticModel::Train(const std::vector<float>& x, int64_t rows, int64_t cols,
                                           const std::vector<float>& y, double l2) {
  const auto n = static_cast<size_t>(rows);
  const auto d = static_cast<size_t>(cols);
  double pos = 0;
  for (float v : y) pos += v > 0.5f ? 1 : 0;
  if (pos == 0 || pos == static_cast<double>(n)) {
    return Status::InvalidArgument("logistic regression needs both classes in the training rows");
  }
  LogisticModel m;
  m.mean_.assign(d, 0);
  m.scale_.assign(d, 1);
  for (size_t j = 0; j < d; ++j) {
    double sum = 0, sq = 0, cnt = 0;
    for (size_t i = 0; i < n; ++i) {
      const double v = x[i * d + j];
      if (std::isnan(v)) continue;
      sum += v;
      sq += v * v;
      ++cnt;
    }
    if (cnt > 0) {
      m.mean_[j] = sum / cnt;
      const double var = sq / cnt - m.mean_[j] * m.mean_[j];
      m.scale_[j] = var > 1e-12 ? std::sqrt(var) : 1.0;
    }
  }
  // Standardized design matrix with a trailing 1 for the bias.
  const size_t p = d + 1;
  std::vector<double> z(n * p);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) {
      const double v = x[i * d + j];
      z[i * p + j] = std::isnan(v) ? 0.0 : (v - m.mean_[j]) / m.scale_[j];
    }
    z[i * p + d] = 1.0;
  }
  const double w_pos = static_cast<double>(n) / (2.0 * pos);
  const double w_neg = static_cast<double>(n) / (2.0 * (static_cast<double>(n) - pos));
  std::vector<double> beta(p, 0.0);
  std::vector<double> hess(p * p), grad(p), step, eta(n);
  // The penalized, weighted negative log-likelihood at `b` (eta filled as a side effect).
  auto objective = [&](const std::vector<double>& b) {
    double f = 0;
    for (size_t i = 0; i < n; ++i) {
      const double* zi = &z[i * p];
      double e = 0;
      for (size_t j = 0; j < p; ++j) e += zi[j] * b[j];
      eta[i] = e;
      // log(1 + exp(e)) - y e, computed without overflow.
      const double softplus = e > 0 ? e + std::log1p(std::exp(-e)) : std::log1p(std::exp(e));
      f += (y[i] > 0.5f ? w_pos : w_neg) * (softplus - (y[i] > 0.5f ? e : 0.0));
    }
    for (size_t j = 0; j < d; ++j) f += 0.5 * l2 * b[j] * b[j];
    return f;
  };
  double f = objective(beta);
  for (int it = 0; it < 100; ++it) {
    std::fill(hess.begin(), hess.end(), 0.0);
    std::fill(grad.begin(), grad.end(), 0.0);
    for (size_t i = 0; i < n; ++i) {
      const double* zi = &z[i * p];
      const double mu = Sigmoid(eta[i]);
      const double w = y[i] > 0.5f ? w_pos : w_neg;
      const double r = w * (mu - y[i]);
      const double h = w * mu * (1 - mu);
      for (size_t j = 0; j < p; ++j) {
        grad[j] += r * zi[j];
        const double hz = h * zi[j];
        for (size_t k = 0; k <= j; ++k) hess[j * p + k] += hz * zi[k];
      }
    }
    for (size_t j = 0; j < p; ++j) {
      for (size_t k = 0; k < j; ++k) hess[k * p + j] = hess[j * p + k];
      if (j < d) {
        grad[j] += l2 * beta[j];
        hess[j * p + j] += l2;
      }
      hess[j * p + j] += 1e-9;
    }
    if (!SolveSpd(hess, grad, p, &step)) {
      return Status::Internal("logistic regression: Hessian not positive definite");
    }
    // Damped Newton: halve the step until the objective does not increase.
    std::vector<double> next(p);
    double t = 1.0, f_next = f;
    for (int halvings = 0; halvings < 40; ++halvings, t *= 0.5) {
      for (size_t j = 0; j < p; ++j) next[j] = beta[j] - t * step[j];
      f_next = objective(next);
      if (f_next <= f) break;
    }
    double max_step = 0;
    for (size_t j = 0; j < p; ++j) max_step = std::max(max_step, std::abs(next[j] - beta[j]));
    if (f_next > f) {  // no decrease at all: at the optimum up to rounding
      objective(beta);
      break;
    }
    beta.swap(next);
    f = f_next;
    m.iterations_ = it + 1;
    if (max_step < 1e-8) break;
  }
  m.weights_.assign(beta.begin(), beta.begin() + static_cast<std::ptrdiff_t>(d));
  m.bias_ = beta[d];
  return m;
}

std::vector<double> LogisticModel::Predict(const std::vector<float>& x, int64_t rows) const {
  const size_t d = weights_.size();
  std::vector<double> out(static_cast<size_t>(rows));
  for (size_t i = 0; i < out.size(); ++i) {
    double eta = bias_;
    for (size_t j = 0; j < d; ++j) {
      const double v = x[i * d + j];
      if (!std::isnan(v)) eta += weights_[j] * (v - mean_[j]) / scale_[j];
    }
    out[i] = Sigmoid(eta);
  }
  return out;
}

Json LogisticModel::ToJson() const {
  auto arr = [](const std::vector<double>& v) {
    Json a = Json::Array();
    for (double x : v) a.Push(Json::Double(x));
    return a;
  };
  Json o = Json::Object();
  o.Set("mean", arr(mean_));
  o.Set("scale", arr(scale_));
  o.Set("weights", arr(weights_));
  o.Set("bias", Json::Double(bias_));
  return o;
}

Result<LogisticModel> LogisticModel::FromJson(const Json& json) {
  LogisticModel m;
  auto read = [&](std::string_view key, std::vector<double>* out) -> Status {
    const Json* a = json.Find(key);
    if (a == nullptr || !a->is_array()) return Status::InvalidArgument("logistic model: no " + std::string(key));
    for (const Json& v : a->items()) {
      if (!v.is_number()) return Status::InvalidArgument("logistic model: bad " + std::string(key));
      out->push_back(v.as_double());
    }
    return Status::OK();
  };
  FL_RETURN_NOT_OK(read("mean", &m.mean_));
  FL_RETURN_NOT_OK(read("scale", &m.scale_));
  FL_RETURN_NOT_OK(read("weights", &m.weights_));
  const Json* b = json.Find("bias");
  if (b == nullptr || !b->is_number()) return Status::InvalidArgument("logistic model: no bias");
  m.bias_ = b->as_double();
  if (m.mean_.size() != m.weights_.size() || m.scale_.size() != m.weights_.size()) {
    return Status::InvalidArgument("logistic model: vectors of different lengths");
  }
  return m;
}

}  // namespace financelake::ml
