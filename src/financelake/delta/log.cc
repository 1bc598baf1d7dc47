#include "financelake/delta/log.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <set>
#include <unordered_map>

#include "financelake/delta/checkpoint_schema.h"
#include "financelake/delta/conflict.h"
#include "financelake/delta/schema_json.h"
#include "financelake/io/path.h"
#include "financelake/parquet/reader.h"

namespace financelake::delta {
namespace {

bool ParseDigits(std::string_view s, size_t width, int64_t* out) {
  if (s.size() != width) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return std::from_chars(s.data(), s.data() + s.size(), *out).ec == std::errc();
}

std::string TableError(const std::string& table, std::string_view msg) {
  return fmt::format("delta: {}: {}", table, msg);
}

// The table state while replaying (PROTOCOL.md "Action Reconciliation").
struct ReplayState {
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  std::unordered_map<std::string, AddFile> files;
  std::unordered_map<std::string, RemoveFile> tombstones;
  std::map<std::string, Txn> txns;

  void Load(const Snapshot& s) {
    protocol = s.protocol();
    metadata = s.metadata();
    for (const AddFile& a : s.files()) files.emplace(a.path, a);
    for (const RemoveFile& r : s.tombstones()) tombstones.emplace(r.path, r);
    txns = s.txns();
  }

  void Apply(Action&& action) {
    std::visit(
        [this](auto&& action_value) {
          using T = std::decay_t<decltype(action_value)>;
          T a = std::forward<decltype(action_value)>(action_value);
          if constexpr (std::is_same_v<T, Protocol>) {
            protocol = std::move(a);
          } else if constexpr (std::is_same_v<T, Metadata>) {
            metadata = std::move(a);
          } else if constexpr (std::is_same_v<T, AddFile>) {
            tombstones.erase(a.path);
            std::string path = a.path;
            files.insert_or_assign(std::move(path), std::move(a));
          } else if constexpr (std::is_same_v<T, RemoveFile>) {
            files.erase(a.path);
            std::string path = a.path;
            tombstones.insert_or_assign(std::move(path), std::move(a));
          } else if constexpr (std::is_same_v<T, Txn>) {
            std::string id = a.app_id;
            txns.insert_or_assign(std::move(id), std::move(a));
          }
          // commitInfo and unknown actions do not change the state.
        },
        std::move(action));
  }
};

Result<std::vector<Action>> ReadCheckpoint(io::FileSystem& fs, const CheckpointFiles& cp) {
  std::vector<Action> out;
  for (const std::string& path : cp.paths) {
    auto read = [&]() -> Result<std::vector<Action>> {
      FL_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::Open(fs, path));
      std::vector<size_t> columns;
      for (const std::string& name : CheckpointActionColumns()) {
        if (auto i = reader->schema().FieldIndex(name)) columns.push_back(*i);
      }
      if (columns.empty()) return Status::DataLoss("no action columns");
      FL_ASSIGN_OR_RETURN(columnar::RecordBatch batch, reader->ReadAll(columns));
      return ActionsFromCheckpoint(batch);
    };
    auto actions = read();
    if (!actions.ok()) return actions.status().WithContext(fmt::format("checkpoint {}", path));
    for (Action& a : *actions) out.push_back(std::move(a));
  }
  return out;
}

Result<SnapshotPtr> BuildSnapshot(const std::string& table, ReplayState&& st, DeltaVersion version,
                                  int64_t timestamp_ms) {
  const std::string at = fmt::format("version {}", version.value());
  if (!st.protocol) return Status::DataLoss(TableError(table, at + ": no protocol action"));
  if (!st.metadata) return Status::DataLoss(TableError(table, at + ": no metaData action"));
  FL_RETURN_NOT_OK(CheckReadSupported(table, *st.protocol, *st.metadata));
  // An absent schemaString (very early Delta writers) is an empty schema, as in Spark.
  auto schema = st.metadata->schema_string.empty() ? Result<columnar::Schema>(columnar::Schema())
                                                   : SchemaFromJson(st.metadata->schema_string);
  if (!schema.ok()) {
    return schema.status().WithContext(TableError(table, at + ": metaData.schemaString"));
  }
  for (const std::string& p : st.metadata->partition_columns) {
    if (!schema->FieldIndex(p)) {
      return Status::DataLoss(
          TableError(table, fmt::format("{}: partition column '{}' is not in the schema", at, p)));
    }
  }
  Snapshot::Parts parts;
  parts.version = version;
  parts.timestamp_ms = timestamp_ms;
  parts.protocol = std::move(*st.protocol);
  parts.metadata = std::move(*st.metadata);
  parts.schema = std::move(schema).value();
  parts.files.reserve(st.files.size());
  for (auto& [path, add] : st.files) {
    if (add.has_deletion_vector) {
      return Status::FailedPrecondition(TableError(
          table, fmt::format("unsupported table feature: deletion vectors (file '{}')", path)));
    }
    parts.files.push_back(std::move(add));
  }
  std::sort(parts.files.begin(), parts.files.end(),
            [](const AddFile& a, const AddFile& b) { return a.path < b.path; });
  for (auto& [path, rm] : st.tombstones) parts.tombstones.push_back(std::move(rm));
  std::sort(parts.tombstones.begin(), parts.tombstones.end(),
            [](const RemoveFile& a, const RemoveFile& b) { return a.path < b.path; });
  parts.txns = std::move(st.txns);
  return SnapshotPtr(std::make_shared<const Snapshot>(std::move(parts)));
}

}  // namespace

