// Table: scanning (type conversion, missing columns, partitions, projection, limit, skipping),
// incremental Latest(), history and time travel by timestamp. Tables are built by hand in temp
// directories or copied from the shared fixtures (never modified in place).
#include "financelake/delta/table.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <thread>

#include "financelake/columnar/text_values.h"
#include "financelake/delta/log.h"
#include "financelake/delta/schema_json.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/parquet/writer.h"

namespace financelake::delta {
namespace {

namespace fs = std::filesystem;
using columnar::Column;
using columnar::RecordBatch;
using columnar::Schema;

std::string Golden(const std::string& rel) {
  return std::string(FL_SOURCE_DIR) + "/../shared/fixtures/delta_golden/" + rel;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/fl_delta_table.XXXXXX";
    FL_CHECK(::mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& rel) const { return (path_ / rel).string(); }
  // A writable copy of a fixture table.
  std::string CopyOf(const std::string& rel) const {
    const fs::path dst = path_ / fs::path(rel).filename();
    fs::copy(Golden(rel), dst, fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(dst)) {
      fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
    }
    return dst.string();
  }

 private:
  fs::path path_;
};

void WriteText(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::trunc | std::ios::binary) << text;
}

void WriteCommit(const std::string& table, int64_t v, const std::vector<Action>& actions) {
  WriteText(CommitPath(table, DeltaVersion(v)), SerializeCommit(actions));
}

// Writes `batches` (one row group each) as a Parquet file.
void WriteParquet(const std::string& path, const std::vector<RecordBatch>& batches) {
  fs::create_directories(fs::path(path).parent_path());
  auto w = parquet::ParquetWriter::Open(*io::PosixFileSystem(), path, batches[0].schema());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  for (const auto& b : batches) {
    ASSERT_TRUE((*w)->Write(b).ok());
    ASSERT_TRUE((*w)->FlushRowGroup().ok());
  }
  ASSERT_TRUE((*w)->Close().ok());
}

std::vector<std::string> JsonRows(const RecordBatch& b) {
  std::vector<std::string> rows;
  for (int64_t r = 0; r < b.num_rows(); ++r) {
    std::string s;
    columnar::AppendJsonRow(b, r, &s);
    rows.push_back(s);
  }
  return rows;
}

std::vector<int64_t> Ids(const RecordBatch& b) {
  std::vector<int64_t> ids;
  const Column* c = b.ColumnByName("id");
  for (int64_t r = 0; c != nullptr && r < c->length(); ++r) ids.push_back(c->GetValue(r).as_int());
  std::sort(ids.begin(), ids.end());
  return ids;
}

AddFile AddFor(std::string path, PartitionValues pv, std::optional<std::string> stats = {}) {
  AddFile a;
  a.path = std::move(path);
  a.partition_values = std::move(pv);
  a.size = 1;
  a.modification_time = 1;
  a.stats = std::move(stats);
  return a;
}

// A table whose two files were written under different schemas.
class HandBuiltTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = dir_ / "t";
    const Schema schema =
        *Schema::Parse("id:long,v:double,w:string,s:struct<a:integer,b:string>,p:date,q:string");
    Metadata md;
    md.id = "t";
    md.schema_string = SchemaToJson(schema);
    md.partition_columns = {"p", "q"};

    // File 1, written before w and s.b existed: id as int32, v as float; two row groups.
    const Schema old = *Schema::Parse("id:integer,v:float,s:struct<a:integer>");
    std::vector<RecordBatch> groups;
    for (int g = 0; g < 2; ++g) {
      RecordBatch b(old);
      for (int i = 0; i < 3; ++i) {
        const int id = g * 3 + i;
        b.mutable_column(0).Append<int32_t>(id);
        b.mutable_column(1).Append<float>(id + 0.5f);
        Column& s = b.mutable_column(2);
        if (id == 4) {
          s.AppendNull();
        } else {
          s.mutable_child(0).Append<int32_t>(id * 10);
          s.AppendStructValid();
        }
      }
      groups.push_back(std::move(b));
    }
    WriteParquet(table_ + "/p=2024-01-02/q=__HIVE_DEFAULT_PARTITION__/f1.parquet", groups);

