#include "financelake/io/atomic_file.h"

#include <cstdint>
#include <memory>
#include <random>

#include "financelake/io/path.h"

namespace financelake::io {
namespace {

constexpr int kRandomHexDigits = 16;

uint64_t RandomU64() {
  // One generator per thread, seeded from the OS so that processes sharing a directory (several
  // writers of one table) do not pick the same names.
  thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  return rng();
}

// Writes `data` into a new file at `tmp` and makes it durable.
Status WriteTemp(FileSystem& fs, const std::string& tmp, std::string_view data) {
  FL_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs.NewWritableFile(tmp));
  FL_RETURN_NOT_OK(file->Append(data));
  FL_RETURN_NOT_OK(file->Sync());
  return file->Close();
}

// Best effort: the temp may not exist (creation failed) and a failure here must not hide the
// error that got us here.
void RemoveTemp(FileSystem& fs, const std::string& tmp) {
  Status ignored = fs.Delete(tmp);
  (void)ignored;
}

// Writes a temp file and moves it to `path` with `rename`; cleans up the temp on failure.
template <typename RenameFn>
Status WriteViaTemp(FileSystem& fs, const std::string& path, std::string_view data,
                    RenameFn rename) {
  const std::string tmp = TempPathFor(path);
  Status st = WriteTemp(fs, tmp, data);
  if (st.ok()) st = rename(tmp);
  if (!st.ok()) {
    RemoveTemp(fs, tmp);
    return st;
  }
  return fs.SyncDir(DirName(path));
}

}  // namespace

std::string TempPathFor(const std::string& path) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string suffix(kRandomHexDigits, '0');
  uint64_t r = RandomU64();
  for (char& c : suffix) {
    c = kHex[r & 0xf];
    r >>= 4;
  }
  return JoinPath(DirName(path), "." + BaseName(path) + "." + suffix + ".tmp");
}

bool IsTempFileName(std::string_view name) {
  constexpr std::string_view kTmp = ".tmp";
  // "." + at least one character of name + "." + hex + ".tmp"
  if (name.size() < 1 + 1 + 1 + kRandomHexDigits + kTmp.size()) return false;
  if (name.front() != '.' || !name.ends_with(kTmp)) return false;
  name.remove_suffix(kTmp.size());
  const std::string_view hex = name.substr(name.size() - kRandomHexDigits);
  if (name[name.size() - kRandomHexDigits - 1] != '.') return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status WriteFileAtomic(FileSystem& fs, const std::string& path, std::string_view data) {
  return WriteViaTemp(fs, path, data, [&](const std::string& tmp) { return fs.Rename(tmp, path); })
      .WithContext("io: atomic write " + path);
}

Status CreateFileIfAbsent(FileSystem& fs, const std::string& path, std::string_view data) {
  const std::string context = "io: create if absent " + path;
  // Cheap early exit for the common conflict; RenameNoReplace below is what decides a race.
  FL_ASSIGN_OR_RETURN_CTX(const bool exists, fs.Exists(path), context);
  if (exists) return Status::AlreadyExists(context + ": already exists");
  return WriteViaTemp(fs, path, data,
                      [&](const std::string& tmp) { return fs.RenameNoReplace(tmp, path); })
      .WithContext(context);
}

}  // namespace financelake::io
