// Internal to the io module: the file objects behind MemoryFileSystem. A MemoryFileNode is the
// "inode" (bytes + mtime); writers and readers hold it by shared_ptr, so it outlives renames and
// deletes of its name. Include memory_filesystem.h instead.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "financelake/io/filesystem.h"

namespace financelake::io::internal {

// Milliseconds since the Unix epoch, from the wall clock.
int64_t NowMillis();

struct MemoryFileNode {
  std::mutex mu;
  std::string data;      // guarded by mu
  int64_t mtime_ms = 0;  // guarded by mu
};

std::unique_ptr<WritableFile> NewMemoryWritableFile(std::string path,
                                                    std::shared_ptr<MemoryFileNode> node);
std::unique_ptr<RandomAccessFile> NewMemoryRandomAccessFile(std::string path,
                                                            std::shared_ptr<MemoryFileNode> node);

}  // namespace financelake::io::internal