    // File 2: columns in another order, an extra column, a directory needing %-escapes.
    const Schema now =
        *Schema::Parse("w:string,s:struct<b:string,a:integer>,junk:long,v:double,id:long");
    RecordBatch b(now);
    b.mutable_column(0).AppendString("hello");
    Column& s = b.mutable_column(1);
    s.mutable_child(0).AppendString("bee");
    s.mutable_child(1).AppendNull();
    s.AppendStructValid();
    b.mutable_column(2).Append<int64_t>(-1);
    b.mutable_column(3).Append<double>(2.25);
    b.mutable_column(4).Append<int64_t>(100);
    WriteParquet(table_ + "/p=__HIVE_DEFAULT_PARTITION__/q=x y/f2.parquet", {b});

    WriteCommit(table_, 0,
                {Protocol{}, md,
                 AddFor("p=2024-01-02/q=__HIVE_DEFAULT_PARTITION__/f1.parquet",
                        {{"p", "2024-01-02"}, {"q", std::nullopt}},
                        R"({"numRecords":6,"minValues":{"id":0},"maxValues":{"id":5},)"
                        R"("nullCount":{"id":0}})"),
                 AddFor("p=__HIVE_DEFAULT_PARTITION__/q=x%20y/f2.parquet",
                        {{"p", std::nullopt}, {"q", "x y"}})});
    table = Table::Open(io::PosixFileSystem(), table_);
    auto s0 = table->Latest();
    ASSERT_TRUE(s0.ok()) << s0.status().ToString();
    snap = *s0;
  }

  Result<RecordBatch> Scan(ScanOptions o, ScanMetrics* m = nullptr) {
    return table->Scan(*snap, o, m);
  }
  Result<columnar::Expr> Where(const std::string& text) {
    return columnar::Expr::Parse(text, snap->schema());
  }

  TempDir dir_;
  std::string table_;
  std::unique_ptr<Table> table;
  SnapshotPtr snap;
};

TEST_F(HandBuiltTableTest, ConvertsTypesFillsPartitionsAndMissingColumns) {
  auto b = Scan({});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->schema(), snap->schema());
  const std::vector<std::string> want = {
      R"({"id":0,"v":0.5,"w":null,"s":{"a":0,"b":null},"p":"2024-01-02","q":null})",
      R"({"id":1,"v":1.5,"w":null,"s":{"a":10,"b":null},"p":"2024-01-02","q":null})",
      R"({"id":2,"v":2.5,"w":null,"s":{"a":20,"b":null},"p":"2024-01-02","q":null})",
      R"({"id":3,"v":3.5,"w":null,"s":{"a":30,"b":null},"p":"2024-01-02","q":null})",
      R"({"id":4,"v":4.5,"w":null,"s":null,"p":"2024-01-02","q":null})",
      R"({"id":5,"v":5.5,"w":null,"s":{"a":50,"b":null},"p":"2024-01-02","q":null})",
      R"({"id":100,"v":2.25,"w":"hello","s":{"a":null,"b":"bee"},"p":null,"q":"x y"})",
  };
  EXPECT_EQ(JsonRows(*b), want);
}

TEST_F(HandBuiltTableTest, ProjectionOrderAndLimit) {
  ScanOptions o;
  o.columns = {"q", "id"};
  o.limit = 2;
  auto b = Scan(o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(JsonRows(*b),
            (std::vector<std::string>{R"({"q":null,"id":0})", R"({"q":null,"id":1})"}));
  o.limit = 0;
  EXPECT_EQ(Scan(o)->num_rows(), 0);
  o.limit = 100;
  EXPECT_EQ(Scan(o)->num_rows(), 7);
  o.columns = {"id", "nope"};
  auto bad = Scan(o);
  EXPECT_TRUE(bad.status().IsNotFound()) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find(table_), std::string::npos);
}

