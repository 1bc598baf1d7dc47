// Page compression codecs (Compression.md): one adapter over snappy, zstd and zlib. LZ4, LZ4_RAW,
// BROTLI and LZO are recognised but return Unimplemented.
//
// Thread-safe: zstd and zlib contexts are cached per thread (thread_local) and reused, since
// creating them costs more than compressing a small page.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "financelake/base/result.h"
#include "financelake/base/status.h"
#include "financelake/parquet/format.h"

namespace financelake::parquet {

// Replaces *out with `in` compressed by `codec`. level 0 means the codec's default (zstd 3,
// gzip 6); snappy has no levels. GZIP writes a single gzip member (RFC 1952).
Status Compress(CompressionCodec codec, std::string_view in, std::string* out, int level = 0);

// Like Compress, but the result is the first *n bytes of *buf, and *buf is only ever grown: a
// buffer reused page after page is not zero-filled again each time (the writer's hot path).
Status CompressInto(CompressionCodec codec, std::string_view in, std::string* buf, size_t* n,
                    int level = 0);

// Decompresses `in` into exactly out_size bytes at out (the page header's uncompressed size).
// Data that is corrupt or decompresses to any other size is DataLoss naming codec and sizes.
// GZIP accepts gzip (also several members) and zlib streams.
Status Decompress(CompressionCodec codec, const uint8_t* in, size_t in_size, uint8_t* out,
                  size_t out_size);

// Parses a codec name from configuration, case-insensitively: "none" or "uncompressed",
// "snappy", "gzip", "zstd".
Result<CompressionCodec> ParseCodecName(std::string_view name);

}  // namespace financelake::parquet
