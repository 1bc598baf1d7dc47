#include "financelake/parquet/compression.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace financelake::parquet {
namespace {

const CompressionCodec kCodecs[] = {CompressionCodec::UNCOMPRESSED, CompressionCodec::SNAPPY,
                                    CompressionCodec::GZIP, CompressionCodec::ZSTD};

const uint8_t* U8(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

std::string Compressed(CompressionCodec codec, const std::string& in, int level = 0) {
  std::string out = "stale";
  Status st = Compress(codec, in, &out, level);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

Status DecompressTo(CompressionCodec codec, const std::string& in, std::string* out) {
  return Decompress(codec, U8(in), in.size(), reinterpret_cast<uint8_t*>(out->data()), out->size());
}

std::string Input(size_t n, bool compressible) {
  std::mt19937_64 rng(n);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    s[i] = compressible ? static_cast<char>("financelake"[(i / 7 + rng() % 2) % 11])
                        : static_cast<char>(rng());
  }
  return s;
}

TEST(CompressionTest, RoundTrips) {
  for (CompressionCodec codec : kCodecs) {
    for (size_t n : {0, 1, 100, 65536, 1 << 20}) {
      for (bool compressible : {false, true}) {
        std::string in = Input(n, compressible);
        std::string packed = Compressed(codec, in);
        if (compressible && n >= 65536 && codec != CompressionCodec::UNCOMPRESSED) {
          EXPECT_LT(packed.size(), n / 2) << CodecName(codec);
        }
        std::string out(n, '\0');
        Status st = DecompressTo(codec, packed, &out);
        ASSERT_TRUE(st.ok()) << CodecName(codec) << " n " << n << ": " << st.ToString();
        ASSERT_EQ(out, in) << CodecName(codec) << " n " << n;
      }
    }
  }
}

TEST(CompressionTest, Levels) {
  std::string in = Input(100000, true);
  for (int level : {1, 9, 19}) {
    std::string out(in.size(), '\0');
    ASSERT_TRUE(
        DecompressTo(CompressionCodec::ZSTD, Compressed(CompressionCodec::ZSTD, in, level), &out)
            .ok());
    EXPECT_EQ(out, in);
  }
  std::string packed;
  EXPECT_TRUE(Compress(CompressionCodec::GZIP, in, &packed, 10).IsInvalidArgument());
  std::string out(in.size(), '\0');
  ASSERT_TRUE(
      DecompressTo(CompressionCodec::GZIP, Compressed(CompressionCodec::GZIP, in, 1), &out).ok());
  EXPECT_EQ(out, in);
}

TEST(CompressionTest, GzipWritesGzipHeader) {
  std::string packed = Compressed(CompressionCodec::GZIP, "hello");
  ASSERT_GE(packed.size(), 18u);
  EXPECT_EQ(static_cast<uint8_t>(packed[0]), 0x1f);
  EXPECT_EQ(static_cast<uint8_t>(packed[1]), 0x8b);
}

TEST(CompressionTest, WrongSizeIsDataLoss) {
  std::string in = Input(5000, true);
  for (CompressionCodec codec : kCodecs) {
    std::string packed = Compressed(codec, in);
    for (size_t size : {in.size() - 1, in.size() + 1, size_t{0}}) {
      std::string out(size, '\0');
      Status st = DecompressTo(codec, packed, &out);
      EXPECT_TRUE(st.IsDataLoss()) << CodecName(codec) << " size " << size << ": " << st.ToString();
    }
  }
  std::string out(4999, '\0');
  Status st =
      DecompressTo(CompressionCodec::SNAPPY, Compressed(CompressionCodec::SNAPPY, in), &out);
  EXPECT_EQ(st.message().rfind("parquet: snappy: data decompresses to 5000 bytes", 0), 0u)
      << st.message();
  st = DecompressTo(CompressionCodec::ZSTD, Compressed(CompressionCodec::ZSTD, in), &out);
  EXPECT_EQ(st.message().rfind("parquet: zstd: data decompresses to 5000 bytes", 0), 0u)
      << st.message();
  st = DecompressTo(CompressionCodec::GZIP, Compressed(CompressionCodec::GZIP, in), &out);
  EXPECT_EQ(st.message().rfind("parquet: gzip: data decompresses to more than 4999 bytes", 0), 0u)
      << st.message();
}

TEST(CompressionTest, CorruptOrTruncatedInputIsAnError) {
  std::string in = Input(3000, true);
  std::mt19937_64 rng(31);
  for (CompressionCodec codec :
       {CompressionCodec::SNAPPY, CompressionCodec::GZIP, CompressionCodec::ZSTD}) {
    std::string packed = Compressed(codec, in);
    for (size_t len = 0; len < packed.size(); len += 1 + len / 8) {
      std::string out(in.size(), '\0');
      Status st = DecompressTo(codec, packed.substr(0, len), &out);
      EXPECT_TRUE(st.IsDataLoss())
          << CodecName(codec) << " prefix " << len << ": " << st.ToString();
    }
    for (int iter = 0; iter < 200; ++iter) {  // flipped bytes: an error or, rarely, other data
      std::string bad = packed;
      bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
      std::string out(in.size(), '\0');
      Status st = DecompressTo(codec, bad, &out);
      if (!st.ok()) {
        EXPECT_TRUE(st.IsDataLoss()) << st.ToString();
      }
    }
  }
}

TEST(CompressionTest, GzipAcceptsZlibAndSeveralMembers) {
  std::string in = Input(10000, true);
  std::string zlib(compressBound(in.size()), '\0');
  uLongf zlen = zlib.size();
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(zlib.data()), &zlen, U8(in), in.size(), 6), Z_OK);
  zlib.resize(zlen);
  std::string out(in.size(), '\0');
  ASSERT_TRUE(DecompressTo(CompressionCodec::GZIP, zlib, &out).ok());
  EXPECT_EQ(out, in);

