// OPTIMIZE (bin-packing compaction), VACUUM and explicit checkpoints: operations that keep a
// table fast and small without changing its rows.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "financelake/delta/checkpoint_writer.h"
#include "financelake/delta/data_writer.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/scan.h"
#include "financelake/io/path.h"

namespace financelake::delta {
namespace {

constexpr char kLogDirName[] = "_delta_log";

// When the oldest rows of a file were first written, ms: its kFirstWrittenTag (a file OPTIMIZE
// wrote: the earliest of its inputs'), else its modification time.
int64_t FirstWritten(const AddFile& f) {
  auto tag = f.tags.find(kFirstWrittenTag);
  if (tag != f.tags.end()) {
    int64_t ms = 0;
    const std::string& t = tag->second;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), ms);
    if (r.ec == std::errc() && r.ptr == t.data() + t.size()) return ms;
  }
  return f.modification_time;
}

// Groups of at least two files of one partition whose sizes add up to at most `target`
// (greedily, in the order the files were first written; files at or above the target are left
// alone).
std::vector<std::vector<AddFile>> PlanBins(const Snapshot& snapshot,
                                           const OptimizeOptions& options) {
  std::map<PartitionValues, std::vector<AddFile>> small;
  for (const AddFile& f : snapshot.files()) {
    if (f.size < options.target_file_bytes) small[f.partition_values].push_back(f);
  }
  std::vector<std::vector<AddFile>> bins;
  for (auto& [partition, files] : small) {
    if (static_cast<int64_t>(files.size()) < std::max<int64_t>(options.min_files, 2)) continue;
    // In the order the files were first written (the snapshot lists them by path, which for
    // random file names is no order; a compacted file counts from its oldest input, or it
    // would follow files written after those when compacted again): each new file holds a run
    // of consecutive writes, its rows in that order, so readers that keep the first copy of a
    // row (Silver) still can after the old files are vacuumed.
    std::stable_sort(files.begin(), files.end(), [](const AddFile& a, const AddFile& b) {
      return FirstWritten(a) < FirstWritten(b);
    });
    std::vector<AddFile> bin;
    int64_t bytes = 0;
    auto flush = [&] {
      if (bin.size() >= 2) bins.push_back(std::move(bin));
      bin.clear();
      bytes = 0;
    };
    for (AddFile& f : files) {
      if (!bin.empty() && bytes + f.size > options.target_file_bytes) flush();
      bytes += f.size;
      bin.push_back(std::move(f));
    }
    flush();
  }
  return bins;
}

// The file an action names, or "" when it is not on this filesystem (another URI scheme).
std::string DataFilePath(const Table& table, const std::string& action_path) {
  auto p = ResolveDataFilePath(table.path(), action_path);
  return p.ok() ? *p : std::string();
}

// The canonical name (FileSystem::Canonical) of the file an action names, the table's own
// canonical path being `root`.
Result<std::string> CanonicalDataFile(io::FileSystem& fs, const std::string& root,
                                      const std::string& action_path) {
  FL_ASSIGN_OR_RETURN(std::string path, ResolveDataFilePath("", action_path));
  if (!path.empty() && path.front() == '/') return fs.Canonical(path);
  return io::NormalizePath(io::JoinPath(root, path));
}

void DeleteWritten(Table& table, const std::vector<AddFile>& written) {
  for (const AddFile& a : written) {
    const std::string p = DataFilePath(table, a.path);
    if (!p.empty()) (void)table.fs().Delete(p);
  }
}

bool IsHidden(const std::string& name, const std::vector<std::string>& partition_columns) {
  if (name.empty() || (name[0] != '_' && name[0] != '.')) return false;
  // A partition directory of a column whose name starts with '_' holds data.
  for (const std::string& p : partition_columns) {
    if (name.starts_with(p + "=")) return false;
  }
  return true;
}

// Every file under `dir` (relative `rel`), skipping _delta_log and hidden entries. Entries
// keep their full path in `path` and get the relative one in `name`.
Status ListDataFiles(io::FileSystem& fs, const std::string& dir, const std::string& rel,
                     const std::vector<std::string>& partition_columns,
                     std::vector<io::FileInfo>* out) {
  FL_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDir(dir));
  for (io::FileInfo& e : entries) {
    if (rel.empty() && e.name == kLogDirName) continue;
    if (IsHidden(e.name, partition_columns)) continue;
    const std::string child_rel = rel.empty() ? e.name : rel + "/" + e.name;
    if (e.is_dir) {
      FL_RETURN_NOT_OK(ListDataFiles(fs, e.path, child_rel, partition_columns, out));
    } else {
      e.name = child_rel;
      out->push_back(std::move(e));
    }
  }
  return Status::OK();
}

}  // namespace

