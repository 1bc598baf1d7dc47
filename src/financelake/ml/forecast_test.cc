#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "financelake/columnar/value.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/ml/forecast_backtest.h"
#include "financelake/ml/forecast_model.h"

namespace financelake::ml {
namespace {

int32_t Day(int y, int m, int d) { return columnar::DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)); }

// A Yahoo-style daily CSV from the shared fixtures (Date,Open,High,Low,Close,Adj Close,Volume),
// rows with a null close skipped; at most `limit` rows from `skip`.
DailySeries LoadYahoo(const std::string& name, const std::string& ticker, size_t skip = 0, size_t limit = 1 << 30) {
  DailySeries s;
  s.ticker = ticker;
  std::ifstream in(std::string(FL_SOURCE_DIR) + "/../shared/fixtures/stocks_daily/" + name);
  std::string line;
  std::getline(in, line);
  size_t row = 0;
  while (std::getline(in, line) && s.size() < limit) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) f.push_back(cell);
    if (f.size() < 7 || f[4] == "null" || f[4].empty()) continue;
    if (row++ < skip) continue;
    s.days.push_back(Day(std::stoi(f[0].substr(0, 4)), std::stoi(f[0].substr(5, 2)), std::stoi(f[0].substr(8, 2))));
    const double high = std::stod(f[2]), low = std::stod(f[3]), close = std::stod(f[4]);
    s.close.push_back(close);
    s.avg_price.push_back((high + low + close) / 3);
    s.volume.push_back(std::stod(f[6]));
  }
  return s;
}

// Weekdays from 2020-01-06 with closes from `price(i)`.
template <typename F>
DailySeries Synthetic(const std::string& ticker, int n, F price) {
  DailySeries s;
  s.ticker = ticker;
  int32_t day = Day(2020, 1, 6);
  for (int i = 0; i < n; ++i) {
    s.days.push_back(day);
    day += (day + 4) % 7 == 4 ? 3 : 1;  // Friday -> Monday (1970-01-01 was a Thursday)
    const double p = price(i);
    s.close.push_back(p);
    s.avg_price.push_back(p * 0.999);
    s.volume.push_back(1e6 + 1e4 * (i % 7));
  }
  return s;
}

ForecastConfig SmallConfig() {
  ForecastConfig c;
  c.hidden = {8, 4};
  c.train.max_epochs = 6;
  c.folds = 3;
  c.validation_folds = 2;
  return c;
}

TEST(ForecastMetricsTest, KnownValues) {
  // previous 10; actual 11, 9, 10; predicted 12 (up, right), 10.5 (up, wrong), 9 (a call on a flat day).
  const ForecastMetrics m = MeasureForecast({12, 10.5, 9}, {11, 9, 10}, {10, 10, 10});
  EXPECT_EQ(m.n, 3);
  EXPECT_DOUBLE_EQ(m.mae, (1 + 1.5 + 1) / 3);
  EXPECT_DOUBLE_EQ(m.rmse, std::sqrt((1 + 2.25 + 1) / 3));
  EXPECT_DOUBLE_EQ(m.mape, 100 * (1.0 / 11 + 1.5 / 9 + 1.0 / 10) / 3);
  EXPECT_DOUBLE_EQ(m.directional_accuracy, 0.5);  // of the two days that moved
  // Persistence never calls a direction.
  EXPECT_TRUE(std::isnan(MeasureForecast({10, 10}, {11, 9}, {10, 10}).directional_accuracy));
}

