#include "financelake/parquet/delta_encoding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace financelake::parquet {
namespace {

const uint8_t* U8(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}
std::string Str(std::initializer_list<uint8_t> bytes) {
  return {bytes.begin(), bytes.end()};
}

template <typename T>
std::vector<T> DecodeAll(const std::string& data, size_t n, size_t* consumed = nullptr) {
  std::vector<T> out(n);
  Status st = DecodeDeltaBinaryPacked(U8(data), data.size(), n, out.data(), consumed);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

// Encodings.md examples 1 and 2, with the smallest valid block (128 values, 4 miniblocks of 32)
// instead of the example's block of 8.
const std::string kExample1 = Str({0x80, 0x01, 0x04, 0x05, 0x02,    // 128, 4, 5 values, first 1
                                   0x02, 0x00, 0x00, 0x00, 0x00});  // min delta 1, widths 0
const std::string kExample2 = Str({0x80, 0x01, 0x04, 0x08, 0x0E,    // 128, 4, 8 values, first 7
                                   0x03, 0x02, 0x00, 0x00, 0x00,    // min delta -2, widths 2,0,0,0
                                   0xC0, 0x3F, 0, 0, 0, 0, 0, 0});  // 0,0,0,3 | 3,3,3,pad

TEST(DeltaBinaryPackedTest, SpecExamplesDecode) {
  size_t consumed = 0;
  EXPECT_EQ(DecodeAll<int32_t>(kExample1, 5, &consumed), (std::vector<int32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(consumed, kExample1.size());
  EXPECT_EQ(DecodeAll<int64_t>(kExample2, 8, &consumed),
            (std::vector<int64_t>{7, 5, 3, 1, 2, 3, 4, 5}));
  EXPECT_EQ(consumed, kExample2.size());
}

TEST(DeltaBinaryPackedTest, SpecExamplesEncode) {
  std::string out;
  const int64_t ex1[] = {1, 2, 3, 4, 5};
  EncodeDeltaBinaryPacked(ex1, 5, &out);
  EXPECT_EQ(out, kExample1);
  out.clear();
  const int32_t ex2[] = {7, 5, 3, 1, 2, 3, 4, 5};
  EncodeDeltaBinaryPacked(ex2, 8, &out);
  EXPECT_EQ(out, kExample2);
}

TEST(DeltaBinaryPackedTest, SpecBlockOfEightIsRejected) {
  // The example exactly as in Encodings.md: block size 8 is "invalid in real cases".
  const std::string spec = Str({0x08, 0x01, 0x05, 0x02, 0x02, 0x00});
  std::vector<int32_t> out(5);
  Status st = DecodeDeltaBinaryPacked(U8(spec), spec.size(), 5, out.data(), nullptr);
  EXPECT_TRUE(st.IsDataLoss());
  EXPECT_EQ(st.message(),
            "parquet: DELTA_BINARY_PACKED: block size 8 is not a multiple of 128 in [128, 2^32]");
}

TEST(DeltaBinaryPackedTest, AcceptsArbitraryPaddingAndUnusedWidths) {
  std::string data = kExample2;
  data[7] = data[8] = data[9] = static_cast<char>(0xFF);  // widths of unused miniblocks
  data[11] = static_cast<char>(data[11] | 0xC0);          // padding value bits
  data[17] = static_cast<char>(0x5A);
  EXPECT_EQ(DecodeAll<int32_t>(data, 8), (std::vector<int32_t>{7, 5, 3, 1, 2, 3, 4, 5}));
}

TEST(DeltaBinaryPackedTest, SingleAndNoValues) {
  std::string out;
  const int64_t one[] = {-42};
  EncodeDeltaBinaryPacked(one, 1, &out);
  EXPECT_EQ(out, Str({0x80, 0x01, 0x04, 0x01, 0x53}));  // header only
  EXPECT_EQ(DecodeAll<int64_t>(out, 1), std::vector<int64_t>{-42});
  out.clear();
  EncodeDeltaBinaryPacked(static_cast<const int64_t*>(nullptr), 0, &out);
  EXPECT_EQ(DecodeAll<int64_t>(out, 0), std::vector<int64_t>{});
}

template <typename T>
std::vector<T> RandomSeries(std::mt19937_64& rng, size_t n, int pattern) {
  std::vector<T> v(n);
  T x = 0;
  for (size_t i = 0; i < n; ++i) {
    switch (pattern) {
      case 0: v[i] = static_cast<T>(rng()); break;  // full-range noise, wrapping deltas
      case 1:
        x = static_cast<T>(x + static_cast<T>(rng() % 100));
        v[i] = x;
        break;
      case 2: v[i] = i % 2 ? std::numeric_limits<T>::min() : std::numeric_limits<T>::max(); break;
      default: v[i] = static_cast<T>(1000 - static_cast<int64_t>(i) * 3); break;
    }
  }
  return v;
}

template <typename T>
void CheckRoundTrips() {
  std::mt19937_64 rng(11);
  for (size_t n : {0, 1, 2, 7, 8, 9, 31, 33, 127, 128, 129, 1000, 100000}) {
    for (int pattern = 0; pattern < 4; ++pattern) {
      std::vector<T> values = RandomSeries<T>(rng, n, pattern);
      std::string data;
      EncodeDeltaBinaryPacked(values.data(), n, &data);
      const size_t size = data.size();
      data += "trailing";
      size_t consumed = 0;
      ASSERT_EQ(DecodeAll<T>(data, n, &consumed), values) << "n " << n << " pattern " << pattern;
      EXPECT_EQ(consumed, size);
      if (n > 3) {  // decoding a prefix of the values still consumes the whole stream
        EXPECT_EQ(DecodeAll<T>(data, 3, &consumed),
                  std::vector<T>(values.begin(), values.begin() + 3));
        EXPECT_EQ(consumed, size);
      }
    }
  }
}

TEST(DeltaBinaryPackedTest, RoundTripInt32) {
  CheckRoundTrips<int32_t>();
}
TEST(DeltaBinaryPackedTest, RoundTripInt64) {
  CheckRoundTrips<int64_t>();
}

TEST(DeltaBinaryPackedTest, Int32StreamsStayWithin32Bits) {
  const int32_t values[] = {std::numeric_limits<int32_t>::min(),
                            std::numeric_limits<int32_t>::max(),
                            std::numeric_limits<int32_t>::min()};
  std::string data;
  EncodeDeltaBinaryPacked(values, 3, &data);
  // Deltas wrap mod 2^32 to -1 and +1: min delta -1 (one varint byte at offset 9), then the
  // first miniblock width, 2 bits where 64-bit deltas would need 33.
  ASSERT_GT(data.size(), 10u);
  EXPECT_EQ(data[9], 0x01);
  EXPECT_EQ(data[10], 2);
  std::vector<int32_t> out(3);
  ASSERT_TRUE(DecodeDeltaBinaryPacked(U8(data), data.size(), 3, out.data(), nullptr).ok());
  EXPECT_EQ(out, std::vector<int32_t>(values, values + 3));
}

TEST(DeltaBinaryPackedTest, RejectsCorruptHeadersAndWidths) {
  std::vector<int32_t> out(300);
  auto decode = [&](const std::string& s, size_t n) {
    return DecodeDeltaBinaryPacked(U8(s), s.size(), n, out.data(), nullptr);
  };
  EXPECT_TRUE(decode(kExample2, 9).IsDataLoss());                            // too few values
  EXPECT_TRUE(decode(Str({0x80, 0x01, 0x03, 0x08, 0x0E}), 1).IsDataLoss());  // 3 miniblocks
  EXPECT_TRUE(decode(Str({0x80, 0x01, 0x08, 0x08, 0x0E}), 1).IsDataLoss());  // 16 per miniblock
  EXPECT_TRUE(decode(Str({0x80, 0x01, 0x00, 0x08, 0x0E}), 1).IsDataLoss());  // no miniblocks
  std::string wide = kExample2;
  wide[6] = 65;
  Status st = decode(wide, 8);
  EXPECT_TRUE(st.IsDataLoss());
  EXPECT_EQ(st.message(), "parquet: DELTA_BINARY_PACKED: miniblock bit width 65 exceeds 64");
  std::vector<int64_t> out64(8);
  EXPECT_TRUE(
      DecodeDeltaBinaryPacked(U8(wide), wide.size(), 8, out64.data(), nullptr).IsDataLoss());
}

TEST(DeltaBinaryPackedTest, Int32WithDeltasWiderThan32BitsWraps) {
  // A writer computing int32 deltas in 64 bits (DuckDB) needs 33-bit miniblocks for
  // INT32_MIN -> INT32_MAX; decoding modulo 2^32 must still give the values back.
  const int64_t values[] = {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(),
                            std::numeric_limits<int32_t>::min(), 0};
  std::string data;
  EncodeDeltaBinaryPacked(values, 4, &data);
  std::vector<int32_t> out(4);
  ASSERT_TRUE(DecodeDeltaBinaryPacked(U8(data), data.size(), 4, out.data(), nullptr).ok());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(out[i], values[i]) << i;
}

TEST(DeltaBinaryPackedTest, EveryPrefixIsDataLoss) {
  std::mt19937_64 rng(13);
  std::vector<int64_t> values = RandomSeries<int64_t>(rng, 300, 1);
  std::string data;
  EncodeDeltaBinaryPacked(values.data(), values.size(), &data);
  std::vector<int64_t> out(values.size());
  for (size_t len = 0; len < data.size(); ++len) {
    std::vector<uint8_t> prefix(data.begin(), data.begin() + len);
    Status st =
        DecodeDeltaBinaryPacked(prefix.data(), prefix.size(), values.size(), out.data(), nullptr);
    EXPECT_TRUE(st.IsDataLoss()) << "prefix " << len << ": " << st.ToString();
  }
}

TEST(DeltaBinaryPackedTest, HugeValueCountWithoutDataFailsFast) {
  // 2^62 values claimed, blocks of width 0: the decoder must run out of data, not loop.
  std::string data =
      Str({0x80, 0x01, 0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x00});
  for (int i = 0; i < 1000; ++i) data += Str({0x00, 0x00});
  std::vector<int32_t> out(4);
  EXPECT_TRUE(DecodeDeltaBinaryPacked(U8(data), data.size(), 4, out.data(), nullptr).IsDataLoss());
}

TEST(DeltaBinaryPackedTest, RandomBytesNeverCrash) {
  std::mt19937_64 rng(17);
  std::vector<int64_t> out(512);
  for (int iter = 0; iter < 5000; ++iter) {
    std::vector<uint8_t> junk(rng() % 80);
    for (uint8_t& b : junk) b = static_cast<uint8_t>(rng());
    if (junk.size() > 3 && iter % 2) {  // a plausible header makes the body get exercised
      junk[0] = 0x80;
      junk[1] = 0x01;
      junk[2] = 0x04;
      junk[3] = static_cast<uint8_t>(junk[3] & 0x7F);
    }
    (void)DecodeDeltaBinaryPacked(junk.data(), junk.size(), rng() % 100, out.data(), nullptr);
  }
}

std::vector<std::string_view> Views(const std::vector<std::string>& v) {
  return {v.begin(), v.end()};
}

void ExpectValues(const std::string& chars, const std::vector<uint32_t>& lengths,
                  const std::vector<std::string>& expected) {
  ASSERT_EQ(lengths.size(), expected.size());
  size_t at = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(chars.substr(at, lengths[i]), expected[i]) << "value " << i;
    at += lengths[i];
  }
  EXPECT_EQ(at, chars.size());
}

TEST(DeltaLengthByteArrayTest, SpecExample) {
  const std::vector<std::string> values = {"Hello", "World", "Foobar", "ABCDEF"};
  std::string data;
  EncodeDeltaLengthByteArray(Views(values).data(), values.size(), &data);
  std::string expected;
  const int32_t lengths[] = {5, 5, 6, 6};
  EncodeDeltaBinaryPacked(lengths, 4, &expected);
  expected += "HelloWorldFoobarABCDEF";
  EXPECT_EQ(data, expected);
  std::string chars = "x";  // decoders append
  std::vector<uint32_t> lens = {1};
  ASSERT_TRUE(DecodeDeltaLengthByteArray(U8(data), data.size(), 4, &chars, &lens).ok());
  ExpectValues(chars, lens, {"x", "Hello", "World", "Foobar", "ABCDEF"});
}

TEST(DeltaByteArrayTest, SpecExample) {
  const std::vector<std::string> values = {"axis", "axle", "babble", "babyhood"};
  std::string data;
  EncodeDeltaByteArray(Views(values).data(), values.size(), &data);
  std::string expected;
  const int32_t prefixes[] = {0, 2, 0, 3};
  const int32_t suffixes[] = {4, 2, 6, 5};
  EncodeDeltaBinaryPacked(prefixes, 4, &expected);
  EncodeDeltaBinaryPacked(suffixes, 4, &expected);
  expected += "axislebabbleyhood";
  EXPECT_EQ(data, expected);
  std::string chars;
  std::vector<uint32_t> lens;
  ASSERT_TRUE(DecodeDeltaByteArray(U8(data), data.size(), 4, &chars, &lens).ok());
  ExpectValues(chars, lens, values);
}

std::vector<std::string> RandomStrings(std::mt19937_64& rng, size_t n) {
  std::vector<std::string> v(n);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && rng() % 3) v[i] = v[i - 1].substr(0, rng() % (v[i - 1].size() + 1));
    size_t extra = rng() % 12;
    for (size_t j = 0; j < extra; ++j) v[i].push_back(static_cast<char>('a' + rng() % 4));
  }
  return v;
}

TEST(DeltaByteArrayTest, RoundTrips) {
  std::mt19937_64 rng(19);
  for (size_t n : {0, 1, 7, 8, 9, 1000, 100000}) {
    std::vector<std::string> values = RandomStrings(rng, n);
    for (bool front : {false, true}) {
      std::string data;
      std::string chars;
      std::vector<uint32_t> lens;
      if (front) {
        EncodeDeltaByteArray(Views(values).data(), n, &data);
        ASSERT_TRUE(DecodeDeltaByteArray(U8(data), data.size(), n, &chars, &lens).ok());
      } else {
        EncodeDeltaLengthByteArray(Views(values).data(), n, &data);
        ASSERT_TRUE(DecodeDeltaLengthByteArray(U8(data), data.size(), n, &chars, &lens).ok());
      }
      ExpectValues(chars, lens, values);
    }
  }
}

TEST(DeltaByteArrayTest, RejectsCorruptLengths) {
  std::string chars = "keep";
  std::vector<uint32_t> lens = {4};
  std::string data;
  const int32_t bad_prefix[] = {0, 5};  // the first value has only 2 bytes
  const int32_t suffixes[] = {2, 1};
  EncodeDeltaBinaryPacked(bad_prefix, 2, &data);
  EncodeDeltaBinaryPacked(suffixes, 2, &data);
  data += "abc";
  Status st = DecodeDeltaByteArray(U8(data), data.size(), 2, &chars, &lens);
  EXPECT_TRUE(st.IsDataLoss());
  EXPECT_EQ(st.message(),
            "parquet: DELTA_BYTE_ARRAY: value 1 has prefix length 5, previous value is 2 bytes");
  EXPECT_EQ(chars, "keep");  // outputs untouched on failure
  EXPECT_EQ(lens, std::vector<uint32_t>{4});

  data.clear();
  const int32_t negative[] = {3, -1};
  EncodeDeltaBinaryPacked(negative, 2, &data);
  data += "abc";
  EXPECT_TRUE(DecodeDeltaLengthByteArray(U8(data), data.size(), 2, &chars, &lens).IsDataLoss());
  data.clear();
  const int32_t too_long[] = {3, 1000};
  EncodeDeltaBinaryPacked(too_long, 2, &data);
  data += "abcd";
  st = DecodeDeltaLengthByteArray(U8(data), data.size(), 2, &chars, &lens);
  EXPECT_TRUE(st.IsDataLoss());
  EXPECT_NE(st.message().find("lengths add up to 1003 bytes"), std::string::npos);
}

TEST(DeltaByteArrayTest, EveryPrefixIsDataLoss) {
  std::mt19937_64 rng(23);
  std::vector<std::string> values = RandomStrings(rng, 200);
  for (bool front : {false, true}) {
    std::string data;
    if (front) {
      EncodeDeltaByteArray(Views(values).data(), values.size(), &data);
    } else {
      EncodeDeltaLengthByteArray(Views(values).data(), values.size(), &data);
    }
    for (size_t len = 0; len < data.size(); ++len) {
      std::vector<uint8_t> prefix(data.begin(), data.begin() + len);
      std::string chars;
      std::vector<uint32_t> lens;
      Status st =
          front ? DecodeDeltaByteArray(prefix.data(), len, values.size(), &chars, &lens)
                : DecodeDeltaLengthByteArray(prefix.data(), len, values.size(), &chars, &lens);
      ASSERT_TRUE(st.IsDataLoss()) << "prefix " << len << ": " << st.ToString();
    }
  }
}

}  // namespace
}  // namespace financelake::parquet
