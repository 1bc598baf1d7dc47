// Expr::MayMatch: a truth table of files that must and must not be skipped, and a property
// test against Evaluate.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "financelake/columnar/expr.h"
#include "financelake/columnar/text_values.h"

namespace financelake::columnar {
namespace {

using Range = Expr::ColumnRange;

Range Make(std::optional<Value> min, std::optional<Value> max, std::optional<int64_t> nulls = 0,
           std::optional<int64_t> rows = 100, std::optional<int64_t> nans = std::nullopt) {
  return Range{std::move(min), std::move(max), nulls, rows, nans};
}

struct SkipCase {
  const char* expr;
  std::map<std::string, Range> ranges;
  bool may_match;
};

TEST(ExprSkipTest, TruthTable) {
  const Schema schema({Field{"x", DataType::Long()}, Field{"y", DataType::Long()},
                       Field{"s", DataType::String()}, Field{"d", DataType::Double()},
                       Field{"f", DataType::Float()}, Field{"ts", DataType::Timestamp()},
                       Field{"dec", DataType::Decimal(10, 2)}, Field{"dt", DataType::Date()}});
  const Range x10_20 = Make(Value::Int(10), Value::Int(20));
  const Range x10 = Make(Value::Int(10), Value::Int(10));
  const Range all_null = Make(std::nullopt, std::nullopt, 100, 100);
  const Range s_ab = Make(Value::Bytes("apple"), Value::Bytes("banana"));
  const Range d12 = Make(Value::Real(1), Value::Real(2));
  const Range d12_no_nan = Make(Value::Real(1), Value::Real(2), 0, 100, 0);
  const auto ts = [](const char* t) { return *ParseValue(t, DataType::Timestamp()); };
  const SkipCase cases[] = {
      {"x = 5", {{"x", x10_20}}, false},
      {"x = 10", {{"x", x10_20}}, true},
      {"x = 20", {{"x", x10_20}}, true},
      {"x = 21", {{"x", x10_20}}, false},
      {"x < 10", {{"x", x10_20}}, false},
      {"x <= 10", {{"x", x10_20}}, true},
      {"10 >= x", {{"x", x10_20}}, true},
      {"x > 20", {{"x", x10_20}}, false},
      {"x >= 20", {{"x", x10_20}}, true},
      {"x != 15", {{"x", x10_20}}, true},
      {"x IN (1, 2)", {{"x", x10_20}}, false},
      {"x IN (1, 15)", {{"x", x10_20}}, true},
      {"x IN (NULL)", {{"x", x10_20}}, false},
      {"x NOT IN (1, NULL)", {{"x", x10_20}}, false},
      {"x NOT IN (1, 2)", {{"x", x10_20}}, true},
      {"x = NULL", {{"x", x10_20}}, false},
      {"x IS NULL", {{"x", x10_20}}, false},
      {"x IS NOT NULL", {{"x", x10_20}}, true},
      {"NOT (x < 10)", {{"x", x10_20}}, true},
      {"NOT (x <= 20)", {{"x", x10_20}}, false},
      {"NOT (x = 5)", {{"x", x10_20}}, true},
      {"NOT (x > 5 AND x < 25)", {{"x", x10_20}}, false},
      {"NOT (x > 15 OR x < 5)", {{"x", x10_20}}, true},
      {"NOT NOT (x = 5)", {{"x", x10_20}}, false},
      {"x = 5 OR x = 15", {{"x", x10_20}}, true},
      {"x = 5 OR x = 25", {{"x", x10_20}}, false},
      {"x > 5 AND x < 12", {{"x", x10_20}}, true},
      {"x > 5 AND x < 8", {{"x", x10_20}}, false},
      {"x = 5 AND y = 1", {{"x", x10_20}}, false},  // y unknown: the x = 5 side decides
      {"x = 5 OR y = 1", {{"x", x10_20}}, true},
      {"x != 10", {{"x", x10}}, false},
      {"NOT (x = 10)", {{"x", x10}}, false},
      {"x NOT IN (10, 11)", {{"x", x10}}, false},
      {"x NOT IN (11)", {{"x", x10}}, true},
      {"NOT (x IN (10))", {{"x", x10}}, false},
      {"x = 15", {{"x", all_null}}, false},
      {"x != 3", {{"x", all_null}}, false},
      {"NOT (x = 15)", {{"x", all_null}}, false},
      {"x IS NULL", {{"x", all_null}}, true},
      {"x IS NOT NULL", {{"x", all_null}}, false},
      {"NOT (x IS NULL)", {{"x", all_null}}, false},
      {"x = y", {{"x", all_null}}, false},
      {"x = y", {{"x", x10_20}}, true},
      {"x IS NULL", {}, true},
      {"x = 5", {}, true},
      {"x IS NULL", {{"x", Make(Value::Int(10), Value::Int(20), std::nullopt)}}, true},
      {"x IS NOT NULL", {{"x", Make(Value::Int(10), Value::Int(20), 100, std::nullopt)}}, true},
      {"x IS NULL", {{"x", Make(Value::Int(10), Value::Int(20), 5)}}, true},
      {"x < 5", {{"x", Make(std::nullopt, Value::Int(20))}}, true},
      {"x > 25", {{"x", Make(std::nullopt, Value::Int(20))}}, false},
      {"x > 25", {{"x", Make(Value::Int(10), std::nullopt)}}, true},
      {"x < 5", {{"x", Make(Value::Real(10), Value::Real(20))}}, true},     // wrong representation
      {"x = 1", {{"x", Make(Value::Int(0), Value::Int(5), 0, 0)}}, false},  // empty file
      {"TRUE", {}, true},
      {"FALSE", {}, false},
      {"NULL", {}, false},
      {"NOT FALSE", {}, true},
      {"NOT NULL", {}, false},
      {"FALSE OR x = 15", {{"x", x10_20}}, true},
      // Strings: the max may be a truncated prefix.
      {"s = 'cherry'", {{"s", s_ab}}, false},
      {"s = 'banana'", {{"s", s_ab}}, true},
      {"s = 'bananas'", {{"s", s_ab}}, true},
      {"s > 'banana'", {{"s", s_ab}}, true},
      {"s > 'bz'", {{"s", s_ab}}, false},
      {"s >= 'c'", {{"s", s_ab}}, false},
      {"s < 'apple'", {{"s", s_ab}}, false},
      {"s <= 'apple'", {{"s", s_ab}}, true},
      {"s < 'a'", {{"s", s_ab}}, false},
      {"s != 'apple'", {{"s", Make(Value::Bytes("apple"), Value::Bytes("apple"))}}, true},
      {"s IN ('zebra', 'aardvark')", {{"s", s_ab}}, false},
      // A Delta max: 32 characters then the tie-breaker U+FFFF, which sorts below a 4-byte
      // character, so the emoji value is above the stated max but in the file.
      {"s = 'abcdefghijklmnopqrstuvwxyz012345\xF0\x9F\x98\x80'",
       {{"s",
         Make(Value::Bytes("a"), Value::Bytes("abcdefghijklmnopqrstuvwxyz012345\xEF\xBF\xBF"))}},
       true},
      {"s = 'abcdefghijklmnopqrstuvwxyz012346'",
       {{"s",
         Make(Value::Bytes("a"), Value::Bytes("abcdefghijklmnopqrstuvwxyz012345\xEF\xBF\xBF"))}},
       false},
      // Floats: NaN sorts above everything and may be missing from max.
      {"d > 5", {{"d", d12}}, true},
      {"d > 5", {{"d", d12_no_nan}}, false},
      {"d >= 'NaN'", {{"d", d12}}, true},
      {"d = 'NaN'", {{"d", d12_no_nan}}, false},
      {"d < 0.5", {{"d", d12}}, false},
      {"d <= 'NaN'", {{"d", d12_no_nan}}, true},
      {"d != 1", {{"d", Make(Value::Real(1), Value::Real(1))}}, true},
      {"d != 1", {{"d", Make(Value::Real(1), Value::Real(1), 0, 100, 0)}}, false},
      {"NOT (d <= 2)", {{"d", d12}}, true},
      {"NOT (d <= 2)", {{"d", d12_no_nan}}, false},
      {"d > 5", {{"d", Make(Value::Real(1), Value::Real(std::nan("")), 0, 100, 0)}}, true},
      {"d < 5", {{"d", Make(Value::Real(std::nan("")), Value::Real(9), 0, 100, 0)}}, true},
      {"d = 0", {{"d", Make(Value::Real(-0.0), Value::Real(-0.0), 0, 100, 0)}}, true},
      {"d < 1.5", {{"d", Make(Value::Int(1), Value::Int(2))}}, true},
      {"d < 0.5", {{"d", Make(Value::Int(1), Value::Int(2))}}, false},
      // A float max written as its shortest decimal and read back as a double is below the value.
      {"f >= 0.1", {{"f", Make(Value::Real(0.05), Value::Real(0.1), 0, 100, 0)}}, true},
      {"f > 0.1", {{"f", Make(Value::Real(0.05), Value::Real(0.1), 0, 100, 0)}}, false},
      // Timestamps: statistics may be truncated to milliseconds.
      {"ts > '2024-01-31T09:30:00.123400Z'",
       {{"ts", Make(ts("2024-01-31T09:00:00Z"), ts("2024-01-31T09:30:00.123Z"))}},
       true},
      {"ts > '2024-01-31T09:30:00.124Z'",
       {{"ts", Make(ts("2024-01-31T09:00:00Z"), ts("2024-01-31T09:30:00.123Z"))}},
       false},
      {"ts < '2024-01-31T09:00:00Z'",
       {{"ts", Make(ts("2024-01-31T09:00:00Z"), ts("2024-01-31T09:30:00.123Z"))}},
       true},
      {"ts < '2024-01-31T08:59:59.999Z'",
       {{"ts", Make(ts("2024-01-31T09:00:00Z"), ts("2024-01-31T09:30:00.123Z"))}},
       false},
      {"dec > 2.5", {{"dec", Make(Value::Decimal(100), Value::Decimal(200))}}, false},
      {"dec = 1.5", {{"dec", Make(Value::Decimal(100), Value::Decimal(200))}}, true},
      {"dt = '2024-01-31'", {{"dt", Make(Value::Int(19753), Value::Int(19760))}}, true},
      {"dt < '2024-01-31'", {{"dt", Make(Value::Int(19753), Value::Int(19760))}}, false},
  };
  for (const auto& c : cases) {
    auto e = Expr::Parse(c.expr, schema);
    ASSERT_TRUE(e.ok()) << c.expr << ": " << e.status().ToString();
    const auto lookup = [&c](const std::string& name) -> const Range* {
      auto it = c.ranges.find(name);
      return it == c.ranges.end() ? nullptr : &it->second;
    };
    EXPECT_EQ(e->MayMatch(lookup), c.may_match) << c.expr;
  }
  EXPECT_TRUE(Expr::Parse("x = 5", schema)->MayMatch(Expr::RangeLookup()));
}

// --- property: a file with a matching row is never skipped ---

struct PropColumn {
  const char* name;
  DataType type;
  std::vector<const char*> values;    // for batches ("null" = null)
  std::vector<const char*> literals;  // for expressions
};

std::vector<PropColumn> PropColumns() {
  return {
      {"b", DataType::Boolean(), {"true", "false", "null"}, {"TRUE", "FALSE", "'true'"}},
      {"x", DataType::Byte(), {"-1", "0", "2", "127", "null"}, {"-1", "0", "1", "2", "127"}},
      {"i", DataType::Integer(), {"-5", "0", "3", "7", "null"}, {"-5", "0", "3", "4", "1e1"}},
      {"l", DataType::Long(), {"-5", "0", "3", "7", "null"}, {"-6", "0", "3", "7", "100"}},
      {"f",
       DataType::Float(),
       {"0.1", "-1", "NaN", "1.5", "-Infinity", "-0.0", "null"},
       {"0.1", "-1", "'NaN'", "1.5", "'-Infinity'", "0"}},
      {"d",
       DataType::Double(),
       {"0.5", "-1", "NaN", "2.25", "Infinity", "0", "null"},
       {"0.5", "-1", "'NaN'", "2.25", "'Infinity'", "1e300", "-0.0"}},
      {"s",
       DataType::String(),
       {"a", "ab", "b", "", "\xC3\xA9", "abc", "null"},
       {"'a'", "'ab'", "'abd'", "'b'", "''", "'\xC3\xA9'", "'abc'", "'\xF0\x9F\x98\x80'"}},
      {"dt",
       DataType::Date(),
       {"2024-01-30", "2024-01-31", "2024-02-01", "null"},
       {"'2024-01-30'", "'2024-01-31'", "'2024-02-02'"}},
      {"ts",
       DataType::Timestamp(),
       {"2024-01-31T00:00:00Z", "2024-01-31T00:00:00.000500Z", "2024-01-31T00:00:00.001700Z",
        "null"},
       {"'2024-01-31'", "'2024-01-31T00:00:00.0005Z'", "'2024-01-31T00:00:00.001Z'",
        "'2024-01-31T00:00:00.0018Z'"}},
      {"dec",
       DataType::Decimal(6, 2),
       {"1.50", "-0.25", "0", "99.99", "null"},
       {"1.5", "-0.25", "0", "'2.00'", "99.99"}},
  };
}

class ExprGen {
 public:
  explicit ExprGen(uint32_t seed) : rng_(seed) {}
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  template <typename T>
  const T& PickOf(const std::vector<T>& v) {
    return v[static_cast<size_t>(Pick(static_cast<int>(v.size())))];
  }

