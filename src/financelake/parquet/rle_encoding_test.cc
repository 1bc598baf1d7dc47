#include "financelake/parquet/rle_encoding.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "financelake/parquet/bit_util.h"

namespace financelake::parquet {
namespace {

std::string Encode(int bit_width, const std::vector<uint32_t>& values) {
  RleBpEncoder encoder(bit_width);
  for (uint32_t v : values) encoder.Put(v);
  const size_t estimate = encoder.EstimatedSize();
  std::string out;
  encoder.Finish(&out);
  EXPECT_LE(out.size(), estimate);
  return out;
}

// Decodes n values in batches of `batch`, checking the decoder reports the end of data.
std::vector<uint32_t> Decode(const std::string& data, int bit_width, size_t n, size_t batch) {
  RleBpDecoder decoder(reinterpret_cast<const uint8_t*>(data.data()), data.size(), bit_width);
  std::vector<uint32_t> out(n);
  size_t done = 0;
  while (done < n) {
    Result<size_t> got = decoder.GetBatch(out.data() + done, std::min(batch, n - done));
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    if (!got.ok() || *got == 0) break;
    done += *got;
  }
  out.resize(done);
  return out;
}

std::vector<uint8_t> Bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

TEST(RleBpEncoderTest, BitPackedGroupMatchesSpecExample) {
  // One group of 0..7 at width 3: header (1 << 1) | 1, then the packing given in Encodings.md.
  std::string out = Encode(3, {0, 1, 2, 3, 4, 5, 6, 7});
  EXPECT_EQ(Bytes(out), (std::vector<uint8_t>{0x03, 0x88, 0xC6, 0xFA}));
}

TEST(RleBpEncoderTest, RepeatsBecomeRleRuns) {
  std::string out = Encode(3, std::vector<uint32_t>(100, 5));
  EXPECT_EQ(Bytes(out), (std::vector<uint8_t>{0xC8, 0x01, 0x05}));  // varint(200), value
  out = Encode(12, std::vector<uint32_t>(8, 0xABC));
  EXPECT_EQ(Bytes(out), (std::vector<uint8_t>{0x10, 0xBC, 0x0A}));  // value in 2 bytes
}

TEST(RleBpEncoderTest, RunCompletesPendingGroupThenGoesRle) {
  std::vector<uint32_t> values = {1, 2, 3};
  values.insert(values.end(), 20, 7);
  std::string out = Encode(3, values);
  // Group 1,2,3,7,7,7,7,7 bit-packed, then an RLE run of the remaining 15 sevens.
  const uint32_t group[] = {1, 2, 3, 7, 7, 7, 7, 7};
  uint8_t packed[3];
  bit_util::PackBits(group, 8, 3, packed);
  EXPECT_EQ(Bytes(out), (std::vector<uint8_t>{0x03, packed[0], packed[1], packed[2], 0x1E, 0x07}));
}

TEST(RleBpEncoderTest, ShortRunsArePackedAndLastGroupPadded) {
  std::string out = Encode(1, {1, 1, 1, 0, 1});
  EXPECT_EQ(Bytes(out), (std::vector<uint8_t>{0x03, 0x17}));
}

TEST(RleBpEncoderTest, LongLiteralRunsSplitAt63Groups) {
  std::vector<uint32_t> values(size_t{64} * 8);
  for (size_t i = 0; i < values.size(); ++i) values[i] = i % 2;
  std::string out = Encode(1, values);
  ASSERT_EQ(out.size(), 1 + 63 + 1 + 1u);
  EXPECT_EQ(static_cast<uint8_t>(out[0]), (63 << 1) | 1);
  EXPECT_EQ(static_cast<uint8_t>(out[64]), (1 << 1) | 1);
  EXPECT_EQ(Decode(out, 1, values.size(), 1000), values);
}

TEST(RleBpEncoderTest, PutRunEqualsRepeatedPut) {
  std::mt19937 rng(7);
  RleBpEncoder by_run(5), by_put(5);
  for (int i = 0; i < 2000; ++i) {
    uint32_t v = rng() % 32;
    size_t count = rng() % 4 == 0 ? rng() % 40 : rng() % 3;
    by_run.PutRun(v, count);
    for (size_t j = 0; j < count; ++j) by_put.Put(v);
  }
  std::string a, b;
  by_run.Finish(&a);
  by_put.Finish(&b);
  EXPECT_EQ(a, b);
}

TEST(RleBpEncoderTest, RunsLongerThanInt32AreSplit) {
  RleBpEncoder encoder(1);
  encoder.PutRun(1, (size_t{1} << 31) + 10);
  std::string out;
  encoder.Finish(&out);
  std::string expected;
  bit_util::PutUleb128(((uint64_t{1} << 31) - 1) << 1, &expected);
  expected.push_back(1);
  bit_util::PutUleb128(11 << 1, &expected);
  expected.push_back(1);
  EXPECT_EQ(out, expected);
}

TEST(RleBpEncoderTest, FinishResetsTheEncoder) {
  RleBpEncoder encoder(4);
  encoder.PutRun(3, 20);
  std::string first, second;
  encoder.Finish(&first);
  encoder.PutRun(3, 20);
  encoder.Finish(&second);
  EXPECT_EQ(first, second);
  EXPECT_EQ(encoder.bit_width(), 4);
}

std::vector<uint32_t> RandomValues(std::mt19937_64& rng, int width, size_t n, int pattern) {
  const uint64_t mask = bit_util::LowMask(width);
  std::vector<uint32_t> values;
  while (values.size() < n) {
    uint32_t v = static_cast<uint32_t>(rng() & mask);
    size_t run = pattern == 0 ? 1 : pattern == 1 ? 1 + rng() % 20 : 1 + rng() % 3000;
    values.insert(values.end(), std::min(run, n - values.size()), v);
  }
  return values;
}

TEST(RleBpRoundTripTest, AllWidthsAndLengths) {
  std::mt19937_64 rng(1);
  for (int width = 0; width <= 32; ++width) {
    for (size_t n : {0, 1, 7, 8, 9, 1000, 100000}) {
      if (n == 100000 && width % 5 != 0) continue;  // keeps the test fast
      for (int pattern = 0; pattern < 3; ++pattern) {
        std::vector<uint32_t> values = RandomValues(rng, width, n, pattern);
        std::string data = Encode(width, values);
        for (size_t batch : {size_t{1}, size_t{3}, size_t{8}, size_t{100}, n + 1}) {
          if (batch < 8 && n > 1000) continue;
          ASSERT_EQ(Decode(data, width, n, batch), values)
              << "width " << width << " n " << n << " pattern " << pattern << " batch " << batch;
        }
      }
    }
  }
}

TEST(RleBpDecoderTest, StopsAtEndOfData) {
  std::string data = Encode(4, {1, 2, 3});  // one padded group: 8 values on disk
  RleBpDecoder decoder(reinterpret_cast<const uint8_t*>(data.data()), data.size(), 4);
  std::vector<uint32_t> out(20);
  Result<size_t> got = decoder.GetBatch(out.data(), out.size());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 8u);
  got = decoder.GetBatch(out.data(), out.size());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 0u);
}