TEST(ForecastSeriesTest, BadHistoriesAreNamed) {
  const auto feats = DefaultForecastFeatures();
  DailySeries s = Synthetic("ABC", 60, [](int i) { return 100.0 + i; });
  EXPECT_TRUE(ValidateDailySeries(s, feats, 50).ok());
  auto msg = [&](const DailySeries& x, size_t min_rows = 10) { return ValidateDailySeries(x, feats, min_rows).message(); };
  EXPECT_EQ(msg(s, 100), "ABC: 60 rows; at least 100 are needed");
  DailySeries nan = s;
  nan.close[5] = std::nan("");
  EXPECT_EQ(msg(nan), "ABC: close is nan on 2020-01-13");
  DailySeries dup = s;
  dup.days[3] = dup.days[2];
  EXPECT_EQ(msg(dup), "ABC: 2020-01-08 appears twice");
  DailySeries neg = s;
  neg.volume[0] = -1;
  EXPECT_EQ(msg(neg), "ABC: volume is -1 on 2020-01-06");
  DailySeries novol = s;
  novol.volume.clear();
  EXPECT_EQ(msg(novol), "ABC: no volume for every day (a day without one, or no Volume column): leave "
                        "total_volume out of --features (e.g. --features avg_price,return)");
  EXPECT_TRUE(ValidateDailySeries(novol, {"avg_price", "return"}, 10).ok());
  // Found by a hunt: finite closes whose return is not (1e300 after 1e-300) trained a model
  // that could be saved but never loaded (its scaler's max was inf).
  DailySeries jump = s;
  jump.close[7] = 1e-300;
  jump.close[8] = 1e300;
  jump.avg_price[7] = 1e-300;
  jump.avg_price[8] = 1e300;
  EXPECT_EQ(ValidateDailySeries(jump, {"avg_price", "return"}, 10).message(),
            "ABC: feature return is inf on 2020-01-16 (close 1e+300 after 1e-300): leave it out "
            "of --features");
  EXPECT_TRUE(ValidateDailySeries(jump, feats, 10).ok());
  EXPECT_EQ(ValidateForecastFeatures({"avg_price", "rsi"}).message(),
            "unknown feature 'rsi' (known: avg_price, total_volume, return, volatility)");
  ForecastConfig c;
  c.dropout = 1;
  EXPECT_EQ(c.Validate().message(), "dropout must be in [0, 1), got 1");
  auto r = WalkForwardBacktest(Synthetic("TINY", 20, [](int i) { return 10.0 + i; }), SmallConfig(), 3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "TINY: 20 rows; at least 41 are needed");
}

TEST(ForecastSeriesTest, ScalerSeesOnlyTheTrainingPrefix) {
  DailySeries s = Synthetic("ABC", 10, [](int i) { return 10.0 + i; });
  const Eigen::MatrixXd raw = ComputeForecastFeatures(s, {"avg_price", "return", "volatility"});
  const MinMaxScaler sc = MinMaxScaler::Fit(raw, s.close, 4);
  EXPECT_DOUBLE_EQ(sc.target_min, 10);
  EXPECT_DOUBLE_EQ(sc.target_max, 14);  // day 4, not the later 19
  EXPECT_DOUBLE_EQ(sc.UnscaleTarget(sc.ScaleTarget(17.5)), 17.5);
  EXPECT_DOUBLE_EQ(raw(1, 0), 0);             // no return on the first day
  EXPECT_DOUBLE_EQ(raw(1, 3), 13.0 / 12 - 1);  // close / previous close - 1
  EXPECT_GT(raw(2, 3), 0);
}

TEST(ForecastBacktestTest, DeterministicWithASeed) {
  const DailySeries s = LoadYahoo("mplfinance/yahoofinance-SPY-20080101-20180101.csv", "SPY", 0, 400);
  const ForecastConfig c = SmallConfig();
  auto a = WalkForwardBacktest(s, c, 3);
  auto b = WalkForwardBacktest(s, c, 3);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok());
  for (size_t k = 0; k < a->folds.size(); ++k) {
    EXPECT_EQ(a->folds[k].lstm, b->folds[k].lstm);
    EXPECT_EQ(a->folds[k].training.train_loss, b->folds[k].training.train_loss);
  }
  ForecastConfig other = c;
  other.train.seed = 7;
  auto d = WalkForwardBacktest(s, other, 3);
  ASSERT_TRUE(d.ok());
  EXPECT_NE(a->folds[0].lstm, d->folds[0].lstm);
}

