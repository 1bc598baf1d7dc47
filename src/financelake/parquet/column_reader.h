// Value decoding of one leaf column chunk: the dictionary, every value encoding of a data page,
// and the conversion of physical values to the leaf's columnar representation
// (LeafDescriptor::conversion). ColumnChunkReader drives a chunk page by page, in batches of
// level entries, handing levels to a LeafAssembler and values to the leaf column.
//
// Encodings: PLAIN (all types; BOOLEAN bit-packed LSB-first), PLAIN_DICTIONARY and
// RLE_DICTIONARY, RLE (BOOLEAN), DELTA_BINARY_PACKED (INT32, INT64), DELTA_LENGTH_BYTE_ARRAY
// (BYTE_ARRAY), DELTA_BYTE_ARRAY (BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY) and BYTE_STREAM_SPLIT
// (INT32, INT64, FLOAT, DOUBLE, FIXED_LEN_BYTE_ARRAY). Anything else is Unimplemented; an
// encoding used on a type it does not apply to is DataLoss.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/base/status.h"
#include "financelake/parquet/assembler.h"
#include "financelake/parquet/metadata.h"
#include "financelake/parquet/page_reader.h"
#include "financelake/parquet/rle_encoding.h"
#include "financelake/parquet/schema_map.h"

namespace financelake::parquet {

// A chunk's dictionary, already converted to the leaf's columnar representation: fixed-width
// values back to back, or views into `bytes` (a copy of the dictionary page) for strings.
struct Dictionary {
  size_t size = 0;
  std::vector<uint8_t> fixed;
  std::string bytes;
  std::vector<std::string_view> views;
};

// Decodes the values of one page. Not thread-safe; the page bytes and the dictionary must
// outlive it. Call protocol: Init(), then DecodeFixed() or DecodeViews() (whichever fits the
// leaf's type) for consecutive runs of values.
class ValueDecoder {
 public:
  // `max_values` bounds how many values the page can hold (its level entries).
  Status Init(const LeafDescriptor& leaf, Encoding encoding, const uint8_t* data, size_t size,
              size_t max_values, const Dictionary* dict);
  // The next n values as the leaf's fixed-width columnar type (n * fixed_width() bytes).
  Status DecodeFixed(size_t n, uint8_t* out);
  // The next n values of a string/binary leaf; views stay valid while the page bytes do.
  Status DecodeViews(size_t n, std::string_view* out);

 private:
  enum class Mode { kPlainFixed, kPlainBool, kRleBool, kPlainBytes, kViews, kDict };

  Status Ends(size_t n) const;
  Status NextIndices(size_t n);
  Status PlainViews(size_t n, std::string_view* out);

  const LeafDescriptor* leaf_ = nullptr;
  Mode mode_ = Mode::kPlainFixed;
  const uint8_t* pos_ = nullptr;
  const uint8_t* end_ = nullptr;
  size_t width_ = 0;    // physical bytes per value (kPlainFixed)
  size_t bit_pos_ = 0;  // kPlainBool
  size_t decoded_ = 0;  // values handed out so far
  std::optional<RleBpDecoder> rle_;
  const Dictionary* dict_ = nullptr;
  std::vector<uint8_t> owned_;  // values pre-decoded to the PLAIN layout (delta, byte stream split)
  std::string chars_;           // pre-decoded byte arrays (delta byte array encodings)
  std::vector<uint32_t> lengths_;
  std::vector<std::string_view> views_;
  std::vector<std::string_view> tmp_views_;
  std::vector<uint32_t> indices_;
};

// Reads column chunks into leaf columns. Not thread-safe; reuse one per reader so that its
// buffers are allocated once.
class ColumnChunkReader {
 public:
  // Decodes the chunk bytes [data, data + size) of `leaf` (chunk metadata `md`) through
  // `assembler`. `max_string_bytes` caps the string bytes it may produce (a guard against
  // dictionary bombs). Errors describe the page ("data page at chunk offset 123: ...").
  Status Read(const LeafDescriptor& leaf, const ColumnMetaData& md, const uint8_t* data,
              size_t size, LeafAssembler* assembler, uint64_t max_string_bytes);

 private:
  Status LoadDictionary(const LeafDescriptor& leaf, const Page& page);
  Status ReadDataPage(const LeafDescriptor& leaf, const Page& page, LeafAssembler* assembler);
  Status FillLeaf(const LeafDescriptor& leaf, const uint32_t* def, size_t n,
                  LeafAssembler* assembler);

  Dictionary dict_;
  bool have_dict_ = false;
  ValueDecoder values_;
  LevelDecoder def_decoder_, rep_decoder_;
  std::vector<uint32_t> def_, rep_;
  std::vector<uint8_t> scratch_;
  std::vector<std::string_view> views_;
  uint64_t string_bytes_ = 0;
  uint64_t max_string_bytes_ = 0;
};

}  // namespace financelake::parquet
