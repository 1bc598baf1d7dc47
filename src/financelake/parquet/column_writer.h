// LeafWriter: encodes one leaf column of the current row group into data pages.
//
// Protocol, per row group:
//  1. WriteFlat() (top-level primitive columns) or WriteNested() (levels from the shredder),
//     any number of times; pages are cut when they reach WriterOptions::page_bytes.
//  2. FinishChunk() writes the dictionary page (if any) and the data pages to the file, fills
//     the ColumnChunk metadata and the chunk statistics, and resets for the next row group.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "financelake/columnar/column.h"
#include "financelake/io/filesystem.h"
#include "financelake/parquet/schema_map.h"
#include "financelake/parquet/statistics.h"
#include "financelake/parquet/writer_options.h"

namespace financelake::parquet {

class LeafWriter {
 public:
  virtual ~LeafWriter() = default;

  static Result<std::unique_ptr<LeafWriter>> Make(const LeafDescriptor& leaf,
                                                  const WriterOptions& options);

  // Slots [begin, end) of a top-level primitive column.
  virtual Status WriteFlat(const columnar::Column& col, int64_t begin, int64_t end) = 0;
  // n level entries; the entries with def == max_def take the next value of `value_index`
  // (slots of `col`, the leaf's own column).
  virtual Status WriteNested(const columnar::Column& col, const int16_t* def, const int16_t* rep,
                             int64_t n, const int64_t* value_index) = 0;
  // Bytes buffered for the current row group (pages so far + the open page).
  virtual int64_t BufferedBytes() const = 0;
  virtual Status FinishChunk(io::WritableFile* sink, ColumnChunk* chunk,
                             ColumnStatistics* stats) = 0;
};

}  // namespace financelake::parquet
