// Internal to the io module: the POSIX WritableFile and RandomAccessFile behind
// PosixFileSystem(). Not part of the public API; include posix_filesystem.h instead.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "financelake/base/result.h"
#include "financelake/io/filesystem.h"

namespace financelake::io::internal {

// Owns a file descriptor; closes it (ignoring errors) on destruction unless released.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// "io: <op> <path>: <strerror(errno)>", with the code ErrnoToStatus() picks.
Status PosixError(std::string_view op, std::string_view path);

// Writes all of `data` to `fd`, retrying on EINTR and short writes.
Status WriteFully(int fd, std::string_view data, std::string_view path);

// Opens `path` for writing (create/truncate). Appends are buffered up to kWriteBufferSize bytes.
inline constexpr size_t kWriteBufferSize = size_t{1} << 20;
Result<std::unique_ptr<WritableFile>> OpenPosixWritableFile(const std::string& path);

// Opens an existing regular file for pread(); a directory is refused with EISDIR.
Result<std::unique_ptr<RandomAccessFile>> OpenPosixRandomAccessFile(const std::string& path);

}  // namespace financelake::io::internal
