// libFuzzer target: any bytes as a Delta log. The first byte picks what the rest becomes:
//   0: commit 0 (JSON lines)                 1: commit 1 after a valid commit 0
//   2: the checkpoint of version 0 (Parquet, with a _last_checkpoint naming it)
//   3: _last_checkpoint's text (with a valid commit 0 beside it)
//   4: a log shaped by the bytes (valid commits, real checkpoints, commits deleted before and
//      after a snapshot was loaded, then _last_checkpoint replaced by the rest, if any): the
//      loads that probe the log's tail without listing it must agree with the loads from a
//      full listing (version and files), and history with a limit with history's newest rows;
//      then the log cleanup must keep every unexpired version loadable to the same files.
// The log reader must load a snapshot or return an error, never crash, hang or allocate
// without bound; history and a scan of whatever loaded must do the same.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "financelake/delta/checkpoint_writer.h"
#include "financelake/delta/log.h"
#include "financelake/delta/table.h"
#include "financelake/io/memory_filesystem.h"

namespace {

constexpr std::string_view kCommit0 =
    R"({"commitInfo":{"timestamp":1700000000000,"operation":"CREATE TABLE"}})"
    "\n"
    R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
    "\n"
    R"({"metaData":{"id":"f0b8e0a4-1c2d-4e5f-8a9b-0c1d2e3f4a5b","format":{"provider":"parquet","options":{}},)"
    R"("schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},)"
    R"({\"name\":\"p\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":["p"],)"
    R"("configuration":{},"createdTime":1700000000000}})"
    "\n";

bool Put(financelake::io::FileSystem& fs, const std::string& path, std::string_view bytes) {
  auto f = fs.NewWritableFile(path);
  if (!f.ok()) return false;
  return (*f)->Append(bytes).ok() && (*f)->Close().ok();
}

std::string AddLine(int v) {
  return R"({"add":{"path":"p=a/f)" + std::to_string(v) +
         R"(.parquet","partitionValues":{"p":"a"},"size":1,"modificationTime":1,"dataChange":true}})"
         "\n";
}

// False for a log no writer or cleanup leaves behind (commits deleted at or after the newest
// checkpoint, or a `_last_checkpoint` naming another checkpoint): the probe and the listing may
// then disagree on the latest version, and neither is wrong; only crashes count.
bool g_consistent_log = true;

void Disagree(const char* what) {
  if (!g_consistent_log) return;
  std::fprintf(stderr, "delta_log_fuzz: probe and listing disagree: %s\n", what);
  std::abort();
}

// The same snapshot (or both failing to load)?
void ExpectSame(const financelake::Result<financelake::delta::SnapshotPtr>& probed,
                const financelake::Result<financelake::delta::SnapshotPtr>& listed) {
  if (probed.ok() != listed.ok()) {
    return Disagree(probed.ok() ? "only the probe loaded" : "only the listing loaded");
  }
  if (!probed.ok()) return;
  if ((*probed)->version() != (*listed)->version()) return Disagree("version");
  const auto& a = (*probed)->files();
  const auto& b = (*listed)->files();
  if (a.size() != b.size()) return Disagree("number of files");
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].path != b[i].path) return Disagree("files");
  }
}

financelake::Result<financelake::delta::SnapshotPtr> LoadByListing(
    financelake::io::FileSystem& fs, const std::string& table,
    std::optional<financelake::DeltaVersion> version) {
  auto listing = financelake::delta::ListLog(fs, table);
  if (!listing.ok()) return listing.status();
  return financelake::delta::LoadSnapshot(fs, table, *listing, version);
}

