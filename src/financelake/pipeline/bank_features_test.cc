// Bank transaction features in Silver: exact values for a hand-made account history across two
// batches (a late event, a duplicate, a row without account); a longer random history in many
// passes against a brute-force computation, with the history kept across passes (and a
// compaction in between) and read whole every pass.
#include "financelake/pipeline/bank_features.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>
#include <sstream>
#include <tuple>

#include "financelake/columnar/expr.h"
#include "financelake/columnar/text_values.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/table.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/ml/fraud_training.h"
#include "financelake/ml/model_dir.h"
#include "financelake/pipeline/bank_history.h"
#include "financelake/pipeline/bronze_batch.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/exactly_once_table.h"
#include "financelake/pipeline/fraud_alerts_stage.h"
#include "financelake/pipeline/lake_test_util.h"
#include "financelake/pipeline/silver_stage.h"

namespace financelake::pipeline {
namespace {

constexpr int64_t kNow = 1767225600LL * 1000000;  // 2026-01-01T00:00:00Z

std::string Tx(const std::string& id, const std::string& account, const std::string& time, double amount,
               const std::string& merchant, const std::string& country) {
  return fmt::format(
      R"({{"event_id":"{}","event_time":"{}","transaction_id":"T{}","account_id":{},"amount":{},)"
      R"("currency":"USD","type":"CARD","merchant":"{}","merchant_category":"retail","country":"{}",)"
      R"("channel":"POS","source":"test","is_fraud":false}})",
      id, time, id, account.empty() ? "null" : "\"" + account + "\"", amount, merchant, country);
}

class BankFeaturesTest : public testing::LakeTest {
 protected:
  void Bronze(const std::vector<std::string>& payloads) { AppendBronze("bank-transactions", payloads, kNow); }

  // One pipeline pass; with `history` (a continuous pipeline's), the history is kept across
  // passes, as `financelake pipeline` does.
  SilverCounts Run() { return Run(history_); }
  SilverCounts Run(std::shared_ptr<BankHistory> history, int64_t part_rows = int64_t{1} << 20) {
    SilverOptions o;
    o.lake = lake_;
    o.now_us = kNow;
    o.topics = {"bank-transactions"};
    o.bank_history = std::move(history);
    o.part_rows = part_rows;
    auto r = RunSilverOnce(o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? (*r)["bank_transactions"] : SilverCounts{};
  }

  // event_id -> the feature columns as text ("null" for nulls), space separated.
  std::map<std::string, std::string> Features() {
    std::map<std::string, std::string> out;
    auto table = delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "bank_transactions"));
    auto snap = table->Latest();
    EXPECT_TRUE(snap.ok());
    const std::vector<std::string> cols = {"event_id", "hour_of_day", "day_of_week", "is_weekend", "is_night",
                                           "account_txn_count", "txn_count_1h", "txn_count_24h",
                                           "amount_sum_24h", "seconds_since_last", "amount_zscore",
                                           "new_merchant", "new_country", "fraud_score", "fraud_alert",
                                           "model_version"};
    auto rows = table->Scan(**snap, {cols, std::nullopt, -1});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    for (int64_t i = 0; i < rows->num_rows(); ++i) {
      std::string line;
      for (size_t c = 1; c < cols.size(); ++c) {
        const columnar::Column& col = rows->column(c);
        std::string v = "null";
        if (!col.IsNull(i)) {
          v = col.type().kind() == columnar::TypeKind::kDouble ? fmt::format("{:.4f}", col.ValueAt<double>(i))
                                                                : columnar::FormatValue(col.GetValue(i), col.type());
        }
        line += (line.empty() ? "" : " ") + v;
      }
      EXPECT_EQ(out.count(std::string(rows->column(0).StringAt(i))), 0u);
      out[std::string(rows->column(0).StringAt(i))] = line;
    }
    return out;
  }

