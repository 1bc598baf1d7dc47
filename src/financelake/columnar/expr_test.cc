#include "financelake/columnar/expr.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "financelake/columnar/text_values.h"

namespace financelake::columnar {
namespace {

Schema TestSchema() {
  return Schema({
      Field{"b", DataType::Boolean()},
      Field{"i8", DataType::Byte()},
      Field{"i16", DataType::Short()},
      Field{"i", DataType::Integer()},
      Field{"l", DataType::Long()},
      Field{"f", DataType::Float()},
      Field{"d", DataType::Double()},
      Field{"s", DataType::String()},
      Field{"bin", DataType::Binary()},
      Field{"dt", DataType::Date()},
      Field{"ts", DataType::Timestamp()},
      Field{"dec", DataType::Decimal(10, 2)},
      Field{"tags", DataType::Map(DataType::String(), DataType::String())},
      Field{"st", DataType::Struct({Field{"a", DataType::Integer()}})},
      Field{"my col", DataType::Long()},
  });
}

struct ParseCase {
  const char* text;
  const char* expected;  // canonical ToString
};

TEST(ExprParseTest, ParsesAndPrintsCanonically) {
  const Schema schema = TestSchema();
  const ParseCase cases[] = {
      {"l = 5", "l = 5"},
      {"L == 5", "l = 5"},
      {"5 < l", "l > 5"},
      {"l <> 5", "l != 5"},
      {"l>=-3", "l >= -3"},
      {"d > 1e3", "d > 1000"},
      {"d < -2.5E-1", "d < -0.25"},
      {"f = 0.1", "f = 0.1"},
      {"d = 'nan'", "d = 'NaN'"},
      {"d > '-Infinity'", "d > '-Infinity'"},
      {"s = 'it''s'", "s = 'it''s'"},
      {"bin = 'abc'", "bin = 'abc'"},
      {"dt >= '2024-01-31'", "dt >= '2024-01-31'"},
      {"ts < '2024-01-31 09:30'", "ts < '2024-01-31T09:30:00.000000Z'"},
      {"ts < '2024-01-31T09:30:00+01:00'", "ts < '2024-01-31T08:30:00.000000Z'"},
      {"dec = 12.5", "dec = 12.50"},
      {"dec > '-0.01'", "dec > -0.01"},
      {"dec = 1.250e1", "dec = 12.50"},
      {"l = 1e2", "l = 100"},
      {"l = 10.0", "l = 10"},
      {"i8 = -128", "i8 = -128"},
      {"l = NULL", "l = NULL"},
      {"b = 'true'", "b = TRUE"},
      {"b", "b = TRUE"},
      {"not b", "NOT (b = TRUE)"},
      {"l = 1 and i = 2 or not b = false", "l = 1 AND i = 2 OR NOT (b = FALSE)"},
      {"l = 1 AND (i = 2 OR i = 3)", "l = 1 AND (i = 2 OR i = 3)"},
      {"(l = 1 AND i = 2) AND s = 'x'", "l = 1 AND i = 2 AND s = 'x'"},
      {"NOT NOT (l = 1 OR l = 2)", "NOT NOT (l = 1 OR l = 2)"},
      {"l IN (1, 2, NULL)", "l IN (1, 2, NULL)"},
      {"s not in ('a','b')", "s NOT IN ('a', 'b')"},
      {"s is null", "s IS NULL"},
      {"tags IS NOT NULL", "tags IS NOT NULL"},
      {"`my col` = 3", "`my col` = 3"},
      {"`l` = 3", "l = 3"},
      {"TRUE", "TRUE"},
      {"NOT FALSE", "NOT FALSE"},
      {"NULL", "NULL"},
      {"1 = 1.0", "TRUE"},
      {"'a' < 'b'", "TRUE"},
      {"NULL = 1", "NULL"},
      {"2 IN (1, NULL)", "NULL"},
      {"2 NOT IN (1, 3)", "TRUE"},
      {"NULL IS NULL", "TRUE"},
      {"l = i", "l = i"},
      {"dt < ts", "dt < ts"},
      {"dec > d", "dec > d"},
      {"s = bin", "s = bin"},
  };
  for (const auto& c : cases) {
    auto e = Expr::Parse(c.text, schema);
    ASSERT_TRUE(e.ok()) << c.text << ": " << e.status().ToString();
    EXPECT_EQ(e->ToString(), c.expected) << c.text;
    auto again = Expr::Parse(e->ToString(), schema);
    ASSERT_TRUE(again.ok()) << e->ToString() << ": " << again.status().ToString();
    EXPECT_EQ(again->ToString(), c.expected) << "re-parse of " << c.text;
  }
}

TEST(ExprParseTest, ErrorsSayWhatAndWhere) {
  const Schema schema = TestSchema();
  const ParseCase cases[] = {
      {"", "where: position 1: expected a condition, found end of input"},
      {"l =", "where: position 4: expected a value after '=', found end of input"},
      {"l = AND i = 1", "where: position 5: expected a value after '=', found 'AND'"},
      {"x = 1",
       "where: unknown column 'x' (columns: b, i8, i16, i, l, f, d, s, bin, dt, ts, dec, "
       "tags, st, my col)"},
      {"s = 'a' AND l < 2 AND nope IS NULL", "where: unknown column 'nope'"},
      {"l = 1 AND", "where: position 10: expected a condition after 'AND', found end of input"},
      {"NOT", "where: position 4: expected a condition after 'NOT', found end of input"},
      {"l = 1 OR OR i = 2", "where: position 10: expected a condition after 'OR', found 'OR'"},
      {"(l = 1", "where: position 7: expected ')' to close '(' at position 1, found end of input"},
      {"l = 1)", "where: position 6: unexpected ')' without a matching '('"},
      {"l = 1 i = 2", "where: position 7: unexpected 'i'; expected AND, OR or end of input"},
      {"s = 'abc", "where: position 5: unterminated string literal"},
      {"`my col = 1", "where: position 1: unterminated `quoted name`"},
      {"l = 12abc", "where: position 5: malformed number '12abc'"},
      {"l = 1.2.3", "malformed number '1.2.3'"},
      {"l = 1e", "malformed number '1e'"},
      {"l # 1", "where: position 3: unexpected character '#'"},
      {"l = \x01", "where: position 5: unexpected byte 0x01"},
      {"l ! 1", "where: position 3: unexpected '!' (use != or NOT)"},
      {"l",
       "where: position 2: expected an operator (=, !=, <, <=, >, >=, IN, IS) after 'l', "
       "found end of input"},
      {"'x'", "expected an operator (=, !=, <, <=, >, >=, IN, IS) after string 'x'"},
      {"l IS 1", "where: position 6: expected NULL or NOT NULL after IS, found '1'"},
      {"l IN 1, 2", "where: position 6: expected '(' after IN, found '1'"},
      {"l IN ()", "where: position 7: expected a value in the IN list, found ')'"},
      {"l IN (1 2)", "where: position 9: expected ',' or ')' in the IN list, found '2'"},
      {"l IN (1, i)", "where: position 10: IN lists hold literals, found column 'i'"},
      {"s = 5", "where: position 5: cannot compare string column 's' with 5 (quote it: '5')"},
      {"5 = s", "where: position 1: cannot compare string column 's' with 5"},
      {"i8 = 300", "cannot compare byte column 'i8' with 300: '300' is not a byte (out of range)"},
      {"i = 99999999999", "(out of range)"},
      {"l = 1e100", "cannot compare long column 'l' with 1e100: out of range"},
      {"l = 1.5", "cannot compare long column 'l' with 1.5: '1.5' is not a long"},
      {"dt = 'yesterday'",
       "cannot compare date column 'dt' with 'yesterday': 'yesterday' is not a date (YYYY-MM-DD)"},
      {"dt = 20240131", "cannot compare date column 'dt' with 20240131 (write a date as a string"},
      {"ts > 'noon'",
       "cannot compare timestamp column 'ts' with 'noon': 'noon' is not a timestamp"},
      {"dec = 1.234", "'1.234' is not a decimal(10,2) (too many fraction digits)"},
      {"dec = 123456789", "(too many digits)"},
      {"b = 1", "where: position 5: cannot compare boolean column 'b' with 1"},
      {"l = TRUE", "cannot compare long column 'l' with TRUE"},
      {"f = 1e39", "cannot compare float column 'f' with 1e39: '1e39' is not a float (out of range)"},
      {"d = 1e400", "cannot compare double column 'd' with 1e400: '1e400' is not a double (out of range)"},
      {"d = '1e400'", "cannot compare double column 'd' with '1e400': '1e400' is not a double (out of range)"},
      {"tags = 'x'",
       "where: position 1: column 'tags' is map<string,string>: struct, array and "
       "map columns can only be tested with IS [NOT] NULL"},
      {"st IN (1)", "column 'st' is struct<a:integer>"},
      {"l = s", "where: position 3: cannot compare long column 'l' with string column 's'"},
      {"dt = l", "cannot compare date column 'dt' with long column 'l'"},
      {"1 = 'a'", "where: position 3: cannot compare 1 with 'a'"},
      {"TRUE IN (1)", "cannot compare TRUE with 1"},
      {"l = 5 AND 0x", "malformed number '0x'"},
  };
  for (const auto& c : cases) {
    auto e = Expr::Parse(c.text, schema);
    ASSERT_FALSE(e.ok()) << c.text << " parsed as " << e->ToString();
    EXPECT_TRUE(e.status().IsInvalidArgument()) << c.text;
    EXPECT_NE(e.status().message().find(c.expected), std::string::npos)
        << c.text << "\n  got:  " << e.status().message() << "\n  want: " << c.expected;
  }
  const std::string deep = std::string(300, '(') + "l = 1" + std::string(300, ')');
  auto e = Expr::Parse(deep, schema);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("expression nested too deeply"), std::string::npos);
  std::string nots;
  for (int k = 0; k < 300; ++k) nots += "NOT ";
  EXPECT_FALSE(Expr::Parse(nots + "l = 1", schema).ok());
}

TEST(ExprParseTest, ColumnsAndEquals) {
  const Schema schema = TestSchema();
  auto e = Expr::Parse("l = 1 AND (s = 'x' OR l > i) AND `my col` IS NULL", schema);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->Columns(), (std::vector<std::string>{"l", "s", "i", "my col"}));
  EXPECT_TRUE(Expr().Columns().empty());
  EXPECT_EQ(Expr().ToString(), "TRUE");

