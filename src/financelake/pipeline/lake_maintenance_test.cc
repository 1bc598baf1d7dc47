#include "financelake/pipeline/lake_maintenance.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "financelake/columnar/record_batch.h"
#include "financelake/columnar/value.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/table.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/gold_stage.h"
#include "financelake/pipeline/lake_test_util.h"
#include "financelake/pipeline/silver_stage.h"

namespace financelake::pipeline {
namespace {

class LakeMaintenanceTest : public testing::LakeTest {
 protected:
  // Every row of a table as text, sorted; and its live file count.
  std::vector<std::string> Rows(const std::string& lake, const std::string& rel,
                                size_t* files = nullptr) {
    auto t = delta::Table::Open(io::PosixFileSystem(), lake + "/" + rel);
    auto snap = t->Latest();
    EXPECT_TRUE(snap.ok()) << rel;
    if (!snap.ok()) return {};
    if (files != nullptr) *files = (*snap)->files().size();
    auto rows = t->Scan(**snap, {});
    EXPECT_TRUE(rows.ok()) << rel;
    std::vector<std::string> out;
    for (int64_t i = 0; rows.ok() && i < rows->num_rows(); ++i)
      out.push_back(testing::RowText(*rows, i));
    std::sort(out.begin(), out.end());
    return out;
  }
};

// Compaction and vacuum between the passes of a continuous pipeline (kept Silver ids and Gold
// aggregates): no table's rows change, Bronze's small files become one per partition, nothing
// recently removed is deleted, and the passes after it still land every event once with the
// Gold a pass from scratch gives.
TEST_F(LakeMaintenanceTest, CompactionBetweenContinuousPassesChangesNoRowAndLosesNone) {
  const int64_t now = 1767225600LL * 1000000;  // 2026-01-01
  SilverOptions so;
  so.lake = lake_;
  so.now_us = now;
  so.id_cache = std::make_shared<SilverIdCache>();
  auto gold = NewGoldState();
  std::set<std::string> stock_ids;
  auto round = [&](int r) {
    std::vector<std::string> stocks, cryptos;
    for (int n = 0; n < 10; ++n) {
      const std::string id = fmt::format("t{}-{}", r, n);
      stock_ids.insert(id);
      stocks.push_back(fmt::format(
          R"({{"event_id":"{}","event_time":"2025-12-30T{:02d}:{:02d}:00Z","ticker":"{}","price":{},"volume":{},"source":"a","kind":"trade"}})",
          id, 14 + r, n, n % 2 ? "AAA" : "BBB", 10 + r + n / 10.0, 1 + n));
      cryptos.push_back(fmt::format(
          R"({{"event_id":"c{}-{}","event_time":"2025-12-30T{:02d}:{:02d}:30Z","symbol":"BTC","price_usd":{},"volume_24h":{},"market_cap":null,"change_24h":null,"source":"s","kind":"tick"}})",
          r, n, 14 + r, n, 100 + r + n, 1e9 + r * 10 + n));
    }
    if (r > 0) stocks.push_back(stocks.front());  // a replay: Silver drops it
    AppendBronze("stock-trades", stocks, now);
    AppendBronze("crypto-prices", cryptos, now);
    ASSERT_TRUE(RunSilverOnce(so).ok());
    ASSERT_TRUE(RunGoldOnce(lake_, nullptr, gold.get()).ok());
  };
  for (int r = 0; r < 4; ++r) round(r);
  // Another tool's table under gold/ (its own description, four files) and a symbolic link
  // that leads nowhere (a loop) are left alone.
  {
    auto theirs = delta::Table::Open(io::PosixFileSystem(), lake_ + "/gold/theirs");
    const columnar::Schema schema({columnar::Field{"id", columnar::DataType::Long(), true}});
    delta::CreateOptions create;
    create.description = "their own table";
    ASSERT_TRUE(delta::CreateTable(*theirs, schema, create).ok());
    for (int64_t i = 0; i < 4; ++i) {
      std::vector<columnar::Column> cols;
      cols.emplace_back(columnar::DataType::Long());
      cols[0].Append<int64_t>(i);
      auto batch = columnar::RecordBatch::Make(schema, std::move(cols));
      ASSERT_TRUE(batch.ok());
      ASSERT_TRUE(delta::Append(*theirs, *batch).ok());
    }
  }
  std::filesystem::create_directory_symlink(lake_ + "/silver/loop", lake_ + "/silver/loop");
  // And a table whose log is garbage: named in the errors, the round goes on.
  std::filesystem::create_directories(lake_ + "/gold/broken/_delta_log");
  std::ofstream(lake_ + "/gold/broken/_delta_log/00000000000000000000.json") << "not json\n";
  std::vector<std::string> listing_errors;
  const std::vector<std::string> tables =
      LakeTables(*io::PosixFileSystem(), lake_, &listing_errors);
  const std::vector<std::string> want_tables = {
      "bronze/crypto_prices", "bronze/stock_trades", "errors",
      "gold/broken",          "gold/daily_prices",   "gold/theirs",
      "silver/crypto_prices", "silver/stock_trades"};
  ASSERT_EQ(tables, want_tables);
  EXPECT_TRUE(listing_errors.empty()) << listing_errors.front();
  std::map<std::string, std::vector<std::string>> before;
  for (const std::string& t : tables) {
    if (t != "gold/broken") before[t] = Rows(lake_, t);
  }
  size_t bronze_files = 0, their_files = 0;
  Rows(lake_, "bronze/stock_trades", &bronze_files);
  ASSERT_EQ(bronze_files, 4u);
  Rows(lake_, "gold/theirs", &their_files);
  ASSERT_EQ(their_files, 4u);

  // A round asked to stop at once does nothing.
  EXPECT_EQ(MaintainLake(io::PosixFileSystem(), lake_, [] { return true; }).tables, 0);
  const MaintenanceCounts counts = MaintainLake(io::PosixFileSystem(), lake_);
  EXPECT_EQ(counts.tables, 6);
  ASSERT_EQ(counts.errors.size(), 1u);
  EXPECT_EQ(counts.errors[0].rfind("gold/broken: ", 0), 0u) << counts.errors[0];
  EXPECT_GE(counts.files_compacted, 4 + 4 + 4 + 4);  // Bronze's and Silver's 4 files each, at least
  EXPECT_EQ(counts.files_vacuumed, 0);               // removed just now: within the retention
  for (const auto& [t, rows] : before) EXPECT_EQ(Rows(lake_, t), rows) << t;
  Rows(lake_, "bronze/stock_trades", &bronze_files);
  EXPECT_EQ(bronze_files, 1u);
  Rows(lake_, "gold/theirs", &their_files);
  EXPECT_EQ(their_files, 4u);  // not ours: not compacted
  std::filesystem::remove(lake_ + "/silver/loop");
  std::filesystem::remove_all(lake_ + "/gold/theirs");
  std::filesystem::remove_all(lake_ + "/gold/broken");
  // A second round finds nothing to do.
  const MaintenanceCounts again = MaintainLake(io::PosixFileSystem(), lake_);
  EXPECT_TRUE(again.errors.empty());
  EXPECT_EQ(again.files_compacted, 0);

  for (int r = 4; r < 7; ++r) round(r);
  // Every stock event once in Silver.
  std::vector<std::string> silver_ids;
  {
    auto t = delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "stock_trades"));
    auto rows = t->Scan(*t->Latest().value(), {{"event_id"}, std::nullopt, -1});
    ASSERT_TRUE(rows.ok());
    for (int64_t i = 0; i < rows->num_rows(); ++i)
      silver_ids.emplace_back(rows->column(0).StringAt(i));
  }
  std::sort(silver_ids.begin(), silver_ids.end());
  EXPECT_EQ(silver_ids, std::vector<std::string>(stock_ids.begin(), stock_ids.end()));
  // Gold as a pass from scratch computes it.
  const std::string copy = lake_ + "-scratch";
  std::filesystem::remove_all(copy);
  std::filesystem::copy(lake_, copy, std::filesystem::copy_options::recursive);
  std::filesystem::remove_all(DailyPricesPath(copy));
  ASSERT_TRUE(RunGoldOnce(copy).ok());
  EXPECT_EQ(Rows(lake_, "gold/daily_prices"), Rows(copy, "gold/daily_prices"));
  EXPECT_EQ(Rows(copy, "gold/daily_prices").size(), 3u);  // AAA, BBB, BTC on 2025-12-30
  std::filesystem::remove_all(copy);
}

}  // namespace
}  // namespace financelake::pipeline