  // event_id -> the double column's value (NaN for null), bit for bit.
  std::map<std::string, double> Raw(const std::string& column) {
    std::map<std::string, double> out;
    auto table =
        delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "bank_transactions"));
    auto snap = table->Latest();
    EXPECT_TRUE(snap.ok());
    if (!snap.ok()) return out;
    auto rows = table->Scan(**snap, {{"event_id", column}, std::nullopt, -1});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    for (int64_t i = 0; rows.ok() && i < rows->num_rows(); ++i) {
      out[std::string(rows->column(0).StringAt(i))] =
          rows->column(1).IsNull(i) ? NAN : rows->column(1).ValueAt<double>(i);
    }
    return out;
  }

  std::shared_ptr<BankHistory> history_ = std::make_shared<BankHistory>();
};

TEST_F(BankFeaturesTest, ExactFeaturesFromThePastOnly) {
  // 2024-01-06 is a Saturday, 2024-01-08 a Monday.
  Bronze({Tx("a1", "A", "2024-01-06T02:00:00Z", 10, "M1", "US"),
          Tx("a2", "A", "2024-01-06T02:30:00Z", 20, "M1", "US"),
          Tx("a3", "A", "2024-01-06T02:45:00Z", 30, "M2", "FR"),
          Tx("b1", "B", "2024-01-06T03:00:00Z", 7, "M1", "US"),
          Tx("n1", "", "2024-01-08T13:00:00Z", 1, "M1", "US")});
  SilverCounts c1 = Run();
  EXPECT_EQ(c1.silver_rows, 5);
  EXPECT_EQ(c1.model_version, "");  // no model in the lake: no scores
  // Second batch: a later event, a late one (before everything of A), a duplicate of a2.
  Bronze({Tx("a4", "A", "2024-01-08T12:00:00Z", 100, "M1", "US"),
          Tx("a0", "A", "2024-01-06T01:00:00Z", 5, "M3", "DE"),
          Tx("a2", "A", "2024-01-06T02:30:00Z", 20, "M1", "US")});
  SilverCounts c2 = Run();
  EXPECT_EQ(c2.silver_rows, 2);
  EXPECT_EQ(c2.duplicates, 1);
  const auto f = Features();
  ASSERT_EQ(f.size(), 7u);
  // hour dow weekend night | count n1h n24h sum24h since_last zscore | new_merchant new_country | score alert version
  EXPECT_EQ(f.at("a1"), "2 5 true true 0 0 0 0.0000 null null true true null null null");
  EXPECT_EQ(f.at("a2"), "2 5 true true 1 1 1 10.0000 1800.0000 null false false null null null");
  EXPECT_EQ(f.at("a3"), "2 5 true true 2 2 2 30.0000 900.0000 null true true null null null");
  EXPECT_EQ(f.at("b1"), "3 5 true true 0 0 0 0.0000 null null true true null null null");
  EXPECT_EQ(f.at("n1"), "13 0 false false null null null null null null null null null null null");
  // a4 sees a0..a3 (a0 arrived late but is earlier in event time): mean 16.25 of 5,10,20,30.
  const double mean = (5 + 10 + 20 + 30) / 4.0;
  const double sd = std::sqrt((5 * 5 + 10 * 10 + 20 * 20 + 30 * 30) / 4.0 - mean * mean);
  EXPECT_EQ(f.at("a4"), fmt::format("12 0 false false 4 0 0 0.0000 206100.0000 {:.4f} false false null null null",
                                    (100 - mean) / sd));
  // a0 has no past: the rows after it (a1..a3) are its future.
  EXPECT_EQ(f.at("a0"), "1 5 true true 0 0 0 0.0000 null null true true null null null");
  // Without a model nothing is alerted.
  auto alerts = RunFraudAlertsOnce(lake_);
  ASSERT_TRUE(alerts.ok()) << alerts.status().ToString();
  EXPECT_EQ(alerts->silver_rows, 7);
  EXPECT_EQ(alerts->alerts, 0);
}

