// Behaviour every FileSystem must have, for files: run against POSIX and memory.
#include <gtest/gtest.h>

#include <string>

#include "financelake/io/filesystem_test_env.h"

namespace financelake::io::testing {
namespace {

template <typename Env>
class FileTest : public FileSystemTest<Env> {};
TYPED_TEST_SUITE(FileTest, AllEnvs, EnvNames);

TYPED_TEST(FileTest, WriteThenReadWholeFile) {
  const std::string path = this->P("a.txt");
  FL_IO_ASSERT_OK_AND_ASSIGN(auto file, this->fs().NewWritableFile(path));
  EXPECT_EQ(file->path(), path);
  FL_IO_ASSERT_OK(file->Append("hello "));
  FL_IO_ASSERT_OK(file->Append(""));
  FL_IO_ASSERT_OK(file->Append("world"));
  EXPECT_EQ(file->size(), 11u);
  FL_IO_ASSERT_OK(file->Sync());
  FL_IO_ASSERT_OK(file->Close());
  EXPECT_EQ(this->Read(path), "hello world");
}

TYPED_TEST(FileTest, NewWritableFileTruncates) {
  const std::string path = this->P("a.txt");
  FL_IO_ASSERT_OK(this->Write(path, "a long first version"));
  FL_IO_ASSERT_OK(this->Write(path, "short"));
  EXPECT_EQ(this->Read(path), "short");
}

TYPED_TEST(FileTest, EmptyFile) {
  const std::string path = this->P("empty");
  FL_IO_ASSERT_OK(this->Write(path, ""));
  EXPECT_EQ(this->Read(path), "");
  FL_IO_ASSERT_OK_AND_ASSIGN(FileInfo info, this->fs().Stat(path));
  EXPECT_EQ(info.size, 0u);
}

TYPED_TEST(FileTest, LargeWriteAcrossBufferBoundaries) {
  // Several MiB in odd-sized pieces, some bigger than the POSIX 1 MiB buffer.
  std::string expected;
  const std::string path = this->P("big.bin");
  FL_IO_ASSERT_OK_AND_ASSIGN(auto file, this->fs().NewWritableFile(path));
  for (size_t piece : {size_t{1}, size_t{700000}, size_t{3 << 20}, size_t{123}, size_t{1 << 20}}) {
    std::string chunk(piece, '\0');
    for (size_t i = 0; i < piece; ++i) chunk[i] = static_cast<char>((expected.size() + i) * 7);
    FL_IO_ASSERT_OK(file->Append(chunk));
    expected += chunk;
  }
  EXPECT_EQ(file->size(), expected.size());
  FL_IO_ASSERT_OK(file->Close());
  const std::string got = this->Read(path);
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
}

TYPED_TEST(FileTest, AppendAfterCloseFails) {
  FL_IO_ASSERT_OK_AND_ASSIGN(auto file, this->fs().NewWritableFile(this->P("a")));
  FL_IO_ASSERT_OK(file->Close());
  FL_IO_ASSERT_OK(file->Close());  // idempotent
  const Status st = file->Append("x");
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find(this->P("a")), std::string::npos) << st.ToString();
  EXPECT_FALSE(file->Sync().ok());
}

TYPED_TEST(FileTest, DestructorClosesAndKeepsData) {
  const std::string path = this->P("a");
  {
    FL_IO_ASSERT_OK_AND_ASSIGN(auto file, this->fs().NewWritableFile(path));
    FL_IO_ASSERT_OK(file->Append("kept"));
  }
  EXPECT_EQ(this->Read(path), "kept");
}

TYPED_TEST(FileTest, RandomAccessReads) {
  const std::string path = this->P("r.bin");
  FL_IO_ASSERT_OK(this->Write(path, "0123456789"));
  FL_IO_ASSERT_OK_AND_ASSIGN(auto file, this->fs().NewRandomAccessFile(path));
  EXPECT_EQ(file->path(), path);
  FL_IO_ASSERT_OK_AND_ASSIGN(uint64_t size, file->Size());
  EXPECT_EQ(size, 10u);
  uint8_t buf[4];
  FL_IO_ASSERT_OK(file->ReadAt(3, 4, buf));
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), 4), "3456");
  FL_IO_ASSERT_OK_AND_ASSIGN(std::string tail, file->ReadAt(6, 4));
  EXPECT_EQ(tail, "6789");
  FL_IO_ASSERT_OK_AND_ASSIGN(std::string none, file->ReadAt(10, 0));
  EXPECT_EQ(none, "");
}

TYPED_TEST(FileTest, ReadAtPastEndNamesTheFile) {
  const std::string path = this->P("short.bin");
  FL_IO_ASSERT_OK(this->Write(path, "0123456789"));
  FL_IO_ASSERT_OK_AND_ASSIGN(auto file, this->fs().NewRandomAccessFile(path));
  for (uint64_t offset : {uint64_t{8}, uint64_t{10}, uint64_t{1000}}) {
    Result<std::string> r = file->ReadAt(offset, 4);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange) << r.status().ToString();
    EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find("size 10"), std::string::npos) << r.status().ToString();
  }
}

