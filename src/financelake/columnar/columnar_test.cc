#include <gtest/gtest.h>

#include "financelake/columnar/record_batch.h"
#include "financelake/columnar/text_values.h"

namespace financelake::columnar {
namespace {

TEST(DataTypeTest, ParsesAndPrintsEveryKind) {
  for (const char* text :
       {"boolean", "byte", "short", "integer", "long", "float", "double", "string", "binary",
        "date", "timestamp", "decimal(38,10)", "array<string>", "map<string,long>",
        "struct<a:integer,B:array<map<string,decimal(5,2)>>>"}) {
    auto t = DataType::Parse(text);
    ASSERT_TRUE(t.ok()) << text << ": " << t.status().ToString();
    EXPECT_EQ(t->ToString(), text);
  }
  EXPECT_EQ(DataType::Parse("bigint")->kind(), TypeKind::kLong);
  EXPECT_EQ(DataType::Parse("int")->kind(), TypeKind::kInteger);
}

TEST(DataTypeTest, RejectsBadTypesWithTheText) {
  for (const char* text : {"", "lon", "decimal(40,2)", "decimal(5,6)", "array<", "map<string>",
                           "struct<a>", "long extra"}) {
    auto t = DataType::Parse(text);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_TRUE(t.status().IsInvalidArgument());
    EXPECT_NE(t.status().message().find("type '"), std::string::npos) << t.status().message();
  }
}

TEST(SchemaTest, ParsesFieldListWithNestedCommas) {
  auto s = Schema::Parse("ticker:string, px:decimal(10,2),tags:map<string,string>");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->num_fields(), 3u);
  EXPECT_EQ(s->field(1).type, DataType::Decimal(10, 2));
  EXPECT_EQ(s->field(2).type.kind(), TypeKind::kMap);
  EXPECT_EQ(*s->FieldIndex("px"), 1u);
  EXPECT_FALSE(s->FieldIndex("nope").has_value());
}

TEST(SchemaTest, RejectsDuplicatesAndMissingTypes) {
  EXPECT_FALSE(Schema::Parse("a:long,a:long").ok());
  EXPECT_FALSE(Schema::Parse("a").ok());
  EXPECT_FALSE(Schema::Parse("a:lng").ok());
  EXPECT_FALSE(Schema::Parse(":long").ok());
}

TEST(ColumnTest, FixedWidthWithNullsMaterialisesBitmapLazily) {
  Column c(DataType::Long());
  for (int i = 0; i < 10; ++i) c.Append<int64_t>(i);
  EXPECT_EQ(c.validity_bits(), nullptr);
  c.AppendNull();
  c.Append<int64_t>(11);
  ASSERT_NE(c.validity_bits(), nullptr);
  EXPECT_EQ(c.length(), 12);
  EXPECT_EQ(c.null_count(), 1);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(c.IsValid(i)) << i;
  EXPECT_TRUE(c.IsNull(10));
  EXPECT_TRUE(c.IsValid(11));
  EXPECT_EQ(c.ValueAt<int64_t>(11), 11);
  EXPECT_TRUE(c.GetValue(10).is_null());
}

TEST(ColumnTest, StringsAndRawAppend) {
  Column s(DataType::String());
  s.AppendString("abc");
  s.AppendNull();
  s.AppendString("");
  EXPECT_EQ(s.StringAt(0), "abc");
  EXPECT_EQ(s.StringAt(2), "");
  EXPECT_TRUE(s.IsNull(1));

  Column d(DataType::Double());
  auto* p = reinterpret_cast<double*>(d.AppendRaw(3));
  p[0] = 1.5;
  p[2] = 3.5;
  d.SetNull(1);
  d.SetNull(1);
  EXPECT_EQ(d.null_count(), 1);
  EXPECT_EQ(d.ValueAt<double>(2), 3.5);
}

TEST(ColumnTest, NestedListStructMap) {
  Column list(DataType::Array(DataType::Integer()));
  list.mutable_child(0).Append<int32_t>(1);
  list.mutable_child(0).AppendNull();
  list.CloseList();
  list.AppendNull();
  list.CloseList();  // empty list
  EXPECT_EQ(list.length(), 3);
  EXPECT_EQ(list.ListLength(0), 2);
  EXPECT_EQ(list.ListLength(1), 0);
  EXPECT_EQ(list.ListLength(2), 0);
  EXPECT_TRUE(list.IsNull(1));
  EXPECT_TRUE(list.IsValid(2));

  Column st(DataType::Struct({Field{"a", DataType::Long(), true}, Field{"b", DataType::String(), true}}));
  st.mutable_child(0).Append<int64_t>(7);
  st.mutable_child(1).AppendString("x");
  st.AppendStructValid();
  st.AppendNull();
  EXPECT_EQ(st.child(0).length(), 2);
  EXPECT_TRUE(st.child(1).IsNull(1));
  EXPECT_TRUE(st.IsNull(1));
}

TEST(RecordBatchTest, MakeValidatesShape) {
  Schema schema({Field{"a", DataType::Long(), true}, Field{"b", DataType::String(), true}});
  std::vector<Column> cols;
  cols.emplace_back(DataType::Long());
  cols.emplace_back(DataType::String());
  cols[0].Append<int64_t>(1);
  EXPECT_FALSE(RecordBatch::Make(schema, cols).ok());
  cols[1].AppendString("x");
  auto b = RecordBatch::Make(schema, cols);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->num_rows(), 1);
  std::vector<Column> wrong;
  wrong.emplace_back(DataType::Integer());
  wrong.emplace_back(DataType::String());
  EXPECT_FALSE(RecordBatch::Make(schema, wrong).ok());
}

TEST(RecordBatchTest, JsonRowsAreValidJsonWhateverTheStringBytes) {
  // A string column can hold any bytes (a CSV import does not check them); the JSON text of a
  // row must still be valid UTF-8 JSON: invalid bytes become U+FFFD, valid ones are kept.
  Schema schema({Field{"s", DataType::String(), true}});
  std::vector<Column> cols;
  cols.emplace_back(DataType::String());
  cols[0].AppendString(std::string("a\xff\"\x01\xc3\xa9\xe2\x82", 8));
  auto b = RecordBatch::Make(schema, cols);
  ASSERT_TRUE(b.ok());
  std::string out;
  AppendJsonRow(*b, 0, &out);
  EXPECT_EQ(out, "{\"s\":\"a\xEF\xBF\xBD\\\"\\u0001\xc3\xa9\xEF\xBF\xBD\xEF\xBF\xBD\"}");
}

TEST(ValueTest, Formats) {
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_EQ(FormatDate(DaysFromCivil(2024, 2, 29)), "2024-02-29");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
  EXPECT_EQ(FormatTimestampMicros(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(FormatTimestampMicros(1700000000123456), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(FormatDecimal(-12340, 3), "-12.340");
  EXPECT_EQ(FormatDecimal(5, 3), "0.005");
  EXPECT_EQ(FormatDecimal(-5, 0), "-5");
  EXPECT_EQ(Base64Encode("hello"), "aGVsbG8=");
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("ab"), "YWI=");
}

}  // namespace
}  // namespace financelake::columnar