// A model on `amount` alone (large amounts are fraud), saved as the lake's pipeline model.
void SavePipelineModelOnAmount(const std::string& lake) {
  std::vector<columnar::Column> cols{columnar::Column(columnar::DataType::Long()),
                                     columnar::Column(columnar::DataType::Double()),
                                     columnar::Column(columnar::DataType::Long())};
  for (int64_t i = 0; i < 400; ++i) {
    const bool fraud = i % 10 == 0;
    cols[0].Append<int64_t>(i);
    cols[1].Append<double>(fraud ? 3000.0 + static_cast<double>(i) : 10.0 + static_cast<double>(i % 50));
    cols[2].Append<int64_t>(fraud ? 1 : 0);
  }
  auto data = columnar::RecordBatch::Make(
      columnar::Schema({{"t", columnar::DataType::Long(), false}, {"amount", columnar::DataType::Double(), false},
                        {"is_fraud", columnar::DataType::Long(), false}}),
      std::move(cols));
  ASSERT_TRUE(data.ok());
  ml::FraudTrainOptions o;
  o.label = "is_fraud";
  o.time_column = "t";
  auto model = ml::TrainFraudModel(*data, o, nullptr);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto fs = io::PosixFileSystem();
  ASSERT_TRUE(ml::SaveFraudModel(*fs, lake, &*model, /*for_pipeline=*/true).ok());
}

// Silver scores with the pipeline model; gold/fraud_alerts takes each alert once, also when
// the Silver log it would read was cleaned up after a compaction (the new files then repeat rows),
// and knows alerts by Silver's identity: a second event sharing a transaction_id (two card CSVs
// of one name) is an alert of its own on that path too.
TEST_F(BankFeaturesTest, AlertsLandOnceEvenAfterLogCleanup) {
  SavePipelineModelOnAmount(lake_);
  Bronze({Tx("s1", "A", "2024-01-06T10:00:00Z", 20, "M1", "US"),
          Tx("f1", "A", "2024-01-06T11:00:00Z", 5000, "M1", "US")});
  SilverCounts c1 = Run();
  EXPECT_EQ(c1.fraud_alerts, 1);
  EXPECT_NE(c1.model_version, "");
  auto first = RunFraudAlertsOnce(lake_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->alerts, 1);
  std::string twin = Tx("f1b", "C", "2024-01-06T11:00:00Z", 6000, "M1", "US");
  twin.replace(twin.find("\"Tf1b\""), 6, "\"Tf1\"");  // f1's transaction_id and time
  Bronze({Tx("f2", "B", "2024-01-06T12:00:00Z", 7000, "M1", "US"), twin});
  EXPECT_EQ(Run().fraud_alerts, 2);  // Silver v2
  // Compact Silver (v3 rewrites f1's and f2's rows into one file), checkpoint, then lose the
  // commits the alerts stage has not read.
  auto silver = delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "bank_transactions"));
  ASSERT_TRUE(delta::Optimize(*silver).ok());
  auto cp = delta::Checkpoint(*silver);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  ASSERT_EQ(cp->value(), 3);
  for (const char* v : {"00000000000000000002.json", "00000000000000000003.json"}) {
    ASSERT_TRUE(std::filesystem::remove(SilverTablePath(lake_, "bank_transactions") + "/_delta_log/" + v));
  }
  auto second = RunFraudAlertsOnce(lake_);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->alerts, 2);  // f2 and f1b: f1 is in the compacted file again
  auto alerts = delta::Table::Open(io::PosixFileSystem(), FraudAlertsPath(lake_));
  auto snap = alerts->Latest();
  ASSERT_TRUE(snap.ok());
  auto rows = alerts->Scan(**snap, {{"transaction_id"}, std::nullopt, -1});
  ASSERT_TRUE(rows.ok());
  std::vector<std::string> ids;
  for (int64_t i = 0; i < rows->num_rows(); ++i) ids.emplace_back(rows->column(0).StringAt(i));
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"Tf1", "Tf1", "Tf2"}));
}

