// BYTE_STREAM_SPLIT (Encodings.md, "BYTE_STREAM_SPLIT = 9"): the k-th byte of every value goes to
// stream k, and the streams are stored one after another. The encoding carries no length; the
// page's value count times the value width is its size. Thread-safe, allocation-free decoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "financelake/base/status.h"

namespace financelake::parquet {

// Decodes the first n values of `width` bytes each (FLOAT 4, DOUBLE 8, FIXED_LEN_BYTE_ARRAY its
// length) into out, which has room for n * width bytes. `size` must be a multiple of width and
// hold at least n values; the stream length is size / width.
Status DecodeByteStreamSplit(const uint8_t* data, size_t size, size_t n, int width, uint8_t* out);

// Appends the encoding of n values of `width` bytes at `values` to *out.
void EncodeByteStreamSplit(const uint8_t* values, size_t n, int width, std::string* out);

}  // namespace financelake::parquet
