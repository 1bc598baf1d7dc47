// The Delta log directory `<table>/_delta_log` (PROTOCOL.md "Delta Log Entries",
// "Checkpoints", "Last Checkpoint File", "Action Reconciliation"): file naming, listing, and
// rebuilding a Snapshot at a version.
//
// Reconstruction of version v:
//  0. Without listing, when possible: with a `previous` snapshot at version p <= v whose commit
//     is still there, or else from the checkpoint `_last_checkpoint` names (at or before v, all
//     its files present), Stat commit after commit until v (or, for the latest, until one is
//     missing and none of the next 10 is there), then steps 3-4 from there. Anything else (no
//     usable start, a gap, an end before the version `_last_checkpoint` names, the start gone
//     after the probe, an unreadable checkpoint, any error) falls back to 1-4. A log of a
//     million commits lists in about 1.5 s; this costs a few Stats.
//  1. List `_delta_log` (directories such as `.tmp/` and `_sidecars/`, `.crc` files, UUID-named
//     v2 checkpoints, compacted logs and anything else not named below are ignored).
//  2. Start from the newest complete checkpoint at or before v (classic `%020d.checkpoint.parquet`
//     or every part of a multi-part `%020d.checkpoint.%010d.%010d.parquet`); one that fails to
//     read is skipped for the next older one, and without any, from commit 0.
//     With a `previous` snapshot at version p <= v whose later commits are all present, start
//     from it instead and read only commits p+1..v (Table::Latest's incremental update).
//  3. Replay commits start+1..v, which must all exist (else DataLoss "log versions not
//     contiguous"): last protocol and metaData win, files keyed by path (an add revives, a remove
//     turns the file into a tombstone), the last txn version per appId.
//  4. Refuse what a protocol-(1,2) reader cannot read correctly (CheckReadSupported), parse the
//     schema, and refuse files with deletion vectors.
// Commit timestamps follow Spark: the commit file's modification time, made strictly increasing
// over versions (a time <= the previous version's becomes previous + 1). In-commit timestamps
// are not used.
//
// Every error names the table: "delta: /lake/t: ...". Thread-safe (no state).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/base/strong_id.h"
#include "financelake/delta/actions.h"
#include "financelake/delta/snapshot.h"
#include "financelake/io/filesystem.h"

namespace financelake::delta {

// ---- names ----------------------------------------------------------------------------------

inline constexpr std::string_view kLastCheckpointFileName = "_last_checkpoint";

// Paths of the log's files. (conflict.h on the write side has CommitFileName() and
// CheckpointFileName() for the bare names; these give whole paths.)
std::string DeltaLogDir(const std::string& table_path);                 // <table>/_delta_log
std::string CommitPath(const std::string& table_path, DeltaVersion v);  // .../%020d.json
std::string CheckpointPath(const std::string& table_path,
                           DeltaVersion v);  // %020d.checkpoint.parquet
// Part `part` (1..parts) of a multi-part checkpoint: %020d.checkpoint.%010d.%010d.parquet.
std::string CheckpointPartPath(const std::string& table_path, DeltaVersion v, int part, int parts);
std::string LastCheckpointPath(const std::string& table_path);

struct LogFileName {
  enum class Kind { kCommit, kCheckpoint, kCheckpointPart };
  Kind kind = Kind::kCommit;
  DeltaVersion version;
  int part = 1;  // multi-part checkpoints only
  int parts = 1;
};
// The meaning of a `_delta_log` entry name, or nullopt for names we ignore.
std::optional<LogFileName> ParseLogFileName(std::string_view name);

// `_last_checkpoint`: {"version":10,"size":24,"parts":3,...}; other fields are ignored.
struct LastCheckpoint {
  DeltaVersion version;
  int64_t size = 0;              // actions in the checkpoint
  std::optional<int64_t> parts;  // multi-part checkpoints only
  std::optional<int64_t> size_in_bytes;
  std::optional<int64_t> num_of_add_files;
  bool operator==(const LastCheckpoint&) const = default;
};
Result<LastCheckpoint> ParseLastCheckpoint(std::string_view text);
std::string SerializeLastCheckpoint(const LastCheckpoint& lc);
// Reads `<table>/_delta_log/_last_checkpoint`; NotFound when absent, InvalidArgument if garbled.
Result<LastCheckpoint> ReadLastCheckpoint(io::FileSystem& fs, const std::string& table_path);

// ---- listing --------------------------------------------------------------------------------

struct CommitFile {
  DeltaVersion version;
  std::string path;
  int64_t mtime_ms = 0;
  int64_t timestamp_ms = 0;  // Spark's commit timestamp: mtime made strictly increasing
};

// Spark's commit timestamp: the commit file's mtime, or 1 ms after the previous commit's
// timestamp when the clock went backwards between them (`previous_ms` kNoPreviousCommit for
// the first commit looked at).
inline constexpr int64_t kNoPreviousCommit = std::numeric_limits<int64_t>::min();
constexpr int64_t CommitTimestamp(int64_t mtime_ms, int64_t previous_ms) {
  return previous_ms == kNoPreviousCommit ? mtime_ms : std::max(mtime_ms, previous_ms + 1);
}

struct CheckpointFiles {
  DeltaVersion version;
  std::vector<std::string> paths;  // one, or every part in order
  int64_t mtime_ms = 0;            // of the first part
};

struct LogListing {
  std::vector<CommitFile> commits;           // ascending versions (gaps possible)
  std::vector<CheckpointFiles> checkpoints;  // complete checkpoints only, ascending

