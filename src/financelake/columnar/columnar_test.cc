#include <gtest/gtest.h>

#include <cmath>

#include "financelake/columnar/csv_reader.h"
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
  // Names go into Parquet footers and the Delta log: a Latin-1 name was stored with U+FFFD.
  auto latin1 = Schema::Parse("caf\xe9:long");
  ASSERT_FALSE(latin1.ok());
  EXPECT_EQ(latin1.status().message(), "schema: not UTF-8 text");
  EXPECT_TRUE(Schema::Parse("caf\xc3\xa9:long").ok());
}

TEST(SchemaTest, NamesResolveCaseInsensitivelyWhenUnambiguous) {
  Schema s({Field{"Ticker", DataType::String(), true}, Field{"px", DataType::Double(), true},
            Field{"PX", DataType::Double(), true}});
  EXPECT_EQ(s.ResolveFieldIndex("ticker"), std::optional<size_t>(0));
  EXPECT_EQ(s.ResolveFieldIndex("TICKER"), std::optional<size_t>(0));
  EXPECT_EQ(s.ResolveFieldIndex("px"), std::optional<size_t>(1));  // the exact name first
  EXPECT_EQ(s.ResolveFieldIndex("Px"), std::nullopt);              // px or PX: ambiguous
  EXPECT_EQ(s.ResolveFieldIndex("tick"), std::nullopt);
  EXPECT_EQ(s.FieldIndex("ticker"), std::nullopt);  // FieldIndex stays exact
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

  Column st(
      DataType::Struct({Field{"a", DataType::Long(), true}, Field{"b", DataType::String(), true}}));
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

TEST(TextValuesTest, TextThatIsNotAValueOfTheTypeIsRefused) {
  // Each of these was once stored as a different value.
  const std::vector<std::pair<std::string, DataType>> bad = {
      {"+-5", DataType::Short()},  // was -5
      {"+-5", DataType::Long()},
      {"1e400", DataType::Double()},  // was Infinity
      {"-1e400", DataType::Double()},
      {"1e39", DataType::Float()},                           // was Infinity
      {"2024-01-01T00:00:00+99:99", DataType::Timestamp()},  // was 2023-12-27T19:21Z
      {"2024-01-01T00:00:00+05:60", DataType::Timestamp()},
      {"2024-01-01T23:59:60Z", DataType::Timestamp()},  // was the next day
  };
  for (const auto& [text, type] : bad) {
    auto v = ParseValue(text, type);
    EXPECT_FALSE(v.ok()) << text << " as " << type.ToString() << " was accepted";
  }
  EXPECT_EQ(ParseValue("+5", DataType::Short())->as_int(), 5);
  EXPECT_TRUE(std::isinf(ParseValue("Infinity", DataType::Double())->as_double()));
  EXPECT_EQ(ParseValue("3e38", DataType::Float())->as_double(), 3e38);
  EXPECT_TRUE(ParseValue("3.4028235e38", DataType::Float()).ok());  // rounds to the largest float
  EXPECT_FALSE(ParseValue("3.5e38", DataType::Float()).ok());
  EXPECT_EQ(ParseValue("2024-01-01T00:00:00+18:00", DataType::Timestamp())->as_int(),
            int64_t{19723} * 86400000000LL - int64_t{18} * 3600000000LL);
  // 38 digits fit decimal(38,0); a 39th is refused before it overflows (UBSan saw the overflow).
  const std::string nines(38, '9');
  EXPECT_TRUE(ParseValue(nines, DataType::Decimal(38, 0)).ok());
  for (const std::string& text : {nines + "9", "9" + nines + "9", nines + "99999"}) {
    auto v = ParseValue(text, DataType::Decimal(38, 0));
    ASSERT_FALSE(v.ok()) << text;
    EXPECT_NE(v.status().message().find("too many digits"), std::string::npos)
        << v.status().message();
  }
}

TEST(CsvReaderTest, BinaryCellsAreBase64AsOutputWritesThem) {
  const std::vector<std::string> values = {"a", "ab", "abc", std::string("\0\xff\x10zz", 5)};
  std::string csv = "b\n";
  for (const std::string& v : values) csv += Base64Encode(v) + "\n";
  auto b = ReadCsv(csv, Schema({Field{"b", DataType::Binary(), true}}), "t.csv");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(b->column(0).StringAt(static_cast<int64_t>(i)), values[i]);
  for (const char* bad : {"YWJ", "YW=j", "Y===", "YWJj!", "abc def"}) {
    auto r = ReadCsv(std::string("b\n") + bad + "\n",
                     Schema({Field{"b", DataType::Binary(), true}}), "t.csv");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("not base64"), std::string::npos) << r.status().message();
  }
}

