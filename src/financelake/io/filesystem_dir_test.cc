// Behaviour every FileSystem must have, for directories and renames: run against POSIX and
// memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "financelake/io/filesystem_test_env.h"

namespace financelake::io::testing {
namespace {

using Names = std::vector<std::string>;

template <typename Env>
class DirTest : public FileSystemTest<Env> {};
TYPED_TEST_SUITE(DirTest, AllEnvs, EnvNames);

TYPED_TEST(DirTest, SyncManyTakesFewOrManyPathsAndNamesOneThatIsNotThere) {
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("d")));
  std::vector<std::string> files;
  for (int i = 0; i < 20; ++i) {
    files.push_back(this->P("d/f" + std::to_string(i)));
    FL_IO_ASSERT_OK(this->Write(files.back(), "x"));
  }
  const std::vector<std::string> few(files.begin(), files.begin() + 2);
  FL_IO_ASSERT_OK(this->fs().SyncMany(few, {this->P("d")}));
  FL_IO_ASSERT_OK(this->fs().SyncMany(files, {this->P("d"), this->P("")}));
  FL_IO_ASSERT_OK(this->fs().SyncMany({}, {}));
  for (std::vector<std::string> paths : {few, files}) {
    const Status dir = this->fs().SyncMany(paths, {this->P("nodir")});
    EXPECT_NE(dir.message().find("nodir"), std::string::npos) << dir.ToString();
    paths.push_back(this->P("d/gone"));
    const Status st = this->fs().SyncMany(paths, {this->P("d")});
    EXPECT_TRUE(st.IsNotFound()) << st.ToString();
    EXPECT_NE(st.message().find("d/gone"), std::string::npos) << st.ToString();
  }
}

TYPED_TEST(DirTest, ListDirIsSortedByName) {
  for (const char* name : {"b.parquet", "a.json", "_delta_log", "c", "B", "00000.json"}) {
    FL_IO_ASSERT_OK(this->Write(this->P(name), name));
  }
  FL_IO_ASSERT_OK(this->fs().Delete(this->P("_delta_log")));
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("_delta_log/deeper")));
  FL_IO_ASSERT_OK(this->Write(this->P("_delta_log/x.json"), "x"));

  FL_IO_ASSERT_OK_AND_ASSIGN(std::vector<FileInfo> entries, this->fs().ListDir(this->P("")));
  Names names;
  for (const FileInfo& e : entries) names.push_back(e.name);
  EXPECT_EQ(names, (Names{"00000.json", "B", "_delta_log", "a.json", "b.parquet", "c"}));
  for (const FileInfo& e : entries) {
    EXPECT_EQ(e.path, this->P(e.name));
    EXPECT_EQ(e.is_dir, e.name == "_delta_log") << e.name;
    if (!e.is_dir) {
      EXPECT_EQ(e.size, e.name.size()) << e.name;
    }
  }
  EXPECT_EQ(this->ListNames(this->P("_delta_log")), (Names{"deeper", "x.json"}));
  EXPECT_EQ(this->ListNames(this->P("_delta_log/deeper")), Names{});
}

TYPED_TEST(DirTest, ListDirNamesMatchesListDirWithoutStats) {
  for (const char* name : {"b.parquet", "a.json", "c", "00000.json"}) {
    FL_IO_ASSERT_OK(this->Write(this->P(name), name));
  }
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("_delta_log")));
  FL_IO_ASSERT_OK_AND_ASSIGN(std::vector<FileInfo> full, this->fs().ListDir(this->P("")));
  FL_IO_ASSERT_OK_AND_ASSIGN(std::vector<FileInfo> names, this->fs().ListDirNames(this->P("")));
  ASSERT_EQ(names.size(), full.size());
  for (size_t i = 0; i < full.size(); ++i) {
    EXPECT_EQ(names[i].name, full[i].name);
    EXPECT_EQ(names[i].path, full[i].path);
    EXPECT_EQ(names[i].is_dir, full[i].is_dir) << full[i].name;
  }
  EXPECT_TRUE(this->fs().ListDirNames(this->P("missing")).status().IsNotFound());
}

