#include "financelake/io/memory_filesystem.h"

#include <algorithm>
#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "financelake/io/memory_file.h"
#include "financelake/io/path.h"

namespace financelake::io {
namespace {

using internal::MemoryFileNode;
using internal::NowMillis;

constexpr std::string_view kRoot = "/";

// "a//b/./c/" -> "/a/b/c"; ".." pops a component (never above the root).
std::string Normalize(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  if (parts.empty()) return std::string(kRoot);
  std::string out;
  for (std::string_view part : parts) {
    out += '/';
    out += part;
  }
  return out;
}

// True if `key` is strictly below directory `dir` (both normalised).
bool IsUnder(std::string_view key, std::string_view dir) {
  if (dir == kRoot) return key != kRoot;
  return key.size() > dir.size() && key.starts_with(dir) && key[dir.size()] == '/';
}

// Re-roots `key` (`from` or below it) under `to`: ("/a/x", "/a", "/b") -> "/b/x".
std::string Rebase(const std::string& key, const std::string& from, const std::string& to) {
  return to + key.substr(from.size());
}

std::string RenameWhat(const std::string& from, const std::string& to) {
  return from + " -> " + to;
}

}  // namespace

MemoryFileSystem::MemoryFileSystem() {
  dirs_[std::string(kRoot)] = NowMillis();
}

MemoryFileSystem::~MemoryFileSystem() = default;

int MemoryFileSystem::MissingErrno(const std::string& key) const {
  for (std::string dir = DirName(key); dir != kRoot; dir = DirName(dir)) {
    if (IsFile(dir)) return ENOTDIR;
    if (IsDir(dir)) break;
  }
  return ENOENT;
}

Status MemoryFileSystem::CheckParent(const std::string& key, std::string_view op,
                                     std::string_view path) const {
  const std::string parent = DirName(key);
  if (IsDir(parent)) return Status::OK();
  return ErrnoToStatus(IsFile(parent) ? ENOTDIR : MissingErrno(parent), op, path);
}

Result<std::unique_ptr<WritableFile>> MemoryFileSystem::NewWritableFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = Normalize(path);
  if (IsDir(key)) return ErrnoToStatus(EISDIR, "open", path);
  FL_RETURN_NOT_OK(CheckParent(key, "open", path));
  std::shared_ptr<MemoryFileNode>& node = files_[key];
  if (node == nullptr) node = std::make_shared<MemoryFileNode>();
  {
    std::lock_guard<std::mutex> node_lock(node->mu);
    node->data.clear();  // O_TRUNC: open readers see the truncation, as on POSIX
    node->mtime_ms = NowMillis();
  }
  return internal::NewMemoryWritableFile(path, node);
}

Result<std::unique_ptr<RandomAccessFile>> MemoryFileSystem::NewRandomAccessFile(
    const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = Normalize(path);
  if (IsDir(key)) return ErrnoToStatus(EISDIR, "open", path);
  auto it = files_.find(key);
  if (it == files_.end()) return ErrnoToStatus(MissingErrno(key), "open", path);
  return internal::NewMemoryRandomAccessFile(path, it->second);
}

Result<std::string> MemoryFileSystem::ReadFile(const std::string& path) {
  std::shared_ptr<MemoryFileNode> node;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string key = Normalize(path);
    if (IsDir(key)) return ErrnoToStatus(EISDIR, "read", path);
    auto it = files_.find(key);
    if (it == files_.end()) return ErrnoToStatus(MissingErrno(key), "open", path);
    node = it->second;
  }
  std::lock_guard<std::mutex> node_lock(node->mu);
  return node->data;
}

Status MemoryFileSystem::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  return RenameLocked(from, to, /*no_replace=*/false);
}

Status MemoryFileSystem::RenameNoReplace(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  return RenameLocked(from, to, /*no_replace=*/true);
}

Status MemoryFileSystem::RenameLocked(const std::string& from_path, const std::string& to_path,
                                      bool no_replace) {
  const std::string what = RenameWhat(from_path, to_path);
  const std::string_view op = no_replace ? "rename (no replace)" : "rename";
  const std::string from = Normalize(from_path);
  const std::string to = Normalize(to_path);
  if (!IsFile(from) && !IsDir(from)) return ErrnoToStatus(MissingErrno(from), op, what);
  FL_RETURN_NOT_OK(CheckParent(to, op, what));
  const bool to_exists = IsFile(to) || IsDir(to);
  if (no_replace && to_exists) return ErrnoToStatus(EEXIST, op, what);
  if (from == to) return Status::OK();
  if (IsFile(from)) {
    if (IsDir(to)) return ErrnoToStatus(EISDIR, op, what);
    std::shared_ptr<MemoryFileNode> file = std::move(files_[from]);
    files_.erase(from);
    files_[to] = std::move(file);
    return Status::OK();
  }
  return RenameDirLocked(from, to, op, what);
}

