#include "financelake/parquet/bit_util.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace financelake::parquet::bit_util {
namespace {

TEST(BitUtilTest, BitWidth) {
  EXPECT_EQ(BitWidth(0), 0);
  EXPECT_EQ(BitWidth(1), 1);
  EXPECT_EQ(BitWidth(2), 2);
  EXPECT_EQ(BitWidth(3), 2);
  EXPECT_EQ(BitWidth(255), 8);
  EXPECT_EQ(BitWidth(256), 9);
  EXPECT_EQ(BitWidth(~uint64_t{0}), 64);
  EXPECT_EQ(BytesForBits(0), 0u);
  EXPECT_EQ(BytesForBits(1), 1u);
  EXPECT_EQ(BytesForBits(8), 1u);
  EXPECT_EQ(BytesForBits(9), 2u);
}

TEST(BitUtilTest, LittleEndianLoadsAndStores) {
  uint8_t buf[8];
  StoreLE32(0x04030201u, buf);
  EXPECT_EQ(buf[0], 1);
  EXPECT_EQ(buf[3], 4);
  EXPECT_EQ(LoadLE32(buf), 0x04030201u);
  StoreLE64(0x0807060504030201ull, buf);
  EXPECT_EQ(buf[7], 8);
  EXPECT_EQ(LoadLE64(buf), 0x0807060504030201ull);
  EXPECT_EQ(LoadLEBytes(buf, 3), 0x030201u);
  EXPECT_EQ(LoadLEBytes(buf, 0), 0u);
}

TEST(BitUtilTest, Uleb128RoundTrip) {
  const uint64_t values[] = {
      0, 1, 127, 128, 300, 16383, 16384, uint64_t{1} << 35, std::numeric_limits<uint64_t>::max()};
  for (uint64_t v : values) {
    std::string s;
    PutUleb128(v, &s);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
    const uint8_t* end = p + s.size();
    uint64_t got;
    ASSERT_TRUE(ReadUleb128(&p, end, &got));
    EXPECT_EQ(got, v);
    EXPECT_EQ(p, end);
    // Every strict prefix is truncated.
    for (size_t len = 0; len < s.size(); ++len) {
      const uint8_t* q = reinterpret_cast<const uint8_t*>(s.data());
      EXPECT_FALSE(ReadUleb128(&q, q + len, &got));
    }
  }
  std::string s;
  PutUleb128(300, &s);
  EXPECT_EQ(s, std::string("\xac\x02"));
}

TEST(BitUtilTest, Uleb128RejectsOverlongValues) {
  const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
  const uint8_t* p = eleven;
  uint64_t v;
  EXPECT_FALSE(ReadUleb128(&p, eleven + sizeof(eleven), &v));
  EXPECT_EQ(p, eleven);
  const uint8_t too_big[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  p = too_big;
  EXPECT_FALSE(ReadUleb128(&p, too_big + sizeof(too_big), &v));
}

TEST(BitUtilTest, ZigZag) {
  EXPECT_EQ(ZigZagEncode(0), 0u);
  EXPECT_EQ(ZigZagEncode(-1), 1u);
  EXPECT_EQ(ZigZagEncode(1), 2u);
  EXPECT_EQ(ZigZagEncode(-2), 3u);
  EXPECT_EQ(ZigZagEncode(std::numeric_limits<int64_t>::min()), ~uint64_t{0});
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{12345}, int64_t{-987654321},
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(ZigZagDecode(ZigZagEncode(v)), v);
    std::string s;
    PutZigZag(v, &s);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
    int64_t got;
    ASSERT_TRUE(ReadZigZag(&p, p + s.size(), &got));
    EXPECT_EQ(got, v);
  }
}

TEST(BitUtilTest, PackBitsMatchesSpecExample) {
  // Encodings.md: 0..7 at bit width 3 pack LSB-first to 10001000 11000110 11111010.
  const uint32_t values[] = {0, 1, 2, 3, 4, 5, 6, 7};
  uint8_t packed[3];
  PackBits(values, 8, 3, packed);
  EXPECT_EQ(packed[0], 0x88);
  EXPECT_EQ(packed[1], 0xC6);
  EXPECT_EQ(packed[2], 0xFA);
}

// Unpacking from a buffer of exactly the packed size exercises the tail path; under ASan any
// read past it fails the test.
template <typename T>
void CheckPackRoundTrip(int max_width) {
  std::mt19937_64 rng(42);
  for (int width = 0; width <= max_width; ++width) {
    for (size_t n : {0, 1, 5, 8, 9, 31, 32, 64, 67, 1000}) {
      std::vector<T> values(n);
      for (T& v : values) v = static_cast<T>(rng() & LowMask(width));
      const size_t bytes = BytesForBits(uint64_t{n} * width);
      std::vector<uint8_t> packed(bytes + 1, 0xEE);
      PackBits(values.data(), n, width, packed.data());
      EXPECT_EQ(packed[bytes], 0xEE) << "PackBits wrote past its output";
      std::vector<uint8_t> exact(packed.begin(), packed.begin() + bytes);
      std::vector<T> got(n);
      UnpackBits(exact.data(), exact.size(), width, n, got.data());
      ASSERT_EQ(got, values) << "width " << width << " n " << n;
    }
  }
}

TEST(BitUtilTest, PackUnpackRoundTrip32) {
  CheckPackRoundTrip<uint32_t>(32);
}
TEST(BitUtilTest, PackUnpackRoundTrip64) {
  CheckPackRoundTrip<uint64_t>(64);
}

}  // namespace
}  // namespace financelake::parquet::bit_util
