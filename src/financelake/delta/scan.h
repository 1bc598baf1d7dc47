// Reading the rows of a snapshot (Table::Scan's engine).
//
// For each live file, in the snapshot's order:
//  1. Skip it when the filter cannot match: Expr::MayMatch over its partition values (exact)
//     and its add.stats (stats_read.h).
//  2. Open it with ParquetReader, reading only the columns needed (the requested ones plus the
//     filter's); skip row groups whose footer statistics rule the filter out.
//  3. Bring each row group into the table's types: file columns are matched by name (exactly,
//     else ignoring case), converted where Delta allows a difference (narrower integers, float
//     to double, string/binary, struct fields matched by name, missing struct fields null,
//     nullability), columns missing from the file are null, partition columns come from the log.
//  4. Keep the rows where the filter is true; stop at the limit.
// Thread-compatible: pure functions of their arguments.
#pragma once

#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/column.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/delta/snapshot.h"
#include "financelake/delta/table.h"
#include "financelake/io/filesystem.h"

namespace financelake::delta {

// The rows of `snapshot` (see above). Errors name the table and the file.
Result<columnar::RecordBatch> ScanSnapshot(io::FileSystem& fs, const std::string& table_path,
                                           const Snapshot& snapshot, const ScanOptions& options,
                                           ScanMetrics* metrics);

// The file an add/remove path names: a relative path (percent-decoded, as add.path is a URI)
// under the table, or an absolute `/...` or `file:` path. Unimplemented for other URI schemes
// (s3://, abfss://, ...); InvalidArgument for a malformed %-escape.
Result<std::string> ResolveDataFilePath(const std::string& table_path, const std::string& path);

// Appends rows `rows` of `src` to `dst`, converting src's type to dst's as in step 3 above.
// FailedPrecondition naming the types when they cannot be converted.
Status AppendColumnRows(const columnar::Column& src, const std::vector<int64_t>& rows,
                        columnar::Column* dst);

}  // namespace financelake::delta