Status MemoryFileSystem::RenameDirLocked(const std::string& from, const std::string& to,
                                         std::string_view op, std::string_view what) {
  if (from == kRoot || IsUnder(to, from)) return ErrnoToStatus(EINVAL, op, what);
  if (IsFile(to)) return ErrnoToStatus(ENOTDIR, op, what);
  if (IsDir(to)) {
    // Like rename(2), only an empty directory may be replaced.
    for (const auto& [key, file] : files_) {
      if (IsUnder(key, to)) return ErrnoToStatus(ENOTEMPTY, op, what);
    }
    for (const auto& [key, mtime] : dirs_) {
      if (IsUnder(key, to)) return ErrnoToStatus(ENOTEMPTY, op, what);
    }
    dirs_.erase(to);
  }
  FileMap moved_files;
  for (auto it = files_.begin(); it != files_.end();) {
    if (IsUnder(it->first, from)) {
      moved_files.emplace(Rebase(it->first, from, to), std::move(it->second));
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
  std::map<std::string, int64_t> moved_dirs;
  for (auto it = dirs_.begin(); it != dirs_.end();) {
    if (it->first == from || IsUnder(it->first, from)) {
      moved_dirs.emplace(Rebase(it->first, from, to), it->second);
      it = dirs_.erase(it);
    } else {
      ++it;
    }
  }
  files_.merge(moved_files);
  dirs_.merge(moved_dirs);
  return Status::OK();
}

Status MemoryFileSystem::Delete(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = Normalize(path);
  if (IsDir(key)) return ErrnoToStatus(EISDIR, "delete", path);
  if (files_.erase(key) == 0) return ErrnoToStatus(MissingErrno(key), "delete", path);
  return Status::OK();
}

Status MemoryFileSystem::DeleteDirRecursive(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = Normalize(path);
  if (IsFile(key)) return ErrnoToStatus(ENOTDIR, "delete dir", path);
  if (!IsDir(key)) return ErrnoToStatus(MissingErrno(key), "delete dir", path);
  std::erase_if(files_, [&](const auto& entry) { return IsUnder(entry.first, key); });
  std::erase_if(dirs_, [&](const auto& entry) { return IsUnder(entry.first, key); });
  if (key != kRoot) dirs_.erase(key);  // the root always exists
  return Status::OK();
}

Result<bool> MemoryFileSystem::Exists(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = Normalize(path);
  return IsFile(key) || IsDir(key);
}

Result<FileInfo> MemoryFileSystem::Stat(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = Normalize(path);
  FileInfo info;
  info.path = path;
  info.name = BaseName(path);
  if (auto dir = dirs_.find(key); dir != dirs_.end()) {
    info.is_dir = true;
    info.mtime_ms = dir->second;
    return info;
  }
  auto it = files_.find(key);
  if (it == files_.end()) return ErrnoToStatus(MissingErrno(key), "stat", path);
  std::lock_guard<std::mutex> node_lock(it->second->mu);
  info.size = it->second->data.size();
  info.mtime_ms = it->second->mtime_ms;
  return info;
}

Result<std::vector<FileInfo>> MemoryFileSystem::ListDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = Normalize(path);
  if (IsFile(key)) return ErrnoToStatus(ENOTDIR, "list", path);
  if (!IsDir(key)) return ErrnoToStatus(MissingErrno(key), "list", path);
  const std::string prefix = key == kRoot ? key : key + "/";
  std::vector<FileInfo> out;
  auto add = [&](const std::string& child_key, bool is_dir, uint64_t size, int64_t mtime_ms) {
    const std::string_view name = std::string_view(child_key).substr(prefix.size());
    if (name.find('/') != std::string_view::npos) return;  // deeper down
    out.push_back(FileInfo{JoinPath(path, name), std::string(name), size, mtime_ms, is_dir});
  };
  // Keys below `key` are contiguous in the maps: scan from the prefix while it matches.
  for (auto it = files_.lower_bound(prefix); it != files_.end() && it->first.starts_with(prefix);
       ++it) {
    std::lock_guard<std::mutex> node_lock(it->second->mu);
    add(it->first, false, it->second->data.size(), it->second->mtime_ms);
  }
  for (auto it = dirs_.lower_bound(prefix); it != dirs_.end() && it->first.starts_with(prefix);
       ++it) {
    if (it->first != key) add(it->first, true, 0, it->second);
  }
  std::sort(out.begin(), out.end(),
            [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
  return out;
}

Status MemoryFileSystem::CreateDirs(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = Normalize(path);
  // Walk "/a", "/a/b", "/a/b/c".
  for (size_t end = 1; end != std::string::npos && end <= key.size();) {
    end = key.find('/', end + 1);
    const std::string prefix = key.substr(0, end);
    if (IsFile(prefix)) return ErrnoToStatus(ENOTDIR, "mkdir", prefix);
    dirs_.emplace(prefix, NowMillis());
  }
  return Status::OK();
}

Status MemoryFileSystem::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = Normalize(path);
  if (IsDir(key)) return Status::OK();
  return ErrnoToStatus(IsFile(key) ? ENOTDIR : MissingErrno(key), "sync dir", path);
}

Status MemoryFileSystem::SyncMany(const std::vector<std::string>& files,
                                  const std::vector<std::string>& dirs) {
  for (const std::string& f : files) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string key = Normalize(f);
    if (!IsFile(key)) return ErrnoToStatus(IsDir(key) ? EISDIR : MissingErrno(key), "sync", f);
  }
  for (const std::string& d : dirs) FL_RETURN_NOT_OK(SyncDir(d));
  return Status::OK();
}

Status MemoryFileSystem::SetMtime(const std::string& path, int64_t mtime_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string key = Normalize(path);
  if (auto dir = dirs_.find(key); dir != dirs_.end()) {
    dir->second = mtime_ms;
    return Status::OK();
  }
  auto it = files_.find(key);
  if (it == files_.end()) return ErrnoToStatus(MissingErrno(key), "set mtime", path);
  std::lock_guard<std::mutex> node_lock(it->second->mu);
  it->second->mtime_ms = mtime_ms;
  return Status::OK();
}

}  // namespace financelake::io
