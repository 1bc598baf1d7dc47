#include "financelake/delta/stats_read.h"

#include <gtest/gtest.h>

namespace financelake::delta {
namespace {

using columnar::Schema;
using columnar::Value;

FileStats ParseOrDie(std::string_view json, const std::string& schema) {
  auto s = ParseFileStats(json, *Schema::Parse(schema));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : FileStats{};
}

// The stats Spark 3.5 wrote for data-skipping-basic-stats-all-types.
TEST(StatsReadTest, SparkStatsForEveryType) {
  const FileStats s = ParseOrDie(
      R"({"numRecords":1,"minValues":{"as_int":0,"as_long":0,"as_byte":0,"as_short":0,)"
      R"("as_float":0.0,"as_double":0.0,"as_string":"0","as_date":"2000-01-01",)"
      R"("as_timestamp":"2000-01-01T00:00:00.000-08:00","as_big_decimal":0},"maxValues":)"
      R"({"as_int":0,"as_long":0,"as_byte":0,"as_short":0,"as_float":0.0,"as_double":0.0,)"
      R"("as_string":"0","as_date":"2000-01-01","as_timestamp":"2000-01-01T00:00:00.000-08:00",)"
      R"("as_big_decimal":0},"nullCount":{"as_int":0,"as_long":0,"as_byte":0,"as_short":0,)"
      R"("as_float":0,"as_double":0,"as_string":0,"as_date":0,"as_timestamp":0,"as_big_decimal":0}})",
      "as_int:integer,as_long:long,as_byte:byte,as_short:short,as_float:float,as_double:double,"
      "as_string:string,as_date:date,as_timestamp:timestamp,as_big_decimal:decimal(1,0),"
      "as_binary:binary");
  EXPECT_EQ(s.num_records, 1);
  ASSERT_NE(s.Find("as_int"), nullptr);
  EXPECT_EQ(s.Find("as_int")->min, Value::Int(0));
  EXPECT_EQ(s.Find("as_int")->null_count, 0);
  EXPECT_EQ(s.Find("as_int")->num_records, 1);
  EXPECT_EQ(s.Find("as_float")->max, Value::Real(0.0));
  EXPECT_EQ(s.Find("as_string")->max, Value::Bytes("0"));
  EXPECT_EQ(s.Find("as_date")->min, Value::Int(10957));
  const int64_t eight_am = 946713600000000;  // 2000-01-01T08:00:00Z
  EXPECT_EQ(s.Find("as_timestamp")->min, Value::Int(eight_am));
  EXPECT_EQ(s.Find("as_timestamp")->max, Value::Int(eight_am + 999));  // ms precision
  EXPECT_EQ(s.Find("as_big_decimal")->min, Value::Decimal(0));
  ASSERT_NE(s.Find("as_binary"), nullptr);  // only the row count is known
  EXPECT_FALSE(s.Find("as_binary")->min || s.Find("as_binary")->max ||
               s.Find("as_binary")->null_count);
  EXPECT_EQ(s.Find("missing"), nullptr);
}

TEST(StatsReadTest, NestedStructsAndLooseValues) {
  const FileStats s =
      ParseOrDie(R"({"numRecords":5,"minValues":{"q":{"bid":1.5,"sym":"AAPL"},"d":1.23,"big":1.5,)"
                 R"("s":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","n":"oops","f":0.1},)"
                 R"("maxValues":{"q":{"bid":9,"sym":"abcdefghijabcdefghijabcdefghijab"},"d":4.56,)"
                 R"("s":"short","n":7,"f":0.1},"nullCount":{"q":{"bid":2,"sym":0},"d":0,"l":3}})",
                 "q:struct<bid:double,sym:string>,d:decimal(5,2),big:decimal(20,2),s:string,n:long,"
                 "f:float,l:array<long>");
  ASSERT_NE(s.Find("q.bid"), nullptr);
  EXPECT_EQ(s.Find("q.bid")->min, Value::Real(1.5));
  EXPECT_EQ(s.Find("q.bid")->max, Value::Real(9));
  EXPECT_EQ(s.Find("q.bid")->null_count, 2);
  // A 32-character maximum may be a truncated prefix: unknown. Minima stay.
  EXPECT_EQ(s.Find("q.sym")->min, Value::Bytes("AAPL"));
  EXPECT_FALSE(s.Find("q.sym")->max);
  EXPECT_TRUE(s.Find("s")->min);
  EXPECT_EQ(s.Find("d")->min, Value::Decimal(123));
  EXPECT_EQ(s.Find("d")->max, Value::Decimal(456));
  EXPECT_FALSE(s.Find("big")->min);  // beyond a double's exact digits
  EXPECT_FALSE(s.Find("n")->min);    // not a number
  EXPECT_EQ(s.Find("n")->max, Value::Int(7));
  EXPECT_EQ(s.Find("f")->min, Value::Real(static_cast<float>(0.1)));
  EXPECT_EQ(s.Find("l")->null_count, 3);
}

TEST(StatsReadTest, WideBoundsKeepOnlyDecisiveNullCounts) {
  const FileStats s =
      ParseOrDie(R"({"numRecords":5,"tightBounds":false,"minValues":{"a":1},"maxValues":{"a":9},)"
                 R"("nullCount":{"a":3,"b":0,"c":5}})",
                 "a:long,b:long,c:long");
  EXPECT_EQ(s.Find("a")->min, Value::Int(1));
  EXPECT_FALSE(s.Find("a")->null_count);
  EXPECT_EQ(s.Find("b")->null_count, 0);
  EXPECT_EQ(s.Find("c")->null_count, 5);
}

TEST(StatsReadTest, MalformedStats) {
  const Schema schema = *Schema::Parse("a:long");
  EXPECT_TRUE(ParseFileStats("{\"numRecords\":", schema).status().IsInvalidArgument());
  EXPECT_TRUE(ParseFileStats("[1]", schema).status().IsInvalidArgument());
  const FileStats odd =
      ParseOrDie(R"({"numRecords":-1,"minValues":3,"nullCount":{"a":"x"}})", "a:long");
  EXPECT_FALSE(odd.num_records);
  EXPECT_EQ(odd.Find("a"), nullptr);
  EXPECT_EQ(StatsNumRecords(R"({"numRecords":42})"), 42);
  EXPECT_FALSE(StatsNumRecords("{}"));
  EXPECT_FALSE(StatsNumRecords("nope"));
}

}  // namespace
}  // namespace financelake::delta
