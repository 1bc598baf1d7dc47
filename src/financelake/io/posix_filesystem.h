// FileSystem over the local POSIX filesystem (open/pread/write/fsync/rename/...).
//
// Guarantees, given a POSIX-conforming local filesystem:
//   - Rename() is atomic (rename(2)); RenameNoReplace() is atomic (renameat2 RENAME_NOREPLACE,
//     or link(2)+unlink(2) where the filesystem does not support the flag: then `from` and `to`
//     are briefly both present, but `to` is never overwritten).
//   - WritableFile buffers up to 1 MiB; data is durable after Sync(), a rename or create after
//     SyncDir() of the parent.
#pragma once

#include <memory>
#include <string>

#include "financelake/base/status.h"
#include "financelake/io/filesystem.h"

namespace financelake::io {

// The process-wide POSIX filesystem. Thread-safe; never destroyed.
std::shared_ptr<FileSystem> PosixFileSystem();

namespace internal {

// The fallback RenameNoReplace() uses when renameat2(RENAME_NOREPLACE) is refused (NFS, CIFS):
// link `to` to `from`'s file (fails with EEXIST if `to` exists), then unlink `from`; a
// directory (a model version) is renamed, AlreadyExists when `to` is a non-empty directory.
// Exposed for tests.
Status RenameNoReplaceByLink(const std::string& from, const std::string& to);

}  // namespace internal
}  // namespace financelake::io
