// Writing a Delta table's Parquet data files, and the row-level helpers the copy-on-write
// operations share.
//
// A batch in the table schema (partition columns included) is split by its partition values;
// each group becomes one file holding the data columns only (Spark leaves partition columns out
// of data files):
//
//   <table>/[<col>=<hive-escaped value>/...]part-<nnnnn>-<uuid v4>-c000.snappy.parquet
//
// A null (or empty string) partition value is the directory __HIVE_DEFAULT_PARTITION__ and a
// null in add.partitionValues. add.path is the relative path, percent-encoded as Spark's
// java.net.URI does (the Hive escapes themselves become "%25.."); add.stats is stats.h's JSON.
// See docs/formats/delta.md. Files are written in place under their unique names, fsynced with
// their directories: until a commit names them they are invisible to readers, and VACUUM
// removes those a failed writer leaves behind.
// Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/delta/actions.h"
#include "financelake/delta/table.h"
#include "financelake/io/filesystem.h"
#include "financelake/parquet/writer_options.h"

namespace financelake::delta {

struct DataWriteOptions {
  parquet::WriterOptions parquet;
  bool data_change = true;  // add.dataChange (false for OPTIMIZE rewrites)
  // A partition's rows are cut into files of at most this many rows (<= 0: one file each).
  int64_t max_rows_per_file = 0;
};

// Writes `batch` under `table_path`. `table_schema` and `metadata` are the table's (partition
// columns, delta.dataSkippingNumIndexedCols). The batch must have the table's column names and
// types in order; a null in a non-nullable column is an InvalidArgument naming it. An empty
// batch writes nothing. On error, files written so far are removed (best effort).
Result<std::vector<AddFile>> WriteDataFiles(io::FileSystem& fs, const std::string& table_path,
                                            const columnar::Schema& table_schema,
                                            const Metadata& metadata,
                                            const columnar::RecordBatch& batch,
                                            const DataWriteOptions& options = {});

// Checks that `batch` fits `table_schema` (names, types, nullability), with a message naming
// the first mismatch.
Status CheckBatchMatchesSchema(const columnar::RecordBatch& batch,
                               const columnar::Schema& table_schema);

// "part-00000-<uuid>-c000.snappy.parquet" (the extension follows the codec).
std::string DataFileName(int part, parquet::CompressionCodec codec);

// Hive's escaping of a partition value in a directory name: control characters and
// "#%'*/:=?\{[]^ and DEL become %XX (uppercase hex).
std::string EscapePartitionValue(std::string_view value);
// Percent-encodes the characters java.net.URI quotes in a path (space, control characters,
// "#%<>?[\]^`{|}); what add.path holds for a relative file path.
std::string EncodeLogPath(std::string_view relative_path);
// The inverse: %XX sequences decoded; InvalidArgument for a malformed escape.
Result<std::string> DecodeLogPath(std::string_view log_path);

// The remove action that retires live file `add` (extendedFileMetadata, with its partition
// values and size, as Spark writes it).
RemoveFile RemoveFor(const AddFile& add, int64_t deletion_timestamp_ms, bool data_change);

// --- rows ---

// The rows of `files` (live files of `snapshot`) in the table schema, partition columns filled
// in, file after file: Table::Scan over a snapshot restricted to those files (with `options`:
// only some columns, a filter).
Result<columnar::RecordBatch> ReadDataFiles(const Table& table, const Snapshot& snapshot,
                                            const std::vector<AddFile>& files,
                                            const ScanOptions& options = {});

// The rows of `batch` at `rows`, in that order (any type, nested included).
columnar::RecordBatch TakeRows(const columnar::RecordBatch& batch,
                               const std::vector<int64_t>& rows);
// Same, of the columns `columns` only; `schema` is their fields.
columnar::RecordBatch TakeRows(const columnar::RecordBatch& batch, const std::vector<int64_t>& rows,
                               const std::vector<size_t>& columns, const columnar::Schema& schema);
// The rows of `batches` one after another, in `schema` (each batch must have its types).
Result<columnar::RecordBatch> ConcatBatches(const columnar::Schema& schema,
                                            const std::vector<columnar::RecordBatch>& batches);
// Row indexes where `mask` is non-zero (selected = true) or zero (selected = false).
std::vector<int64_t> SelectRows(const std::vector<uint8_t>& mask, bool selected);

}  // namespace financelake::delta
