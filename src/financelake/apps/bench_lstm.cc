// `financelake bench lstm`: training speed of the forecaster's network against PyTorch
// (python3-torch, CPU, one thread each) on the same windows of a real daily history, from the
// same initial weights, for the same fixed number of epochs: seconds per epoch side by side,
// and the validation MAE each reaches (a speed-up that came from computing something else
// would show there). Several runs (seeds) give the spread that "within noise" means.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "financelake/apps/bench_util.h"
#include "financelake/apps/commands.h"
#include "financelake/base/json.h"
#include "financelake/columnar/value.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/ml/forecast_backtest.h"
#include "financelake/pipeline/daily_series.h"

namespace financelake::apps {
namespace {

struct BenchLstmArgs {
  std::string csv = std::string(FL_SOURCE_DIR) + "/../shared/fixtures/stocks_daily/mplfinance/yahoofinance-AAPL-20040819-20180120.csv";
  std::string workdir = "/tmp/financelake-bench-lstm";
  int epochs = 10;
  int runs = 3;
  uint64_t seed = 42;
};

void WriteTensor(std::ofstream& out, const std::string& name, const float* v, long rows, long cols) {
  out << name << ' ' << rows << ' ' << cols;
  for (long k = 0; k < rows * cols; ++k) out << ' ' << fmt::format("{}", v[k]);
  out << '\n';
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

std::string Spread(const std::vector<double>& v) {
  if (v.empty()) return "n/a";
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return fmt::format("{:.3f}..{:.3f}", *lo, *hi);
}

Status RunBenchLstm(const BenchLstmArgs& a) {
  if (a.epochs < 1 || a.runs < 1) return Status::InvalidArgument("--epochs and --runs must be >= 1");
  auto fs = io::PosixFileSystem();
  FL_ASSIGN_OR_RETURN(pipeline::DailySeriesSet set, pipeline::ReadCsvDailySeries(*fs, a.csv, "", {}));
  if (set.series.empty() && set.failed.size() == 1) return set.failed.begin()->second;
  if (set.series.size() != 1) return Status::InvalidArgument(fmt::format("{}: expected one ticker", a.csv));
  const ml::DailySeries& s = set.series[0];
  ml::ForecastConfig c;  // the default architecture and features
  FL_RETURN_NOT_OK(ml::ValidateDailySeries(s, c.features, 200));
  const int n = static_cast<int>(s.size()), w = c.window;
  // Windows end at w-1 .. n-2; the first 80% train, the rest validate.
  const int windows = n - w;
  const int train_last = w - 1 + windows * 4 / 5 - 1;
  const Eigen::MatrixXd raw = ml::ComputeForecastFeatures(s, c.features);
  const ml::MinMaxScaler scaler = ml::MinMaxScaler::Fit(raw, s.close, static_cast<size_t>(train_last + 1));
  ml::WindowedSeries data;
  data.window = w;
  data.features = scaler.Transform(raw);
  data.target.resize(n);
  std::vector<int> train, valid;
  std::vector<double> actual;
  for (int d = 0; d < n; ++d) {
    data.target[d] = d + 1 < n ? static_cast<float>(scaler.ScaleTarget(s.close[d + 1])) : 0.0f;
    if (d >= w - 1 && d <= train_last) train.push_back(d);
    if (d > train_last && d + 1 < n) {
      valid.push_back(d);
      actual.push_back(s.close[d + 1]);
    }
  }
  double persistence = 0;
  for (int d : valid) persistence += std::abs(s.close[d + 1] - s.close[d]);
  persistence /= static_cast<double>(valid.size());

  std::filesystem::remove_all(a.workdir);
  std::filesystem::create_directories(a.workdir);
  const std::string data_file = a.workdir + "/lstm-data.txt";
  std::ofstream out(data_file);
  Json settings = Json::Object();
  settings.Set("window", Json::Int(w));
  Json hidden = Json::Array();
  for (int h : c.hidden) hidden.Push(Json::Int(h));
  settings.Set("hidden", std::move(hidden));
  settings.Set("dropout", Json::Double(c.dropout));
  settings.Set("batch_size", Json::Int(c.train.batch_size));
  settings.Set("learning_rate", Json::Double(c.train.learning_rate));
  settings.Set("epochs", Json::Int(a.epochs));
  settings.Set("runs", Json::Int(a.runs));
  settings.Set("seed", Json::Int(static_cast<int64_t>(a.seed)));
  settings.Set("train_first", Json::Int(train.front()));
  settings.Set("train_last", Json::Int(train.back()));
  settings.Set("valid_first", Json::Int(valid.front()));
  settings.Set("valid_last", Json::Int(valid.back()));
  settings.Set("target_min", Json::Double(scaler.target_min));
  settings.Set("target_max", Json::Double(scaler.target_max));
  Json act = Json::Array();
  for (double v : actual) act.Push(Json::Double(v));
  settings.Set("valid_actual", std::move(act));
  out << settings.Dump() << '\n';
  WriteTensor(out, "features", data.features.data(), data.features.rows(), data.features.cols());
  WriteTensor(out, "target", data.target.data(), 1, data.target.size());

  ml::LstmTrainOptions o = c.train;
  o.max_epochs = a.epochs;
  o.patience = a.epochs + 1;
  o.validation_fraction = 0;
  o.restore_best = false;
  std::vector<double> ours_sec, ours_mae;
  for (int r = 0; r < a.runs; ++r) {
    ml::LstmNetwork<float> net(c.Shape());
    net.Initialize(a.seed + static_cast<uint64_t>(r));
    for (const ml::LstmTensor& t : net.tensors()) {
      WriteTensor(out, fmt::format("r{}/{}", r, t.name), net.params().data() + t.offset, t.rows, t.cols);
    }
    o.seed = a.seed + static_cast<uint64_t>(r);
    const auto t0 = BenchClock::now();
    ml::TrainLstm(&net, data, train, o);
    ours_sec.push_back(SecondsSince(t0) / a.epochs);
    const std::vector<double> p = ml::PredictWindows(&net, data, valid);
    double mae = 0;
    for (size_t k = 0; k < p.size(); ++k) mae += std::abs(scaler.UnscaleTarget(p[k]) - actual[k]);
    ours_mae.push_back(mae / static_cast<double>(p.size()));
  }
  out.close();

  std::printf("lstm training: %s %s..%s, %zu train / %zu validation windows (chronological 80/20)\n",
              s.ticker.c_str(), columnar::FormatDate(s.days.front()).c_str(), columnar::FormatDate(s.days.back()).c_str(),
              train.size(), valid.size());
  std::printf("  %s, window %d, features %s; batch %d, Adam %g, MSE, %d epochs, %d runs from the same initial weights\n",
              c.Shape().Describe().c_str(), w, "avg_price,total_volume", c.train.batch_size, c.train.learning_rate,
              a.epochs, a.runs);
  std::fflush(stdout);
  const std::string cmd = fmt::format("/usr/bin/python3 '{}/bench/lstm_peer.py' '{}'", FL_SOURCE_DIR, data_file);
  FL_ASSIGN_OR_RETURN(const std::string peer, RunPeer(cmd));
  const double py_sec = PeerNumber(peer, "seconds_per_epoch");
  std::vector<double> py_mae;
  if (auto j = Json::Parse(peer); j.ok()) {
    if (const Json* m = j->Find("val_mae"); m != nullptr && m->is_array()) {
      for (const Json& v : m->items()) py_mae.push_back(v.as_double());
    }
  }
  std::filesystem::remove_all(a.workdir);
  if (py_sec <= 0 || py_mae.size() != static_cast<size_t>(a.runs)) {
    return Status::Unavailable(fmt::format("the PyTorch peer gave no result: {}", peer));
  }
  const double ratio = py_sec / Mean(ours_sec);
  std::printf("  %-36s %18s %18s %8s\n", "", fmt::format("ours ({})", ml::LstmKernelIsa()).c_str(), "PyTorch (CPU)", "ratio");
  std::printf("  %-36s %18.4f %18.4f %7.1fx\n", "seconds per epoch (1 thread, mean)", Mean(ours_sec), py_sec, ratio);
  std::printf("  %-36s %18.3f %18.3f\n", "validation MAE, mean of runs", Mean(ours_mae), Mean(py_mae));
  std::printf("  %-36s %18s %18s\n", "validation MAE, range over runs", Spread(ours_mae).c_str(), Spread(py_mae).c_str());
  std::printf("  %-36s %18.3f\n", "persistence MAE on the same days", persistence);
  std::printf("training speed-up vs PyTorch %.1fx; target >= 10x: %s\n", ratio, ratio >= 10 ? "met" : "NOT met");
  ReportFigure({"lstm", "training s/epoch", fmt::format("{:.4f} s", Mean(ours_sec)), fmt::format("pytorch {:.4f} s", py_sec),
                fmt::format("{:.1f}x", ratio), ">= 10x", ratio >= 10});
  return Status::OK();
}

}  // namespace

void RegisterBenchLstmCommand(CLI::App& bench, Action* action) {
  auto a = std::make_shared<BenchLstmArgs>();
  CLI::App* cmd = bench.add_subcommand("lstm", "LSTM training seconds per epoch vs PyTorch, same data and weights");
  cmd->add_option("--csv", a->csv, "daily history of one ticker (default: AAPL 2004-2018 from the fixtures)");
  cmd->add_option("--epochs", a->epochs, "epochs per run (default 10)");
  cmd->add_option("--runs", a->runs, "runs with different seeds (default 3)");
  cmd->add_option("--seed", a->seed, "first seed (default 42)");
  cmd->add_option("--workdir", a->workdir, "scratch directory (removed afterwards)");
  cmd->callback([action, a] { *action = [a] { return RunBenchLstm(*a); }; });
}

}  // namespace financelake::apps