// Poisoning the future (prices of 1e9 from the last fold's first target on) changes nothing
// that earlier folds saw or produced, nor the last fold's training: only its test scores.
TEST(ForecastBacktestTest, PoisonedFutureDoesNotLeakIntoEarlierFolds) {
  const DailySeries s = LoadYahoo("mplfinance/yahoofinance-AAPL-20040819-20180120.csv", "AAPL", 1000, 500);
  ForecastConfig c = SmallConfig();
  c.features = {"avg_price", "total_volume", "return", "volatility"};
  auto clean = WalkForwardBacktest(s, c, 4);
  ASSERT_TRUE(clean.ok()) << clean.status().ToString();
  const int32_t cut = clean->folds.back().test_first_day;
  DailySeries poisoned = s;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.days[i] >= cut) {
      poisoned.close[i] = poisoned.avg_price[i] = 1e9;
      poisoned.volume[i] = 1e15;
    }
  }
  auto dirty = WalkForwardBacktest(poisoned, c, 4);
  ASSERT_TRUE(dirty.ok());
  ASSERT_EQ(clean->folds.size(), 4u);
  for (size_t k = 0; k + 1 < clean->folds.size(); ++k) {
    const BacktestFold& x = clean->folds[k];
    const BacktestFold& y = dirty->folds[k];
    EXPECT_EQ(x.training.train_loss, y.training.train_loss) << "fold " << k + 1;
    EXPECT_EQ(x.training.validation_loss, y.training.validation_loss) << "fold " << k + 1;
    EXPECT_EQ(x.lstm, y.lstm) << "fold " << k + 1;
    EXPECT_EQ(x.actual, y.actual) << "fold " << k + 1;
  }
  EXPECT_EQ(clean->folds.back().training.train_loss, dirty->folds.back().training.train_loss);
  EXPECT_NE(clean->folds.back().actual, dirty->folds.back().actual);  // the poison did land
}

// Real histories: the baselines are what they must be, the LSTM's scores are sane, and the skill
// (which decides what is served: ServesTheLstmOnlyWhenItBeatsPersistence) is the MAE ratio.
TEST(ForecastBacktestTest, RealHistoriesGiveSaneMetricsAndTheSkillRatio) {
  struct Case {
    const char* file;
    const char* ticker;
  };
  const Case cases[] = {
      {"mplfinance/yahoofinance-AAPL-20040819-20180120.csv", "AAPL"},
      {"mplfinance/yahoofinance-GOOG-20040819-20180120.csv", "GOOG"},
      {"mplfinance/yahoofinance-INTC-19950101-20040412.csv", "INTC"},
      {"mplfinance/yahoofinance-SPY-20080101-20180101.csv", "SPY"},
  };
  ForecastConfig c;  // the default architecture
  c.train.max_epochs = 4;
  c.validation_folds = 2;
  for (const Case& k : cases) {
    const DailySeries s = LoadYahoo(k.file, k.ticker);
    ASSERT_GT(s.size(), 2000u) << k.ticker;
    auto r = WalkForwardBacktest(s, c, 3);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    // Persistence MAE computed here independently over the same target days.
    double abs = 0;
    int n = 0;
    for (size_t i = 1; i < s.size(); ++i) {
      if (s.days[i] >= r->folds.front().test_first_day) {
        abs += std::abs(s.close[i] - s.close[i - 1]);
        ++n;
      }
    }
    EXPECT_EQ(r->persistence.n, n) << k.ticker;
    EXPECT_NEAR(r->persistence.mae, abs / n, 1e-9) << k.ticker;
    EXPECT_LT(r->persistence.mape, 5) << k.ticker;  // daily moves are a few percent
    EXPECT_TRUE(std::isfinite(r->lstm.mae) && r->lstm.mae > 0) << k.ticker;
    EXPECT_LT(r->lstm.mape, 50) << k.ticker;  // a trained network, not noise
    EXPECT_GE(r->lstm.directional_accuracy, 0);
    EXPECT_LE(r->lstm.directional_accuracy, 1);
    EXPECT_GT(r->drift.directional_accuracy, 0.3) << k.ticker;
    EXPECT_NEAR(r->skill, r->lstm.mae / r->persistence.mae, 1e-12);
    // Test folds tile the last fifth of the history in order.
    for (size_t f = 1; f < r->folds.size(); ++f) {
      EXPECT_GT(r->folds[f].test_first_day, r->folds[f - 1].test_last_day);
      EXPECT_GT(r->folds[f].training.train_samples, r->folds[f - 1].training.train_samples);  // expanding
    }
  }
}

