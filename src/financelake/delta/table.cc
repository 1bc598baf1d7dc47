#include "financelake/delta/table.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "financelake/columnar/value.h"
#include "financelake/delta/log.h"
#include "financelake/delta/scan.h"

namespace financelake::delta {
namespace {

std::string FormatMs(int64_t ms) {
  // "2024-01-31T09:30:00.123Z"
  std::string s = columnar::FormatTimestampMicros(ms * 1000);
  return s.substr(0, s.size() - 4) + "Z";
}

// The commit's commitInfo (an empty object when it has none). The whole commit is parsed, so
// that history reports a damaged commit as scans do instead of listing it as a normal version.
Result<CommitInfo> ReadCommitInfo(io::FileSystem& fs, const CommitFile& commit) {
  FL_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(commit.path));
  FL_ASSIGN_OR_RETURN(std::vector<Action> actions, ParseCommit(text, commit.path));
  for (Action& a : actions) {
    if (auto* ci = std::get_if<CommitInfo>(&a)) return std::move(*ci);
  }
  return CommitInfo{Json::Object()};
}

// The first version whose timestamp is its commitInfo's inCommitTimestamp, or nullopt when
// the table does not have them (the writer feature inCommitTimestamp and, in the latest
// metadata, delta.enableInCommitTimestamps = true; from the version
// delta.inCommitTimestampEnablementVersion names, or from version 0 when it names none).
Result<std::optional<int64_t>> InCommitTimestampsFrom(const Snapshot& latest,
                                                      const std::string& table) {
  const auto& features = latest.protocol().writer_features;
  if (std::find(features.begin(), features.end(), "inCommitTimestamp") == features.end()) {
    return std::optional<int64_t>();
  }
  const auto& conf = latest.metadata().configuration;
  auto on = conf.find("delta.enableInCommitTimestamps");
  if (on == conf.end() || on->second != "true") return std::optional<int64_t>();
  auto from = conf.find("delta.inCommitTimestampEnablementVersion");
  if (from == conf.end()) return std::optional<int64_t>(0);
  int64_t v = -1;
  const std::string& text = from->second;
  const auto parsed = std::from_chars(text.data(), text.data() + text.size(), v);
  if (parsed.ec != std::errc() || parsed.ptr != text.data() + text.size() || v < 0) {
    return Status::DataLoss(
        fmt::format("delta: {}: delta.inCommitTimestampEnablementVersion '{}' is not a version",
                    table, from->second));
  }
  return std::optional<int64_t>(v);
}

// A commit's inCommitTimestamp; DataLoss when a table that has them lacks it.
Result<int64_t> InCommitTimestamp(io::FileSystem& fs, const CommitFile& commit,
                                  const std::string& table) {
  FL_ASSIGN_OR_RETURN(CommitInfo info, ReadCommitInfo(fs, commit));
  if (auto t = info.in_commit_timestamp()) return *t;
  return Status::DataLoss(fmt::format(
      "delta: {}: version {} has no commitInfo.inCommitTimestamp although the table has "
      "in-commit timestamps",
      table, commit.version.value()));
}

}  // namespace

Table::Table(std::shared_ptr<io::FileSystem> fs, std::string path)
    : fs_(std::move(fs)), path_(std::move(path)) {}

std::unique_ptr<Table> Table::Open(std::shared_ptr<io::FileSystem> fs, std::string path) {
  return std::unique_ptr<Table>(new Table(std::move(fs), std::move(path)));
}

std::string Table::LogDir() const {
  return DeltaLogDir(path_);
}

Result<bool> Table::Exists() const {
  return LogHasVersions(*fs_, path_);
}

Result<SnapshotPtr> Table::Latest() {
  SnapshotPtr previous;
  {
    std::lock_guard<std::mutex> lock(mu_);
    previous = latest_;
  }
  FL_ASSIGN_OR_RETURN(SnapshotPtr snapshot, LoadSnapshot(*fs_, path_, std::nullopt, previous));
  std::lock_guard<std::mutex> lock(mu_);
  if (!latest_ || latest_->version() < snapshot->version()) latest_ = snapshot;
  return snapshot;
}

