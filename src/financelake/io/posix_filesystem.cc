#include "financelake/io/posix_filesystem.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "financelake/io/fault_injecting_filesystem.h"
#include "financelake/io/path.h"
#include "financelake/io/posix_file.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)  // <linux/fs.h>
#endif

namespace financelake::io {
namespace {

using internal::PosixError;
using internal::UniqueFd;

// POSIX has no name for the current directory but "."; DirName("file") is "".
const char* CPath(const std::string& path) {
  return path.empty() ? "." : path.c_str();
}

std::string RenameTarget(const std::string& from, const std::string& to) {
  return from + " -> " + to;
}

FileInfo ToFileInfo(const struct stat& st, std::string path, std::string name) {
  FileInfo info;
  info.path = std::move(path);
  info.name = std::move(name);
  info.is_dir = S_ISDIR(st.st_mode);
  info.size = info.is_dir ? 0 : static_cast<uint64_t>(st.st_size);
  info.mtime_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
  return info;
}

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};
using UniqueDir = std::unique_ptr<DIR, DirCloser>;

// Names in a directory, without "." and "..", in readdir order.
Result<std::vector<std::string>> ReadDirNames(const std::string& path) {
  UniqueDir dir(::opendir(CPath(path)));
  if (dir == nullptr) return PosixError("list", path);
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    const struct dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) return PosixError("list", path);
      break;
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  return names;
}

// rm -r below and including `path`; never follows symbolic links.
Status RemoveTree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return PosixError("delete", path);
  if (!S_ISDIR(st.st_mode)) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return PosixError("delete", path);
    return Status::OK();
  }
  FL_ASSIGN_OR_RETURN(std::vector<std::string> names, ReadDirNames(path));
  for (const std::string& name : names) {
    Status st_child = RemoveTree(JoinPath(path, name));
    if (!st_child.ok() && !st_child.IsNotFound()) return st_child;
  }
  if (::rmdir(path.c_str()) != 0) return PosixError("delete", path);
  return Status::OK();
}

class PosixFs final : public FileSystem {
 public:
  // SyncMany: up to this many paths are synced one after the other, more by kSyncThreads.
  static constexpr size_t kFsyncEachUpTo = 8;
  static constexpr size_t kSyncThreads = 16;

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    return internal::OpenPosixWritableFile(path);
  }

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    return internal::OpenPosixRandomAccessFile(path);
  }

  Result<std::string> ReadFile(const std::string& path) override {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return PosixError("open", path);
    std::string out;
    struct stat st;
    if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) out.reserve(st.st_size);
    // Read to EOF rather than trusting the size: the file may be growing.
    char buf[64 * 1024];
    while (true) {
      const ssize_t r = ::read(fd.get(), buf, sizeof(buf));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError("read", path);
      }
      if (r == 0) break;
      out.append(buf, static_cast<size_t>(r));
    }
    return out;
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return PosixError("rename", RenameTarget(from, to));
    }
    return Status::OK();
  }

  Status RenameNoReplace(const std::string& from, const std::string& to) override {
#ifdef SYS_renameat2
    if (::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) ==
        0) {
      return Status::OK();
    }
    // EINVAL: this filesystem does not support the flag; ENOSYS: the kernel predates it.
    if (errno != EINVAL && errno != ENOSYS) {
      return PosixError("rename (no replace)", RenameTarget(from, to));
    }