// Parquet strings must be UTF-8 (DuckDB refuses a file holding one that is not): a file in
// another encoding is refused naming the line, before anything is written.
TEST(CsvReaderTest, TextThatIsNotUtf8IsRefusedNamingTheLine) {
  for (const std::optional<Schema>& schema :
       {std::optional<Schema>(),
        std::optional<Schema>(Schema(
            {Field{"name", DataType::String(), true}, Field{"x", DataType::Long(), true}}))}) {
    auto value = ReadCsv("name,x\nok,1\ncaf\xe9,2\n", schema, "latin1.csv");
    ASSERT_FALSE(value.ok());
    EXPECT_EQ(value.status().message(),
              "latin1.csv: line 3: not UTF-8 text (byte 0xE9); convert the file, e.g. iconv -f "
              "WINDOWS-1252 -t UTF-8");
  }
  auto header = ReadCsv("caf\xe9,x\n1,2\n", std::nullopt, "h.csv");
  ASSERT_FALSE(header.ok());
  EXPECT_NE(header.status().message().find("h.csv: line 1: not UTF-8 text"), std::string::npos);
  auto utf8 = ReadCsv("caf\xc3\xa9,x\n\xe2\x82\xac,2\n", std::nullopt, "u.csv");
  ASSERT_TRUE(utf8.ok()) << utf8.status().ToString();
  EXPECT_EQ(utf8->schema().field(0).name, "caf\xc3\xa9");
  EXPECT_EQ(utf8->column(0).StringAt(0), "\xe2\x82\xac");
}

// Found by the csv_table fuzzer: a byte order mark after a blank first line (or repeated) became
// part of the first column's name, which the CSV output then wrote where a reader strips it.
TEST(CsvReaderTest, ByteOrderMarksAreNotPartOfTheFirstName) {
  for (const char* text : {"\xEF\xBB\xBF"
                           "a,b\n1,2\n",
                           "\r\xEF\xBB\xBF"
                           "a,b\n1,2\n",
                           "\xEF\xBB\xBF\xEF\xBB\xBF\xEF\xBB\xBF"
                           "a,b\n1,2\n"}) {
    auto b = ReadCsv(text, std::nullopt, "bom.csv");
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(b->schema().field(0).name, "a");
  }
}

TEST(CsvReaderTest, WholeNumbersBeyondALongStayExactAndNamesAreUnique) {
  auto b =
      ReadCsv("id,big\n1,12345678901234567890\n2,9007199254740993\n3,\n", std::nullopt, "t.csv");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->schema().field(0).type, DataType::Long());
  ASSERT_EQ(b->schema().field(1).type, DataType::Decimal(38, 0));
  EXPECT_TRUE(b->column(1).GetValue(1).as_decimal() == 9007199254740993);  // a double gives ...992
  EXPECT_TRUE(b->column(1).GetValue(0).as_decimal() == int128_t{1234567890123456789} * 10);
  auto huge = ReadCsv("x\n" + std::string(45, '9') + "\n", std::nullopt, "t.csv");
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ(huge->schema().field(0).type, DataType::String());
  auto dup = ReadCsv("a,b,a\n1,2,3\n", std::nullopt, "t.csv");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("repeats the name 'a'"), std::string::npos)
      << dup.status().message();
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