Result<SnapshotPtr> Table::AtVersion(DeltaVersion v) {
  SnapshotPtr previous;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (latest_ && latest_->version() <= v) previous = latest_;
  }
  return LoadSnapshot(*fs_, path_, v, previous);
}

Result<std::optional<int64_t>> Table::InCommitTimestampsFrom() {
  // The latest snapshot says; one that cannot be read (a feature this reader refuses, enabled
  // after the version asked for) leaves the file times, as before in-commit timestamps.
  auto latest = Latest();
  if (!latest.ok()) return std::optional<int64_t>();
  return delta::InCommitTimestampsFrom(**latest, path_);
}

Result<SnapshotPtr> Table::AsOfTimestamp(int64_t timestamp_ms) {
  FL_ASSIGN_OR_RETURN(LogListing listing, ListLog(*fs_, path_));
  const auto earliest = listing.earliest_recoverable();
  std::vector<const CommitFile*> commits;
  for (const CommitFile& c : listing.commits) {
    if (earliest && c.version >= *earliest) commits.push_back(&c);
  }
  if (commits.empty()) {
    return Status::NotFound(fmt::format("delta: {}: no commits to time travel over", path_));
  }
  // Each version's timestamp: the file's modification time (made increasing), or from the
  // version in-commit timestamps start at, the commitInfo's (read only where the search looks).
  FL_ASSIGN_OR_RETURN(const std::optional<int64_t> ict_from, InCommitTimestampsFrom());
  std::map<int64_t, int64_t> ict;
  Status failed;
  auto ts = [&](const CommitFile* c) -> int64_t {
    if (!ict_from || c->version.value() < *ict_from) return c->timestamp_ms;
    auto it = ict.find(c->version.value());
    if (it != ict.end()) return it->second;
    auto t = InCommitTimestamp(*fs_, *c, path_);
    if (!t.ok()) {
      if (failed.ok()) failed = t.status();
      return 0;
    }
    return ict[c->version.value()] = *t;
  };
  // The versions before in-commit timestamps and those after are searched apart (the protocol
  // compares a time at or after the first in-commit timestamp with those only).
  auto split = commits.begin();
  if (ict_from) {
    split = std::partition_point(commits.begin(), commits.end(), [&](const CommitFile* c) {
      return c->version.value() < *ict_from;
    });
    if (split != commits.end() && split != commits.begin()) {
      const int64_t first_ict = ts(*split);
      FL_RETURN_NOT_OK(failed);
      if (timestamp_ms < first_ict)
        commits.erase(split, commits.end());
      else
        commits.erase(commits.begin(), split);
    }
  }
  const CommitFile& first = *commits.front();
  const CommitFile& last = *commits.back();
  const int64_t first_ts = ts(&first), last_ts = ts(&last);
  FL_RETURN_NOT_OK(failed);
  if (timestamp_ms < first_ts) {
    return Status::NotFound(
        fmt::format("delta: {}: timestamp {} is before the earliest available version {} ({})",
                    path_, FormatMs(timestamp_ms), first.version.value(), FormatMs(first_ts)));
  }
  if (timestamp_ms > last_ts && last.version == listing.commits.back().version) {
    return Status::NotFound(
        fmt::format("delta: {}: timestamp {} is after the latest version {} ({})", path_,
                    FormatMs(timestamp_ms), last.version.value(), FormatMs(last_ts)));
  }
  // The newest commit at or before the timestamp (timestamps increase with versions).
  auto it = std::upper_bound(commits.begin(), commits.end(), timestamp_ms,
                             [&](int64_t t, const CommitFile* c) { return t < ts(c); });
  FL_RETURN_NOT_OK(failed);
  return LoadSnapshot(*fs_, path_, listing, (*std::prev(it))->version);
}

