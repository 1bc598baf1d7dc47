// Spark-written Delta tables (../shared/fixtures/delta_golden, see its MANIFEST.md): every
// version of every table reads exactly the rows DuckDB finds in its live files
// (tests/data/delta/README.md), or is refused as an unsupported table feature; the log-only
// edge cases behave as named.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "financelake/base/json.h"
#include "financelake/columnar/text_values.h"
#include "financelake/delta/log.h"
#include "financelake/delta/table.h"
#include "financelake/io/posix_filesystem.h"

namespace financelake::delta {
namespace {

namespace fs = std::filesystem;

std::string Golden(const std::string& rel) {
  return std::string(FL_SOURCE_DIR) + "/../shared/fixtures/delta_golden/" + rel;
}

// Canonical text of a row for multiset comparison: object members sorted, numbers that are
// integers as integers, other numbers to 6 significant digits (a float column prints as the
// float's shortest form here and as the widened double in DuckDB's output).
void Canon(const Json& j, std::string* out) {
  switch (j.type()) {
    case Json::Type::kInt: *out += std::to_string(j.as_int()); return;
    case Json::Type::kDouble: {
      const double d = j.as_double();
      if (std::trunc(d) == d && std::fabs(d) < 9e15) {
        *out += std::to_string(static_cast<int64_t>(d));
      } else {
        *out += fmt::format("{:.6g}", d);
      }
      return;
    }
    case Json::Type::kArray:
      *out += '[';
      for (const Json& e : j.items()) {
        Canon(e, out);
        *out += ',';
      }
      *out += ']';
      return;
    case Json::Type::kObject: {
      std::vector<const Json::Member*> members;
      for (const auto& m : j.members()) members.push_back(&m);
      std::sort(members.begin(), members.end(),
                [](const Json::Member* a, const Json::Member* b) { return a->first < b->first; });
      *out += '{';
      for (const auto* m : members) {
        *out += Json::String(m->first).Dump() + ':';
        Canon(m->second, out);
        *out += ',';
      }
      *out += '}';
      return;
    }
    default: *out += j.Dump(); return;
  }
}

std::string CanonText(const Json& j) {
  std::string s;
  Canon(j, &s);
  return s;
}

std::vector<std::string> CanonRows(const columnar::RecordBatch& batch) {
  std::vector<std::string> rows;
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    std::string line;
    columnar::AppendJsonRow(batch, r, &line);
    auto j = Json::Parse(line);
    EXPECT_TRUE(j.ok()) << line;
    rows.push_back(j.ok() ? CanonText(*j) : line);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// version -> canonical rows, from tests/data/delta/expected/<dir>__<table>.jsonl.
std::map<int64_t, std::vector<std::string>> Expected(const std::string& rel) {
  std::string name = rel;
  name.replace(name.find('/'), 1, "__");
  std::ifstream in(std::string(FL_SOURCE_DIR) + "/tests/data/delta/expected/" + name + ".jsonl");
  EXPECT_TRUE(in.good()) << name;
  std::map<int64_t, std::vector<std::string>> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = Json::Parse(line);
    if (!j.ok()) {
      ADD_FAILURE() << line;
      continue;
    }
    out[j->Find("version")->as_int()].push_back(CanonText(*j->Find("row")));
  }
  for (auto& [v, rows] : out) std::sort(rows.begin(), rows.end());
  return out;
}

std::vector<std::string> TablesIn(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(Golden(dir)))
    out.push_back(dir + "/" + e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<Table> OpenGolden(const std::string& rel) {
  return Table::Open(io::PosixFileSystem(), Golden(rel));
}

columnar::RecordBatch ScanOrDie(Table& t, const Snapshot& s, ScanOptions o = {}) {
  auto b = t.Scan(s, o);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? std::move(b).value() : columnar::RecordBatch();
}

std::vector<int64_t> Ids(const columnar::RecordBatch& b, const std::string& col = "id") {
  std::vector<int64_t> ids;
  const columnar::Column* c = b.ColumnByName(col);
  EXPECT_NE(c, nullptr);
  for (int64_t r = 0; c != nullptr && r < c->length(); ++r) ids.push_back(c->GetValue(r).as_int());
  std::sort(ids.begin(), ids.end());
  return ids;
}

void ExpectRefused(const Status& st, const std::string& table) {
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_NE(st.message().find("unsupported table feature"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(Golden(table)), std::string::npos) << st.message();
}

// Every version of every core table: exactly DuckDB's rows.
TEST(GoldenTableTest, CoreTablesMatchDuckDbAtEveryVersion) {
  int checked = 0;
  for (const std::string& rel : TablesIn("core")) {
    SCOPED_TRACE(rel);
    const auto expected = Expected(rel);
    auto table = OpenGolden(rel);
    auto latest = table->Latest();
    ASSERT_TRUE(latest.ok()) << latest.status().ToString();
    for (int64_t v = 0; v <= (*latest)->version().value(); ++v) {
      SCOPED_TRACE(fmt::format("version {}", v));
      auto snap = table->AtVersion(DeltaVersion(v));
      ASSERT_TRUE(snap.ok()) << snap.status().ToString();
      auto it = expected.find(v);
      const std::vector<std::string> want =
          it == expected.end() ? std::vector<std::string>{} : it->second;
      EXPECT_EQ(CanonRows(ScanOrDie(*table, **snap)), want);
      ++checked;
    }
  }
  EXPECT_GT(checked, 60);
}

// advanced/: each version either reads DuckDB's rows or is refused as unsupported, never
// read wrong; the latest version of each is refused except CDF (a writer-only feature).
TEST(GoldenTableTest, AdvancedTablesAreRefusedOrRight) {
  const std::vector<std::string> tables = TablesIn("advanced");
  ASSERT_EQ(tables.size(), 7u);  // the fixtures' seven (MANIFEST.md), not an empty folder
  int read = 0;                  // versions read and compared with DuckDB's rows
  for (const std::string& rel : tables) {
    SCOPED_TRACE(rel);
    const auto expected = Expected(rel);
    auto table = OpenGolden(rel);
    auto latest = table->Latest();
    if (rel == "advanced/cdf-table") {
      ASSERT_TRUE(latest.ok()) << latest.status().ToString();
    } else {
      ASSERT_FALSE(latest.ok());
      ExpectRefused(latest.status(), rel);
    }
    auto listing = ListLog(*io::PosixFileSystem(), Golden(rel));
    ASSERT_TRUE(listing.ok());
    for (int64_t v = 0; v <= listing->latest()->value(); ++v) {
      SCOPED_TRACE(fmt::format("version {}", v));
      auto snap = table->AtVersion(DeltaVersion(v));
      if (!snap.ok()) {
        ExpectRefused(snap.status(), rel);
        continue;
      }
      auto it = expected.find(v);
      const std::vector<std::string> want =
          it == expected.end() ? std::vector<std::string>{} : it->second;
      EXPECT_EQ(CanonRows(ScanOrDie(*table, **snap)), want);
      ++read;
    }
  }
  EXPECT_GT(read, 0);
}

TEST(GoldenTableTest, ManifestFacts) {
  auto simple = OpenGolden("core/simple_table");
  auto latest = simple->Latest();
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ((*latest)->version(), DeltaVersion(4));
  EXPECT_EQ(Ids(ScanOrDie(*simple, **latest)), (std::vector<int64_t>{5, 7, 9}));
  EXPECT_EQ(Ids(ScanOrDie(*simple, **simple->AtVersion(DeltaVersion(0)))),
            (std::vector<int64_t>{0, 1, 2, 3, 4}));

  auto deletes = OpenGolden("core/basic-with-inserts-deletes-checkpoint");
  EXPECT_EQ(ScanOrDie(*deletes, **deletes->Latest()).num_rows(), 41);

  auto restore = OpenGolden("core/basic-with-inserts-overwrite-restore");
  std::vector<int64_t> counts;
  for (int v = 0; v <= 3; ++v) {
    counts.push_back(ScanOrDie(*restore, **restore->AtVersion(DeltaVersion(v))).num_rows());
  }
  EXPECT_EQ(counts, (std::vector<int64_t>{100, 200, 500, 200}));

  auto deleted = OpenGolden("core/snapshot-data2-deleted");
  counts.clear();
  for (int v = 0; v <= 4; ++v) {
    counts.push_back(ScanOrDie(*deleted, **deleted->AtVersion(DeltaVersion(v))).num_rows());
  }
  EXPECT_EQ(counts, (std::vector<int64_t>{10, 20, 10, 30, 20}));

  auto kernel = OpenGolden("core/kernel-basic-with-checkpoint");
  auto k = kernel->Latest();
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(ScanOrDie(*kernel, **k).num_rows(), 150);
  EXPECT_EQ((*k)->num_records(), 150);

  auto tt = OpenGolden("core/time-travel-start-start20-start40");
  std::vector<int64_t> want;
  for (int v = 0; v <= 2; ++v) {
    for (int i = 0; i < 10; ++i) want.push_back(v * 10 + i);
    std::vector<int64_t> got = Ids(ScanOrDie(*tt, **tt->AtVersion(DeltaVersion(v))));
    EXPECT_EQ(got, want) << v;
  }
}

TEST(GoldenTableTest, LogOnlyEdgeCases) {
  auto live_paths = [](const Snapshot& s) {
    std::vector<std::string> out;
    for (const auto& f : s.files()) out.push_back(f.path);
    return out;
  };
  auto cp = OpenGolden("log_only_and_negative/checkpoint")->Latest();
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ((*cp)->version(), DeltaVersion(14));
  EXPECT_EQ(live_paths(**cp), std::vector<std::string>{"15"});

  auto corrupted = OpenGolden("log_only_and_negative/corrupted-last-checkpoint")->Latest();
  ASSERT_TRUE(corrupted.ok()) << corrupted.status().ToString();
  EXPECT_EQ((*corrupted)->version(), DeltaVersion(10));
  EXPECT_EQ((*corrupted)->files().size(), 11u);

  const std::vector<std::string> last = {
      "part-00000-70b1dcdf-0236-4f63-a072-124cdbafd8a0-c000.snappy.parquet"};
  for (const char* rel : {"log_only_and_negative/with_checkpoint_no_last_checkpoint",
                          "log_only_and_negative/latest_not_checkpointed"}) {
    SCOPED_TRACE(rel);
    auto t = OpenGolden(rel);
    auto s = t->Latest();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ((*s)->version(), DeltaVersion(3));
    EXPECT_EQ(live_paths(**s), last);
    EXPECT_EQ((*s)->tombstones().size(), 2u);
    auto v2 = t->AtVersion(DeltaVersion(2));  // the checkpoint itself
    ASSERT_TRUE(v2.ok()) << v2.status().ToString();
    EXPECT_EQ((*v2)->files().size(), 1u);
    EXPECT_EQ((*v2)->metadata().configuration.at("delta.checkpointInterval"), "2");
  }

  const std::string gap = "log_only_and_negative/versions-not-contiguous";
  auto g = OpenGolden(gap)->Latest();
  ASSERT_FALSE(g.ok());
  EXPECT_TRUE(g.status().IsDataLoss());
  EXPECT_EQ(g.status().message(),
            fmt::format("delta: {}: log versions not contiguous: version 1 is missing (after 0 "
                        "comes 2)",
                        Golden(gap)));

  const std::string bad = "log_only_and_negative/deltalog-invalid-protocol-version";
  auto p = OpenGolden(bad)->Latest();
  ASSERT_FALSE(p.ok());
  ExpectRefused(p.status(), bad);
  EXPECT_NE(p.status().message().find("reader version 99"), std::string::npos);
}

// A garbled, stale or dangling _last_checkpoint never stops a read (copies in a temp dir).
TEST(GoldenTableTest, BadLastCheckpointFallsBackToListing) {
  char tmpl[] = "/tmp/fl_delta_golden.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path dir(tmpl);
  fs::copy(Golden("log_only_and_negative/corrupted-last-checkpoint"), dir / "t",
           fs::copy_options::recursive);
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  }
  const fs::path lc = dir / "t/_delta_log/_last_checkpoint";
  for (const char* content :
       {"{\"version\":10,\"si", "", "\x00\xff garbage", "{\"version\":99,\"size\":3}",
        "{\"version\":3,\"size\":3}", "[1,2,3]"}) {
    SCOPED_TRACE(content);
    {
      std::ofstream out(lc, std::ios::trunc | std::ios::binary);
      out << content;
    }
    auto s = Table::Open(io::PosixFileSystem(), (dir / "t").string())->Latest();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ((*s)->version(), DeltaVersion(10));
    EXPECT_EQ((*s)->files().size(), 11u);
  }
  fs::remove(lc);
  auto s = Table::Open(io::PosixFileSystem(), (dir / "t").string())->Latest();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->files().size(), 11u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace financelake::delta