TEST(RleBpDecoderTest, WidthZeroIsAllZeros) {
  std::string data = Encode(0, std::vector<uint32_t>(50, 0));
  EXPECT_EQ(Decode(data, 0, 50, 7), std::vector<uint32_t>(50, 0));
}

TEST(RleBpDecoderTest, RejectsCorruptRuns) {
  std::vector<uint32_t> out(16);
  const uint8_t too_wide[] = {0x10, 0x09};  // RLE value 9 at bit width 3
  RleBpDecoder a(too_wide, sizeof(too_wide), 3);
  Result<size_t> got = a.GetBatch(out.data(), 8);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsDataLoss());
  EXPECT_NE(got.status().message().find("parquet: RLE: "), std::string::npos);

  const uint8_t truncated_header[] = {0x80};
  RleBpDecoder b(truncated_header, sizeof(truncated_header), 3);
  EXPECT_TRUE(b.GetBatch(out.data(), 8).status().IsDataLoss());

  const uint8_t truncated_value[] = {0x10, 0x01};  // needs 2 value bytes at width 9
  RleBpDecoder c(truncated_value, sizeof(truncated_value), 9);
  EXPECT_TRUE(c.GetBatch(out.data(), 8).status().IsDataLoss());

  RleBpDecoder d(truncated_value, sizeof(truncated_value), 33);
  EXPECT_TRUE(d.GetBatch(out.data(), 8).status().IsDataLoss());
}