  std::string a = in.substr(0, 4000), b = in.substr(4000);
  std::string two = Compressed(CompressionCodec::GZIP, a) + Compressed(CompressionCodec::GZIP, b);
  std::fill(out.begin(), out.end(), '\0');
  ASSERT_TRUE(DecompressTo(CompressionCodec::GZIP, two, &out).ok());
  EXPECT_EQ(out, in);
  two += "junk";
  EXPECT_TRUE(DecompressTo(CompressionCodec::GZIP, two, &out).IsDataLoss());
}

TEST(CompressionTest, UnsupportedCodecs) {
  std::string out;
  Status st = Compress(CompressionCodec::LZ4, "x", &out);
  EXPECT_EQ(st.code(), StatusCode::kUnimplemented);
  EXPECT_EQ(st.message(), "parquet: codec LZ4 is not supported");
  uint8_t buf[1];
  for (CompressionCodec codec : {CompressionCodec::LZ4, CompressionCodec::LZ4_RAW,
                                 CompressionCodec::BROTLI, CompressionCodec::LZO}) {
    st = Decompress(codec, buf, 1, buf, 1);
    EXPECT_EQ(st.code(), StatusCode::kUnimplemented) << CodecName(codec);
  }
  st = Decompress(static_cast<CompressionCodec>(42), buf, 1, buf, 1);
  EXPECT_EQ(st.message(), "parquet: codec 42 is not supported");
}

TEST(CompressionTest, ParseCodecName) {
  EXPECT_EQ(*ParseCodecName("none"), CompressionCodec::UNCOMPRESSED);
  EXPECT_EQ(*ParseCodecName("Uncompressed"), CompressionCodec::UNCOMPRESSED);
  EXPECT_EQ(*ParseCodecName("SNAPPY"), CompressionCodec::SNAPPY);
  EXPECT_EQ(*ParseCodecName("zStd"), CompressionCodec::ZSTD);
  EXPECT_EQ(*ParseCodecName("gzip"), CompressionCodec::GZIP);
  Result<CompressionCodec> bad = ParseCodecName("lz4");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_EQ(bad.status().message(),
            "parquet: unknown compression codec 'lz4'; expected one of none, uncompressed, "
            "snappy, gzip, zstd");
}

}  // namespace
}  // namespace financelake::parquet
