// Operations: overwrite (whole, replaceWhere), DELETE, MERGE, OPTIMIZE (also against a
// concurrent append), VACUUM, checkpoints and log cleanup.
#include "financelake/delta/operations.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "financelake/columnar/text_values.h"
#include "financelake/delta/checkpoint_writer.h"
#include "financelake/delta/conflict.h"
#include "financelake/delta/data_writer.h"
#include "financelake/delta/log.h"
#include "financelake/io/atomic_file.h"
#include "financelake/io/fault_injecting_filesystem.h"
#include "financelake/io/hooked_filesystem.h"
#include "financelake/io/memory_filesystem.h"
#include "financelake/io/path.h"

namespace financelake::delta {
namespace {

using columnar::Column;
using columnar::DataType;
using columnar::Expr;
using columnar::Field;
using columnar::RecordBatch;
using columnar::Schema;
using columnar::Value;

constexpr int64_t kDayMs = 86400000;

using io::HookedFileSystem;

class OperationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mem_ = std::make_shared<io::MemoryFileSystem>();
    fs_ = std::make_shared<HookedFileSystem>(mem_);
    table_ = Table::Open(fs_, "/t");
    schema_ = Schema({{"id", DataType::Long(), true}, {"v", DataType::String(), true},
                      {"part", DataType::String(), true}});
  }
  void Create(std::vector<std::string> partition_columns = {},
              std::map<std::string, std::string> properties = {}) {
    CreateOptions options;
    options.partition_columns = std::move(partition_columns);
    options.properties = std::move(properties);
    auto v = CreateTable(*table_, schema_, options);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
  }
  RecordBatch Rows(const std::vector<std::tuple<int64_t, std::string, std::string>>& rows) {
    std::vector<Column> cols;
    for (const Field& f : schema_.fields()) cols.emplace_back(f.type);
    for (const auto& [id, v, part] : rows) {
      cols[0].AppendValue(Value::Int(id));
      cols[1].AppendValue(Value::Bytes(v));
      cols[2].AppendValue(Value::Bytes(part));
    }
    return RecordBatch::Make(schema_, std::move(cols)).value();
  }
  void MustAppend(const RecordBatch& batch) {
    auto w = Append(*table_, batch);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
  }
  // "id:v:part" per row, sorted.
  std::vector<std::string> TableRows(Table& table) {
    auto snap = table.Latest();
    EXPECT_TRUE(snap.ok()) << snap.status().ToString();
    if (!snap.ok()) return {};
    auto batch = table.Scan(**snap, ScanOptions{});
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    std::vector<std::string> out;
    for (int64_t r = 0; r < batch->num_rows(); ++r) {
      std::string s;
      for (size_t c = 0; c < batch->num_columns(); ++c) {
        const Value v = batch->column(c).GetValue(r);
        s += (c ? ":" : "") + (v.is_null() ? "null" : columnar::FormatValue(v, batch->column(c).type()));
      }
      out.push_back(s);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> TableRows() { return TableRows(*table_); }
  Expr Where(const std::string& text) {
    auto e = Expr::Parse(text, schema_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return *e;
  }
  SnapshotPtr Latest() { return table_->Latest().value(); }
  Json LastCommitInfo() {
    auto h = table_->History(1);
    EXPECT_TRUE(h.ok());
    return (*h)[0].commit_info.value;
  }

  std::shared_ptr<io::MemoryFileSystem> mem_;
  std::shared_ptr<HookedFileSystem> fs_;
  std::unique_ptr<Table> table_;
  Schema schema_;
};

TEST_F(OperationsTest, OverwriteReplacesTheWholeTable) {
  Create();
  MustAppend(Rows({{1, "a", "p"}, {2, "b", "p"}}));
  MustAppend(Rows({{3, "c", "q"}}));
  auto w = Overwrite(*table_, Rows({{9, "z", "p"}}));
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->files_removed, 2);
  EXPECT_EQ(w->rows_deleted, 3);
  EXPECT_EQ(TableRows(), (std::vector<std::string>{"9:z:p"}));
  Json ci = LastCommitInfo();
  EXPECT_EQ(ci.Find("operationParameters")->Dump(), R"({"mode":"Overwrite","partitionBy":"[]"})");
  EXPECT_FALSE(ci.GetBool("isBlindAppend", true));
  EXPECT_EQ(ci.Find("operationMetrics")->GetString("numRemovedFiles", ""), "2");
  EXPECT_EQ(Latest()->tombstones().size(), 2u);
}

// Before a commit names new files, their directory entries are synced: each partition
// directory written to, and its parent (the table directory), whether or not the partition
// directory is new (one left by a failed attempt may never have been synced).
TEST_F(OperationsTest, PartitionDirectoriesAreSyncedInTheirParent) {
  Create({"part"});
  fs_->synced_dirs.clear();
  MustAppend(Rows({{1, "a", "p"}, {2, "b", "q"}}));
  auto synced = [&] {
    std::vector<std::string> data;  // the _delta_log syncs of the commit left out
    for (const std::string& d : fs_->synced_dirs) {
      if (d.find("_delta_log") == std::string::npos) data.push_back(d);
    }
    fs_->synced_dirs.clear();
    return data;
  };
  EXPECT_EQ(synced(), (std::vector<std::string>{"/t/part=p", "/t/part=q", "/t"}));
  MustAppend(Rows({{3, "c", "q"}}));  // an existing partition
  EXPECT_EQ(synced(), (std::vector<std::string>{"/t/part=q", "/t"}));
  MustAppend(Rows({{4, "d", "q"}, {5, "e", "r"}}));
  EXPECT_EQ(synced(), (std::vector<std::string>{"/t/part=q", "/t/part=r", "/t"}));
}

// A write of many partitions (a backfill of daily bars: one per day) syncs its files and
// directories together at the end: one sync for all, not one per file and directory.
TEST_F(OperationsTest, ManyPartitionsAreSyncedTogether) {
  auto faulty = std::make_shared<io::FaultInjectingFileSystem>(mem_);
  auto hooked = std::make_shared<HookedFileSystem>(faulty);
  auto table = Table::Open(hooked, "/m");
  CreateOptions options;
  options.partition_columns = {"part"};
  ASSERT_TRUE(CreateTable(*table, schema_, options).ok());
  std::vector<std::tuple<int64_t, std::string, std::string>> many, two;
  for (int i = 0; i < 12; ++i) many.emplace_back(i, "v", fmt::format("p{:02d}", i));
  for (int i = 0; i < 2; ++i) two.emplace_back(100 + i, "v", fmt::format("q{}", i));
  auto syncs_of = [&](const RecordBatch& batch) {
    faulty->Reset();
    hooked->synced_dirs.clear();
    hooked->synced_files.clear();
    auto w = Append(*table, batch);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return faulty->Count(io::FaultOp::kSync);
  };
  const int for_two = syncs_of(Rows(two));  // 2 files, 2 partition dirs + the table's, the commit's
  const int for_many = syncs_of(Rows(many));  // one for the 12 files and 13 dirs, the commit's
  EXPECT_LT(for_many, for_two);
  std::vector<std::string> data_dirs;
  for (const std::string& d : hooked->synced_dirs) {
    if (d.find("_delta_log") == std::string::npos) data_dirs.push_back(d);
  }
  ASSERT_EQ(data_dirs.size(), 13u);
  EXPECT_EQ(data_dirs.front(), "/m/part=p00");
  EXPECT_EQ(data_dirs[11], "/m/part=p11");
  EXPECT_EQ(data_dirs.back(), "/m");
  // The files synced are the files the commit names.
  std::vector<std::string> named;
  for (const AddFile& a : table->Latest().value()->files()) {
    if (a.path.find("part=p") != std::string::npos) named.push_back("/m/" + a.path);
  }
  std::vector<std::string> synced = hooked->synced_files;
  std::sort(named.begin(), named.end());
  std::sort(synced.begin(), synced.end());
  EXPECT_EQ(named.size(), 12u);
  EXPECT_EQ(synced, named);

  // The sync fails: nothing is committed and the written files are removed; a retry lands.
  const DeltaVersion version = table->Latest().value()->version();
  std::vector<std::tuple<int64_t, std::string, std::string>> more;
  for (int i = 0; i < 12; ++i) more.emplace_back(200 + i, "w", fmt::format("r{:02d}", i));
  faulty->Reset();
  faulty->FailNth(io::FaultOp::kSync, 1);
  EXPECT_FALSE(Append(*table, Rows(more)).ok());
  EXPECT_EQ(table->Latest().value()->version(), version);
  for (int i = 0; i < 12; ++i) {
    auto left = mem_->ListDir(fmt::format("/m/part=r{:02d}", i));
    EXPECT_TRUE(!left.ok() || left->empty()) << i;
  }
  auto retried = Append(*table, Rows(more));
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(TableRows(*table).size(), 26u);
}

TEST_F(OperationsTest, ReplaceWhereReplacesOnePartition) {
  Create({"part"});
  MustAppend(Rows({{1, "a", "x"}, {2, "b", "y"}, {3, "c", "y"}}));
  const size_t files_before = Latest()->files().size();
  auto bad = Overwrite(*table_, Rows({{7, "q", "x"}}), Where("part = 'y'"));
  EXPECT_TRUE(bad.status().IsInvalidArgument()) << bad.status().ToString();
  auto w = Overwrite(*table_, Rows({{8, "n", "y"}}), Where("part = 'y'"));
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->files_removed, 1);  // only the y partition's file
  EXPECT_EQ(w->rows_deleted, 2);
  EXPECT_EQ(TableRows(), (std::vector<std::string>{"1:a:x", "8:n:y"}));
  EXPECT_EQ(Latest()->files().size(), files_before);
  EXPECT_EQ(LastCommitInfo().Find("operationParameters")->GetString("predicate", ""),
            R"(["part = 'y'"])");
}

TEST_F(OperationsTest, DeleteWhereRewritesOnlyFilesWithMatches) {
  Create();
  MustAppend(Rows({{1, "a", "p"}, {2, "b", "p"}, {3, "c", "p"}}));
  MustAppend(Rows({{10, "x", "p"}}));
  auto w = DeleteWhere(*table_, Where("id >= 2 AND id < 10"));
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->rows_deleted, 2);
  EXPECT_EQ(w->files_removed, 1);
  EXPECT_EQ(w->files_added, 1);
  EXPECT_EQ(TableRows(), (std::vector<std::string>{"10:x:p", "1:a:p"}));
  const Json ci = LastCommitInfo();
  const Json* m = ci.Find("operationMetrics");
  EXPECT_EQ(m->GetString("numDeletedRows", ""), "2");
  EXPECT_EQ(m->GetString("numCopiedRows", ""), "1");
  EXPECT_EQ(ci.GetString("operation", ""), "DELETE");
  // Nothing matches: no commit.
  const DeltaVersion before = Latest()->version();
  auto none = DeleteWhere(*table_, Where("id > 100"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->version, before);
  EXPECT_EQ(Latest()->version(), before);
  // Everything of a file matches: removed without a rewrite.
  auto all = DeleteWhere(*table_, Where("id = 10"));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->files_added, 0);
  EXPECT_EQ(TableRows(), (std::vector<std::string>{"1:a:p"}));
}