  Expr eq = Expr::Equals(schema, {{"dt", Value::Int(19753)},
                                  {"s", Value::Null()},
                                  {"d", Value::Int(2)},
                                  {"dec", Value::Decimal(1250)}});
  EXPECT_EQ(eq.ToString(), "dt = '2024-01-31' AND s IS NULL AND d = 2 AND dec = 12.50");
  EXPECT_EQ(Expr::Equals(schema, {}).ToString(), "TRUE");
  EXPECT_EQ(Expr::Equals(schema, {{"l", Value::Int(7)}}).ToString(), "l = 7");

  Expr moved = std::move(*e);
  EXPECT_EQ(moved.Columns().size(), 4u);
  EXPECT_EQ(e->ToString(), "TRUE");  // a moved-from Expr stays usable
}

// --- evaluation ---

struct Col {
  std::string name;
  DataType type;
  std::vector<Value> values;
};

RecordBatch MakeBatch(const std::vector<Col>& cols) {
  std::vector<Field> fields;
  std::vector<Column> columns;
  for (const Col& c : cols) {
    fields.push_back(Field{c.name, c.type});
    columns.emplace_back(c.type);
    for (const Value& v : c.values) columns.back().AppendValue(v);
  }
  auto b = RecordBatch::Make(Schema(fields), std::move(columns));
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return std::move(b).value();
}

