#include "financelake/io/path.h"

#include <gtest/gtest.h>

namespace financelake::io {
namespace {

TEST(PathTest, JoinPath) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "/b"), "a/b");
  EXPECT_EQ(JoinPath("/", "b"), "/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
  EXPECT_EQ(JoinPath("", "/b"), "/b");
  EXPECT_EQ(JoinPath("a", ""), "a");
  EXPECT_EQ(JoinPath("/t/_delta_log", "00000.json"), "/t/_delta_log/00000.json");
}

TEST(PathTest, DirName) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("/a/b"), "/a");
  EXPECT_EQ(DirName("/a"), "/");
  EXPECT_EQ(DirName("a"), "");
  EXPECT_EQ(DirName("/"), "/");
  EXPECT_EQ(DirName(""), "");
  EXPECT_EQ(DirName("a/b/"), "a");
  EXPECT_EQ(DirName("a//b"), "a");
}

TEST(PathTest, BaseName) {
  EXPECT_EQ(BaseName("a/b/c"), "c");
  EXPECT_EQ(BaseName("a/b/"), "b");
  EXPECT_EQ(BaseName("c"), "c");
  EXPECT_EQ(BaseName("/c"), "c");
  EXPECT_EQ(BaseName("/"), "");
  EXPECT_EQ(BaseName(""), "");
}

TEST(PathTest, DirNameAndBaseNameRejoin) {
  for (const char* p : {"a/b/c", "/a/b", "/a", "a"}) {
    EXPECT_EQ(JoinPath(DirName(p), BaseName(p)), p) << p;
  }
}

TEST(PathTest, NormalizePath) {
  EXPECT_EQ(NormalizePath("a//./b/../c/"), "a/c");
  EXPECT_EQ(NormalizePath("/t/./part=x//f.parquet"), "/t/part=x/f.parquet");
  EXPECT_EQ(NormalizePath("/.."), "/");
  EXPECT_EQ(NormalizePath("/"), "/");
  EXPECT_EQ(NormalizePath("../a"), "../a");
  EXPECT_EQ(NormalizePath("a/../.."), "..");
  EXPECT_EQ(NormalizePath("."), ".");
  EXPECT_EQ(NormalizePath(""), ".");
  EXPECT_EQ(NormalizePath("a/b"), "a/b");
}

}  // namespace
}  // namespace financelake::io
