#include "financelake/io/fault_injecting_filesystem.h"

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "financelake/base/check.h"

namespace financelake::io {
namespace {

using internal::FaultState;

class FaultInjectingWritableFile final : public WritableFile {
 public:
  FaultInjectingWritableFile(std::unique_ptr<WritableFile> base, std::shared_ptr<FaultState> state)
      : WritableFile(base->path()), base_(std::move(base)), state_(std::move(state)) {}

  Status Append(std::string_view data) override {
    FL_RETURN_NOT_OK(state_->Check(FaultOp::kWrite, path()));
    return base_->Append(data);
  }
  Status Sync() override {
    FL_RETURN_NOT_OK(state_->Check(FaultOp::kSync, path()));
    return base_->Sync();
  }
  Status Close() override { return base_->Close(); }
  uint64_t size() const override { return base_->size(); }

 private:
  std::unique_ptr<WritableFile> base_;
  std::shared_ptr<FaultState> state_;
};

class FaultInjectingRandomAccessFile final : public RandomAccessFile {
 public:
  FaultInjectingRandomAccessFile(std::unique_ptr<RandomAccessFile> base,
                                 std::shared_ptr<FaultState> state)
      : RandomAccessFile(base->path()), base_(std::move(base)), state_(std::move(state)) {}

  using RandomAccessFile::ReadAt;

  Result<uint64_t> Size() override { return base_->Size(); }
  Status ReadAt(uint64_t offset, size_t n, uint8_t* out) override {
    FL_RETURN_NOT_OK(state_->Check(FaultOp::kRead, path()));
    return base_->ReadAt(offset, n, out);
  }

 private:
  std::unique_ptr<RandomAccessFile> base_;
  std::shared_ptr<FaultState> state_;
};

}  // namespace

std::string_view FaultOpName(FaultOp op) {
  switch (op) {
    case FaultOp::kWrite: return "write";
    case FaultOp::kSync: return "sync";
    case FaultOp::kRename: return "rename";
    case FaultOp::kCreate: return "create";
    case FaultOp::kDelete: return "delete";
    case FaultOp::kRead: return "read";
  }
  return "unknown";
}

namespace internal {

Status FaultState::Check(FaultOp op, std::string_view path) {
  std::lock_guard<std::mutex> lock(mu_);
  PerOp& per_op = ops_[static_cast<int>(op)];
  ++per_op.count;
  bool fail = per_op.always || per_op.nth.erase(per_op.count) > 0;
  if (!fail && per_op.probability > 0) {
    // splitmix64: a small, reproducible stream per filesystem.
    uint64_t z = (rng_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    fail = static_cast<double>(z >> 11) * 0x1.0p-53 < per_op.probability;
  }
  if (!fail) return Status::OK();
  return Status::IOError("injected fault: " + std::string(FaultOpName(op)) + " " +
                         std::string(path));
}

void FaultState::FailNth(FaultOp op, int n) {
  if (n <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  PerOp& per_op = ops_[static_cast<int>(op)];
  per_op.nth.insert(per_op.count + n);
}

void FaultState::FailAlways(FaultOp op) {
  std::lock_guard<std::mutex> lock(mu_);
  ops_[static_cast<int>(op)].always = true;
}

void FaultState::FailRandomly(FaultOp op, double probability, uint64_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  ops_[static_cast<int>(op)].probability = probability;
  rng_ = seed;
}

void FaultState::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  ops_ = {};
}

int FaultState::Count(FaultOp op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return ops_[static_cast<int>(op)].count;
}

}  // namespace internal

FaultInjectingFileSystem::FaultInjectingFileSystem(std::shared_ptr<FileSystem> base)
    : base_(std::move(base)), state_(std::make_shared<FaultState>()) {
  FL_CHECK(base_ != nullptr);
}

Result<std::unique_ptr<WritableFile>> FaultInjectingFileSystem::NewWritableFile(
    const std::string& path) {
  FL_RETURN_NOT_OK(state_->Check(FaultOp::kCreate, path));
  FL_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, base_->NewWritableFile(path));
  return std::unique_ptr<WritableFile>(
      std::make_unique<FaultInjectingWritableFile>(std::move(file), state_));
}

Result<std::unique_ptr<RandomAccessFile>> FaultInjectingFileSystem::NewRandomAccessFile(
    const std::string& path) {
  FL_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, base_->NewRandomAccessFile(path));
  return std::unique_ptr<RandomAccessFile>(
      std::make_unique<FaultInjectingRandomAccessFile>(std::move(file), state_));
}

