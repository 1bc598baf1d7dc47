// Test helpers for the pipeline stages: a scratch lake per test, and Bronze commits of payloads.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "financelake/columnar/record_batch.h"
#include "financelake/columnar/value.h"
#include "financelake/io/hooked_filesystem.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/bronze_batch.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/exactly_once_table.h"

namespace financelake::pipeline::testing {

using io::HookedFileSystem;

// Row `i` of `rows` from column `from` on, each cell as FormatValue prints it ("null" for a
// null; doubles shortest-exact), each followed by '|'.
inline std::string RowText(const columnar::RecordBatch& rows, int64_t i, size_t from = 0) {
  std::string line;
  for (size_t c = from; c < rows.num_columns(); ++c) {
    line += rows.column(c).IsNull(i)
                ? std::string("null")
                : columnar::FormatValue(rows.column(c).GetValue(i), rows.schema().field(c).type);
    line += "|";
  }
  return line;
}

// A fixture whose lake_ is an empty directory name unique to the test, removed afterwards.
class LakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lake_ = (std::filesystem::temp_directory_path() /
             ("fl-lake-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    std::filesystem::remove_all(lake_);
  }
  void TearDown() override { std::filesystem::remove_all(lake_); }

  // Appends `payloads` to the Bronze table of `topic` as one commit (offsets continue from the
  // previous call for that topic; ingest time `ingest_us`).
  void AppendBronze(const std::string& topic, const std::vector<std::string>& payloads, int64_t ingest_us) {
    auto table = ExactlyOnceTable::OpenOrCreate(io::PosixFileSystem(), BronzeTablePath(lake_, topic), BronzeLayout());
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    BronzeBatchBuilder b;
    int64_t& next_offset = next_offsets_[topic];
    const int64_t from = next_offset - 1;
    for (const std::string& p : payloads) {
      BronzeRecord r;
      r.payload = p;
      r.topic = topic;
      r.partition = 0;
      r.offset = next_offset++;
      b.Append(r, ingest_us);
    }
    auto c = (*table)->Commit(b.Finish(), {{"test", from, next_offset - 1}}, "t");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ASSERT_TRUE(c->stale_app_ids.empty());
  }

  std::string lake_;
  std::map<std::string, int64_t> next_offsets_;  // per topic
};

}  // namespace financelake::pipeline::testing