// ---- names ----------------------------------------------------------------------------------

std::string DeltaLogDir(const std::string& table_path) {
  return io::JoinPath(table_path, "_delta_log");
}

std::string CommitPath(const std::string& table_path, DeltaVersion v) {
  return io::JoinPath(DeltaLogDir(table_path), fmt::format("{:020}.json", v.value()));
}

std::string CheckpointPath(const std::string& table_path, DeltaVersion v) {
  return io::JoinPath(DeltaLogDir(table_path), fmt::format("{:020}.checkpoint.parquet", v.value()));
}

std::string CheckpointPartPath(const std::string& table_path, DeltaVersion v, int part, int parts) {
  return io::JoinPath(
      DeltaLogDir(table_path),
      fmt::format("{:020}.checkpoint.{:010}.{:010}.parquet", v.value(), part, parts));
}

std::string LastCheckpointPath(const std::string& table_path) {
  return io::JoinPath(DeltaLogDir(table_path), kLastCheckpointFileName);
}

std::optional<LogFileName> ParseLogFileName(std::string_view name) {
  if (name.size() < 21 || name[20] != '.') return std::nullopt;
  LogFileName f;
  int64_t v = 0;
  if (!ParseDigits(name.substr(0, 20), 20, &v)) return std::nullopt;
  f.version = DeltaVersion(v);
  std::string_view rest = name.substr(21);
  if (rest == "json") {
    f.kind = LogFileName::Kind::kCommit;
    return f;
  }
  if (rest == "checkpoint.parquet") {
    f.kind = LogFileName::Kind::kCheckpoint;
    return f;
  }
  // checkpoint.%010d.%010d.parquet
  constexpr std::string_view kPrefix = "checkpoint.", kSuffix = ".parquet";
  if (rest.size() != kPrefix.size() + 21 + kSuffix.size() || rest.substr(0, 11) != kPrefix ||
      rest.substr(rest.size() - kSuffix.size()) != kSuffix || rest[21] != '.') {
    return std::nullopt;
  }
  int64_t part = 0, parts = 0;
  if (!ParseDigits(rest.substr(11, 10), 10, &part) ||
      !ParseDigits(rest.substr(22, 10), 10, &parts) || part < 1 || part > parts) {
    return std::nullopt;
  }
  f.kind = LogFileName::Kind::kCheckpointPart;
  f.part = static_cast<int>(part);
  f.parts = static_cast<int>(parts);
  return f;
}

