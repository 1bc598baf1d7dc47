// `financelake fraud train|score`: the fraud model (module ml) from the command line.
//   train: a labelled CSV (--csv FILE --label COLUMN [--time-column C]) or, without --csv, the
//          lake's Silver bank transactions (label is_fraud, time event_time); prints the held-out
//          metrics next to the logistic-regression baseline, saves the model under
//          <lake>/models/fraud/ and appends the metrics to gold/model_metrics.
//   score: a CSV -> the same rows plus fraud_score, fraud_alert and model_version (CSV).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>

#include "financelake/apps/commands.h"
#include "financelake/apps/source_flags.h"
#include "financelake/columnar/text_values.h"
#include "financelake/io/atomic_file.h"
#include "financelake/io/path.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/ml/fraud_training.h"
#include "financelake/ml/labelled_csv.h"
#include "financelake/pipeline/bank_features.h"
#include "financelake/pipeline/flush_policy.h"
#include "financelake/pipeline/model_metrics_table.h"

namespace financelake::apps {
namespace {

struct FraudArgs {
  std::string lake = "lake";
  std::string csv;
  std::string label;
  std::string time_column;
  std::string exclude;
  uint64_t seed = 42;
  int threads = 1;
  std::string report;
  std::string model;
  std::string out;
  bool no_metrics_table = false;
};

Result<columnar::RecordBatch> LoadCsv(io::FileSystem& fs, const std::string& path, bool* index) {
  auto text = fs.ReadFile(path);
  if (!text.ok()) return text.status().WithContext("reading --csv");
  return ml::ReadLabelledCsv(std::move(*text), path, index);
}

std::string Fmt(double v) { return std::isnan(v) ? "n/a" : fmt::format("{:.4f}", v); }

void PrintReport(const ml::FraudModel& m, const ml::FraudTrainReport& r, const std::string& subject) {
  std::printf("fraud model %s trained on %s (%zu features, %d boosting rounds)\n", m.version.c_str(),
              subject.c_str(), r.features.size(), r.rounds);
  std::printf("%-11s %8s %7s  %s\n", "split", "rows", "frauds", "time range");
  auto slice = [](const char* name, const ml::SliceInfo& s) {
    std::printf("%-11s %8lld %7lld  %s%s%s\n", name, static_cast<long long>(s.rows),
                static_cast<long long>(s.positives), s.first_time.c_str(),
                s.first_time.empty() ? "" : " .. ", s.last_time.c_str());
  };
  slice("train", r.train);
  slice("validation", r.validation);
  slice("test", r.test);
  std::printf("\nheld-out test slice (the latest rows)   xgboost   logistic regression\n");
  const auto& x = r.xgboost_test;
  const auto& l = r.logistic_test;
  std::printf("  %-36s %8s   %8s\n", "AUPRC", Fmt(x.auprc).c_str(), Fmt(l.auprc).c_str());
  std::printf("  %-36s %8s   %8s\n", "ROC-AUC", Fmt(x.roc_auc).c_str(), Fmt(l.roc_auc).c_str());
  std::printf("  %-36s %8s   %8s\n", "threshold (best F1 on validation)", Fmt(x.at_threshold.threshold).c_str(),
              Fmt(l.at_threshold.threshold).c_str());
  std::printf("  %-36s %8s   %8s\n", "precision at threshold", Fmt(x.at_threshold.precision).c_str(),
              Fmt(l.at_threshold.precision).c_str());
  std::printf("  %-36s %8s   %8s\n", "recall at threshold", Fmt(x.at_threshold.recall).c_str(),
              Fmt(l.at_threshold.recall).c_str());
  std::printf("  %-36s %8s   %8s\n", "alert rate", Fmt(x.at_threshold.alert_rate).c_str(),
              Fmt(l.at_threshold.alert_rate).c_str());
  for (const std::string& n : r.notes) std::printf("note: %s\n", n.c_str());
}

std::vector<pipeline::ModelMetricRow> MetricRows(const ml::FraudModel& m, const ml::FraudTrainReport& r,
                                                 const std::string& subject) {
  std::vector<pipeline::ModelMetricRow> rows;
  auto add = [&](const char* metric, double ours, double base) {
    rows.push_back({m.created_at_us, "fraud", m.version, subject, "test", metric, ours,
                    "logistic_regression", base});
  };
  const auto& x = r.xgboost_test;
  const auto& l = r.logistic_test;
  add("auprc", x.auprc, l.auprc);
  add("roc_auc", x.roc_auc, l.roc_auc);
  add("precision", x.at_threshold.precision, l.at_threshold.precision);
  add("recall", x.at_threshold.recall, l.at_threshold.recall);
  add("alert_rate", x.at_threshold.alert_rate, l.at_threshold.alert_rate);
  add("threshold", x.at_threshold.threshold, l.at_threshold.threshold);
  add("rows", static_cast<double>(r.test.rows), static_cast<double>(r.test.rows));
  add("positives", static_cast<double>(r.test.positives), static_cast<double>(r.test.positives));
  return rows;
}

// The columns `fraud score` adds to a file.
constexpr const char* kScoreColumns[] = {"fraud_score", "fraud_alert", "model_version"};

// --exclude names columns that are not features: a misspelt one would silently stay a feature.
Status CheckExcluded(const columnar::RecordBatch& data, const std::vector<std::string>& exclude) {
  for (const std::string& name : exclude) {
    if (data.ColumnByName(name) == nullptr) {
      return Status::InvalidArgument(
          fmt::format("--exclude {}: the input has no such column", name));
    }
  }
  return Status::OK();
}

// XGBoost starts an OpenMP team of --threads: thousands of threads crash libgomp.
constexpr int kMaxThreads = 256;

Status CheckThreads(int threads) {
  if (threads < 1 || threads > kMaxThreads) {
    return Status::InvalidArgument(fmt::format("--threads {}: must be 1 to {}", threads, kMaxThreads));
  }
  return Status::OK();
}

Status Train(const FraudArgs& a) {
  FL_RETURN_NOT_OK(CheckThreads(a.threads));
  FL_RETURN_NOT_OK(CheckSeed(a.seed));
  auto fs = io::PosixFileSystem();
  // The report is written after the model is published: its folder must be there first, so that
  // a run that published a model does not end in an error.
  if (!a.report.empty()) {
    const std::string dir = io::DirName(a.report);
    auto info = fs->Stat(dir.empty() ? "." : dir);
    if (!info.ok() || !info->is_dir) {
      return Status::InvalidArgument(fmt::format("--report {}: no directory '{}' to write it in", a.report, dir));
    }
    auto target = fs->Stat(a.report);
    if (target.ok() && target->is_dir) {
      return Status::InvalidArgument(
          fmt::format("--report {}: is a directory, not a file name", a.report));
    }
  }
  ml::FraudTrainOptions o;
  o.seed = a.seed;
  o.threads = a.threads;
  o.exclude = SplitCommaList(a.exclude);
  columnar::RecordBatch data;
  std::string subject;
  if (!a.csv.empty()) {
    if (a.label.empty()) return Status::InvalidArgument("--label COLUMN is required with --csv");
    bool index = false;
    FL_ASSIGN_OR_RETURN(data, LoadCsv(*fs, a.csv, &index));
    if (data.num_rows() == 0)
      return Status::InvalidArgument(fmt::format("{}: no rows to train on", a.csv));
    FL_RETURN_NOT_OK(CheckExcluded(data, o.exclude));
    if (index) o.exclude.emplace_back(ml::kIndexColumn);
    // A file written by `fraud score` carries a model's output: never an input of the next one.
    for (const char* c : kScoreColumns) {
      if (data.ColumnByName(c) != nullptr) {
        o.exclude.emplace_back(c);
        std::fprintf(stderr, "note: column '%s' (a fraud score output) is not a feature\n", c);
      }
    }
    o.label = a.label;
    o.time_column = a.time_column;
    subject = a.csv;
  } else {
    FL_ASSIGN_OR_RETURN(data, pipeline::ReadBankTrainingRows(fs, a.lake));
    FL_RETURN_NOT_OK(CheckExcluded(data, o.exclude));
    o.label = a.label.empty() ? "is_fraud" : a.label;
    o.time_column = a.time_column.empty() ? "event_time" : a.time_column;
    for (const std::string& c : pipeline::BankNonFeatureColumns()) o.exclude.push_back(c);
    subject = "silver/bank_transactions";
  }
  ml::FraudTrainReport report;
  FL_ASSIGN_OR_RETURN(ml::FraudModel model, ml::TrainFraudModel(data, o, &report));
  model.created_at_us = pipeline::WallMicros();
  FL_RETURN_NOT_OK(ml::SaveFraudModel(*fs, a.lake, &model, /*for_pipeline=*/a.csv.empty()));
  PrintReport(model, report, subject);
  std::printf("\nsaved %s/%s (now CURRENT%s)\n", ml::FraudModelsDir(a.lake).c_str(), model.version.c_str(),
              a.csv.empty() ? " and PIPELINE: the Silver stage scores with it" : "");
  if (!a.report.empty()) {
    Json j = report.ToJson();
    j.Set("model_version", Json::String(model.version));
    j.Set("subject", Json::String(subject));
    FL_RETURN_NOT_OK(io::WriteFileAtomic(*fs, a.report, j.Dump() + "\n"));
  }
  if (!a.no_metrics_table) {
    FL_ASSIGN_OR_RETURN(
        auto m, pipeline::AppendModelMetrics(fs, a.lake, MetricRows(model, report, subject)));
    pipeline::PrintMetricsAppend(m, a.lake);
  }
  return Status::OK();
}

Status Score(const FraudArgs& a) {
  if (a.csv.empty()) return Status::InvalidArgument("--csv FILE is required");
  FL_RETURN_NOT_OK(CheckThreads(a.threads));
  auto fs = io::PosixFileSystem();
  FL_ASSIGN_OR_RETURN(auto model, ml::LoadFraudModel(*fs, a.lake, a.model, a.threads));
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch data, LoadCsv(*fs, a.csv, nullptr));
  if (data.num_rows() == 0) return Status::InvalidArgument(fmt::format("{}: no rows to score", a.csv));
  auto scores = model->Score(data);
  if (!scores.ok()) return scores.status().WithContext(fmt::format("scoring {} with {}", a.csv, model->version));
  // A file scored before gets its score columns replaced, not repeated.
  std::vector<columnar::Field> fields;
  std::vector<columnar::Column> cols;
  for (size_t c = 0; c < data.num_columns(); ++c) {
    const std::string& name = data.schema().field(c).name;
    if (std::find(std::begin(kScoreColumns), std::end(kScoreColumns), name) !=
        std::end(kScoreColumns)) {
      std::fprintf(stderr, "note: the input's '%s' column is replaced\n", name.c_str());
      continue;
    }
    fields.push_back(data.schema().field(c));
    cols.push_back(data.column(c));
  }
  fields.push_back({"fraud_score", columnar::DataType::Double(), false});
  fields.push_back({"fraud_alert", columnar::DataType::Boolean(), false});
  fields.push_back({"model_version", columnar::DataType::String(), false});
  cols.emplace_back(columnar::DataType::Double());
  cols.emplace_back(columnar::DataType::Boolean());
  cols.emplace_back(columnar::DataType::String());
  int64_t alerts = 0;
  for (double s : *scores) {
    cols[cols.size() - 3].Append<double>(s);
    cols[cols.size() - 2].Append<uint8_t>(s >= model->threshold ? 1 : 0);
    cols[cols.size() - 1].AppendString(model->version);
    alerts += s >= model->threshold ? 1 : 0;
  }
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch out,
                      columnar::RecordBatch::Make(columnar::Schema(fields), std::move(cols)));
  std::string text;
  columnar::AppendCsvHeader(out.schema(), &text);
  for (int64_t i = 0; i < out.num_rows(); ++i) columnar::AppendCsvRow(out, i, &text);
  if (a.out.empty() || a.out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    FL_RETURN_NOT_OK(io::WriteFileAtomic(*fs, a.out, text));
  }
  std::fprintf(stderr, "scored %lld rows with %s: %lld alerts (threshold %.6f)\n",
               static_cast<long long>(out.num_rows()), model->version.c_str(),
               static_cast<long long>(alerts), model->threshold);
  // The file carries the model's label: say how the scores do against it (never an input).
  const columnar::Column* label = data.ColumnByName(model->label);
  if (label != nullptr && ml::IsNumericType(label->type()) && label->null_count() == 0) {
    std::vector<float> y;
    for (int64_t i = 0; i < data.num_rows(); ++i) y.push_back(ml::NumericAt(*label, i) > 0.5 ? 1.0f : 0.0f);
    const ml::ThresholdMetrics m = ml::AtThreshold(*scores, y, model->threshold);
    std::fprintf(stderr, "against its '%s' column: AUPRC %s, ROC-AUC %s, precision %s, recall %s\n",
                 model->label.c_str(), Fmt(ml::AveragePrecision(*scores, y)).c_str(),
                 Fmt(ml::RocAuc(*scores, y)).c_str(), Fmt(m.precision).c_str(), Fmt(m.recall).c_str());
  }
  return Status::OK();
}

}  // namespace

