#include "financelake/sql/pushdown.h"

#include <gtest/gtest.h>

namespace financelake::sql {
namespace {

using columnar::DataType;

SqlValue Text(std::string s) {
  return SqlValue::Text(std::move(s));
}
SqlValue Int(int64_t i) {
  return SqlValue::Int(i);
}
SqlValue Real(double d) {
  return SqlValue::Real(d);
}

TEST(PushDownTest, SafeTermsOnly) {
  EXPECT_EQ(PushDownTerm("ticker", DataType::String(), PushOp::kEq, Text("O'Neil")),
            "`ticker` = 'O''Neil'");
  EXPECT_EQ(PushDownTerm("d", DataType::Date(), PushOp::kGe, Text("2024-01-01")),
            "`d` >= '2024-01-01'");
  EXPECT_EQ(PushDownTerm("d", DataType::Date(), PushOp::kGe, Text("2024-1-1")),
            std::nullopt);  // text order differs
  EXPECT_EQ(PushDownTerm("d", DataType::Date(), PushOp::kEq, Int(3)), std::nullopt);
  EXPECT_EQ(PushDownTerm("n", DataType::Long(), PushOp::kLt, Int(10)), "`n` < 10");
  EXPECT_EQ(PushDownTerm("n", DataType::Long(), PushOp::kGt, Real(2.5)), "`n` >= 2");
  EXPECT_EQ(PushDownTerm("n", DataType::Long(), PushOp::kLt, Real(2.5)), "`n` <= 3");
  EXPECT_EQ(PushDownTerm("n", DataType::Long(), PushOp::kEq, Real(2.5)), "FALSE");
  EXPECT_EQ(PushDownTerm("n", DataType::Long(), PushOp::kEq, Text("5")),
            std::nullopt);  // int < text in SQLite
  EXPECT_EQ(PushDownTerm("x", DataType::Double(), PushOp::kLe, Int(7)), "`x` <= 7");
  EXPECT_EQ(PushDownTerm("x", DataType::Double(), PushOp::kLe, Real(7)), "`x` <= 7.0");
  EXPECT_EQ(PushDownTerm("f", DataType::Float(), PushOp::kLe, Real(0.1)), std::nullopt);
  EXPECT_EQ(PushDownTerm("b", DataType::Boolean(), PushOp::kEq, Int(1)), std::nullopt);
  // Timestamps: the shown form, or a plain date for ranges (text order = time order there).
  EXPECT_EQ(
      PushDownTerm("t", DataType::Timestamp(), PushOp::kEq, Text("2024-01-02T09:30:00.000000Z")),
      "`t` = '2024-01-02T09:30:00.000000Z'");
  EXPECT_EQ(PushDownTerm("t", DataType::Timestamp(), PushOp::kGt, Text("2024-01-02")),
            "`t` >= '2024-01-02'");
  EXPECT_EQ(PushDownTerm("t", DataType::Timestamp(), PushOp::kLe, Text("2024-01-02")),
            "`t` < '2024-01-02'");
  EXPECT_EQ(PushDownTerm("t", DataType::Timestamp(), PushOp::kEq, Text("2024-01-02")),
            std::nullopt);
  EXPECT_EQ(PushDownTerm("t", DataType::Timestamp(), PushOp::kGe, Text("2024-01-02 09:30")),
            std::nullopt);
}

TEST(PushDownTest, IntegersBeyondDoublePrecisionStayWithSqlite) {
  // SQLite: 9007199254740992.0 < 9007199254740993 is true; as doubles both are 2^53.
  constexpr int64_t k2p53 = int64_t{1} << 53;
  EXPECT_EQ(PushDownTerm("x", DataType::Double(), PushOp::kLt, Int(k2p53)),
            "`x` < 9007199254740992");
  EXPECT_EQ(PushDownTerm("x", DataType::Double(), PushOp::kGe, Int(-k2p53)),
            "`x` >= -9007199254740992");
  EXPECT_EQ(PushDownTerm("x", DataType::Double(), PushOp::kLt, Int(k2p53 + 1)), std::nullopt);
  EXPECT_EQ(PushDownTerm("x", DataType::Double(), PushOp::kEq, Int(-k2p53 - 1)), std::nullopt);
  EXPECT_EQ(PushDownTerm("x", DataType::Double(), PushOp::kGt, Int(INT64_MAX)), std::nullopt);
  EXPECT_EQ(PushDownTerm("n", DataType::Long(), PushOp::kLt, Int(k2p53 + 1)),
            "`n` < 9007199254740993");
}

// `s < v` against a value of numeric affinity: SQLite compares the column's number-like texts
// as numbers, which sort before any text, so it keeps '1' < '!'; bytewise that row would be
// dropped. Upper bounds on strings are pushed only when v starts above '9'.
TEST(PushDownTest, StringUpperBoundsKeepNumberLikeValues) {
  EXPECT_EQ(PushDownTerm("s", DataType::String(), PushOp::kLt, Text("!")), std::nullopt);
  EXPECT_EQ(PushDownTerm("s", DataType::String(), PushOp::kLe, Text("9zz")), std::nullopt);
  EXPECT_EQ(PushDownTerm("s", DataType::String(), PushOp::kLt, Text("")), std::nullopt);
  EXPECT_EQ(PushDownTerm("s", DataType::String(), PushOp::kLt, Text("MSFT")), "`s` < 'MSFT'");
  EXPECT_EQ(PushDownTerm("s", DataType::String(), PushOp::kLe, Text(":")), "`s` <= ':'");
  // Lower bounds and equality only keep more rows than SQLite does, never fewer.
  EXPECT_EQ(PushDownTerm("s", DataType::String(), PushOp::kGt, Text("!")), "`s` > '!'");
  EXPECT_EQ(PushDownTerm("s", DataType::String(), PushOp::kEq, Text("1")), "`s` = '1'");
}

TEST(PushDownTest, TextOnlyUnderBinaryCollation) {
  // The Delta filter compares bytes: 'aapl' = 'AAPL' COLLATE NOCASE, 'x ' = 'x' COLLATE RTRIM.
  for (const DataType& t : {DataType::String(), DataType::Date(), DataType::Timestamp()}) {
    EXPECT_TRUE(MayPushDown(t, PushOp::kEq, "BINARY")) << t.ToString();
    EXPECT_TRUE(MayPushDown(t, PushOp::kEq, "binary")) << t.ToString();
    EXPECT_FALSE(MayPushDown(t, PushOp::kEq, "NOCASE")) << t.ToString();
    EXPECT_FALSE(MayPushDown(t, PushOp::kGt, "RTRIM")) << t.ToString();
  }
  // Numbers compare as numbers under any collation.
  EXPECT_TRUE(MayPushDown(DataType::Long(), PushOp::kEq, "NOCASE"));
  EXPECT_TRUE(MayPushDown(DataType::Double(), PushOp::kLt, "RTRIM"));
  EXPECT_FALSE(MayPushDown(DataType::Boolean(), PushOp::kEq, "BINARY"));
}

}  // namespace
}  // namespace financelake::sql
