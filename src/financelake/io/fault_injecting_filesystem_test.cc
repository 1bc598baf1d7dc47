#include "financelake/io/fault_injecting_filesystem.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "financelake/io/filesystem_test_env.h"

namespace financelake::io::testing {
namespace {

using Names = std::vector<std::string>;

// Runs over both real filesystems: `faulty_` wraps the environment's filesystem, and the
// fixture's helpers (Read, Names) look at the wrapped one directly.
template <typename Env>
class FaultTest : public FileSystemTest<Env> {
 protected:
  FaultTest() : faulty_(std::make_shared<FaultInjectingFileSystem>(this->shared_fs())) {}

  // Gives `path` the content "old" (not through the faulty filesystem).
  void WriteOld(const std::string& path) {
    FL_IO_ASSERT_OK(WriteFileAtomic(this->fs(), path, "old"));
  }

  void ExpectInjected(const Status& st) {
    EXPECT_TRUE(st.IsIOError()) << st.ToString();
    EXPECT_NE(st.message().find("injected fault"), std::string::npos) << st.ToString();
  }

  std::shared_ptr<FaultInjectingFileSystem> faulty_;
};
TYPED_TEST_SUITE(FaultTest, AllEnvs, EnvNames);

TYPED_TEST(FaultTest, FailNthWriteFailsOnlyThatAppend) {
  const std::string path = this->P("f");
  FL_IO_ASSERT_OK_AND_ASSIGN(auto file, this->faulty_->NewWritableFile(path));
  this->faulty_->FailNth(FaultOp::kWrite, 2);
  FL_IO_ASSERT_OK(file->Append("one "));
  const Status st = file->Append("two ");
  this->ExpectInjected(st);
  EXPECT_NE(st.message().find(path), std::string::npos) << st.ToString();
  FL_IO_ASSERT_OK(file->Append("three"));
  FL_IO_ASSERT_OK(file->Close());
  EXPECT_EQ(this->Read(path), "one three");
  EXPECT_EQ(this->faulty_->Count(FaultOp::kWrite), 3);
}

TYPED_TEST(FaultTest, FailedWriteLeavesOldContentAndNoTemp) {
  const std::string path = this->P("table.json");
  this->WriteOld(path);
  this->faulty_->FailNth(FaultOp::kWrite, 2);
  FL_IO_ASSERT_OK(WriteFileAtomic(*this->faulty_, path, "first"));    // 1st Append
  const Status st = WriteFileAtomic(*this->faulty_, path, "second");  // 2nd Append fails
  this->ExpectInjected(st);
  EXPECT_EQ(st.message().rfind("io: atomic write " + path + ": ", 0), 0u) << st.ToString();
  EXPECT_EQ(this->Read(path), "first");
  EXPECT_EQ(this->ListNames(this->P("")), Names{"table.json"});
}

TYPED_TEST(FaultTest, FailedRenameLeavesOldContentAndNoTemp) {
  const std::string path = this->P("table.json");
  this->WriteOld(path);
  this->faulty_->FailNth(FaultOp::kRename, 1);
  this->ExpectInjected(WriteFileAtomic(*this->faulty_, path, "new"));
  EXPECT_EQ(this->Read(path), "old");
  EXPECT_EQ(this->ListNames(this->P("")), Names{"table.json"});
  EXPECT_EQ(this->faulty_->Count(FaultOp::kRename), 1);
  // The fault fired once; the next attempt goes through.
  FL_IO_ASSERT_OK(WriteFileAtomic(*this->faulty_, path, "new"));
  EXPECT_EQ(this->Read(path), "new");
}

TYPED_TEST(FaultTest, FailedSyncOrCreateLeavesOldContentAndNoTemp) {
  const std::string path = this->P("table.json");
  this->WriteOld(path);
  for (FaultOp op : {FaultOp::kSync, FaultOp::kCreate}) {
    this->faulty_->Reset();
    this->faulty_->FailNth(op, 1);
    this->ExpectInjected(WriteFileAtomic(*this->faulty_, path, "new"));
    this->faulty_->FailNth(op, 1);
    this->ExpectInjected(CreateFileIfAbsent(*this->faulty_, this->P("other"), "new"));
    EXPECT_EQ(this->Read(path), "old") << FaultOpName(op);
    EXPECT_EQ(this->ListNames(this->P("")), Names{"table.json"}) << FaultOpName(op);
  }
}

TYPED_TEST(FaultTest, FailedRenameNoReplaceLeavesNoFile) {
  const std::string path = this->P("00001.json");
  this->faulty_->FailNth(FaultOp::kRename, 1);
  this->ExpectInjected(CreateFileIfAbsent(*this->faulty_, path, "commit"));
  EXPECT_EQ(this->ListNames(this->P("")), Names{});
  FL_IO_ASSERT_OK(CreateFileIfAbsent(*this->faulty_, path, "commit"));
  EXPECT_EQ(this->Read(path), "commit");
}

TYPED_TEST(FaultTest, FailedSyncDirAfterRenameIsReported) {
  const std::string path = this->P("table.json");
  this->WriteOld(path);
  this->faulty_->FailNth(FaultOp::kSync, 2);  // 1: the temp file, 2: its directory
  this->ExpectInjected(WriteFileAtomic(*this->faulty_, path, "new"));
  EXPECT_EQ(this->Read(path), "new");  // in place, but not known to be durable
  EXPECT_EQ(this->ListNames(this->P("")), Names{"table.json"});
}

TYPED_TEST(FaultTest, SyncManyIsOneSyncThatCanFail) {
  const std::string a = this->P("a"), b = this->P("b");
  this->WriteOld(a);
  this->WriteOld(b);
  this->faulty_->Reset();
  FL_IO_ASSERT_OK(this->faulty_->SyncMany({a, b}, {this->P("")}));
  EXPECT_EQ(this->faulty_->Count(FaultOp::kSync), 1);
  this->faulty_->FailNth(FaultOp::kSync, 1);
  this->ExpectInjected(this->faulty_->SyncMany({a, b}, {this->P("")}));
}

TYPED_TEST(FaultTest, FailAlwaysUntilReset) {
  const std::string path = this->P("r");
  FL_IO_ASSERT_OK(this->Write(path, "data"));
  this->faulty_->FailAlways(FaultOp::kRead);
  this->ExpectInjected(this->faulty_->ReadFile(path).status());
  FL_IO_ASSERT_OK_AND_ASSIGN(auto file, this->faulty_->NewRandomAccessFile(path));
  this->ExpectInjected(file->ReadAt(0, 4).status());
  this->ExpectInjected(file->ReadAt(0, 4).status());
  EXPECT_EQ(this->faulty_->Count(FaultOp::kRead), 3);
  this->faulty_->Reset();
  EXPECT_EQ(this->faulty_->Count(FaultOp::kRead), 0);
  FL_IO_ASSERT_OK_AND_ASSIGN(std::string got, file->ReadAt(0, 4));
  EXPECT_EQ(got, "data");
  EXPECT_EQ(this->faulty_->Count(FaultOp::kRead), 1);
}

TYPED_TEST(FaultTest, DeleteFaults) {
  FL_IO_ASSERT_OK(this->Write(this->P("f"), "x"));
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("d")));
  this->faulty_->FailAlways(FaultOp::kDelete);
  this->ExpectInjected(this->faulty_->Delete(this->P("f")));
  this->ExpectInjected(this->faulty_->DeleteDirRecursive(this->P("d")));
  EXPECT_EQ(this->ListNames(this->P("")), (Names{"d", "f"}));
  EXPECT_EQ(this->faulty_->Count(FaultOp::kDelete), 2);
}

