#include "financelake/pipeline/source_ingest.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "financelake/columnar/value.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/table.h"
#include "financelake/io/fault_injecting_filesystem.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/bronze_batch.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/errors_table.h"
#include "financelake/pipeline/exactly_once_table.h"
#include "financelake/pipeline/stop_test_util.h"

namespace financelake::pipeline {
namespace {

class SourceIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lake_ = std::filesystem::temp_directory_path() /
            ("fl-source-ingest-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(lake_);
  }
  void TearDown() override { std::filesystem::remove_all(lake_); }

  SourceIngestOptions SimOptions(int count) {
    SourceIngestOptions o;
    o.lake = lake_.string();
    o.source.name = "sim";
    o.source.flags = {{"seed", "7"},
                      {"count", std::to_string(count)},
                      {"start", "2024-03-04T14:30:00Z"},
                      {"accounts", "50"}};
    o.flush.max_rows = 700;  // many commits
    return o;
  }

  // event_id -> times seen, over the three Bronze tables; and the offsets seen.
  void ReadBronze(std::map<std::string, int>* ids, std::set<int64_t>* offsets) {
    for (const char* topic : {"stock-trades", "crypto-prices", "bank-transactions"}) {
      auto table =
          delta::Table::Open(io::PosixFileSystem(), BronzeTablePath(lake_.string(), topic));
      auto snap = table->Latest();
      ASSERT_TRUE(snap.ok()) << snap.status().ToString();
      auto rows = table->Scan(**snap, {});
      ASSERT_TRUE(rows.ok()) << rows.status().ToString();
      const columnar::Column& id = rows->column(kEventId);
      const columnar::Column& off = rows->column(kOffset);
      const columnar::Column& t = rows->column(kTopic);
      for (int64_t i = 0; i < rows->num_rows(); ++i) {
        ASSERT_FALSE(id.IsNull(i));
        EXPECT_EQ(t.StringAt(i), topic);
        (*ids)[std::string(id.StringAt(i))]++;
        offsets->insert(off.ValueAt<int64_t>(i));
      }
    }
  }

  void ExpectExactly(int count) {
    std::map<std::string, int> ids;
    std::set<int64_t> offsets;
    ReadBronze(&ids, &offsets);
    EXPECT_EQ(ids.size(), static_cast<size_t>(count));
    for (const auto& [id, n] : ids)
      ASSERT_EQ(n, 1) << "event " << id << " is in Bronze " << n << " times";
    ASSERT_EQ(offsets.size(), static_cast<size_t>(count));
    EXPECT_EQ(*offsets.begin(), 1);
    EXPECT_EQ(*offsets.rbegin(), count);
  }

  std::filesystem::path lake_;
};

TEST_F(SourceIngestTest, SimCountLandsOnceAndARerunAddsNothing) {
  auto r = RunSourceIngest(SimOptions(5000));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_committed, 5000);
  EXPECT_GT(r->commits, 3);
  ExpectExactly(5000);
  auto again = RunSourceIngest(SimOptions(5000));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->rows_committed, 0);
  ExpectExactly(5000);
  // A longer run of the same stream continues after what is there.
  auto more = RunSourceIngest(SimOptions(6000));
  ASSERT_TRUE(more.ok()) << more.status().ToString();
  EXPECT_EQ(more->rows_committed, 1000);
  ExpectExactly(6000);
}