  bool empty() const { return commits.empty() && checkpoints.empty(); }
  // Newest version with a commit or a checkpoint; nullopt when empty.
  std::optional<DeltaVersion> latest() const;
  // Oldest version that can be rebuilt (the oldest checkpoint, or 0 when commit 0 exists).
  std::optional<DeltaVersion> earliest_recoverable() const;
  const CommitFile* FindCommit(DeltaVersion v) const;
};

// kFull stats every entry, so every commit has its timestamp (history, time travel by
// timestamp). kLatest reads only the names and stats just the commits from the newest complete
// checkpoint on: what loading the latest snapshot needs; older commits keep mtime and
// timestamp 0. (A log of 10,000 commits lists in about a millisecond instead of 11,000 stats.)
enum class LogListMode { kFull, kLatest };

// Lists `<table>/_delta_log`. NotFound "delta: <table>: not a Delta table (no _delta_log)" when
// the directory is missing.
Result<LogListing> ListLog(io::FileSystem& fs, const std::string& table_path,
                           LogListMode mode = LogListMode::kFull);

// The latest version as a snapshot load finds it without listing (step 0 above), or nullopt
// when that would need the listing. Reads no checkpoint.
std::optional<DeltaVersion> ProbeLatestVersion(io::FileSystem& fs, const std::string& table_path,
                                               const Snapshot* previous);

// Appends the commits after `after` to `commits` (ascending, timestamps continuing theirs), one
// Stat each, until one is missing or `target` is reached. False when a listing must decide
// instead: a commit missing before `target`, a commit present within a few versions after the
// first missing one (a gap, which the listing reports as such), or a Stat that fails otherwise.
bool ProbeCommitsAfter(io::FileSystem& fs, const std::string& table_path, int64_t after,
                       std::optional<DeltaVersion> target, std::vector<CommitFile>* commits);

// The oldest commit of a log whose commits are deleted oldest first (as log cleanups delete):
// a binary search over the commit names below `latest` (about log2(latest) Stats).
Result<int64_t> OldestCommitVersion(io::FileSystem& fs, const std::string& log_dir,
                                    DeltaVersion latest);

// Whether the table at `table_path` has a version (a commit or a checkpoint): Table::Exists.
// Answered from commit 0 or `_last_checkpoint` when they allow, else by listing.
Result<bool> LogHasVersions(io::FileSystem& fs, const std::string& table_path);

// The actions of commit `v`; NotFound when the file does not exist, DataLoss when malformed.
Result<std::vector<Action>> ReadCommit(io::FileSystem& fs, const std::string& table_path,
                                       DeltaVersion v);

// ---- snapshots ------------------------------------------------------------------------------

// The snapshot at `version` (latest when nullopt). NotFound for a version that does not exist
// or for a missing/empty log; DataLoss for gaps and corrupt files; FailedPrecondition
// "unsupported table feature: ..." for tables we cannot read correctly.
Result<SnapshotPtr> LoadSnapshot(io::FileSystem& fs, const std::string& table_path,
                                 std::optional<DeltaVersion> version,
                                 SnapshotPtr previous = nullptr);
// Same, over a listing the caller already holds.
Result<SnapshotPtr> LoadSnapshot(io::FileSystem& fs, const std::string& table_path,
                                 const LogListing& listing, std::optional<DeltaVersion> version,
                                 SnapshotPtr previous = nullptr);

// OK when a reader of protocol (1, 2) reads this table correctly: reader version 1, no reader
// features, no column mapping, Parquet files. Otherwise FailedPrecondition
// "delta: <table>: unsupported table feature: reader version 3 (deletionVectors, columnMapping)".
Status CheckReadSupported(const std::string& table_path, const Protocol& protocol,
                          const Metadata& metadata);

}  // namespace financelake::delta