TEST_F(OperationsTest, ALongPredicateIsCutInTheCommitInfo) {
  // Gold recomputes thousands of dates with an IN list; the history shows its start and length.
  Create();
  MustAppend(Rows({{1, "a", "p"}, {2, "b", "p"}}));
  std::string in = "id IN (1";
  for (int i = 1000; i < 3000; ++i) in += ", " + std::to_string(i);
  in += ")";
  ASSERT_TRUE(DeleteWhere(*table_, Where(in)).ok());
  EXPECT_EQ(TableRows(), (std::vector<std::string>{"2:b:p"}));  // the whole predicate applied
  const std::string shown =
      LastCommitInfo().Find("operationParameters")->GetString("predicate", "");
  EXPECT_LT(shown.size(), 1200u);
  EXPECT_EQ(shown.rfind("[\"id IN (1, 1000, 1001", 0), 0u) << shown;
  EXPECT_NE(shown.find(fmt::format(" ... ({} characters in all)", Where(in).ToString().size())),
            std::string::npos)
      << shown;
}

TEST_F(OperationsTest, MergeUpdatesAndInserts) {
  Create({"part"});
  MustAppend(Rows({{1, "a", "x"}, {2, "b", "x"}}));
  MustAppend(Rows({{3, "c", "y"}}));
  auto w = Merge(*table_, Rows({{2, "B", "x"}, {4, "D", "y"}}), {"id"});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->rows_updated, 1);
  EXPECT_EQ(w->rows_written, 2);
  EXPECT_EQ(w->files_removed, 1);
  EXPECT_EQ(TableRows(), (std::vector<std::string>{"1:a:x", "2:B:x", "3:c:y", "4:D:y"}));
  Json ci = LastCommitInfo();
  EXPECT_EQ(ci.GetString("operation", ""), "MERGE");
  EXPECT_EQ(ci.Find("operationParameters")->GetString("predicate", ""),
            R"(["target.id = source.id"])");
  // An update may move a row to another partition.
  ASSERT_TRUE(Merge(*table_, Rows({{1, "A", "y"}}), {"id"}).ok());
  EXPECT_EQ(TableRows(), (std::vector<std::string>{"1:A:y", "2:B:x", "3:c:y", "4:D:y"}));
  auto dup = Merge(*table_, Rows({{5, "e", "x"}, {5, "f", "x"}}), {"id"});
  EXPECT_TRUE(dup.status().IsInvalidArgument());
  EXPECT_NE(dup.status().message().find("duplicate key (id=5)"), std::string::npos)
      << dup.status().message();
  EXPECT_TRUE(Merge(*table_, Rows({{5, "e", "x"}}), {"nope"}).status().IsInvalidArgument());
  auto txn = Merge(*table_, Rows({{6, "f", "x"}}), {"id"}, TxnId{"m", 1});
  ASSERT_TRUE(txn.ok());
  auto again = Merge(*table_, Rows({{6, "g", "x"}}), {"id"}, TxnId{"m", 1});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->skipped);
  EXPECT_EQ(TableRows().size(), 5u);
}

