#include "financelake/ml/forecast_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "financelake/base/check.h"
#include "financelake/columnar/text_values.h"
#include "financelake/columnar/value.h"
#include "financelake/io/path.h"
#include "financelake/ml/model_dir.h"

namespace financelake::ml {
namespace {

static_assert(std::endian::native == std::endian::little, "weights.f32 is little-endian; add a byte swap");

constexpr std::string_view kFormat = "financelake-lstm-forecaster";
constexpr std::string_view kCurrent = "CURRENT";
constexpr std::string_view kWeightsFile = "weights.f32";

Json Num(double v) { return std::isfinite(v) ? Json::Double(v) : Json::Null(); }

double NumOr(const Json& o, std::string_view key, double fallback) {
  const Json* v = o.Find(key);
  if (v == nullptr) return fallback;
  if (v->is_null()) return std::nan("");
  return v->is_number() ? v->as_double() : fallback;
}

Json MetricsJson(const ForecastMetrics& m) {
  Json o = Json::Object();
  o.Set("n", Json::Int(m.n));
  o.Set("mae", Num(m.mae));
  o.Set("rmse", Num(m.rmse));
  o.Set("mape", Num(m.mape));
  o.Set("directional_accuracy", Num(m.directional_accuracy));
  return o;
}

ForecastMetrics MetricsFrom(const Json* o) {
  ForecastMetrics m;
  if (o == nullptr) return m;
  m.n = static_cast<int>(o->GetInt("n", 0));
  m.mae = NumOr(*o, "mae", 0);
  m.rmse = NumOr(*o, "rmse", 0);
  m.mape = NumOr(*o, "mape", 0);
  m.directional_accuracy = NumOr(*o, "directional_accuracy", 0);
  return m;
}

std::string WeightBytes(const LstmNetwork<float>& net) {
  const auto& p = net.params();
  return std::string(reinterpret_cast<const char*>(p.data()), static_cast<size_t>(p.size()) * sizeof(float));
}

// models/fraud holds the fraud model, in any case (case-insensitive filesystems).
bool NamesTheFraudModelDir(std::string_view t) {
  std::string lower(t);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower == "fraud";
}

bool ValidTicker(std::string_view t) {
  if (t.empty() || t.size() > 32 || t.front() == '.' || NamesTheFraudModelDir(t)) return false;
  return std::all_of(t.begin(), t.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '^' || c == '=';
  });
}

bool ValidVersion(std::string_view v) {
  if (v.size() != 17 || v.substr(0, 5) != "lstm-") return false;
  return std::all_of(v.begin() + 5, v.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

Json ForecastModel::Manifest() const {
  Json o = Json::Object();
  o.Set("format", Json::String(std::string(kFormat)));
  o.Set("format_version", Json::Int(kForecastModelFormatVersion));
  o.Set("version", Json::String(version));
  o.Set("ticker", Json::String(ticker));
  o.Set("asset_class", Json::String(asset_class));
  o.Set("created_at_us", Json::Int(created_at_us));
  o.Set("served", Json::String(served));
  Json arch = Json::Object();
  arch.Set("window", Json::Int(config.window));
  Json hidden = Json::Array();
  for (int h : config.hidden) hidden.Push(Json::Int(h));
  arch.Set("hidden", std::move(hidden));
  arch.Set("dropout", Json::Double(config.dropout));
  arch.Set("describe", Json::String(config.Shape().Describe()));
  o.Set("architecture", std::move(arch));
  Json feats = Json::Array();
  for (size_t f = 0; f < config.features.size(); ++f) {
    Json e = Json::Object();
    e.Set("name", Json::String(config.features[f]));
    e.Set("min", Json::Double(scaler.min[f]));
    e.Set("max", Json::Double(scaler.max[f]));
    if (config.features[f] == "avg_price") e.Set("definition", Json::String(avg_price_definition));
    feats.Push(std::move(e));
  }
  o.Set("features", std::move(feats));
  Json target = Json::Object();
  target.Set("name", Json::String("next_trading_day_close"));
  target.Set("min", Json::Double(scaler.target_min));
  target.Set("max", Json::Double(scaler.target_max));
  o.Set("target", std::move(target));
  Json train = Json::Object();
  train.Set("seed", Json::Int(static_cast<int64_t>(config.train.seed)));
  train.Set("max_epochs", Json::Int(config.train.max_epochs));
  train.Set("batch_size", Json::Int(config.train.batch_size));
  train.Set("patience", Json::Int(config.train.patience));
  train.Set("learning_rate", Json::Double(config.train.learning_rate));
  train.Set("validation_fraction", Json::Double(config.train.validation_fraction));
  train.Set("epochs_run", Json::Int(training.epochs_run));
  train.Set("best_epoch", Json::Int(training.best_epoch));
  train.Set("best_validation_mse", Num(training.best_validation_loss));
  train.Set("rows", Json::Int(static_cast<int64_t>(rows)));
  train.Set("first_date", Json::String(columnar::FormatDate(first_day)));
  train.Set("last_date", Json::String(columnar::FormatDate(last_day)));
  o.Set("training", std::move(train));
  Json val = Json::Object();
  val.Set("method", Json::String("walk-forward, expanding window"));
  val.Set("folds", Json::Int(validation_folds));
  val.Set("test_fraction", Json::Double(config.test_fraction));
  val.Set("lstm", MetricsJson(lstm));
  val.Set("persistence", MetricsJson(persistence));
  val.Set("drift", MetricsJson(drift));
  val.Set("skill_mae_vs_persistence", Num(skill));
  o.Set("validation", std::move(val));
  Json w = Json::Object();
  w.Set("file", Json::String(std::string(kWeightsFile)));
  w.Set("dtype", Json::String("float32-le"));
  w.Set("count", Json::Int(net ? static_cast<int64_t>(net->num_params()) : 0));
  w.Set("fnv1a", Json::String(net ? fmt::format("{:016x}", Fnv1a(WeightBytes(*net))) : ""));
  o.Set("weights", std::move(w));
  return o;
}

Result<ForecastModel> TrainForecastModel(const DailySeries& s, const ForecastConfig& config) {
  FL_ASSIGN_OR_RETURN(BacktestResult bt, WalkForwardBacktest(s, config, config.validation_folds));
  ForecastModel m;
  m.ticker = s.ticker;
  m.asset_class = s.asset_class;
  m.avg_price_definition = s.avg_price_definition;
  m.config = config;
  m.validation_folds = config.validation_folds;
  m.lstm = bt.lstm;
  m.persistence = bt.persistence;
  m.drift = bt.drift;
  m.skill = bt.skill;
  // Served only on enough evidence: a lower MAE over a handful of days is chance as often as
  // not (on 4-11 test days, LSTMs served this way then did worse than persistence).
  m.served = ServedForecaster(bt.skill, bt.lstm.n);
  const int n = static_cast<int>(s.size());
  const Eigen::MatrixXd raw = ComputeForecastFeatures(s, config.features);
  m.scaler = MinMaxScaler::Fit(raw, s.close, static_cast<size_t>(n - 1));
  WindowedSeries data;
  data.window = config.window;
  data.features = m.scaler.Transform(raw);
  data.target.resize(n);
  std::vector<int> samples;
  for (int d = 0; d < n; ++d) {
    data.target[d] = d + 1 < n ? static_cast<float>(m.scaler.ScaleTarget(s.close[d + 1])) : 0.0f;
    if (d >= config.window - 1 && d + 1 < n) samples.push_back(d);
  }
  m.net = std::make_unique<LstmNetwork<float>>(config.Shape());
  m.net->Initialize(config.train.seed);
  m.training = TrainLstm(m.net.get(), data, samples, config.train);
  if (m.training.best_epoch == 0 || !m.net->params().allFinite()) {
    // The final fit diverged: never serve it, whatever the validation folds said.
    m.served = "persistence";
  }
  m.first_day = s.days.front();
  m.last_day = s.days.back();
  m.rows = s.size();
  return m;
}

Result<Forecast> ForecastNextDay(ForecastModel& m, const DailySeries& s, int32_t target_day) {
  if (m.net == nullptr) return Status::FailedPrecondition(fmt::format("{}: the model has no network", s.ticker));
  constexpr int32_t kLastDay = 2932896;  // 9999-12-31, the last date Delta and SQL hold
  if (target_day > kLastDay) {
    return Status::InvalidArgument(
        fmt::format("{}: the history ends on {}; the day after it is past 9999-12-31", s.ticker,
                    s.days.empty() ? std::string("?") : columnar::FormatDate(s.days.back())));
  }
  FL_RETURN_NOT_OK(ValidateDailySeries(s, m.config.features, static_cast<size_t>(m.config.window)));
  // A shorter history would give the window's first days other returns or volatilities than the
  // whole history does (the first return 0, a volatility of fewer returns): another forecast,
  // which then replaced the right one in gold/predictions.
  const size_t warmup = FeatureWarmupDays(m.config.features);
  if (s.size() < static_cast<size_t>(m.config.window) + warmup) {
    return Status::FailedPrecondition(fmt::format(
        "{}: {} days of history; model {} needs {} ({} for its window, {} more before it for its "
        "return/volatility features)",
        s.ticker, s.size(), m.version, static_cast<size_t>(m.config.window) + warmup,
        m.config.window, warmup));
  }
  // A coin's model for a stock of the same ticker (or the reverse): other prices, another
  // calendar for the target day.
  if (!m.asset_class.empty() && m.asset_class != s.asset_class) {
    return Status::FailedPrecondition(fmt::format(
        "{}: model {} was trained on {} prices, but this series is {}; train a model on it",
        s.ticker, m.version, m.asset_class, s.asset_class));
  }
  const bool uses_avg = std::find(m.config.features.begin(), m.config.features.end(),
                                  "avg_price") != m.config.features.end();
  if (uses_avg && m.avg_price_definition != s.avg_price_definition) {
    return Status::FailedPrecondition(
        m.avg_price_definition.empty()
            ? fmt::format("{}: model {} does not record what its avg_price feature was (it was "
                          "trained before that was recorded); retrain it",
                          s.ticker, m.version)
            : fmt::format(
                  "{}: model {} was trained with avg_price = {}, but this source gives {} (a CSV "
                  "without high/low gives the close); forecast from a source like the training "
                  "one, or retrain",
                  s.ticker, m.version, m.avg_price_definition, s.avg_price_definition));
  }
  const Eigen::MatrixXd raw = ComputeForecastFeatures(s, m.config.features);
  WindowedSeries data;
  data.window = m.config.window;
  data.features = m.scaler.Transform(raw);
  const int last = static_cast<int>(s.size()) - 1;
  Forecast f;
  f.ticker = s.ticker;
  f.as_of_day = s.days.back();
  f.target_day = target_day;
  f.lstm_close = m.scaler.UnscaleTarget(PredictWindows(m.net.get(), data, {last})[0]);
  f.baseline_close = s.close.back();
  f.served = std::isfinite(f.lstm_close) ? m.served : "persistence";
  f.predicted_close = f.served == "lstm" ? f.lstm_close : f.baseline_close;
  f.model_version = m.version;
  return f;
}

Result<std::string> ForecastModelDir(std::string_view lake, std::string_view ticker) {
  if (NamesTheFraudModelDir(ticker)) {
    return Status::InvalidArgument(fmt::format(
        "'{}': no forecast model can have this name (models/fraud holds the fraud model)", ticker));
  }
  if (!ValidTicker(ticker)) {
    return Status::InvalidArgument(fmt::format("'{}' is not a ticker (letters, digits, . - _ ^ =; at most 32)", ticker));
  }
  return io::JoinPath(io::JoinPath(lake, "models"), ticker);
}

Status SaveForecastModel(io::FileSystem& fs, std::string_view lake, ForecastModel* m) {
  FL_ASSIGN_OR_RETURN(const std::string root, ForecastModelDir(lake, m->ticker));
  const std::string weights = WeightBytes(*m->net);
  m->version.clear();
  const int64_t created = m->created_at_us;
  m->created_at_us = 0;  // the version names the content, not the moment
  const uint64_t h = Fnv1a(m->Manifest().Dump(), Fnv1a(weights));
  m->created_at_us = created;
  m->version = fmt::format("lstm-{:012x}", h & 0xffffffffffffULL);
  FL_RETURN_NOT_OK(PublishModelDir(fs, root, m->version,
                                   {{std::string(kWeightsFile), weights}, {"manifest.json", m->Manifest().Dump()}}));
  return WriteModelPointer(fs, root, kCurrent, m->version);
}

Result<ForecastModel> LoadForecastModel(io::FileSystem& fs, std::string_view lake, std::string_view ticker,
                                        const std::string& version) {
  FL_ASSIGN_OR_RETURN(const std::string root, ForecastModelDir(lake, ticker));
  std::string v = version;
  if (v.empty()) {
    auto current = ReadModelPointer(fs, root, kCurrent);
    if (!current.ok()) {
      if (current.status().IsNotFound()) {
        return Status::NotFound(fmt::format("{}: no forecast model in {} (run `financelake train --ticker {}`)", ticker,
                                            lake, ticker));
      }
      return current.status();
    }
    v = *current;
  }
  if (!ValidVersion(v)) return Status::InvalidArgument(fmt::format("'{}' is not a forecast model version (lstm-<12 hex>)", v));
  const std::string dir = io::JoinPath(root, v);
  auto bad = [&](const std::string& what) { return Status::InvalidArgument(fmt::format("{}: {}", dir, what)); };
  auto text = fs.ReadFile(io::JoinPath(dir, "manifest.json"));
  if (!text.ok()) {
    if (text.status().IsNotFound()) return Status::NotFound(fmt::format("forecast model {} not found in {}", v, root));
    return text.status();
  }
  auto j = Json::Parse(*text);
  if (!j.ok()) return bad("manifest.json: " + j.status().message());
  if (j->GetString("format", "") != kFormat) return bad("manifest.json is not a forecast model manifest");
  if (j->GetInt("format_version", -1) != kForecastModelFormatVersion) {
    return bad(fmt::format("format_version {} is not {}", j->GetInt("format_version", -1), kForecastModelFormatVersion));
  }
  ForecastModel m;
  m.version = j->GetString("version", "");
  if (m.version != v) return bad("manifest names version " + m.version);
  m.ticker = j->GetString("ticker", "");
  if (m.ticker != ticker) return bad(fmt::format("the manifest is for ticker '{}', not '{}'", m.ticker, ticker));
  m.asset_class = j->GetString("asset_class", "stock");
  m.created_at_us = j->GetInt("created_at_us", 0);
  m.served = j->GetString("served", "");
  if (m.served != "lstm" && m.served != "persistence") return bad("served must be lstm or persistence");
  const Json* arch = j->Find("architecture");
  const Json* feats = j->Find("features");
  const Json* target = j->Find("target");
  const Json* train = j->Find("training");
  const Json* weights = j->Find("weights");
  if (arch == nullptr || feats == nullptr || !feats->is_array() || target == nullptr || train == nullptr ||
      weights == nullptr) {
    return bad("manifest.json lacks architecture, features, target, training or weights");
  }
  const Json* window = arch->Find("window");
  if (window == nullptr || !window->is_int() || window->as_int() < 1 || window->as_int() > 1000) {
    return bad("window must be an integer in 1..1000");
  }
  m.config.window = static_cast<int>(window->as_int());
  m.config.hidden.clear();
  if (const Json* h = arch->Find("hidden"); h != nullptr && h->is_array()) {
    for (const Json& e : h->items()) {
      if (!e.is_int() || e.as_int() < 1 || e.as_int() > 4096) return bad("hidden sizes must be integers in 1..4096");
      m.config.hidden.push_back(static_cast<int>(e.as_int()));
    }
  }
  m.config.dropout = NumOr(*arch, "dropout", 0);
  m.config.features.clear();
  for (const Json& f : feats->items()) {
    m.config.features.push_back(f.GetString("name", ""));
    if (m.config.features.back() == "avg_price") {
      m.avg_price_definition = f.GetString("definition", "");
    }
    m.scaler.min.push_back(NumOr(f, "min", std::nan("")));
    m.scaler.max.push_back(NumOr(f, "max", std::nan("")));
  }
  m.scaler.target_min = NumOr(*target, "min", std::nan(""));
  m.scaler.target_max = NumOr(*target, "max", std::nan(""));
  auto good_range = [](double lo, double hi) { return std::isfinite(lo) && std::isfinite(hi) && lo <= hi; };
  if (!good_range(m.scaler.target_min, m.scaler.target_max)) return bad("the target scaler needs finite min <= max");
  for (size_t f = 0; f < m.scaler.min.size(); ++f) {
    if (!good_range(m.scaler.min[f], m.scaler.max[f])) {
      return bad(fmt::format("feature '{}' needs a finite scaler min <= max", m.config.features[f]));
    }
  }
  m.config.train.seed = static_cast<uint64_t>(train->GetInt("seed", 0));
  m.config.train.max_epochs = static_cast<int>(train->GetInt("max_epochs", 1));
  m.config.train.batch_size = static_cast<int>(train->GetInt("batch_size", 32));
  m.config.train.patience = static_cast<int>(train->GetInt("patience", 5));
  m.config.train.learning_rate = NumOr(*train, "learning_rate", 1e-3);
  m.config.train.validation_fraction = NumOr(*train, "validation_fraction", 0.1);
  m.training.epochs_run = static_cast<int>(train->GetInt("epochs_run", 0));
  m.training.best_epoch = static_cast<int>(train->GetInt("best_epoch", 0));
  m.training.best_validation_loss = NumOr(*train, "best_validation_mse", 0);
  m.rows = static_cast<size_t>(train->GetInt("rows", 0));
  for (auto [key, day] : {std::pair<const char*, int32_t*>{"first_date", &m.first_day}, {"last_date", &m.last_day}}) {
    auto d = columnar::ParseValue(train->GetString(key, ""), columnar::DataType::Date());
    if (!d.ok()) return bad(fmt::format("training.{} is not a date", key));
    *day = static_cast<int32_t>(d->as_int());
  }
  if (const Json* val = j->Find("validation"); val != nullptr) {
    m.validation_folds = static_cast<int>(val->GetInt("folds", 0));
    m.config.validation_folds = std::max(1, m.validation_folds);
    m.config.test_fraction = NumOr(*val, "test_fraction", 0.2);
    m.lstm = MetricsFrom(val->Find("lstm"));
    m.persistence = MetricsFrom(val->Find("persistence"));
    m.drift = MetricsFrom(val->Find("drift"));
    m.skill = NumOr(*val, "skill_mae_vs_persistence", 0);
  }
  if (Status st = m.config.Validate(); !st.ok()) return bad(st.message());
  FL_ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(io::JoinPath(dir, std::string(kWeightsFile))));
  // The parameter count from the shape, before allocating anything of that size.
  size_t want = 0;
  int in = static_cast<int>(m.config.features.size());
  for (int h : m.config.hidden) {
    want += 4 * static_cast<size_t>(h) * static_cast<size_t>(in + h + 1);
    in = h;
  }
  want += static_cast<size_t>(in) + 1;
  if (weights->GetInt("count", -1) != static_cast<int64_t>(want) || bytes.size() != want * sizeof(float)) {
    return bad(fmt::format("{} holds {} bytes; the architecture needs {} float32 weights", kWeightsFile, bytes.size(), want));
  }
  if (weights->GetString("fnv1a", "") != fmt::format("{:016x}", Fnv1a(bytes))) {
    return bad(fmt::format("{} fails its checksum (damaged or replaced)", kWeightsFile));
  }
  m.net = std::make_unique<LstmNetwork<float>>(m.config.Shape());
  FL_CHECK(m.net->num_params() == want);
  std::memcpy(m.net->params().data(), bytes.data(), bytes.size());
  if (!m.net->params().allFinite()) return bad(fmt::format("{} holds non-finite weights", kWeightsFile));
  // The version names manifest and weights: anything edited by hand no longer matches it.
  const int64_t created = m.created_at_us;
  m.version.clear();
  m.created_at_us = 0;
  const uint64_t h = Fnv1a(m.Manifest().Dump(), Fnv1a(bytes));
  m.version = v;
  m.created_at_us = created;
  if (fmt::format("lstm-{:012x}", h & 0xffffffffffffULL) != v) {
    return bad("manifest.json does not match its version (edited by hand?); retrain the ticker");
  }
  return m;
}

Result<std::vector<std::string>> ListForecastTickers(io::FileSystem& fs, std::string_view lake) {
  const std::string models = io::JoinPath(lake, "models");
  FL_ASSIGN_OR_RETURN(bool exists, fs.Exists(models));
  std::vector<std::string> out;
  if (!exists) return out;
  FL_ASSIGN_OR_RETURN(auto entries, fs.ListDirNames(models));
  for (const auto& e : entries) {
    if (!ValidTicker(e.name)) continue;
    FL_ASSIGN_OR_RETURN(bool has, fs.Exists(io::JoinPath(io::JoinPath(models, e.name), std::string(kCurrent))));
    if (has) out.push_back(e.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace financelake::ml
