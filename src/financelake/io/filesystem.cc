#include "financelake/io/filesystem.h"

#include "financelake/io/path.h"

#include <cerrno>
#include <cstring>

namespace financelake::io {
namespace {

// strerror_r comes in a GNU flavour (returns the text) and an XSI one (fills the buffer); the
// overloads pick whichever the C library declares.
[[maybe_unused]] std::string ErrorText(char* gnu_result, const char* /*buf*/) {
  return gnu_result;
}
[[maybe_unused]] std::string ErrorText(int xsi_result, const char* buf) {
  return xsi_result == 0 ? std::string(buf) : std::string("Unknown error");
}

}  // namespace

Result<std::string> RandomAccessFile::ReadAt(uint64_t offset, size_t n) {
  std::string out(n, '\0');
  FL_RETURN_NOT_OK(ReadAt(offset, n, reinterpret_cast<uint8_t*>(out.data())));
  return out;
}

Result<std::string> FileSystem::Canonical(const std::string& path) {
  return NormalizePath(path);
}

Status ErrnoToStatus(int err, std::string_view op, std::string_view path) {
  char buf[256] = {0};
  std::string msg = "io: ";
  msg += op;
  msg += ' ';
  msg += path;
  msg += ": ";
  msg += ErrorText(strerror_r(err, buf, sizeof(buf)), buf);
  switch (err) {
    case ENOENT: return Status::NotFound(std::move(msg));
    case EEXIST: return Status::AlreadyExists(std::move(msg));
    default: return Status::IOError(std::move(msg));
  }
}

}  // namespace financelake::io
