// The filesystem interface every FinanceLake module does its file I/O through, so that failure
// paths can be tested with MemoryFileSystem and FaultInjectingFileSystem (after leveldb's Env and
// helpers/memenv). Implementations: PosixFileSystem() (posix_filesystem.h), MemoryFileSystem
// (memory_filesystem.h), FaultInjectingFileSystem (fault_injecting_filesystem.h).
//
// Errors: every message names the operation, the path and the cause, e.g.
// "io: rename a -> b: No such file or directory". Codes: NotFound (no such file or directory),
// AlreadyExists (the target exists), OutOfRange (read past the end of a file), FailedPrecondition
// (use of a closed file), IOError (anything else the system refused).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/base/status.h"

namespace financelake::io {

// What Stat() and ListDir() report about one file or directory.
struct FileInfo {
  std::string path;      // as given to Stat(), or JoinPath(dir, name) from ListDir()
  std::string name;      // last component, without the directory
  uint64_t size = 0;     // bytes; 0 for a directory
  int64_t mtime_ms = 0;  // last modification, milliseconds since the Unix epoch
  bool is_dir = false;
};

// A file open for writing from the start (create or truncate). Owned by the caller; not
// thread-safe (one writer). Call protocol:
//   1. Append() any number of times (may be buffered: not visible to readers yet);
//   2. Sync() to make everything appended so far durable (optional, repeatable);
//   3. Close() to flush and release the file; the destructor closes too but drops the error.
// After Close(), Append() and Sync() fail with FailedPrecondition; Close() again is OK.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;

  virtual Status Append(std::string_view data) = 0;
  // Flushes buffers and asks the device to persist the data (fsync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;

  // Bytes appended so far, including any still buffered.
  virtual uint64_t size() const = 0;
  const std::string& path() const { return path_; }

 protected:
  explicit WritableFile(std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
};

// A file open for positional reads. Owned by the caller; ReadAt() and Size() are thread-safe.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  RandomAccessFile(const RandomAccessFile&) = delete;
  RandomAccessFile& operator=(const RandomAccessFile&) = delete;

  // Current size of the file in bytes.
  virtual Result<uint64_t> Size() = 0;
  // Reads exactly `n` bytes at `offset` into `out`. Fewer bytes available -> OutOfRange naming
  // the file, the offset and the size; `out` is then unspecified.
  virtual Status ReadAt(uint64_t offset, size_t n, uint8_t* out) = 0;
  // Convenience: the same into a new string.
  Result<std::string> ReadAt(uint64_t offset, size_t n);

  const std::string& path() const { return path_; }

 protected:
  explicit RandomAccessFile(std::string path) : path_(std::move(path)) {}

 private:
  std::string path_;
};

// A hierarchical filesystem. Implementations are thread-safe. Paths are '/'-separated.
class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Creates `path`, or truncates it if it exists. The parent directory must exist.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  // The whole content of a file.
  virtual Result<std::string> ReadFile(const std::string& path) = 0;

  // Atomically moves `from` to `to`, replacing `to` if it is a file: a reader sees either the old
  // or the new `to`, never a mix or nothing. Durable only after SyncDir() of both parents.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Like Rename() but fails with AlreadyExists, leaving both files untouched, if `to` exists.
  // Atomic: of concurrent callers with the same `to`, exactly one wins. The building block for
  // put-if-absent (a Delta commit).
  virtual Status RenameNoReplace(const std::string& from, const std::string& to) = 0;

  // Removes a file (not a directory).
  virtual Status Delete(const std::string& path) = 0;
  // Removes a directory and everything under it (rm -r). NotFound if it does not exist.
  virtual Status DeleteDirRecursive(const std::string& path) = 0;

  // True if a file or directory exists at `path`.
  virtual Result<bool> Exists(const std::string& path) = 0;
  virtual Result<FileInfo> Stat(const std::string& path) = 0;
  // Entries of a directory (not "." or ".."), sorted by name. NotFound if it does not exist.
  virtual Result<std::vector<FileInfo>> ListDir(const std::string& path) = 0;
  // Like ListDir() but may leave `size` and `mtime_ms` at 0: names and is_dir only, without a
  // stat per entry (a Delta log of 100,000 commits lists in milliseconds). Sorted by name.
  virtual Result<std::vector<FileInfo>> ListDirNames(const std::string& path) {
    return ListDir(path);
  }
  // Calls `fn(name, is_dir)` for each entry, in no particular order, without holding them all
  // (a Delta log of millions of commits); stops at the first error `fn` returns. NotFound if
  // the directory does not exist.
  virtual Status ForEachDirName(const std::string& path,
                                const std::function<Status(std::string_view, bool)>& fn) {
    FL_ASSIGN_OR_RETURN(std::vector<FileInfo> entries, ListDirNames(path));
    for (const FileInfo& e : entries) FL_RETURN_NOT_OK(fn(e.name, e.is_dir));
    return Status::OK();
  }

  // Creates a directory and any missing parents (mkdir -p); OK if it exists already.
  virtual Status CreateDirs(const std::string& path) = 0;
  // Makes the directory's entries (creations, renames, deletions) durable.
  virtual Status SyncDir(const std::string& path) = 0;
  // Makes the contents of closed `files` and the entries of `dirs` durable, as a Sync() of each
  // file before its close and a SyncDir() of each directory would. For writes of many files at
  // once (a daily-bar backfill wrote 5,714 partition files): on disk, more than a few paths are
  // fsync'd from several threads at once, so that the filesystem commits its journal for many
  // of them together instead of once per file.
  virtual Status SyncMany(const std::vector<std::string>& files,
                          const std::vector<std::string>& dirs) = 0;
  // Sets the modification time of a file or directory.
  virtual Status SetMtime(const std::string& path, int64_t mtime_ms) = 0;

  // One name per file: two paths name the same file exactly when their canonical forms are
  // equal. The default is lexical (NormalizePath); on disk, relative paths are made absolute
  // and symbolic links of the existing part are resolved. The path need not exist.
  virtual Result<std::string> Canonical(const std::string& path);
};

// Builds the error for a failed system call: "io: <op> <path>: <strerror(err)>", with code
// NotFound for ENOENT, AlreadyExists for EEXIST and IOError otherwise. Shared by the
// implementations so that they report errors identically.
Status ErrnoToStatus(int err, std::string_view op, std::string_view path);

}  // namespace financelake::io
