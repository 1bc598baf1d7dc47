#include "financelake/io/posix_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <utility>

namespace financelake::io::internal {
namespace {

Status ClosedError(std::string_view op, const std::string& path) {
  return Status::FailedPrecondition("io: " + std::string(op) + " " + path + ": file is closed");
}

// Buffers appends in memory and writes them out when the buffer is full, on Sync() and on
// Close(). One fd per file; the buffer grows on demand, so small files stay small.
class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, UniqueFd fd)
      : WritableFile(std::move(path)), fd_(std::move(fd)) {}

  ~PosixWritableFile() override {
    Status ignored = Close();
    (void)ignored;
  }

  Status Append(std::string_view data) override {
    if (!fd_.valid()) return ClosedError("append", path());
    if (data.size() > kWriteBufferSize - buffer_.size()) {
      FL_RETURN_NOT_OK(Flush());
      if (data.size() >= kWriteBufferSize) {
        // Too big to be worth copying: write it straight through.
        FL_RETURN_NOT_OK(WriteFully(fd_.get(), data, path()));
        size_ += data.size();
        return Status::OK();
      }
    }
    buffer_.append(data);
    size_ += data.size();
    return Status::OK();
  }

  Status Sync() override {
    if (!fd_.valid()) return ClosedError("sync", path());
    FL_RETURN_NOT_OK(Flush());
    if (::fsync(fd_.get()) != 0) return PosixError("fsync", path());
    return Status::OK();
  }

  Status Close() override {
    if (!fd_.valid()) return Status::OK();
    Status st = Flush();
    // close() releases the fd even when it reports an error, so never retry it.
    if (::close(fd_.release()) != 0 && st.ok()) st = PosixError("close", path());
    return st;
  }

  uint64_t size() const override { return size_; }

 private:
  Status Flush() {
    if (buffer_.empty()) return Status::OK();
    Status st = WriteFully(fd_.get(), buffer_, path());
    // After a failed write the file's tail is unknown; keeping the bytes would not help.
    buffer_.clear();
    return st;
  }

  UniqueFd fd_;
  std::string buffer_;
  uint64_t size_ = 0;
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, UniqueFd fd)
      : RandomAccessFile(std::move(path)), fd_(std::move(fd)) {}

  using RandomAccessFile::ReadAt;

  Result<uint64_t> Size() override {
    struct stat st;
    if (::fstat(fd_.get(), &st) != 0) return PosixError("fstat", path());
    return static_cast<uint64_t>(st.st_size);
  }

  Status ReadAt(uint64_t offset, size_t n, uint8_t* out) override {
    size_t done = 0;
    while (done < n) {
      const ssize_t r = ::pread(fd_.get(), out + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return PosixError("read", path());
      }
      if (r == 0) return PastEnd(offset, n);
      done += static_cast<size_t>(r);
    }
    return Status::OK();
  }

 private:
  Status PastEnd(uint64_t offset, size_t n) {
    auto size = Size();
    return Status::OutOfRange("io: read " + path() + ": " + std::to_string(n) +
                              " bytes at offset " + std::to_string(offset) +
                              " past end of file (size " +
                              (size.ok() ? std::to_string(*size) : std::string("unknown")) + ")");
  }

  UniqueFd fd_;
};

}  // namespace

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.release();
  }
  return *this;
}

Status PosixError(std::string_view op, std::string_view path) {
  return ErrnoToStatus(errno, op, path);
}

Status WriteFully(int fd, std::string_view data, std::string_view path) {
  while (!data.empty()) {
    const ssize_t w = ::write(fd, data.data(), data.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return PosixError("write", path);
    }
    data.remove_prefix(static_cast<size_t>(w));
  }
  return Status::OK();
}

Result<std::unique_ptr<WritableFile>> OpenPosixWritableFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return PosixError("open", path);
  return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(path, std::move(fd)));
}

Result<std::unique_ptr<RandomAccessFile>> OpenPosixRandomAccessFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return PosixError("open", path);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return PosixError("fstat", path);
  if (S_ISDIR(st.st_mode)) return ErrnoToStatus(EISDIR, "open", path);
  return std::unique_ptr<RandomAccessFile>(
      std::make_unique<PosixRandomAccessFile>(path, std::move(fd)));
}

}  // namespace financelake::io::internal