Result<LastCheckpoint> ParseLastCheckpoint(std::string_view text) {
  FL_ASSIGN_OR_RETURN(Json j, Json::Parse(text).WithContext("_last_checkpoint"));
  auto version = j.GetInt("version");
  if (!j.is_object() || !version.ok() || *version < 0) {
    return Status::InvalidArgument("_last_checkpoint: no valid 'version'");
  }
  LastCheckpoint lc;
  lc.version = DeltaVersion(*version);
  lc.size = j.GetInt("size", 0);
  if (j.GetInt("parts").ok()) lc.parts = *j.GetInt("parts");
  if (j.GetInt("sizeInBytes").ok()) lc.size_in_bytes = *j.GetInt("sizeInBytes");
  if (j.GetInt("numOfAddFiles").ok()) lc.num_of_add_files = *j.GetInt("numOfAddFiles");
  return lc;
}

std::string SerializeLastCheckpoint(const LastCheckpoint& lc) {
  Json j = Json::Object();
  j.Set("version", Json::Int(lc.version.value()));
  j.Set("size", Json::Int(lc.size));
  if (lc.parts) j.Set("parts", Json::Int(*lc.parts));
  if (lc.size_in_bytes) j.Set("sizeInBytes", Json::Int(*lc.size_in_bytes));
  if (lc.num_of_add_files) j.Set("numOfAddFiles", Json::Int(*lc.num_of_add_files));
  return j.Dump();
}

Result<LastCheckpoint> ReadLastCheckpoint(io::FileSystem& fs, const std::string& table_path) {
  FL_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(LastCheckpointPath(table_path)));
  auto lc = ParseLastCheckpoint(text);
  if (!lc.ok()) return lc.status().WithContext(TableError(table_path, ""));
  return lc;
}

// ---- listing --------------------------------------------------------------------------------

std::optional<DeltaVersion> LogListing::latest() const {
  std::optional<DeltaVersion> v;
  if (!commits.empty()) v = commits.back().version;
  if (!checkpoints.empty() && (!v || checkpoints.back().version > *v)) {
    v = checkpoints.back().version;
  }
  return v;
}

std::optional<DeltaVersion> LogListing::earliest_recoverable() const {
  std::optional<DeltaVersion> v;
  if (!checkpoints.empty()) v = checkpoints.front().version;
  if (!commits.empty() && commits.front().version == DeltaVersion(0)) v = DeltaVersion(0);
  return v;
}

const CommitFile* LogListing::FindCommit(DeltaVersion v) const {
  auto it = std::lower_bound(commits.begin(), commits.end(), v,
                             [](const CommitFile& c, DeltaVersion x) { return c.version < x; });
  return it != commits.end() && it->version == v ? &*it : nullptr;
}

namespace {

// Fills in the modification times a latest-snapshot load needs: the newest complete checkpoint
// and every commit from its version on (every commit when there is no checkpoint).
Status StatFromLatestCheckpoint(io::FileSystem& fs, const std::string& table_path,
                                LogListing* listing) {
  int64_t from = 0;
  if (!listing->checkpoints.empty()) {
    CheckpointFiles& cp = listing->checkpoints.back();
    from = cp.version.value();
    auto info = fs.Stat(cp.paths.front());
    if (!info.ok()) return info.status().WithContext(TableError(table_path, "list _delta_log"));
    cp.mtime_ms = info->mtime_ms;
  }
  std::vector<CommitFile> kept;
  kept.reserve(listing->commits.size());
  for (CommitFile& c : listing->commits) {
    if (c.version.value() >= from) {
      auto info = fs.Stat(c.path);
      if (!info.ok()) {
        if (info.status().IsNotFound()) continue;  // cleaned up since the listing
        return info.status().WithContext(TableError(table_path, "list _delta_log"));
      }
      c.mtime_ms = c.timestamp_ms = info->mtime_ms;
    }
    kept.push_back(std::move(c));
  }
  listing->commits = std::move(kept);
  return Status::OK();
}

}  // namespace