TEST_F(SourceIngestTest, StoppedRunsResumeExactlyOnce) {
  // Stop after 1, 2, 3, 4 commits (700 rows each), rerun each time: the union is every event
  // once.
  constexpr int kEvents = 8000;
  int64_t committed = 0;
  for (int stop_after = 1; stop_after <= 4; ++stop_after) {
    std::atomic<bool> stop{false};
    SourceIngestOptions o = SimOptions(kEvents);
    o.stop = &stop;
    int commits = 0;
    o.on_commit = [&](const IngestProgress&) {
      if (++commits >= stop_after) stop.store(true);
    };
    auto r = RunSourceIngest(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    // It committed stop_after micro-batches of --max-rows each, and stopped there.
    EXPECT_EQ(r->rows_committed, 700 * stop_after);
    committed += r->rows_committed;
    ASSERT_LT(committed, kEvents) << "the stop was not honoured";
  }
  auto rest = RunSourceIngest(SimOptions(kEvents));
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  EXPECT_EQ(rest->rows_committed, kEvents - committed);
  ExpectExactly(kEvents);
}

TEST_F(SourceIngestTest, FailuresAtAnyWriteStepLoseAndDuplicateNothing) {
  // The Nth write / rename / fsync fails (a full disk, a flaky mount): the flush is retried with
  // the source paused, the run finishes, and every event is there once.
  int64_t retries = 0;
  int count = 1000;
  for (io::FaultOp op : {io::FaultOp::kWrite, io::FaultOp::kRename, io::FaultOp::kSync}) {
    for (int nth : {2, 5, 9}) {
      count += 1500;  // each round adds new events, so every round has work to fail in
      auto fs = std::make_shared<io::FaultInjectingFileSystem>(io::PosixFileSystem());
      fs->FailNth(op, nth);
      SourceIngestOptions o = SimOptions(count);
      o.flush.max_rows = 200;
      o.fs = fs;
      o.retry_base_ms = 1;
      auto r = RunSourceIngest(o);
      ASSERT_TRUE(r.ok()) << io::FaultOpName(op) << " #" << nth << ": " << r.status().ToString();
      retries += r->commit_retries;
      ExpectExactly(count);
    }
  }
  // (A failed checkpoint after a landed commit is not an error: a few runs need no retry.)
  EXPECT_GE(retries, 6) << "the injected faults should have hit most runs";
}

TEST_F(SourceIngestTest, AFailureThatPersistsEndsTheRunAndARerunFinishes) {
  auto fs = std::make_shared<io::FaultInjectingFileSystem>(io::PosixFileSystem());
  SourceIngestOptions o = SimOptions(20000);  // a flush per 4096 events read
  o.fs = fs;
  o.retry_base_ms = 1;
  o.commit_retries = 3;
  int flushes = 0;
  o.on_commit = [&](const IngestProgress&) {
    if (++flushes == 1) fs->FailAlways(io::FaultOp::kRename);  // from the second flush on
  };
  auto r = RunSourceIngest(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError) << r.status().ToString();
  EXPECT_EQ(fs->Count(io::FaultOp::kRename) > 3, true) << "the commit was retried";
  EXPECT_EQ(flushes, 1);
  auto rest = RunSourceIngest(SimOptions(20000));
  ASSERT_TRUE(rest.ok()) << rest.status().ToString();
  ExpectExactly(20000);
}

TEST_F(SourceIngestTest, AStopDuringARetryPauseEndsItWithoutWaitingItOut) {
  // Ctrl-C while a failing commit waited for its next try slept the whole pause: the pause is
  // now cut short, the commit tried once more (a poller's events cannot be fetched again), and
  // the run ends with the error.
  testing::StopDuringFailingCommits faults;
  SourceIngestOptions o = SimOptions(20000);
  o.fs = faults.fs();
  o.retry_base_ms = 600000;  // ten minutes
  o.commit_retries = 3;
  std::atomic<bool> stop{false};
  o.stop = &stop;
  o.on_commit = faults.OnCommit();
  faults.StopAfterAFailure(&stop, std::chrono::milliseconds(100));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = RunSourceIngest(o);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError) << r.status().ToString();
  // Not a speed figure: the run ended long before the ten-minute pause would have.
  EXPECT_LT(took, std::chrono::minutes(5));
  EXPECT_EQ(faults.FailedTries(), 2) << "the failed try and one after the stop";
}

