#include "financelake/sql/sql_session.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "financelake/delta/operations.h"
#include "financelake/io/atomic_file.h"
#include "financelake/io/posix_filesystem.h"

namespace financelake::sql {
namespace {

using columnar::DataType;

class SqlSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lake_ = ::testing::TempDir() + "/fl-sql-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(lake_);
    fs_ = io::PosixFileSystem();
    // silver/trades partitioned by day: 3 appends (versions 1..3), 4 days, some nulls.
    columnar::Schema schema({{"event_date", DataType::Date(), false},
                             {"ticker", DataType::String(), false},
                             {"price", DataType::Double(), true},
                             {"qty", DataType::Long(), true},
                             {"ts", DataType::Timestamp(), false},
                             {"flag", DataType::Boolean(), true}});
    auto t = delta::Table::Open(fs_, lake_ + "/silver/trades");
    delta::CreateOptions co;
    co.partition_columns = {"event_date"};
    ASSERT_TRUE(delta::CreateTable(*t, schema, co).ok());
    const char* tickers[] = {"AAPL", "MSFT", "O'NEIL", "BTC"};
    int k = 0;
    for (int commit = 0; commit < 3; ++commit) {
      std::vector<columnar::Column> cols;
      for (const auto& f : schema.fields()) cols.emplace_back(f.type);
      for (int i = 0; i < 40; ++i, ++k) {
        const int32_t day = 19723 + (k % 4);  // 2024-01-01 .. 2024-01-04
        cols[0].Append<int32_t>(day);
        cols[1].AppendString(tickers[k % 4]);
        if (k % 7 == 0) {
          cols[2].AppendNull();
        } else {
          cols[2].Append<double>(100.0 + (k % 13) * 0.5);
        }
        if (k % 5 == 0) {
          cols[3].AppendNull();
        } else {
          cols[3].Append<int64_t>(k % 9);
        }
        cols[4].Append<int64_t>(int64_t{day} * 86400000000LL + (k % 6) * 3600000000LL);
        cols[5].Append<uint8_t>(k % 2);
      }
      auto batch = columnar::RecordBatch::Make(schema, std::move(cols));
      ASSERT_TRUE(batch.ok());
      ASSERT_TRUE(delta::Append(*t, *batch).ok());
    }
    auto opened = SqlSession::Open(fs_, lake_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    session_ = std::move(*opened);
  }
  void TearDown() override {
    session_.reset();
    std::filesystem::remove_all(lake_);
  }

  ResultSet Query(const std::string& q) {
    auto r = session_->Execute(q);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    if (!r.ok() || r->empty()) return {};
    return r->back();
  }
  std::string Text(const std::string& q) { return FormatResult(Query(q), OutputFormat::kCsv); }
  std::string Error(const std::string& q) {
    auto r = session_->Execute(q);
    return r.ok() ? "ok" : r.status().message();
  }
  // Writes `cols` as a new table at `rel` (one commit) and reopens the session to see it.
  Status AddTable(const std::string& rel, const columnar::Schema& schema,
                  std::vector<columnar::Column> cols) {
    auto t = delta::Table::Open(fs_, lake_ + "/" + rel);
    FL_RETURN_NOT_OK(delta::CreateTable(*t, schema, {}).status());
    FL_ASSIGN_OR_RETURN(auto batch, columnar::RecordBatch::Make(schema, std::move(cols)));
    FL_RETURN_NOT_OK(delta::Append(*t, batch).status());
    FL_ASSIGN_OR_RETURN(session_, SqlSession::Open(fs_, lake_));
    return Status::OK();
  }
  static std::vector<columnar::Column> Columns(const columnar::Schema& schema) {
    std::vector<columnar::Column> cols;
    for (const auto& f : schema.fields()) cols.emplace_back(f.type);
    return cols;
  }

