#include "financelake/sql/group_order.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <random>

#include "financelake/delta/operations.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/sql/sql_session.h"

namespace financelake::sql {
namespace {

using columnar::Column;
using columnar::DataType;

columnar::RecordBatch OneColumn(Column c) {
  columnar::Schema schema({{"k", c.type(), true}});
  auto b = columnar::RecordBatch::Make(schema, {std::move(c)});
  EXPECT_TRUE(b.ok());
  return std::move(*b);
}

std::vector<uint32_t> Grouped(const columnar::RecordBatch& b, std::vector<GroupKey> keys,
                              const std::vector<uint32_t>* selected = nullptr) {
  auto r = GroupRows(b, selected, keys);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<uint32_t>{};
}

TEST(GroupRowsTest, GroupsComeInSqlitesOrderAndRowsKeepTheirScanOrder) {
  Column s(DataType::String());
  for (const char* v : {"b", "a", "\xc3\xa9", "b", "B", "ab", "a", "", "b"}) s.AppendString(v);
  s.AppendNull();
  const auto batch = OneColumn(std::move(s));
  // Bytewise: "" < "B" < "a" < "ab" < "b" < "\xc3\xa9"; NULL first; equal keys in scan order.
  EXPECT_EQ(Grouped(batch, {{0, false}}), (std::vector<uint32_t>{9, 7, 4, 1, 6, 5, 0, 3, 8, 2}));
  EXPECT_EQ(Grouped(batch, {{0, true}}), (std::vector<uint32_t>{2, 0, 3, 8, 5, 1, 6, 4, 7, 9}));
  const std::vector<uint32_t> some = {8, 1, 0, 9};
  EXPECT_EQ(Grouped(batch, {{0, false}}, &some), (std::vector<uint32_t>{9, 1, 8, 0}));
}

TEST(GroupRowsTest, NumbersCompareByValueAndNanIsNull) {
  Column d(DataType::Double());
  for (double v : {2.5, -0.0, std::nan(""), -1e300, 0.0, 2.5, -std::nan("")}) d.Append<double>(v);
  d.AppendNull();
  const std::vector<uint32_t> out = Grouped(OneColumn(std::move(d)), {{0, false}});
  ASSERT_EQ(out.size(), 8u);
  // NaN (either sign) and NULL read as NULL in SQLite: they come first, together, in scan order.
  EXPECT_EQ(std::vector<uint32_t>(out.begin(), out.begin() + 3), (std::vector<uint32_t>{2, 6, 7}));
  EXPECT_EQ(out[3], 3u);  // -1e300
  EXPECT_EQ(std::vector<uint32_t>(out.begin() + 4, out.begin() + 6),
            (std::vector<uint32_t>{1, 4}));  // -0.0 and 0.0 equal in SQLite
  EXPECT_EQ(std::vector<uint32_t>(out.begin() + 6, out.end()), (std::vector<uint32_t>{0, 5}));

  Column l(DataType::Long());
  for (int64_t v :
       {int64_t{1} << 62, std::numeric_limits<int64_t>::min(), int64_t{-3}, int64_t{1} << 62})
    l.Append<int64_t>(v);
  EXPECT_EQ(Grouped(OneColumn(std::move(l)), {{0, false}}), (std::vector<uint32_t>{1, 2, 0, 3}));
}

TEST(GroupRowsTest, DatesAndTimestampsOrderAsTheTextSqliteSees) {
  // SQLite gets dates as text: year 10000 sorts before 9999 and -0001 before 0000 ('-' < '0').
  Column dates(DataType::Date());
  const int32_t y9999 = 2932896, y10000 = 2932897, y0000 = -719528, before0 = -719529;
  for (int32_t v : {y10000, y9999, y0000, before0, y9999}) dates.Append<int32_t>(v);
  EXPECT_EQ(Grouped(OneColumn(std::move(dates)), {{0, false}}),
            (std::vector<uint32_t>{3, 2, 0, 1, 4}));
  Column ts(DataType::Timestamp());
  for (int64_t v : {int64_t{1500000}, int64_t{1000000}, int64_t{1000001}}) ts.Append<int64_t>(v);
  EXPECT_EQ(Grouped(OneColumn(std::move(ts)), {{0, true}}), (std::vector<uint32_t>{0, 2, 1}));
  Column far(DataType::Timestamp());
  const int64_t day = 86400000000LL;
  for (int64_t v :
       {int64_t{y10000} * day, int64_t{y9999} * day, int64_t{before0} * day + 1, int64_t{0}})
    far.Append<int64_t>(v);
  // As text: "-001-.." < "10000-.." < "1970-.." < "9999-..".
  EXPECT_EQ(Grouped(OneColumn(std::move(far)), {{0, false}}), (std::vector<uint32_t>{2, 0, 3, 1}));
}

TEST(GroupRowsTest, SeveralKeysAndManyGroups) {
  // 200,000 rows in 50,000 (a, b) groups: every group one run, runs in (a asc, b desc) order.
  columnar::Schema schema({{"a", DataType::Integer(), true}, {"b", DataType::String(), true}});
  std::vector<Column> cols = {Column(DataType::Integer()), Column(DataType::String())};
  std::mt19937 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const uint32_t r = rng() % 50000;
    if (r % 97 == 0) {
      cols[0].AppendNull();
    } else {
      cols[0].Append<int32_t>(static_cast<int32_t>(r % 500) - 250);
    }
    cols[1].AppendString(fmt::format("k{}", r / 500));
  }
  auto batch = columnar::RecordBatch::Make(schema, std::move(cols));
  ASSERT_TRUE(batch.ok());
  const std::vector<uint32_t> out = Grouped(*batch, {{0, false}, {1, true}});
  ASSERT_EQ(out.size(), 200000u);
  std::vector<uint32_t> sorted = out;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], i);  // a permutation
  const Column& a = batch->column(0);
  const Column& b = batch->column(1);
  auto key = [&](uint32_t r) {
    return std::make_pair(a.IsNull(r) ? std::numeric_limits<int64_t>::min() : a.ValueAt<int32_t>(r),
                          std::string(b.StringAt(r)));
  };
  for (size_t i = 1; i < out.size(); ++i) {
    const auto p = key(out[i - 1]), q = key(out[i]);
    ASSERT_TRUE(p.first < q.first || (p.first == q.first && p.second >= q.second)) << i;
    if (p == q) {
      ASSERT_LT(out[i - 1], out[i]) << i;  // scan order within a group
    }
  }
}