TEST_F(SourceIngestTest, RandomFaultsIncludingUnknownCommitOutcomesLoseAndDuplicateNothing) {
  // Random fsync and read failures: some commits land but report an error (the log directory
  // sync and the read-back both fail), so the retry finds its own commit there. Runs that fail
  // anyway (retries used up, a read failing at start) are rerun.
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    std::filesystem::remove_all(lake_);
    auto fs = std::make_shared<io::FaultInjectingFileSystem>(io::PosixFileSystem());
    fs->FailRandomly(io::FaultOp::kSync, 0.25, seed);
    fs->FailRandomly(io::FaultOp::kRead, 0.25, seed + 100);
    fs->FailRandomly(io::FaultOp::kRename, 0.03, seed + 200);
    SourceIngestOptions o = SimOptions(30000);  // 8 flushes of 3 tables
    o.fs = fs;
    o.retry_base_ms = 0;
    o.commit_retries = 100;
    int runs = 0;
    int64_t retries = 0;
    for (; runs < 30; ++runs) {
      auto r = RunSourceIngest(o);
      if (r.ok()) {
        retries += r->commit_retries;
        break;
      }
      // Only the injected I/O faults may end a run; never "another process is writing" (the
      // retry of a commit that did land must recognise its own txn).
      ASSERT_EQ(r.status().code(), StatusCode::kIOError)
          << "seed " << seed << ": " << r.status().ToString();
    }
    ASSERT_LT(runs, 30) << "seed " << seed << ": never finished";
    EXPECT_GT(retries, 10) << "seed " << seed << ": the faults should hit many commits";
    ExpectExactly(30000);
  }
}

TEST_F(SourceIngestTest, MalformedCsvRowsGoToTheErrorsTableOnce) {
  std::filesystem::create_directories(lake_);
  const std::string csv = (lake_ / "AAPL.csv").string();
  {
    std::ofstream f(csv);
    f << "Date,Open,High,Low,Close,Adj Close,Volume\n"
         "2024-01-02,187.15,188.44,183.89,185.64,185.4,82488700\n"
         "2024-01-03,oops,185.88,183.43,184.25,184.0,58414500\n"
         "2024-01-04,182.15,183.09,180.88,181.91,181.7,71983600\n";
  }
  SourceIngestOptions o;
  o.lake = (lake_ / "lake").string();
  o.source.name = "csv";
  o.source.paths = {csv};
  for (int run = 0; run < 2; ++run) {
    auto r = RunSourceIngest(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->rows_committed, run == 0 ? 2 : 0);
    EXPECT_EQ(r->errors_committed, run == 0 ? 1 : 0);
  }
  auto errors = delta::Table::Open(io::PosixFileSystem(), ErrorsTablePath(o.lake));
  auto snap = errors->Latest();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  auto rows = errors->Scan(**snap, {});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->num_rows(), 1);
  EXPECT_EQ(rows->column(1).StringAt(0), "ingest");
  EXPECT_NE(std::string(rows->column(3).StringAt(0)).find("oops"), std::string::npos)
      << rows->column(3).StringAt(0);
  EXPECT_NE(std::string(rows->column(4).StringAt(0)).find("2024-01-03,oops"), std::string::npos);
  EXPECT_EQ(rows->column(5).StringAt(0), csv + ":3");
}

// A file name that is not UTF-8 (Latin-1 "caf\xe9.csv"): Bronze's source_position holds it with
// U+FFFD (Parquet strings must be UTF-8; DuckDB refused the file), and a rerun still matches the
// recorded rows to the file's records instead of calling the files changed.
TEST_F(SourceIngestTest, AFileNameThatIsNotUtf8IsStoredAsUtf8AndStillResumes) {
  std::filesystem::create_directories(lake_);
  const std::string csv = (lake_ / "caf\xe9.csv").string();
  const std::string header = "Date,Open,High,Low,Close,Adj Close,Volume\n";
  const std::string row1 = "2024-01-02,187.15,188.44,183.89,185.64,185.4,82488700\n";
  const std::string row2 = "2024-01-03,184.22,185.88,183.43,184.25,184.0,58414500\n";
  { std::ofstream(csv) << header << row1 << row2; }
  SourceIngestOptions o;
  o.lake = (lake_ / "lake").string();
  o.source.name = "csv";
  o.source.flags = {{"ticker", "XYZ"}};
  o.source.paths = {csv};
  auto first = RunSourceIngest(o);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->rows_committed, 2);
  {
    std::ofstream(csv, std::ios::app) << "2024-01-04,182.15,183.09,180.88,181.91,181.7,71983600\n";
  }
  auto second = RunSourceIngest(o);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->rows_committed, 1);
  auto t = delta::Table::Open(io::PosixFileSystem(), BronzeTablePath(o.lake, "stock-trades"));
  auto snap = t->Latest();
  ASSERT_TRUE(snap.ok());
  auto rows = t->Scan(**snap, {{"source_position"}, std::nullopt, -1});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  std::set<std::string> positions;
  for (int64_t i = 0; i < rows->num_rows(); ++i)
    positions.insert(std::string(rows->column(0).StringAt(i)));
  const std::string shown = (lake_ / "caf\xEF\xBF\xBD.csv").string();
  EXPECT_EQ(positions, (std::set<std::string>{shown + ":2", shown + ":3", shown + ":4"}));
}

