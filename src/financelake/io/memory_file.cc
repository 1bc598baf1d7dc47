#include "financelake/io/memory_file.h"

#include <chrono>
#include <cstring>
#include <string>
#include <utility>

namespace financelake::io::internal {
namespace {

// Appends go straight into the node: visible to readers at once, no buffering.
class MemoryWritableFile final : public WritableFile {
 public:
  MemoryWritableFile(std::string path, std::shared_ptr<MemoryFileNode> node)
      : WritableFile(std::move(path)), node_(std::move(node)) {}

  Status Append(std::string_view data) override {
    if (closed_) return ClosedError("append");
    std::lock_guard<std::mutex> lock(node_->mu);
    node_->data.append(data);
    node_->mtime_ms = NowMillis();
    size_ += data.size();
    return Status::OK();
  }

  Status Sync() override { return closed_ ? ClosedError("sync") : Status::OK(); }

  Status Close() override {
    closed_ = true;
    return Status::OK();
  }

  uint64_t size() const override { return size_; }

 private:
  Status ClosedError(std::string_view op) const {
    return Status::FailedPrecondition("io: " + std::string(op) + " " + path() + ": file is closed");
  }

  std::shared_ptr<MemoryFileNode> node_;
  uint64_t size_ = 0;
  bool closed_ = false;
};

class MemoryRandomAccessFile final : public RandomAccessFile {
 public:
  MemoryRandomAccessFile(std::string path, std::shared_ptr<MemoryFileNode> node)
      : RandomAccessFile(std::move(path)), node_(std::move(node)) {}

  using RandomAccessFile::ReadAt;

  Result<uint64_t> Size() override {
    std::lock_guard<std::mutex> lock(node_->mu);
    return static_cast<uint64_t>(node_->data.size());
  }

  Status ReadAt(uint64_t offset, size_t n, uint8_t* out) override {
    std::lock_guard<std::mutex> lock(node_->mu);
    const uint64_t size = node_->data.size();
    if (offset > size || n > size - offset) {
      return Status::OutOfRange("io: read " + path() + ": " + std::to_string(n) +
                                " bytes at offset " + std::to_string(offset) +
                                " past end of file (size " + std::to_string(size) + ")");
    }
    if (n > 0) std::memcpy(out, node_->data.data() + offset, n);
    return Status::OK();
  }

 private:
  std::shared_ptr<MemoryFileNode> node_;
};

}  // namespace

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<WritableFile> NewMemoryWritableFile(std::string path,
                                                    std::shared_ptr<MemoryFileNode> node) {
  return std::make_unique<MemoryWritableFile>(std::move(path), std::move(node));
}

std::unique_ptr<RandomAccessFile> NewMemoryRandomAccessFile(std::string path,
                                                            std::shared_ptr<MemoryFileNode> node) {
  return std::make_unique<MemoryRandomAccessFile>(std::move(path), std::move(node));
}

}  // namespace financelake::io::internal
