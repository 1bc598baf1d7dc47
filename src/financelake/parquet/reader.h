// ParquetReader: reads a Parquet file into columnar RecordBatches, one row group at a time or
// all at once, optionally projecting a subset of the top-level columns.
//
// Supports unencrypted files with flat and nested (struct, list, map) columns; the encodings
// of column_reader.h; the page kinds of page_reader.h; the codecs of compression.h; and the
// type mappings of schema_map.h. A file whose footer is encrypted ("PARE") is Unimplemented.
//
// Every length, offset and count in the file is checked before use: a corrupt or truncated
// file gives DataLoss (an unsupported feature Unimplemented), never a crash. Messages start
// with "parquet: <file path>: ", then name the column and row group when one is involved:
// "parquet: /d/x.parquet: column 'add.path' row group 0: data page at chunk offset 57: ...".
//
// Usage:
//   1. Open() reads and checks the footer and the schema;
//   2. ReadRowGroup() / ReadAll() decode data; RowGroupStatistics() reads footer statistics.
// Not thread-safe (it reuses decoding buffers): use one reader per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/columnar/schema.h"
#include "financelake/io/filesystem.h"
#include "financelake/parquet/column_reader.h"
#include "financelake/parquet/metadata.h"
#include "financelake/parquet/schema_map.h"
#include "financelake/parquet/statistics.h"

namespace financelake::parquet {

class ParquetReader {
 public:
  static Result<std::unique_ptr<ParquetReader>> Open(io::FileSystem& fs, const std::string& path);
  static Result<std::unique_ptr<ParquetReader>> Open(std::unique_ptr<io::RandomAccessFile> file);

  const FileMetaData& metadata() const { return metadata_; }
  const ParquetSchema& parquet_schema() const { return schema_; }
  const columnar::Schema& schema() const { return schema_.schema; }
  const std::string& path() const { return path_; }

  int64_t num_rows() const { return metadata_.num_rows; }
  int num_row_groups() const { return static_cast<int>(metadata_.row_groups.size()); }
  int64_t row_group_num_rows(int i) const { return metadata_.row_groups[i].num_rows; }

  // Row group i, only the given top-level columns (indexes into schema(); empty = all), in
  // that order. InvalidArgument for an index out of range.
  Result<columnar::RecordBatch> ReadRowGroup(int i, const std::vector<size_t>& columns = {});
  // Every row group, appended in file order.
  Result<columnar::RecordBatch> ReadAll(const std::vector<size_t>& columns = {});

  // The footer statistics of leaf column `leaf` (an index into parquet_schema().leaves) in a
  // row group.
  Result<ColumnStatistics> RowGroupStatistics(int row_group, size_t leaf) const;

 private:
  explicit ParquetReader(std::unique_ptr<io::RandomAccessFile> file);
  Status ReadFooter();
  Result<std::vector<size_t>> Projection(const std::vector<size_t>& columns) const;
  columnar::Schema ProjectedSchema(const std::vector<size_t>& fields) const;
  void ReserveFlat(const std::vector<size_t>& fields, int64_t rows,
                   std::vector<columnar::Column>* columns) const;
  Status ReadRowGroupInto(int rg, const std::vector<size_t>& fields,
                          std::vector<columnar::Column>* columns);
  Status ReadLeafChunk(int rg, size_t leaf, columnar::Column* top);
  std::string ColumnContext(int rg, size_t leaf) const;

  std::unique_ptr<io::RandomAccessFile> file_;
  std::string path_;
  uint64_t file_size_ = 0;
  uint64_t data_end_ = 0;  // where the footer starts: column chunks lie in [4, data_end_)
  FileMetaData metadata_;
  ParquetSchema schema_;
  std::vector<uint8_t> chunk_;  // the column chunk being decoded
  ColumnChunkReader chunk_reader_;
};

}  // namespace financelake::parquet