TEST(RleBpDecoderTest, EveryPrefixFailsOrComesUpShort) {
  std::mt19937_64 rng(3);
  for (int width : {1, 3, 8, 13, 32}) {
    std::vector<uint32_t> values = RandomValues(rng, width, 300, 1);
    std::string data = Encode(width, values);
    for (size_t len = 0; len < data.size(); ++len) {
      std::vector<uint8_t> prefix(data.begin(), data.begin() + len);  // exact size for ASan
      RleBpDecoder decoder(prefix.data(), prefix.size(), width);
      std::vector<uint32_t> out(values.size());
      Result<size_t> got = decoder.GetBatch(out.data(), out.size());
      if (got.ok()) {
        // Cutting only padding of the last group loses nothing; cutting a whole group must.
        if (len + width <= data.size()) {
          EXPECT_LT(*got, values.size()) << "width " << width << " prefix " << len;
        }
        ASSERT_LE(*got, values.size());
        EXPECT_TRUE(std::equal(out.begin(), out.begin() + *got, values.begin()));
      } else {
        EXPECT_TRUE(got.status().IsDataLoss());
      }
    }
  }
}

TEST(RleBpDecoderTest, RandomBytesNeverCrash) {
  std::mt19937_64 rng(5);
  std::vector<uint32_t> out(4096);
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<uint8_t> junk(rng() % 64);
    for (uint8_t& b : junk) b = static_cast<uint8_t>(rng());
    RleBpDecoder decoder(junk.data(), junk.size(), static_cast<int>(rng() % 33));
    Result<size_t> got = decoder.GetBatch(out.data(), out.size());
    if (got.ok()) {
      EXPECT_LE(*got, out.size());
    }
  }
}

TEST(BitPackedLegacyTest, SpecExample) {
  // Encodings.md: 0..7 at width 3, MSB-first: 00000101 00111001 01110111.
  const uint8_t data[] = {0x05, 0x39, 0x77};
  std::vector<uint32_t> out(8);
  ASSERT_TRUE(DecodeBitPackedLegacy(data, sizeof(data), 3, 8, out.data()).ok());
  EXPECT_EQ(out, (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
}

// MSB-first reference packer for the deprecated encoding.
std::vector<uint8_t> PackMsbFirst(const std::vector<uint32_t>& values, int width) {
  std::vector<uint8_t> out(bit_util::BytesForBits(values.size() * width));
  size_t bit = 0;
  for (uint32_t v : values) {
    for (int b = width - 1; b >= 0; --b, ++bit) {
      if ((v >> b) & 1) out[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
    }
  }
  return out;
}

TEST(BitPackedLegacyTest, RoundTripAndTruncation) {
  std::mt19937_64 rng(9);
  for (int width = 0; width <= 32; ++width) {
    for (size_t n : {0, 1, 7, 8, 9, 1000}) {
      std::vector<uint32_t> values = RandomValues(rng, width, n, 0);
      std::vector<uint8_t> data = PackMsbFirst(values, width);
      std::vector<uint32_t> out(n);
      ASSERT_TRUE(DecodeBitPackedLegacy(data.data(), data.size(), width, n, out.data()).ok());
      ASSERT_EQ(out, values) << "width " << width << " n " << n;
      if (!data.empty()) {
        std::vector<uint8_t> shorter(data.begin(), data.end() - 1);
        EXPECT_TRUE(DecodeBitPackedLegacy(shorter.data(), shorter.size(), width, n, out.data())
                        .IsDataLoss());
      }
    }
  }
  std::vector<uint32_t> out(1);
  EXPECT_TRUE(DecodeBitPackedLegacy(nullptr, 0, 33, 1, out.data()).IsDataLoss());
}

TEST(DictIndicesTest, ReadsWidthByte) {
  std::vector<uint32_t> values = {5, 5, 5, 5, 5, 5, 5, 5, 5, 1, 2, 1000};
  std::string data(1, static_cast<char>(10));
  data += Encode(10, values);
  std::vector<uint32_t> out(values.size());
  Result<size_t> got = DecodeDictIndices(reinterpret_cast<const uint8_t*>(data.data()), data.size(),
                                         out.size(), out.data());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, values.size());
  EXPECT_EQ(out, values);
}

TEST(DictIndicesTest, RejectsBadWidthAndMissingByte) {
  std::vector<uint32_t> out(4);
  const uint8_t wide[] = {33, 0x02, 0x00};
  Result<size_t> got = DecodeDictIndices(wide, sizeof(wide), 4, out.data());
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsDataLoss());
  EXPECT_EQ(got.status().message(), "parquet: RLE_DICTIONARY: bit width 33 exceeds 32");
  EXPECT_TRUE(DecodeDictIndices(nullptr, 0, 4, out.data()).status().IsDataLoss());
  got = DecodeDictIndices(nullptr, 0, 0, out.data());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 0u);
}

}  // namespace
}  // namespace financelake::parquet