TEST_F(OperationsTest, OptimizeCompactsWithoutChangingRows) {
  Create({"part"});
  for (int i = 0; i < 4; ++i) MustAppend(Rows({{i, "v", i % 2 ? "odd" : "even"}}));
  MustAppend(Rows({{9, "lonely", "solo"}}));
  const auto rows = TableRows();
  ASSERT_EQ(Latest()->files().size(), 5u);
  auto w = Optimize(*table_);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->files_removed, 4);
  EXPECT_EQ(w->files_added, 2);  // one per partition with >= 2 small files
  EXPECT_EQ(Latest()->files().size(), 3u);
  EXPECT_EQ(TableRows(), rows);
  auto commit = ReadCommit(*fs_, "/t", Latest()->version());
  ASSERT_TRUE(commit.ok());
  for (const Action& a : *commit) {
    if (auto* add = std::get_if<AddFile>(&a)) {
      EXPECT_FALSE(add->data_change);
    }
    if (auto* rm = std::get_if<RemoveFile>(&a)) {
      EXPECT_FALSE(rm->data_change);
    }
  }
  EXPECT_EQ(LastCommitInfo().GetString("operation", ""), "OPTIMIZE");
  // Nothing left to do: no commit.
  auto again = Optimize(*table_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version, Latest()->version());
}