Result<LogListing> ListLog(io::FileSystem& fs, const std::string& table_path, LogListMode mode) {
  const bool names_only = mode == LogListMode::kLatest;
  auto entries = names_only ? fs.ListDirNames(DeltaLogDir(table_path))
                            : fs.ListDir(DeltaLogDir(table_path));
  if (!entries.ok()) {
    if (entries.status().IsNotFound()) {
      return Status::NotFound(TableError(table_path, "not a Delta table (no _delta_log)"));
    }
    return entries.status().WithContext(TableError(table_path, "list _delta_log"));
  }
  LogListing listing;
  std::map<int64_t, CheckpointFiles> classic;
  // version -> parts count -> part number -> file
  std::map<int64_t, std::map<int, std::map<int, io::FileInfo>>> multi;
  for (io::FileInfo& e : *entries) {
    if (e.is_dir) continue;
    auto name = ParseLogFileName(e.name);
    if (!name) continue;
    const int64_t v = name->version.value();
    switch (name->kind) {
      case LogFileName::Kind::kCommit:
        listing.commits.push_back(CommitFile{name->version, e.path, e.mtime_ms, e.mtime_ms});
        break;
      case LogFileName::Kind::kCheckpoint:
        classic[v] = CheckpointFiles{name->version, {e.path}, e.mtime_ms};
        break;
      case LogFileName::Kind::kCheckpointPart:
        multi[v][name->parts][name->part] = std::move(e);
        break;
    }
  }
  std::sort(listing.commits.begin(), listing.commits.end(),
            [](const CommitFile& a, const CommitFile& b) { return a.version < b.version; });
  // A multi-part checkpoint counts only with every part present; a classic one is preferred.
  for (auto& [v, by_count] : multi) {
    if (classic.count(v)) continue;
    for (auto& [count, parts] : by_count) {
      if (static_cast<int>(parts.size()) != count) continue;
      CheckpointFiles cp{DeltaVersion(v), {}, parts.begin()->second.mtime_ms};
      for (auto& [n, info] : parts) cp.paths.push_back(info.path);
      classic[v] = std::move(cp);
      break;
    }
  }
  for (auto& [v, cp] : classic) listing.checkpoints.push_back(std::move(cp));
  if (names_only) FL_RETURN_NOT_OK(StatFromLatestCheckpoint(fs, table_path, &listing));
  for (size_t i = 1; i < listing.commits.size(); ++i) {
    int64_t& ts = listing.commits[i].timestamp_ms;
    ts = CommitTimestamp(ts, listing.commits[i - 1].timestamp_ms);
  }
  return listing;
}

Result<std::vector<Action>> ReadCommit(io::FileSystem& fs, const std::string& table_path,
                                       DeltaVersion v) {
  const std::string path = CommitPath(table_path, v);
  auto text = fs.ReadFile(path);
  if (!text.ok()) return text.status().WithContext(TableError(table_path, "read commit"));
  return ParseCommit(*text, path);
}

// ---- snapshots ------------------------------------------------------------------------------

Status CheckReadSupported(const std::string& table_path, const Protocol& protocol,
                          const Metadata& metadata) {
  auto refuse = [&](std::string_view what) {
    return Status::FailedPrecondition(
        TableError(table_path, fmt::format("unsupported table feature: {}", what)));
  };
  // Reader version 2 means column mapping; 3 lists reader features. Readable here: column
  // mapping in mode `none` (the files' names are the schema's, checked below; Spark reads such
  // tables) and vacuumProtocolCheck (a rule for VACUUM, not for reads).
  std::vector<std::string> unreadable;
  for (const std::string& f : protocol.reader_features) {
    if (protocol.min_reader_version != 3 || (f != "columnMapping" && f != "vacuumProtocolCheck")) {
      unreadable.push_back(f);
    }
  }
  if (protocol.min_reader_version < 1 || protocol.min_reader_version > 3 || !unreadable.empty()) {
    std::string what = fmt::format("reader version {}", protocol.min_reader_version);
    if (!unreadable.empty()) what += fmt::format(" ({})", fmt::join(unreadable, ", "));
    return refuse(what);
  }
  auto cm = metadata.configuration.find("delta.columnMapping.mode");
  if (cm != metadata.configuration.end() && cm->second != "none") {
    return refuse(fmt::format("column mapping (delta.columnMapping.mode = {})", cm->second));
  }
  if (metadata.format.provider != "parquet") {
    return refuse(fmt::format("data file format '{}'", metadata.format.provider));
  }
  return Status::OK();
}