TEST(ForecastModelTest, ServesTheLstmOnlyWhenItBeatsPersistence) {
  ForecastConfig c = SmallConfig();
  c.hidden = {16, 8};
  c.dropout = 0;
  c.train.max_epochs = 60;
  c.train.learning_rate = 0.01;
  // A regular zig-zag: persistence is always off by the swing, the network learns it.
  auto zigzag = TrainForecastModel(Synthetic("ZIG", 300, [](int i) { return 100.0 + (i % 2 == 0 ? 5 : -5); }), c);
  ASSERT_TRUE(zigzag.ok()) << zigzag.status().ToString();
  EXPECT_LT(zigzag->skill, 0.5);
  EXPECT_EQ(zigzag->served, "lstm");
  // A random walk: nothing to learn, persistence is served.
  std::mt19937_64 rng(5);
  double p = 100;
  std::vector<double> walk;
  for (int i = 0; i < 300; ++i) walk.push_back(p *= std::exp(((rng() >> 11) * 0x1.0p-53 - 0.5) * 0.04));
  auto rw = TrainForecastModel(Synthetic("WALK", 300, [&](int i) { return walk[i]; }), c);
  ASSERT_TRUE(rw.ok());
  EXPECT_GE(rw->skill, 1);
  EXPECT_EQ(rw->served, "persistence");
  auto f = ForecastNextDay(*rw, Synthetic("WALK", 300, [&](int i) { return walk[i]; }), 12345);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->served, "persistence");
  EXPECT_DOUBLE_EQ(f->predicted_close, walk.back());
  EXPECT_DOUBLE_EQ(f->baseline_close, walk.back());
  EXPECT_NE(f->lstm_close, walk.back());  // the network's own figure is still reported
  // The zig-zag again, on a history whose validation covers fewer than 20 days: the LSTM beats
  // persistence there too, but on too few days to be served.
  auto short_zigzag = TrainForecastModel(
      Synthetic("ZIG", 100, [](int i) { return 100.0 + (i % 2 == 0 ? 5 : -5); }), c);
  ASSERT_TRUE(short_zigzag.ok()) << short_zigzag.status().ToString();
  EXPECT_LT(short_zigzag->lstm.n, kMinServingEvidenceDays);
  EXPECT_LT(short_zigzag->skill, 1);
  EXPECT_EQ(short_zigzag->served, "persistence");
}

