// `financelake train | predict | backtest`: the per-ticker next-day forecaster (module ml).
//   train     backtests each ticker on walk-forward validation folds, trains the final LSTM on
//             its whole history, decides what is served (the LSTM only if it beat persistence),
//             saves <lake>/models/<TICKER>/, appends the validation metrics to gold/model_metrics
//             and the next-day forecast to gold/predictions.
//   predict   the served next-day forecast of each ticker with a model -> gold/predictions.
//   backtest  the walk-forward metrics table, LSTM against persistence and drift.
// Data: the lake's gold/daily_prices, or a daily CSV with --csv. Tickers fail one by one (a
// clear line each) while the others go on; the exit status says whether any failed.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "financelake/apps/commands.h"
#include "financelake/apps/forecast_runner.h"
#include "financelake/apps/source_flags.h"
#include "financelake/columnar/value.h"
#include "financelake/io/atomic_file.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/ml/forecast_model.h"
#include "financelake/ml/model_dir.h"
#include "financelake/pipeline/daily_series.h"
#include "financelake/pipeline/flush_policy.h"
#include "financelake/pipeline/gold_stage.h"
#include "financelake/pipeline/model_metrics_table.h"
#include "financelake/pipeline/predictions_table.h"

namespace financelake::apps {
namespace {

struct ForecastArgs {
  std::string lake = "lake";
  std::string csv;
  std::string csv_ticker;
  std::vector<std::string> tickers;
  int window = 7;
  std::string hidden = "64,32";
  double dropout = 0.2;
  std::string features = "avg_price,total_volume";
  int epochs = 50;
  int batch_size = 32;
  int patience = 5;
  double learning_rate = 1e-3;
  uint64_t seed = 42;
  int folds = 5;
  int validation_folds = 3;
  double test_fraction = 0.2;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool no_tables = false;
  bool record = false;
  std::string json;
};

Result<ml::ForecastConfig> ToConfig(const ForecastArgs& a) {
  ml::ForecastConfig c;
  c.window = a.window;
  c.hidden.clear();
  for (const std::string& h : SplitCommaList(a.hidden)) {
    try {
      size_t used = 0;
      c.hidden.push_back(std::stoi(h, &used));
      if (used != h.size()) throw std::invalid_argument(h);
    } catch (const std::exception&) {
      return Status::InvalidArgument(fmt::format("--hidden: '{}' is not a layer size (e.g. 64,32)", h));
    }
  }
  c.dropout = a.dropout;
  c.features = SplitCommaList(a.features);
  c.train.max_epochs = a.epochs;
  c.train.batch_size = a.batch_size;
  c.train.patience = a.patience;
  c.train.learning_rate = a.learning_rate;
  FL_RETURN_NOT_OK(CheckSeed(a.seed));
  c.train.seed = a.seed;
  c.folds = a.folds;
  c.validation_folds = a.validation_folds;
  c.test_fraction = a.test_fraction;
  if (a.threads < 1) return Status::InvalidArgument("--threads must be >= 1");
  FL_RETURN_NOT_OK(c.Validate());
  return c;
}

Result<pipeline::DailySeriesSet> LoadSeries(const ForecastArgs& a, std::shared_ptr<io::FileSystem> fs) {
  Result<pipeline::DailySeriesSet> set =
      a.csv.empty() ? pipeline::ReadGoldDailySeries(fs, a.lake, a.tickers)
                    : pipeline::ReadCsvDailySeries(*fs, a.csv, a.csv_ticker, a.tickers);
  if (!set.ok()) return set.status().WithContext(a.csv.empty() ? "reading gold/daily_prices" : "reading --csv");
  for (const std::string& w : set->warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  if (set->series.empty() && set->failed.empty()) {
    return Status::NotFound(fmt::format("no daily prices{} in {}", a.tickers.empty() ? "" : " for the given tickers",
                                        a.csv.empty() ? pipeline::DailyPricesPath(a.lake) : a.csv));
  }
  return set;
}

std::vector<std::string> Labels(const std::vector<ml::DailySeries>& s) {
  std::vector<std::string> out;
  for (const auto& x : s) out.push_back(x.ticker);
  return out;
}

// Prints the failures; an error naming how many failed, or OK.
Status Failures(const std::vector<std::string>& labels, const std::vector<Status>& st) {
  int failed = 0;
  for (size_t i = 0; i < st.size(); ++i) {
    if (st[i].ok()) continue;
    ++failed;
    const std::string& m = st[i].message();
    // Messages about the ticker's history start with its name already.
    if (m.rfind(labels[i] + ":", 0) == 0) {
      std::fprintf(stderr, "error: %s\n", m.c_str());
    } else {
      std::fprintf(stderr, "error: %s: %s\n", labels[i].c_str(), m.c_str());
    }
  }
  if (failed == 0) return Status::OK();
  return Status::InvalidArgument(fmt::format("{} of {} tickers failed (see the lines above); the others are done",
                                             failed, st.size()));
}

// Failures() with the tickers whose rows could not be read (set.failed) after the others.
Status FailuresWithRead(const pipeline::DailySeriesSet& set, std::vector<std::string> labels,
                        std::vector<Status> st) {
  for (const auto& [t, e] : set.failed) {
    labels.push_back(t);
    st.push_back(e);
  }
  return Failures(labels, st);
}

// The version name of `backtest --record` metrics: the seed, a hash of every setting that
// changes the results and a hash of the ticker's history, so that two configurations, or one
// run over a history that has grown or changed, never share one (a later run's metrics were
// taken for the earlier run's and dropped as already recorded).
std::string BacktestVersion(const ml::ForecastConfig& c, const ml::DailySeries& s) {
  std::string hidden, features;
  for (int h : c.hidden) hidden += fmt::format("{},", h);
  for (const std::string& f : c.features) features += f + ",";
  const std::string key = fmt::format(
      "window={};hidden={};dropout={};features={};epochs={};batch={};patience={};lr={};val={};"
      "folds={};test_fraction={}",
      c.window, hidden, c.dropout, features, c.train.max_epochs, c.train.batch_size,
      c.train.patience, c.train.learning_rate, c.train.validation_fraction, c.folds,
      c.test_fraction);
  uint64_t data = ml::Fnv1a(s.ticker);
  auto add = [&data](const auto& v) {
    data = ml::Fnv1a(
        std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(v[0])), data);
  };
  add(s.days);
  add(s.close);
  add(s.avg_price);
  add(s.volume);
  return fmt::format("backtest-seed{}-{:08x}-{:08x}", c.train.seed, ml::Fnv1a(key) & 0xffffffffULL,
                     data & 0xffffffffULL);
}

void AddMetricRows(const std::string& version, const std::string& ticker, const std::string& split,
                   const ml::ForecastMetrics& lstm, const ml::ForecastMetrics& persistence,
                   const ml::ForecastMetrics& drift, double skill, int64_t now,
                   std::vector<pipeline::ModelMetricRow>* rows) {
  auto add = [&](const char* metric, double ours, const char* baseline, double base) {
    rows->push_back({now, "forecast", version, ticker, split, metric, ours, baseline, base});
  };
  for (const auto& [name, base] : {std::pair<const char*, const ml::ForecastMetrics*>{"persistence", &persistence},
                                   {"drift", &drift}}) {
    add("mae", lstm.mae, name, base->mae);
    add("rmse", lstm.rmse, name, base->rmse);
    add("mape", lstm.mape, name, base->mape);
    add("directional_accuracy", lstm.directional_accuracy, name, base->directional_accuracy);
  }
  add("skill_mae", skill, "persistence", 1.0);
  add("test_days", lstm.n, "persistence", persistence.n);
}

Status AppendTables(const ForecastArgs& a, std::shared_ptr<io::FileSystem> fs,
                    const std::vector<pipeline::ModelMetricRow>& metrics, const std::vector<ml::Forecast>& forecasts) {
  if (!metrics.empty()) {
    FL_ASSIGN_OR_RETURN(auto m, pipeline::AppendModelMetrics(fs, a.lake, metrics));
    pipeline::PrintMetricsAppend(m, a.lake);
  }
  if (!forecasts.empty()) {
    FL_ASSIGN_OR_RETURN(auto r, pipeline::AppendPredictions(fs, a.lake, forecasts, pipeline::WallMicros()));
    if (r.appended + r.replaced > 0) {
      std::string what;
      if (r.appended > 0) {
        what = fmt::format("{} forecast{} appended", r.appended, r.appended == 1 ? "" : "s");
      }
      if (r.replaced > 0) {
        what += fmt::format(
            "{}{} stored forecast{} for the same day and model replaced (the input changed)",
            what.empty() ? "" : ", ", r.replaced, r.replaced == 1 ? "" : "s");
      }
      std::printf("%s in %s (v%lld)%s\n", what.c_str(), pipeline::PredictionsPath(a.lake).c_str(),
                  static_cast<long long>(r.version),
                  r.already_present > 0
                      ? fmt::format("; {} already there", r.already_present).c_str()
                      : "");
    } else {
      std::printf("forecasts already in %s (same day and model): nothing appended\n",
                  pipeline::PredictionsPath(a.lake).c_str());
    }
  }
  return Status::OK();
}

void PrintForecasts(const std::vector<ml::Forecast>& fs) {
  if (fs.empty()) return;
  std::printf("\n%-10s %-10s %-10s %-11s %12s %12s %12s  %s\n", "ticker", "as of", "target", "served", "forecast",
              "persistence", "lstm", "model");
  for (const ml::Forecast& f : fs) {
    std::printf("%-10s %-10s %-10s %-11s %12.4f %12.4f %12.4f  %s\n", f.ticker.c_str(),
                columnar::FormatDate(f.as_of_day).c_str(), columnar::FormatDate(f.target_day).c_str(), f.served.c_str(),
                f.predicted_close, f.baseline_close, f.lstm_close, f.model_version.c_str());
  }
}

Status Train(const ForecastArgs& a) {
  FL_ASSIGN_OR_RETURN(ml::ForecastConfig config, ToConfig(a));
  auto fs = io::PosixFileSystem();
  FL_ASSIGN_OR_RETURN(pipeline::DailySeriesSet set, LoadSeries(a, fs));
  const std::vector<std::string> labels = Labels(set.series);
  if (labels.empty()) return FailuresWithRead(set, {}, {});
  const int threads = std::min<int>(a.threads, static_cast<int>(labels.size()));
  std::printf("training %zu ticker%s: %s, window %d, features %s; %d thread%s\n", labels.size(),
              labels.size() == 1 ? "" : "s", config.Shape().Describe().c_str(), config.window, a.features.c_str(),
              threads, threads == 1 ? "" : "s");
  std::fflush(stdout);
  std::vector<std::optional<ml::ForecastModel>> models(labels.size());
  std::vector<std::optional<ml::Forecast>> forecasts(labels.size());
  const int64_t now = pipeline::WallMicros();
  const std::vector<Status> st = RunPerTicker("training", labels, a.threads, [&](size_t i) -> Status {
    const ml::DailySeries& s = set.series[i];
    // Where its model would go, before minutes of training for a name that cannot have one.
    FL_RETURN_NOT_OK(ml::ForecastModelDir(a.lake, s.ticker).status());
    FL_ASSIGN_OR_RETURN(ml::ForecastModel m, ml::TrainForecastModel(s, config));
    m.created_at_us = now;
    FL_RETURN_NOT_OK(ml::SaveForecastModel(*fs, a.lake, &m));
    FL_ASSIGN_OR_RETURN(ml::Forecast f, ml::ForecastNextDay(m, s, pipeline::NextTradingDay(s.asset_class, s.days.back())));
    forecasts[i] = f;
    models[i] = std::move(m);
    return Status::OK();
  });
  std::printf("\n%-10s %6s %-23s %6s %12s %12s %7s %-11s %s\n", "ticker", "rows", "history", "epochs", "val MAE",
              "persist MAE", "skill", "served", "version");
  std::vector<pipeline::ModelMetricRow> rows;
  std::vector<ml::Forecast> served;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (!models[i]) continue;
    const ml::ForecastModel& m = *models[i];
    std::printf("%-10s %6zu %-23s %6d %12s %12s %7s %-11s %s\n", m.ticker.c_str(), m.rows,
                (columnar::FormatDate(m.first_day) + ".." + columnar::FormatDate(m.last_day)).c_str(),
                m.training.epochs_run, FmtMetric(m.lstm.mae).c_str(), FmtMetric(m.persistence.mae).c_str(),
                FmtMetric(m.skill, 3).c_str(), m.served.c_str(), m.version.c_str());
    AddMetricRows(m.version, m.ticker, "validation", m.lstm, m.persistence, m.drift, m.skill, now, &rows);
    served.push_back(*forecasts[i]);
  }
  PrintForecasts(served);
  if (!a.no_tables) FL_RETURN_NOT_OK(AppendTables(a, fs, rows, served));
  return FailuresWithRead(set, labels, st);
}

Status Predict(const ForecastArgs& a) {
  auto fs = io::PosixFileSystem();
  // Without --ticker: every ticker with a model, and the prices of all (a model trained from a
  // --csv need not have prices in Gold: it is left out with a note, not failed).
  std::vector<std::string> tickers = a.tickers;
  const bool listed = tickers.empty();
  if (listed) {
    FL_ASSIGN_OR_RETURN(tickers, ml::ListForecastTickers(*fs, a.lake));
    if (tickers.empty()) {
      return Status::NotFound(fmt::format("no forecast models in {}/models (run `financelake train` first)", a.lake));
    }
  }
  FL_ASSIGN_OR_RETURN(pipeline::DailySeriesSet set, LoadSeries(a, fs));
  std::vector<ml::Forecast> out;
  std::vector<Status> st;
  std::vector<std::string> labels;
  std::vector<std::string> no_prices;  // listed models without prices
  for (const std::string& t : tickers) {
    auto s = std::find_if(set.series.begin(), set.series.end(), [&](const ml::DailySeries& x) { return x.ticker == t; });
    if (listed && s == set.series.end() && !set.failed.contains(t)) {
      no_prices.push_back(t);
      continue;
    }
    labels.push_back(t);
    if (s == set.series.end()) {
      auto bad = set.failed.find(t);
      st.push_back(bad != set.failed.end()
                       ? bad->second
                       : Status::NotFound(fmt::format("{}: no daily prices to forecast from", t)));
      continue;
    }
    auto m = ml::LoadForecastModel(*fs, a.lake, t);
    if (!m.ok()) {
      st.push_back(m.status());
      continue;
    }
    if (s->days.back() < m->last_day) {  // the model has seen the days after this history
      st.push_back(Status::FailedPrecondition(fmt::format(
          "{}: the history ends {}, before the end of the model's training data ({}): a forecast "
          "from it would be made with knowledge of the future; give the history up to date",
          t, columnar::FormatDate(s->days.back()), columnar::FormatDate(m->last_day))));
      continue;
    }
    auto f = ml::ForecastNextDay(*m, *s, pipeline::NextTradingDay(s->asset_class, s->days.back()));
    if (!f.ok()) {
      st.push_back(f.status());
      continue;
    }
    out.push_back(*f);
    st.push_back(Status::OK());
  }
  const std::string source = a.csv.empty() ? pipeline::DailyPricesPath(a.lake) : a.csv;
  if (!no_prices.empty() && labels.empty()) {
    return Status::NotFound(
        fmt::format("none of the tickers with a model ({}) has daily prices in {}",
                    fmt::join(no_prices, ","), source));
  }
  if (!no_prices.empty()) {
    std::fprintf(
        stderr,
        "note: no daily prices for %s in %s: left out (give --csv, or --ticker to insist)\n",
        fmt::format("{}", fmt::join(no_prices, ",")).c_str(), source.c_str());
  }
  PrintForecasts(out);
  if (!a.no_tables) FL_RETURN_NOT_OK(AppendTables(a, fs, {}, out));
  return Failures(labels, st);
}

Json MetricsJson(const ml::ForecastMetrics& m) {
  Json o = Json::Object();
  o.Set("n", Json::Int(m.n));
  for (const auto& [k, v] : {std::pair<const char*, double>{"mae", m.mae}, {"rmse", m.rmse}, {"mape", m.mape},
                             {"directional_accuracy", m.directional_accuracy}}) {
    o.Set(k, std::isnan(v) ? Json::Null() : Json::Double(v));
  }
  return o;
}

Status Backtest(const ForecastArgs& a) {
  FL_ASSIGN_OR_RETURN(ml::ForecastConfig config, ToConfig(a));
  auto fs = io::PosixFileSystem();
  FL_ASSIGN_OR_RETURN(pipeline::DailySeriesSet set, LoadSeries(a, fs));
  const std::vector<std::string> labels = Labels(set.series);
  if (labels.empty()) return FailuresWithRead(set, {}, {});
  std::vector<std::optional<ml::BacktestResult>> results(labels.size());
  const std::vector<Status> st = RunPerTicker("backtesting", labels, a.threads, [&](size_t i) -> Status {
    FL_ASSIGN_OR_RETURN(results[i], ml::WalkForwardBacktest(set.series[i], config, a.folds));
    return Status::OK();
  });
  std::printf("model: %s, window %d, features %s\n\n", config.Shape().Describe().c_str(), config.window,
              a.features.c_str());
  Json json = Json::Array();
  std::vector<pipeline::ModelMetricRow> rows;
  std::string recorded;
  const int64_t now = pipeline::WallMicros();
  for (size_t i = 0; i < labels.size(); ++i) {
    if (!results[i]) continue;
    const ml::BacktestResult& r = *results[i];
    PrintBacktest(r);
    std::printf("\n");
    Json t = Json::Object();
    t.Set("ticker", Json::String(r.ticker));
    t.Set("lstm", MetricsJson(r.lstm));
    t.Set("persistence", MetricsJson(r.persistence));
    t.Set("drift", MetricsJson(r.drift));
    t.Set("skill", Json::Double(r.skill));
    t.Set("served", Json::String(ml::ServedForecaster(r.skill, r.lstm.n)));
    Json folds = Json::Array();
    for (const ml::BacktestFold& f : r.folds) {
      Json o = Json::Object();
      o.Set("fold", Json::Int(f.fold));
      o.Set("train_last_date", Json::String(columnar::FormatDate(f.train_last_day)));
      o.Set("test_first_date", Json::String(columnar::FormatDate(f.test_first_day)));
      o.Set("test_last_date", Json::String(columnar::FormatDate(f.test_last_day)));
      o.Set("epochs", Json::Int(f.training.epochs_run));
      o.Set("lstm", MetricsJson(f.lstm_metrics));
      o.Set("persistence", MetricsJson(f.persistence_metrics));
      o.Set("drift", MetricsJson(f.drift_metrics));
      folds.Push(std::move(o));
    }
    t.Set("folds", std::move(folds));
    json.Push(std::move(t));
    const std::string version = BacktestVersion(config, set.series[i]);
    AddMetricRows(version, r.ticker, "backtest", r.lstm, r.persistence, r.drift, r.skill, now,
                  &rows);
    recorded += fmt::format("{}: recorded as model version {}\n", r.ticker, version);
  }
  if (!a.json.empty()) FL_RETURN_NOT_OK(io::WriteFileAtomic(*fs, a.json, json.Dump() + "\n"));
  if (a.record) {
    FL_RETURN_NOT_OK(AppendTables(a, fs, rows, {}));
    std::printf("%s", recorded.c_str());
  }
  return FailuresWithRead(set, labels, st);
}

void AddDataFlags(CLI::App* cmd, const std::shared_ptr<ForecastArgs>& a) {
  cmd->add_option("--lake", a->lake, "lake directory (default ./lake): gold/daily_prices, models/, gold tables");
  cmd->add_option("--csv", a->csv, "daily prices from this CSV (Yahoo-style or long/wide tables) instead of Gold");
  cmd->add_option("--csv-ticker", a->csv_ticker, "the ticker of a single-ticker CSV whose name does not tell it");
  cmd->add_option("--ticker", a->tickers, "only these tickers (repeat or comma list; default: all)")->delimiter(',');
}

// train and backtest: tickers are trained in parallel (predict has no training to spread).
void AddThreadsFlag(CLI::App* cmd, const std::shared_ptr<ForecastArgs>& a) {
  cmd->add_option("--threads", a->threads, "tickers trained at once (default: the machine's cores)");
}

void AddModelFlags(CLI::App* cmd, const std::shared_ptr<ForecastArgs>& a) {
  cmd->add_option("--window", a->window, "days per input window (default 7)");
  cmd->add_option("--hidden", a->hidden, "LSTM layer sizes, comma list (default 64,32)");
  cmd->add_option("--dropout", a->dropout, "dropout between LSTM layers (default 0.2)");
  cmd->add_option("--features", a->features,
                  "comma list of avg_price, total_volume, return, volatility (default avg_price,total_volume)");
  cmd->add_option("--epochs", a->epochs, "maximum epochs; early stopping on the validation slice (default 50)");
  cmd->add_option("--batch-size", a->batch_size, "mini-batch size (default 32)");
  cmd->add_option("--patience", a->patience, "epochs without improvement before stopping (default 5)");
  cmd->add_option("--learning-rate", a->learning_rate, "Adam learning rate (default 0.001)");
  cmd->add_option("--seed", a->seed, "random seed: same data + seed = same model (default 42)");
  cmd->add_option("--test-fraction", a->test_fraction, "share of the windows the folds cover (default 0.2)");
}

}  // namespace

