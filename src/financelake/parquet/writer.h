// ParquetWriter: writes record batches to one Parquet file.
//
// Protocol:
//  1. Open() with the schema and options (writes the leading magic).
//  2. Write() batches of that schema; row groups are cut by size (WriterOptions).
//  3. Close() flushes the last row group and writes the footer; it returns the per-column
//     statistics so callers (Delta `add.stats`) need not re-read the file.
// A writer that is destroyed without Close() leaves an incomplete file behind: callers write to
// a temporary name and publish it after Close(). Not thread-safe.
//
// Output: data page v1, PLAIN or RLE_DICTIONARY values, RLE levels, 3-level lists, MAP groups,
// logical + converted type annotations, min_value/max_value/null_count statistics, column
// orders. See docs/formats/parquet.md.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "financelake/columnar/record_batch.h"
#include "financelake/io/filesystem.h"
#include "financelake/parquet/column_writer.h"
#include "financelake/parquet/schema_map.h"
#include "financelake/parquet/statistics.h"
#include "financelake/parquet/writer_options.h"

namespace financelake::parquet {

struct WriteResult {
  int64_t num_rows = 0;
  int64_t num_row_groups = 0;
  int64_t file_bytes = 0;
  // Per leaf (parquet_schema().leaves order), merged over the row groups.
  std::vector<ColumnStatistics> leaf_stats;
};

class ParquetWriter {
 public:
  static Result<std::unique_ptr<ParquetWriter>> Open(io::FileSystem& fs, const std::string& path,
                                                     columnar::Schema schema,
                                                     WriterOptions options = {});
  static Result<std::unique_ptr<ParquetWriter>> Open(std::unique_ptr<io::WritableFile> sink,
                                                     columnar::Schema schema,
                                                     WriterOptions options = {});
  ~ParquetWriter();

  Status Write(const columnar::RecordBatch& batch);
  // Rows [begin, end) of `columns` (one per schema field, in order), without copying them.
  Status WriteColumns(const std::vector<const columnar::Column*>& columns, int64_t begin, int64_t end);
  // Closes the current row group now (no-op when it is empty).
  Status FlushRowGroup();
  Result<WriteResult> Close();

  const columnar::Schema& schema() const { return schema_; }
  const ParquetSchema& parquet_schema() const { return pschema_; }
  int64_t num_rows() const { return rows_written_ + rows_buffered_; }

 private:
  ParquetWriter() = default;
  Status WriteRows(const std::vector<const columnar::Column*>& columns, int64_t begin, int64_t end);
  int64_t BufferedBytes() const;
  std::string Where() const;

  std::unique_ptr<io::WritableFile> sink_;
  columnar::Schema schema_;
  ParquetSchema pschema_;
  std::vector<SchemaElement> elements_;
  WriterOptions options_;
  std::vector<std::unique_ptr<LeafWriter>> leaf_writers_;
  std::vector<RowGroup> row_groups_;
  std::vector<ColumnStatistics> stats_;
  int64_t rows_written_ = 0;
  int64_t rows_buffered_ = 0;
  bool closed_ = false;
  Status error_;  // sticky: after a failed write the file is unusable
};

}  // namespace financelake::parquet
