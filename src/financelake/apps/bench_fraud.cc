// `financelake bench fraud`: fraud scoring throughput on one core. A model is trained on
// simulated Silver bank transactions (the pipeline's own features), then N Silver rows are
// scored: encode + predict (what the Silver stage does) and predict alone, against the same
// model scoring the same encoded matrix from Python (python3-xgboost inplace_predict, one
// thread), which also checks that both give the same scores.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <string>

#include "financelake/apps/bench_util.h"
#include "financelake/apps/commands.h"
#include "financelake/delta/data_writer.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/ml/fraud_training.h"
#include "financelake/pipeline/bank_features.h"
#include "financelake/pipeline/silver_stage.h"
#include "financelake/pipeline/source_ingest.h"

namespace financelake::apps {
namespace {

using Clock = BenchClock;

struct BenchFraudArgs {
  std::string workdir = "/tmp/financelake-bench-fraud";
  int64_t rows = 1'000'000;
  int repeat = 3;
};


template <typename F>
Result<double> BestOf(int repeat, F&& f) {
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = Clock::now();
    FL_RETURN_NOT_OK(f());
    best = std::min(best, SecondsSince(t0));
  }
  return best;
}

Status RunBenchFraud(const BenchFraudArgs& a) {
  if (a.rows < 1000 || a.repeat < 1) return Status::InvalidArgument("--rows >= 1000 and --repeat >= 1");
  std::filesystem::remove_all(a.workdir);
  std::filesystem::create_directories(a.workdir);
  const std::string lake = a.workdir + "/lake";
  auto fs = io::PosixFileSystem();
  pipeline::SourceIngestOptions io;
  io.lake = lake;
  io.source.name = "sim";
  io.source.flags = {{"topics", "bank-transactions"}, {"accounts", "500"}, {"days", "20"},
                     {"start", "2024-01-01"}, {"seed", "11"}};
  io.stream_id = "bench";
  FL_RETURN_NOT_OK(pipeline::RunSourceIngest(io).status());
  pipeline::SilverOptions so;
  so.lake = lake;
  so.topics = {"bank-transactions"};
  FL_RETURN_NOT_OK(pipeline::RunSilverOnce(so).status());
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch silver, pipeline::ReadBankTrainingRows(fs, lake));
  ml::FraudTrainOptions to;
  to.label = "is_fraud";
  to.time_column = "event_time";
  to.exclude = pipeline::BankNonFeatureColumns();
  FL_ASSIGN_OR_RETURN(ml::FraudModel model, ml::TrainFraudModel(silver, to, nullptr));
  // N rows: the Silver rows repeated.
  std::vector<int64_t> idx(static_cast<size_t>(a.rows));
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int64_t>(i) % silver.num_rows();
  const columnar::RecordBatch rows = delta::TakeRows(silver, idx);
  const int64_t nf = model.encoder.num_features();
  std::printf("fraud scoring: %lld Silver bank rows, %lld input columns -> %lld features, %d trees of depth <= 4, 1 thread, best of %d\n",
              static_cast<long long>(a.rows), static_cast<long long>(model.encoder.inputs().size()),
              static_cast<long long>(nf), model.booster.rounds(), a.repeat);
  std::vector<double> scores;
  FL_ASSIGN_OR_RETURN(double full, BestOf(a.repeat, [&]() -> Status {
                        FL_ASSIGN_OR_RETURN(scores, model.Score(rows));
                        return Status::OK();
                      }));
  FL_ASSIGN_OR_RETURN(std::vector<float> x, model.encoder.Encode(rows));
  FL_ASSIGN_OR_RETURN(double predict, BestOf(a.repeat, [&]() -> Status {
                        return model.booster.Predict({x.data(), a.rows, nf}).status();
                      }));
  // The peer: same model file, same matrix.
  const std::string model_file = a.workdir + "/booster.json", matrix = a.workdir + "/x.f32",
                    ours = a.workdir + "/ours.f64";
  FL_ASSIGN_OR_RETURN(std::string json, model.booster.SaveJson());
  std::ofstream(model_file, std::ios::binary) << json;
  std::ofstream(matrix, std::ios::binary).write(reinterpret_cast<const char*>(x.data()),
                                                 static_cast<std::streamsize>(x.size() * sizeof(float)));
  std::ofstream(ours, std::ios::binary).write(reinterpret_cast<const char*>(scores.data()),
                                               static_cast<std::streamsize>(scores.size() * sizeof(double)));
  const std::string cmd = fmt::format(
      "/usr/bin/python3 '{}/bench/xgboost_peer.py' --model '{}' --matrix '{}' --cols {} --ours '{}' --repeat {}",
      FL_SOURCE_DIR, model_file, matrix, nf, ours, a.repeat);
  FL_ASSIGN_OR_RETURN(const std::string peer, RunPeer(cmd));
  auto num = [&](const std::string& key) { return PeerNumber(peer, key); };
  const double py = num("seconds");
  const double n = static_cast<double>(a.rows);
  std::printf("  %-44s %10.0fk rows/s\n", "ours: encode columns + predict (Silver stage)", n / full / 1000);
  std::printf("  %-44s %10.0fk rows/s\n", "ours: predict an encoded matrix", n / predict / 1000);
  std::printf("  %-44s %10.0fk rows/s   (same model, same matrix; max |score diff| %.2g)\n",
              "python3-xgboost inplace_predict", n / py / 1000, num("max_abs_diff"));
  std::printf("scoring ratio (ours encode+predict / python predict) %.2fx; target >= 500k rows/s on one core: %s\n",
              py / full, n / full >= 500'000 ? "met" : "NOT met");
  ReportFigure({"fraud", "scoring rows/s (1 core)", fmt::format("{:.0f}k", n / full / 1000),
                fmt::format("python3-xgboost {:.0f}k", n / py / 1000), fmt::format("{:.2f}x", py / full), ">= 500k rows/s",
                n / full >= 500'000});
  std::filesystem::remove_all(a.workdir);
  return Status::OK();
}

}  // namespace

void RegisterBenchFraudCommand(CLI::App& bench, Action* action) {
  auto a = std::make_shared<BenchFraudArgs>();
  CLI::App* cmd = bench.add_subcommand("fraud", "fraud scoring rows/s on one core vs python3-xgboost on the same model");
  cmd->add_option("--workdir", a->workdir, "scratch directory (removed afterwards)");
  cmd->add_option("--rows", a->rows, "rows to score (default 1000000)");
  cmd->add_option("--repeat", a->repeat, "best of this many runs (default 3)");
  cmd->callback([action, a] { *action = [a] { return RunBenchFraud(*a); }; });
}

}  // namespace financelake::apps