#endif
    return internal::RenameNoReplaceByLink(from, to);
  }

  Status Delete(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("delete", path);
    return Status::OK();
  }

  Status DeleteDirRecursive(const std::string& path) override {
    struct stat st;
    if (::lstat(CPath(path), &st) != 0) return PosixError("delete dir", path);
    if (!S_ISDIR(st.st_mode)) return ErrnoToStatus(ENOTDIR, "delete dir", path);
    return RemoveTree(path).WithContext("io: delete dir " + path);
  }

  Result<bool> Exists(const std::string& path) override {
    struct stat st;
    if (::stat(CPath(path), &st) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return PosixError("stat", path);
  }

  Result<FileInfo> Stat(const std::string& path) override {
    struct stat st;
    if (::stat(CPath(path), &st) != 0) return PosixError("stat", path);
    return ToFileInfo(st, path, BaseName(path));
  }

  Result<std::vector<FileInfo>> ListDir(const std::string& path) override {
    FL_ASSIGN_OR_RETURN(std::vector<std::string> names, ReadDirNames(path));
    std::sort(names.begin(), names.end());
    std::vector<FileInfo> out;
    out.reserve(names.size());
    for (std::string& name : names) {
      std::string child = JoinPath(path, name);
      struct stat st;
      if (::stat(child.c_str(), &st) != 0) {
        if (errno == ENOENT) continue;  // deleted since readdir, or a dangling symlink
        return PosixError("stat", child);
      }
      out.push_back(ToFileInfo(st, std::move(child), std::move(name)));
    }
    return out;
  }

  Result<std::vector<FileInfo>> ListDirNames(const std::string& path) override {
    std::vector<FileInfo> out;
    FL_RETURN_NOT_OK(ForEachDirName(path, [&](std::string_view name, bool is_dir) {
      FileInfo info;
      info.name = std::string(name);
      info.path = JoinPath(path, info.name);
      info.is_dir = is_dir;
      out.push_back(std::move(info));
      return Status::OK();
    }));
    std::sort(out.begin(), out.end(),
              [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
    return out;
  }

  Status ForEachDirName(const std::string& path,
                        const std::function<Status(std::string_view, bool)>& fn) override {
    UniqueDir dir(::opendir(CPath(path)));
    if (dir == nullptr) return PosixError("list", path);
    while (true) {
      errno = 0;
      const struct dirent* entry = ::readdir(dir.get());
      if (entry == nullptr) {
        if (errno != 0) return PosixError("list", path);
        break;
      }
      const std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      bool is_dir = entry->d_type == DT_DIR;
      if (entry->d_type == DT_UNKNOWN || entry->d_type == DT_LNK) {
        const std::string child = JoinPath(path, name);
        struct stat st;  // filesystems without d_type, and symbolic links: ask
        if (::stat(child.c_str(), &st) != 0) {
          if (errno == ENOENT || errno == ELOOP) continue;  // a link that leads nowhere
          return PosixError("stat", child);
        }
        is_dir = S_ISDIR(st.st_mode);
      }
      FL_RETURN_NOT_OK(fn(name, is_dir));
    }
    return Status::OK();
  }

  Status CreateDirs(const std::string& path) override {
    // Usually there already (a partition written before): one stat; or only the last part is
    // missing (a new partition): one mkdir.
    struct stat existing;
    if (::stat(CPath(path), &existing) == 0 && S_ISDIR(existing.st_mode)) return Status::OK();
    if (::mkdir(CPath(path), 0755) == 0) return Status::OK();
    // mkdir each prefix in turn; "a/b/c" -> "a", "a/b", "a/b/c".
    for (size_t end = 0; end != std::string::npos;) {
      end = path.find('/', end + 1);
      const std::string prefix = path.substr(0, end);
      if (prefix.empty() || prefix.back() == '/') continue;  // "/" or "a//b"
      if (::mkdir(prefix.c_str(), 0755) == 0) continue;
      if (errno != EEXIST) return PosixError("mkdir", prefix);
      struct stat st;
      if (::stat(prefix.c_str(), &st) != 0) return PosixError("mkdir", prefix);
      if (!S_ISDIR(st.st_mode)) return ErrnoToStatus(ENOTDIR, "mkdir", prefix);
    }
    return Status::OK();
  }

  Status SyncDir(const std::string& path) override {
    UniqueFd fd(::open(CPath(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return PosixError("sync dir", path);
    if (::fsync(fd.get()) != 0) return PosixError("sync dir", path);
    return Status::OK();
  }

  Status SyncMany(const std::vector<std::string>& files,
                  const std::vector<std::string>& dirs) override {
    std::vector<const std::string*> paths;
    for (const std::string& f : files) paths.push_back(&f);
    for (const std::string& d : dirs) paths.push_back(&d);
    auto sync_one = [&](size_t i) -> Status {
      const std::string& p = *paths[i];
      UniqueFd fd(::open(CPath(p), O_RDONLY | O_CLOEXEC | (i >= files.size() ? O_DIRECTORY : 0)));
      if (!fd.valid() || ::fsync(fd.get()) != 0) return PosixError("sync", p);
      return Status::OK();
    };
    if (paths.size() <= kFsyncEachUpTo) {
      for (size_t i = 0; i < paths.size(); ++i) FL_RETURN_NOT_OK(sync_one(i));
      return Status::OK();
    }
    // An fsync each, from several threads at once: the filesystem commits its journal for
    // many waiting fsyncs together. (One syncfs() would be one call, but on overlayfs and most
    // FUSE filesystems it does less than fsync, and it can miss a write error that another
    // process's syncfs saw first.) The first error by path order is returned.
    std::vector<Status> results(paths.size());
    std::atomic<size_t> next{0};
    auto worker = [&] {
      for (size_t i = next++; i < paths.size(); i = next++) results[i] = sync_one(i);
    };
    std::vector<std::thread> threads;
    for (size_t t = 0; t < std::min(kSyncThreads, paths.size()); ++t) threads.emplace_back(worker);
    for (std::thread& t : threads) t.join();
    for (const Status& st : results) FL_RETURN_NOT_OK(st);
    return Status::OK();
  }

  Status SetMtime(const std::string& path, int64_t mtime_ms) override {
    struct timespec times[2];
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;  // leave the access time alone
    times[1].tv_sec = static_cast<time_t>(mtime_ms / 1000);
    times[1].tv_nsec = static_cast<long>(mtime_ms % 1000) * 1000000;
    if (times[1].tv_nsec < 0) {  // negative times round toward minus infinity
      times[1].tv_sec -= 1;
      times[1].tv_nsec += 1000000000;
    }
    if (::utimensat(AT_FDCWD, CPath(path), times, 0) != 0) return PosixError("set mtime", path);
    return Status::OK();
  }

  Result<std::string> Canonical(const std::string& path) override {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::absolute(std::filesystem::path(path), ec);
    if (!ec) p = std::filesystem::weakly_canonical(p, ec);
    if (ec) return ErrnoToStatus(ec.value(), "canonical path of", path);
    return NormalizePath(p.string());
  }
};

}  // namespace

namespace {

// FL_IO_FAULTS (testing only: the chaos soak) makes calls fail at random; see WithRandomFaults.
std::shared_ptr<FileSystem> MakeProcessFileSystem() {
  std::shared_ptr<FileSystem> fs = std::make_shared<PosixFs>();
  const char* spec = std::getenv("FL_IO_FAULTS");
  if (spec == nullptr || *spec == '\0') return fs;
  auto faulty = WithRandomFaults(fs, spec);
  if (!faulty.ok()) {
    std::fprintf(stderr, "error: FL_IO_FAULTS: %s\n", faulty.status().message().c_str());
    std::_Exit(2);
  }
  std::fprintf(stderr, "warning: FL_IO_FAULTS=%s: injecting I/O failures (testing only)\n", spec);
  return *faulty;
}

}  // namespace

std::shared_ptr<FileSystem> PosixFileSystem() {
  // Leaked on purpose: usable from other static destructors.
  static const auto* const fs = new std::shared_ptr<FileSystem>(MakeProcessFileSystem());
  return *fs;
}

namespace internal {

Status RenameNoReplaceByLink(const std::string& from, const std::string& to) {
  struct stat st;
  if (::lstat(from.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    // A directory cannot be linked (EPERM): rename(2) it, which fails with ENOTEMPTY or EEXIST
    // onto a non-empty directory. (It replaces an empty one: no caller keeps anything in one.)
    if (::rename(from.c_str(), to.c_str()) == 0) return Status::OK();
    if (errno == ENOTEMPTY) errno = EEXIST;
    return PosixError("rename (no replace)", RenameTarget(from, to));
  }
  if (::link(from.c_str(), to.c_str()) != 0) {
    return PosixError("rename (no replace)", RenameTarget(from, to));
  }
  // `to` is now ours; failing to remove `from` leaves an extra name for the same file, which
  // callers (temp files) clean up anyway.
  if (::unlink(from.c_str()) != 0) return PosixError("rename (no replace): unlink", from);
  return Status::OK();
}

}  // namespace internal
}  // namespace financelake::io