  std::string Gen(const std::vector<PropColumn>& cols, int depth) {
    const int r = Pick(10);
    if (depth > 0 && r < 3) {
      return "(" + Gen(cols, depth - 1) + (Pick(2) ? ") AND (" : ") OR (") + Gen(cols, depth - 1) +
             ")";
    }
    if (depth > 0 && r == 3) return "NOT (" + Gen(cols, depth - 1) + ")";
    const PropColumn& c = PickOf(cols);
    const std::string lit = Pick(12) == 0 ? "NULL" : std::string(PickOf(c.literals));
    static const std::vector<std::string> kOps = {"=", "!=", "<", "<=", ">", ">=", "==", "<>"};
    switch (Pick(8)) {
      case 0: return lit + " " + PickOf(kOps) + " " + std::string(c.name);
      case 1: {
        std::string list = PickOf(c.literals);
        for (int k = Pick(3); k > 0; --k) {
          list += ", ";
          list += Pick(6) == 0 ? "NULL" : PickOf(c.literals);
        }
        return std::string(c.name) + (Pick(2) ? " NOT IN (" : " IN (") + list + ")";
      }
      case 2: return std::string(c.name) + (Pick(2) ? " IS NULL" : " IS NOT NULL");
      case 3: {  // a column of the same kind
        for (const PropColumn& o : cols) {
          if (&o != &c && o.type.kind() == c.type.kind())
            return std::string(c.name) + " < " + o.name;
        }
        return std::string(c.name) + " " + PickOf(kOps) + " " + lit;
      }
      default: return std::string(c.name) + " " + PickOf(kOps) + " " + lit;
    }
  }