// Values of `type` parsed from text; "null" is a null.
std::vector<Value> Parsed(const DataType& type, const std::vector<std::string>& texts) {
  std::vector<Value> out;
  for (const auto& t : texts) {
    if (t == "null") {
      out.push_back(Value::Null());
      continue;
    }
    auto v = ParseValue(t, type);
    EXPECT_TRUE(v.ok()) << t << ": " << v.status().ToString();
    out.push_back(*v);
  }
  return out;
}

std::vector<int> Rows(const RecordBatch& batch, const std::string& text) {
  auto e = Expr::Parse(text, batch.schema());
  EXPECT_TRUE(e.ok()) << text << ": " << e.status().ToString();
  if (!e.ok()) return {-1};
  auto flags = e->Evaluate(batch);
  EXPECT_TRUE(flags.ok()) << text << ": " << flags.status().ToString();
  if (!flags.ok()) return {-1};
  std::vector<int> rows;
  for (size_t i = 0; i < flags->size(); ++i) {
    EXPECT_LE((*flags)[i], 1) << text;
    if ((*flags)[i]) rows.push_back(static_cast<int>(i));
  }
  return rows;
}

using R = std::vector<int>;

TEST(ExprEvalTest, ThreeValuedLogicWithNulls) {
  const RecordBatch b =
      MakeBatch({{"x",
                  DataType::Long(),
                  {Value::Int(1), Value::Int(2), Value::Null(), Value::Int(3), Value::Int(1)}}});
  EXPECT_EQ(Rows(b, "x = 1"), (R{0, 4}));
  EXPECT_EQ(Rows(b, "x != 1"), (R{1, 3}));
  EXPECT_EQ(Rows(b, "NOT (x = 1)"), (R{1, 3}));
  EXPECT_EQ(Rows(b, "x IS NULL"), (R{2}));
  EXPECT_EQ(Rows(b, "x IS NOT NULL"), (R{0, 1, 3, 4}));
  EXPECT_EQ(Rows(b, "NOT (x IS NULL)"), (R{0, 1, 3, 4}));
  EXPECT_EQ(Rows(b, "1 < x"), (R{1, 3}));
  EXPECT_EQ(Rows(b, "x IN (1, 3)"), (R{0, 3, 4}));
  EXPECT_EQ(Rows(b, "x NOT IN (1, 3)"), (R{1}));
  EXPECT_EQ(Rows(b, "x IN (1, NULL)"), (R{0, 4}));
  EXPECT_EQ(Rows(b, "x NOT IN (1, NULL)"), (R{}));
  EXPECT_EQ(Rows(b, "NOT (x IN (1, NULL))"), (R{}));
  EXPECT_EQ(Rows(b, "x = NULL"), (R{}));
  EXPECT_EQ(Rows(b, "NOT (x = NULL)"), (R{}));
  EXPECT_EQ(Rows(b, "x != 1 OR x IS NULL"), (R{1, 2, 3}));
  EXPECT_EQ(Rows(b, "NOT (x = 1 AND x > 5)"), (R{0, 1, 3, 4}));
  EXPECT_EQ(Rows(b, "x > 1 OR NULL"), (R{1, 3}));
  EXPECT_EQ(Rows(b, "NOT (x > 1 OR NULL)"), (R{}));
  EXPECT_EQ(Rows(b, "x > 1 AND NOT NULL"), (R{}));
  EXPECT_EQ(Rows(b, "NULL"), (R{}));
  EXPECT_EQ(Rows(b, "TRUE"), (R{0, 1, 2, 3, 4}));
  EXPECT_EQ(Rows(b, "FALSE AND x = 1"), (R{}));
  EXPECT_EQ(Rows(b, "x = 9 AND x = 1"), (R{}));  // short-circuit after an all-false child
  EXPECT_EQ(Rows(b, "x > 0 OR x = 1"), (R{0, 1, 3, 4}));
  // IN lists past the linear-scan size.
  EXPECT_EQ(Rows(b, "x IN (10, 11, 12, 13, 14, 15, 16, 17, 18, 3)"), (R{3}));
}

