#include "financelake/sql/statement.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace financelake::sql {
namespace {

TEST(SplitStatementsTest, SemicolonsInsideQuotesAndCommentsStay) {
  const auto s = SplitStatements(
      "SELECT 'a;b' AS x; -- c;d\n SELECT \"q;\" FROM t /* ; */ ;\n\n  ;  -- only a comment\n");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], "SELECT 'a;b' AS x");
  EXPECT_EQ(s[1], "-- c;d\n SELECT \"q;\" FROM t /* ; */");
  EXPECT_TRUE(SplitStatements("  ; ;").empty());
  EXPECT_EQ(SplitStatements("SELECT 'it''s;'").size(), 1u);
}

// The shell's view of a script fed line by line: between statements or not.
TEST(StatementBoundaryTest, SemicolonsInQuotesAndCommentsDoNotEndAStatement) {
  auto at_boundary = [](std::initializer_list<std::string_view> lines) {
    StatementBoundary b;
    for (std::string_view l : lines) b.Feed(l);
    return b.AtBoundary();
  };
  EXPECT_TRUE(at_boundary({}));
  EXPECT_FALSE(at_boundary({"SELECT 1 AS a, -- first;\n"}));
  EXPECT_TRUE(at_boundary({"SELECT 1 AS a, -- first;\n", "  2 AS b;\n"}));
  EXPECT_TRUE(at_boundary({"SELECT 1; -- a note\n"}));
  EXPECT_TRUE(at_boundary({"SELECT 1; /* a note; */\n"}));
  EXPECT_FALSE(at_boundary({"/* ; */ SELECT 1\n"}));
  EXPECT_FALSE(at_boundary({"SELECT ';' AS x\n"}));
  EXPECT_TRUE(at_boundary({"SELECT ';' AS x\n", ";\n"}));
  EXPECT_TRUE(at_boundary({"SELECT 'it''s;' AS x;\n"}));
  EXPECT_FALSE(at_boundary({"SELECT 'it''s;\n", "still; quoted\n"}));
  EXPECT_FALSE(at_boundary({"SELECT \"a\"\"b;\" FROM t\n"}));
  EXPECT_TRUE(at_boundary({"SELECT [a;b], `c;d` FROM t;\n"}));
  EXPECT_TRUE(at_boundary({"SELECT 2 - 1, 4 / 2;\n"}));
  EXPECT_FALSE(at_boundary({"SELECT 2 -\n"}));
  EXPECT_FALSE(at_boundary({"SELECT 1 /* open\n", "; */\n"}));
  EXPECT_TRUE(at_boundary({"SELECT 1 /* open\n", "; */;\n"}));
  EXPECT_TRUE(at_boundary({"-- only a comment\n"}));
}

TEST(LakeStatementTest, RecognisesTheLakeStatements) {
  auto opt = ParseLakeStatement("optimize gold.daily_prices");
  ASSERT_TRUE(opt.ok());
  EXPECT_EQ(opt->kind, LakeStatement::Kind::kOptimize);
  EXPECT_EQ(opt->table, "gold.daily_prices");
  auto vac = ParseLakeStatement("VACUUM 'silver/stock_trades' RETAIN 0 HOURS DRY RUN");
  ASSERT_TRUE(vac.ok());
  EXPECT_EQ(vac->kind, LakeStatement::Kind::kVacuum);
  EXPECT_EQ(vac->table, "'silver/stock_trades'");
  EXPECT_EQ(vac->retain_hours, 0.0);
  EXPECT_TRUE(vac->dry_run);
  EXPECT_FALSE(vac->force);
  EXPECT_TRUE(ParseLakeStatement("vacuum t retain 1 hours force")->force);
  EXPECT_FALSE(ParseLakeStatement("VACUUM t FORCE DRY RUN").ok());
  EXPECT_EQ(ParseLakeStatement("DESCRIBE HISTORY errors")->kind,
            LakeStatement::Kind::kDescribeHistory);
  EXPECT_EQ(ParseLakeStatement("desc table errors")->kind, LakeStatement::Kind::kDescribe);
  EXPECT_EQ(ParseLakeStatement("show tables")->kind, LakeStatement::Kind::kShowTables);
  EXPECT_EQ(ParseLakeStatement("SELECT 1")->kind, LakeStatement::Kind::kNone);
  EXPECT_EQ(ParseLakeStatement("VACUUM").status().message(),
            "VACUUM needs a table: VACUUM <table> [RETAIN <n> HOURS] [DRY RUN] [FORCE]");
  EXPECT_EQ(ParseLakeStatement("VACUUM t RETAIN x HOURS").status().message(),
            "VACUUM: 'x' is not a number of hours (a decimal number >= 0)");
  // strtod's other spellings are not hours: hex was read as 16, 1e309 as infinity.
  for (const char* bad : {"0x10", "inf", "1e309", "nan", "-1", "+5"}) {
    EXPECT_EQ(ParseLakeStatement(fmt::format("VACUUM t RETAIN {} HOURS", bad)).status().message(),
              fmt::format("VACUUM: '{}' is not a number of hours (a decimal number >= 0)", bad));
  }
  EXPECT_EQ(ParseLakeStatement("VACUUM t RETAIN 1.5e2 HOURS")->retain_hours, 150.0);
  EXPECT_FALSE(ParseLakeStatement("VACUUM t RETAIN 5").ok());
  EXPECT_FALSE(ParseLakeStatement("OPTIMIZE a b").ok());
}

