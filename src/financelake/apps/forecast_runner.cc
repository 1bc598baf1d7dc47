#include "financelake/apps/forecast_runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <string_view>
#include <thread>

#include "financelake/columnar/value.h"
#include "financelake/ml/forecast_model.h"

namespace financelake::apps {

std::vector<Status> RunPerTicker(const std::string& verb, const std::vector<std::string>& labels, int threads,
                                 const std::function<Status(size_t)>& work) {
  const size_t n = labels.size();
  std::vector<Status> out(n, Status::OK());
  std::atomic<size_t> next{0};
  std::mutex mu;
  size_t done = 0;
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  auto report = [&](size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    ++done;
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(kWidth * done / std::max<size_t>(1, n));
    const std::string bar = std::string(filled, '=') + std::string(kWidth - filled, ' ');
    const char* state = out[i].ok() ? "" : " (failed)";
    if (tty) {
      std::fprintf(stderr, "\r%s [%s] %zu/%zu %s%s\033[K", verb.c_str(), bar.c_str(), done, n, labels[i].c_str(), state);
      if (done == n) std::fputc('\n', stderr);
    } else {
      std::fprintf(stderr, "%s [%s] %zu/%zu %s%s\n", verb.c_str(), bar.c_str(), done, n, labels[i].c_str(), state);
    }
    std::fflush(stderr);
  };
  auto loop = [&] {
    for (size_t i = next++; i < n; i = next++) {
      try {
        out[i] = work(i);
      } catch (const std::exception& e) {  // e.g. bad_alloc for an enormous network: this ticker only
        out[i] = Status::Internal(fmt::format("{}: {}", labels[i], e.what()));
      }
      report(i);
    }
  };
  const int t = std::max(1, std::min<int>(threads, static_cast<int>(n)));
  std::vector<std::thread> pool;
  for (int k = 1; k < t; ++k) pool.emplace_back(loop);
  loop();
  for (auto& th : pool) th.join();
  return out;
}

std::string FmtMetric(double v, int decimals) {
  if (std::isnan(v)) return "n/a";
  return fmt::format("{:.{}f}", v, decimals);
}

namespace {

void Row(const std::string& what, const std::string& model, const ml::ForecastMetrics& m) {
  std::printf("  %-24s %-12s %6d %12s %12s %8s %8s\n", what.c_str(), model.c_str(), m.n, FmtMetric(m.mae).c_str(),
              FmtMetric(m.rmse).c_str(), FmtMetric(m.mape, 3).c_str(),
              std::isnan(m.directional_accuracy) ? "n/a" : FmtMetric(m.directional_accuracy, 3).c_str());
}

}  // namespace

void PrintBacktest(const ml::BacktestResult& r) {
  std::printf("%s: walk-forward backtest, %zu folds (expanding window; scaler fitted per training fold)\n",
              r.ticker.c_str(), r.folds.size());
  std::printf("  %-24s %-12s %6s %12s %12s %8s %8s\n", "test days", "forecast", "n", "MAE", "RMSE", "MAPE%", "dir.acc");
  for (const ml::BacktestFold& f : r.folds) {
    const std::string span = columnar::FormatDate(f.test_first_day) + ".." + columnar::FormatDate(f.test_last_day);
    Row(fmt::format("{} {}", f.fold, span), "lstm", f.lstm_metrics);
    Row("", "persistence", f.persistence_metrics);
    Row("", "drift", f.drift_metrics);
  }
  Row("all folds", "lstm", r.lstm);
  Row("", "persistence", r.persistence);
  Row("", "drift", r.drift);
  const bool lstm = std::string_view(ml::ServedForecaster(r.skill, r.lstm.n)) == "lstm";
  std::printf(
      "  skill MAE(lstm)/MAE(persistence) = %s: %s\n", FmtMetric(r.skill).c_str(),
      lstm ? "the LSTM beat persistence"
      : r.skill < 1
          ? "the LSTM beat persistence, but on fewer than 20 days (persistence would be served)"
          : "persistence is at least as good (it would be served)");
}

}  // namespace financelake::apps
