#include "financelake/base/json.h"
#include "financelake/base/utf8.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace financelake {
namespace {

Json ParseOrDie(std::string_view text) {
  auto r = Json::Parse(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : Json();
}

TEST(JsonTest, ParsesEveryTypeAndKeepsMemberOrder) {
  Json j = ParseOrDie(R"({"z":1,"a":[true,false,null],"m":{"s":"x","d":1.5,"neg":-7}})");
  ASSERT_TRUE(j.is_object());
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j.members()[0].first, "z");
  EXPECT_EQ(j.members()[1].first, "a");
  EXPECT_EQ(j.members()[2].first, "m");
  EXPECT_EQ(j.Find("z")->as_int(), 1);
  const Json& a = *j.Find("a");
  ASSERT_TRUE(a.is_array());
  EXPECT_TRUE(a.items()[0].as_bool());
  EXPECT_FALSE(a.items()[1].as_bool());
  EXPECT_TRUE(a.items()[2].is_null());
  const Json& m = *j.Find("m");
  EXPECT_EQ(m.Find("s")->as_string(), "x");
  EXPECT_EQ(m.Find("d")->type(), Json::Type::kDouble);
  EXPECT_DOUBLE_EQ(m.Find("d")->as_double(), 1.5);
  EXPECT_EQ(m.Find("neg")->as_int(), -7);
  EXPECT_EQ(j.Find("missing"), nullptr);
  EXPECT_EQ(a.Find("z"), nullptr);  // not an object
}

TEST(JsonTest, DumpIsCompactAndRoundTrips) {
  const std::string text =
      R"({"commitInfo":{"timestamp":1587968586154,"operation":"WRITE","operationParameters":)"
      R"({"mode":"ErrorIfExists","partitionBy":"[]"},"isBlindAppend":true}})";
  EXPECT_EQ(ParseOrDie(text).Dump(), text);
  EXPECT_EQ(ParseOrDie(" [ 1 , 2.5 , \"a\" , { } , [ ] ] ").Dump(), R"([1,2.5,"a",{},[]])");
  // A double stays a double through a round trip.
  EXPECT_EQ(Json::Double(1).Dump(), "1.0");
  EXPECT_EQ(ParseOrDie("1.0").type(), Json::Type::kDouble);
  EXPECT_EQ(Json::Double(1e300).Dump(), "1e+300");
  EXPECT_EQ(ParseOrDie(Json::Double(0.1).Dump()).as_double(), 0.1);
  EXPECT_EQ(Json::Double(std::nan("")).Dump(), "null");
  EXPECT_EQ(Json::Double(INFINITY).Dump(), "null");
  EXPECT_EQ(Json().Dump(), "null");
}

TEST(JsonTest, StringsEscapeAndUnescape) {
  Json s = ParseOrDie(R"("a\"b\\c\n\t\u0001\u00e9\ud83d\ude00")");
  EXPECT_EQ(s.as_string(), "a\"b\\c\n\t\x01\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(s.Dump(), "\"a\\\"b\\\\c\\n\\t\\u0001\xc3\xa9\xf0\x9f\x98\x80\"");
  // Delta stores nested JSON as an escaped string (schemaString, stats).
  Json line = ParseOrDie(R"({"stats":"{\"numRecords\":5}"})");
  EXPECT_EQ(ParseOrDie(line.Find("stats")->as_string()).Find("numRecords")->as_int(), 5);
  EXPECT_EQ(line.Dump(), R"({"stats":"{\"numRecords\":5}"})");
}

TEST(JsonTest, LargeNumbers) {
  EXPECT_EQ(ParseOrDie("9223372036854775807").as_int(), INT64_MAX);
  EXPECT_EQ(ParseOrDie("-9223372036854775808").as_int(), INT64_MIN);
  Json big = ParseOrDie("18446744073709551615");
  EXPECT_EQ(big.type(), Json::Type::kDouble);
  EXPECT_DOUBLE_EQ(big.as_double(), 18446744073709551615.0);
  EXPECT_EQ(ParseOrDie("123456789012345678901234567890").type(), Json::Type::kDouble);
  EXPECT_EQ(ParseOrDie("1e2").as_int(), 100);  // an integral double converts
}

TEST(JsonTest, ParseErrorsNameTheByte) {
  for (const char* bad : {"", "{", "{\"a\":}", "[1,2", "tru", "{\"a\" 1}", "[1] x", "\"\xff\"",
                          "{\"a\":1,}", "nul", "01"}) {
    auto r = Json::Parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_EQ(r.status().message().rfind("json: ", 0), 0u) << r.status().message();
    EXPECT_NE(r.status().message().find(" at byte "), std::string::npos) << r.status().message();
  }
  auto r = Json::Parse("{\"a\":1,\"b\":x}");
  EXPECT_NE(r.status().message().find("at byte 12"), std::string::npos) << r.status().message();
}

TEST(JsonTest, DeepNestingIsRefusedNotACrash) {
  std::string deep(100000, '[');
  auto r = Json::Parse(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nesting"), std::string::npos);
  std::string ok(200, '[');
  ok += std::string(200, ']');
  EXPECT_TRUE(Json::Parse(ok).ok());
}

TEST(JsonTest, BuildingAndTypedLookups) {
  Json o;
  o.Set("path", Json::String("p"));
  o.Set("size", Json::Int(10));
  o.Set("flag", Json::Bool(true));
  o.Set("nothing", Json::Null());
  o.Set("path", Json::String("q"));  // replaces, keeps position
  EXPECT_EQ(o.Dump(), R"({"path":"q","size":10,"flag":true,"nothing":null})");
  EXPECT_EQ(*o.GetString("path"), "q");
  EXPECT_EQ(*o.GetInt("size"), 10);
  EXPECT_TRUE(*o.GetBool("flag"));
  EXPECT_TRUE(o.GetString("nothing").status().IsNotFound());
  EXPECT_TRUE(o.GetString("absent").status().IsNotFound());
  EXPECT_NE(o.GetString("absent").status().message().find("'absent'"), std::string::npos);
  EXPECT_TRUE(o.GetInt("path").status().IsInvalidArgument());
  EXPECT_TRUE(o.GetBool("size").status().IsInvalidArgument());
  EXPECT_EQ(o.GetString("absent", "dflt"), "dflt");
  EXPECT_EQ(o.GetInt("nothing", 7), 7);
  EXPECT_EQ(o.GetBool("absent", true), true);
  Json a;
  a.Push(Json::Int(1));
  a.Push(Json::Array());
  EXPECT_EQ(a.Dump(), "[1,[]]");
  EXPECT_EQ(a.size(), 2u);
  EXPECT_EQ(Json::Int(3).size(), 0u);
}

TEST(JsonTest, Equality) {
  EXPECT_EQ(ParseOrDie(R"({"a":1,"b":[1,2]})"), ParseOrDie(R"({"b":[1,2],"a":1.0})"));
  EXPECT_FALSE(ParseOrDie(R"({"a":1})") == ParseOrDie(R"({"a":2})"));
  EXPECT_FALSE(ParseOrDie(R"({"a":1})") == ParseOrDie(R"({"a":1,"b":1})"));
  EXPECT_FALSE(ParseOrDie("[1,2]") == ParseOrDie("[2,1]"));
  EXPECT_FALSE(ParseOrDie("\"1\"") == ParseOrDie("1"));
  EXPECT_EQ(Json(), Json::Null());
  // Copies are independent values.
  Json a = ParseOrDie(R"({"x":[1]})");
  Json b = a;
  b.Set("x", Json::Int(2));
  EXPECT_EQ(a.Dump(), R"({"x":[1]})");
}

TEST(JsonTest, DuplicateKeysKeepTheLast) {
  Json j = ParseOrDie(R"({"a":1,"a":2})");
  EXPECT_EQ(j.size(), 1u);
  EXPECT_EQ(j.Find("a")->as_int(), 2);
}

}  // namespace
}  // namespace financelake

