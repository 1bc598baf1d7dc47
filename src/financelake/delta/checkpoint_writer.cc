#include "financelake/delta/checkpoint_writer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>

#include "financelake/base/json.h"
#include "financelake/delta/checkpoint_schema.h"
#include "financelake/delta/conflict.h"
#include "financelake/delta/log.h"
#include "financelake/io/atomic_file.h"
#include "financelake/io/path.h"
#include "financelake/parquet/writer.h"

namespace financelake::delta {
namespace {

constexpr size_t kVersionDigits = 20;

// A WritableFile that keeps the bytes in memory: the checkpoint is encoded first and then
// published in one atomic write.
class StringSink final : public io::WritableFile {
 public:
  explicit StringSink(std::string path) : io::WritableFile(std::move(path)) {}
  Status Append(std::string_view data) override {
    if (closed_) return Status::FailedPrecondition("string sink: append after close");
    data_.append(data);
    return Status::OK();
  }
  Status Sync() override { return Status::OK(); }
  Status Close() override {
    closed_ = true;
    return Status::OK();
  }
  uint64_t size() const override { return data_.size(); }
  std::string Take() { return std::move(data_); }

 private:
  std::string data_;
  bool closed_ = false;
};

enum class LogKind { kCommit, kCheckpoint, kCheckpointPart, kCrc };

struct MaintainedFile {
  int64_t version = 0;
  LogKind kind = LogKind::kCommit;
  std::string name;
};

// Log entries cleanup may delete: commits, checkpoints (any naming) and version checksums.
std::optional<MaintainedFile> ClassifyLogEntry(const std::string& name) {
  MaintainedFile f;
  f.name = name;
  if (auto parsed = ParseLogFileName(name)) {
    f.version = parsed->version.value();
    f.kind = parsed->kind == LogFileName::Kind::kCommit       ? LogKind::kCommit
             : parsed->kind == LogFileName::Kind::kCheckpoint ? LogKind::kCheckpoint
                                                              : LogKind::kCheckpointPart;
    return f;
  }
  // "%020d.crc" and UUID-named checkpoints "%020d.checkpoint.<uuid>.parquet", which the log
  // reader ignores but which belong to their version all the same.
  if (name.size() <= kVersionDigits) return std::nullopt;
  auto [end, ec] = std::from_chars(name.data(), name.data() + kVersionDigits, f.version);
  if (ec != std::errc() || end != name.data() + kVersionDigits) return std::nullopt;
  const std::string_view rest = std::string_view(name).substr(kVersionDigits);
  if (rest == ".crc") {
    f.kind = LogKind::kCrc;
  } else if (rest.starts_with(".checkpoint.") && rest.ends_with(".parquet")) {
    f.kind = LogKind::kCheckpointPart;
  } else {
    return std::nullopt;
  }
  return f;
}

// Where a kind's names sort among one version's files.
int NameRank(LogKind kind) {
  switch (kind) {
    case LogKind::kCheckpointPart: return 0;  // "%020d.checkpoint.0000000001..." and UUIDs
    case LogKind::kCheckpoint: return 1;      // "%020d.checkpoint.parquet"
    case LogKind::kCrc: return 2;             // "%020d.crc"
    case LogKind::kCommit: return 3;          // "%020d.json"
  }
  return 4;
}

std::string NameOf(const MaintainedFile& f) {
  switch (f.kind) {
    case LogKind::kCommit: return CommitFileName(DeltaVersion(f.version));
    case LogKind::kCheckpoint: return CheckpointFileName(DeltaVersion(f.version));
    case LogKind::kCrc: return fmt::format("{:020}.crc", f.version);
    case LogKind::kCheckpointPart: return f.name;
  }
  return f.name;
}

Status UpdateLastCheckpoint(io::FileSystem& fs, const std::string& log_dir,
                            const CheckpointInfo& info) {
  const std::string path = io::JoinPath(log_dir, std::string(kLastCheckpointFileName));
  auto existing = fs.ReadFile(path);
  if (existing.ok()) {
    auto parsed = ParseLastCheckpoint(*existing);
    if (parsed.ok() && parsed->version > info.version) return Status::OK();
  }
  LastCheckpoint lc;
  lc.version = info.version;
  lc.size = info.size;
  lc.size_in_bytes = info.size_in_bytes;
  lc.num_of_add_files = info.num_add_files;
  return io::WriteFileAtomic(fs, path, SerializeLastCheckpoint(lc));
}

}  // namespace

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<CheckpointInfo> WriteCheckpoint(io::FileSystem& fs, const std::string& log_dir,
                                       const Snapshot& snapshot, int64_t now_ms) {
  const std::string path = io::JoinPath(log_dir, CheckpointFileName(snapshot.version()));
  const std::string where = fmt::format("delta: checkpoint {}", path);
  FL_ASSIGN_OR_RETURN_CTX(int64_t retention_ms,
                          DurationPropertyMs(snapshot, "delta.deletedFileRetentionDuration",
                                             "interval 1 week"),
                          where);
  const columnar::RecordBatch batch = CheckpointBatch(snapshot, now_ms - retention_ms);
  std::string bytes;
  {
    auto sink = std::make_unique<StringSink>(path);
    StringSink* raw = sink.get();
    FL_ASSIGN_OR_RETURN_CTX(auto writer,
                            parquet::ParquetWriter::Open(std::move(sink), batch.schema()), where);
    FL_RETURN_NOT_OK_CTX(writer->Write(batch), where);
    FL_ASSIGN_OR_RETURN_CTX(parquet::WriteResult written, writer->Close(), where);
    (void)written;
    bytes = raw->Take();  // the writer (and the sink it owns) is still alive here
  }
  FL_RETURN_NOT_OK_CTX(io::WriteFileAtomic(fs, path, bytes), where);
  CheckpointInfo info;
  info.version = snapshot.version();
  info.size = batch.num_rows();
  info.size_in_bytes = static_cast<int64_t>(bytes.size());
  info.num_add_files = static_cast<int64_t>(snapshot.files().size());
  FL_RETURN_NOT_OK_CTX(UpdateLastCheckpoint(fs, log_dir, info), where + ": _last_checkpoint");
  return info;
}

Result<std::vector<std::string>> CleanupExpiredLogs(io::FileSystem& fs, const std::string& log_dir,
                                                    int64_t retention_ms, int64_t now_ms) {
  // A log holds millions of names: they are read one by one and kept as versions, with a name
  // only where it cannot be rebuilt from the version (multi-part and UUID checkpoints).
  std::vector<MaintainedFile> files;
  FL_RETURN_NOT_OK_CTX(fs.ForEachDirName(log_dir,
                                         [&](std::string_view name, bool is_dir) {
                                           if (is_dir) return Status::OK();
                                           auto f = ClassifyLogEntry(std::string(name));
                                           if (!f) return Status::OK();
                                           if (f->kind != LogKind::kCheckpointPart) f->name = {};
                                           files.push_back(std::move(*f));
                                           return Status::OK();
                                         }),
                       "delta: log cleanup");
  // Versions ascending; within one, the order of the names.
  std::sort(files.begin(), files.end(), [](const MaintainedFile& a, const MaintainedFile& b) {
    if (a.version != b.version) return a.version < b.version;
    if (a.kind != b.kind) return NameRank(a.kind) < NameRank(b.kind);
    return a.name < b.name;
  });
  // The newest expired version: commit times made monotonic over versions, so the first
  // commit that has not expired ends the search (and the Stats).
  const int64_t cutoff = now_ms - retention_ms;
  std::optional<int64_t> last_expired;
  int64_t prev = kNoPreviousCommit;
  for (const MaintainedFile& f : files) {
    if (f.kind != LogKind::kCommit) continue;
    auto info = fs.Stat(io::JoinPath(log_dir, NameOf(f)));
    if (!info.ok()) {
      if (info.status().IsNotFound()) continue;  // cleaned up by another writer meanwhile
      return info.status().WithContext("delta: log cleanup");
    }
    const int64_t t = CommitTimestamp(info->mtime_ms, prev);
    prev = t;
    if (t > cutoff) break;
    last_expired = f.version;
  }
  if (!last_expired) return std::vector<std::string>();
  // The newest complete checkpoint that every unexpired version can be rebuilt from.
  std::optional<int64_t> keep_from;
  for (const MaintainedFile& f : files) {
    if (f.kind == LogKind::kCheckpoint && f.version <= *last_expired + 1) keep_from = f.version;
  }
  std::vector<std::string> deleted;
  if (!keep_from) return deleted;
  for (const MaintainedFile& f : files) {
    if (f.version >= *keep_from) break;
    std::string name = NameOf(f);
    FL_RETURN_NOT_OK_CTX(fs.Delete(io::JoinPath(log_dir, name)), "delta: log cleanup");
    deleted.push_back(std::move(name));
  }
  return deleted;
}

Result<bool> LogCleanupDue(io::FileSystem& fs, const std::string& log_dir, DeltaVersion latest,
                           int64_t retention_ms, int64_t now_ms) {
  if (latest.value() < kLogCleanupBatch) return true;
  FL_ASSIGN_OR_RETURN_CTX(const int64_t lo, OldestCommitVersion(fs, log_dir, latest),
                          "delta: log cleanup");
  if (latest.value() - lo < kLogCleanupBatch) return true;
  auto probe = fs.Stat(io::JoinPath(log_dir, CommitFileName(DeltaVersion(lo + kLogCleanupBatch))));
  if (!probe.ok()) {
    if (probe.status().IsNotFound()) return true;  // a gap: let the cleanup's listing decide
    return probe.status().WithContext("delta: log cleanup");
  }
  return probe->mtime_ms <= now_ms - retention_ms;
}

Result<int64_t> ParseIntervalMs(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument(fmt::format(
        "delta: '{}' is not an interval like 'interval 7 days' (units: microseconds to weeks)",
        text));
  };
  std::vector<std::string> tokens;
  std::string cur;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!cur.empty()) tokens.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  if (!cur.empty()) tokens.push_back(std::move(cur));
  size_t i = (!tokens.empty() && tokens[0] == "interval") ? 1 : 0;
  if (i >= tokens.size() || (tokens.size() - i) % 2 != 0) return bad();
  // Microseconds per unit; the total is rounded down to milliseconds.
  static const std::pair<const char*, int64_t> kUnits[] = {
      {"microsecond", 1},          {"millisecond", 1000},          {"second", 1000000},
      {"minute", 60000000},        {"hour", 3600000000LL},         {"day", 86400000000LL},
      {"week", 7 * 86400000000LL}};
  __int128 total = 0;
  for (; i < tokens.size(); i += 2) {
    int64_t n = 0;
    const std::string& num = tokens[i];
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
    if (ec != std::errc() || end != num.data() + num.size() || n < 0) return bad();
    std::string unit = tokens[i + 1];
    if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
    int64_t micros = 0;
    for (const auto& [name, per] : kUnits) {
      if (unit == name) micros = per;
    }
    if (micros == 0) return bad();
    total += static_cast<__int128>(n) * micros;
    if (total > static_cast<__int128>(std::numeric_limits<int64_t>::max())) return bad();
  }
  return static_cast<int64_t>(total / 1000);
}

Result<int64_t> DurationPropertyMs(const Snapshot& snapshot, const std::string& key,
                                   std::string_view fallback) {
  const std::string text = snapshot.Property(key, std::string(fallback));
  return std::move(ParseIntervalMs(text)).WithContext("table property " + key);
}

}  // namespace financelake::delta
