// MemoryFileSystem-only behaviour; the shared behaviour is in filesystem_test.cc and friends.
#include "financelake/io/memory_filesystem.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "financelake/io/filesystem_test_env.h"

namespace financelake::io::testing {
namespace {

using Names = std::vector<std::string>;

class MemoryFileSystemTest : public FileSystemTest<MemoryEnv> {};

TEST_F(MemoryFileSystemTest, PathsAreNormalised) {
  FL_IO_ASSERT_OK(fs().CreateDirs("/x//y/./z/"));
  FL_IO_ASSERT_OK(Write("x/y/z/../f", "data"));  // relative paths start at the root
  EXPECT_EQ(Read("/x/y/f"), "data");
  EXPECT_EQ(ListNames("/x/y"), (Names{"f", "z"}));
  EXPECT_EQ(ListNames("/"), (Names{"tmp", "x"}));
  EXPECT_EQ(ListNames(""), (Names{"tmp", "x"}));
  FL_IO_ASSERT_OK_AND_ASSIGN(auto entries, fs().ListDir("x//y"));
  EXPECT_EQ(entries[0].path, "x//y/f");  // paths are reported as the caller spelled them
}

TEST_F(MemoryFileSystemTest, AppendsAreVisibleAtOnce) {
  FL_IO_ASSERT_OK_AND_ASSIGN(auto file, fs().NewWritableFile(P("f")));
  FL_IO_ASSERT_OK(file->Append("now"));
  EXPECT_EQ(Read(P("f")), "now");
}

TEST_F(MemoryFileSystemTest, WriterKeepsItsFileAcrossRenameAndDelete) {
  FL_IO_ASSERT_OK_AND_ASSIGN(auto file, fs().NewWritableFile(P("a")));
  FL_IO_ASSERT_OK(file->Append("1"));
  FL_IO_ASSERT_OK(fs().Rename(P("a"), P("b")));
  FL_IO_ASSERT_OK(file->Append("2"));
  EXPECT_EQ(Read(P("b")), "12");
  FL_IO_ASSERT_OK_AND_ASSIGN(auto reader, fs().NewRandomAccessFile(P("b")));
  FL_IO_ASSERT_OK(fs().Delete(P("b")));
  FL_IO_ASSERT_OK(file->Append("3"));
  FL_IO_ASSERT_OK_AND_ASSIGN(std::string got, reader->ReadAt(0, 3));
  EXPECT_EQ(got, "123");
}

TEST_F(MemoryFileSystemTest, TruncationIsSeenByOpenReaders) {
  FL_IO_ASSERT_OK(Write(P("a"), "long content"));
  FL_IO_ASSERT_OK_AND_ASSIGN(auto reader, fs().NewRandomAccessFile(P("a")));
  FL_IO_ASSERT_OK(Write(P("a"), "s"));
  FL_IO_ASSERT_OK_AND_ASSIGN(uint64_t size, reader->Size());
  EXPECT_EQ(size, 1u);
  EXPECT_EQ(reader->ReadAt(0, 4).status().code(), StatusCode::kOutOfRange);
}

TEST_F(MemoryFileSystemTest, FileAsAncestorIsNotADirectory) {
  FL_IO_ASSERT_OK(Write(P("f"), "x"));
  const Status st = fs().Stat(P("f/a/b")).status();
  EXPECT_TRUE(st.IsIOError()) << st.ToString();
  EXPECT_EQ(st.message(), "io: stat " + P("f/a/b") + ": Not a directory");
  const Status open = fs().NewWritableFile(P("f/a")).status();
  EXPECT_EQ(open.message(), "io: open " + P("f/a") + ": Not a directory");
}

TEST_F(MemoryFileSystemTest, RootAlwaysExists) {
  FL_IO_ASSERT_OK(fs().DeleteDirRecursive("/"));
  EXPECT_EQ(ListNames("/"), Names{});
  FL_IO_ASSERT_OK(fs().SyncDir("/"));
  EXPECT_FALSE(fs().Rename("/", "/elsewhere").ok());
}

TEST_F(MemoryFileSystemTest, ConcurrentWritersOnDistinctFiles) {
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      const std::string dir = P("d" + std::to_string(t));
      EXPECT_TRUE(fs().CreateDirs(dir).ok());
      for (int i = 0; i < 50; ++i) {
        EXPECT_TRUE(WriteFileAtomic(fs(), JoinPath(dir, std::to_string(i)), "x").ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ListNames(P("")).size(), static_cast<size_t>(kThreads));
  EXPECT_EQ(ListNames(P("d3")).size(), 50u);
}

}  // namespace
}  // namespace financelake::io::testing