  std::string lake_;
  std::shared_ptr<io::FileSystem> fs_;
  std::unique_ptr<SqlSession> session_;
};

TEST_F(SqlSessionTest, BothNamesAndTypes) {
  EXPECT_EQ(Text("SELECT count(*) FROM silver.trades"), "count(*)\n120\n");
  EXPECT_EQ(Text("SELECT count(*) FROM silver_trades"), "count(*)\n120\n");
  EXPECT_EQ(Text("SELECT event_date, ts, typeof(price), typeof(qty), flag FROM silver.trades WHERE "
                 "ticker = 'MSFT' "
                 "AND qty IS NOT NULL AND price IS NOT NULL ORDER BY ts, qty LIMIT 1"),
            "event_date,ts,typeof(price),typeof(qty),flag\n2024-01-02,2024-01-02T01:00:00.000000Z,"
            "real,integer,1\n");
  EXPECT_EQ(Text("SELECT count(*) FROM silver.trades WHERE price IS NULL"), "count(*)\n18\n");
}

// Whatever is pushed down, the answer is the one SQLite gives alone.
TEST_F(SqlSessionTest, PushdownNeverChangesAnAnswer) {
  const std::vector<std::string> predicates = {
      "event_date = '2024-01-02'", "event_date >= '2024-01-03'", "event_date < '2024-01-02'",
      "event_date > '2024-1-2'", "event_date = 19724",
      "event_date BETWEEN '2024-01-02' AND '2024-01-03'", "ticker = 'O''NEIL'", "ticker > 'B'",
      "ticker < 'AAPLX'", "ticker = 5", "price > 103", "price <= 101.5", "price = 100",
      "price > '100'", "qty = 3", "qty > 2.5", "qty < 2.5", "qty = 2.5", "qty >= '4'",
      "ts >= '2024-01-02'", "ts > '2024-01-02'", "ts <= '2024-01-03'",
      "ts = '2024-01-03T02:00:00.000000Z'", "ts < '2024-01-03T02:00:00.000000Z'",
      "ts = '2024-01-03'", "ts >= '2024-01-02 10:00'", "flag = 1", "qty IS NULL",
      "price IS NOT NULL AND ticker = 'BTC'", "event_date = '2024-01-02' OR ticker = 'BTC'",
      "event_date = '2024-13-45'",
      // Collations the bytewise Delta filter does not share: SQLite alone decides.
      "ticker = 'aapl' COLLATE NOCASE", "ticker > 'b' COLLATE NOCASE",
      "ticker <= 'msft' COLLATE NOCASE", "ticker = 'BTC  ' COLLATE RTRIM",
      "ts >= '2024-01-03t' COLLATE NOCASE", "event_date = '2024-01-02  ' COLLATE RTRIM"};
  for (const std::string& p : predicates) {
    const std::string q = "SELECT ticker, price, qty, ts FROM silver.trades WHERE " + p +
                          " ORDER BY ts, ticker, qty, price";
    session_->set_pushdown(false);
    const std::string alone = Text(q);
    session_->set_pushdown(true);
    EXPECT_EQ(Text(q), alone) << p;
  }
}

// A join under NOCASE: the inner table's constraint takes its value from the outer row.
TEST_F(SqlSessionTest, JoinUnderNocaseKeepsEveryMatch) {
  const std::string q =
      "SELECT count(*) FROM (SELECT DISTINCT lower(ticker) AS t FROM silver.trades) a JOIN "
      "silver.trades b "
      "ON b.ticker = a.t COLLATE NOCASE";
  session_->set_pushdown(false);
  const std::string alone = Text(q);
  EXPECT_EQ(alone, "count(*)\n120\n");
  session_->set_pushdown(true);
  EXPECT_EQ(Text(q), alone);
}

// SQLite filters a join's inner table once per outer row; the table is read about once, not
// once per row, and the answers are those of SQLite alone.
TEST_F(SqlSessionTest, JoinsReadTheInnerTableOnce) {
  const std::vector<std::string> queries = {
      "SELECT count(*) FROM silver.trades a JOIN silver.trades b ON a.ticker = b.ticker",
      "SELECT count(*) FROM silver.trades a JOIN silver_trades b ON a.qty = b.qty AND b.event_date "
      "= '2024-01-02'",
      "SELECT count(*) FROM silver.trades a JOIN silver.trades b ON a.ts = b.ts AND a.price < "
      "b.price",
      "SELECT count(*) FROM silver.trades a WHERE price > (SELECT avg(price) FROM silver.trades b "
      "WHERE b.ticker = "
      "a.ticker)",
      "SELECT count(*) FROM silver.trades a JOIN silver.trades b ON b.price = a.qty + 100",
      "SELECT count(*) FROM silver.trades a JOIN silver.trades b ON b.ticker = a.ticker OR b.qty = "
      "a.qty"};
  for (const std::string& q : queries) {
    session_->set_pushdown(false);
    session_->reset_scan_stats();
    const std::string alone = Text(q);
    // Not one per outer row (120): calls whose terms prune files keep their own scans until
    // those have opened as many files as the table has (12), then the rows are kept.
    EXPECT_LE(session_->scan_stats().scans, 12) << q;
    session_->set_pushdown(true);
    session_->reset_scan_stats();
    EXPECT_EQ(Text(q), alone) << q;
    EXPECT_LE(session_->scan_stats().scans, 12) << q;
  }
  EXPECT_EQ(Text(queries[0]), "count(*)\n3600\n");
}

TEST_F(SqlSessionTest, PartitionFiltersOpenOnlyTheirFiles) {
  session_->reset_scan_stats();
  EXPECT_EQ(
      Text(
          "SELECT count(*) FROM silver.trades WHERE event_date = '2024-01-02' AND ticker = 'MSFT'"),
      "count(*)\n30\n");
  const LakeScanStats with = session_->scan_stats();
  EXPECT_EQ(with.files_total, 12);  // 3 appends x 4 days
  EXPECT_EQ(with.files_read, 3);
  session_->set_pushdown(false);
  session_->reset_scan_stats();
  EXPECT_EQ(
      Text(
          "SELECT count(*) FROM silver.trades WHERE event_date = '2024-01-02' AND ticker = 'MSFT'"),
      "count(*)\n30\n");
  EXPECT_EQ(session_->scan_stats().files_read, 12);
}

// LIMIT over one table: the scan stops at the first rows, or (ORDER BY a column with file stats)
// leaves out the files and rows that cannot be among the first LIMIT + OFFSET. The answers are
// those of full scans (pushdown off); only the files read change.
TEST_F(SqlSessionTest, LimitsReadOnlyTheFilesTheFirstRowsCanComeFrom) {
  // A Bronze-like table: 6 commits of 50 rows, ingest time rising from commit to commit (3 rows
  // per value), a unique position, some null quantities.
  columnar::Schema schema({{"seq", DataType::Long(), false},
                           {"ingest_time", DataType::Timestamp(), false},
                           {"qty", DataType::Long(), true},
                           {"day", DataType::Date(), false},
                           {"note", DataType::String(), true}});
  auto t = delta::Table::Open(fs_, lake_ + "/bronze/events");
  ASSERT_TRUE(delta::CreateTable(*t, schema, {}).ok());
  const int64_t t0 = 1764000000000000;  // 2025-11-24
  for (int commit = 0, seq = 0; commit < 6; ++commit) {
    std::vector<columnar::Column> cols;
    for (const auto& f : schema.fields()) cols.emplace_back(f.type);
    for (int i = 0; i < 50; ++i, ++seq) {
      cols[0].Append<int64_t>(seq);
      cols[1].Append<int64_t>(t0 + (commit * 60 + i / 3) * 1000);
      if (seq % 4 == 0) {
        cols[2].AppendNull();
      } else {
        cols[2].Append<int64_t>((seq * 37) % 101);
      }
      cols[3].Append<int32_t>(20416 + seq / 100);
      cols[4].AppendString(fmt::format("n{}", seq % 7));
    }
    auto batch = columnar::RecordBatch::Make(schema, std::move(cols));
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE(delta::Append(*t, *batch).ok());
  }
  auto opened = SqlSession::Open(fs_, lake_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  session_ = std::move(*opened);
  // The answer with pushdown off and on; the files the second read.
  auto files_read = [&](const std::string& q) {
    session_->set_pushdown(false);
    const std::string full = Text(q);
    session_->set_pushdown(true);
    session_->reset_scan_stats();
    EXPECT_EQ(Text(q), full) << q;
    EXPECT_FALSE(full.empty()) << q;
    return session_->scan_stats().files_read;
  };
  // The dashboard's newest rows: the newest file alone (of 6).
  EXPECT_EQ(files_read("SELECT * FROM bronze.events ORDER BY ingest_time DESC, seq DESC LIMIT 15"),
            1);
  EXPECT_EQ(
      files_read(
          "SELECT seq FROM bronze.events ORDER BY ingest_time DESC, seq DESC LIMIT 15 OFFSET 40"),
      2);
  EXPECT_EQ(files_read("SELECT seq, qty FROM bronze.events ORDER BY seq LIMIT 3"), 1);
  EXPECT_EQ(files_read("SELECT seq, qty FROM bronze.events ORDER BY seq DESC LIMIT 120"), 3);
  EXPECT_EQ(files_read("SELECT * FROM bronze.events ORDER BY day DESC, seq LIMIT 20"), 2);
  // Nulls last in DESC: a nullable column is bounded by its non-null rows (here in every file).
  files_read("SELECT seq, qty FROM bronze.events ORDER BY qty DESC, seq LIMIT 4");
  // Whole reads, the same answers: nulls first in ASC, strings, expressions, other collations
  // and NULLS LAST (SQLite passes no ORDER BY then), WHERE terms, LIMIT larger than the table.
  for (const char* q :
       {"SELECT seq, qty FROM bronze.events ORDER BY qty, seq LIMIT 5",
        "SELECT seq FROM bronze.events ORDER BY note DESC, seq LIMIT 5",
        "SELECT seq FROM bronze.events ORDER BY -seq LIMIT 5",
        "SELECT seq FROM bronze.events ORDER BY note COLLATE NOCASE, seq DESC LIMIT 5",
        "SELECT seq FROM bronze.events ORDER BY qty DESC NULLS FIRST, seq LIMIT 5",
        "SELECT seq FROM bronze.events WHERE note = 'n3' ORDER BY seq DESC LIMIT 5",
        "SELECT seq FROM bronze.events ORDER BY seq DESC LIMIT 500",
        "SELECT seq FROM bronze.events ORDER BY seq DESC LIMIT -1 OFFSET 290",
        // No ORDER BY: SQLite passes the same (no ORDER BY) for one of more than 63 columns
        // that it sorts itself; the scan's first rows would be a wrong answer then.
        "SELECT * FROM bronze.events LIMIT 10"}) {
    EXPECT_EQ(files_read(q), 6) << q;
  }
  std::string many = "SELECT seq, qty FROM bronze.events ORDER BY qty DESC";
  for (int i = 0; i < 63; ++i) many += ", seq";
  files_read(many + " LIMIT 3");
  // One statement, the same table and columns under several limits (the statement's kept rows
  // must not answer one limit with another's rows).
  files_read(
      "SELECT (SELECT count(*) FROM (SELECT seq FROM bronze.events ORDER BY seq DESC LIMIT 300)), "
      "(SELECT count(*) FROM (SELECT seq FROM bronze.events ORDER BY seq DESC LIMIT 2)), "
      "(SELECT count(*) FROM (SELECT seq FROM bronze.events ORDER BY seq DESC LIMIT 120)), "
      "(SELECT count(*) FROM (SELECT seq FROM bronze.events LIMIT 300)), "
      "(SELECT count(*) FROM (SELECT seq FROM bronze.events LIMIT 2)), "
      "(SELECT count(*) FROM (SELECT seq FROM bronze.events LIMIT 20))");
  // Other query shapes that see the LIMIT differently, and LIMIT 0.
  for (const char* q :
       {"SELECT seq FROM bronze.events UNION ALL SELECT seq + 1000 FROM bronze.events ORDER BY 1 "
        "DESC "
        "LIMIT 4",
        "SELECT seq FROM (SELECT seq FROM bronze.events ORDER BY seq DESC LIMIT 60) ORDER BY seq "
        "LIMIT 2",
        "SELECT seq, row_number() OVER (ORDER BY seq) AS r FROM bronze.events ORDER BY seq DESC "
        "LIMIT 3",
        "SELECT DISTINCT note FROM bronze.events ORDER BY note LIMIT 2",
        "SELECT note, count(*) FROM bronze.events GROUP BY note ORDER BY note DESC LIMIT 2",
        "SELECT count(*) FROM (SELECT * FROM bronze.events LIMIT 0)",
        "SELECT a.seq FROM bronze.events a JOIN bronze.events b ON b.seq = a.seq + 1 ORDER BY "
        "a.seq "
        "DESC LIMIT 2"}) {
    files_read(q);
  }
}

// An IN list or OR over partitions is one pruned scan per value (it once read the whole table
// into memory from the second value on, losing partition pruning).
TEST_F(SqlSessionTest, InListsOverPartitionsStayPruned) {
  session_->reset_scan_stats();
  const std::string day2 = Text("SELECT count(*) FROM silver.trades WHERE event_date = '2024-01-02'");
  const int64_t one_day = session_->scan_stats().files_read;
  EXPECT_EQ(one_day, 3);  // of 12
  const std::string day3 = Text("SELECT count(*) FROM silver.trades WHERE event_date = '2024-01-03'");
  const auto count = [](const std::string& text) { return std::stoll(text.substr(text.find('\n') + 1)); };
  const std::string both = fmt::format("count(*)\n{}\n", count(day2) + count(day3));
  for (const char* q :
       {"SELECT count(*) FROM silver.trades WHERE event_date IN ('2024-01-02', '2024-01-03')",
        "SELECT count(*) FROM silver.trades WHERE event_date = '2024-01-02' OR "
        "event_date = '2024-01-03'"}) {
    session_->reset_scan_stats();
    EXPECT_EQ(Text(q), both) << q;
    EXPECT_EQ(session_->scan_stats().files_read, 2 * one_day) << q;
  }
}

TEST_F(SqlSessionTest, TimeTravelAndHistory) {
  EXPECT_EQ(Text("SELECT count(*) FROM delta('silver/trades', version => 1)"), "count(*)\n40\n");
  EXPECT_EQ(Text("SELECT (SELECT count(*) FROM delta('silver.trades', version => 2)) - "
                 "(SELECT count(*) FROM delta('silver_trades', version => 0)) AS grown"),
            "grown\n80\n");
  EXPECT_EQ(Text("SELECT version, operation FROM history('silver/trades')"),
            "version,operation\n3,WRITE\n2,WRITE\n1,WRITE\n0,CREATE TABLE\n");
  EXPECT_EQ(Text("DESCRIBE HISTORY silver.trades").substr(0, 8), "version,");
  EXPECT_NE(Error("SELECT * FROM delta('silver/trades', version => 9)").find("silver/trades"),
            std::string::npos);
  EXPECT_EQ(Error("SELECT * FROM delta('nope', version => 0)"),
            "SQL: no table 'nope' in the lake (tables: silver.trades)");
  EXPECT_EQ(Error("SELECT * FROM history('nope')"),
            "SQL: no table 'nope' in the lake (tables: silver.trades)");
  // A view cannot keep a pinned table; a table made from one keeps its rows.
  EXPECT_EQ(Error("CREATE TEMP VIEW v AS SELECT * FROM delta('silver/trades', version => 1)"),
            "SQL: a view cannot hold delta(...): its pinned table exists only while the statement "
            "runs (CREATE TEMP TABLE ... AS SELECT keeps the rows)");
  EXPECT_EQ(Text("CREATE TEMP TABLE v1 AS SELECT * FROM delta('silver/trades', version => 1); "
                 "SELECT count(*) FROM v1"),
            "count(*)\n40\n");
  EXPECT_EQ(Text("CREATE TEMP VIEW tv AS SELECT * FROM silver.trades; SELECT count(*) FROM tv"),
            "count(*)\n120\n");
  // The pinned tables are gone after the statement.
  EXPECT_EQ(Text("SELECT count(*) FROM temp.sqlite_master WHERE name GLOB '__delta_tt*'"),
            "count(*)\n0\n");
}

TEST_F(SqlSessionTest, HistoryIsReadAPageAtATimeNewestFirst) {
  // 200 more commits (versions 4..203) that change nothing.
  const std::string log = lake_ + "/silver/trades/_delta_log/";
  for (int v = 4; v <= 203; ++v) {
    ASSERT_TRUE(io::WriteFileAtomic(*fs_, log + fmt::format("{:020}.json", v),
                                    R"({"commitInfo":{"timestamp":1,"operation":"NOOP"}})"
                                    "\n")
                    .ok());
  }
  const std::string h = "history('silver/trades')";
  EXPECT_EQ(Text("SELECT count(*), min(version), max(version), count(DISTINCT version) FROM " + h),
            "count(*),min(version),max(version),count(DISTINCT version)\n204,0,203,204\n");
  // Across the first page (64 commits) into the second.
  EXPECT_EQ(Text("SELECT version FROM " + h + " LIMIT 3 OFFSET 62"), "version\n141\n140\n139\n");
  EXPECT_EQ(Text("SELECT version FROM " + h + " WHERE operation = 'CREATE TABLE'"), "version\n0\n");
  // Row ids stay unique, a second scan of one cursor starts over, and the timestamps (the
  // commits were written within milliseconds) decrease down the rows across the pages.
  EXPECT_EQ(Text("SELECT count(DISTINCT rowid) FROM " + h), "count(DISTINCT rowid)\n204\n");
  EXPECT_EQ(Text("SELECT count(*) FROM " + h + " a JOIN " + h + " b ON a.version = b.version + 1"),
            "count(*)\n203\n");
  EXPECT_EQ(Text("SELECT count(*) FROM (SELECT version, timestamp, lag(timestamp) OVER "
                 "(ORDER BY version DESC) AS newer FROM " +
                 h + ") WHERE timestamp >= newer"),
            "count(*)\n0\n");
  // A LIMIT reads only the pages it needs: a damaged old commit is not reached.
  ASSERT_TRUE(io::WriteFileAtomic(*fs_, log + fmt::format("{:020}.json", 10), "garbage\n").ok());
  EXPECT_EQ(Text("SELECT version FROM " + h + " LIMIT 2"), "version\n203\n202\n");
  EXPECT_NE(Error("SELECT count(*) FROM " + h).find("00000000000000000010.json"), std::string::npos)
      << Error("SELECT count(*) FROM " + h);
}

TEST_F(SqlSessionTest, MaintenanceKeepsTheAnswers) {
  const std::string q =
      "SELECT ticker, sum(qty), round(avg(price), 6) FROM silver.trades GROUP BY ticker ORDER BY "
      "ticker";
  const std::string before = Text(q);
  auto r = session_->Execute("OPTIMIZE silver.trades");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->back().message, "OPTIMIZE silver.trades: version 4, 12 files compacted into 4");
  // Again: nothing to compact, and no commit.
  auto again = session_->Execute("OPTIMIZE silver.trades");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->back().message, "OPTIMIZE silver.trades: nothing to compact (version 4)");
  EXPECT_EQ(Text(q), before);
  EXPECT_EQ(Text("SHOW TABLES").substr(0, 42), "table,also_as,path,version,files,rows,byte");
  EXPECT_NE(Text("SHOW TABLES").find("silver.trades,silver_trades,silver/trades,4,4,120,"),
            std::string::npos);
  auto v = session_->Execute("VACUUM silver_trades DRY RUN");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->back().message,
            "VACUUM silver.trades: would delete 0 files");  // inside the 7-day retention
  EXPECT_EQ(Text("SELECT version FROM history('silver/trades') LIMIT 1"), "version\n4\n");
}

