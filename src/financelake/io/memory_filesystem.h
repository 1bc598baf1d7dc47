// MemoryFileSystem: a FileSystem held entirely in memory, for tests and for staging small
// tables. Thread-safe: one mutex guards the namespace, one per file guards its bytes.
//
// Behaves like POSIX where that is cheap, so that tests written against it hold on disk:
//   - Paths are normalised lexically ("a//b/./c/" is "/a/b/c"; relative paths are taken from the
//     root "/", which always exists). Error messages show the path as the caller gave it.
//   - Directories are explicit: NewWritableFile() and Rename() need the parent directory to exist
//     (NotFound otherwise); CreateDirs() makes them. ListDir() of a missing directory is NotFound.
//   - A file is an inode: open writers and readers keep the bytes they refer to across Rename()
//     and Delete(), and truncating re-opens (NewWritableFile on an existing path) are visible to
//     them.
//   - Visibility: WritableFile does not buffer; each Append() is visible to readers as soon as it
//     returns. Sync(), SyncDir() and SyncMany() are no-ops (everything is "durable" until the
//     process exits).
//   - Rename() and RenameNoReplace() are atomic, including for directories.
//   - Modification times come from the wall clock on create and Append(), or from SetMtime().
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "financelake/io/filesystem.h"

namespace financelake::io {

namespace internal {
struct MemoryFileNode;
}  // namespace internal

class MemoryFileSystem final : public FileSystem {
 public:
  MemoryFileSystem();
  ~MemoryFileSystem() override;
  MemoryFileSystem(const MemoryFileSystem&) = delete;
  MemoryFileSystem& operator=(const MemoryFileSystem&) = delete;

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::string> ReadFile(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status RenameNoReplace(const std::string& from, const std::string& to) override;
  Status Delete(const std::string& path) override;
  Status DeleteDirRecursive(const std::string& path) override;
  Result<bool> Exists(const std::string& path) override;
  Result<FileInfo> Stat(const std::string& path) override;
  Result<std::vector<FileInfo>> ListDir(const std::string& path) override;
  Status CreateDirs(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Status SyncMany(const std::vector<std::string>& files,
                  const std::vector<std::string>& dirs) override;
  Status SetMtime(const std::string& path, int64_t mtime_ms) override;

 private:
  using FileMap = std::map<std::string, std::shared_ptr<internal::MemoryFileNode>>;

  // The helpers below take normalised keys and require mu_ to be held.
  bool IsFile(const std::string& key) const { return files_.count(key) != 0; }
  bool IsDir(const std::string& key) const { return dirs_.count(key) != 0; }
  // The errno a lookup of a missing `key` gets: ENOTDIR if an ancestor is a file, else ENOENT.
  int MissingErrno(const std::string& key) const;
  // OK if the parent of `key` is a directory, else the errno-style error for `op` on `path`.
  Status CheckParent(const std::string& key, std::string_view op, std::string_view path) const;
  Status RenameLocked(const std::string& from, const std::string& to, bool no_replace);
  Status RenameDirLocked(const std::string& from, const std::string& to, std::string_view op,
                         std::string_view what);

  mutable std::mutex mu_;
  FileMap files_;                        // normalised path -> file
  std::map<std::string, int64_t> dirs_;  // normalised path -> mtime_ms; always holds "/"
};

}  // namespace financelake::io