// A gold/fraud_alerts table from before its event_id column: the stage adds the column, and on
// the cleaned-log path knows the older alerts by transaction_id and event_time (f1 again in the
// compacted file is not taken twice).
TEST_F(BankFeaturesTest, AlertsOfATableWithoutEventIdsAreKnownByTransactionAndTime) {
  SavePipelineModelOnAmount(lake_);
  Bronze({Tx("s1", "A", "2024-01-06T10:00:00Z", 20, "M1", "US"),
          Tx("f1", "A", "2024-01-06T11:00:00Z", 5000, "M1", "US")});
  EXPECT_EQ(Run().fraud_alerts, 1);  // Silver v1
  // The older stage's commit of Silver v1: f1's alert without an event_id.
  std::vector<columnar::Field> old_fields = FraudAlertsSchema().fields();
  ASSERT_EQ(old_fields.back().name, "event_id");
  old_fields.pop_back();
  std::vector<std::string> names;
  for (const columnar::Field& f : old_fields) names.push_back(f.name);
  auto silver =
      delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "bank_transactions"));
  auto v1 = silver->Latest();
  ASSERT_TRUE(v1.ok());
  const std::vector<std::pair<std::string, columnar::Value>> tf1 = {
      {"transaction_id", columnar::Value::Bytes("Tf1")}};
  auto f1 = silver->Scan(**v1, {names, columnar::Expr::Equals((*v1)->schema(), tf1), -1});
  ASSERT_TRUE(f1.ok()) << f1.status().ToString();
  ASSERT_EQ(f1->num_rows(), 1);
  {
    auto old = ExactlyOnceTable::OpenOrCreate(io::PosixFileSystem(), FraudAlertsPath(lake_),
                                              {columnar::Schema(old_fields), {}, ""});
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    const std::string app = "financelake-gold:fraud_alerts";
    ASSERT_TRUE((*old)->Commit(*f1, {{app, -1, 1}}, app).ok());
  }
  Bronze({Tx("f2", "B", "2024-01-06T12:00:00Z", 7000, "M1", "US")});
  EXPECT_EQ(Run().fraud_alerts, 1);  // Silver v2
  ASSERT_TRUE(delta::Optimize(*silver).ok());
  ASSERT_TRUE(delta::Checkpoint(*silver).ok());
  for (const char* v : {"00000000000000000002.json", "00000000000000000003.json"}) {
    ASSERT_TRUE(
        std::filesystem::remove(SilverTablePath(lake_, "bank_transactions") + "/_delta_log/" + v));
  }
  auto run = RunFraudAlertsOnce(lake_);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->alerts, 1);  // f2 only
  auto alerts = delta::Table::Open(io::PosixFileSystem(), FraudAlertsPath(lake_));
  auto snap = alerts->Latest();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->schema(), FraudAlertsSchema());
  auto rows = alerts->Scan(**snap, {{"transaction_id", "event_id"}, std::nullopt, -1});
  ASSERT_TRUE(rows.ok());
  std::map<std::string, std::string> ids;
  for (int64_t i = 0; i < rows->num_rows(); ++i) {
    ids[std::string(rows->column(0).StringAt(i))] =
        rows->column(1).IsNull(i) ? "null" : std::string(rows->column(1).StringAt(i));
  }
  EXPECT_EQ(ids, (std::map<std::string, std::string>{{"Tf1", "null"}, {"Tf2", "f2"}}));
}

