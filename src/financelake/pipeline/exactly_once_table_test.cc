#include "financelake/pipeline/exactly_once_table.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "financelake/delta/scan.h"
#include "financelake/io/fault_injecting_filesystem.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/bronze_batch.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/lake_test_util.h"

namespace financelake::pipeline {
namespace {

class ExactlyOnceTableTest : public testing::LakeTest {
 protected:
  static columnar::RecordBatch Rows(int64_t first_offset, int n) {
    BronzeBatchBuilder b;
    for (int i = 0; i < n; ++i) {
      BronzeRecord r;
      r.payload = "{\"n\":" + std::to_string(first_offset + i) + "}";
      r.topic = "t";
      r.partition = 0;
      r.offset = first_offset + i;
      b.Append(r, 1'700'000'000'000'000);
    }
    return b.Finish();
  }
  // Rows in the table's latest snapshot, read from its files.
  int64_t ScanRows() {
    auto fs = io::PosixFileSystem();
    auto table = delta::Table::Open(fs, BronzeTablePath(lake_, "t"));
    auto snap = table->Latest();
    EXPECT_TRUE(snap.ok()) << snap.status().ToString();
    if (!snap.ok()) return -1;
    auto rows = delta::ScanSnapshot(*fs, table->path(), **snap, {}, nullptr);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->num_rows() : -1;
  }
};

// The commit's log entry lands (rename done) but the directory sync fails and so does the
// read-back: the outcome is unknown to the writer. The files must stay: the log points at them.
TEST_F(ExactlyOnceTableTest, AnUnknownCommitOutcomeKeepsTheStagedFiles) {
  auto faulty = std::make_shared<io::FaultInjectingFileSystem>(io::PosixFileSystem());
  auto table = ExactlyOnceTable::OpenOrCreate(faulty, BronzeTablePath(lake_, "t"), BronzeLayout());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto files = (*table)->WriteFiles(Rows(0, 10));
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_FALSE(files->empty());

  faulty->Reset();
  faulty->FailNth(io::FaultOp::kSync, 2);  // 1: the commit's temp file, 2: the log directory
  // 1: `_last_checkpoint` (read by the snapshot update), 2: the read-back of the commit file
  faulty->FailNth(io::FaultOp::kRead, 2);
  auto r = (*table)->CommitFiles(*files, {{"app", -1, 9}}, "q");
  ASSERT_FALSE(r.ok()) << "the injected faults did not hit the commit (the write path changed?)";
  ASSERT_EQ(faulty->Count(io::FaultOp::kRename), 1) << "the commit was renamed into place once";

  // A fresh reader sees the commit, and every file it references exists.
  EXPECT_EQ(ScanRows(), 10);
  for (const delta::AddFile& a : *files) {
    auto p = delta::ResolveDataFilePath((*table)->path(), a.path);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(std::filesystem::exists(*p)) << *p;
  }
  // The writer, retrying, finds its appId already advanced and does not write the rows again.
  faulty->Reset();
  auto again = (*table)->WriteFiles(Rows(0, 10));
  ASSERT_TRUE(again.ok());
  auto r2 = (*table)->CommitFiles(*again, {{"app", -1, 9}}, "q");
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->version, -1);
  EXPECT_EQ(r2->stale_app_ids, std::vector<std::string>{"app"});
  EXPECT_EQ(ScanRows(), 10);
  for (const delta::AddFile& a : *again) {
    EXPECT_FALSE(std::filesystem::exists(*delta::ResolveDataFilePath((*table)->path(), a.path)))
        << "an uncommitted file was left behind: " << a.path;
  }
}

// An error before anything lands (the rename fails) removes the staged files.
TEST_F(ExactlyOnceTableTest, AFailedCommitRemovesTheStagedFiles) {
  auto faulty = std::make_shared<io::FaultInjectingFileSystem>(io::PosixFileSystem());
  auto table = ExactlyOnceTable::OpenOrCreate(faulty, BronzeTablePath(lake_, "t"), BronzeLayout());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto files = (*table)->WriteFiles(Rows(0, 10));
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  faulty->Reset();
  faulty->FailAlways(io::FaultOp::kRename);
  auto r = (*table)->CommitFiles(*files, {{"app", -1, 9}}, "q");
  ASSERT_FALSE(r.ok());
  faulty->Reset();
  EXPECT_EQ(ScanRows(), 0);
  for (const delta::AddFile& a : *files) {
    EXPECT_FALSE(std::filesystem::exists(*delta::ResolveDataFilePath((*table)->path(), a.path))) << a.path;
  }
}

}  // namespace
}  // namespace financelake::pipeline
