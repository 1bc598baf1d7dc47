// Log maintenance on the write side: classic checkpoints, `_last_checkpoint`, and the cleanup
// of expired log files (delta-io/delta PROTOCOL.md "Checkpoints", "Last Checkpoint File",
// "Metadata Cleanup"; what we write is described in docs/formats/delta.md).
//
// A checkpoint of version v is `_delta_log/%020d.checkpoint.parquet` (checkpoint_schema.h's
// batch, one action per row), encoded in memory and published with WriteFileAtomic (temporary
// file, fsync, rename, directory fsync), so readers never see a partial one. `_last_checkpoint`
// ({"version":v,"size":rows,"sizeInBytes":bytes,"numOfAddFiles":n}) is then replaced the same
// way, unless it already names a newer checkpoint. Thread-safe; many processes may checkpoint
// one table (they write identical content for one version).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/delta/snapshot.h"
#include "financelake/io/filesystem.h"

namespace financelake::delta {

struct CheckpointInfo {
  DeltaVersion version;
  int64_t size = 0;           // actions (rows)
  int64_t size_in_bytes = 0;  // of the checkpoint file
  int64_t num_add_files = 0;
};

// Writes the checkpoint of `snapshot` and updates `_last_checkpoint`. Tombstones deleted before
// `now_ms` - delta.deletedFileRetentionDuration are left out, as Spark does.
Result<CheckpointInfo> WriteCheckpoint(io::FileSystem& fs, const std::string& log_dir,
                                       const Snapshot& snapshot, int64_t now_ms);

// Deletes commits, checkpoints and .crc files that are no longer needed: those of versions
// below the newest checkpoint C such that every version from C on is either newer than
// `now_ms - retention_ms` or reconstructible from C. So a version younger than the retention
// stays readable (time travel), and the newest checkpoint and everything after it stay.
// Commit ages use the files' modification times made monotonic over versions (as Spark does).
// Returns the names deleted, oldest first.
Result<std::vector<std::string>> CleanupExpiredLogs(io::FileSystem& fs, const std::string& log_dir,
                                                    int64_t retention_ms, int64_t now_ms);

// Whether CleanupExpiredLogs, which reads the whole log directory, is worth running after a
// commit at `latest`: always while the log holds fewer than kLogCleanupBatch versions; for a
// longer log only once the commit kLogCleanupBatch versions after the oldest one has expired
// (the oldest found by a binary search over commit names: about log2(latest) Stats). A table
// committing every second keeps 2.6 million log files over the default 30 days; this reads
// them once per thousand commits instead of at every checkpoint (each tenth commit).
inline constexpr int64_t kLogCleanupBatch = 1000;
Result<bool> LogCleanupDue(io::FileSystem& fs, const std::string& log_dir, DeltaVersion latest,
                           int64_t retention_ms, int64_t now_ms);

// Parses a Spark interval ("interval 7 days", "30 days", "interval 1 day 12 hours", units from
// microsecond to week, singular or plural, case-insensitive) to milliseconds. InvalidArgument
// naming the text for anything else (months and years have no fixed length).
Result<int64_t> ParseIntervalMs(std::string_view text);

// A duration table property (e.g. delta.logRetentionDuration) in ms, `fallback` when unset.
Result<int64_t> DurationPropertyMs(const Snapshot& snapshot, const std::string& key,
                                   std::string_view fallback);

// Current wall-clock time in ms since the epoch.
int64_t WallClockMs();

}  // namespace financelake::delta