struct TypeCase {
  DataType type;
  std::vector<std::string> values;
  std::vector<std::pair<std::string, R>> exprs;  // over column "c"
};

TEST(ExprEvalTest, EveryPrimitiveType) {
  const TypeCase cases[] = {
      {DataType::Boolean(),
       {"true", "false", "null", "true"},
       {{"c", {0, 3}},
        {"NOT c", {1}},
        {"c = FALSE", {1}},
        {"c < TRUE", {1}},
        {"c IN (FALSE)", {1}}}},
      {DataType::Byte(),
       {"-128", "0", "null", "127"},
       {{"c = -128", {0}},
        {"c > 0", {3}},
        {"c <= 0", {0, 1}},
        {"c != 0", {0, 3}},
        {"c IN (0, 127)", {1, 3}}}},
      {DataType::Short(),
       {"-300", "5", "null", "300"},
       {{"c >= 5", {1, 3}}, {"c < -299", {0}}, {"c NOT IN (5)", {0, 3}}}},
      {DataType::Integer(),
       {"7", "null", "-7", "7"},
       {{"c = 7", {0, 3}}, {"c = 7.0", {0, 3}}, {"c > -7", {0, 3}}, {"c <> 7", {2}}}},
      {DataType::Long(),
       {"9223372036854775807", "null", "-1"},
       {{"c = 9223372036854775807", {0}}, {"c < 0", {2}}, {"c > -2", {0, 2}}}},
      {DataType::Float(),
       {"0.1", "1.5", "null", "NaN", "-0.0"},
       {{"c = 0.1", {0}},
        {"c > 1", {1, 3}},
        {"c = 0", {4}},
        {"c = 'NaN'", {3}},
        {"c < 1", {0, 4}}}},
      {DataType::Double(),
       {"0.1", "1.5", "null", "-Infinity"},
       {{"c = 0.1", {0}}, {"c >= 1.5", {1}}, {"c < -1e308", {3}}, {"c IN (1.5, 0.1)", {0, 1}}}},
      {DataType::String(),
       {"a", "B", "\xC3\xA9", "", "null", "ab"},
       {{"c > 'z'", {2}},
        {"c < 'a'", {1, 3}},
        {"c = ''", {3}},
        {"c >= 'a'", {0, 2, 5}},
        {"c != 'a'", {1, 2, 3, 5}},
        {"c IN ('ab', '', 'zz')", {3, 5}},
        {"c <= 'ab'", {0, 1, 3, 5}}}},
      {DataType::Binary(),
       {"\x01", "\xff", "null", ""},
       {{"c > '\x01'", {1}}, {"c = ''", {3}}, {"c < '\x80'", {0, 3}}}},
      {DataType::Date(),
       {"2024-01-30", "2024-01-31", "null", "2024-02-01"},
       {{"c >= '2024-01-31'", {1, 3}},
        {"c = '2024-01-31'", {1}},
        {"c < '2024-01-31'", {0}},
        {"c IN ('2024-02-01', '1999-12-31')", {3}},
        {"'2024-01-31' > c", {0}}}},
      {DataType::Timestamp(),
       {"2024-01-31T09:30:00Z", "2024-01-31T09:30:00.000001Z", "null", "2024-01-31"},
       {{"c = '2024-01-31 10:30:00+01:00'", {0}},
        {"c > '2024-01-31T09:30:00Z'", {1}},
        {"c < '2024-01-31T00:00:01'", {3}},
        {"c = '2024-01-31'", {3}}}},
      {DataType::Decimal(10, 2),
       {"12.50", "-0.01", "null", "100"},
       {{"c >= 12.5", {0, 3}},
        {"c < 0", {1}},
        {"c = '12.50'", {0}},
        {"c = 1e2", {3}},
        {"c IN (-0.01, 100.00)", {1, 3}},
        {"c > -1", {0, 1, 3}}}},
  };
  for (const auto& tc : cases) {
    const RecordBatch b = MakeBatch({{"c", tc.type, Parsed(tc.type, tc.values)}});
    int null_row = 0;
    while (tc.values[static_cast<size_t>(null_row)] != "null") ++null_row;
    EXPECT_EQ(Rows(b, "c IS NULL"), (R{null_row})) << tc.type.ToString();
    for (const auto& [text, want] : tc.exprs) {
      EXPECT_EQ(Rows(b, text), want) << tc.type.ToString() << ": " << text;
      // The null row is unknown under either polarity, so NOT never selects it either.
      const R negated = Rows(b, "NOT (" + text + ")");
      EXPECT_EQ(std::count(negated.begin(), negated.end(), null_row), 0) << text;
      EXPECT_EQ(negated.size() + want.size(), tc.values.size() - 1) << text;
    }
  }
}