// Comments are ignored around and inside the lake statements, as SQLite ignores them.
TEST(LakeStatementTest, CommentsAreNotWords) {
  const auto script = SplitStatements(
      "-- list the tables\nSHOW TABLES;\nSELECT 1 AS one; -- then describe\n"
      "DESCRIBE t.one;\n/* c */ DESCRIBE HISTORY t.one -- the main table\n");
  ASSERT_EQ(script.size(), 4u);
  EXPECT_EQ(ParseLakeStatement(script[0])->kind, LakeStatement::Kind::kShowTables);
  EXPECT_EQ(ParseLakeStatement(script[1])->kind, LakeStatement::Kind::kNone);
  auto describe = ParseLakeStatement(script[2]);
  ASSERT_TRUE(describe.ok()) << describe.status().ToString();
  EXPECT_EQ(describe->kind, LakeStatement::Kind::kDescribe);
  EXPECT_EQ(describe->table, "t.one");
  auto history = ParseLakeStatement(script[3]);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  EXPECT_EQ(history->kind, LakeStatement::Kind::kDescribeHistory);
  EXPECT_EQ(history->table, "t.one");
  auto opt = ParseLakeStatement("OPTIMIZE t.one/* nightly */");
  ASSERT_TRUE(opt.ok()) << opt.status().ToString();
  EXPECT_EQ(opt->table, "t.one");
  auto vac = ParseLakeStatement("VACUUM t.one -- weekly\n RETAIN 0 HOURS /* all */ DRY RUN");
  ASSERT_TRUE(vac.ok()) << vac.status().ToString();
  EXPECT_TRUE(vac->dry_run);
  EXPECT_EQ(ParseLakeStatement("OPTIMIZE 't--x'")->table, "'t--x'");  // not a comment inside quotes
  EXPECT_EQ(ParseLakeStatement("SELECT 1 -- OPTIMIZE t")->kind, LakeStatement::Kind::kNone);
}

TEST(LakeStatementTest, CreatesView) {
  EXPECT_TRUE(CreatesView("create view v as select 1"));
  EXPECT_TRUE(CreatesView("/* x */ CREATE TEMP VIEW v AS SELECT 1"));
  EXPECT_TRUE(CreatesView("CREATE TEMPORARY VIEW v AS SELECT 1"));
  EXPECT_FALSE(CreatesView("CREATE TEMP TABLE v AS SELECT 1"));
  EXPECT_FALSE(CreatesView("SELECT 'CREATE VIEW'"));
}

TEST(TimeTravelTest, DeltaCallsBecomePinnedTables) {
  int counter = 0;
  std::vector<TimeTravel> calls;
  auto sql = RewriteTimeTravel(
      "SELECT a.n - b.n FROM (SELECT count(*) n FROM delta('silver/stock_trades', version => 0)) "
      "a, "
      "(SELECT count(*) n FROM DELTA( 'gold.daily_prices' , timestamp => '2026-11-20T10:00:00Z' )) "
      "b "
      "WHERE 'delta(x)' <> delta_col",
      &counter, &calls);
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(*sql,
            "SELECT a.n - b.n FROM (SELECT count(*) n FROM temp.\"__delta_tt0\") a, "
            "(SELECT count(*) n FROM temp.\"__delta_tt1\") b WHERE 'delta(x)' <> delta_col");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].table, "silver/stock_trades");
  EXPECT_EQ(calls[0].version, 0);
  EXPECT_EQ(calls[1].timestamp, "2026-11-20T10:00:00Z");
  EXPECT_EQ(counter, 2);
  // A common table expression named delta with a column list is not a call (found by a
  // differential hunt: it was refused as a bad delta() call).
  for (const char* cte :
       {"WITH delta(a) AS (SELECT 1) SELECT a FROM delta",
        "WITH x AS (SELECT 2), Delta ( a , b )AS(SELECT 1, 2) SELECT * FROM delta"}) {
    auto kept = RewriteTimeTravel(cte, &counter, &calls);
    ASSERT_TRUE(kept.ok()) << kept.status().ToString();
    EXPECT_EQ(*kept, cte);
  }
  EXPECT_EQ(calls.size(), 2u);
  EXPECT_TRUE(RewriteTimeTravel("WITH delta(a) AS MATERIALIZED (SELECT 1) SELECT a FROM delta",
                                &counter, &calls)
                  .ok());
  auto bad = [&](const char* q) {
    return RewriteTimeTravel(q, &counter, &calls).status().message();
  };
  EXPECT_EQ(bad("SELECT delta(x) AS y FROM t"), bad("SELECT * FROM delta(x)"));
  EXPECT_EQ(bad("SELECT * FROM delta(x)"),
            "delta(): the first argument is the table, as a string: delta('silver/stock_trades', "
            "version => 0)");
  EXPECT_EQ(bad("SELECT * FROM delta('t', version => -1)"),
            "delta(): version => takes a version number >= 0");
  EXPECT_EQ(bad("SELECT * FROM delta('t', as_of => 1)"),
            "delta(): unknown argument 'AS_OF' (version or timestamp)");
  EXPECT_EQ(bad("SELECT * FROM delta('t', version => 1, timestamp => 'x')"),
            "delta(): give version or timestamp, not both");
  EXPECT_EQ(bad("SELECT * FROM delta('t', version 1)"), "delta(): expected '=>' after 'VERSION'");
  EXPECT_EQ(bad("SELECT * FROM delta('t', version => 99999999999999999999)"),
            "delta(): version 99999999999999999999 is out of range");
  EXPECT_EQ(bad("SELECT * FROM delta('t', version => 1, version => 2)"),
            "delta(): version given twice");
  EXPECT_EQ(bad("SELECT * FROM delta('t', timestamp => 'a', TIMESTAMP => 'b')"),
            "delta(): timestamp given twice");
}

}  // namespace
}  // namespace financelake::sql