std::optional<std::vector<CommitFile>> Table::RecentCommits(int64_t limit,
                                                            std::optional<DeltaVersion> before) {
  int64_t last = 0;
  if (before) {
    last = before->value() - 1;
    // Below a missing commit the whole history has nothing either (it stops at a gap).
    if (last < 0) return std::vector<CommitFile>();
    auto there = fs_->Exists(CommitPath(path_, DeltaVersion(last)));
    if (there.ok() && !*there) return std::vector<CommitFile>();
  } else {
    SnapshotPtr cached;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cached = latest_;
    }
    // The latest version only: a fresh Table need not decode the checkpoint for it.
    std::optional<DeltaVersion> latest = ProbeLatestVersion(*fs_, path_, cached.get());
    if (!latest) return std::nullopt;  // the listing decides (and reports errors) as before
    last = latest->value();
  }
  std::vector<CommitFile> commits;
  if (limit <= 0) return commits;
  const int64_t after = std::max<int64_t>(-1, last - limit);
  if (!ProbeCommitsAfter(*fs_, path_, after, DeltaVersion(last), &commits)) return std::nullopt;
  // History stops below the oldest version that can be rebuilt: commit 0, else the oldest
  // checkpoint. After a complete cleanup the oldest commit has a checkpoint beside it; a cleanup
  // interrupted midway leaves older commits without one (then the listing decides).
  if (after >= 0) {
    auto zero = fs_->Exists(CommitPath(path_, DeltaVersion(0)));
    if (!zero.ok()) return std::nullopt;
    if (!*zero) {
      auto oldest = OldestCommitVersion(*fs_, DeltaLogDir(path_), DeltaVersion(last));
      if (!oldest.ok() || *oldest > after + 1) return std::nullopt;
      auto checkpoint = fs_->Exists(CheckpointPath(path_, DeltaVersion(*oldest)));
      if (!checkpoint.ok() || !*checkpoint) return std::nullopt;
    }
  }
  return commits;
}

Result<std::vector<HistoryEntry>> Table::History(int64_t limit,
                                                 std::optional<DeltaVersion> before) {
  std::vector<HistoryEntry> out;
  // The version in-commit timestamps start at, asked for only once a commit carries one.
  std::optional<std::optional<int64_t>> ict_from;
  auto add = [&](const CommitFile& commit) -> Status {
    auto info = ReadCommitInfo(*fs_, commit);
    if (!info.ok()) return info.status().WithContext(fmt::format("delta: {}: history", path_));
    int64_t ts = commit.timestamp_ms;
    if (const auto ict = info->in_commit_timestamp()) {
      // The same rule as time travel: the commit's own time where the table has them.
      if (!ict_from) {
        FL_ASSIGN_OR_RETURN(std::optional<int64_t> from, InCommitTimestampsFrom());
        ict_from = from;
      }
      if (*ict_from && commit.version.value() >= **ict_from) ts = *ict;
    }
    out.push_back(HistoryEntry{commit.version, ts, std::move(info).value()});
    return Status::OK();
  };
  if (limit >= 0) {
    if (std::optional<std::vector<CommitFile>> recent = RecentCommits(limit, before)) {
      for (auto it = recent->rbegin(); it != recent->rend(); ++it) FL_RETURN_NOT_OK(add(*it));
      return out;
    }
  }
  FL_ASSIGN_OR_RETURN(LogListing listing, ListLog(*fs_, path_));
  if (listing.empty()) {
    return Status::NotFound(fmt::format("delta: {}: not a Delta table (empty _delta_log)", path_));
  }
  const auto earliest = listing.earliest_recoverable();
  for (auto it = listing.commits.rbegin(); it != listing.commits.rend(); ++it) {
    if (limit >= 0 && static_cast<int64_t>(out.size()) >= limit) break;
    if (!earliest || it->version < *earliest) break;
    if (it != listing.commits.rbegin() &&
        std::prev(it)->version.value() != it->version.value() + 1) {
      break;  // a gap: older versions cannot be rebuilt from here
    }
    if (before && it->version >= *before) continue;
    FL_RETURN_NOT_OK(add(*it));
  }
  return out;
}

Result<columnar::RecordBatch> Table::Scan(const Snapshot& snapshot, const ScanOptions& options,
                                          ScanMetrics* metrics) const {
  return ScanSnapshot(*fs_, path_, snapshot, options, metrics);
}

}  // namespace financelake::delta