TEST(GroupRowsTest, KeysWithZeroLowBitsStillHashApart) {
  // Whole-number doubles (prices, quantities) and widened floats have dozens of zero low bits:
  // grouping them must still look at about one slot per row, not walk a cluster of every group.
  std::mt19937 rng(3);
  Column whole(DataType::Double()), floats(DataType::Float()), longs(DataType::Long());
  for (int i = 0; i < 40000; ++i) {
    const uint32_t r = rng() % 10000;
    whole.Append<double>(static_cast<double>(r));
    floats.Append<float>(static_cast<float>(r) * 0.37f + 0.5f);
    longs.Append<int64_t>(int64_t{r} << 32);
  }
  for (Column* c : {&whole, &floats, &longs}) {
    const std::string type = c->type().ToString();
    const auto batch = OneColumn(std::move(*c));
    GroupRowsStats stats;
    auto out = GroupRows(batch, nullptr, {{0, false}}, &stats);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_GT(stats.groups, 9000) << type;
    EXPECT_LT(stats.probes, 3 * 40000) << type;
  }
}

// SQL over a Delta table: a GROUP BY the virtual table groups must answer exactly as SQLite's own
// sorter does (`GROUP BY +col` keeps the column from the virtual table, so SQLite sorts).
class GroupedScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lake_ = ::testing::TempDir() + "/fl-group-" + std::to_string(::getpid());
    std::filesystem::remove_all(lake_);
    columnar::Schema schema({{"ticker", DataType::String(), true},
                             {"day", DataType::Date(), true},
                             {"ts", DataType::Timestamp(), true},
                             {"price", DataType::Double(), true},
                             {"qty", DataType::Long(), true},
                             {"venue", DataType::Short(), true},
                             {"flag", DataType::Boolean(), true},
                             {"amount", DataType::Decimal(12, 4), true},
                             {"big", DataType::Decimal(38, 0), true}});
    auto t = delta::Table::Open(io::PosixFileSystem(), lake_ + "/silver/trades");
    ASSERT_TRUE(delta::CreateTable(*t, schema, {}).ok());
    const char* tickers[] = {"AAPL", "aapl", "MSFT", "O'NEIL", "\xc3\x89TF", ""};
    std::mt19937 rng(11);
    for (int file = 0; file < 4; ++file) {
      std::vector<Column> cols;
      for (const auto& f : schema.fields()) cols.emplace_back(f.type);
      for (int i = 0; i < 3000; ++i) {
        const uint32_t r = rng();
        if (r % 31 == 0) {
          cols[0].AppendNull();
        } else {
          cols[0].AppendString(tickers[r % 6]);
        }
        const int32_t days[] = {2932896, 2932897, -719529, 19723, 19724};
        cols[1].Append<int32_t>(days[(r >> 3) % 5]);
        cols[2].Append<int64_t>(int64_t{1700000000000000} + ((r >> 5) % 40) * 250000);
        const double prices[] = {0.0, -0.0, std::nan(""), 101.25, -3.5, 1e300};
        if ((r >> 9) % 13 == 0) {
          cols[3].AppendNull();
        } else {
          cols[3].Append<double>(prices[(r >> 11) % 6]);
        }
        cols[4].Append<int64_t>(static_cast<int64_t>((r >> 14) % 1000) - 500);
        cols[5].Append<int16_t>(static_cast<int16_t>((r >> 16) % 7));
        cols[6].Append<uint8_t>((r >> 20) & 1);
        cols[7].Append<__int128>(static_cast<__int128>((r >> 21) % 9) * 12345);
        // Decimals one apart that SQLite sees as one REAL (1.2345678901234567e+19).
        const __int128 base = static_cast<__int128>(1234567890) * 10000000000 + 1234567890;
        const __int128 bigs[] = {base, base + 1, base + 2, -base, 0, base * 1000 + 7};
        cols[8].Append<__int128>(bigs[(r >> 24) % 6]);
      }
      auto batch = columnar::RecordBatch::Make(schema, std::move(cols));
      ASSERT_TRUE(batch.ok());
      ASSERT_TRUE(delta::Append(*t, *batch).ok());
    }
    auto opened = SqlSession::Open(io::PosixFileSystem(), lake_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    session_ = std::move(*opened);
  }
  void TearDown() override {
    session_.reset();
    std::filesystem::remove_all(lake_);
  }
  std::string Csv(const std::string& q) {
    auto r = session_->Execute(q);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    return r.ok() && !r->empty() ? FormatResult(r->back(), OutputFormat::kCsv) : "";
  }

  std::string lake_;
  std::unique_ptr<SqlSession> session_;
};