namespace {

// Versions looked at past the first missing commit for one that is there (a gap). With the
// default checkpoint interval (10) it covers every version after the newest checkpoint; the
// `_last_checkpoint` cross-check in ProbeLogTail covers gaps before it. Past the window, the
// versions 16, 32, 64, ... 2^40 ahead are looked at too: a longer run of lost commits (a
// checkpoint interval of 1000, commits deleted by hand) followed by the rest of the log is
// found whenever that rest is at least as long as the gap. A missed gap would make the log
// end at it, and the next writer commit into it.
constexpr int64_t kGapWindow = 10;
constexpr int kFarthestGapProbe = 40;  // 2^40 versions ahead

}  // namespace

bool ProbeCommitsAfter(io::FileSystem& fs, const std::string& table_path, int64_t after,
                       std::optional<DeltaVersion> target, std::vector<CommitFile>* commits) {
  for (int64_t v = after + 1; !target || v <= target->value(); ++v) {
    std::string path = CommitPath(table_path, DeltaVersion(v));
    auto info = fs.Stat(path);
    if (!info.ok()) {
      if (!info.status().IsNotFound() || target) return false;
      // (No version past INT64_MAX: a hand-edited `_last_checkpoint` may name one near it.)
      for (int64_t k = 1; k <= kGapWindow && v <= INT64_MAX - k; ++k) {
        auto later = fs.Exists(CommitPath(table_path, DeltaVersion(v + k)));
        if (!later.ok() || *later) return false;
      }
      for (int e = 4; e <= kFarthestGapProbe && v <= INT64_MAX - (int64_t{1} << e); ++e) {
        auto later = fs.Exists(CommitPath(table_path, DeltaVersion(v + (int64_t{1} << e))));
        if (!later.ok() || *later) return false;
      }
      return true;
    }
    const int64_t ts = CommitTimestamp(
        info->mtime_ms, commits->empty() ? kNoPreviousCommit : commits->back().timestamp_ms);
    commits->push_back(CommitFile{DeltaVersion(v), std::move(path), info->mtime_ms, ts});
  }
  return true;
}