TEST_F(OperationsTest, OptimizeKeepsAnAppendThatWinsTheRace) {
  Create();
  for (int i = 0; i < 3; ++i) MustAppend(Rows({{i, "v", "p"}}));
  auto other = Table::Open(mem_, "/t");  // another writer, not hooked
  fs_->before_commit = [&] {
    auto w = Append(*other, Rows({{100, "late", "p"}}));
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    EXPECT_EQ(w->version.value(), 4);
  };
  auto w = Optimize(*table_);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->version.value(), 5);
  EXPECT_EQ(TableRows(), (std::vector<std::string>{"0:v:p", "100:late:p", "1:v:p", "2:v:p"}));
  EXPECT_EQ(Latest()->files().size(), 2u);  // the compacted file + the late append
}

TEST_F(OperationsTest, OptimizeLosesToAConcurrentDeleteOfItsInput) {
  Create();
  for (int i = 0; i < 3; ++i) MustAppend(Rows({{i, "v", "p"}}));
  auto other = Table::Open(mem_, "/t");
  fs_->before_commit = [&] { ASSERT_TRUE(DeleteWhere(*other, Where("id = 1")).ok()); };
  auto w = Optimize(*table_);
  EXPECT_EQ(w.status().code(), StatusCode::kAborted) << w.status().ToString();
  EXPECT_EQ(TableRows(), (std::vector<std::string>{"0:v:p", "2:v:p"}));
}