TEST_F(GroupedScanTest, GroupByAnswersAsSqlitesSorterDoes) {
  struct Case {
    std::string keys, tail;
  };
  const std::vector<Case> cases = {
      {"ticker", ""},
      {"ticker", " ORDER BY ticker"},
      {"ticker", " ORDER BY ticker DESC"},
      {"day", " ORDER BY day"},
      {"ts", ""},
      {"price", " ORDER BY price DESC"},
      {"venue", " HAVING count(*) > 10 ORDER BY venue"},
      {"flag", ""},
      {"amount", " ORDER BY amount"},
      {"big", ""},
      {"big, flag", " ORDER BY big, flag"},
      {"big, venue", ""},
      {"flag, big", " ORDER BY flag DESC, big DESC"},
      {"ticker, day", " ORDER BY ticker, day"},
      {"day, ticker", " ORDER BY day DESC, ticker DESC"},
      {"price, flag, venue", ""},
      {"ticker", " ORDER BY count(*) DESC, ticker LIMIT 3"},
      {"ticker", " ORDER BY ticker LIMIT 2 OFFSET 1"},
  };
  for (const Case& c : cases) {
    std::string plus_keys;
    for (size_t at = 0, next; at < c.keys.size(); at = next + 2) {
      next = c.keys.find(", ", at);
      if (next == std::string::npos) next = c.keys.size();
      plus_keys += (plus_keys.empty() ? "+" : ", +") + c.keys.substr(at, next - at);
    }
    auto query = [&](const std::string& group, const std::string& where) {
      return fmt::format(
          "SELECT {}, count(*), sum(qty), min(qty), max(ts), total(venue) FROM silver.trades{} "
          "GROUP BY "
          "{}{}",
          c.keys, where, group, c.tail);
    };
    for (const std::string where : {"", " WHERE qty > 100", " WHERE ticker = 'AAPL'"}) {
      const std::string grouped = query(c.keys, where);
      const std::string sorted = query(plus_keys, where);
      const std::string plan = Csv("EXPLAIN QUERY PLAN " + grouped);
      EXPECT_EQ(plan.find("TEMP B-TREE FOR GROUP BY"), std::string::npos) << grouped << "\n"
                                                                          << plan;
      EXPECT_NE(Csv("EXPLAIN QUERY PLAN " + sorted).find("TEMP B-TREE FOR GROUP BY"),
                std::string::npos)
          << sorted;
      const std::string want = Csv(sorted);
      if (where.empty()) {
        EXPECT_GT(std::count(want.begin(), want.end(), '\n'), 2) << sorted;
      }
      EXPECT_EQ(Csv(grouped), want) << grouped;
    }
  }
}

