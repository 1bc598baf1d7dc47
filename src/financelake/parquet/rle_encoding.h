// The RLE / bit-packing hybrid encoding (Encodings.md, "RLE = 3") used for repetition and
// definition levels, dictionary indices and RLE booleans, plus the deprecated BIT_PACKED level
// encoding. Neither the encoder nor the decoder deals with the optional 4-byte length prefix;
// the page layer strips or writes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "financelake/base/result.h"
#include "financelake/base/status.h"

namespace financelake::parquet {

// Encodes unsigned values of a fixed bit width (0..32) into the hybrid format: a run of 8 or
// more equal values becomes an RLE run, everything else bit-packed groups of 8 (the last group
// padded with zeros), bit-packed runs holding at most 63 groups so their header is one byte.
//
// Call protocol:
//   1. Put() / PutRun() the values, in order. Each value must be < 2^bit_width.
//   2. Finish(out) appends the encoded bytes to *out and resets the encoder for reuse.
// Not thread-safe; owns its buffers.
class RleBpEncoder {
 public:
  explicit RleBpEncoder(int bit_width);

  void Put(uint32_t v) {
    if (v == run_value_ && run_length_ > 0) {
      ++run_length_;
    } else {
      // A lone value joins the pending group inline (it cannot complete the group here); the
      // common case for high-cardinality data.
      if (run_length_ == 1 && group_size_ < 7) {
        group_[group_size_++] = run_value_;
      } else {
        EndRun();
      }
      run_value_ = v;
      run_length_ = 1;
    }
  }

  // Same as calling Put(v) `count` times.
  void PutRun(uint32_t v, size_t count);

  // Appends the encoded bytes (no length prefix) to *out and resets the encoder.
  void Finish(std::string* out);

  // An upper bound of the bytes Finish() would append now.
  size_t EstimatedSize() const;

  int bit_width() const { return bit_width_; }

 private:
  // Moves the pending run into RLE or literal output.
  void EndRun();
  // Appends `count` copies of v to the literal group, packing every completed group.
  void AppendLiterals(uint32_t v, size_t count);
  void PackGroup();
  void CloseLiteralRun();
  void WriteRleRun(uint32_t v, uint64_t count);

  int bit_width_;
  int byte_width_;
  std::string buf_;

  // The trailing run of equal values, not yet written.
  uint32_t run_value_ = 0;
  uint64_t run_length_ = 0;

  // Values of the current, incomplete group of 8 (always part of a bit-packed run).
  uint32_t group_[8] = {};
  int group_size_ = 0;

  // The bit-packed run being written: offset of its header byte in buf_, or npos if none.
  size_t literal_header_ = std::string::npos;
  int literal_groups_ = 0;
};

// Decodes the hybrid encoding. Holds a pointer into the caller's buffer, which must outlive it.
// Not thread-safe.
class RleBpDecoder {
 public:
  // bit_width must be in [0, 32] (otherwise GetBatch fails); 0 means every value is 0.
  RleBpDecoder(const uint8_t* data, size_t size, int bit_width);

  // Decodes up to n values into out. Returns the number decoded, which is less than n only when
  // the data ends; DataLoss on corrupt data.
  Result<size_t> GetBatch(uint32_t* out, size_t n);

 private:
  // Reads the next run header; false at the end of the data.
  Result<bool> NextRun();

  const uint8_t* pos_;
  const uint8_t* end_;
  int bit_width_;

  uint64_t rle_left_ = 0;  // values left in the current RLE run
  uint32_t rle_value_ = 0;

  // Current bit-packed run: values left, and where its next undecoded group starts.
  uint64_t literal_left_ = 0;
  const uint8_t* literal_pos_ = nullptr;
  // A decoded group of which only a part has been handed out.
  uint32_t group_[8] = {};
  int group_pos_ = 8;
  int group_count_ = 8;
};

// Decodes n values of the deprecated BIT_PACKED encoding (values packed MSB-first back to back).
Status DecodeBitPackedLegacy(const uint8_t* data, size_t size, int bit_width, size_t n,
                             uint32_t* out);

// Decodes dictionary indices of a data page: one byte of bit width (<= 32), then hybrid data.
// Returns the number of indices decoded (less than n only when the data ends).
Result<size_t> DecodeDictIndices(const uint8_t* data, size_t size, size_t n, uint32_t* out);

}  // namespace financelake::parquet
