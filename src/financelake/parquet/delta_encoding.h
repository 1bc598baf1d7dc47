// The delta encodings of Encodings.md: DELTA_BINARY_PACKED (INT32/INT64), DELTA_LENGTH_BYTE_ARRAY
// and DELTA_BYTE_ARRAY (incremental / front compression).
//
// Decoders validate everything they read: corrupt or truncated input returns
// DataLoss("parquet: <ENCODING>: ..."), never reads outside [data, data + size) and allocates
// only in proportion to the n values asked for. Delta arithmetic wraps (two's complement), as the
// spec requires. Encoders write blocks of 128 values in 4 miniblocks of 32, like other writers.
// All functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/status.h"

namespace financelake::parquet {

// Decodes the first n values of a DELTA_BINARY_PACKED stream at the start of `data`. The header's
// value count must be at least n; *consumed (optional) is set to the size of the whole stream,
// including values past n, so that data following it (DELTA_LENGTH_BYTE_ARRAY) can be found.
Status DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, size_t n, int32_t* out,
                               size_t* consumed);
Status DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, size_t n, int64_t* out,
                               size_t* consumed);

// Appends the DELTA_BINARY_PACKED encoding of v[0..n) to *out. The int32 variant computes deltas
// modulo 2^32, so no miniblock is wider than 32 bits.
void EncodeDeltaBinaryPacked(const int32_t* v, size_t n, std::string* out);
void EncodeDeltaBinaryPacked(const int64_t* v, size_t n, std::string* out);

// Decodes n byte arrays, appending their bytes back to back to *chars and their lengths to
// *lengths.
Status DecodeDeltaLengthByteArray(const uint8_t* data, size_t size, size_t n, std::string* chars,
                                  std::vector<uint32_t>* lengths);
Status DecodeDeltaByteArray(const uint8_t* data, size_t size, size_t n, std::string* chars,
                            std::vector<uint32_t>* lengths);

// Append the encoding of values[0..n) to *out.
void EncodeDeltaLengthByteArray(const std::string_view* values, size_t n, std::string* out);
void EncodeDeltaByteArray(const std::string_view* values, size_t n, std::string* out);

}  // namespace financelake::parquet
