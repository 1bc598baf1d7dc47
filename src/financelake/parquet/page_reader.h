// Page-level reading of one column chunk: walks the page headers, decompresses page bodies and
// splits data pages into their repetition-level, definition-level and value sections; and
// LevelDecoder, which turns a level section into level values in batches.
//
// Supported: DICTIONARY_PAGE, DATA_PAGE (v1: RLE levels with a 4-byte length prefix, or the
// deprecated BIT_PACKED levels) and DATA_PAGE_V2 (uncompressed levels without prefixes, values
// compressed when `is_compressed`). INDEX_PAGE is skipped; other page types are DataLoss.
//
// Every size read from a header is checked against the chunk before it is used. Error messages
// say what is wrong ("page header at chunk offset 20: ..."); the column reader prefixes the file,
// column and row group.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/base/status.h"
#include "financelake/parquet/format.h"
#include "financelake/parquet/metadata.h"
#include "financelake/parquet/rle_encoding.h"

namespace financelake::parquet {

// Returns `st` with its message prefixed by `context`, dropping the "parquet: " that the codec
// helpers start their messages with: "<context>: <what went wrong>". OK stays OK.
Status WithParquetContext(const Status& st, std::string_view context);

// Where one kind of levels of a data page is, before decoding.
struct LevelSection {
  Encoding encoding = Encoding::RLE;
  const uint8_t* data = nullptr;  // RLE: the hybrid data without its length prefix
  size_t size = 0;
};

// One page, decompressed. Pointers stay valid until the next PageReader::Next().
struct Page {
  PageType type = PageType::DATA_PAGE;
  int32_t num_values = 0;  // level entries of a data page; entries of a dictionary page
  Encoding encoding = Encoding::PLAIN;  // of the values
  bool v2 = false;
  LevelSection rep, def;  // data pages; size 0 when the column's max level is 0
  const uint8_t* values = nullptr;
  size_t values_size = 0;
};

// Iterates the pages of one column chunk held in memory. Not thread-safe; the chunk bytes are
// the caller's and must outlive the reader. Call protocol: Next() until it returns false (end
// of the chunk bytes) or an error.
class PageReader {
 public:
  PageReader(const uint8_t* chunk, size_t size, CompressionCodec codec, int16_t max_def,
             int16_t max_rep);

  // The next dictionary or data page (index pages are skipped); false at the end of the chunk.
  Result<bool> Next(Page* page);

  // Offset in the chunk of the page last returned (for error messages).
  size_t page_offset() const { return page_offset_; }

 private:
  // Decompresses `in` into the reusable buffer, or points into the chunk when uncompressed.
  Result<const uint8_t*> Body(const uint8_t* in, size_t in_size, size_t out_size, bool compressed);
  Status SplitV1(const DataPageHeader& h, const uint8_t* body, size_t size, Page* page);
  Status SplitV2(const DataPageHeaderV2& h, const PageHeader& ph, const uint8_t* raw, Page* page);

  const uint8_t* chunk_;
  size_t size_;
  size_t pos_ = 0;
  size_t page_offset_ = 0;
  CompressionCodec codec_;
  int16_t max_def_;
  int16_t max_rep_;
  std::unique_ptr<uint8_t[]> buf_;  // decompressed bodies; not zero-filled
  size_t buf_capacity_ = 0;
};

// Decodes the levels of one data page in batches. Not thread-safe; the section's bytes must
// outlive the decoder.
class LevelDecoder {
 public:
  // `num_values` levels of at most `max_level` are expected from the section.
  Status Init(const LevelSection& section, int16_t max_level, size_t num_values);
  // Decodes exactly n more levels (DataLoss if the section ends first). Levels above the
  // maximum are not rejected here: the assembler checks them.
  Status Decode(uint32_t* out, size_t n);

 private:
  std::optional<RleBpDecoder> rle_;
  std::vector<uint32_t> unpacked_;  // BIT_PACKED: decoded at Init
  size_t pos_ = 0;
  size_t decoded_ = 0;
};

}  // namespace financelake::parquet