Result<int64_t> OldestCommitVersion(io::FileSystem& fs, const std::string& log_dir,
                                    DeltaVersion latest) {
  int64_t lo = 0, hi = latest.value();
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    FL_ASSIGN_OR_RETURN(const bool present,
                        fs.Exists(io::JoinPath(log_dir, CommitFileName(DeltaVersion(mid)))));
    if (present) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

namespace {

// The part of the log a snapshot at `target` (latest when nullopt) is rebuilt from, found
// without reading the directory: from `previous` while its commit is still there, else from
// the checkpoint `_last_checkpoint` names, then commit after commit. A streaming table's log
// holds a commit per second for the 30 days of delta.logRetentionDuration (2.6 million
// files), and listing it for every snapshot would cost seconds. nullopt when this cannot answer
// (no usable previous or `_last_checkpoint`, a file it names missing, a gap): then list.
std::optional<LogListing> ProbeLogTail(io::FileSystem& fs, const std::string& table_path,
                                       const Snapshot* previous,
                                       std::optional<DeltaVersion> target) {
  LogListing listing;
  int64_t from = 0;
  std::optional<io::FileInfo> previous_commit;
  auto last = ReadLastCheckpoint(fs, table_path);
  // Without a readable `_last_checkpoint` an end found from `previous` cannot be cross-checked
  // against the newest checkpoint (below): commits deleted after it, by hand or out of order,
  // would pass for the log's end. The latest version is then left to the listing (a log that
  // short lists in microseconds; a writer that never writes the hint loses the shortcut).
  if (!target && !last.ok()) return std::nullopt;
  if (previous != nullptr && (!target || previous->version() <= *target)) {
    // Gone when cleaned up since (or another table at this path): then as without it.
    if (auto info = fs.Stat(CommitPath(table_path, previous->version())); info.ok()) {
      previous_commit = std::move(info).value();
    }
  }
  if (previous_commit) {
    from = previous->version().value();
    listing.commits.push_back(CommitFile{previous->version(), std::move(previous_commit->path),
                                         previous_commit->mtime_ms, previous->timestamp_ms()});
  } else {
    if (!last.ok() || (target && last->version > *target)) return std::nullopt;
    constexpr int64_t kMaxParts = 100000;
    if (last->parts && (*last->parts < 1 || *last->parts > kMaxParts)) return std::nullopt;
    CheckpointFiles cp{last->version, {}, 0};
    if (last->parts) {
      const int parts = static_cast<int>(*last->parts);
      for (int i = 1; i <= parts; ++i) {
        cp.paths.push_back(CheckpointPartPath(table_path, last->version, i, parts));
      }
    } else {
      cp.paths.push_back(CheckpointPath(table_path, last->version));
    }
    for (const std::string& path : cp.paths) {
      auto info = fs.Stat(path);
      if (!info.ok()) return std::nullopt;
      if (path == cp.paths.front()) cp.mtime_ms = info->mtime_ms;
    }
    from = last->version.value();
    listing.checkpoints.push_back(std::move(cp));
    std::string path = CommitPath(table_path, last->version);
    if (auto info = fs.Stat(path); info.ok()) {
      listing.commits.push_back(
          CommitFile{last->version, std::move(path), info->mtime_ms, info->mtime_ms});
    }
  }
  if (!ProbeCommitsAfter(fs, table_path, from, target, &listing.commits)) return std::nullopt;
  // A cleanup deletes versions in ascending order: if it took commits after the start while we
  // probed (so the end found is not the log's end), it took the start first.
  const std::string& start = listing.checkpoints.empty()
                                 ? listing.commits.front().path
                                 : listing.checkpoints.front().paths.front();
  auto still = fs.Exists(start);
  if (!still.ok() || !*still) return std::nullopt;
  // Nor is an end before the newest checkpoint the log's end: commits deleted by hand, or by a
  // cleanup that deletes in another order (delta-rs), below a checkpoint.
  if (!target && last.ok() && last->version > *listing.latest()) return std::nullopt;
  return listing;
}

}  // namespace

Result<SnapshotPtr> LoadSnapshot(io::FileSystem& fs, const std::string& table_path,
                                 std::optional<DeltaVersion> version, SnapshotPtr previous) {
  if (std::optional<LogListing> tail = ProbeLogTail(fs, table_path, previous.get(), version)) {
    auto snapshot = LoadSnapshot(fs, table_path, *tail, version, previous);
    if (snapshot.ok()) return snapshot;  // else the listing (an unreadable checkpoint, ...)
  }
  // The latest version needs only the names and the commits after the newest checkpoint.
  FL_ASSIGN_OR_RETURN(LogListing listing,
                      ListLog(fs, table_path, version ? LogListMode::kFull : LogListMode::kLatest));
  return LoadSnapshot(fs, table_path, listing, version, std::move(previous));
}

std::optional<DeltaVersion> ProbeLatestVersion(io::FileSystem& fs, const std::string& table_path,
                                               const Snapshot* previous) {
  std::optional<LogListing> tail = ProbeLogTail(fs, table_path, previous, std::nullopt);
  if (!tail) return std::nullopt;
  return tail->latest();
}

Result<bool> LogHasVersions(io::FileSystem& fs, const std::string& table_path) {
  if (auto commit0 = fs.Exists(CommitPath(table_path, DeltaVersion(0))); commit0.ok() && *commit0) {
    return true;
  }
  if (ProbeLogTail(fs, table_path, nullptr, std::nullopt)) return true;
  auto listing = ListLog(fs, table_path, LogListMode::kLatest);
  if (!listing.ok()) {
    if (listing.status().IsNotFound()) return false;
    return listing.status();
  }
  return !listing->empty();
}

Result<SnapshotPtr> LoadSnapshot(io::FileSystem& fs, const std::string& table_path,
                                 const LogListing& listing, std::optional<DeltaVersion> version,
                                 SnapshotPtr previous) {
  if (listing.empty()) {
    return Status::NotFound(TableError(table_path, "not a Delta table (empty _delta_log)"));
  }
  const DeltaVersion latest = *listing.latest();
  const DeltaVersion target = version.value_or(latest);
  if (target.value() < 0) {
    return Status::InvalidArgument(
        TableError(table_path, fmt::format("invalid version {}", target.value())));
  }
  if (target > latest) {
    return Status::NotFound(
        TableError(table_path, fmt::format("version {} does not exist (the latest version is {})",
                                           target.value(), latest.value())));
  }
  auto commits_present = [&](int64_t from, int64_t to) {
    for (int64_t v = from; v <= to; ++v) {
      if (listing.FindCommit(DeltaVersion(v)) == nullptr) return false;
    }
    return true;
  };

  ReplayState st;
  int64_t start = -1;  // the state holds versions <= start
  int64_t timestamp_ms = 0;
  if (previous && previous->version() <= target &&
      commits_present(previous->version().value() + 1, target.value())) {
    if (previous->version() == target) return previous;
    st.Load(*previous);
    start = previous->version().value();
  } else {
    Status last_error;
    for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
      if (it->version > target) continue;
      auto actions = ReadCheckpoint(fs, *it);
      if (!actions.ok()) {
        last_error = actions.status();  // try an older checkpoint
        continue;
      }
      for (Action& a : *actions) st.Apply(std::move(a));
      start = it->version.value();
      timestamp_ms = it->mtime_ms;
      break;
    }
    if (start < 0 && listing.FindCommit(DeltaVersion(0)) == nullptr) {
      if (!last_error.ok()) return last_error.WithContext(TableError(table_path, "load"));
      const std::string oldest =
          listing.commits.empty()
              ? std::string("the log holds no commit")
              : fmt::format("the oldest commit is {}", listing.commits.front().version.value());
      return Status::DataLoss(TableError(
          table_path, fmt::format("cannot rebuild version {}: no checkpoint at or before it and "
                                  "no commit 0 ({})",
                                  target.value(), oldest)));
    }
  }
  for (int64_t v = start + 1; v <= target.value(); ++v) {
    if (listing.FindCommit(DeltaVersion(v)) == nullptr) {
      auto next =
          std::lower_bound(listing.commits.begin(), listing.commits.end(), DeltaVersion(v),
                           [](const CommitFile& c, DeltaVersion x) { return c.version < x; });
      return Status::DataLoss(TableError(
          table_path,
          fmt::format("log versions not contiguous: version {} is missing (after {} comes {})", v,
                      v - 1,
                      next == listing.commits.end() ? std::string("nothing")
                                                    : std::to_string(next->version.value()))));
    }
  }
  for (int64_t v = start + 1; v <= target.value(); ++v) {
    const CommitFile* c = listing.FindCommit(DeltaVersion(v));
    auto text = fs.ReadFile(c->path);
    if (!text.ok()) return text.status().WithContext(TableError(table_path, "read commit"));
    FL_ASSIGN_OR_RETURN(std::vector<Action> actions, ParseCommit(*text, c->path));
    for (Action& a : actions) st.Apply(std::move(a));
  }
  if (const CommitFile* c = listing.FindCommit(target)) timestamp_ms = c->timestamp_ms;
  return BuildSnapshot(table_path, std::move(st), target, timestamp_ms);
}

}  // namespace financelake::delta
