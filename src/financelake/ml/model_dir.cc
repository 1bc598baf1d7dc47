#include "financelake/ml/model_dir.h"

#include "financelake/base/json.h"
#include "financelake/io/atomic_file.h"
#include "financelake/io/path.h"

namespace financelake::ml {
namespace {

Status RemoveIfPresent(io::FileSystem& fs, const std::string& dir) {
  FL_ASSIGN_OR_RETURN(bool exists, fs.Exists(dir));
  return exists ? fs.DeleteDirRecursive(dir) : Status::OK();
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
  bool intact = true;
  for (const auto& [name, bytes] : files) {
    auto have = fs.ReadFile(io::JoinPath(dir, name));
    if (!have.ok() && !have.status().IsNotFound()) return have.status();
    if (!have.ok() || !SameContent(name, *have, bytes)) {
      intact = false;
      break;
    }
  }
  if (intact) return Status::OK();
  const std::string tmp = io::JoinPath(root, "." + version + ".tmp");
  FL_RETURN_NOT_OK(RemoveIfPresent(fs, tmp));
  FL_RETURN_NOT_OK(fs.CreateDirs(tmp));
  for (const auto& [name, bytes] : files) {
    FL_RETURN_NOT_OK(io::WriteFileAtomic(fs, io::JoinPath(tmp, name), bytes));
  }
  FL_RETURN_NOT_OK(RemoveIfPresent(fs, dir));  // a torn write, or a damaged copy
  FL_RETURN_NOT_OK(fs.Rename(tmp, dir));
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