TEST_F(HandBuiltTableTest, FiltersSkipFilesAndRowGroups) {
  ScanOptions o;
  ScanMetrics m;
  auto where = Where("id >= 4 AND id < 50");
  ASSERT_TRUE(where.ok()) << where.status().ToString();
  o.filter = *where;
  auto b = Scan(o, &m);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(Ids(*b), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(m.files_total, 2);
  EXPECT_EQ(m.files_read, 2);  // f2 has no add.stats: opened, but its footer rules it out
  EXPECT_EQ(m.rows_read, 3);   // only f1's second row group is read

  m = {};
  o.filter = *Where("q = 'x y'");  // partition pruning
  b = Scan(o, &m);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(Ids(*b), std::vector<int64_t>{100});
  EXPECT_EQ(m.files_read, 1);

  m = {};
  o.filter = *Where("id > 5 AND p IS NOT NULL");  // add.stats + a null partition value
  b = Scan(o, &m);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->num_rows(), 0);
  EXPECT_EQ(m.files_read, 0);

  // A filter on a column left out of the projection.
  o.filter = *Where("w = 'hello' OR s IS NULL");
  o.columns = {"id"};
  b = Scan(o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(Ids(*b), (std::vector<int64_t>{4, 100}));
  EXPECT_EQ(b->num_columns(), 1u);
}

TEST_F(HandBuiltTableTest, ErrorsNameTheTableAndFile) {
  fs::remove(table_ + "/p=__HIVE_DEFAULT_PARTITION__/q=x y/f2.parquet");
  auto b = Scan({});
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find(fmt::format(
                "delta: {}: data file 'p=__HIVE_DEFAULT_PARTITION__/q=x%20y/f2.parquet'", table_)),
            std::string::npos)
      << b.status().message();
  // A partition value that does not parse as its column's type.
  WriteCommit(table_, 1, {AddFor("g.parquet", {{"p", "yesterday"}})});
  auto s1 = table->Latest();
  ASSERT_TRUE(s1.ok());
  auto bad = table->Scan(**s1, {});
  EXPECT_TRUE(bad.status().IsDataLoss());
  EXPECT_NE(bad.status().message().find("file 'g.parquet': partition column 'p'"),
            std::string::npos)
      << bad.status().message();
}

TEST(TableTest, ExistsAndPathResolution) {
  TempDir dir;
  EXPECT_TRUE(*Table::Open(io::PosixFileSystem(), Golden("core/simple_table"))->Exists());
  EXPECT_FALSE(*Table::Open(io::PosixFileSystem(), dir / "nothing")->Exists());
  fs::create_directories(dir / "empty/_delta_log");
  EXPECT_FALSE(*Table::Open(io::PosixFileSystem(), dir / "empty")->Exists());
  auto t = Table::Open(io::PosixFileSystem(), "/x/t");
  EXPECT_EQ(t->LogDir(), "/x/t/_delta_log");
  EXPECT_EQ(t->path(), "/x/t");
}

TEST(TableTest, StatsSkipFilesOfASparkTable) {
  auto t = Table::Open(io::PosixFileSystem(), Golden("core/kernel-basic-with-checkpoint"));
  auto s = t->Latest();
  ASSERT_TRUE(s.ok());
  ScanOptions o;
  o.filter = *columnar::Expr::Parse("id >= 60 AND id < 70", (*s)->schema());
  ScanMetrics m;
  auto b = t->Scan(**s, o, &m);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  std::vector<int64_t> want(10);
  std::iota(want.begin(), want.end(), 60);
  EXPECT_EQ(Ids(*b), want);
  EXPECT_EQ(m.files_total, 30);
  EXPECT_EQ(m.files_read, 2);
  EXPECT_EQ(m.rows_read, 10);
}

TEST(TableTest, LatestReplaysOnlyNewCommits) {
  TempDir dir;
  const std::string path = dir.CopyOf("core/simple_table");
  auto table = Table::Open(io::PosixFileSystem(), path);
  auto v4 = table->Latest();
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(Ids(*table->Scan(**v4, {})), (std::vector<int64_t>{5, 7, 9}));
  // Garble every existing commit: the cached snapshot must be reused, not rebuilt.
  for (int v = 0; v <= 4; ++v) WriteText(CommitPath(path, DeltaVersion(v)), "garbage\n");
  std::vector<Action> next = {CommitInfo{*Json::Parse(R"({"timestamp":1,"operation":"DELETE"})")}};
  for (const AddFile& f : (*v4)->files()) {
    RemoveFile r;
    r.path = f.path;
    r.deletion_timestamp = 2;
    next.push_back(r);
  }
  // Bring back a file of version 0 (id 0).
  next.push_back(AddFor("part-00001-c506e79a-0bf8-4e2b-a42b-9731b2e490ae-c000.snappy.parquet", {}));
  WriteCommit(path, 5, next);
  auto v5 = table->Latest();
  ASSERT_TRUE(v5.ok()) << v5.status().ToString();
  EXPECT_EQ((*v5)->version(), DeltaVersion(5));
  EXPECT_EQ(Ids(*table->Scan(**v5, {})), std::vector<int64_t>{0});
  EXPECT_EQ(table->Latest()->get(), v5->get());  // no new commit: the cached snapshot
  // A fresh table has no cache and must replay the garbled commits.
  EXPECT_TRUE(Table::Open(io::PosixFileSystem(), path)->Latest().status().IsDataLoss());
}

