// HookedFileSystem (tests): forwards to another filesystem and runs `before_commit` once, just
// before the next Delta commit file (`*.json`) is published, so that another writer can win the
// race at a chosen point (and `before_stat` before each Stat); records the directories synced
// and counts directory listings.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "financelake/io/filesystem.h"

namespace financelake::io {

class HookedFileSystem final : public FileSystem {
 public:
  explicit HookedFileSystem(std::shared_ptr<FileSystem> base) : base_(std::move(base)) {}
  std::function<void()> before_commit;
  std::vector<std::string> synced_files;  // SyncMany's files, in order
  std::vector<std::string> synced_dirs;  // SyncDir's and SyncMany's directories, in order
  int listings = 0;                      // ListDir and ListDirNames calls
  std::function<void(const std::string&)> before_stat;  // runs before every Stat(path)

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p) override {
    return base_->NewWritableFile(p);
  }
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& p) override {
    return base_->NewRandomAccessFile(p);
  }
  Result<std::string> ReadFile(const std::string& p) override { return base_->ReadFile(p); }
  Status Rename(const std::string& a, const std::string& b) override { return base_->Rename(a, b); }
  Status RenameNoReplace(const std::string& a, const std::string& b) override {
    if (before_commit && b.ends_with(".json")) {
      auto hook = std::move(before_commit);
      before_commit = nullptr;
      hook();
    }
    return base_->RenameNoReplace(a, b);
  }
  Status Delete(const std::string& p) override { return base_->Delete(p); }
  Status DeleteDirRecursive(const std::string& p) override { return base_->DeleteDirRecursive(p); }
  Result<bool> Exists(const std::string& p) override { return base_->Exists(p); }
  Result<FileInfo> Stat(const std::string& p) override {
    if (auto hook = before_stat) hook(p);  // a copy: the hook may reset itself
    return base_->Stat(p);
  }
  Result<std::vector<FileInfo>> ListDir(const std::string& p) override {
    ++listings;
    return base_->ListDir(p);
  }
  Result<std::vector<FileInfo>> ListDirNames(const std::string& p) override {
    ++listings;
    return base_->ListDirNames(p);
  }
  Status CreateDirs(const std::string& p) override { return base_->CreateDirs(p); }
  Status SyncDir(const std::string& p) override {
    synced_dirs.push_back(p);
    return base_->SyncDir(p);
  }
  Status SyncMany(const std::vector<std::string>& files,
                  const std::vector<std::string>& dirs) override {
    synced_files.insert(synced_files.end(), files.begin(), files.end());
    synced_dirs.insert(synced_dirs.end(), dirs.begin(), dirs.end());
    return base_->SyncMany(files, dirs);
  }
  Status SetMtime(const std::string& p, int64_t t) override { return base_->SetMtime(p, t); }

 private:
  std::shared_ptr<FileSystem> base_;
};

}  // namespace financelake::io
