// Test-only helpers for the io module's tests: the filesystems the typed behaviour tests run
// against, a fixture giving each test a fresh, empty root directory, and Status assertions.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "financelake/base/check.h"
#include "financelake/base/result.h"
#include "financelake/base/status.h"
#include "financelake/io/atomic_file.h"
#include "financelake/io/filesystem.h"
#include "financelake/io/memory_filesystem.h"
#include "financelake/io/path.h"
#include "financelake/io/posix_filesystem.h"

namespace financelake::io::testing {

inline const Status& StatusOf(const Status& st) {
  return st;
}
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

}  // namespace financelake::io::testing

#define FL_IO_ASSERT_OK(expr)                                      \
  do {                                                             \
    const auto& _fl_r = (expr);                                    \
    ASSERT_TRUE(::financelake::io::testing::StatusOf(_fl_r).ok())  \
        << ::financelake::io::testing::StatusOf(_fl_r).ToString(); \
  } while (false)

#define FL_IO_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                    \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();      \
  lhs = std::move(tmp).value()

#define FL_IO_ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  FL_IO_ASSERT_OK_AND_ASSIGN_IMPL(FL_CONCAT(_fl_test_result_, __LINE__), lhs, rexpr)

namespace financelake::io::testing {

// The local disk, in a fresh mkdtemp() directory removed (independently of the code under test)
// at the end.
struct PosixEnv {
  static constexpr const char* kName = "Posix";
  PosixEnv() : fs(PosixFileSystem()) {
    char tmpl[] = "/tmp/fl_io_test.XXXXXX";
    const char* dir = ::mkdtemp(tmpl);
    FL_CHECK(dir != nullptr);
    root = dir;
  }
  ~PosixEnv() {
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
  }
  std::shared_ptr<FileSystem> fs;
  std::string root;
};

// A fresh MemoryFileSystem, working below a non-root directory like the POSIX one does.
struct MemoryEnv {
  static constexpr const char* kName = "Memory";
  MemoryEnv() : fs(std::make_shared<MemoryFileSystem>()), root("/tmp/fl_io_test.mem") {
    FL_CHECK(fs->CreateDirs(root).ok());
  }
  std::shared_ptr<FileSystem> fs;
  std::string root;
};

using AllEnvs = ::testing::Types<PosixEnv, MemoryEnv>;

struct EnvNames {
  template <typename Env>
  static std::string GetName(int) {
    return Env::kName;
  }
};

template <typename Env>
class FileSystemTest : public ::testing::Test {
 protected:
  FileSystem& fs() { return *env_.fs; }
  std::shared_ptr<FileSystem> shared_fs() { return env_.fs; }
  // `rel` below the test's root directory.
  std::string P(std::string_view rel) const { return JoinPath(env_.root, rel); }

  // Creates or truncates `path` with `data`, through the WritableFile API.
  Status Write(const std::string& path, std::string_view data) {
    FL_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs().NewWritableFile(path));
    FL_RETURN_NOT_OK(file->Append(data));
    return file->Close();
  }

  // Content of `path`, or "<error: ...>" so that mismatches print something useful.
  std::string Read(const std::string& path) {
    Result<std::string> r = fs().ReadFile(path);
    return r.ok() ? *r : "<error: " + r.status().ToString() + ">";
  }

  // Names in `dir`, in ListDir() order; a single "<error: ...>" entry on failure.
  std::vector<std::string> ListNames(const std::string& dir) {
    Result<std::vector<FileInfo>> r = fs().ListDir(dir);
    if (!r.ok()) return {"<error: " + r.status().ToString() + ">"};
    std::vector<std::string> names;
    for (const FileInfo& info : *r) names.push_back(info.name);
    return names;
  }

  // Names in `dir` that look like atomic_file.h temporaries.
  std::vector<std::string> TempFiles(const std::string& dir) {
    std::vector<std::string> temps;
    for (const std::string& name : ListNames(dir)) {
      if (IsTempFileName(name) || name.ends_with(".tmp")) temps.push_back(name);
    }
    return temps;
  }

  Env env_;
};

}  // namespace financelake::io::testing
