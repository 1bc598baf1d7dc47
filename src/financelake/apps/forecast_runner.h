// Running the forecaster over many tickers: a small pool of threads (each ticker is trained on
// one thread; Eigen itself stays single-threaded) with a progress bar on stderr, and the
// printing shared by `train`, `predict` and `backtest`.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "financelake/base/status.h"
#include "financelake/ml/forecast_backtest.h"

namespace financelake::apps {

// Runs work(i) for i in [0, n) on `threads` threads; `labels[i]` names item i in the progress
// bar ("training [=====     ] 3/6 AAPL"), drawn in place on a terminal, one line per finished
// item otherwise. Returns each item's status.
std::vector<Status> RunPerTicker(const std::string& verb, const std::vector<std::string>& labels, int threads,
                                 const std::function<Status(size_t)>& work);

// "1.2345", "n/a" for NaN; percentages and ratios formatted alike.
std::string FmtMetric(double v, int decimals = 4);

// The metrics table of one backtest: per fold and overall, LSTM against both baselines.
void PrintBacktest(const ml::BacktestResult& r);

}  // namespace financelake::apps
