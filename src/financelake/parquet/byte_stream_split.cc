#include "financelake/parquet/byte_stream_split.h"

#include <string>

namespace financelake::parquet {

namespace {

// Fixed widths let the compiler unroll the inner loop; out is written sequentially.
template <int kWidth>
void Gather(const uint8_t* data, size_t stride, size_t n, uint8_t* out) {
  for (size_t i = 0; i < n; ++i) {
    for (int k = 0; k < kWidth; ++k) out[i * kWidth + k] = data[k * stride + i];
  }
}

template <int kWidth>
void Scatter(const uint8_t* values, size_t n, uint8_t* out) {
  for (size_t i = 0; i < n; ++i) {
    for (int k = 0; k < kWidth; ++k) out[k * n + i] = values[i * kWidth + k];
  }
}

}  // namespace

Status DecodeByteStreamSplit(const uint8_t* data, size_t size, size_t n, int width, uint8_t* out) {
  if (width <= 0) {
    return Status::InvalidArgument("parquet: BYTE_STREAM_SPLIT: value width " +
                                   std::to_string(width) + " must be positive");
  }
  const size_t w = static_cast<size_t>(width);
  if (size % w != 0) {
    return Status::DataLoss("parquet: BYTE_STREAM_SPLIT: " + std::to_string(size) +
                            " bytes is not a multiple of the value width " + std::to_string(w));
  }
  const size_t stride = size / w;
  if (n > stride) {
    return Status::DataLoss("parquet: BYTE_STREAM_SPLIT: " + std::to_string(size) + " bytes hold " +
                            std::to_string(stride) + " values of " + std::to_string(w) +
                            " bytes, expected " + std::to_string(n));
  }
  switch (width) {
    case 2: Gather<2>(data, stride, n, out); break;
    case 4: Gather<4>(data, stride, n, out); break;
    case 8: Gather<8>(data, stride, n, out); break;
    default:
      for (size_t k = 0; k < w; ++k) {
        const uint8_t* stream = data + k * stride;
        for (size_t i = 0; i < n; ++i) out[i * w + k] = stream[i];
      }
  }
  return Status::OK();
}

void EncodeByteStreamSplit(const uint8_t* values, size_t n, int width, std::string* out) {
  const size_t w = static_cast<size_t>(width);
  const size_t at = out->size();
  out->resize(at + n * w);
  uint8_t* dst = reinterpret_cast<uint8_t*>(out->data() + at);
  switch (width) {
    case 2: Scatter<2>(values, n, dst); break;
    case 4: Scatter<4>(values, n, dst); break;
    case 8: Scatter<8>(values, n, dst); break;
    default:
      for (size_t i = 0; i < n; ++i) {
        for (size_t k = 0; k < w; ++k) dst[k * n + i] = values[i * w + k];
      }
  }
}

}  // namespace financelake::parquet
