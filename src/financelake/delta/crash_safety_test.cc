// Crash safety: every write, rename, sync, create or delete that an append (or a checkpoint)
// makes is failed in turn. Afterwards the table must read exactly as of the last successful
// commit, and retrying the same exactly-once append must land its rows once.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "financelake/columnar/expr.h"
#include "financelake/columnar/text_values.h"
#include "financelake/delta/log.h"
#include "financelake/delta/operations.h"
#include "financelake/io/fault_injecting_filesystem.h"
#include "financelake/io/memory_filesystem.h"

namespace financelake::delta {
namespace {

using columnar::Column;
using columnar::DataType;
using columnar::RecordBatch;
using columnar::Schema;
using columnar::Value;
using io::FaultOp;

const Schema& TestSchema() {
  static const Schema schema({{"id", DataType::Long(), true},
                              {"name", DataType::String(), true},
                              {"part", DataType::String(), true}});
  return schema;
}

// Rows in two partitions ("odd", "even"), or in `parts` of them ("p00", "p01", ...).
RecordBatch Rows(int64_t first, int64_t n, int parts = 2) {
  std::vector<Column> cols;
  for (const auto& f : TestSchema().fields()) cols.emplace_back(f.type);
  for (int64_t i = first; i < first + n; ++i) {
    cols[0].AppendValue(Value::Int(i));
    cols[1].AppendValue(Value::Bytes("name-" + std::to_string(i)));
    cols[2].AppendValue(
        Value::Bytes(parts == 2 ? (i % 2 ? "odd" : "even") : fmt::format("p{:02d}", i % parts)));
  }
  return RecordBatch::Make(TestSchema(), std::move(cols)).value();
}

// The rows a fresh reader sees (no cache, no faults), sorted.
std::vector<std::string> FreshRows(const std::shared_ptr<io::FileSystem>& fs) {
  auto table = Table::Open(fs, "/t");
  auto snap = table->Latest();
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  if (!snap.ok()) return {"<unreadable>"};
  auto batch = table->Scan(**snap, ScanOptions{});
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  if (!batch.ok()) return {"<unreadable>"};
  std::vector<std::string> out;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    std::string line;
    columnar::AppendJsonRow(*batch, r, &line);
    out.push_back(std::move(line));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Union(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  return a;
}

struct Env {
  std::shared_ptr<io::MemoryFileSystem> mem = std::make_shared<io::MemoryFileSystem>();
  std::shared_ptr<io::FaultInjectingFileSystem> faulty =
      std::make_shared<io::FaultInjectingFileSystem>(mem);
};

// A partitioned table with `commits` commits (create + appends of 2 rows), built without faults.
Env MakeTable(int commits) {
  Env env;
  auto table = Table::Open(env.mem, "/t");
  CreateOptions options;
  options.partition_columns = {"part"};
  EXPECT_TRUE(CreateTable(*table, TestSchema(), options).ok());
  for (int i = 1; i < commits; ++i) EXPECT_TRUE(Append(*table, Rows(i * 100, 2)).ok());
  return env;
}

constexpr FaultOp kOps[] = {FaultOp::kWrite, FaultOp::kRename, FaultOp::kSync, FaultOp::kCreate,
                            FaultOp::kDelete};

// For every op and every n: fail the n-th call of op during an exactly-once append of
// `row_count` rows in `parts` partitions (at version `commits`, so a checkpoint is part of it when
// that is a multiple of 10). More than 8 partitions are synced together at the end
// (data_writer.cc).
void CheckEveryFailedAppend(int commits, int64_t row_count = 3, int parts = 2) {
  for (FaultOp op : kOps) {
    int injected = 0;
    for (int n = 1;; ++n) {
      SCOPED_TRACE(::testing::Message() << io::FaultOpName(op) << " #" << n);
      Env env = MakeTable(commits);
      const auto before = FreshRows(env.mem);
      const auto added = [&] {
        std::vector<std::string> rows;
        RecordBatch b = Rows(7000, row_count, parts);
        for (int64_t r = 0; r < b.num_rows(); ++r) {
          std::string line;
          columnar::AppendJsonRow(b, r, &line);
          rows.push_back(line);
        }
        return rows;
      }();
      env.faulty->FailNth(op, n);
      auto writer = Table::Open(env.faulty, "/t");
      auto first = Append(*writer, Rows(7000, row_count, parts), TxnId{"job", 1});
      const bool triggered = env.faulty->Count(op) >= n;
      env.faulty->Reset();
      if (!triggered) {
        ASSERT_TRUE(first.ok()) << first.status().ToString();
        // The calls failed in turn included the checkpoint's when the append makes one.
        const std::string checkpoint =
            fmt::format("/t/_delta_log/{:020d}.checkpoint.parquet", commits);
        EXPECT_EQ(env.mem->Exists(checkpoint).value(), commits % 10 == 0) << checkpoint;
        break;  // the append makes fewer than n such calls: every one has been failed
      }
      ++injected;
      EXPECT_EQ(FreshRows(env.mem), first.ok() ? Union(before, added) : before)
          << (first.ok() ? "ok" : first.status().ToString());
      auto retry =
          Append(*Table::Open(env.faulty, "/t"), Rows(7000, row_count, parts), TxnId{"job", 1});
      ASSERT_TRUE(retry.ok()) << retry.status().ToString();
      EXPECT_EQ(retry->skipped, first.ok());
      EXPECT_EQ(FreshRows(env.mem), Union(before, added));
      auto snap = Table::Open(env.mem, "/t")->Latest();
      ASSERT_TRUE(snap.ok());
      EXPECT_EQ((*snap)->version().value(), commits);
      EXPECT_EQ((*snap)->TxnVersion("job"), 1);
    }
    // An append writes, syncs, creates and renames; it deletes nothing.
    if (op != FaultOp::kDelete) {
      EXPECT_GE(injected, 1) << io::FaultOpName(op);
    }
    std::printf("[ info     ] %s: %d calls failed in turn\n",
                std::string(io::FaultOpName(op)).c_str(), injected);
  }
}

TEST(CrashSafetyTest, FailedAppendsLeaveTheLastCommitAndRetryExactlyOnce) {
  CheckEveryFailedAppend(3);
}

TEST(CrashSafetyTest, FailedAppendsOfManyPartitionsLeaveTheLastCommitAndRetryExactlyOnce) {
  CheckEveryFailedAppend(3, 24, 12);
}

TEST(CrashSafetyTest, FailedCheckpointDuringAnAppendNeverBreaksTheTable) {
  CheckEveryFailedAppend(10);  // the append commits version 10 and checkpoints it
}

TEST(CrashSafetyTest, FailedExplicitCheckpointLeavesAReadableTable) {
  for (FaultOp op : kOps) {
    for (int n = 1;; ++n) {
      SCOPED_TRACE(::testing::Message() << io::FaultOpName(op) << " #" << n);
      Env env = MakeTable(5);
      const auto before = FreshRows(env.mem);
      env.faulty->FailNth(op, n);
      auto cp = Checkpoint(*Table::Open(env.faulty, "/t"));
      const bool triggered = env.faulty->Count(op) >= n;
      env.faulty->Reset();
      if (!triggered) {
        ASSERT_TRUE(cp.ok()) << cp.status().ToString();
        break;
      }
      EXPECT_EQ(FreshRows(env.mem), before);
      auto last = ReadLastCheckpoint(*env.mem, "/t");
      if (last.ok()) {
        EXPECT_EQ(last->version.value(), 4);
        EXPECT_TRUE(*env.mem->Exists("/t/_delta_log/00000000000000000004.checkpoint.parquet"));
      }
      // Without the commits, only a complete checkpoint can rebuild the table.
      auto again = Checkpoint(*Table::Open(env.faulty, "/t"));
      ASSERT_TRUE(again.ok()) << again.status().ToString();
      for (int v = 0; v <= 4; ++v) {
        ASSERT_TRUE(env.mem->Delete("/t/_delta_log/" + std::string(20 - 1, '0') +
                                    std::to_string(v) + ".json").ok());
      }
      EXPECT_EQ(FreshRows(env.mem), before);
    }
  }
}

// Copy-on-write operations under the same faults: all or nothing.
TEST(CrashSafetyTest, FailedDeleteAndOptimizeChangeNothing) {
  for (const bool optimize : {false, true}) {
    for (FaultOp op : kOps) {
      for (int n = 1;; ++n) {
        SCOPED_TRACE(::testing::Message() << (optimize ? "optimize " : "delete ")
                                          << io::FaultOpName(op) << " #" << n);
        Env env = MakeTable(6);
        const auto before = FreshRows(env.mem);
        auto expected = before;
        if (!optimize) {
          std::erase_if(expected, [](const std::string& r) { return r.find("\"id\":3") != std::string::npos; });
        }
        env.faulty->FailNth(op, n);
        auto table = Table::Open(env.faulty, "/t");
        Result<WriteOutcome> r = Status::Internal("unset");
        if (optimize) {
          r = Optimize(*table);
        } else {
          auto where = columnar::Expr::Parse("id >= 300 AND id < 400", TestSchema());
          ASSERT_TRUE(where.ok());
          r = DeleteWhere(*table, *where);
        }
        const bool triggered = env.faulty->Count(op) >= n;
        env.faulty->Reset();
        if (!triggered) {
          ASSERT_TRUE(r.ok()) << r.status().ToString();
          break;
        }
        EXPECT_EQ(FreshRows(env.mem), r.ok() ? expected : before)
            << (r.ok() ? "ok" : r.status().ToString());
        const int64_t version = Table::Open(env.mem, "/t")->Latest().value()->version().value();
        EXPECT_EQ(version, r.ok() ? 6 : 5);
      }
    }
  }
}

}  // namespace
}  // namespace financelake::delta