TYPED_TEST(DirTest, ForEachDirNameVisitsEveryEntryOnceAndStopsAtAnError) {
  for (const char* name : {"b.parquet", "a.json", "c", "00000.json"}) {
    FL_IO_ASSERT_OK(this->Write(this->P(name), name));
  }
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("_delta_log")));
  std::vector<std::pair<std::string, bool>> seen;
  FL_IO_ASSERT_OK(this->fs().ForEachDirName(this->P(""), [&](std::string_view name, bool is_dir) {
    seen.emplace_back(std::string(name), is_dir);
    return Status::OK();
  }));
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, bool>>{{"00000.json", false},
                                                             {"_delta_log", true},
                                                             {"a.json", false},
                                                             {"b.parquet", false},
                                                             {"c", false}}));
  int calls = 0;
  const Status stop = this->fs().ForEachDirName(this->P(""), [&](std::string_view, bool) {
    return ++calls == 2 ? Status::Aborted("enough") : Status::OK();
  });
  EXPECT_EQ(stop.code(), StatusCode::kAborted) << stop.ToString();
  EXPECT_EQ(calls, 2);
  const Status missing = this->fs().ForEachDirName(
      this->P("missing"), [](std::string_view, bool) { return Status::OK(); });
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();
}

TYPED_TEST(DirTest, ListDirOfMissingOrFileFails) {
  const std::string missing = this->P("missing");
  const Status st = this->fs().ListDir(missing).status();
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_NE(st.message().find(missing), std::string::npos) << st.ToString();

  FL_IO_ASSERT_OK(this->Write(this->P("f"), "x"));
  const Status file = this->fs().ListDir(this->P("f")).status();
  EXPECT_TRUE(file.IsIOError()) << file.ToString();
  EXPECT_NE(file.message().find("Not a directory"), std::string::npos) << file.ToString();
}

TYPED_TEST(DirTest, CreateDirsMakesParentsAndIsIdempotent) {
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("a/b/c")));
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("a/b/c")));
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("a/b/c/")));
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("a")));
  FL_IO_ASSERT_OK_AND_ASSIGN(FileInfo info, this->fs().Stat(this->P("a/b")));
  EXPECT_TRUE(info.is_dir);
  EXPECT_EQ(info.name, "b");
  EXPECT_EQ(this->ListNames(this->P("a")), Names{"b"});
}

TYPED_TEST(DirTest, CreateDirsThroughAFileFails) {
  FL_IO_ASSERT_OK(this->Write(this->P("f"), "x"));
  const Status st = this->fs().CreateDirs(this->P("f/sub"));
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(this->P("f")), std::string::npos) << st.ToString();
  EXPECT_FALSE(this->fs().CreateDirs(this->P("f")).ok());
}

TYPED_TEST(DirTest, DeleteDirRecursive) {
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("t/_delta_log")));
  FL_IO_ASSERT_OK(this->Write(this->P("t/part-0.parquet"), "p"));
  FL_IO_ASSERT_OK(this->Write(this->P("t/_delta_log/0.json"), "j"));
  FL_IO_ASSERT_OK(this->Write(this->P("t2"), "sibling with a shared prefix"));
  FL_IO_ASSERT_OK(this->fs().DeleteDirRecursive(this->P("t")));
  EXPECT_EQ(this->ListNames(this->P("")), Names{"t2"});
  EXPECT_TRUE(this->fs().DeleteDirRecursive(this->P("t")).IsNotFound());
  EXPECT_FALSE(this->fs().DeleteDirRecursive(this->P("t2")).ok());
  EXPECT_EQ(this->Read(this->P("t2")), "sibling with a shared prefix");
}

TYPED_TEST(DirTest, RenameReplacesTarget) {
  FL_IO_ASSERT_OK(this->Write(this->P("from"), "new"));
  FL_IO_ASSERT_OK(this->Write(this->P("to"), "old"));
  FL_IO_ASSERT_OK(this->fs().Rename(this->P("from"), this->P("to")));
  EXPECT_EQ(this->Read(this->P("to")), "new");
  EXPECT_EQ(this->ListNames(this->P("")), Names{"to"});
}

TYPED_TEST(DirTest, RenameMissingSourceNamesBothPaths) {
  const std::string from = this->P("a");
  const std::string to = this->P("b");
  const Status st = this->fs().Rename(from, to);
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_EQ(st.message(), "io: rename " + from + " -> " + to + ": No such file or directory");
}

TYPED_TEST(DirTest, RenameIntoMissingDirectoryFails) {
  FL_IO_ASSERT_OK(this->Write(this->P("a"), "x"));
  EXPECT_TRUE(this->fs().Rename(this->P("a"), this->P("no/b")).IsNotFound());
  EXPECT_TRUE(this->fs().RenameNoReplace(this->P("a"), this->P("no/b")).IsNotFound());
  EXPECT_EQ(this->Read(this->P("a")), "x");
}

