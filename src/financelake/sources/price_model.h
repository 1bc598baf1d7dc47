// GbmGarch: a price that follows geometric Brownian motion whose variance moves like a
// GARCH(1,1) process, giving the volatility clustering of real markets (calm and turbulent
// stretches) while keeping the long-run volatility at `sigma`.
//
// Time is in years. Returns accrue over steps of any length; the variance is updated once per
// period (a trading day for stocks, a UTC day for crypto):
//   step:       r = (mu - h/2) dt + sqrt(h dt) z,          z ~ N(0, 1)
//   period end: h <- omega + alpha * e^2 / T + beta * h,   omega = sigma^2 (1 - alpha - beta)
// where T is the period's accumulated dt and e the period's return minus its drift, so that
// E[h] = sigma^2 (annualised variance) and e^2/T is the period's realised variance.
// Thread-compatible; one per instrument.
#pragma once

namespace financelake::sources {

struct GarchParams {
  double mu = 0.07;     // annual drift of the log price plus h/2 (the GBM "mu")
  double sigma = 0.25;  // long-run annual volatility
  double alpha = 0.08;  // reaction to the last period's shock
  double beta = 0.90;   // persistence; alpha + beta < 1
};

class GbmGarch {
 public:
  GbmGarch(double start_price, const GarchParams& params);

  // Advances the price by `dt_years` with the standard normal shock `z`; returns the
  // log-return of the step.
  double Step(double dt_years, double z);

  // Ends the current variance period (see the class comment). No-op for an empty period.
  void EndPeriod();

  double price() const { return price_; }
  // Current annualised variance h.
  double variance() const { return h_; }
  double volatility() const;
  const GarchParams& params() const { return p_; }

 private:
  GarchParams p_;
  double price_;
  double log_price_;
  double h_;
  double period_dt_ = 0;     // accumulated dt of the current period
  double period_shock_ = 0;  // accumulated sqrt(h dt) z of the current period
};

}  // namespace financelake::sources
