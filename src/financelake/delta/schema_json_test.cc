#include "financelake/delta/schema_json.h"

#include <gtest/gtest.h>

#include <cmath>

namespace financelake::delta {
namespace {

using columnar::DataType;
using columnar::Field;
using columnar::Schema;
using columnar::Value;

// The example of PROTOCOL.md "Schema Serialization Format", compacted.
constexpr char kProtocolExample[] =
    R"({"type":"struct","fields":[{"name":"a","type":"integer","nullable":false,"metadata":{}},)"
    R"({"name":"b","type":{"type":"struct","fields":[{"name":"d","type":"integer","nullable":false,)"
    R"("metadata":{}}]},"nullable":true,"metadata":{}},{"name":"c","type":{"type":"array",)"
    R"("elementType":"integer","containsNull":false},"nullable":true,"metadata":{}},{"name":"e",)"
    R"("type":{"type":"array","elementType":{"type":"struct","fields":[{"name":"d","type":"integer",)"
    R"("nullable":false,"metadata":{}}]},"containsNull":true},"nullable":true,"metadata":{}},)"
    R"({"name":"f","type":{"type":"map","keyType":"string","valueType":"string",)"
    R"("valueContainsNull":true},"nullable":true,"metadata":{}}]})";

TEST(SchemaJsonTest, ProtocolExampleRoundTrips) {
  auto s = SchemaFromJson(kProtocolExample);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->num_fields(), 5u);
  EXPECT_EQ(s->field(0), (Field{"a", DataType::Integer(), false}));
  EXPECT_EQ(s->field(1).type, DataType::Struct({Field{"d", DataType::Integer(), false}}));
  EXPECT_EQ(s->field(2).type, DataType::Array(DataType::Integer(), false));
  EXPECT_EQ(s->field(3).type,
            DataType::Array(DataType::Struct({Field{"d", DataType::Integer(), false}}), true));
  EXPECT_EQ(s->field(4).type, DataType::Map(DataType::String(), DataType::String(), true));
  EXPECT_EQ(SchemaToJson(*s), kProtocolExample);
}

TEST(SchemaJsonTest, EveryPrimitive) {
  const char* names[] = {"string", "long",    "integer", "short", "byte",      "float",
                         "double", "boolean", "binary",  "date",  "timestamp", "decimal(38,10)"};
  std::string json = R"({"type":"struct","fields":[)";
  for (size_t i = 0; i < std::size(names); ++i) {
    if (i) json += ",";
    json += R"({"name":"c)" + std::to_string(i) + R"(","type":")" + names[i] +
            R"(","nullable":true,"metadata":{"comment":"kept opaque","delta.x":{"y":1}}})";
  }
  json += "]}";
  auto s = SchemaFromJson(json);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->ToString(), Schema::Parse("c0:string,c1:long,c2:integer,c3:short,c4:byte,c5:float,"
                                         "c6:double,c7:boolean,c8:binary,c9:date,c10:timestamp,"
                                         "c11:decimal(38,10)")
                               ->ToString());
  // Metadata is dropped on the way back.
  EXPECT_EQ(SchemaToJson(*s).find("kept opaque"), std::string::npos);
  auto again = SchemaFromJson(SchemaToJson(*s));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *s);
}

TEST(SchemaJsonTest, UnsupportedAndMalformed) {
  auto ntz = SchemaFromJson(
      R"({"type":"struct","fields":[{"name":"n","type":{"type":"struct","fields":[)"
      R"({"name":"t","type":"timestamp_ntz","nullable":true,"metadata":{}}]},"nullable":true}]})");
  ASSERT_FALSE(ntz.ok());
  EXPECT_EQ(ntz.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(ntz.status().message().find("unsupported type 'timestamp_ntz'"), std::string::npos);
  EXPECT_NE(ntz.status().message().find("n.t"), std::string::npos) << ntz.status().message();
  for (const char* t : {"\"variant\"", "\"void\"", "{\"type\":\"udt\"}"}) {
    auto r = DataTypeFromJson(Json::Parse(t).value());
    EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented) << t;
  }
  for (const char* bad :
       {"not json", "[]", R"({"type":"struct"})", R"({"type":"struct","fields":[{"type":"long"}]})",
        R"({"type":"struct","fields":[{"name":"a"}]})",
        R"j({"type":"struct","fields":[{"name":"a","type":"decimal(40,2)"}]})j",
        R"({"type":"struct","fields":[{"name":"a","type":{"type":"array"}}]})"}) {
    auto r = SchemaFromJson(bad);
    EXPECT_TRUE(r.status().IsInvalidArgument()) << bad << " " << r.status().ToString();
  }
}

