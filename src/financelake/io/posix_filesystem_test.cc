// POSIX-only behaviour; the shared behaviour is in filesystem_test.cc and friends.
#include "financelake/io/posix_filesystem.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "financelake/io/filesystem_test_env.h"
#include "financelake/io/path.h"

namespace financelake::io::testing {
namespace {

using Names = std::vector<std::string>;

class PosixFileSystemTest : public FileSystemTest<PosixEnv> {};

TEST_F(PosixFileSystemTest, IsASingleton) {
  EXPECT_EQ(PosixFileSystem(), PosixFileSystem());
}

TEST_F(PosixFileSystemTest, AppendsAreBufferedUntilSync) {
  const std::string path = P("buffered");
  FL_IO_ASSERT_OK_AND_ASSIGN(auto file, fs().NewWritableFile(path));
  FL_IO_ASSERT_OK(file->Append("small"));
  EXPECT_EQ(Read(path), "");  // still in the 1 MiB buffer
  FL_IO_ASSERT_OK(file->Sync());
  EXPECT_EQ(Read(path), "small");
  FL_IO_ASSERT_OK(file->Append(std::string(2 << 20, 'x')));  // bigger than the buffer
  FL_IO_ASSERT_OK_AND_ASSIGN(FileInfo info, fs().Stat(path));
  EXPECT_EQ(info.size, 5u + (2 << 20));
  FL_IO_ASSERT_OK(file->Close());
}

TEST_F(PosixFileSystemTest, LinkFallbackForRenameNoReplace) {
  FL_IO_ASSERT_OK(Write(P("a"), "mine"));
  FL_IO_ASSERT_OK(Write(P("b"), "theirs"));
  const Status conflict = internal::RenameNoReplaceByLink(P("a"), P("b"));
  EXPECT_TRUE(conflict.IsAlreadyExists()) << conflict.ToString();
  EXPECT_EQ(conflict.message(),
            "io: rename (no replace) " + P("a") + " -> " + P("b") + ": File exists");
  EXPECT_EQ(Read(P("a")), "mine");
  EXPECT_EQ(Read(P("b")), "theirs");

  FL_IO_ASSERT_OK(internal::RenameNoReplaceByLink(P("a"), P("c")));
  EXPECT_EQ(Read(P("c")), "mine");
  EXPECT_EQ(ListNames(P("")), (Names{"b", "c"}));
  EXPECT_TRUE(internal::RenameNoReplaceByLink(P("a"), P("d")).IsNotFound());
  // Directories (found by a review: link() refuses them, so model folders could not be
  // published on a filesystem without renameat2).
  FL_IO_ASSERT_OK(fs().CreateDirs(P("d1")));
  FL_IO_ASSERT_OK(Write(P("d1/x"), "mine"));
  FL_IO_ASSERT_OK(fs().CreateDirs(P("d2")));
  FL_IO_ASSERT_OK(Write(P("d2/y"), "theirs"));
  EXPECT_TRUE(internal::RenameNoReplaceByLink(P("d1"), P("d2")).IsAlreadyExists());
  EXPECT_EQ(Read(P("d2/y")), "theirs");
  FL_IO_ASSERT_OK(internal::RenameNoReplaceByLink(P("d1"), P("d3")));
  EXPECT_EQ(Read(P("d3/x")), "mine");
}

TEST_F(PosixFileSystemTest, ErrorsCarryTheErrnoText) {
  FL_IO_ASSERT_OK(Write(P("file"), "x"));
  const std::string path = P("file/child");
  const Status st = fs().NewWritableFile(path).status();
  EXPECT_TRUE(st.IsIOError()) << st.ToString();
  EXPECT_EQ(st.message(), "io: open " + path + ": Not a directory");
}

TEST_F(PosixFileSystemTest, DeleteDirRecursiveDoesNotFollowSymlinks) {
  FL_IO_ASSERT_OK(fs().CreateDirs(P("outside")));
  FL_IO_ASSERT_OK(Write(P("outside/precious"), "keep me"));
  FL_IO_ASSERT_OK(fs().CreateDirs(P("doomed")));
  ASSERT_EQ(::symlink(P("outside").c_str(), P("doomed/link").c_str()), 0);
  FL_IO_ASSERT_OK(fs().DeleteDirRecursive(P("doomed")));
  EXPECT_EQ(ListNames(P("")), Names{"outside"});
  EXPECT_EQ(Read(P("outside/precious")), "keep me");
}

TEST_F(PosixFileSystemTest, ListDirSkipsDanglingSymlinks) {
  ASSERT_EQ(::symlink(P("nowhere").c_str(), P("dangling").c_str()), 0);
  FL_IO_ASSERT_OK(Write(P("real"), "x"));
  EXPECT_EQ(ListNames(P("")), Names{"real"});
}

TEST_F(PosixFileSystemTest, CanonicalResolvesLinksAndRelativePaths) {
  FL_IO_ASSERT_OK(fs().CreateDirs(P("real/sub")));
  ASSERT_EQ(::symlink(P("real").c_str(), P("link").c_str()), 0);
  FL_IO_ASSERT_OK(Write(P("real/sub/f"), "x"));
  FL_IO_ASSERT_OK_AND_ASSIGN(std::string real, fs().Canonical(P("real/sub/f")));
  EXPECT_EQ(real.front(), '/');
  EXPECT_EQ(*fs().Canonical(P("link/sub/f")), real);
  EXPECT_EQ(*fs().Canonical(P("link/./sub/../sub//f")), real);
  // A path that does not exist (yet) keeps its missing part, the rest resolved.
  EXPECT_EQ(*fs().Canonical(P("link/sub/missing/g")), DirName(real) + "/missing/g");
  FL_IO_ASSERT_OK_AND_ASSIGN(std::string here, fs().Canonical("."));
  EXPECT_EQ(*fs().Canonical("no-such-entry"), JoinPath(here, "no-such-entry"));
}

TEST_F(PosixFileSystemTest, EmptyPathIsTheCurrentDirectory) {
  // DirName("file") is "", so SyncDir(DirName(relative)) must work.
  FL_IO_ASSERT_OK(fs().SyncDir(""));
  FL_IO_ASSERT_OK_AND_ASSIGN(FileInfo info, fs().Stat(""));
  EXPECT_TRUE(info.is_dir);
}

TEST_F(PosixFileSystemTest, NegativeAndSubsecondMtimes) {
  FL_IO_ASSERT_OK(Write(P("m"), "x"));
  for (int64_t mtime : {int64_t{-1500}, int64_t{0}, int64_t{1}, int64_t{1700000000999}}) {
    FL_IO_ASSERT_OK(fs().SetMtime(P("m"), mtime));
    FL_IO_ASSERT_OK_AND_ASSIGN(FileInfo info, fs().Stat(P("m")));
    EXPECT_EQ(info.mtime_ms, mtime);
  }
}

}  // namespace
}  // namespace financelake::io::testing
