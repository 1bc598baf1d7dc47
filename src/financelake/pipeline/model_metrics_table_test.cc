// gold/model_metrics keeps one row per (model version, subject, split, metric): training the same
// model again, or two processes appending the same rows at once, adds nothing.
#include "financelake/pipeline/model_metrics_table.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <tuple>

#include "financelake/delta/table.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/lake_test_util.h"

namespace financelake::pipeline {
namespace {

constexpr int64_t kNow = 1767225600LL * 1000000;  // 2026-01-01T00:00:00Z

std::vector<ModelMetricRow> Rows(const std::string& version, const std::string& subject,
                                 const std::vector<std::string>& metrics) {
  std::vector<ModelMetricRow> rows;
  for (const std::string& m : metrics) {
    ModelMetricRow r;
    r.created_at_us = kNow;
    r.model = "fraud";
    r.model_version = version;
    r.subject = subject;
    r.split = "test";
    r.metric = m;
    r.value = 0.5;
    r.baseline = "logistic_regression";
    r.baseline_value = 0.25;
    rows.push_back(r);
  }
  return rows;
}

class ModelMetricsTest : public testing::LakeTest {
 protected:
  // (model_version, subject, metric) of every row, with repeats.
  std::multiset<std::tuple<std::string, std::string, std::string>> Stored() {
    std::multiset<std::tuple<std::string, std::string, std::string>> out;
    auto table = delta::Table::Open(io::PosixFileSystem(), ModelMetricsPath(lake_));
    EXPECT_NE(table, nullptr);
    auto snap = table->Latest();
    EXPECT_TRUE(snap.ok());
    auto rows = table->Scan(**snap, {{"model_version", "subject", "metric"}, std::nullopt, -1});
    EXPECT_TRUE(rows.ok());
    for (int64_t i = 0; i < rows->num_rows(); ++i) {
      out.emplace(rows->column(0).StringAt(i), rows->column(1).StringAt(i),
                  rows->column(2).StringAt(i));
    }
    return out;
  }
};

TEST_F(ModelMetricsTest, TheSameModelTrainedAgainAppendsNothing) {
  auto first = AppendModelMetrics(io::PosixFileSystem(), lake_,
                                  Rows("fraud-a", "cards.csv", {"auprc", "roc_auc"}));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->appended, 2u);
  auto again = AppendModelMetrics(io::PosixFileSystem(), lake_,
                                  Rows("fraud-a", "cards.csv", {"auprc", "roc_auc"}));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->appended, 0u);
  EXPECT_EQ(again->already_present, 2u);
  EXPECT_EQ(again->version, -1);
  // A new metric of the same model and subject, and another subject, are appended.
  auto more = AppendModelMetrics(io::PosixFileSystem(), lake_,
                                 Rows("fraud-a", "cards.csv", {"auprc", "recall"}));
  ASSERT_TRUE(more.ok()) << more.status().ToString();
  EXPECT_EQ(more->appended, 1u);
  EXPECT_EQ(more->already_present, 1u);
  ASSERT_TRUE(
      AppendModelMetrics(io::PosixFileSystem(), lake_, Rows("fraud-a", "other.csv", {"auprc"}))
          .ok());
  const auto stored = Stored();
  EXPECT_EQ(stored.size(), 4u);
  for (const auto& key : stored) EXPECT_EQ(stored.count(key), 1u);
}

// Without a txn per (model version, subject), both appends saw an empty table and both wrote.
TEST_F(ModelMetricsTest, ConcurrentAppendsOfTheSameRowsLandOnce) {
  ASSERT_TRUE(
      AppendModelMetrics(io::PosixFileSystem(), lake_, Rows("fraud-0", "seed.csv", {"auprc"}))
          .ok());
  for (int round = 0; round < 6; ++round) {
    const std::string version = "fraud-" + std::to_string(round + 1);
    std::vector<std::thread> threads;
    std::vector<Status> results(4);
    for (size_t t = 0; t < results.size(); ++t) {
      threads.emplace_back([&, t] {
        auto r = AppendModelMetrics(io::PosixFileSystem(), lake_,
                                    Rows(version, "cards.csv", {"auprc", "roc_auc", "precision"}));
        results[t] = r.status();
      });
    }
    for (auto& th : threads) th.join();
    for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  }
  const auto stored = Stored();
  EXPECT_EQ(stored.size(), 1u + 6u * 3u);
  for (const auto& key : stored)
    EXPECT_EQ(stored.count(key), 1u) << std::get<0>(key) << " " << std::get<2>(key);
}

}  // namespace
}  // namespace financelake::pipeline