Result<WriteOutcome> Optimize(Table& table, const OptimizeOptions& options) {
  const std::string where = "delta: optimize " + table.path();
  if (options.target_file_bytes <= 0) return Status::InvalidArgument(where + ": target size <= 0");
  FL_ASSIGN_OR_RETURN(auto txn, Transaction::Start(table));
  const Snapshot& snapshot = *txn->read_snapshot();
  WriteOutcome out;
  out.version = snapshot.version();
  const auto bins = PlanBins(snapshot, options);
  if (bins.empty()) return out;
  const int64_t now = WallClockMs();
  DataWriteOptions write_options;
  write_options.data_change = false;
  std::vector<AddFile> written;
  std::vector<RemoveFile> removes;
  for (const auto& bin : bins) {
    auto rows = ReadDataFiles(table, snapshot, bin);
    std::vector<AddFile> adds;
    if (rows.ok()) {
      auto w = WriteDataFiles(table.fs(), table.path(), snapshot.schema(), snapshot.metadata(),
                              *rows, write_options);
      if (w.ok()) adds = std::move(w).value();
      rows = w.ok() ? std::move(rows) : Result<columnar::RecordBatch>(w.status());
    }
    if (!rows.ok()) {
      DeleteWritten(table, written);
      return rows.status().WithContext(where);
    }
    int64_t first_written = FirstWritten(bin.front());
    for (const AddFile& f : bin) first_written = std::min(first_written, FirstWritten(f));
    for (AddFile& a : adds) a.tags[kFirstWrittenTag] = std::to_string(first_written);
    for (const AddFile& f : bin) removes.push_back(RemoveFor(f, now, false));
    written.insert(written.end(), adds.begin(), adds.end());
  }
  out.files_added = static_cast<int64_t>(written.size());
  out.files_removed = static_cast<int64_t>(removes.size());
  // Compaction changes no rows: concurrent appends do not conflict with it; a concurrent removal
  // of one of its input files does (the removed files are part of the conflict scope).
  txn->RemoveFiles(std::move(removes));
  txn->AddFiles(written);
  Json params = Json::Object();
  params.Set("predicate", Json::String("[]"));
  params.Set("zOrderBy", Json::String("[]"));
  auto committed = txn->Commit("OPTIMIZE", std::move(params));
  if (!committed.ok()) {
    const StatusCode code = committed.status().code();
    if (code == StatusCode::kAborted || code == StatusCode::kAlreadyExists) {
      DeleteWritten(table, written);
    }
    return committed.status();
  }
  out.version = committed->version;
  return out;
}

Result<VacuumResult> Vacuum(Table& table, const VacuumOptions& options) {
  const std::string where = "delta: vacuum " + table.path();
  FL_ASSIGN_OR_RETURN_CTX(SnapshotPtr snapshot, table.Latest(), where);
  FL_RETURN_NOT_OK(CheckWritable(snapshot->protocol(), table.path()));
  FL_ASSIGN_OR_RETURN_CTX(
      int64_t table_retention_ms,
      DurationPropertyMs(*snapshot, "delta.deletedFileRetentionDuration", "interval 1 week"),
      where);
  int64_t retention_ms = table_retention_ms;
  if (options.retain_hours) {
    if (!(*options.retain_hours >= 0) || !std::isfinite(*options.retain_hours)) {
      return Status::InvalidArgument(
          fmt::format("{}: retention hours must be a finite number >= 0, not {}", where,
                      *options.retain_hours));
    }
    // Longer than any clock reading keeps everything; the cap keeps `now - retention` in range.
    constexpr double kMaxRetentionMs = 1e18;  // ~31.7 million years
    const double ms = *options.retain_hours * 3600000.0;
    retention_ms = ms >= kMaxRetentionMs ? static_cast<int64_t>(kMaxRetentionMs)
                                         : static_cast<int64_t>(std::llround(ms));
  }
  if (retention_ms < table_retention_ms && !options.force) {
    return Status::FailedPrecondition(fmt::format(
        "{}: retention of {} hours is shorter than delta.deletedFileRetentionDuration ({} "
        "hours): readers of older versions and unfinished writers could lose files; force it "
        "(`table vacuum --force`, SQL `VACUUM ... FORCE`) to vacuum anyway",
        where, static_cast<double>(retention_ms) / 3600000.0,
        static_cast<double>(table_retention_ms) / 3600000.0));
  }
  const int64_t now = options.now_ms != 0 ? options.now_ms : WallClockMs();
  const int64_t cutoff = now - retention_ms;
  // Files are compared by canonical name: an action may name its file by an absolute path or
  // file: URI, and the table may have been opened by a relative path or through a link.
  FL_ASSIGN_OR_RETURN_CTX(const std::string root, table.fs().Canonical(table.path()), where);
  std::set<std::string> keep;
  auto keep_file = [&](const std::string& action_path) -> Status {
    auto key = CanonicalDataFile(table.fs(), root, action_path);
    if (!key.ok()) {
      return key.status().WithContext(
          where + ": cannot tell which file a live action names, so nothing was deleted");
    }
    keep.insert(*std::move(key));
    return Status::OK();
  };
  for (const AddFile& f : snapshot->files()) FL_RETURN_NOT_OK(keep_file(f.path));
  for (const RemoveFile& r : snapshot->tombstones()) {
    if (r.deletion_timestamp.value_or(0) > cutoff) FL_RETURN_NOT_OK(keep_file(r.path));
  }
  std::vector<io::FileInfo> files;
  FL_RETURN_NOT_OK_CTX(
      ListDataFiles(table.fs(), table.path(), "", snapshot->partition_columns(), &files), where);
  VacuumResult result;
  for (const io::FileInfo& f : files) {
    if (keep.count(io::NormalizePath(io::JoinPath(root, f.name))) != 0 || f.mtime_ms >= cutoff) {
      continue;
    }
    if (!options.dry_run) FL_RETURN_NOT_OK_CTX(table.fs().Delete(f.path), where);
    result.deleted.push_back(f.name);
  }
  return result;
}

Result<DeltaVersion> Checkpoint(Table& table) {
  const std::string where = "delta: checkpoint " + table.path();
  FL_ASSIGN_OR_RETURN_CTX(SnapshotPtr snapshot, table.Latest(), where);
  FL_RETURN_NOT_OK(CheckWritable(snapshot->protocol(), table.path()));
  FL_ASSIGN_OR_RETURN(CheckpointInfo info,
                      WriteCheckpoint(table.fs(), table.LogDir(), *snapshot, WallClockMs()));
  return info.version;
}

}  // namespace financelake::delta