  std::mt19937 rng_;
};

// The statistics a writer could produce for column `c`: exact, or loosened the ways real
// writers loosen them.
Range StatsOf(const Column& c, ExprGen& g) {
  Range r;
  const TypeKind kind = c.type().kind();
  const bool floating = kind == TypeKind::kFloat || kind == TypeKind::kDouble;
  int64_t nulls = 0, nans = 0;
  for (int64_t i = 0; i < c.length(); ++i) {
    const Value v = c.GetValue(i);
    if (v.is_null()) {
      ++nulls;
      continue;
    }
    if (floating && std::isnan(v.as_double())) {
      ++nans;
      continue;
    }
    if (!r.min || CompareValuesOfType(v, *r.min, kind) < 0) r.min = v;
    if (!r.max || CompareValuesOfType(v, *r.max, kind) > 0) r.max = v;
  }
  r.null_count = nulls;
  r.num_records = c.length();
  if (floating && g.Pick(2)) r.nan_count = nans;
  if (kind == TypeKind::kFloat && r.max && g.Pick(2)) {  // shortest float text read as a double
    r.max = Value::Real(
        std::strtod(fmt::format("{}", static_cast<float>(r.max->as_double())).c_str(), nullptr));
  }
  if (kind == TypeKind::kString && r.max && g.Pick(2)) {
    std::string m = r.max->as_bytes();
    m.resize(static_cast<size_t>(g.Pick(static_cast<int>(m.size()) + 1)));
    if (g.Pick(2)) m += "\xEF\xBF\xBF";
    r.max = Value::Bytes(m);
  }
  if (kind == TypeKind::kString && r.min && g.Pick(2)) {
    std::string m = r.min->as_bytes();
    m.resize(static_cast<size_t>(g.Pick(static_cast<int>(m.size()) + 1)));
    r.min = Value::Bytes(m);
  }
  if (kind == TypeKind::kTimestamp && g.Pick(2)) {  // milliseconds, truncated
    const auto ms = [](int64_t us) { return us - ((us % 1000) + 1000) % 1000; };
    if (r.min) r.min = Value::Int(ms(r.min->as_int()));
    if (r.max) r.max = Value::Int(ms(r.max->as_int()));
  }
  if (g.Pick(8) == 0) r.min.reset();
  if (g.Pick(8) == 0) r.max.reset();
  if (g.Pick(10) == 0) r.null_count.reset();
  return r;
}

TEST(ExprSkipTest, NeverSkipsAFileWithAMatchingRow) {
  const std::vector<PropColumn> cols = PropColumns();
  std::vector<Field> fields;
  for (const auto& c : cols) fields.push_back(Field{c.name, c.type});
  // A second column of some kinds, for column-to-column comparisons.
  fields.push_back(Field{"l2", DataType::Long()});
  fields.push_back(Field{"s2", DataType::String()});
  const Schema schema(fields);
  std::vector<PropColumn> all = cols;
  all.push_back({"l2", DataType::Long(), {"-5", "3", "8", "null"}, {"3"}});
  all.push_back({"s2", DataType::String(), {"a", "abc", "b", "null"}, {"'a'"}});

  ExprGen g(20240131);
  int matched = 0, skipped = 0, evaluated = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    const int rows = g.Pick(7);
    std::vector<Column> columns;
    for (const auto& c : all) {
      columns.emplace_back(c.type);
      const int distinct =
          1 + g.Pick(static_cast<int>(c.values.size()));  // few values: tight ranges
      for (int r = 0; r < rows; ++r) {
        const char* t = c.values[static_cast<size_t>(g.Pick(distinct))];
        if (std::string_view(t) == "null") {
          columns.back().AppendNull();
        } else {
          columns.back().AppendValue(*ParseValue(t, c.type));
        }
      }
    }
    auto batch = RecordBatch::Make(schema, std::move(columns));
    ASSERT_TRUE(batch.ok());
    std::map<std::string, Range> stats;
    for (size_t k = 0; k < all.size(); ++k) {
      if (g.Pick(20) != 0) stats[all[k].name] = StatsOf(batch->column(k), g);
    }
    const auto lookup = [&stats](const std::string& name) -> const Range* {
      auto it = stats.find(name);
      return it == stats.end() ? nullptr : &it->second;
    };
    for (int k = 0; k < 5; ++k) {
      const std::string text = g.Gen(all, 3);
      auto e = Expr::Parse(text, schema);
      ASSERT_TRUE(e.ok()) << text << ": " << e.status().ToString();
      auto flags = e->Evaluate(*batch);
      ASSERT_TRUE(flags.ok()) << text;
      ++evaluated;
      const bool any = std::count(flags->begin(), flags->end(), 1) > 0;
      const bool may = e->MayMatch(lookup);
      if (any) {
        ++matched;
        ASSERT_TRUE(may) << text << "\n  canonical: " << e->ToString() << "\n  rows: " << rows;
      }
      if (!may) ++skipped;
      // The canonical text means the same thing.
      auto again = Expr::Parse(e->ToString(), schema);
      ASSERT_TRUE(again.ok()) << e->ToString() << ": " << again.status().ToString();
      EXPECT_EQ(again->ToString(), e->ToString());
      auto flags2 = again->Evaluate(*batch);
      ASSERT_TRUE(flags2.ok());
      ASSERT_EQ(*flags2, *flags) << text << " vs " << e->ToString();
    }
  }
  // Not vacuous: plenty of matches, and statistics do skip files.
  EXPECT_GT(matched, evaluated / 5);
  EXPECT_GT(skipped, evaluated / 10);
}

}  // namespace
}  // namespace financelake::columnar