TEST_F(SqlSessionTest, QueriesCannotChangeTables) {
  EXPECT_EQ(Error("DELETE FROM silver.trades"), "SQL: table trades may not be modified");
  EXPECT_EQ(Error("INSERT INTO silver_trades (ticker) VALUES ('X')"),
            "SQL: table silver_trades may not be modified");
  // Each refusal says what was refused.
  EXPECT_EQ(Error("DROP TABLE silver.trades"),
            "SQL: not allowed: DROP TABLE silver.trades: the lake's tables are read-only");
  EXPECT_EQ(Error("DROP TABLE silver_trades"),
            "SQL: not allowed: DROP TABLE silver_trades: the lake's tables are read-only");
  EXPECT_EQ(Error("ATTACH '/tmp/x.db' AS x"),
            "SQL: not allowed: ATTACH: a query cannot open database files");
  EXPECT_EQ(Error("DETACH silver"), "SQL: not allowed: DETACH: the lake's layers stay attached");
  EXPECT_EQ(Error("SELECT load_extension('/x')"),
            "SQL: not allowed: load_extension(): extensions are not loaded here");
  const std::string vacuum_into =
      "not allowed: VACUUM INTO writes a database file (VACUUM <table> cleans a lake table)";
  EXPECT_EQ(Error("VACUUM INTO '/tmp/x.db'"), vacuum_into);
  EXPECT_EQ(Error("/* c */ vacuum main into '/tmp/x.db'"), vacuum_into);
  EXPECT_FALSE(std::filesystem::exists("/tmp/x.db"));
  EXPECT_EQ(
      Error(
          "CREATE TABLE scratch AS SELECT ticker FROM silver.trades; SELECT count(*) FROM scratch"),
      "ok");
  EXPECT_EQ(Error("SELEC 1"), "SQL: near \"SELEC\": syntax error");
  EXPECT_EQ(Error("SELECT nope FROM silver.trades"), "SQL: no such column: nope");
  EXPECT_EQ(Error("SELECT 1 FROM gold.nope"),
            "SQL: no such table: gold.nope (tables: silver.trades)");
  // Errors are one line, also when they quote the user's text.
  EXPECT_EQ(Error("SELECT * FROM \"no\npe\""),
            "SQL: no such table: no\\npe (tables: silver.trades)");
  EXPECT_EQ(Error("SELECT count(*) FROM delta('no\r\npe')"),
            "SQL: no table 'no\\r\\npe' in the lake (tables: silver.trades)");
  EXPECT_EQ(Error("DESCRIBE 'a\nb'"), "no table 'a\\nb' in the lake (tables: silver.trades)");
  // The table itself is untouched.
  auto again = SqlSession::Open(fs_, lake_);
  ASSERT_TRUE(again.ok());
  auto r = (*again)->Execute("SELECT count(*) FROM silver.trades");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->back().rows[0][0].i, 120);
}