namespace financelake {
namespace {

// Found by the api_request fuzzer: an error message quoting a request path with a stray byte
// produced a body that was not JSON. Bytes that are not UTF-8 are written as U+FFFD.
TEST(JsonUtf8Test, DumpNeverWritesInvalidUtf8) {
  const std::string bad = "a\xb7" "b\xC3" "\xE2\x82" "c\xED\xA0\x80" "d\xF4\x90\x80\x80";
  const std::string dumped = Json::String(bad).Dump();
  EXPECT_TRUE(IsValidUtf8(dumped));
  EXPECT_EQ(dumped, "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                    "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  auto back = Json::Parse(dumped);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  // Valid multi-byte text passes through unchanged.
  const std::string ok = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\x88";
  EXPECT_EQ(Json::String(ok).Dump(), "\"" + ok + "\"");
  EXPECT_EQ(Json::Parse(Json::String(ok).Dump())->as_string(), ok);
}

TEST(JsonUtf8Test, SequenceLengths) {
  EXPECT_EQ(Utf8SequenceLength("a", 0), 1u);
  EXPECT_EQ(Utf8SequenceLength("\xC3\xA9", 0), 2u);
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82\xAC", 0), 3u);
  EXPECT_EQ(Utf8SequenceLength("\xF0\x9F\x93\x88", 0), 4u);
  EXPECT_EQ(Utf8SequenceLength("\xC0\x80", 0), 0u);          // overlong
  EXPECT_EQ(Utf8SequenceLength("\xED\xA0\x80", 0), 0u);      // surrogate
  EXPECT_EQ(Utf8SequenceLength("\xF4\x90\x80\x80", 0), 0u);  // past U+10FFFF
  EXPECT_EQ(Utf8SequenceLength("\x80", 0), 0u);              // stray continuation
  EXPECT_EQ(Utf8SequenceLength("\xE2\x82", 0), 0u);          // truncated
}

}  // namespace
}  // namespace financelake
