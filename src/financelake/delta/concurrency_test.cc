// Concurrency: writers in several threads, each with its own Table object (as separate
// processes would have), append to one table on the local filesystem. Optimistic commits must
// give contiguous versions with every row exactly once.
#include <gtest/gtest.h>

#include <stdlib.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "financelake/delta/conflict.h"
#include "financelake/delta/log.h"
#include "financelake/delta/operations.h"
#include "financelake/io/posix_filesystem.h"

namespace financelake::delta {
namespace {

using columnar::Column;
using columnar::DataType;
using columnar::RecordBatch;
using columnar::Schema;
using columnar::Value;

constexpr int kThreads = 4;
constexpr int kAppendsPerThread = 50;
constexpr int kRowsPerAppend = 3;

const Schema& TestSchema() {
  static const Schema schema({{"id", DataType::Long(), false}, {"writer", DataType::Integer(), true}});
  return schema;
}

RecordBatch Rows(int writer, int append) {
  std::vector<Column> cols;
  for (const auto& f : TestSchema().fields()) cols.emplace_back(f.type);
  for (int r = 0; r < kRowsPerAppend; ++r) {
    cols[0].AppendValue(Value::Int((writer * kAppendsPerThread + append) * kRowsPerAppend + r));
    cols[1].AppendValue(Value::Int(writer));
  }
  return RecordBatch::Make(TestSchema(), std::move(cols)).value();
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "fl_delta_concurrency_XXXXXX";
    char* made = mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = tmpl;
  }
  ~TempDir() { (void)io::PosixFileSystem()->DeleteDirRecursive(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ConcurrencyTest, ThreadsAppendingToOneTableGetContiguousVersions) {
  TempDir dir;
  const std::string path = dir.path() + "/table";
  auto fs = io::PosixFileSystem();
  ASSERT_TRUE(CreateTable(*Table::Open(fs, path), TestSchema(), {}).ok());

  std::atomic<int> failures{0};
  std::atomic<int> retries{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      auto table = Table::Open(fs, path);
      for (int i = 0; i < kAppendsPerThread; ++i) {
        auto txn = Transaction::Start(*table);
        if (!txn.ok()) {
          ++failures;
          continue;
        }
        auto adds = (*txn)->WriteDataFiles(Rows(w, i));
        if (!adds.ok()) {
          ++failures;
          continue;
        }
        (*txn)->AddFiles(*adds);
        auto r = (*txn)->Commit("WRITE", Json::Object());
        if (!r.ok()) {
          ++failures;
          ADD_FAILURE() << r.status().ToString();
          continue;
        }
        retries += r->attempts - 1;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::printf("[ info     ] %d commits retried after losing a race\n", retries.load());

  constexpr int kCommits = kThreads * kAppendsPerThread;
  auto listing = ListLog(*fs, path);
  ASSERT_TRUE(listing.ok()) << listing.status().ToString();
  ASSERT_EQ(listing->commits.size(), static_cast<size_t>(kCommits + 1));
  for (int v = 0; v <= kCommits; ++v) EXPECT_EQ(listing->commits[v].version.value(), v);
  EXPECT_FALSE(listing->checkpoints.empty());  // every 10th commit checkpoints

  auto table = Table::Open(fs, path);
  auto snap = table->Latest();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->get()->version().value(), kCommits);
  auto batch = table->Scan(**snap, ScanOptions{});
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->num_rows(), kCommits * kRowsPerAppend);
  std::set<int64_t> ids;
  for (int64_t r = 0; r < batch->num_rows(); ++r) ids.insert(batch->column(0).GetValue(r).as_int());
  EXPECT_EQ(ids.size(), static_cast<size_t>(kCommits * kRowsPerAppend));
  EXPECT_EQ(*ids.begin(), 0);
  EXPECT_EQ(*ids.rbegin(), kCommits * kRowsPerAppend - 1);
}

TEST(ConcurrencyTest, ExactlyOnceWritersRacingWithTheSameTxnLandOnce) {
  TempDir dir;
  const std::string path = dir.path() + "/table";
  auto fs = io::PosixFileSystem();
  ASSERT_TRUE(CreateTable(*Table::Open(fs, path), TestSchema(), {}).ok());
  // Each batch version is offered by every thread; exactly one copy of each may land.
  constexpr int kBatches = 20;
  std::vector<std::thread> threads;
  std::atomic<int> landed{0};
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&] {
      auto table = Table::Open(fs, path);
      for (int b = 1; b <= kBatches; ++b) {
        auto r = Append(*table, Rows(0, b), TxnId{"stream", b});
        if (!r.ok()) {
          // Lost the race to another writer's commit of the same txn version.
          EXPECT_TRUE(r.status().IsAlreadyExists()) << r.status().ToString();
        } else if (!r->skipped) {
          ++landed;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(landed.load(), kBatches);
  auto table = Table::Open(fs, path);
  auto snap = table->Latest();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->TxnVersion("stream"), kBatches);
  auto batch = table->Scan(**snap, ScanOptions{});
  ASSERT_TRUE(batch.ok());
  EXPECT_EQ(batch->num_rows(), kBatches * kRowsPerAppend);
}

}  // namespace
}  // namespace financelake::delta
