// PublishModelDir: a version directory appears whole or not at all, also when several writers
// publish the same version at once (two `train` runs of one lake), and a damaged copy is
// replaced.
#include "financelake/ml/model_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "financelake/io/posix_filesystem.h"

namespace financelake::ml {
namespace {

class ModelDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (std::filesystem::temp_directory_path() /
             ("fl-model-dir-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // A model of a manifest and two larger files (so that a write takes a while).
  static std::vector<std::pair<std::string, std::string>> Files(int created_at) {
    return {{"weights.f32", std::string(1 << 20, 'w')},
            {"scaler.json", std::string(1 << 18, 's')},
            {"manifest.json",
             R"({"version":"v1","created_at_us":)" + std::to_string(created_at) + "}"}};
  }
  // The entries of root_ (hidden ones too).
  std::vector<std::string> Entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(root_)) {
      out.push_back(e.path().filename().string());
    }
    return out;
  }

  std::string root_;
};

TEST_F(ModelDirTest, WritersOfTheSameVersionAtOnceLeaveOneWholeCopy) {
  // Found by a hunt: every writer used ".v1.tmp", so one deleted another's half-written
  // directory and renamed what was left into place (a version without its weights).
  auto fs = io::PosixFileSystem();
  for (int round = 0; round < 20; ++round) {
    std::filesystem::remove_all(root_);
    std::vector<std::thread> writers;
    std::vector<Status> results(4);
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] { results[w] = PublishModelDir(*fs, root_, "v1", Files(w)); });
    }
    for (std::thread& t : writers) t.join();
    for (int w = 0; w < 4; ++w) ASSERT_TRUE(results[w].ok()) << results[w].ToString();
    const std::string dir = root_ + "/v1";
    ASSERT_EQ(std::filesystem::file_size(dir + "/weights.f32"), 1u << 20) << "round " << round;
    ASSERT_EQ(std::filesystem::file_size(dir + "/scaler.json"), 1u << 18) << "round " << round;
    ASSERT_TRUE(std::filesystem::exists(dir + "/manifest.json"));
    EXPECT_EQ(Entries(), std::vector<std::string>{"v1"}) << "a temporary directory was left";
  }
}

TEST_F(ModelDirTest, ADamagedCopyIsReplacedAnIntactOneKept) {
  auto fs = io::PosixFileSystem();
  ASSERT_TRUE(PublishModelDir(*fs, root_, "v1", Files(1)).ok());
  // Intact but for created_at_us: kept as it is (its first training time).
  ASSERT_TRUE(PublishModelDir(*fs, root_, "v1", Files(2)).ok());
  EXPECT_NE(fs->ReadFile(root_ + "/v1/manifest.json")->find("\"created_at_us\":1"),
            std::string::npos);
  // A file missing: written again.
  std::filesystem::remove(root_ + "/v1/weights.f32");
  ASSERT_TRUE(PublishModelDir(*fs, root_, "v1", Files(3)).ok());
  EXPECT_EQ(std::filesystem::file_size(root_ + "/v1/weights.f32"), 1u << 20);
  EXPECT_NE(fs->ReadFile(root_ + "/v1/manifest.json")->find("\"created_at_us\":3"),
            std::string::npos);
  EXPECT_EQ(Entries(), std::vector<std::string>{"v1"});
}

}  // namespace
}  // namespace financelake::ml
