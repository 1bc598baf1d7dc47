// FaultInjectingFileSystem: wraps another FileSystem and makes chosen calls fail, to test error
// paths (after leveldb's db/fault_injection_test.cc). Everything not failed is passed through.
//
// Typical use:
//   auto fs = std::make_shared<FaultInjectingFileSystem>(std::make_shared<MemoryFileSystem>());
//   fs->FailNth(FaultOp::kWrite, 2);  // the 2nd Append() from now on fails
//   EXPECT_FALSE(WriteFileAtomic(*fs, "/t/a", data).ok());
//
// An injected failure returns IOError("injected fault: <op> <path>") without calling the wrapped
// filesystem, so the wrapped state is exactly as if the call had never been made. Thread-safe;
// files it returns share its fault state and may outlive it.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/io/filesystem.h"

namespace financelake::io {

// The calls that can be failed.
enum class FaultOp : int {
  kWrite = 0,  // WritableFile::Append
  kSync,       // WritableFile::Sync, FileSystem::SyncDir and SyncMany
  kRename,     // FileSystem::Rename and RenameNoReplace
  kCreate,     // FileSystem::NewWritableFile
  kDelete,     // FileSystem::Delete and DeleteDirRecursive
  kRead,       // FileSystem::ReadFile and RandomAccessFile::ReadAt
};
inline constexpr int kNumFaultOps = 6;

std::string_view FaultOpName(FaultOp op);

namespace internal {

// The counters and armed faults, shared by the filesystem and the files it opened.
class FaultState {
 public:
  // Counts one call of `op` on `path`; returns the injected error if this call is to fail.
  Status Check(FaultOp op, std::string_view path);
  void FailNth(FaultOp op, int n);
  void FailAlways(FaultOp op);
  // Each call of `op` fails with `probability` (draws from a generator seeded with `seed`).
  void FailRandomly(FaultOp op, double probability, uint64_t seed);
  void Reset();
  int Count(FaultOp op) const;

 private:
  struct PerOp {
    int count = 0;        // calls seen
    bool always = false;  // fail every call
    std::set<int> nth;    // values of `count` at which a call fails (once each)
    double probability = 0;  // chance that any call fails
  };
  uint64_t rng_ = 0;
  mutable std::mutex mu_;
  std::array<PerOp, kNumFaultOps> ops_;
};

}  // namespace internal

class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(std::shared_ptr<FileSystem> base);

  // The n-th call (1-based) of `op` from now on fails, once. n <= 0 is ignored. Several armed
  // faults for the same op add up.
  void FailNth(FaultOp op, int n) { state_->FailNth(op, n); }
  // Every call of `op` fails until Reset().
  void FailAlways(FaultOp op) { state_->FailAlways(op); }
  // Every call of `op` fails with `probability`, reproducibly for a seed.
  void FailRandomly(FaultOp op, double probability, uint64_t seed) { state_->FailRandomly(op, probability, seed); }
  // Disarms all faults and zeroes the counters.
  void Reset() { state_->Reset(); }
  // Calls of `op` seen since construction or Reset(), failed ones included.
  int Count(FaultOp op) const { return state_->Count(op); }

  FileSystem& base() { return *base_; }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::string> ReadFile(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status RenameNoReplace(const std::string& from, const std::string& to) override;
  Status Delete(const std::string& path) override;
  Status DeleteDirRecursive(const std::string& path) override;
  Result<bool> Exists(const std::string& path) override;
  Result<FileInfo> Stat(const std::string& path) override;
  Result<std::vector<FileInfo>> ListDir(const std::string& path) override;
  Result<std::vector<FileInfo>> ListDirNames(const std::string& path) override;
  Status CreateDirs(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Status SyncMany(const std::vector<std::string>& files,
                  const std::vector<std::string>& dirs) override;
  Status SetMtime(const std::string& path, int64_t mtime_ms) override;
  Result<std::string> Canonical(const std::string& path) override;

 private:
  std::shared_ptr<FileSystem> base_;
  std::shared_ptr<internal::FaultState> state_;
};

// Wraps `base` with random faults from a spec such as "write=0.01,sync=0.01,rename=0.005,seed=7"
// (ops: write sync rename create delete read; probabilities in [0, 1]; seed defaults to 1).
// InvalidArgument naming the bad item. Used by the chaos soak through the FL_IO_FAULTS
// environment variable (posix_filesystem.cc): testing only.
Result<std::shared_ptr<FileSystem>> WithRandomFaults(std::shared_ptr<FileSystem> base, std::string_view spec);

}  // namespace financelake::io