void RegisterFraudCommands(CLI::App& app, Action* action) {
  auto a = std::make_shared<FraudArgs>();
  CLI::App* fraud = app.add_subcommand("fraud", "train and apply the fraud model (XGBoost, logistic baseline)");
  fraud->require_subcommand(1);
  CLI::App* train = fraud->add_subcommand(
      "train", "train on a labelled CSV, or on the lake's Silver bank transactions; split by time");
  train->add_option("--lake", a->lake, "lake directory: models/fraud and gold/model_metrics (default ./lake)");
  train->add_option("--csv", a->csv, "labelled CSV (default: <lake>/silver/bank_transactions)");
  train->add_option("--label", a->label, "0/1 label column (CSV: required; lake: is_fraud)");
  train->add_option("--time-column", a->time_column, "order rows by this column for the time split (lake: event_time)");
  train->add_option("--exclude", a->exclude, "columns that are not features (comma list)");
  train->add_option("--seed", a->seed, "random seed (default 42)");
  train->add_option("--threads", a->threads, "training threads (default 1)");
  train->add_option("--report", a->report, "also write the report as JSON to this file");
  train->add_flag("--no-metrics-table", a->no_metrics_table, "do not append to gold/model_metrics");
  train->callback([action, a] { *action = [a] { return Train(*a); }; });
  CLI::App* score = fraud->add_subcommand("score", "score a CSV: its rows plus fraud_score, fraud_alert, model_version");
  score->add_option("--lake", a->lake, "lake directory holding models/fraud (default ./lake)");
  score->add_option("--csv", a->csv, "rows to score (CSV with the model's feature columns)")->required();
  score->add_option("--model", a->model, "model version (default: CURRENT)");
  score->add_option("--out", a->out, "output CSV (default: stdout)");
  score->add_option("--threads", a->threads, "scoring threads (default 1)");
  score->callback([action, a] { *action = [a] { return Score(*a); }; });
}

}  // namespace financelake::apps
