#include "financelake/io/atomic_file.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "financelake/io/filesystem_test_env.h"

namespace financelake::io::testing {
namespace {

using Names = std::vector<std::string>;

template <typename Env>
class AtomicFileTest : public FileSystemTest<Env> {};
TYPED_TEST_SUITE(AtomicFileTest, AllEnvs, EnvNames);

TYPED_TEST(AtomicFileTest, WriteFileAtomicCreatesAndReplaces) {
  const std::string path = this->P("table.json");
  FL_IO_ASSERT_OK(WriteFileAtomic(this->fs(), path, "v1"));
  EXPECT_EQ(this->Read(path), "v1");
  FL_IO_ASSERT_OK(WriteFileAtomic(this->fs(), path, "version two"));
  EXPECT_EQ(this->Read(path), "version two");
  EXPECT_EQ(this->ListNames(this->P("")), Names{"table.json"});
}

TYPED_TEST(AtomicFileTest, WriteFileAtomicIntoMissingDirectoryNamesThePath) {
  const std::string path = this->P("missing/table.json");
  const Status st = WriteFileAtomic(this->fs(), path, "x");
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_EQ(st.message().rfind("io: atomic write " + path + ": ", 0), 0u) << st.ToString();
}

TYPED_TEST(AtomicFileTest, CreateFileIfAbsent) {
  const std::string path = this->P("00000000000000000001.json");
  FL_IO_ASSERT_OK(CreateFileIfAbsent(this->fs(), path, "first"));
  const Status st = CreateFileIfAbsent(this->fs(), path, "second");
  EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
  EXPECT_NE(st.message().find(path), std::string::npos) << st.ToString();
  EXPECT_EQ(this->Read(path), "first");
  EXPECT_EQ(this->TempFiles(this->P("")), Names{});
}

TYPED_TEST(AtomicFileTest, CreateFileIfAbsentRaceHasExactlyOneWinner) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 10;
  for (int round = 0; round < kRounds; ++round) {
    const std::string path = this->P("commit-" + std::to_string(round) + ".json");
    std::vector<Status> results(kThreads);
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        results[t] = CreateFileIfAbsent(this->fs(), path, "writer " + std::to_string(t));
      });
    }
    for (std::thread& thread : threads) thread.join();

    int winner = -1;
    for (int t = 0; t < kThreads; ++t) {
      if (results[t].ok()) {
        EXPECT_EQ(winner, -1) << "second winner " << t << " in round " << round;
        winner = t;
      } else {
        EXPECT_TRUE(results[t].IsAlreadyExists()) << results[t].ToString();
      }
    }
    ASSERT_NE(winner, -1) << "no winner in round " << round;
    EXPECT_EQ(this->Read(path), "writer " + std::to_string(winner));
  }
  EXPECT_EQ(this->TempFiles(this->P("")), Names{});
  EXPECT_EQ(this->ListNames(this->P("")).size(), static_cast<size_t>(kRounds));
}

TYPED_TEST(AtomicFileTest, ConcurrentWriteFileAtomicLeavesOneCompleteVersion) {
  constexpr int kThreads = 8;
  const std::string path = this->P("latest");
  // Big enough that a torn write would show.
  auto content = [](int t) { return std::string(256 * 1024, static_cast<char>('a' + t)); };
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      if (!WriteFileAtomic(this->fs(), path, content(t)).ok()) ++failures;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  const std::string got = this->Read(path);
  ASSERT_EQ(got.size(), content(0).size());
  EXPECT_EQ(got, content(got[0] - 'a'));
  EXPECT_EQ(this->TempFiles(this->P("")), Names{});
}

TEST(TempPathTest, NameLivesBesideTheTarget) {
  const std::string tmp = TempPathFor("/t/_delta_log/00001.json");
  EXPECT_EQ(DirName(tmp), "/t/_delta_log");
  const std::string name = BaseName(tmp);
  EXPECT_EQ(name.rfind(".00001.json.", 0), 0u) << name;
  EXPECT_TRUE(name.ends_with(".tmp")) << name;
  EXPECT_TRUE(IsTempFileName(name)) << name;
  EXPECT_NE(TempPathFor("/t/a"), TempPathFor("/t/a"));
  EXPECT_EQ(DirName(TempPathFor("a")), "");
}

TEST(TempPathTest, IsTempFileName) {
  EXPECT_TRUE(IsTempFileName(".a.0123456789abcdef.tmp"));
  EXPECT_FALSE(IsTempFileName("a.0123456789abcdef.tmp"));    // no leading dot
  EXPECT_FALSE(IsTempFileName("..0123456789abcdef.tmp"));    // no name
  EXPECT_FALSE(IsTempFileName(".a.0123456789abcdeg.tmp"));   // not hex
  EXPECT_FALSE(IsTempFileName(".a-0123456789abcdef.tmp"));   // no separator
  EXPECT_FALSE(IsTempFileName(".a.0123456789abcdef.json"));  // not .tmp
  EXPECT_FALSE(IsTempFileName("00000.json"));
}

}  // namespace
}  // namespace financelake::io::testing