TYPED_TEST(FaultTest, PassesThroughWhenNotArmed) {
  const std::string path = this->P("p");
  FL_IO_ASSERT_OK(WriteFileAtomic(*this->faulty_, path, "through"));
  FL_IO_ASSERT_OK_AND_ASSIGN(std::string got, this->faulty_->ReadFile(path));
  EXPECT_EQ(got, "through");
  FL_IO_ASSERT_OK_AND_ASSIGN(FileInfo info, this->faulty_->Stat(path));
  EXPECT_EQ(info.size, 7u);
  EXPECT_EQ(this->faulty_->Count(FaultOp::kCreate), 1);
  EXPECT_EQ(this->faulty_->Count(FaultOp::kWrite), 1);
  EXPECT_EQ(this->faulty_->Count(FaultOp::kSync), 2);
  EXPECT_EQ(this->faulty_->Count(FaultOp::kRename), 1);
  EXPECT_EQ(this->faulty_->Count(FaultOp::kRead), 1);
}

TYPED_TEST(FaultTest, CountsAreThreadSafe) {
  FL_IO_ASSERT_OK(this->Write(this->P("r"), "data"));
  constexpr int kThreads = 4;
  constexpr int kReads = 100;
  this->faulty_->FailNth(FaultOp::kRead, 150);
  std::vector<std::thread> threads;
  std::vector<int> failures(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kReads; ++i) {
        if (!this->faulty_->ReadFile(this->P("r")).ok()) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(this->faulty_->Count(FaultOp::kRead), kThreads * kReads);
  int total_failures = 0;
  for (int f : failures) total_failures += f;
  EXPECT_EQ(total_failures, 1);
}

TYPED_TEST(FaultTest, RandomFaultsFollowTheSpecReproducibly) {
  FL_IO_ASSERT_OK(this->Write(this->P("r"), "data"));
  auto failures = [&](const std::string& spec) {
    auto fs = WithRandomFaults(this->shared_fs(), spec);
    EXPECT_TRUE(fs.ok()) << fs.status().ToString();
    std::vector<bool> failed;
    for (int i = 0; i < 2000; ++i) {
      auto r = (*fs)->ReadFile(this->P("r"));
      if (!r.ok()) this->ExpectInjected(r.status());
      failed.push_back(!r.ok());
    }
    // Other operations are untouched.
    EXPECT_TRUE((*fs)->Exists(this->P("r")).ok());
    return failed;
  };
  const auto a = failures("read=0.1,seed=7");
  const auto n = std::count(a.begin(), a.end(), true);
  EXPECT_GT(n, 120);  // 200 expected; the bounds are > 6 standard deviations apart
  EXPECT_LT(n, 280);
  EXPECT_EQ(failures("read=0.1,seed=7"), a);  // same seed, same calls fail
  EXPECT_NE(failures("read=0.1,seed=8"), a);
  const auto none = failures("read=0,write=1");
  EXPECT_EQ(std::count(none.begin(), none.end(), true), 0);
}

TYPED_TEST(FaultTest, RandomFaultSpecErrorsNameTheItem) {
  for (const auto& [spec, mention] : std::vector<std::pair<std::string, std::string>>{
           {"write=2", "write: '2' is not a probability"},
           {"fsync=0.1", "unknown operation 'fsync'"},
           {"read=abc", "read: 'abc'"},
           {"seed=x", "seed 'x'"},
           {"write", "write: ''"}}) {
    auto fs = WithRandomFaults(this->shared_fs(), spec);
    ASSERT_FALSE(fs.ok()) << spec;
    EXPECT_TRUE(fs.status().IsInvalidArgument());
    EXPECT_NE(fs.status().message().find(mention), std::string::npos) << fs.status().ToString();
  }
}

}  // namespace
}  // namespace financelake::io::testing