// An action may name its file by a file: URI or an absolute path, and the table may be opened
// by another spelling of its path: vacuum compares canonical names (it once deleted the live
// file of a table opened as a relative path, since the two strings differed).
TEST_F(OperationsTest, VacuumKeepsLiveFilesNamedByAbsolutePaths) {
  Create();
  MustAppend(Rows({{1, "a", "x"}}));
  const std::string rel = *DecodeLogPath(Latest()->files()[0].path);
  const std::string commit = "/t/_delta_log/" + CommitFileName(DeltaVersion(1));
  std::string text = *mem_->ReadFile(commit);
  const std::string quoted = "\"path\":\"" + Latest()->files()[0].path + "\"";
  const size_t at = text.find(quoted);
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, quoted.size(), "\"path\":\"file:///t/" + rel + "\"");
  ASSERT_TRUE(mem_->Delete(commit).ok());
  ASSERT_TRUE(io::WriteFileAtomic(*mem_, commit, text).ok());
  const int64_t now = WallClockMs();
  ASSERT_TRUE(mem_->SetMtime("/t/" + rel, now - 30 * kDayMs).ok());
  ASSERT_TRUE(mem_->CreateDirs("/t/sub").ok());
  ASSERT_TRUE(io::WriteFileAtomic(*mem_, "/t/orphan.parquet", "junk").ok());
  ASSERT_TRUE(mem_->SetMtime("/t/orphan.parquet", now - 30 * kDayMs).ok());

  for (const std::string spelling : {"/t", "/t/", "/./t", "/t/sub/..", "//t"}) {
    SCOPED_TRACE(spelling);
    auto table = Table::Open(fs_, spelling);
    VacuumOptions dry;
    dry.dry_run = true;
    dry.now_ms = now;
    auto listed = Vacuum(*table, dry);
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    EXPECT_EQ(listed->deleted, (std::vector<std::string>{"orphan.parquet"}));
  }
  auto table = Table::Open(fs_, "/./t");
  VacuumOptions real;
  real.now_ms = now;
  ASSERT_TRUE(Vacuum(*table, real).ok());
  EXPECT_TRUE(*mem_->Exists("/t/" + rel));
  EXPECT_FALSE(*mem_->Exists("/t/orphan.parquet"));
  EXPECT_EQ(TableRows(), (std::vector<std::string>{"1:a:x"}));

  // A file the engine cannot place (another filesystem's URI) stops vacuum before any delete.
  text = *mem_->ReadFile(commit);
  const size_t uri = text.find("file:///t/");
  ASSERT_NE(uri, std::string::npos);
  text.replace(uri, 10, "s3://bucket/t/");
  ASSERT_TRUE(mem_->Delete(commit).ok());
  ASSERT_TRUE(io::WriteFileAtomic(*mem_, commit, text).ok());
  auto fresh = Table::Open(fs_, "/t");
  auto refused = Vacuum(*fresh, real);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("nothing was deleted"), std::string::npos)
      << refused.status().ToString();
  EXPECT_TRUE(*mem_->Exists("/t/" + rel));
}

TEST_F(OperationsTest, VacuumDeletesOnlyUnreferencedOldFiles) {
  Create({"part"});
  MustAppend(Rows({{1, "a", "x"}}));
  const std::string old_file = "/t/" + *DecodeLogPath(Latest()->files()[0].path);
  ASSERT_TRUE(Overwrite(*table_, Rows({{2, "b", "x"}})).ok());
  const std::string live_file = "/t/" + *DecodeLogPath(Latest()->files()[0].path);
  const int64_t now = WallClockMs();
  auto put = [&](const std::string& path, int64_t mtime) {
    ASSERT_TRUE(mem_->CreateDirs(io::DirName(path)).ok());
    ASSERT_TRUE(io::WriteFileAtomic(*mem_, path, "junk").ok());
    ASSERT_TRUE(mem_->SetMtime(path, mtime).ok());
  };
  put("/t/part=x/orphan-old.parquet", now - 10 * kDayMs);
  put("/t/orphan-recent.parquet", now - kDayMs);
  put("/t/_hidden/old.parquet", now - 10 * kDayMs);
  put("/t/.hidden-old", now - 10 * kDayMs);
  ASSERT_TRUE(mem_->SetMtime(old_file, now - 10 * kDayMs).ok());
  ASSERT_TRUE(mem_->SetMtime(live_file, now - 10 * kDayMs).ok());

  VacuumOptions dry;
  dry.dry_run = true;
  dry.now_ms = now;
  auto listed = Vacuum(*table_, dry);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->deleted, (std::vector<std::string>{"part=x/orphan-old.parquet"}));
  EXPECT_TRUE(*mem_->Exists("/t/part=x/orphan-old.parquet"));

  VacuumOptions real;
  real.now_ms = now;
  ASSERT_TRUE(Vacuum(*table_, real).ok());
  EXPECT_FALSE(*mem_->Exists("/t/part=x/orphan-old.parquet"));
  EXPECT_TRUE(*mem_->Exists(old_file));  // its tombstone is younger than the retention

  // Eight days on, the tombstone has expired and the recent orphan has aged.
  real.now_ms = now + 8 * kDayMs;
  auto later = Vacuum(*table_, real);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->deleted.size(), 2u);
  EXPECT_FALSE(*mem_->Exists(old_file));
  EXPECT_FALSE(*mem_->Exists("/t/orphan-recent.parquet"));
  EXPECT_TRUE(*mem_->Exists(live_file));
  EXPECT_TRUE(*mem_->Exists("/t/_hidden/old.parquet"));
  EXPECT_TRUE(*mem_->Exists("/t/.hidden-old"));
  EXPECT_TRUE(*mem_->Exists("/t/_delta_log/" + CommitFileName(DeltaVersion(0))));
  EXPECT_EQ(TableRows(), (std::vector<std::string>{"2:b:x"}));

  // A retention longer than the clock can count keeps everything (it once overflowed to a
  // negative retention, refused as "shorter than the table's" and undefined when forced).
  put("/t/orphan-huge.parquet", now - 10 * kDayMs);
  VacuumOptions huge;
  huge.retain_hours = 1e13;
  huge.now_ms = now + 8 * kDayMs;
  auto kept = Vacuum(*table_, huge);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_TRUE(kept->deleted.empty());
  EXPECT_TRUE(*mem_->Exists("/t/orphan-huge.parquet"));

  VacuumOptions short_retention;
  short_retention.retain_hours = 1;
  auto refused = Vacuum(*table_, short_retention);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  short_retention.force = true;
  EXPECT_TRUE(Vacuum(*table_, short_retention).ok());
  EXPECT_EQ(TableRows(), (std::vector<std::string>{"2:b:x"}));
}

