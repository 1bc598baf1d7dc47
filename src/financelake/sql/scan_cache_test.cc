#include "financelake/sql/scan_cache.h"

#include <gtest/gtest.h>

#include <cmath>

namespace financelake::sql {
namespace {

using columnar::Column;
using columnar::DataType;

SqlValue Int(int64_t i) {
  return SqlValue::Int(i);
}
SqlValue Real(double d) {
  return SqlValue::Real(d);
}
SqlValue Text(std::string s) {
  return SqlValue::Text(std::move(s));
}

std::vector<uint32_t> Rows(const KeyIndex& index, const SqlValue& v,
                           KeyIndex::Match want = KeyIndex::Match::kRows) {
  const std::vector<uint32_t>* rows = nullptr;
  EXPECT_EQ(index.Lookup(v, &rows), want);
  return rows != nullptr ? *rows : std::vector<uint32_t>{};
}

TEST(KeyIndexTest, FindsWhatSqliteWouldCallEqual) {
  Column longs(DataType::Long());
  for (int64_t v : {5, 7, 5}) longs.Append<int64_t>(v);
  longs.AppendNull();
  const KeyIndex by_long(longs);
  EXPECT_EQ(Rows(by_long, Int(5)), (std::vector<uint32_t>{0, 2}));
  EXPECT_EQ(Rows(by_long, Real(7.0)), (std::vector<uint32_t>{1}));
  Rows(by_long, Real(7.5), KeyIndex::Match::kNone);
  Rows(by_long, Real(1e300), KeyIndex::Match::kNone);
  Rows(by_long, Int(6), KeyIndex::Match::kNone);
  Rows(by_long, Text("5"), KeyIndex::Match::kAll);  // SQLite's affinity decides
  Rows(by_long, SqlValue(), KeyIndex::Match::kAll);

  Column doubles(DataType::Double());
  for (double v : {0.0, -0.0, 9007199254740992.0, std::nan("")}) doubles.Append<double>(v);
  const KeyIndex by_double(doubles);
  EXPECT_EQ(Rows(by_double, Real(0.0)), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(Rows(by_double, Int(0)), (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(Rows(by_double, Int(int64_t{1} << 53)), (std::vector<uint32_t>{2}));
  Rows(by_double, Int((int64_t{1} << 53) + 1),
       KeyIndex::Match::kAll);  // not a double: SQLite compares
  Rows(by_double, Text("NaN"), KeyIndex::Match::kAll);

  Column dates(DataType::Date());
  dates.Append<int32_t>(19723);
  const KeyIndex by_date(dates);
  EXPECT_EQ(Rows(by_date, Text("2024-01-01")), (std::vector<uint32_t>{0}));
  Rows(by_date, Text("2024-1-1"), KeyIndex::Match::kNone);
  Rows(by_date, Int(19723), KeyIndex::Match::kAll);
}

// A nested loop: the same plan filtered once per outer row with a new key.
TEST(RepeatedScansTest, ReadsTheTableOnceForANestedLoop) {
  columnar::Schema schema({{"day", DataType::String(), false}, {"id", DataType::Long(), false}});
  std::vector<std::vector<std::string>> scans;
  auto scan = [&](const std::vector<std::string>& terms) -> Result<ScannedRows> {
    scans.push_back(terms);
    std::vector<Column> cols{Column(DataType::String()), Column(DataType::Long())};
    for (int64_t i = 0; i < 10; ++i) {
      cols[0].AppendString(i < 5 ? "mon" : "tue");
      cols[1].Append<int64_t>(i % 5);
    }
    ScannedRows out;
    FL_ASSIGN_OR_RETURN(out.batch, columnar::RecordBatch::Make(schema, std::move(cols)));
    for (int64_t i = 0; i < 10; ++i) out.row_ids.push_back(i);
    return out;
  };
  auto terms = [](int64_t id) {
    return std::vector<PlanTerm>{{"day", PushOp::kEq, Text("tue"), "`day` = 'tue'"},
                                 {"id", PushOp::kEq, Int(id), "`id` = " + std::to_string(id)}};
  };
  RepeatedScans repeated;
  const auto snapshot = std::make_shared<int>(1);
  int table = 0;
  auto first = repeated.Filter(&table, "p", snapshot, terms(1), scan);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->selected, nullptr);  // one call: a plain scan with every term
  for (int64_t id : {2, 3, 2, 9}) {
    auto again = repeated.Filter(&table, "p", snapshot, terms(id), scan);
    ASSERT_TRUE(again.ok());
    ASSERT_NE(again->selected, nullptr);
    const std::vector<uint32_t> want =
        id < 5 ? std::vector<uint32_t>{static_cast<uint32_t>(id), static_cast<uint32_t>(id + 5)}
               : std::vector<uint32_t>{};
    EXPECT_EQ(*again->selected, want) << id;
  }
  // Read twice: with both terms, then with the unchanging day only.
  ASSERT_EQ(scans.size(), 2u);
  EXPECT_EQ(scans[0], (std::vector<std::string>{"`day` = 'tue'", "`id` = 1"}));
  EXPECT_EQ(scans[1], (std::vector<std::string>{"`day` = 'tue'"}));
  // The day changes: it is no longer applied, and the rows are read once more.
  auto wed = terms(4);
  wed[0].value = Text("wed");
  ASSERT_TRUE(repeated.Filter(&table, "p", snapshot, wed, scan).ok());
  ASSERT_TRUE(repeated.Filter(&table, "p", snapshot, terms(4), scan).ok());
  ASSERT_EQ(scans.size(), 3u);
  EXPECT_TRUE(scans[2].empty());
  // Another statement starts afresh.
  repeated.Clear();
  ASSERT_TRUE(repeated.Filter(&table, "p", snapshot, terms(4), scan).ok());
  EXPECT_EQ(scans.size(), 4u);
}

// Calls whose terms prune well (an IN list over partitions: one call per value) keep their own
// pruned scans until those have opened as many files as the table has; then the rows are kept.
TEST(RepeatedScansTest, CallsThatPruneWellKeepTheirOwnScans) {
  columnar::Schema schema({{"day", DataType::String(), false}});
  std::vector<std::vector<std::string>> scans;
  auto scan = [&](const std::vector<std::string>& terms) -> Result<ScannedRows> {
    scans.push_back(terms);
    std::vector<Column> cols{Column(DataType::String())};
    cols[0].AppendString("mon");
    ScannedRows out;
    FL_ASSIGN_OR_RETURN(out.batch, columnar::RecordBatch::Make(schema, std::move(cols)));
    out.row_ids.push_back(0);
    out.files_total = 3;
    out.files_read = terms.empty() ? 3 : 1;  // a day is one file of three
    return out;
  };
  auto day = [](const std::string& d) {
    return std::vector<PlanTerm>{{"day", PushOp::kEq, Text(d), "`day` = '" + d + "'"}};
  };
  RepeatedScans repeated;
  const auto snapshot = std::make_shared<int>(1);
  int table = 0;
  for (const char* d : {"mon", "tue", "wed"}) {
    auto r = repeated.Filter(&table, "p", snapshot, day(d), scan);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->selected, nullptr) << d;
    EXPECT_EQ(scans.back(), (std::vector<std::string>{"`day` = '" + std::string(d) + "'"}));
  }
  EXPECT_EQ(scans.size(), 3u);
  // Three files opened, as many as the table has: the next call reads the table once, keeps it.
  auto kept = repeated.Filter(&table, "p", snapshot, day("thu"), scan);
  ASSERT_TRUE(kept.ok());
  ASSERT_NE(kept->selected, nullptr);
  EXPECT_TRUE(kept->selected->empty());
  ASSERT_EQ(scans.size(), 4u);
  EXPECT_TRUE(scans.back().empty());
  ASSERT_TRUE(repeated.Filter(&table, "p", snapshot, day("mon"), scan).ok());
  EXPECT_EQ(scans.size(), 4u);
}

}  // namespace
}  // namespace financelake::sql
