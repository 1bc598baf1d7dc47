// The byte-level pieces of an event: MurmurHash3, the event-id recipe, the JSON writer and the
// event-time text.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>

#include "financelake/base/json.h"
#include "financelake/sources/event.h"
#include "financelake/sources/event_time.h"
#include "financelake/sources/json_writer.h"
#include "financelake/sources/murmur3.h"

namespace financelake::sources {
namespace {

// SMHasher's VerificationTest: hash keys {}, {0}, {0,1}, ... {0..254} with seed 256-len, hash
// the concatenated 16-byte results with seed 0; the first 4 bytes (little-endian) must be
// 0x6384BA69 for MurmurHash3_x64_128.
TEST(Murmur3Test, SmhasherVerificationValue) {
  unsigned char key[256];
  unsigned char hashes[16 * 256];
  for (int i = 0; i < 256; ++i) {
    key[i] = static_cast<unsigned char>(i);
    const Hash128 h = MurmurHash3X64_128(
        std::string_view(reinterpret_cast<const char*>(key), static_cast<size_t>(i)),
        static_cast<uint32_t>(256 - i));
    std::memcpy(hashes + 16 * i, &h.h1, 8);
    std::memcpy(hashes + 16 * i + 8, &h.h2, 8);
  }
  const Hash128 final_hash =
      MurmurHash3X64_128(std::string_view(reinterpret_cast<const char*>(hashes), sizeof(hashes)));
  EXPECT_EQ(static_cast<uint32_t>(final_hash.h1 & 0xffffffffu), 0x6384BA69u);
}

// The Python mmh3 package's documented example (its README): hash128('foo') is
// 168394135621993849475852668931176482145 = h2 << 64 | h1, hash64('foo') is (h1, h2) as signed
// ints (-2129773440516405919, 9128664383759220103).
TEST(Murmur3Test, MatchesThePythonMmh3Example) {
  const Hash128 h = MurmurHash3X64_128("foo");
  const unsigned __int128 as_int = (static_cast<unsigned __int128>(h.h2) << 64) | h.h1;
  const unsigned __int128 expected =
      (static_cast<unsigned __int128>(9128664383759220103ULL) << 64) |
      static_cast<unsigned __int128>(static_cast<uint64_t>(-2129773440516405919LL));
  EXPECT_TRUE(as_int == expected);
  EXPECT_EQ(Hash128Hex(h), "e271865701f545617eaf87e42bba7d87");
}

TEST(Murmur3Test, HexIsH1ThenH2MostSignificantFirst) {
  EXPECT_EQ(Hash128Hex(Hash128{0x0123456789abcdefULL, 0xfedcba9876543210ULL}),
            "0123456789abcdeffedcba9876543210");
  EXPECT_EQ(Hash128Hex(MurmurHash3X64_128("")), "00000000000000000000000000000000");
}

TEST(EventIdTest, RecipeIsTheDocumentedOne) {
  const std::string input = std::string(
                                "stock-trades\x1f"
                                "sim\x1f"
                                "AAPL\x1f"
                                "seed=42\x1f") +
                            "1704205800000000";
  const std::string expected = Hash128Hex(MurmurHash3X64_128(input));
  EXPECT_EQ(ComputeEventId(Topic::kStockTrades, "sim", "AAPL", "seed=42", 1704205800000000),
            expected);
  // The value quoted in docs/events.md (also computed by an independent Python implementation),
  // so that other languages can check theirs.
  EXPECT_EQ(expected, "cb0c79c858887e9c7ea7e46a5a99c102");
}

TEST(EventIdTest, EveryInputChangesTheId) {
  const std::string base = ComputeEventId(Topic::kStockTrades, "sim", "AAPL", "seed=42", 1);
  EXPECT_NE(base, ComputeEventId(Topic::kCryptoPrices, "sim", "AAPL", "seed=42", 1));
  EXPECT_NE(base, ComputeEventId(Topic::kStockTrades, "csv", "AAPL", "seed=42", 1));
  EXPECT_NE(base, ComputeEventId(Topic::kStockTrades, "sim", "MSFT", "seed=42", 1));
  EXPECT_NE(base, ComputeEventId(Topic::kStockTrades, "sim", "AAPL", "seed=43", 1));
  EXPECT_NE(base, ComputeEventId(Topic::kStockTrades, "sim", "AAPL", "seed=42", 2));
  // The separators keep "AB"+"C" apart from "A"+"BC".
  EXPECT_NE(ComputeEventId(Topic::kStockTrades, "AB", "C", "", 1),
            ComputeEventId(Topic::kStockTrades, "A", "BC", "", 1));
  // Long inputs take the heap path and agree with the string overload.
  const std::string long_key(400, 'k');
  char out[32];
  ComputeEventId(Topic::kBankTransactions, "csv", long_key, "x", 5, out);
  EXPECT_EQ(std::string(out, 32),
            ComputeEventId(Topic::kBankTransactions, "csv", long_key, "x", 5));
}

std::string WriteOne(void (*fill)(JsonWriter&)) {
  JsonWriter w;
  w.BeginObject();
  fill(w);
  w.EndObject();
  return std::string(w.view());
}

TEST(JsonWriterTest, ValuesAndSeparators) {
  const std::string s = WriteOne([](JsonWriter& w) {
    w.Key("a");
    w.Int(-42);
    w.Key("b");
    w.Fixed(12.5, 2);
    w.Key("c");
    w.Fixed(-0.004, 2);
    w.Key("d");
    w.Double(0.1);
    w.Key("e");
    w.Double(std::numeric_limits<double>::quiet_NaN());
    w.Key("f");
    w.Bool(true);
    w.Key("g");
    w.Null();
    w.Key("h");
    w.BeginArray();
    w.ArrayDouble(1.5);
    w.ArrayDouble(-2);
    w.EndArray();
    w.Key("i");
    w.Timestamp(1704205800123456);
  });
  EXPECT_EQ(s,
            "{\"a\":-42,\"b\":12.50,\"c\":0.00,\"d\":0.1,\"e\":null,\"f\":true,\"g\":null,"
            "\"h\":[1.5,-2],\"i\":\"2024-01-02T14:30:00.123456Z\"}");
  EXPECT_TRUE(Json::Parse(s).ok());
}

TEST(JsonWriterTest, StringsAreEscapedAndAlwaysValidUtf8) {
  const std::string s = WriteOne([](JsonWriter& w) {
    w.Key("s");
    static constexpr char kText[] = "q\"b\\n\nt\tc\x01 é €\xff!";
    w.String(std::string_view(kText, sizeof(kText) - 1));
  });
  EXPECT_EQ(s, "{\"s\":\"q\\\"b\\\\n\\nt\\tc\\u0001 é €\xEF\xBF\xBD!\"}");
  auto parsed = Json::Parse(s);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->GetString("s", ""), "q\"b\\n\nt\tc\x01 é €\xEF\xBF\xBD!");
}

TEST(JsonWriterTest, LongStringsGrowTheBuffer) {
  const std::string big(5000, 'x');
  JsonWriter w;
  w.BeginObject();
  w.Key("s");
  w.String(big);
  w.EndObject();
  EXPECT_EQ(w.view().size(), big.size() + 8);
}

TEST(EventTimeTest, FormatsAndParsesIso8601) {
  EXPECT_EQ(FormatEventTime(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatEventTime(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(*ParseEventTime("2024-01-02T14:30:00Z"), 1704205800000000);
  EXPECT_EQ(*ParseEventTime("2024-01-02T14:30:00.123456Z"), 1704205800123456);
  EXPECT_EQ(*ParseEventTime("2024-01-02 14:30:00.123456789Z"), 1704205800123456);
  EXPECT_EQ(*ParseEventTime("2024-01-02T09:30:00-05:00"), 1704205800000000);
  EXPECT_EQ(*ParseEventTime("2024-01-02T15:30+0100"), 1704205800000000);
  EXPECT_EQ(*ParseEventTime("2024-01-02T14:30:00"), 1704205800000000);  // no offset: UTC
  EXPECT_EQ(*ParseEventTime(FormatEventTime(1704205800654321)), 1704205800654321);
}

TEST(EventTimeTest, AcceptsEpochMilliseconds) {
  EXPECT_EQ(*ParseEventTime("1704205800000"), 1704205800000000);
  EXPECT_EQ(*ParseEventTime("1704205800000.5"), 1704205800000500);
  EXPECT_EQ(*ParseEventTime("-1000"), -1000000);
}

TEST(EventTimeTest, RejectsGarbageWithAClearMessage) {
  for (const char* bad :
       {"", "yesterday", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-01-02",
        "2024-01-02T25:00:00Z", "2024-01-02T10:00:00X", "2024-01-02T10:00:00.Z", "1e20"}) {
    auto r = ParseEventTime(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_NE(r.status().message().find("expected ISO-8601"), std::string::npos);
  }
}

TEST(EventTimeTest, TimeOptionsAcceptDatesAndNow) {
  EXPECT_EQ(*ParseTimeOption("2024-01-02", 0), 1704153600000000);
  EXPECT_EQ(*ParseTimeOption("now", 777), 777);
  EXPECT_EQ(*ParseTimeOption("2024-01-02T14:30:00Z", 0), 1704205800000000);
  EXPECT_FALSE(ParseTimeOption("tomorrow", 0).ok());
}

}  // namespace
}  // namespace financelake::sources
