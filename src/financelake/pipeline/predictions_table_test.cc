// gold/predictions: one row per (ticker, as_of_date, model_version), and that row is the forecast
// last computed, also when two writers race.
#include "financelake/pipeline/predictions_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "financelake/columnar/value.h"
#include "financelake/delta/table.h"
#include "financelake/pipeline/lake_test_util.h"

namespace financelake::pipeline {
namespace {

ml::Forecast MakeForecast(const std::string& ticker, double close, double lstm) {
  ml::Forecast f;
  f.ticker = ticker;
  f.as_of_day = columnar::DaysFromCivil(2017, 8, 4);  // a Friday
  f.target_day = columnar::DaysFromCivil(2017, 8, 7);
  f.lstm_close = lstm;
  f.baseline_close = close;
  f.served = "persistence";
  f.predicted_close = close;
  f.model_version = "lstm-0123456789ab";
  return f;
}

struct Row {
  std::string ticker;
  double predicted_close, baseline_close, lstm_close;
};

std::vector<Row> ReadRows(const std::string& lake) {
  auto table = delta::Table::Open(io::PosixFileSystem(), PredictionsPath(lake));
  auto snap = table->Latest();
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  delta::ScanOptions scan;
  scan.columns = {"ticker", "predicted_close", "baseline_close", "lstm_close"};
  auto rows = table->Scan(**snap, scan);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  std::vector<Row> out;
  for (int64_t i = 0; i < rows->num_rows(); ++i) {
    out.push_back({std::string(rows->column(0).StringAt(i)), rows->column(1).ValueAt<double>(i),
                   rows->column(2).ValueAt<double>(i), rows->column(3).ValueAt<double>(i)});
  }
  return out;
}

using PredictionsTableTest = testing::LakeTest;

// Predicting again after the last day's close changed (a partial live day, Gold restated) stores
// the new forecast in place of the old one: what is printed is what is stored.
TEST_F(PredictionsTableTest, ChangedForecastReplacesTheStoredRow) {
  auto fs = io::PosixFileSystem();
  auto first = AppendPredictions(fs, lake_, {MakeForecast("AAPL", 156.39, 150.0)}, 1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->appended, 1u);
  auto same = AppendPredictions(fs, lake_, {MakeForecast("AAPL", 156.39, 150.0)}, 2);
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(same->already_present, 1u);
  EXPECT_EQ(same->version, -1);
  auto changed = AppendPredictions(
      fs, lake_, {MakeForecast("AAPL", 157.00, 151.0), MakeForecast("MSFT", 72.0, 70.0)}, 3);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(changed->replaced, 1u);
  EXPECT_EQ(changed->appended, 1u);
  const std::vector<Row> rows = ReadRows(lake_);
  ASSERT_EQ(rows.size(), 2u);
  for (const Row& r : rows) {
    if (r.ticker == "AAPL") {
      EXPECT_EQ(r.predicted_close, 157.00);
      EXPECT_EQ(r.baseline_close, 157.00);
      EXPECT_EQ(r.lstm_close, 151.0);
    } else {
      EXPECT_EQ(r.ticker, "MSFT");
    }
  }
}

// Two predict runs at once: the one that loses the commit race must not add the row again.
TEST_F(PredictionsTableTest, ConcurrentRunsStoreTheForecastOnce) {
  auto posix = io::PosixFileSystem();
  // The table exists already, so the next commit is the forecasts'.
  ASSERT_TRUE(AppendPredictions(posix, lake_, {MakeForecast("MSFT", 72.0, 70.0)}, 1).ok());
  auto hooked = std::make_shared<testing::HookedFileSystem>(posix);
  const ml::Forecast aapl = MakeForecast("AAPL", 156.39, 150.0);
  hooked->before_commit = [&] {  // the other run commits first
    auto other = AppendPredictions(posix, lake_, {aapl}, 2);
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    EXPECT_EQ(other->appended, 1u);
  };
  auto r = AppendPredictions(hooked, lake_, {aapl}, 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->appended, 0u);
  EXPECT_EQ(r->already_present, 1u);
  const std::vector<Row> rows = ReadRows(lake_);
  EXPECT_EQ(
      std::count_if(rows.begin(), rows.end(), [](const Row& x) { return x.ticker == "AAPL"; }), 1);
  EXPECT_EQ(rows.size(), 2u);
}

}  // namespace
}  // namespace financelake::pipeline