void RegisterForecastCommands(CLI::App& app, Action* action) {
  auto a = std::make_shared<ForecastArgs>();
  CLI::App* train = app.add_subcommand(
      "train", "train each ticker's next-day LSTM; serve it only where it beats persistence (-> models/, gold/)");
  AddDataFlags(train, a);
  AddThreadsFlag(train, a);
  AddModelFlags(train, a);
  train->add_option("--validation-folds", a->validation_folds, "walk-forward folds that decide what is served (default 3)");
  train->add_flag("--no-tables", a->no_tables, "do not append to gold/model_metrics and gold/predictions");
  train->callback([action, a] { *action = [a] { return Train(*a); }; });

  CLI::App* predict = app.add_subcommand("predict", "each ticker's served next-day forecast (-> gold/predictions)");
  AddDataFlags(predict, a);
  predict->add_flag("--no-tables", a->no_tables, "print only; do not append to gold/predictions");
  predict->callback([action, a] { *action = [a] { return Predict(*a); }; });

  CLI::App* backtest = app.add_subcommand(
      "backtest", "walk-forward backtest: LSTM vs persistence and drift (MAE, RMSE, MAPE, direction)");
  AddDataFlags(backtest, a);
  AddThreadsFlag(backtest, a);
  AddModelFlags(backtest, a);
  backtest->add_option("--folds", a->folds, "test folds (default 5)");
  backtest->add_option("--json", a->json, "also write the results as JSON to this file");
  backtest->add_flag("--record", a->record, "append the metrics to <lake>/gold/model_metrics");
  backtest->callback([action, a] { *action = [a] { return Backtest(*a); }; });
}

}  // namespace financelake::apps