TEST(TableTest, HistoryNewestFirst) {
  auto t = Table::Open(io::PosixFileSystem(), Golden("core/simple_table"));
  auto h = t->History();
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  std::vector<std::string> ops;
  std::vector<int64_t> versions;
  for (const auto& e : *h) {
    ops.push_back(e.commit_info.operation());
    versions.push_back(e.version.value());
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"DELETE", "UPDATE", "WRITE", "MERGE", "WRITE"}));
  EXPECT_EQ(versions, (std::vector<int64_t>{4, 3, 2, 1, 0}));
  EXPECT_EQ((*h)[4].commit_info.timestamp(), 1587968586154);
  for (size_t i = 1; i < h->size(); ++i) EXPECT_LT((*h)[i].timestamp_ms, (*h)[i - 1].timestamp_ms);
  EXPECT_EQ(t->History(2)->size(), 2u);
  EXPECT_EQ(t->History(0)->size(), 0u);
  // Checkpointed tables list only what can be rebuilt; all commits are kept here.
  EXPECT_EQ(Table::Open(io::PosixFileSystem(), Golden("core/kernel-basic-with-checkpoint"))
                ->History()
                ->size(),
            15u);
}

TEST(TableTest, TimeTravelByTimestampUsesCommitFileTimes) {
  TempDir dir;
  const std::string path = dir.CopyOf("core/snapshot-data2-deleted");
  auto table = Table::Open(io::PosixFileSystem(), path);
  // Spark's semantics: commit file mtimes (set here to the commitInfo timestamps), made
  // strictly increasing. Version 3 gets an mtime before version 2's: it counts as v2 + 1 ms.
  std::vector<int64_t> ts;
  for (int v = 0; v <= 4; ++v) {
    auto actions = ReadCommit(*io::PosixFileSystem(), path, DeltaVersion(v));
    ASSERT_TRUE(actions.ok());
    for (const Action& a : *actions) {
      if (auto* ci = std::get_if<CommitInfo>(&a)) ts.push_back(*ci->timestamp());
    }
  }
  ASSERT_EQ(ts.size(), 5u);
  for (int v = 0; v <= 4; ++v) {
    const int64_t mtime = v == 3 ? ts[1] : ts[v];
    ASSERT_TRUE(io::PosixFileSystem()->SetMtime(CommitPath(path, DeltaVersion(v)), mtime).ok());
  }
  auto version_at = [&](int64_t t) -> int64_t {
    auto s = table->AsOfTimestamp(t);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? (*s)->version().value() : -1;
  };
  EXPECT_EQ(version_at(ts[0]), 0);
  EXPECT_EQ(version_at(ts[1] - 1), 0);
  EXPECT_EQ(version_at(ts[1]), 1);
  EXPECT_EQ(version_at(ts[2]), 2);
  EXPECT_EQ(version_at(ts[2] + 1), 3);  // v3's adjusted time
  EXPECT_EQ(version_at(ts[4] - 1), 3);
  EXPECT_EQ(version_at(ts[4]), 4);
  auto v2 = table->AsOfTimestamp(ts[2]);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ((*v2)->timestamp_ms(), ts[2]);
  EXPECT_EQ(table->Scan(**v2, {})->num_rows(), 10);
  auto early = table->AsOfTimestamp(ts[0] - 1);
  EXPECT_TRUE(early.status().IsNotFound());
  EXPECT_NE(early.status().message().find("before the earliest available version 0"),
            std::string::npos)
      << early.status().message();
  auto late = table->AsOfTimestamp(ts[4] + 1);
  EXPECT_TRUE(late.status().IsNotFound());
  EXPECT_NE(late.status().message().find("after the latest version 4"), std::string::npos);
  EXPECT_NE(late.status().message().find(path), std::string::npos);
}