// "YYYY-MM-DDTHH:MM:SSZ" of a Unix time.
std::string Iso(int64_t unix_seconds) {
  const auto t = static_cast<time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// amount_zscore was kept as running sums of amounts and squares over an account's whole
// history: 2000 varied amounts, then 60 days of one constant amount left a false spread from
// rounding, and a slightly larger amount then scored a huge z instead of null (no spread).
TEST_F(BankFeaturesTest, ZscoreOfAnAccountWithoutSpreadIsNullAfterAVariedPast) {
  constexpr int64_t kStart = 1696118400;  // 2023-10-01
  std::vector<std::string> tx;
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 2000; ++i) {  // one an hour, amounts 1e3..1e6
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const double amount = 1000.0 + static_cast<double>(x % 99900000) / 100.0;
    tx.push_back(Tx(fmt::format("v{}", i), "A", Iso(kStart + i * 3600LL), amount, "M1", "US"));
  }
  const int64_t after = kStart + 2000 * 3600LL;
  for (int d = 0; d < 60; ++d) {  // then one constant payment a day
    tx.push_back(Tx(fmt::format("c{}", d), "A", Iso(after + d * 86400LL), 1234.56, "M1", "US"));
  }
  tx.push_back(Tx("big", "A", Iso(after + 60 * 86400LL), 1300, "M1", "US"));
  Bronze(tx);
  EXPECT_EQ(Run().silver_rows, static_cast<int64_t>(tx.size()));
  const auto f = Features();
  auto zscore = [&](const std::string& id) {
    std::istringstream in(f.at(id));
    std::string v;
    for (int k = 0; k < 10; ++k) in >> v;  // the tenth column
    return v;
  };
  EXPECT_NE(zscore("c3"), "null");  // the window still holds varied amounts
  for (int d = 34; d < 60; ++d) {   // 30 days of 1234.56 before each: no spread
    EXPECT_EQ(zscore(fmt::format("c{}", d)), "null") << d;
  }
  EXPECT_EQ(zscore("big"), "null");
}

// A random history of five accounts over 100 days, delivered in ten batches with late events
// (some older than the 30-day window of the batch's other rows), ties in event time, rows
// without an account and repeated merchants and countries. Features are checked against a
// brute-force computation from their definition (bank_features.h), once with the history read
// whole on every pass and once kept across passes with Silver compacted in between; both must
// also agree to the last digit printed.
struct TxRow {
  std::string id, account, merchant, country;
  int64_t time_s = 0;
  double amount = 0;
};

std::vector<std::vector<TxRow>> RandomBatches() {
  constexpr int64_t kStart = 1704067200;  // 2024-01-01
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  auto next = [&](uint64_t n) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x % n;
  };
  std::vector<std::vector<TxRow>> batches;
  int serial = 0;
  for (int b = 0; b < 10; ++b) {
    std::vector<TxRow> batch;
    const int64_t now = kStart + (b + 1) * 10 * 86400LL;
    for (int i = 0; i < 40; ++i) {
      TxRow r;
      // ids whose order is not the arrival order, to exercise ties by event_id
      r.id = fmt::format("t{:03d}-{}", static_cast<int>(next(1000)), serial++);
      r.account = next(20) == 0 ? "" : fmt::format("A{}", next(5));
      const bool late = next(7) == 0;
      const int64_t span = late ? now - kStart : 2 * 86400LL;
      r.time_s = now - static_cast<int64_t>(next(static_cast<uint64_t>(span) / 600)) *
                           600;  // 10-minute grid: ties
      r.amount = r.account == "A4" && b >= 5 ? 42.5 : static_cast<double>(next(50000)) / 100.0;
      // A3 uses many merchants (past the point where their first uses get an index)
      r.merchant = next(10) == 0 ? "" : fmt::format("M{}", next(r.account == "A3" ? 60 : 7));
      r.country = std::vector<std::string>{"US", "FR", "DE", "GB"}[next(4)];
      batch.push_back(r);
    }
    batches.push_back(batch);
  }
  return batches;
}