TEST_F(OperationsTest, CheckpointEveryTenCommits) {
  Create();
  for (int i = 1; i <= 10; ++i) MustAppend(Rows({{i, "v", "p"}}));
  const std::string log = "/t/_delta_log/";
  EXPECT_TRUE(*mem_->Exists(log + CheckpointFileName(DeltaVersion(10))));
  EXPECT_FALSE(*mem_->Exists(log + CheckpointFileName(DeltaVersion(5))));
  auto last = ReadLastCheckpoint(*mem_, "/t");
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->version.value(), 10);
  EXPECT_EQ(last->size, 12);  // protocol + metaData + 10 adds
  EXPECT_EQ(last->num_of_add_files, 10);
  const auto rows = TableRows();
  // The checkpoint alone rebuilds the table.
  for (int v = 0; v <= 10; ++v) ASSERT_TRUE(mem_->Delete(log + CommitFileName(DeltaVersion(v))).ok());
  auto fresh = Table::Open(mem_, "/t");
  EXPECT_EQ(TableRows(*fresh), rows);
  MustAppend(Rows({{11, "v", "p"}}));
  auto explicit_cp = Checkpoint(*table_);
  ASSERT_TRUE(explicit_cp.ok()) << explicit_cp.status().ToString();
  EXPECT_EQ(explicit_cp->value(), 11);
  EXPECT_EQ(ReadLastCheckpoint(*mem_, "/t")->version.value(), 11);
}

TEST_F(OperationsTest, ExpiredLogsAreCleanedUpBelowTheCheckpoint) {
  Create({}, {{"delta.checkpointInterval", "5"}, {"delta.logRetentionDuration", "interval 1 day"}});
  for (int i = 1; i <= 9; ++i) MustAppend(Rows({{i, "v", "p"}}));
  const std::string log = "/t/_delta_log/";
  const int64_t old = WallClockMs() - 2 * kDayMs;
  for (int v = 0; v <= 9; ++v) {
    ASSERT_TRUE(mem_->SetMtime(log + CommitFileName(DeltaVersion(v)), old + v).ok());
  }
  MustAppend(Rows({{10, "v", "p"}}));  // version 10: checkpoint, then cleanup
  for (int v = 0; v < 10; ++v) {
    EXPECT_FALSE(*mem_->Exists(log + CommitFileName(DeltaVersion(v)))) << v;
  }
  EXPECT_FALSE(*mem_->Exists(log + CheckpointFileName(DeltaVersion(5))));
  EXPECT_TRUE(*mem_->Exists(log + CommitFileName(DeltaVersion(10))));
  EXPECT_TRUE(*mem_->Exists(log + CheckpointFileName(DeltaVersion(10))));
  auto fresh = Table::Open(mem_, "/t");
  EXPECT_EQ(TableRows(*fresh).size(), 10u);
}