TEST_F(SourceIngestTest, BadSourceFlagsFailBeforeWriting) {
  SourceIngestOptions o = SimOptions(10);
  o.source.flags["rate"] = "abc";
  auto r = RunSourceIngest(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--rate"), std::string::npos) << r.status().message();
  EXPECT_FALSE(std::filesystem::exists(lake_ / "bronze"));
  o = SimOptions(10);
  o.source.name = "nope";
  r = RunSourceIngest(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown source 'nope'"), std::string::npos);
}

// A CSV stream resumes by record ordinal in replay order, so changed files must be noticed:
// later rows appended are fine; a row inserted before the resume point, or files that lost
// records, stop the run before it writes anything.
TEST_F(SourceIngestTest, ChangedCsvFilesAreRefusedAppendedRowsAreIngested) {
  std::filesystem::create_directories(lake_);
  const std::string a = (lake_ / "AAA.csv").string();
  const std::string b = (lake_ / "BBB.csv").string();
  auto write = [](const std::string& path, const std::vector<std::string>& days) {
    std::ofstream f(path);
    f << "Date,Open,High,Low,Close,Adj Close,Volume\n";
    for (const std::string& d : days) f << "2024-01-" << d << ",10,11,9,10.5,10.5,1000\n";
  };
  write(a, {"02", "04", "06"});
  write(b, {"03", "05", "07"});
  SourceIngestOptions o;
  o.lake = (lake_ / "lake").string();
  o.source.name = "csv";
  o.source.paths = {a, b};
  auto bronze_rows = [&] {
    auto t = delta::Table::Open(io::PosixFileSystem(), BronzeTablePath(o.lake, "stock-trades"));
    auto snap = t->Latest();
    EXPECT_TRUE(snap.ok());
    auto rows = t->Scan(**snap, {{"source_position"}, std::nullopt, -1});
    EXPECT_TRUE(rows.ok());
    std::multiset<std::string> out;
    for (int64_t i = 0; i < rows->num_rows(); ++i)
      out.insert(std::string(rows->column(0).StringAt(i)));
    return out;
  };
  auto r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_committed, 6);

  // Later rows appended to a file: ingested, nothing else again.
  write(a, {"02", "04", "06", "08", "09"});
  r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_committed, 2);
  auto rows = bronze_rows();
  EXPECT_EQ(rows.size(), 8u);
  EXPECT_EQ(std::set<std::string>(rows.begin(), rows.end()).size(), 8u) << "a row twice";

  // A row inserted before the resume point shifts the ordinals: refused, nothing written.
  write(a, {"02", "03", "04", "06", "08", "09"});
  r = RunSourceIngest(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("changed since it last ran: record 8 was " + a + ":6"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(bronze_rows().size(), 8u);

  // Records gone: refused too.
  write(a, {"02", "04", "06"});
  r = RunSourceIngest(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("is no longer in them"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(bronze_rows().size(), 8u);

  // The files as they were: the stream goes on.
  write(a, {"02", "04", "06", "08", "09"});
  r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_committed, 0);
}

// Found by a hunt: the check compared only the record at each table's position, and only
// where that Bronze row could be found (in the last 1000 commits still in the log), so a record
// replaced before the position, a position held by a malformed record (its row is in errors),
// or a log cleaned up since, let changed files through: a record lost, another ingested twice.
// Each commit now also records a digest of the records up to its position.
TEST_F(SourceIngestTest, ChangesBeforeThePositionAreRefusedWhereverItsRecordIs) {
  std::filesystem::create_directories(lake_);
  const std::string a = (lake_ / "AAA.csv").string();
  auto write = [&](const std::vector<std::string>& lines) {
    std::ofstream f(a);
    f << "Date,Open,High,Low,Close,Adj Close,Volume\n";
    for (const std::string& l : lines) f << l << "\n";
  };
  auto bar = [](const std::string& day) { return "2024-01-" + day + ",10,11,9,10.5,10.5,1000"; };
  SourceIngestOptions o;
  o.lake = (lake_ / "lake").string();
  o.source.name = "csv";
  o.source.paths = {a};
  auto expect_changed = [&](const char* what) {
    auto r = RunSourceIngest(o);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << what;
    EXPECT_NE(r.status().message().find("changed since it last ran"), std::string::npos)
        << what << ": " << r.status().message();
  };

  // A record replaced before the position, the count kept.
  write({bar("02"), bar("03"), bar("04"), bar("05")});
  ASSERT_TRUE(RunSourceIngest(o).ok());
  write({bar("02"), bar("01"), bar("04"), bar("05")});
  expect_changed("a record replaced");

  // The last record is malformed (the position's row is in errors), and one is inserted.
  std::filesystem::remove_all(o.lake);
  write({bar("02"), bar("03"), "2024-01-04,10,11,9,abc,10,1000"});
  auto r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->errors_committed, 1);
  write({bar("01"), bar("02"), bar("03"), "2024-01-04,10,11,9,abc,10,1000"});
  expect_changed("a record inserted before a malformed last one");

  // The commits that set the positions are gone from the log (a checkpoint, then the cleanup).
  std::filesystem::remove_all(o.lake);
  write({bar("02"), bar("03"), bar("04")});
  ASSERT_TRUE(RunSourceIngest(o).ok());
  SourceIngestOptions other = o;  // a commit of another stream after ours
  other.source.paths = {(lake_ / "BBB.csv").string()};
  std::ofstream(other.source.paths[0]) << "Date,Open,High,Low,Close,Adj Close,Volume\n"
                                       << bar("02") << "\n";
  ASSERT_TRUE(RunSourceIngest(other).ok());
  auto t = delta::Table::Open(io::PosixFileSystem(), BronzeTablePath(o.lake, "stock-trades"));
  auto cp = delta::Checkpoint(*t);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  ASSERT_GE(cp->value(), 2);
  for (int64_t v = 0; v < cp->value(); ++v) {
    ASSERT_TRUE(std::filesystem::remove(std::filesystem::path(t->path()) / "_delta_log" /
                                        fmt::format("{:020d}.json", v)));
  }
  write({bar("01"), bar("02"), bar("03"), bar("04")});
  expect_changed("a record inserted, the log cleaned up");
  // Restored, the stream goes on.
  write({bar("02"), bar("03"), bar("04"), bar("05")});
  r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_committed, 1);
}

// Found by the review: a table behind the others (no errors table yet, or a crash between two
// tables' commits) was committed before the others' digests were checked, so an edit before
// the position went into the lake with its digest, and the restored files were refused after.
// Nothing is committed now until every recorded position has been checked.
TEST_F(SourceIngestTest, NothingIsCommittedBeforeTheRecordedPositionsAreChecked) {
  std::filesystem::create_directories(lake_);
  const std::string a = (lake_ / "AAA.csv").string();
  auto write = [&](int malformed_line) {
    std::ofstream f(a);
    f << "Date,Open,High,Low,Close,Adj Close,Volume\n";
    for (int i = 0; i < 1000; ++i) {
      f << columnar::FormatDate(10000 + i) << (i + 2 == malformed_line ? ",x" : ",10")
        << ",11,9,10.5,10.5,1000\n";
    }
  };
  SourceIngestOptions o;
  o.lake = (lake_ / "lake").string();
  o.source.name = "csv";
  o.source.paths = {a};
  write(0);
  ASSERT_TRUE(RunSourceIngest(o).ok());  // Bronze at record 1000; no errors table
  write(500);                            // record 499 now malformed
  o.flush.max_rows = 1;                  // a flush after every row the run buffers
  auto r = RunSourceIngest(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("changed since it last ran"), std::string::npos)
      << r.status().message();
  EXPECT_FALSE(std::filesystem::exists(ErrorsTablePath(o.lake)))
      << "the edited record was committed";
  write(0);  // restored: the stream goes on
  r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_committed, 0);
  EXPECT_EQ(r->errors_committed, 0);
}

