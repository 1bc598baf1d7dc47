#include "financelake/sources/price_model.h"

#include <algorithm>
#include <cmath>

namespace financelake::sources {

GbmGarch::GbmGarch(double start_price, const GarchParams& params)
    : p_(params),
      price_(start_price),
      log_price_(std::log(start_price)),
      h_(params.sigma * params.sigma) {}

double GbmGarch::Step(double dt_years, double z) {
  if (dt_years <= 0) return 0;
  const double shock = std::sqrt(h_ * dt_years) * z;
  const double r = (p_.mu - 0.5 * h_) * dt_years + shock;
  log_price_ += r;
  price_ = std::exp(log_price_);
  period_dt_ += dt_years;
  period_shock_ += shock;
  return r;
}

void GbmGarch::EndPeriod() {
  if (period_dt_ <= 0) return;
  const double long_run = p_.sigma * p_.sigma;
  const double omega = long_run * (1.0 - p_.alpha - p_.beta);
  const double realised = period_shock_ * period_shock_ / period_dt_;
  h_ = omega + p_.alpha * realised + p_.beta * h_;
  // Keep the variance within sane bounds so one extreme draw cannot freeze or explode a path.
  h_ = std::clamp(h_, long_run * 0.05, long_run * 25.0);
  period_dt_ = 0;
  period_shock_ = 0;
}

double GbmGarch::volatility() const {
  return std::sqrt(h_);
}

}  // namespace financelake::sources