// event_id -> count n1h n24h sum24h since_last zscore new_merchant new_country (NaN: null),
// from the definition: the account's rows known when the row arrived (earlier batches and its
// own) that are earlier in (event_time, event_id).
std::map<std::string, std::vector<double>> BruteForceFeatures(
    const std::vector<std::vector<TxRow>>& batches) {
  std::map<std::string, std::vector<double>> out;
  std::vector<TxRow> known;
  for (const auto& batch : batches) {
    known.insert(known.end(), batch.begin(), batch.end());
    for (const TxRow& e : batch) {
      std::vector<double> f(8, NAN);
      if (!e.account.empty()) {
        std::vector<const TxRow*> past;
        for (const TxRow& p : known) {
          if (p.account == e.account && (p.time_s != e.time_s ? p.time_s < e.time_s : p.id < e.id))
            past.push_back(&p);
        }
        double n1h = 0, n24h = 0, sum24 = 0, last = -1, n30 = 0, sum30 = 0;
        bool merchant_seen = false, country_seen = false;
        for (const TxRow* p : past) {
          n1h += p->time_s >= e.time_s - 3600 ? 1 : 0;
          if (p->time_s >= e.time_s - 86400) n24h += 1, sum24 += p->amount;
          if (p->time_s >= e.time_s - 30 * 86400) n30 += 1, sum30 += p->amount;
          last = std::max(last, static_cast<double>(p->time_s));
          merchant_seen = merchant_seen || p->merchant == e.merchant;
          country_seen = country_seen || p->country == e.country;
        }
        f[0] = static_cast<double>(past.size());
        f[1] = n1h;
        f[2] = n24h;
        f[3] = sum24;
        f[4] = past.empty() ? NAN : static_cast<double>(e.time_s) - last;
        if (n30 >= 3) {
          const double mean = sum30 / n30;
          double sq = 0;
          for (const TxRow* p : past) {
            if (p->time_s >= e.time_s - 30 * 86400) sq += (p->amount - mean) * (p->amount - mean);
          }
          const double sd = std::sqrt(sq / n30);
          if (sd > 1e-9 * std::max(1.0, std::abs(mean))) f[5] = (e.amount - mean) / sd;
        }
        f[6] = e.merchant.empty() ? NAN : (merchant_seen ? 0 : 1);
        f[7] = country_seen ? 0 : 1;
      }
      out[e.id] = f;
    }
  }
  return out;
}

TEST_F(BankFeaturesTest, RandomHistoryMatchesTheDefinitionWhetherTheHistoryIsKeptOrReadEveryPass) {
  const auto batches = RandomBatches();
  const auto expected = BruteForceFeatures(batches);
  auto silver_files = [&] {
    auto table =
        delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "bank_transactions"));
    auto snap = table->Latest();
    return snap.ok() ? static_cast<int64_t>((*snap)->files().size()) : 0;
  };
  // Modes: 0 the history read every pass, one pass per batch; 1 kept across passes, one pass per
  // batch, Silver compacted before the seventh; 2 and 3 like 0 and 1 but a pass every third
  // batch, each Bronze file its own part (the batches of a pass are parts that see each other
  // in order, as separate passes would).
  std::map<std::string, std::string> results[4];
  for (int mode = 0; mode < 4; ++mode) {
    const bool kept = mode % 2 == 1;
    const size_t every = mode >= 2 ? 3 : 1;
    std::filesystem::remove_all(lake_);
    next_offsets_.clear();
    auto history = std::make_shared<BankHistory>();
    int64_t pending_rows = 0;
    for (size_t b = 0; b < batches.size(); ++b) {
      std::vector<std::string> payloads;
      for (const TxRow& r : batches[b]) {
        payloads.push_back(Tx(r.id, r.account, Iso(r.time_s), r.amount, r.merchant, r.country));
      }
      Bronze(payloads);
      pending_rows += static_cast<int64_t>(batches[b].size());
      if ((b + 1) % every != 0 && b + 1 != batches.size()) continue;
      const bool compacted = mode == 1 && b == 6;
      if (compacted) {
        auto silver =
            delta::Table::Open(io::PosixFileSystem(), SilverTablePath(lake_, "bank_transactions"));
        auto optimized = delta::Optimize(*silver);
        ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
      }
      const int64_t files_before = silver_files();
      const int64_t read_before = history->files_read();
      EXPECT_EQ(Run(kept ? history : nullptr, every > 1 ? 1 : int64_t{1} << 20).silver_rows,
                pending_rows)
          << mode << " " << b;
      pending_rows = 0;
      if (!kept) continue;
      // Kept: a pass's own rows stay in the history after its commit; only a compaction makes a
      // pass read the table again (all of it).
      EXPECT_EQ(history->full_reads(), compacted || (mode == 1 && b > 6) ? 2 : 1)
          << mode << " " << b;
      EXPECT_EQ(history->files_read() - read_before, compacted ? files_before : 0)
          << mode << " " << b;
    }
    results[mode] = Features();
  }
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
  EXPECT_EQ(results[0], results[3]);
  ASSERT_EQ(results[1].size(), expected.size());
  int checked_zscores = 0;
  for (const auto& [id, want] : expected) {
    std::istringstream in(results[1].at(id));
    std::vector<std::string> got;
    for (std::string v; in >> v;) got.push_back(v);
    ASSERT_EQ(got.size(), 15u) << id;
    for (size_t k = 0; k < 8; ++k) {
      const std::string& g = got[4 + k];
      if (std::isnan(want[k])) {
        EXPECT_EQ(g, "null") << id << " feature " << k;
      } else if (k >= 6) {
        EXPECT_EQ(g, want[k] != 0 ? "true" : "false") << id << " feature " << k;
      } else {
        ASSERT_NE(g, "null") << id << " feature " << k;
        EXPECT_NEAR(std::stod(g), want[k], 1e-4 * std::max(1.0, std::abs(want[k])))
            << id << " feature " << k;
        checked_zscores += k == 5 ? 1 : 0;
      }
    }
  }
  EXPECT_GT(checked_zscores, 200);
}