// Found by the review: a run of an older version moves the position but not the digest; the
// digest then covers another position and must not be compared with the sum up to this one.
TEST_F(SourceIngestTest, ADigestOfAnotherPositionIsNotCompared) {
  std::filesystem::create_directories(lake_);
  const std::string a = (lake_ / "AAA.csv").string();
  auto write = [&](int n) {
    std::ofstream f(a);
    f << "Date,Open,High,Low,Close,Adj Close,Volume\n";
    for (int i = 0; i < n; ++i) f << columnar::FormatDate(10000 + i) << ",10,11,9,10.5,10.5,1000\n";
  };
  SourceIngestOptions o;
  o.lake = (lake_ / "lake").string();
  o.source.name = "csv";
  o.source.paths = {a};
  o.stream_id = "s";
  write(3);
  ASSERT_TRUE(RunSourceIngest(o).ok());
  write(5);
  {  // what an older version's run of the two new rows records: the position only
    auto t = ExactlyOnceTable::OpenOrCreate(
        io::PosixFileSystem(), BronzeTablePath(o.lake, "stock-trades"), BronzeLayout());
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    BronzeBatchBuilder none;
    auto c = (*t)->Commit(none.Finish(), {TxnAdvance{SourceAppId("s"), 3, 5}}, "old");
    ASSERT_TRUE(c.ok() && c->stale_app_ids.empty()) << c.status().ToString();
  }
  auto r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_committed, 0);
  write(6);  // and the digest is recorded again with the next commit
  r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_committed, 1);
  write(7);
  r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_committed, 1);
}

