#include "financelake/parquet/byte_stream_split.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace financelake::parquet {
namespace {

TEST(ByteStreamSplitTest, SpecExample) {
  const uint8_t values[] = {0xAA, 0xBB, 0xCC, 0xDD, 0x00, 0x11, 0x22, 0x33, 0xA3, 0xB4, 0xC5, 0xD6};
  const uint8_t encoded[] = {0xAA, 0x00, 0xA3, 0xBB, 0x11, 0xB4,
                             0xCC, 0x22, 0xC5, 0xDD, 0x33, 0xD6};
  std::string out;
  EncodeByteStreamSplit(values, 3, 4, &out);
  EXPECT_EQ(out, std::string(reinterpret_cast<const char*>(encoded), sizeof(encoded)));
  uint8_t decoded[12];
  ASSERT_TRUE(DecodeByteStreamSplit(encoded, sizeof(encoded), 3, 4, decoded).ok());
  EXPECT_EQ(std::vector<uint8_t>(decoded, decoded + 12), std::vector<uint8_t>(values, values + 12));
}

TEST(ByteStreamSplitTest, RoundTrips) {
  std::mt19937_64 rng(29);
  for (int width : {1, 2, 3, 4, 8, 12, 16}) {
    for (size_t n : {0, 1, 7, 8, 9, 1000, 100000}) {
      std::vector<uint8_t> values(n * width);
      for (uint8_t& b : values) b = static_cast<uint8_t>(rng());
      std::string data = "prefix";
      EncodeByteStreamSplit(values.data(), n, width, &data);
      ASSERT_EQ(data.size(), 6 + values.size());
      std::vector<uint8_t> encoded(data.begin() + 6, data.end());
      std::vector<uint8_t> out(values.size());
      ASSERT_TRUE(DecodeByteStreamSplit(encoded.data(), encoded.size(), n, width, out.data()).ok());
      ASSERT_EQ(out, values) << "width " << width << " n " << n;
      if (n > 1) {  // the first values of a longer page
        std::vector<uint8_t> head(width);
        ASSERT_TRUE(
            DecodeByteStreamSplit(encoded.data(), encoded.size(), 1, width, head.data()).ok());
        EXPECT_EQ(head, std::vector<uint8_t>(values.begin(), values.begin() + width));
      }
    }
  }
}

TEST(ByteStreamSplitTest, RejectsBadSizes) {
  std::vector<uint8_t> data(16), out(64);
  Status st = DecodeByteStreamSplit(data.data(), 15, 3, 4, out.data());
  EXPECT_TRUE(st.IsDataLoss());
  EXPECT_EQ(st.message(),
            "parquet: BYTE_STREAM_SPLIT: 15 bytes is not a multiple of the value width 4");
  EXPECT_TRUE(DecodeByteStreamSplit(data.data(), 16, 5, 4, out.data()).IsDataLoss());
  EXPECT_TRUE(DecodeByteStreamSplit(data.data(), 16, 1, 0, out.data()).IsInvalidArgument());
  EXPECT_TRUE(DecodeByteStreamSplit(nullptr, 0, 0, 8, out.data()).ok());
}

}  // namespace
}  // namespace financelake::parquet
