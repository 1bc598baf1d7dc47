// Whole-file writes that readers and crashes never see half done: the data goes to a temporary
// file in the same directory (".<name>.<random>.tmp"), which is synced, closed and then renamed
// onto the target. Built only on the FileSystem interface, so every implementation gets them.
//
// Guarantees (given an atomic, durable Rename/RenameNoReplace and SyncDir, as on local POSIX):
//   - A reader sees the old content or the new content of `path`, never a mix, a prefix or a
//     missing file.
//   - When the call returns OK the new content is durable (file synced, directory synced).
//   - When it fails before the rename, `path` is untouched and the temporary file is removed
//     (best effort: a crash can still leave a ".*.tmp" file behind for a cleaner to remove).
//   - When only the final SyncDir() fails, the new content is in place but may not be durable;
//     the error is returned so that the caller does not assume it is.
#pragma once

#include <string>
#include <string_view>

#include "financelake/base/status.h"
#include "financelake/io/filesystem.h"

namespace financelake::io {

// Replaces (or creates) `path` with `data`, atomically. The parent directory must exist.
Status WriteFileAtomic(FileSystem& fs, const std::string& path, std::string_view data);

// Creates `path` holding `data` only if nothing exists at `path`; otherwise AlreadyExists and
// the existing file is untouched. Of concurrent callers with the same `path`, exactly one
// succeeds (put-if-absent, as a Delta commit needs). The parent directory must exist.
Status CreateFileIfAbsent(FileSystem& fs, const std::string& path, std::string_view data);

// The temporary name used for `path`: "<dir>/.<name>.<16 random hex digits>.tmp".
std::string TempPathFor(const std::string& path);

// True for names TempPathFor() makes (".<name>.<16 hex>.tmp"), so cleaners can find leftovers.
bool IsTempFileName(std::string_view name);

}  // namespace financelake::io