TEST(ForecastModelTest, SaveLoadRoundTripGivesIdenticalPredictions) {
  const std::string lake = ::testing::TempDir() + "/forecast-store-" + std::to_string(::getpid());
  auto fs = io::PosixFileSystem();
  const DailySeries s = LoadYahoo("mplfinance/yahoofinance-SPY-20080101-20180101.csv", "SPY", 0, 300);
  auto m = TrainForecastModel(s, SmallConfig());
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  ASSERT_TRUE(SaveForecastModel(*fs, lake, &*m).ok());
  EXPECT_EQ(m->version.substr(0, 5), "lstm-");
  auto loaded = LoadForecastModel(*fs, lake, "SPY");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->version, m->version);
  EXPECT_EQ(loaded->served, m->served);
  EXPECT_EQ(loaded->net->params(), m->net->params());
  auto a = ForecastNextDay(*m, s, 1);
  auto b = ForecastNextDay(*loaded, s, 1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->lstm_close, b->lstm_close);  // bit for bit
  EXPECT_EQ(a->predicted_close, b->predicted_close);
  // The same data and seed give the same version; the listing finds the ticker.
  auto again = TrainForecastModel(s, SmallConfig());
  ASSERT_TRUE(again.ok() && SaveForecastModel(*fs, lake, &*again).ok());
  EXPECT_EQ(again->version, m->version);
  EXPECT_EQ(*ListForecastTickers(*fs, lake), std::vector<std::string>{"SPY"});
  // Damaged weights are reported, never used.
  const std::string w = lake + "/models/SPY/" + m->version + "/weights.f32";
  std::string bytes = *fs->ReadFile(w);
  bytes[100] ^= 0x5a;
  std::ofstream(w, std::ios::binary | std::ios::trunc) << bytes;
  auto damaged = LoadForecastModel(*fs, lake, "SPY");
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.status().message().find("fails its checksum"), std::string::npos) << damaged.status().ToString();
  EXPECT_TRUE(LoadForecastModel(*fs, lake, "MSFT").status().IsNotFound());
  EXPECT_FALSE(ForecastModelDir(lake, "../etc").ok());
  EXPECT_EQ(ForecastModelDir(lake, "FRAUD").status().message(),
            "'FRAUD': no forecast model can have this name (models/fraud holds the fraud model)");
  ASSERT_TRUE(fs->DeleteDirRecursive(lake).ok());
}

// The last `window + 20` days give the forecast the whole history gives (its returns and
// volatilities are the same); one day fewer is refused, not answered with another forecast
// (which then replaced the right one in gold/predictions).
TEST(ForecastModelTest, AHistoryTooShortForItsFeaturesIsRefused) {
  ForecastConfig c = SmallConfig();
  c.features = {"avg_price", "total_volume", "return", "volatility"};
  const DailySeries s =
      LoadYahoo("mplfinance/yahoofinance-SPY-20080101-20180101.csv", "SPY", 0, 200);
  auto m = TrainForecastModel(s, c);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto tail = [&](size_t n) {
    DailySeries t = s;
    const size_t drop = s.size() - n;
    t.days.erase(t.days.begin(), t.days.begin() + static_cast<std::ptrdiff_t>(drop));
    t.close.erase(t.close.begin(), t.close.begin() + static_cast<std::ptrdiff_t>(drop));
    t.avg_price.erase(t.avg_price.begin(), t.avg_price.begin() + static_cast<std::ptrdiff_t>(drop));
    t.volume.erase(t.volume.begin(), t.volume.begin() + static_cast<std::ptrdiff_t>(drop));
    return t;
  };
  const size_t need = static_cast<size_t>(m->config.window) + 20;
  auto full = ForecastNextDay(*m, s, 1);
  auto enough = ForecastNextDay(*m, tail(need), 1);
  ASSERT_TRUE(full.ok() && enough.ok());
  EXPECT_EQ(enough->lstm_close, full->lstm_close);
  auto short_one = ForecastNextDay(*m, tail(need - 1), 1);
  ASSERT_FALSE(short_one.ok());
  EXPECT_NE(
      short_one.status().message().find(fmt::format("SPY: {} days of history; model", need - 1)),
      std::string::npos)
      << short_one.status().ToString();
  EXPECT_NE(short_one.status().message().find(fmt::format("needs {}", need)), std::string::npos);
}