TYPED_TEST(FileTest, OpenMissingFileIsNotFoundNamingThePath) {
  const std::string path = this->P("missing");
  const Status open = this->fs().NewRandomAccessFile(path).status();
  EXPECT_TRUE(open.IsNotFound()) << open.ToString();
  EXPECT_EQ(open.message(), "io: open " + path + ": No such file or directory");
  const Status read = this->fs().ReadFile(path).status();
  EXPECT_TRUE(read.IsNotFound()) << read.ToString();
  EXPECT_NE(read.message().find(path), std::string::npos);
  const Status stat = this->fs().Stat(path).status();
  EXPECT_TRUE(stat.IsNotFound()) << stat.ToString();
  EXPECT_NE(stat.message().find(path), std::string::npos);
}

TYPED_TEST(FileTest, CreateInMissingDirectoryIsNotFound) {
  const std::string path = this->P("no/such/dir/file");
  const Status st = this->fs().NewWritableFile(path).status();
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_NE(st.message().find(path), std::string::npos);
}

TYPED_TEST(FileTest, DirectoryIsNotAFile) {
  FL_IO_ASSERT_OK(this->fs().CreateDirs(this->P("d")));
  EXPECT_TRUE(this->fs().NewWritableFile(this->P("d")).status().IsIOError());
  EXPECT_TRUE(this->fs().NewRandomAccessFile(this->P("d")).status().IsIOError());
  EXPECT_TRUE(this->fs().ReadFile(this->P("d")).status().IsIOError());
  const Status del = this->fs().Delete(this->P("d"));
  EXPECT_FALSE(del.ok());
  EXPECT_NE(del.message().find(this->P("d")), std::string::npos) << del.ToString();
}

TYPED_TEST(FileTest, StatAndExists) {
  const std::string path = this->P("s.txt");
  FL_IO_ASSERT_OK_AND_ASSIGN(bool before, this->fs().Exists(path));
  EXPECT_FALSE(before);
  FL_IO_ASSERT_OK(this->Write(path, "12345"));
  FL_IO_ASSERT_OK_AND_ASSIGN(bool after, this->fs().Exists(path));
  EXPECT_TRUE(after);
  FL_IO_ASSERT_OK_AND_ASSIGN(FileInfo info, this->fs().Stat(path));
  EXPECT_EQ(info.path, path);
  EXPECT_EQ(info.name, "s.txt");
  EXPECT_EQ(info.size, 5u);
  EXPECT_FALSE(info.is_dir);
  EXPECT_GT(info.mtime_ms, 1600000000000);  // after 2020

  FL_IO_ASSERT_OK_AND_ASSIGN(FileInfo dir, this->fs().Stat(this->P("")));
  EXPECT_TRUE(dir.is_dir);
  FL_IO_ASSERT_OK_AND_ASSIGN(bool under_file, this->fs().Exists(JoinPath(path, "x")));
  EXPECT_FALSE(under_file);
}

TYPED_TEST(FileTest, SetMtime) {
  const std::string path = this->P("m");
  FL_IO_ASSERT_OK(this->Write(path, "x"));
  FL_IO_ASSERT_OK(this->fs().SetMtime(path, 1700000000123));
  FL_IO_ASSERT_OK_AND_ASSIGN(FileInfo info, this->fs().Stat(path));
  EXPECT_EQ(info.mtime_ms, 1700000000123);
  FL_IO_ASSERT_OK(this->fs().SetMtime(this->P(""), 1600000000000));
  FL_IO_ASSERT_OK_AND_ASSIGN(FileInfo dir, this->fs().Stat(this->P("")));
  EXPECT_EQ(dir.mtime_ms, 1600000000000);
  EXPECT_TRUE(this->fs().SetMtime(this->P("missing"), 1).IsNotFound());
}

TYPED_TEST(FileTest, DeleteFile) {
  const std::string path = this->P("d.txt");
  FL_IO_ASSERT_OK(this->Write(path, "x"));
  FL_IO_ASSERT_OK(this->fs().Delete(path));
  FL_IO_ASSERT_OK_AND_ASSIGN(bool exists, this->fs().Exists(path));
  EXPECT_FALSE(exists);
  const Status again = this->fs().Delete(path);
  EXPECT_TRUE(again.IsNotFound()) << again.ToString();
  EXPECT_EQ(again.message(), "io: delete " + path + ": No such file or directory");
}

TYPED_TEST(FileTest, OpenReaderSurvivesDeleteAndRename) {
  // Inode semantics: an open file keeps its bytes when its name goes away.
  const std::string path = this->P("inode");
  FL_IO_ASSERT_OK(this->Write(path, "old bytes"));
  FL_IO_ASSERT_OK_AND_ASSIGN(auto reader, this->fs().NewRandomAccessFile(path));
  FL_IO_ASSERT_OK(this->Write(this->P("other"), "new bytes"));
  FL_IO_ASSERT_OK(this->fs().Rename(this->P("other"), path));
  FL_IO_ASSERT_OK_AND_ASSIGN(std::string got, reader->ReadAt(0, 9));
  EXPECT_EQ(got, "old bytes");
  EXPECT_EQ(this->Read(path), "new bytes");
}

}  // namespace
}  // namespace financelake::io::testing