TEST(ExprEvalTest, NaNOrdersAboveEverythingAndEqualsItself) {
  const RecordBatch b = MakeBatch(
      {{"d", DataType::Double(),
        Parsed(DataType::Double(), {"1", "NaN", "null", "-Infinity", "Infinity", "-0.0"})},
       {"e", DataType::Double(),
        Parsed(DataType::Double(), {"NaN", "NaN", "1", "0", "NaN", "0"})}});
  EXPECT_EQ(Rows(b, "d = 'NaN'"), (R{1}));
  EXPECT_EQ(Rows(b, "d > 1e308"), (R{1, 4}));
  EXPECT_EQ(Rows(b, "d > 'Infinity'"), (R{1}));
  EXPECT_EQ(Rows(b, "d < 'NaN'"), (R{0, 3, 4, 5}));
  EXPECT_EQ(Rows(b, "d <= 'NaN'"), (R{0, 1, 3, 4, 5}));
  EXPECT_EQ(Rows(b, "d >= 'NaN'"), (R{1}));
  EXPECT_EQ(Rows(b, "d != 'NaN'"), (R{0, 3, 4, 5}));
  EXPECT_EQ(Rows(b, "d = 0"), (R{5}));
  EXPECT_EQ(Rows(b, "d IN ('NaN', 1)"), (R{0, 1}));
  EXPECT_EQ(Rows(b, "NOT (d < 5)"), (R{1, 4}));
  EXPECT_EQ(Rows(b, "d = e"), (R{1, 5}));
  EXPECT_EQ(Rows(b, "d < e"), (R{0, 3, 4}));
  EXPECT_EQ(Rows(b, "d > e"), (R{}));
}