TEST_F(SqlSessionTest, AnUnreadableTableDoesNotStopTheOthers) {
  // A second table whose log is damaged: the session opens, queries of silver.trades run,
  // a query of the damaged one names it and the reason, SHOW TABLES lists it without figures.
  const std::string bad = lake_ + "/gold/broken/_delta_log";
  std::filesystem::create_directories(bad);
  {
    std::FILE* f = std::fopen((bad + "/00000000000000000000.json").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("{\"commitInfo\":{}}\nnot json at all\n", f);
    std::fclose(f);
  }
  auto opened = SqlSession::Open(fs_, lake_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  session_ = std::move(*opened);
  EXPECT_EQ(Text("SELECT count(*) FROM silver.trades"), "count(*)\n120\n");
  // SQL names are case-insensitive: GOLD.BROKEN is gold.broken.
  for (const auto& [written, name] :
       std::vector<std::pair<std::string, std::string>>{{"gold.broken", "gold.broken"},
                                                        {"gold_broken", "gold_broken"},
                                                        {"GOLD.BROKEN", "gold.broken"},
                                                        {"\"Gold_Broken\"", "gold_broken"}}) {
    const std::string err = Error("SELECT count(*) FROM " + written);
    EXPECT_EQ(err.rfind("SQL: table " + name + " cannot be read: ", 0), 0u) << err;
    EXPECT_NE(err.find("00000000000000000000.json"), std::string::npos) << err;
  }
  const std::string tables = Text("SHOW TABLES");
  EXPECT_NE(tables.find("gold.broken,gold_broken,gold/broken,,,,\n"), std::string::npos) << tables;
  EXPECT_NE(tables.find("silver.trades,silver_trades,silver/trades,3,"), std::string::npos)
      << tables;
}

// Struct, array and map columns read as JSON text (as `table scan` prints them), so that
// json_extract reaches inside; a null one is NULL.
TEST_F(SqlSessionTest, NestedColumnsAreJson) {
  columnar::Schema schema(
      {{"id", DataType::Long(), false},
       {"s", DataType::Struct({{"aa", DataType::String(), true}, {"n", DataType::Long(), true}}),
        true},
       {"a", DataType::Array(DataType::Double()), true},
       {"m", DataType::Map(DataType::String(), DataType::Long()), true}});
  std::vector<columnar::Column> cols = Columns(schema);
  for (int64_t i = 0; i < 2; ++i) {
    cols[0].Append<int64_t>(i);
    if (i == 1) {
      for (size_t k = 1; k < cols.size(); ++k) cols[k].AppendNull();
      continue;
    }
    cols[1].mutable_child(0).AppendString("xy");
    cols[1].mutable_child(1).Append<int64_t>(7);
    cols[1].AppendStructValid();
    cols[2].mutable_child(0).Append<double>(0.5);
    cols[2].mutable_child(0).AppendNull();
    cols[2].CloseList();
    cols[3].mutable_child(0).AppendString("k");
    cols[3].mutable_child(1).Append<int64_t>(1);
    cols[3].CloseList();
  }
  const Status added = AddTable("gold/nested", schema, std::move(cols));
  ASSERT_TRUE(added.ok()) << added.ToString();
  EXPECT_EQ(
      FormatResult(Query("SELECT s, a, m FROM gold.nested ORDER BY id"), OutputFormat::kJsonl),
      R"({"s":"{\"aa\":\"xy\",\"n\":7}","a":"[0.5,null]","m":"{\"k\":1}"})"
      "\n"
      R"({"s":null,"a":null,"m":null})"
      "\n");
  EXPECT_EQ(Text("SELECT json_extract(s, '$.aa') AS aa, json_extract(a, '$[0]') AS a0, "
                 "json_extract(m, '$.k') AS k "
                 "FROM gold.nested WHERE s IS NOT NULL"),
            "aa,a0,k\nxy,0.5,1\n");
}

// SQLite has no NaN (it makes every NaN NULL, 0.0 / 0.0 too): a NaN reads as NULL, so counts,
// IS NULL and aggregates treat it as missing (docs/queries.md); the pushed-down filter, which
// orders NaN above every number as Spark does, keeps a superset.
TEST_F(SqlSessionTest, NanReadsAsNull) {
  columnar::Schema schema({{"id", DataType::Long(), false},
                           {"d", DataType::Double(), true},
                           {"f", DataType::Float(), true}});
  std::vector<columnar::Column> cols = Columns(schema);
  for (int64_t i = 0; i < 3; ++i) {
    cols[0].Append<int64_t>(i);
    if (i == 2) {
      cols[1].AppendNull();
      cols[2].AppendNull();
    } else {
      cols[1].Append<double>(i == 0 ? 1.5 : std::nan(""));
      cols[2].Append<float>(i == 0 ? 2.5f : std::nanf(""));
    }
  }
  const Status added = AddTable("gold/nan", schema, std::move(cols));
  ASSERT_TRUE(added.ok()) << added.ToString();
  EXPECT_EQ(Text("SELECT count(*) AS n, count(d) AS nd, sum(d IS NULL) AS null_d, sum(d) AS s, "
                 "avg(f) AS a, "
                 "0.0 / 0.0 IS NULL AS sqlite_nan FROM gold.nan"),
            "n,nd,null_d,s,a,sqlite_nan\n3,1,2,1.5,2.5,1\n");
  for (const char* p : {"d > 1", "d >= 1.5", "f > 0", "d = 1.5"}) {
    const std::string q = std::string("SELECT id FROM gold.nan WHERE ") + p + " ORDER BY id";
    session_->set_pushdown(false);
    const std::string alone = Text(q);
    session_->set_pushdown(true);
    EXPECT_EQ(Text(q), alone) << p;
    EXPECT_EQ(alone, "id\n0\n") << p;
  }
}

// Names SQLite would confuse (it ignores case, and `main` and `temp` are its own schemas): no
// statement fails because of them, no table answers for another, and a name two tables would
// share is held by neither (their paths still reach them; a name given only by case is refused
// as ambiguous). Quotes inside a table's path survive unquoting.
TEST_F(SqlSessionTest, NamesSqliteWouldConfuseNeitherFailNorShadow) {
  const columnar::Schema schema({columnar::Field{"a", columnar::DataType::Long(), false}});
  auto add = [&](const std::string& rel, int64_t a) {
    auto cols = Columns(schema);
    cols[0].Append<int64_t>(a);
    ASSERT_TRUE(AddTable(rel, schema, std::move(cols)).ok()) << rel;
  };
  add("Bronze/x", 1);
  add("bronze/y", 2);
  add("gold/prices", 3);
  add("gold_prices", 4);
  add("main/x", 5);
  add("x", 6);
  add("temp/y", 7);
  add("silver/x'y", 8);
  EXPECT_EQ(Text("SELECT a FROM gold_prices"),
            "a\n4\n");  // the table of that name, not gold/prices
  EXPECT_EQ(Text("SELECT a FROM gold.prices"), "a\n3\n");
  EXPECT_EQ(Text("SELECT a FROM delta('gold_prices')"), "a\n4\n");
  EXPECT_EQ(Text("SELECT a FROM delta('gold/prices')"), "a\n3\n");
  EXPECT_EQ(Text("SELECT a FROM main.x"), "a\n6\n");  // main/x is main_x: `main` is SQLite's
  EXPECT_EQ(Text("SELECT a FROM main_x"), "a\n5\n");
  EXPECT_EQ(Text("SELECT a FROM temp_y"), "a\n7\n");
  // Bronze and bronze are one schema name to SQLite: neither layer is attached; flat names stay.
  EXPECT_EQ(Text("SELECT a FROM Bronze_x"), "a\n1\n");
  EXPECT_EQ(Text("SELECT a FROM bronze_y"), "a\n2\n");
  EXPECT_EQ(Text("SELECT a FROM delta('Bronze/x')"), "a\n1\n");
  EXPECT_EQ(Text("SELECT a FROM delta('silver/x''y')"), "a\n8\n");
  EXPECT_EQ(Text("SELECT a FROM \"silver\".\"x'y\""), "a\n8\n");
  EXPECT_EQ(Text("SELECT count(*) AS n FROM history('silver.x''y')"), "n\n2\n");
  EXPECT_EQ(Error("DESCRIBE HISTORY \"silver.x'y\""), "ok");
  const std::string tables = Text("SHOW TABLES");
  for (const char* row : {"\nBronze_x,Bronze_x,Bronze/x,", "\nbronze_y,bronze_y,bronze/y,",
                          "\ngold.prices,,gold/prices,", "\ngold_prices,gold_prices,gold_prices,",
                          "\nmain_x,main_x,main/x,", "\ntemp_y,temp_y,temp/y,",
                          "\nsilver.x'y,silver_x'y,silver/x'y,"}) {
    EXPECT_NE(tables.find(row), std::string::npos) << row << "\n" << tables;
  }
  auto lower = ResolveLakeTable(session_->tables(), "bronze/X");
  EXPECT_EQ(lower.ok() ? lower->rel : lower.status().message(), "Bronze/x");
  add("bronze/x", 9);  // now Bronze/x and bronze/x differ only in case
  EXPECT_EQ(Text("SELECT a FROM delta('bronze/x')"), "a\n9\n");
  EXPECT_EQ(Text("SELECT a FROM delta('Bronze/x')"), "a\n1\n");
  EXPECT_EQ(Error("SELECT a FROM delta('BRONZE/X')"),
            "SQL: 'BRONZE/X' names 2 tables (Bronze/x, bronze/x), whose names differ only in case: "
            "name one by its exact path, as in delta('Bronze/x')");
}

TEST(SqlCatalogTest, MissingLakeIsNamed) {
  auto s = SqlSession::Open(io::PosixFileSystem(), "/nonexistent/lake");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "lake /nonexistent/lake does not exist");
}

}  // namespace
}  // namespace financelake::sql