TEST(TableTest, TimeTravelByTimestampUsesInCommitTimestampsWhereTheTableHasThem) {
  // Found by a hunt: a table with in-commit timestamps was time travelled (and its history
  // dated) by file modification times. PROTOCOL.md: readers use inCommitTimestamp as the
  // commit timestamp; versions before delta.inCommitTimestampEnablementVersion keep theirs.
  TempDir dir;
  const std::string path = dir.CopyOf("core/time-travel-start-start20-start40");
  const int64_t ict[] = {0, 1600000100000, 1600000200000};  // version 0 predates them
  for (int v = 0; v <= 2; ++v) {
    auto actions = ReadCommit(*io::PosixFileSystem(), path, DeltaVersion(v));
    ASSERT_TRUE(actions.ok());
    std::vector<Action> out;
    for (Action& a : *actions) {
      if (auto* ci = std::get_if<CommitInfo>(&a); ci != nullptr && v > 0) {
        ci->value.Set("inCommitTimestamp", Json::Int(ict[v]));
      }
      if (auto* p = std::get_if<Protocol>(&a)) {
        p->min_writer_version = 7;
        p->writer_features = {"appendOnly", "invariants", "inCommitTimestamp"};
      }
      if (auto* m = std::get_if<Metadata>(&a)) {
        m->configuration["delta.enableInCommitTimestamps"] = "true";
        m->configuration["delta.inCommitTimestampEnablementVersion"] = "1";
        m->configuration["delta.inCommitTimestampEnablementTimestamp"] = std::to_string(ict[1]);
      }
      if (std::holds_alternative<CommitInfo>(a)) {
        out.insert(out.begin(), std::move(a));  // commitInfo first, as the feature requires
      } else {
        out.push_back(std::move(a));
      }
    }
    std::ofstream(CommitPath(path, DeltaVersion(v)), std::ios::trunc) << SerializeCommit(out);
    // File times far from the commits' own: 2017 for version 0, 2023 for the others.
    const int64_t mtime = v == 0 ? 1500000000000 : 1700000000000 + v * 100000;
    ASSERT_TRUE(io::PosixFileSystem()->SetMtime(CommitPath(path, DeltaVersion(v)), mtime).ok());
  }
  auto table = Table::Open(io::PosixFileSystem(), path);
  auto version_at = [&](int64_t t) -> int64_t {
    auto s = table->AsOfTimestamp(t);
    EXPECT_TRUE(s.ok()) << t << ": " << s.status().ToString();
    return s.ok() ? (*s)->version().value() : -1;
  };
  EXPECT_EQ(version_at(1600000100000), 1);
  EXPECT_EQ(version_at(1600000150000), 1);
  EXPECT_EQ(version_at(1600000200000), 2);
  // Before the first in-commit timestamp: the versions before it, by their file times.
  EXPECT_EQ(version_at(1600000099999), 0);
  EXPECT_EQ(version_at(1500000000000), 0);
  auto before = table->AsOfTimestamp(1499999999999);
  ASSERT_FALSE(before.ok());
  EXPECT_TRUE(before.status().IsNotFound()) << before.status().ToString();
  auto after = table->AsOfTimestamp(1600000200001);
  ASSERT_FALSE(after.ok());
  EXPECT_NE(after.status().message().find("after the latest version 2"), std::string::npos)
      << after.status().message();
  auto history = table->History();
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].timestamp_ms, 1600000200000);
  EXPECT_EQ((*history)[1].timestamp_ms, 1600000100000);
  EXPECT_EQ((*history)[2].timestamp_ms, 1500000000000);
  // A commit that lacks it is damage, named.
  auto actions = ReadCommit(*io::PosixFileSystem(), path, DeltaVersion(2));
  ASSERT_TRUE(actions.ok());
  for (Action& a : *actions) {
    if (auto* ci = std::get_if<CommitInfo>(&a)) ci->value = Json::Object();
  }
  std::ofstream(CommitPath(path, DeltaVersion(2)), std::ios::trunc) << SerializeCommit(*actions);
  auto damaged = Table::Open(io::PosixFileSystem(), path)->AsOfTimestamp(1600000150000);
  ASSERT_FALSE(damaged.ok());
  EXPECT_NE(damaged.status().message().find("version 2 has no commitInfo.inCommitTimestamp"),
            std::string::npos)
      << damaged.status().message();
}

TEST(TableTest, ConcurrentReaders) {
  auto t = Table::Open(io::PosixFileSystem(), Golden("core/basic-with-inserts-deletes-checkpoint"));
  std::vector<std::thread> threads;
  std::vector<int64_t> rows(4, -1);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto s = i % 2 ? t->Latest() : t->AtVersion(DeltaVersion(13));
      if (!s.ok()) return;
      auto b = t->Scan(**s, {});
      if (b.ok()) rows[i] = b->num_rows();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(rows, (std::vector<int64_t>{41, 41, 41, 41}));
}

}  // namespace
}  // namespace financelake::delta
