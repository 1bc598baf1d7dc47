#include "financelake/ml/model_dir.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string_view>

#include "financelake/base/json.h"
#include "financelake/io/atomic_file.h"
#include "financelake/io/path.h"

namespace financelake::ml {
namespace {

Status RemoveIfPresent(io::FileSystem& fs, const std::string& dir) {
  FL_ASSIGN_OR_RETURN(bool exists, fs.Exists(dir));
  return exists ? fs.DeleteDirRecursive(dir) : Status::OK();
}

// Sixteen hex digits from the OS entropy source, for names no other writer picks.
std::string UniqueSuffix() {
  std::random_device rd;
  const uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return fmt::format("{:016x}", v);
}

// Equal files; for manifest.json, equal but for created_at_us (a retraining's own moment: the
// version names the content, not the moment).
bool SameContent(const std::string& name, const std::string& have, const std::string& want) {
  if (have == want) return true;
  if (name != "manifest.json") return false;
  auto a = Json::Parse(have);
  auto b = Json::Parse(want);
  if (!a.ok() || !b.ok() || !a->is_object() || !b->is_object()) return false;
  a->Set("created_at_us", Json::Int(0));
  b->Set("created_at_us", Json::Int(0));
  return a->Dump() == b->Dump();
}

// Removes what writers of `version` that died midway left (".<version>.<hex>.tmp" or ".old")
// once it is an hour old: by then no live writer is still filling it.
Status RemoveStaleTemporaries(io::FileSystem& fs, const std::string& root,
                              const std::string& version) {
  FL_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDir(root));
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const std::string prefix = "." + version + ".";
  for (const io::FileInfo& e : entries) {
    const std::string_view n = e.name;
    // (".<version>.tmp" is what versions before 2026-12-07 used.)
    const bool ours = e.is_dir && n.size() >= prefix.size() + 3 &&
                      n.substr(0, prefix.size()) == prefix &&
                      (n.substr(n.size() - 4) == ".tmp" || n.substr(n.size() - 4) == ".old");
    if (ours && now_ms - e.mtime_ms > 3600 * 1000) (void)fs.DeleteDirRecursive(e.path);
  }
  return Status::OK();
}

// Whether `dir` holds exactly `files` (SameContent).
Result<bool> Intact(io::FileSystem& fs, const std::string& dir,
                    const std::vector<std::pair<std::string, std::string>>& files) {
  for (const auto& [name, bytes] : files) {
    auto have = fs.ReadFile(io::JoinPath(dir, name));
    if (!have.ok() && !have.status().IsNotFound()) return have.status();
    if (!have.ok() || !SameContent(name, *have, bytes)) return false;
  }
  return true;
}

}  // namespace

uint64_t Fnv1a(std::string_view data, uint64_t h) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

Status PublishModelDir(io::FileSystem& fs, const std::string& root, const std::string& version,
                       const std::vector<std::pair<std::string, std::string>>& files) {
  FL_RETURN_NOT_OK(fs.CreateDirs(root));
  const std::string dir = io::JoinPath(root, version);
  // Same version = same content: an intact copy stays as it is (its first training time too);
  // a damaged one (a file missing or changed since) is written again, so retraining repairs it.
  FL_ASSIGN_OR_RETURN(bool intact, Intact(fs, dir, files));
  if (intact) return Status::OK();
  FL_RETURN_NOT_OK(RemoveStaleTemporaries(fs, root, version));
  // A temporary directory of this writer's own: two runs publishing the same version at once
  // (two `train`s of one lake) must not write into, or delete, each other's.
  const std::string tmp = io::JoinPath(root, "." + version + "." + UniqueSuffix() + ".tmp");
  FL_RETURN_NOT_OK(fs.CreateDirs(tmp));
  Status st = [&]() -> Status {
    for (const auto& [name, bytes] : files) {
      FL_RETURN_NOT_OK(io::WriteFileAtomic(fs, io::JoinPath(tmp, name), bytes));
    }
    for (int attempt = 0; attempt < 8; ++attempt) {
      Status placed = fs.RenameNoReplace(tmp, dir);
      if (placed.ok() || placed.code() != StatusCode::kAlreadyExists) return placed;
      // Another copy is there: one published meanwhile by another run (done), or a damaged
      // one, moved aside (by one writer only: the rename is atomic) and then deleted.
      FL_ASSIGN_OR_RETURN(bool now_intact, Intact(fs, dir, files));
      if (now_intact) return fs.DeleteDirRecursive(tmp);
      const std::string aside = io::JoinPath(root, "." + version + "." + UniqueSuffix() + ".old");
      Status moved = fs.Rename(dir, aside);
      if (moved.ok()) {
        // (Another writer's sweep of old leftovers may have taken it already.)
        if (Status gone = fs.DeleteDirRecursive(aside); !gone.ok() && !gone.IsNotFound()) {
          return gone;
        }
      } else if (!moved.IsNotFound()) {
        return moved;
      }
    }
    return Status::Aborted(
        fmt::format("publish {}: other writers kept replacing it; try again", dir));
  }();
  if (!st.ok()) {
    (void)RemoveIfPresent(fs, tmp);
    return st;
  }
  return fs.SyncDir(root);
}

Status WriteModelPointer(io::FileSystem& fs, const std::string& root, std::string_view name,
                         const std::string& version) {
  return io::WriteFileAtomic(fs, io::JoinPath(root, std::string(name)), version + "\n");
}

Result<std::string> ReadModelPointer(io::FileSystem& fs, const std::string& root, std::string_view name) {
  FL_ASSIGN_OR_RETURN(std::string v, fs.ReadFile(io::JoinPath(root, std::string(name))));
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ' || v.back() == '\r')) v.pop_back();
  return v;
}

}  // namespace financelake::ml