TEST_F(GroupedScanTest, ANestedLoopGroupsItsKeptRowsOnce) {
  // The grouped table as a nested loop's inner table under a range key: every outer row calls
  // xFilter again on the same kept rows (scan_cache.h), which are grouped once, not per call.
  const std::string q =
      "WITH c(v) AS (VALUES (490), (491), (492), (493), (494)) SELECT t.ticker, count(*) FROM c "
      "CROSS JOIN silver.trades t WHERE t.qty >= c.v GROUP BY {} ORDER BY 1";
  session_->reset_scan_stats();
  const std::string grouped = Csv(fmt::format(fmt::runtime(q), "t.ticker"));
  const LakeScanStats stats = session_->scan_stats();
  EXPECT_EQ(grouped, Csv(fmt::format(fmt::runtime(q), "+t.ticker")));
  // The first call's own pruned scan, then the rows kept for the later calls.
  EXPECT_LE(stats.groupings, 2) << grouped;
  // A correlated subquery asks for each outer row's rows grouped: still the same answers.
  const std::string correlated =
      "SELECT o.venue, (SELECT group_concat(ticker || ':' || n, ' ') FROM (SELECT ticker, count(*) "
      "AS n "
      "FROM silver.trades i WHERE i.venue = o.venue GROUP BY {} ORDER BY ticker)) AS g FROM "
      "(SELECT DISTINCT venue FROM silver.trades) o ORDER BY 1";
  EXPECT_EQ(Csv(fmt::format(fmt::runtime(correlated), "ticker")),
            Csv(fmt::format(fmt::runtime(correlated), "+ticker")));
}

TEST_F(GroupedScanTest, AJoinAndANestedGroupStillAnswerRight) {
  const std::string joined =
      "SELECT a.ticker, count(*) FROM silver.trades a JOIN (SELECT DISTINCT venue FROM "
      "silver.trades "
      "WHERE venue < 3) b ON a.venue = b.venue GROUP BY {} ORDER BY 1";
  EXPECT_EQ(Csv(fmt::format(fmt::runtime(joined), "a.ticker")),
            Csv(fmt::format(fmt::runtime(joined), "+a.ticker")));
  const std::string nested =
      "SELECT n, count(*) FROM (SELECT ticker, count(*) AS n FROM silver.trades GROUP BY {}) "
      "GROUP BY n ORDER BY n";
  EXPECT_EQ(Csv(fmt::format(fmt::runtime(nested), "ticker")),
            Csv(fmt::format(fmt::runtime(nested), "+ticker")));
}

}  // namespace
}  // namespace financelake::sql