// A pass in parts whose first part holds only rows without an account: the part after it (with
// accounts) must not find the history holding rows pending before it was synced (that was an
// invariant failure, aborting the process), with a history of the pass or a kept one.
TEST_F(BankFeaturesTest, APartWithoutAccountsBeforeOneWithAccounts) {
  for (int kept = 0; kept < 2; ++kept) {
    std::filesystem::remove_all(lake_);
    next_offsets_.clear();
    Bronze({Tx("n1", "", "2024-01-06T10:00:00Z", 5, "M1", "US")});
    Bronze({Tx("a1", "A", "2024-01-06T11:00:00Z", 10, "M1", "US"),
            Tx("a2", "A", "2024-01-06T11:30:00Z", 20, "M2", "US")});
    auto history = kept ? std::make_shared<BankHistory>() : nullptr;
    EXPECT_EQ(Run(history, /*part_rows=*/1).silver_rows, 3);
    Bronze({Tx("a3", "A", "2024-01-06T12:00:00Z", 30, "M1", "FR")});
    EXPECT_EQ(Run(history, 1).silver_rows, 1);
    const auto f = Features();
    EXPECT_EQ(f.at("n1"), "10 5 true false null null null null null null null null null null null");
    EXPECT_EQ(f.at("a2"), "11 5 true false 1 1 1 10.0000 1800.0000 null true false null null null");
    EXPECT_EQ(f.at("a3"), "12 5 true false 2 2 2 30.0000 1800.0000 null false true null null null")
        << kept;
  }
}

// A PIPELINE pointer naming a model whose files are gone: the stage stops with the reason
// instead of committing rows without scores (they would never be scored).
TEST_F(BankFeaturesTest, APipelineModelThatIsGoneStopsTheStage) {
  SavePipelineModelOnAmount(lake_);
  auto fs = io::PosixFileSystem();
  auto version = ml::ReadModelPointer(*fs, ml::FraudModelsDir(lake_), ml::kPipelineModel);
  ASSERT_TRUE(version.ok());
  ASSERT_TRUE(fs->DeleteDirRecursive(ml::FraudModelsDir(lake_) + "/" + *version).ok());
  Bronze({Tx("s1", "A", "2024-01-06T10:00:00Z", 20, "M1", "US")});
  SilverOptions o;
  o.lake = lake_;
  o.now_us = kNow;
  o.topics = {"bank-transactions"};
  auto r = RunSilverOnce(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("PIPELINE names fraud model " + *version), std::string::npos)
      << r.status().ToString();
  auto exists = fs->Exists(SilverTablePath(lake_, "bank_transactions") +
                           "/_delta_log/00000000000000000001.json");
  EXPECT_FALSE(exists.ok() && *exists);  // nothing committed
}