TYPED_TEST(DirTest, RenameNoReplaceConflictKeepsBothFiles) {
  const std::string from = this->P("from");
  const std::string to = this->P("to");
  FL_IO_ASSERT_OK(this->Write(from, "mine"));
  FL_IO_ASSERT_OK(this->Write(to, "theirs"));
  const Status st = this->fs().RenameNoReplace(from, to);
  EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
  EXPECT_NE(st.message().find(from + " -> " + to), std::string::npos) << st.ToString();
  EXPECT_EQ(this->Read(to), "theirs");
  EXPECT_EQ(this->Read(from), "mine");
}

TYPED_TEST(DirTest, RenameNoReplaceRaceHasExactlyOneWinner) {
  constexpr int kThreads = 8;
  for (int round = 0; round < 20; ++round) {
    const std::string to = this->P("target-" + std::to_string(round));
    std::vector<std::string> sources;
    for (int t = 0; t < kThreads; ++t) {
      sources.push_back(this->P("src-" + std::to_string(t)));
      FL_IO_ASSERT_OK(this->Write(sources.back(), sources.back()));
    }
    std::latch start(kThreads);
    std::vector<Status> results(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        results[t] = this->fs().RenameNoReplace(sources[t], to);
      });
    }
    for (std::thread& thread : threads) thread.join();
    int winners = 0;
    for (int t = 0; t < kThreads; ++t) {
      if (results[t].ok()) {
        ++winners;
        EXPECT_EQ(this->Read(to), sources[t]);
      } else {
        EXPECT_TRUE(results[t].IsAlreadyExists()) << results[t].ToString();
        EXPECT_EQ(this->Read(sources[t]), sources[t]);
        FL_IO_ASSERT_OK(this->fs().Delete(sources[t]));
      }
    }
    EXPECT_EQ(winners, 1) << "round " << round;
  }
}

TYPED_TEST(DirTest, RenameNoReplaceOntoDirectoryIsAlreadyExists) {
  FL_IO_ASSERT_OK(this->Write(this->P("from"), "mine"));
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("dir")));
  EXPECT_TRUE(this->fs().RenameNoReplace(this->P("from"), this->P("dir")).IsAlreadyExists());
}

TYPED_TEST(DirTest, RenameNoReplaceMovesWhenAbsent) {
  FL_IO_ASSERT_OK(this->Write(this->P("from"), "mine"));
  FL_IO_ASSERT_OK(this->fs().RenameNoReplace(this->P("from"), this->P("to")));
  EXPECT_EQ(this->Read(this->P("to")), "mine");
  EXPECT_EQ(this->ListNames(this->P("")), Names{"to"});
  EXPECT_TRUE(this->fs().RenameNoReplace(this->P("from"), this->P("x")).IsNotFound());
}

TYPED_TEST(DirTest, RenameDirectoryMovesItsContent) {
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("staging/sub")));
  FL_IO_ASSERT_OK(this->Write(this->P("staging/a"), "a"));
  FL_IO_ASSERT_OK(this->Write(this->P("staging/sub/b"), "b"));
  FL_IO_ASSERT_OK(this->fs().Rename(this->P("staging"), this->P("table")));
  EXPECT_EQ(this->ListNames(this->P("")), Names{"table"});
  EXPECT_EQ(this->ListNames(this->P("table")), (Names{"a", "sub"}));
  EXPECT_EQ(this->Read(this->P("table/sub/b")), "b");
}

TYPED_TEST(DirTest, RenameDirectoryOntoNonEmptyDirectoryFails) {
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("a")));
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("b")));
  FL_IO_ASSERT_OK(this->Write(this->P("b/keep"), "k"));
  EXPECT_FALSE(this->fs().Rename(this->P("a"), this->P("b")).ok());
  EXPECT_FALSE(this->fs().Rename(this->P("a"), this->P("a/inside")).ok());
  EXPECT_EQ(this->Read(this->P("b/keep")), "k");
}

TYPED_TEST(DirTest, SyncDir) {
  FL_IO_ASSERT_OK(this->fs().SyncDir(this->P("")));
  const Status st = this->fs().SyncDir(this->P("missing"));
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_NE(st.message().find(this->P("missing")), std::string::npos);
}

}  // namespace
}  // namespace financelake::io::testing