TEST_F(OperationsTest, StreamingCommitsNeitherListTheLogNorCleanItAtEveryCheckpoint) {
  Create({}, {{"delta.logRetentionDuration", "interval 1 day"}});
  const std::string log = "/t/_delta_log/";
  auto hand_commits = [&](int64_t from, int64_t to) {  // commits that change nothing
    const std::string text = SerializeCommit({CommitInfo{Json::Object()}});
    for (int64_t v = from; v <= to; ++v) {
      ASSERT_TRUE(io::WriteFileAtomic(*mem_, log + CommitFileName(DeltaVersion(v)), text).ok());
    }
  };
  auto age = [&](int64_t from, int64_t to) {
    const int64_t old = WallClockMs() - 2 * kDayMs;
    for (int64_t v = from; v <= to; ++v) {
      ASSERT_TRUE(mem_->SetMtime(log + CommitFileName(DeltaVersion(v)), old + v).ok());
    }
  };
  auto present = [&](int64_t v) { return *mem_->Exists(log + CommitFileName(DeltaVersion(v))); };
  hand_commits(1, 1008);
  MustAppend(Rows({{1, "v", "p"}}));  // 1009
  // The commits by hand skipped the checkpoints every tenth commit writes; without
  // `_last_checkpoint` the latest version is found by listing.
  ASSERT_TRUE(Checkpoint(*table_).ok());
  // Every commit so far has expired: the checkpoint at 1010 cleans up below itself.
  age(0, 1009);
  fs_->listings = 0;
  MustAppend(Rows({{2, "v", "p"}}));
  EXPECT_EQ(fs_->listings, 1);
  EXPECT_FALSE(present(0));
  EXPECT_FALSE(present(1009));
  EXPECT_TRUE(present(1010));
  // The next thousand commits are fresh: their checkpoints neither list the log nor clean it.
  hand_commits(1011, 2008);
  fs_->listings = 0;
  MustAppend(Rows({{3, "v", "p"}}));  // 2009
  MustAppend(Rows({{4, "v", "p"}}));  // 2010: checkpoint
  EXPECT_EQ(fs_->listings, 0);
  EXPECT_TRUE(*mem_->Exists(log + CheckpointFileName(DeltaVersion(2010))));
  EXPECT_TRUE(present(1010));
  // Once a thousand of them have expired, the next checkpoint cleans up again.
  hand_commits(2011, 2018);
  MustAppend(Rows({{5, "v", "p"}}));  // 2019
  age(1010, 2019);
  fs_->listings = 0;
  MustAppend(Rows({{6, "v", "p"}}));  // 2020
  EXPECT_EQ(fs_->listings, 1);
  EXPECT_FALSE(present(2019));
  EXPECT_FALSE(*mem_->Exists(log + CheckpointFileName(DeltaVersion(2010))));
  EXPECT_TRUE(present(2020));
  auto fresh = Table::Open(mem_, "/t");
  EXPECT_EQ(TableRows(*fresh).size(), 6u);
  // A log of fewer than a thousand versions is cleaned at every checkpoint (the listing is
  // cheap); one whose version a thousand after its oldest is missing is cleaned too.
  hand_commits(2021, 3025);
  const int64_t now = WallClockMs();
  EXPECT_FALSE(*LogCleanupDue(*mem_, log, DeltaVersion(3025), kDayMs, now));
  EXPECT_TRUE(*LogCleanupDue(*mem_, log, DeltaVersion(3019), kDayMs, now));
  EXPECT_TRUE(*LogCleanupDue(*mem_, log, DeltaVersion(999), kDayMs, now));
  ASSERT_TRUE(mem_->Delete(log + CommitFileName(DeltaVersion(3020))).ok());
  EXPECT_TRUE(*LogCleanupDue(*mem_, log, DeltaVersion(3025), kDayMs, now));
}

// The versions of a history, newest first (empty, with a test failure, on an error).
std::vector<int64_t> Versions(const Result<std::vector<HistoryEntry>>& h) {
  std::vector<int64_t> out;
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  if (!h.ok()) return out;
  for (const HistoryEntry& e : *h) out.push_back(e.version.value());
  return out;
}

TEST_F(OperationsTest, HistoryWithALimitReadsTheNewestCommitsWithoutListing) {
  Create();
  for (int i = 1; i <= 25; ++i) MustAppend(Rows({{i, "v", "p"}}));
  auto range = [](int64_t from, int64_t to) {  // from down to `to`
    std::vector<int64_t> out;
    for (int64_t v = from; v >= to; --v) out.push_back(v);
    return out;
  };
  fs_->listings = 0;
  auto newest = table_->History(5);
  EXPECT_EQ(Versions(newest), range(25, 21));
  EXPECT_EQ((*newest)[4].commit_info.operation(), "WRITE");
  for (size_t i = 1; i < newest->size(); ++i) {
    EXPECT_LT((*newest)[i].timestamp_ms, (*newest)[i - 1].timestamp_ms);
  }
  EXPECT_EQ(Versions(table_->History(5, DeltaVersion(21))), range(20, 16));
  EXPECT_EQ(Versions(table_->History(100)), range(25, 0));
  EXPECT_EQ(Versions(table_->History(3, DeltaVersion(2))), range(1, 0));
  EXPECT_EQ(fs_->listings, 0);
  // The whole history (no limit) lists, and agrees.
  EXPECT_EQ(Versions(table_->History()), range(25, 0));
  // A window that meets a missing commit is left to the listing: history stops at the gap.
  ASSERT_TRUE(mem_->Delete("/t/_delta_log/" + CommitFileName(DeltaVersion(12))).ok());
  EXPECT_EQ(Versions(table_->History(100)), range(25, 13));
  EXPECT_EQ(Versions(table_->History(5, DeltaVersion(15))), range(14, 13));
  EXPECT_EQ(Versions(table_->History(5, DeltaVersion(13))), std::vector<int64_t>{});
  EXPECT_EQ(Versions(table_->History(5, DeltaVersion(12))), range(11, 7));  // all there
  EXPECT_EQ(Versions(table_->History(5)), range(25, 21));
}

