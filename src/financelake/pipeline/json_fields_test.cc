#include "financelake/pipeline/json_fields.h"

#include <gtest/gtest.h>

#include <array>

namespace financelake::pipeline {
namespace {

struct Fields {
  std::array<JsonField, 4> f;
  Fields() {
    f[0].name = "event_id";
    f[1].name = "price";
    f[2].name = "ticker";
    f[3].name = "meta";
  }
};

TEST(JsonFieldsTest, ExtractsTopLevelValuesOnly) {
  Fields x;
  ASSERT_TRUE(ExtractJsonFields(
      R"( {"nested":{"ticker":"NO","event_id":"no"},"event_id":"a\"b\\c\u00e9\ud83d\ude00","price":-1.5e3,)"
      R"("ticker":"AAPL","meta":[1,{"a":null}],"event_id":"second"} )",
      x.f));
  EXPECT_TRUE(x.f[0].present);
  EXPECT_TRUE(x.f[0].is_string);
  EXPECT_EQ(x.f[0].value, "a\"b\\c\xC3\xA9\xF0\x9F\x98\x80");  // first occurrence wins
  EXPECT_TRUE(x.f[1].present);
  EXPECT_FALSE(x.f[1].is_string);
  EXPECT_EQ(x.f[1].value, "-1.5e3");
  EXPECT_EQ(x.f[2].value, "AAPL");
  EXPECT_EQ(x.f[3].value, R"([1,{"a":null}])");
}

// Values are views: into the text when a string has no escapes, else into the field's storage;
// a copy of a field keeps its own.
TEST(JsonFieldsTest, ValuesViewTheTextOrTheFieldsOwnStorage) {
  const std::string text = R"({"event_id":"plain","ticker":"esc\u0041ped with a long tail"})";
  Fields x;
  ASSERT_TRUE(ExtractJsonFields(text, x.f));
  EXPECT_GE(x.f[0].value.data(), text.data());
  EXPECT_LT(x.f[0].value.data(), text.data() + text.size());
  EXPECT_EQ(x.f[2].value, "escAped with a long tail");
  EXPECT_EQ(x.f[2].value.data(), x.f[2].storage.data());
  Fields copy;
  copy.f = x.f;
  x.f[2].storage.assign(40, '#');  // the original's storage changes: the copy does not follow
  EXPECT_EQ(copy.f[2].value, "escAped with a long tail");
  EXPECT_EQ(copy.f[2].value.data(), copy.f[2].storage.data());
  EXPECT_EQ(copy.f[0].value.data(), x.f[0].value.data());  // both still view the text
}

TEST(JsonFieldsTest, NullAndMissingAreAbsent) {
  Fields x;
  ASSERT_TRUE(ExtractJsonFields(R"({"event_id":null,"price":0})", x.f));
  EXPECT_FALSE(x.f[0].present);
  EXPECT_TRUE(x.f[1].present);
  EXPECT_EQ(x.f[1].value, "0");
  EXPECT_FALSE(x.f[2].present);
}

TEST(JsonFieldsTest, MalformedTextSetsNothing) {
  for (const char* bad :
       {"", "not json", "[1,2]", R"("str")", R"({"event_id":"x")", R"({"event_id":"x",})",
        R"({"event_id":"x"} trailing)", R"({"event_id":"x" "price":1})", R"({"price":01})",
        R"({"price":1.})", R"({"price":-})", R"({"event_id":"bad \q escape"})",
        R"({"event_id":"\ud800 lone surrogate"})", "{\"event_id\":\"tab\there\"}",
        R"({"price":tru})", R"({"a":[1,2,]})", R"({event_id:"x"})", "{\"a\":1}{\"b\":2}"}) {
    Fields x;
    x.f[0].value = "stale";
    EXPECT_FALSE(ExtractJsonFields(bad, x.f)) << bad;
    for (const JsonField& f : x.f) {
      EXPECT_FALSE(f.present) << bad;
      EXPECT_TRUE(f.value.empty()) << bad;
    }
  }
}

TEST(JsonFieldsTest, DeepNestingIsRefusedNotACrash) {
  std::string deep = R"({"a":)";
  for (int i = 0; i < 100000; ++i) deep += "[";
  Fields x;
  EXPECT_FALSE(ExtractJsonFields(deep, x.f));
  std::string ok = R"({"ticker":"X","a":)";
  for (int i = 0; i < 100; ++i) ok += "[";
  for (int i = 0; i < 100; ++i) ok += "]";
  ok += "}";
  EXPECT_TRUE(ExtractJsonFields(ok, x.f));
  EXPECT_EQ(x.f[2].value, "X");
}

}  // namespace
}  // namespace financelake::pipeline