// A manifest edited by hand (served flipped, scaler nulled, odd shapes) is refused with a
// message, never used to forecast.
TEST(ForecastModelTest, EditedManifestsAreRefused) {
  const std::string lake = ::testing::TempDir() + "/forecast-edit-" + std::to_string(::getpid());
  auto fs = io::PosixFileSystem();
  const DailySeries s = LoadYahoo("mplfinance/yahoofinance-SPY-20080101-20180101.csv", "SPY", 0, 200);
  auto m = TrainForecastModel(s, SmallConfig());
  ASSERT_TRUE(m.ok() && SaveForecastModel(*fs, lake, &*m).ok());
  const std::string path = lake + "/models/SPY/" + m->version + "/manifest.json";
  const std::string original = *fs->ReadFile(path);
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = original;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    std::ofstream(path, std::ios::trunc) << text;
    auto r = LoadForecastModel(*fs, lake, "SPY");
    return r.ok() ? std::string("loaded") : r.status().message();
  };
  const std::string other = m->served == "lstm" ? "persistence" : "lstm";
  EXPECT_NE(with("\"served\":\"" + m->served + "\"", "\"served\":\"" + other + "\"").find("does not match its version"),
            std::string::npos);
  EXPECT_NE(with("\"hidden\":[8,4]", "\"hidden\":[8.5,4]").find("hidden sizes must be integers"), std::string::npos);
  EXPECT_NE(with("\"window\":7", "\"window\":0").find("window must be an integer in 1..1000"), std::string::npos);
  const size_t tmax = original.find("\"max\":", original.find("\"target\""));
  ASSERT_NE(tmax, std::string::npos);
  const size_t end = original.find('}', tmax);
  EXPECT_NE(with(original.substr(tmax, end - tmax), "\"max\":null").find("finite min <= max"), std::string::npos);
  std::ofstream(path, std::ios::trunc) << original;
  EXPECT_TRUE(LoadForecastModel(*fs, lake, "SPY").ok());
  ASSERT_TRUE(fs->DeleteDirRecursive(lake).ok());
}

// avg_price means what the training source gave (typical price, or the close of a CSV without
// high/low): the manifest records it and a series that means something else is refused; so is
// a series of another asset class.
TEST(ForecastModelTest, RefusesASeriesWithAnotherAvgPriceDefinitionOrAssetClass) {
  const std::string lake = ::testing::TempDir() + "/forecast-avg-" + std::to_string(::getpid());
  auto fs = io::PosixFileSystem();
  const DailySeries s =
      LoadYahoo("mplfinance/yahoofinance-SPY-20080101-20180101.csv", "SPY", 0, 200);
  auto m = TrainForecastModel(s, SmallConfig());
  ASSERT_TRUE(m.ok() && SaveForecastModel(*fs, lake, &*m).ok());
  auto loaded = LoadForecastModel(*fs, lake, "SPY");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->avg_price_definition, kAvgPriceTypical);
  EXPECT_TRUE(ForecastNextDay(*loaded, s, 1).ok());
  DailySeries closes = s;
  closes.avg_price = closes.close;
  closes.avg_price_definition = std::string(kAvgPriceClose);
  auto f = ForecastNextDay(*loaded, closes, 1);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kFailedPrecondition) << f.status().ToString();
  EXPECT_NE(f.status().message().find("SPY: model " + m->version +
                                      " was trained with avg_price = (high+low+close)/3, "
                                      "but this source gives close"),
            std::string::npos)
      << f.status().message();
  // Found by a hunt: a history ending on 9999-12-31 was forecast for 10000-01-01.
  auto past_end = ForecastNextDay(*loaded, s, 2932897);
  ASSERT_FALSE(past_end.ok());
  EXPECT_NE(past_end.status().message().find("past 9999-12-31"), std::string::npos)
      << past_end.status().message();
  // Found by a hunt: a model of one asset class applied to the other (a BTC coin's model to a
  // BTC stock at a thousandth of its price) gave a forecast. Refused.
  DailySeries coin = s;
  coin.asset_class = "crypto";
  auto other_class = ForecastNextDay(*loaded, coin, 1);
  ASSERT_FALSE(other_class.ok());
  EXPECT_NE(other_class.status().message().find("SPY: model " + m->version +
                                                " was trained on stock prices, but this series "
                                                "is crypto"),
            std::string::npos)
      << other_class.status().message();
  // Without avg_price among the features the definition does not matter.
  ForecastConfig no_avg = SmallConfig();
  no_avg.features = {"total_volume", "return"};
  auto v = TrainForecastModel(s, no_avg);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(ForecastNextDay(*v, closes, 1).ok());
  ASSERT_TRUE(fs->DeleteDirRecursive(lake).ok());
}

}  // namespace
}  // namespace financelake::ml