// The digest is taken over records as the source reports them: a malformed record is reported
// while a batch is read, before that batch's events are handed out, so the order is not the
// ordinal order. Long files (several batches, several commits), malformed records inside and
// at the end, stopped and resumed runs: every rerun agrees with what the lake recorded.
TEST_F(SourceIngestTest, MalformedRecordsAcrossBatchesKeepTheDigestsInAgreement) {
  std::filesystem::create_directories(lake_);
  const std::string a = (lake_ / "LONG.csv").string();
  {
    std::ofstream f(a);
    f << "Date,Open,High,Low,Close,Adj Close,Volume\n";
    for (int i = 0; i < 9000; ++i) {
      const int32_t day = 10000 + i;  // days since 1970
      f << columnar::FormatDate(day) << (i % 2500 == 1234 ? ",x" : ",10")
        << ",11,9,10.5,10.5,1000\n";
    }
    f << "2024-13-45,1,1,1,1,1,1\n";  // malformed, last
  }
  SourceIngestOptions o;
  o.lake = (lake_ / "lake").string();
  o.source.name = "csv";
  o.source.paths = {a};
  o.flush.max_rows = 1500;
  std::atomic<bool> stop{false};
  o.stop = &stop;
  int commits = 0;
  o.on_commit = [&](const IngestProgress&) {
    if (++commits == 3) stop = true;
  };
  auto r = RunSourceIngest(o);  // stopped after three flushes
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  o.on_commit = nullptr;
  stop = false;
  for (int run = 0; run < 2; ++run) {
    r = RunSourceIngest(o);
    ASSERT_TRUE(r.ok()) << "run " << run << ": " << r.status().ToString();
  }
  EXPECT_EQ(r->rows_committed, 0);
  auto bronze = delta::Table::Open(io::PosixFileSystem(), BronzeTablePath(o.lake, "stock-trades"));
  auto errors = delta::Table::Open(io::PosixFileSystem(), ErrorsTablePath(o.lake));
  EXPECT_EQ((*bronze->Latest())->num_records(), 9000 - 4);
  EXPECT_EQ((*errors->Latest())->num_records(), 4 + 1);
}