// Found by review: a window below the oldest version that can be rebuilt (commits a cleanup
// interrupted midway left below the oldest checkpoint) was history with a limit but not without.
TEST_F(OperationsTest, HistoryWithALimitEndsWhereTheWholeHistoryDoes) {
  Create();
  for (int i = 1; i <= 25; ++i) MustAppend(Rows({{i, "v", "p"}}));  // checkpoints at 10 and 20
  std::vector<int64_t> from25to10;
  for (int64_t v = 25; v >= 10; --v) from25to10.push_back(v);
  auto drop = [&](int from, int to) {
    for (int v = from; v <= to; ++v) {
      ASSERT_TRUE(mem_->Delete("/t/_delta_log/" + CommitFileName(DeltaVersion(v))).ok());
    }
  };
  drop(0, 4);  // interrupted: commits 5-9 are left, with no checkpoint at or below them
  EXPECT_EQ(Versions(table_->History()), from25to10);
  EXPECT_EQ(Versions(table_->History(20)), from25to10);
  EXPECT_EQ(Versions(table_->History(100)), from25to10);
  drop(5, 9);  // completed: the oldest commit has its checkpoint
  fs_->listings = 0;
  EXPECT_EQ(Versions(table_->History(16)), from25to10);
  EXPECT_EQ(Versions(table_->History(3)), std::vector<int64_t>({25, 24, 23}));
  EXPECT_EQ(fs_->listings, 0);
  EXPECT_EQ(Versions(table_->History(17)), from25to10);
}

TEST(LogCleanupTest, KeepsWhatUnexpiredVersionsNeed) {
  io::MemoryFileSystem fs;
  const std::string log = "/t/_delta_log";
  ASSERT_TRUE(fs.CreateDirs(log).ok());
  const int64_t now = 100 * kDayMs;
  auto put = [&](const std::string& name, int64_t mtime) {
    ASSERT_TRUE(io::WriteFileAtomic(fs, log + "/" + name, "{}").ok());
    ASSERT_TRUE(fs.SetMtime(log + "/" + name, mtime).ok());
  };
  for (int v = 0; v <= 12; ++v) put(CommitFileName(DeltaVersion(v)), v < 7 ? kDayMs : now);
  put(CheckpointFileName(DeltaVersion(5)), kDayMs);
  put(CheckpointFileName(DeltaVersion(10)), now);
  put("00000000000000000003.crc", kDayMs);
  auto deleted = CleanupExpiredLogs(fs, log, 30 * kDayMs, now);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  // Versions 0..6 expired; 7.. must stay rebuildable, which checkpoint 5 + commits 6.. allow.
  EXPECT_EQ(deleted->size(), 6u);  // commits 0-4 and the .crc
  EXPECT_TRUE(*fs.Exists(log + "/" + CheckpointFileName(DeltaVersion(5))));
  EXPECT_TRUE(*fs.Exists(log + "/" + CommitFileName(DeltaVersion(5))));
  EXPECT_FALSE(*fs.Exists(log + "/" + CommitFileName(DeltaVersion(4))));
  // Without an expired checkpoint nothing can go.
  auto none = CleanupExpiredLogs(fs, log, 99 * kDayMs, now);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(IntervalTest, ParsesSparkIntervals) {
  EXPECT_EQ(*ParseIntervalMs("interval 7 days"), 7 * kDayMs);
  EXPECT_EQ(*ParseIntervalMs("INTERVAL 1 WEEK"), 7 * kDayMs);
  EXPECT_EQ(*ParseIntervalMs("30 days"), 30 * kDayMs);
  EXPECT_EQ(*ParseIntervalMs("interval 1 day 12 hours"), kDayMs + kDayMs / 2);
  EXPECT_EQ(*ParseIntervalMs("interval 90 seconds"), 90000);
  EXPECT_EQ(*ParseIntervalMs("interval 0 hours"), 0);
  EXPECT_TRUE(ParseIntervalMs("interval 1 month").status().IsInvalidArgument());
  EXPECT_TRUE(ParseIntervalMs("interval").status().IsInvalidArgument());
  EXPECT_TRUE(ParseIntervalMs("interval -1 days").status().IsInvalidArgument());
  EXPECT_TRUE(ParseIntervalMs("7").status().IsInvalidArgument());
}

}  // namespace
}  // namespace financelake::delta