TEST(ExprEvalTest, ColumnToColumnPromotes) {
  const RecordBatch b = MakeBatch({
      {"l", DataType::Long(), {Value::Int(1), Value::Int(2), Value::Null(), Value::Int(100)}},
      {"i8", DataType::Byte(), {Value::Int(1), Value::Int(3), Value::Int(0), Value::Int(100)}},
      {"d",
       DataType::Double(),
       {Value::Real(1.0), Value::Real(1.5), Value::Real(0), Value::Real(99.99)}},
      {"dec", DataType::Decimal(38, 30),
       Parsed(DataType::Decimal(38, 30), {"1", "2.5", "0", "99"})},
      {"dt", DataType::Date(),
       Parsed(DataType::Date(), {"2024-01-31", "2024-01-31", "null", "1970-01-02"})},
      {"ts", DataType::Timestamp(),
       Parsed(DataType::Timestamp(),
              {"2024-01-31", "2024-01-31T00:00:01Z", "2024-01-31", "1970-01-01"})},
      {"s",
       DataType::String(),
       {Value::Bytes("a"), Value::Bytes("b"), Value::Null(), Value::Bytes("\xff")}},
      {"bin",
       DataType::Binary(),
       {Value::Bytes("a"), Value::Bytes("a"), Value::Bytes(""), Value::Bytes("z")}},
  });
  EXPECT_EQ(Rows(b, "l = i8"), (R{0, 3}));
  EXPECT_EQ(Rows(b, "l < i8"), (R{1}));
  EXPECT_EQ(Rows(b, "l > d"), (R{1, 3}));
  EXPECT_EQ(Rows(b, "dec = l"), (R{0}));
  EXPECT_EQ(Rows(b, "dec > l"), (R{1}));
  EXPECT_EQ(Rows(b, "dec < d"), (R{3}));
  EXPECT_EQ(Rows(b, "dt = ts"), (R{0}));
  EXPECT_EQ(Rows(b, "dt < ts"), (R{1}));
  EXPECT_EQ(Rows(b, "dt > ts"), (R{3}));
  EXPECT_EQ(Rows(b, "s = bin"), (R{0}));
  EXPECT_EQ(Rows(b, "s > bin"), (R{1, 3}));
  EXPECT_EQ(Rows(b, "NOT (s <= bin)"), (R{1, 3}));
}

TEST(ExprEvalTest, BatchMustHoldTheBoundColumns) {
  const Schema schema({Field{"x", DataType::Long()}, Field{"y", DataType::String()}});
  auto e = Expr::Parse("x = 1 OR y = 'a'", schema);
  ASSERT_TRUE(e.ok());
  const RecordBatch only_x = MakeBatch({{"x", DataType::Long(), {Value::Int(1)}}});
  auto r = e->Evaluate(only_x);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "where: column 'y' is not in the batch");
  const RecordBatch wrong = MakeBatch({{"x", DataType::Integer(), {Value::Int(1)}},
                                       {"y", DataType::String(), {Value::Bytes("a")}}});
  r = e->Evaluate(wrong);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "where: column 'x' is integer in the batch, expected long");
  const RecordBatch reordered =
      MakeBatch({{"y", DataType::String(), {Value::Bytes("a"), Value::Bytes("b")}},
                 {"x", DataType::Long(), {Value::Int(5), Value::Int(1)}}});
  EXPECT_EQ(Rows(reordered, "x = 1 OR y = 'a'"), (R{0, 1}));
  auto flags = e->Evaluate(reordered);
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(*flags, (std::vector<uint8_t>{1, 1}));
  EXPECT_TRUE(Expr().Evaluate(reordered).ok());
}

TEST(ExprEvalTest, IsNullOnNestedColumns) {
  Column tags(DataType::Array(DataType::Long()));
  tags.mutable_child(0).Append<int64_t>(1);
  tags.CloseList();
  tags.AppendNull();
  std::vector<Column> cols;
  cols.push_back(std::move(tags));
  auto b = RecordBatch::Make(Schema({Field{"tags", DataType::Array(DataType::Long())}}),
                             std::move(cols));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(Rows(*b, "tags IS NULL"), (R{1}));
  EXPECT_EQ(Rows(*b, "tags IS NOT NULL"), (R{0}));
}

}  // namespace
}  // namespace financelake::columnar