// Card transactions are identified by file and line: the advice for changed card files is not
// "ingest them as a new stream" (which would add every transaction again).
TEST_F(SourceIngestTest, ChangedCardFilesAreNotSentToANewStream) {
  std::filesystem::create_directories(lake_);
  const std::string cards = (lake_ / "cards.csv").string();
  auto write = [&](const std::vector<int>& times) {
    std::ofstream f(cards);
    f << "Time";
    for (int v = 1; v <= 28; ++v) f << ",V" << v;
    f << ",Amount,Class\n";
    for (int t : times) {
      f << t;
      for (int v = 1; v <= 28; ++v) f << ",0." << v;
      f << ",12.5,0\n";
    }
  };
  SourceIngestOptions o;
  o.lake = (lake_ / "lake").string();
  o.source.name = "csv";
  o.source.paths = {cards};
  write({0, 10, 20});
  auto r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows_committed, 3);
  write({0, 5, 10, 20});
  r = RunSourceIngest(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("identified by file and line"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("--stream-id"), std::string::npos) << r.status().message();
}

TEST_F(SourceIngestTest, CsvResumesAfterItsBronzeFilesWereCompactedAndVacuumed) {
  std::filesystem::create_directories(lake_);
  const std::string a = (lake_ / "AAPL.csv").string();
  auto write = [](const std::string& path, const std::vector<std::string>& days) {
    std::ofstream f(path);
    f << "Date,Open,High,Low,Close,Adj Close,Volume\n";
    for (const std::string& d : days) f << "2024-01-" << d << ",10,11,9,10.5,10.5,1000\n";
  };
  SourceIngestOptions o;
  o.lake = (lake_ / "lake").string();
  o.source.name = "csv";
  o.source.paths = {a};
  write(a, {"02", "03", "04"});
  auto r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  write(a, {"02", "03", "04", "05", "08"});
  r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->rows_committed, 2);
  // Another stream's rows with the same offsets, in the same partition.
  const std::string m = (lake_ / "MSFT.csv").string();
  write(m, {"02", "03", "04", "05", "08", "09", "10"});
  SourceIngestOptions other = o;
  other.source.paths = {m};
  r = RunSourceIngest(other);
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  // The streams' Bronze files are compacted away, then deleted.
  auto bronze = delta::Table::Open(io::PosixFileSystem(), BronzeTablePath(o.lake, "stock-trades"));
  auto optimized = delta::Optimize(*bronze);
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  ASSERT_EQ(optimized->files_removed, 3);
  delta::VacuumOptions vacuum;
  vacuum.retain_hours = 0;
  vacuum.force = true;
  auto vacuumed = delta::Vacuum(*bronze, vacuum);
  ASSERT_TRUE(vacuumed.ok()) << vacuumed.status().ToString();
  ASSERT_EQ(vacuumed->deleted.size(), 3u);

  // The recorded row is found in the compacted file: an appended row lands...
  write(a, {"02", "03", "04", "05", "08", "09"});
  r = RunSourceIngest(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->rows_committed, 1);
  auto snap = bronze->Latest();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->num_records(), 13);

  // ...and changed files are still refused.
  ASSERT_TRUE(delta::Optimize(*bronze).ok());
  ASSERT_TRUE(delta::Vacuum(*bronze, vacuum).ok());
  write(a, {"02", "03", "04", "05", "08", "10", "11"});
  r = RunSourceIngest(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("changed since it last ran: record 6 was " + a + ":7"),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace financelake::pipeline