Result<std::string> FaultInjectingFileSystem::ReadFile(const std::string& path) {
  FL_RETURN_NOT_OK(state_->Check(FaultOp::kRead, path));
  return base_->ReadFile(path);
}

Status FaultInjectingFileSystem::Rename(const std::string& from, const std::string& to) {
  FL_RETURN_NOT_OK(state_->Check(FaultOp::kRename, from + " -> " + to));
  return base_->Rename(from, to);
}

Status FaultInjectingFileSystem::RenameNoReplace(const std::string& from, const std::string& to) {
  FL_RETURN_NOT_OK(state_->Check(FaultOp::kRename, from + " -> " + to));
  return base_->RenameNoReplace(from, to);
}

Status FaultInjectingFileSystem::Delete(const std::string& path) {
  FL_RETURN_NOT_OK(state_->Check(FaultOp::kDelete, path));
  return base_->Delete(path);
}

Status FaultInjectingFileSystem::DeleteDirRecursive(const std::string& path) {
  FL_RETURN_NOT_OK(state_->Check(FaultOp::kDelete, path));
  return base_->DeleteDirRecursive(path);
}

Result<bool> FaultInjectingFileSystem::Exists(const std::string& path) {
  return base_->Exists(path);
}

Result<FileInfo> FaultInjectingFileSystem::Stat(const std::string& path) {
  return base_->Stat(path);
}

Result<std::vector<FileInfo>> FaultInjectingFileSystem::ListDir(const std::string& path) {
  return base_->ListDir(path);
}

Result<std::vector<FileInfo>> FaultInjectingFileSystem::ListDirNames(const std::string& path) {
  return base_->ListDirNames(path);
}

Status FaultInjectingFileSystem::CreateDirs(const std::string& path) {
  return base_->CreateDirs(path);
}

Status FaultInjectingFileSystem::SyncDir(const std::string& path) {
  FL_RETURN_NOT_OK(state_->Check(FaultOp::kSync, path));
  return base_->SyncDir(path);
}

Status FaultInjectingFileSystem::SyncMany(const std::vector<std::string>& files,
                                          const std::vector<std::string>& dirs) {
  FL_RETURN_NOT_OK(state_->Check(
      FaultOp::kSync, files.empty() ? (dirs.empty() ? "" : dirs.front()) : files.front()));
  return base_->SyncMany(files, dirs);
}

Status FaultInjectingFileSystem::SetMtime(const std::string& path, int64_t mtime_ms) {
  return base_->SetMtime(path, mtime_ms);
}

Result<std::string> FaultInjectingFileSystem::Canonical(const std::string& path) {
  return base_->Canonical(path);
}

Result<std::shared_ptr<FileSystem>> WithRandomFaults(std::shared_ptr<FileSystem> base, std::string_view spec) {
  auto fs = std::make_shared<FaultInjectingFileSystem>(std::move(base));
  uint64_t seed = 1;
  std::vector<std::pair<FaultOp, double>> armed;
  size_t at = 0;
  while (at <= spec.size()) {
    size_t end = spec.find(',', at);
    if (end == std::string_view::npos) end = spec.size();
    const std::string item(spec.substr(at, end - at));
    at = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const std::string name = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    char* stop = nullptr;
    errno = 0;
    if (name == "seed") {
      seed = std::strtoull(value.c_str(), &stop, 10);
      if (value.empty() || *stop != '\0' || errno != 0) {
        return Status::InvalidArgument(fmt::format("fault spec: seed '{}' is not a number", value));
      }
      continue;
    }
    int op = 0;
    while (op < kNumFaultOps && FaultOpName(static_cast<FaultOp>(op)) != name) ++op;
    if (op == kNumFaultOps) {
      return Status::InvalidArgument(fmt::format(
          "fault spec: unknown operation '{}' (write, sync, rename, create, delete, read, seed)", name));
    }
    const double p = std::strtod(value.c_str(), &stop);
    if (value.empty() || *stop != '\0' || !(p >= 0 && p <= 1)) {
      return Status::InvalidArgument(fmt::format("fault spec: {}: '{}' is not a probability in [0, 1]", name, value));
    }
    armed.emplace_back(static_cast<FaultOp>(op), p);
  }
  for (const auto& [op, p] : armed) fs->FailRandomly(op, p, seed);
  return std::shared_ptr<FileSystem>(fs);
}

}  // namespace financelake::io