// Mode 4: bytes [commits, checkpoint mask x3, deleted-first mask x3, previous, deleted-after
// mask x3, cleanup point, clock skew], then the optional _last_checkpoint text.
void ProbeAgainstListing(std::string_view bytes) {
  using namespace financelake;
  constexpr size_t kHeader = 13;
  if (bytes.size() < kHeader) return;
  auto u8 = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])); };
  auto mask = [&](size_t i) { return u8(i) | (u8(i + 1) << 8) | (u8(i + 2) << 16); };
  const int n = 1 + static_cast<int>(u8(0) % 24);
  const uint32_t checkpoints = mask(1), deleted_first = mask(4), deleted_after = mask(8);
  const int previous_at = static_cast<int>(u8(7) % n);
  // Commit v is written at kBase + v s, except one set back before commit 0 (a clock step).
  constexpr int64_t kBase = 1700000000000;
  const int skewed = u8(12) < 128 ? static_cast<int>(u8(12) % n) : -1;
  auto fs = std::make_shared<io::MemoryFileSystem>();
  const std::string table = "/t";
  const std::string log_dir = table + "/_delta_log";
  if (!fs->CreateDirs(log_dir).ok()) return;
  for (int v = 0; v < n; ++v) {
    std::string text = v == 0 ? std::string(kCommit0) : std::string();
    const std::string path = delta::CommitPath(table, DeltaVersion(v));
    if (!Put(*fs, path, text + AddLine(v))) return;
    if (!fs->SetMtime(path, v == skewed ? kBase - 10000 : kBase + 1000 * v).ok()) return;
    if (checkpoints & (1u << v)) {
      auto snapshot = LoadByListing(*fs, table, DeltaVersion(v));
      if (!snapshot.ok() || !delta::WriteCheckpoint(*fs, log_dir, **snapshot, kBase).ok()) {
        return;
      }
    }
  }
  auto drop = [&](uint32_t which) {
    for (int v = 0; v < n; ++v) {
      if (which & (1u << v)) (void)fs->Delete(delta::CommitPath(table, DeltaVersion(v)));
    }
  };
  drop(deleted_first);
  int newest_checkpoint = -1;
  for (int v = 0; v < n; ++v) {
    if (checkpoints & (1u << v)) newest_checkpoint = v;
  }
  const uint32_t deleted = (deleted_first | deleted_after) & ((1u << n) - 1);
  g_consistent_log = (deleted >> std::max(newest_checkpoint, 0)) == 0;
  if (bytes.size() > kHeader) {
    const std::string_view hint = bytes.substr(kHeader);
    if (!Put(*fs, delta::LastCheckpointPath(table), hint)) return;
    auto parsed = delta::ParseLastCheckpoint(hint);
    if (parsed.ok() && parsed->version != DeltaVersion(newest_checkpoint)) g_consistent_log = false;
  }
  auto t = delta::Table::Open(fs, table);
  // A snapshot held from before the second deletion (a reader while a cleanup runs).
  auto previous = t->AtVersion(DeltaVersion(previous_at));
  ExpectSame(previous, LoadByListing(*fs, table, DeltaVersion(previous_at)));
  drop(deleted_after);
  auto compare_all = [&] {
    auto probed = delta::LoadSnapshot(*fs, table, std::nullopt,
                                      previous.ok() ? *previous : delta::SnapshotPtr());
    ExpectSame(probed, LoadByListing(*fs, table, std::nullopt));
    for (int v = 0; v < n; ++v) {
      ExpectSame(delta::LoadSnapshot(*fs, table, DeltaVersion(v)),
                 LoadByListing(*fs, table, DeltaVersion(v)));
    }
    auto exists = t->Exists();
    auto listing = delta::ListLog(*fs, table);
    if (exists.ok() && listing.ok() && *exists == listing->empty()) Disagree("Exists");
    auto all = t->History();
    for (int64_t limit : {0, 1, 3, 30}) {
      auto some = t->History(limit);
      if (!all.ok() || !some.ok()) continue;
      const size_t expect = std::min(all->size(), static_cast<size_t>(limit));
      if (some->size() != expect) return Disagree("history length");
      for (size_t i = 0; i < expect; ++i) {
        if ((*some)[i].version != (*all)[i].version) return Disagree("history versions");
      }
    }
  };
  compare_all();
  // The log cleanup with commits before the cleanup point expired: every version that loaded
  // and whose commit has not expired loads to the same files after it.
  if (u8(11) == 255) return;
  const int64_t cutoff = kBase + 1000 * static_cast<int64_t>(u8(11) % (n + 1)) - 500;
  auto before = delta::ListLog(*fs, table);
  if (!before.ok()) return;
  std::vector<std::pair<int, delta::SnapshotPtr>> kept;
  for (const delta::CommitFile& c : before->commits) {
    if (c.timestamp_ms <= cutoff) continue;
    auto snapshot = LoadByListing(*fs, table, c.version);
    if (snapshot.ok()) kept.emplace_back(static_cast<int>(c.version.value()), *snapshot);
  }
  if (!delta::CleanupExpiredLogs(*fs, log_dir, 1000, cutoff + 1000).ok()) return;
  for (const auto& [v, snapshot] : kept) {
    auto after = LoadByListing(*fs, table, DeltaVersion(v));
    if (!after.ok()) return Disagree("an unexpired version lost by the log cleanup");
    ExpectSame(after, snapshot);
  }
  compare_all();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace financelake;
  if (size == 0) return 0;
  const int mode = data[0] % 5;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode == 4) {
    ProbeAgainstListing(rest);
    return 0;
  }
  auto fs = std::make_shared<io::MemoryFileSystem>();
  const std::string table = "/t";
  if (!fs->CreateDirs(table + "/_delta_log").ok()) return 0;
  bool ok = true;
  switch (mode) {
    case 0:
      ok = Put(*fs, delta::CommitPath(table, DeltaVersion(0)), rest);
      break;
    case 1:
      ok = Put(*fs, delta::CommitPath(table, DeltaVersion(0)), kCommit0) && Put(*fs, delta::CommitPath(table, DeltaVersion(1)), rest);
      break;
    case 2:
      ok = Put(*fs, delta::CheckpointPath(table, DeltaVersion(0)), rest) &&
           Put(*fs, delta::LastCheckpointPath(table), R"({"version":0,"size":3})");
      break;
    default:
      ok = Put(*fs, delta::CommitPath(table, DeltaVersion(0)), kCommit0) &&
           Put(*fs, delta::LastCheckpointPath(table), rest);
      break;
  }
  if (!ok) return 0;
  auto t = delta::Table::Open(fs, table);
  auto snapshot = t->Latest();
  (void)t->History();
  if (snapshot.ok()) {
    (void)t->AtVersion((*snapshot)->version());
    (void)t->Scan(**snapshot, delta::ScanOptions{});
  }
  return 0;
}