// amount_zscore and amount_sum_24h do not depend on how rows are batched: amounts of 1e6 +- 15
// (the spread was lost to cancellation by an amount that depended on where the pass's walk
// started: 1.4e-6 relative between one pass and three), and an empty 24-hour window sums to 0
// (a running sum left 2.8e-17). Checked against the definition in long double.
TEST_F(BankFeaturesTest, SpreadAndSumsDoNotDependOnTheBatching) {
  constexpr int64_t kStart = 1704067200;  // 2024-01-01
  std::vector<std::string> tx;
  std::vector<std::pair<int64_t, double>> events;  // (time, amount)
  uint64_t x = 0x2545F4914F6CDD1DULL;
  for (int i = 0; i < 80; ++i) {  // every 9 hours
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    const double amount =
        std::round((1e6 + static_cast<double>(x % 6000) / 100.0 - 30) * 100) / 100;
    events.push_back({kStart + i * 9 * 3600LL, amount});
    tx.push_back(
        Tx(fmt::format("z{:03d}", i), "ACZ", Iso(events.back().first), amount, "M1", "US"));
  }
  // Then two small payments an hour apart and one 45 days later: its 24-hour window is empty.
  const int64_t later = kStart + 80 * 9 * 3600LL + 86400;
  for (const auto& [id, t, a] : std::vector<std::tuple<std::string, int64_t, double>>{
           {"d1", later, 0.1}, {"d2", later + 3600, 0.2}, {"d3", later + 45 * 86400LL, 5}}) {
    tx.push_back(Tx(id, "ACZ", Iso(t), a, "M1", "US"));
  }
  auto exact_z = [&](size_t k) {  // over the events of the 30 days before event k
    std::vector<long double> w;
    for (size_t j = 0; j < k; ++j) {
      if (events[j].first >= events[k].first - 30 * 86400LL) w.push_back(events[j].second);
    }
    long double mean = 0, var = 0;
    for (long double a : w) mean += a;
    mean /= w.size();
    for (long double a : w) var += (a - mean) * (a - mean);
    return static_cast<double>((events[k].second - mean) / std::sqrt(var / w.size()));
  };
  std::vector<std::map<std::string, double>> z, sum;
  for (const std::vector<size_t>& cuts :
       {std::vector<size_t>{tx.size()}, std::vector<size_t>{40, 60, tx.size()}}) {
    std::filesystem::remove_all(lake_);
    next_offsets_.clear();
    history_ = std::make_shared<BankHistory>();
    size_t from = 0;
    for (size_t cut : cuts) {
      Bronze(std::vector<std::string>(tx.begin() + static_cast<std::ptrdiff_t>(from),
                                      tx.begin() + static_cast<std::ptrdiff_t>(cut)));
      Run();
      from = cut;
    }
    z.push_back(Raw("amount_zscore"));
    sum.push_back(Raw("amount_sum_24h"));
  }
  for (size_t k = 3; k < events.size(); ++k) {
    const std::string id = fmt::format("z{:03d}", k);
    const double want = exact_z(k);
    for (size_t run = 0; run < 2; ++run) {
      EXPECT_NEAR(z[run].at(id), want, 1e-9 * std::abs(want) + 1e-12) << id << " run " << run;
    }
  }
  EXPECT_EQ(sum[0].at("d3"), 0.0);
  EXPECT_EQ(sum[1].at("d3"), 0.0);
  // Bit for bit (with nulls as NaN), whatever the batching.
  ASSERT_EQ(sum[0].size(), sum[1].size());
  for (const auto& [id, v] : sum[0]) {
    const double w = sum[1].at(id);
    EXPECT_TRUE(v == w || (std::isnan(v) && std::isnan(w))) << id << ": " << v << " vs " << w;
  }
}

}  // namespace
}  // namespace financelake::pipeline