TEST(SchemaJsonTest, PartitionValuesParse) {
  auto parse = [](std::optional<std::string> text, const DataType& t) {
    auto r = ParsePartitionValue(text, t);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : Value();
  };
  EXPECT_EQ(parse("42", DataType::Integer()), Value::Int(42));
  EXPECT_EQ(parse("-7", DataType::Byte()), Value::Int(-7));
  EXPECT_EQ(parse("9223372036854775807", DataType::Long()), Value::Int(INT64_MAX));
  EXPECT_EQ(parse("1.5", DataType::Double()), Value::Real(1.5));
  EXPECT_EQ(parse("0.1", DataType::Float()), Value::Real(static_cast<float>(0.1)));
  EXPECT_TRUE(std::isnan(parse("NaN", DataType::Double()).as_double()));
  EXPECT_EQ(parse("true", DataType::Boolean()), Value::Bool(true));
  EXPECT_EQ(parse("2021-09-08", DataType::Date()), Value::Int(18878));
  EXPECT_EQ(parse("1970-01-01 00:00:01", DataType::Timestamp()), Value::Int(1000000));
  EXPECT_EQ(parse("1970-01-01 00:00:00.123456", DataType::Timestamp()), Value::Int(123456));
  EXPECT_EQ(parse("1970-01-01T00:00:00.123456Z", DataType::Timestamp()), Value::Int(123456));
  EXPECT_EQ(parse("12.30", DataType::Decimal(5, 2)), Value::Decimal(1230));
  EXPECT_EQ(parse("-1", DataType::Decimal(1, 0)), Value::Decimal(-1));
  EXPECT_EQ(parse("a b/c", DataType::String()), Value::Bytes("a b/c"));
  EXPECT_EQ(parse("null", DataType::String()), Value::Bytes("null"));  // a literal string
  // Null: absent or empty.
  EXPECT_TRUE(parse(std::nullopt, DataType::Integer()).is_null());
  EXPECT_TRUE(parse("", DataType::String()).is_null());
  EXPECT_TRUE(parse("", DataType::Date()).is_null());
  for (auto [text, type] : {std::pair{"x", DataType::Integer()},
                            {"300", DataType::Byte()},
                            {"2021-13-01", DataType::Date()},
                            {"1.234", DataType::Decimal(5, 2)},
                            {"maybe", DataType::Boolean()}}) {
    EXPECT_TRUE(ParsePartitionValue(std::string(text), type).status().IsInvalidArgument()) << text;
  }
}

TEST(SchemaJsonTest, PartitionValuesSerializeAndReadBack) {
  struct Case {
    Value v;
    DataType t;
    const char* text;
  } cases[] = {
      {Value::Int(42), DataType::Integer(), "42"},
      {Value::Int(-5), DataType::Long(), "-5"},
      {Value::Real(1.0), DataType::Double(), "1.0"},
      {Value::Real(0.1), DataType::Double(), "0.1"},
      {Value::Real(static_cast<float>(0.1)), DataType::Float(), "0.1"},
      {Value::Real(INFINITY), DataType::Double(), "Infinity"},
      // Java's Double.toString forms, which Spark writes: scientific outside [1e-3, 1e7).
      {Value::Real(1e20), DataType::Double(), "1.0E20"},
      {Value::Real(1e-5), DataType::Double(), "1.0E-5"},
      {Value::Real(1e7), DataType::Double(), "1.0E7"},
      {Value::Real(9999999.5), DataType::Double(), "9999999.5"},
      {Value::Real(0.001), DataType::Double(), "0.001"},
      {Value::Real(0.000999), DataType::Double(), "9.99E-4"},
      {Value::Real(-123456789.25), DataType::Double(), "-1.2345678925E8"},
      {Value::Real(1234.5), DataType::Double(), "1234.5"},
      {Value::Real(-0.0), DataType::Double(), "-0.0"},
      {Value::Real(1.7976931348623157e308), DataType::Double(), "1.7976931348623157E308"},
      {Value::Real(4.9e-324), DataType::Double(), "4.9E-324"},
      {Value::Real(static_cast<float>(3.4028235e38)), DataType::Float(), "3.4028235E38"},
      {Value::Real(static_cast<float>(1e10)), DataType::Float(), "1.0E10"},
      {Value::Real(static_cast<float>(100.25)), DataType::Float(), "100.25"},
      {Value::Bool(false), DataType::Boolean(), "false"},
      {Value::Int(18878), DataType::Date(), "2021-09-08"},
      {Value::Int(1631099471000000), DataType::Timestamp(), "2021-09-08 11:11:11"},
      {Value::Int(1631099471000123), DataType::Timestamp(), "2021-09-08 11:11:11.000123"},
      {Value::Int(-1), DataType::Timestamp(), "1969-12-31 23:59:59.999999"},
      {Value::Decimal(-1230), DataType::Decimal(5, 2), "-12.30"},
      {Value::Bytes("a=b/c"), DataType::String(), "a=b/c"},
  };
  for (const auto& c : cases) {
    auto text = SerializePartitionValue(c.v, c.t);
    ASSERT_TRUE(text.has_value()) << c.text;
    EXPECT_EQ(*text, c.text);
    auto back = ParsePartitionValue(text, c.t);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, c.v) << c.text;
  }
  EXPECT_FALSE(SerializePartitionValue(Value::Null(), DataType::Integer()).has_value());
  EXPECT_FALSE(SerializePartitionValue(Value::Bytes(""), DataType::String()).has_value());
}

}  // namespace
}  // namespace financelake::delta
