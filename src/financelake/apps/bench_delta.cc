// `financelake bench delta`: Delta commit latency and snapshot load times on local disk, each
// against its target, in one run. Prints figures, never asserts.
//
//  1. Commit latency: 200 appends of a 10-row batch by one in-process writer (the pipeline's
//     case: the table's cached snapshot is reused; every 10th commit also writes a checkpoint).
//  2. Cold snapshot load of a table of 10,000 commits (versions 0..9999, checkpoint every 10):
//     a fresh Table object per run, so nothing is cached but the OS page cache. The floor is the
//     time to read just the bytes the load needs (_last_checkpoint, the checkpoint, the later
//     commits) with the same filesystem. The table is built once and kept in the workdir.
//  3. Time travel: a fresh Table loading an old version (5000 by default).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "financelake/apps/bench_util.h"
#include "financelake/apps/commands.h"
#include "financelake/base/json.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/table.h"
#include "financelake/io/posix_filesystem.h"

namespace financelake::apps {

namespace {

using columnar::DataType;
using columnar::Field;
using columnar::RecordBatch;
using columnar::Schema;
using Clock = std::chrono::steady_clock;

struct BenchDeltaArgs {
  std::string workdir = "/tmp/financelake-bench";
  int appends = 200;
  int rows_per_append = 10;
  int64_t commits = 10'000;
  int64_t travel_version = 5'000;
  int repeat = 5;
  bool rebuild = false;
};

constexpr double kCommitP99TargetMs = 20;
constexpr double kLoadTargetMs = 100;
constexpr int kCheckpointInterval = 10;

Schema TradeSchema() {
  return Schema({Field{"id", DataType::Long(), true}, Field{"ticker", DataType::String(), true},
                 Field{"price", DataType::Double(), true},
                 Field{"event_time", DataType::Timestamp(), true}});
}

RecordBatch MakeTrades(int64_t first_id, int rows) {
  static const char* kTickers[] = {"AAPL", "MSFT", "NVDA", "TSLA", "GOOG"};
  RecordBatch batch(TradeSchema());
  for (int i = 0; i < rows; ++i) {
    const int64_t id = first_id + i;
    batch.mutable_column(0).Append<int64_t>(id);
    batch.mutable_column(1).AppendString(kTickers[id % 5]);
    batch.mutable_column(2).Append<double>(100.0 + static_cast<double>(id % 1000) / 100.0);
    batch.mutable_column(3).Append<int64_t>(1704187800000000 + id * 1000);
  }
  return batch;
}

double MillisSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Nearest-rank percentile of a sample (p in (0, 1]).
double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

double Median(std::vector<double> v) {
  return Percentile(std::move(v), 0.5);
}

const char* Met(bool met) {
  return met ? "met" : "NOT met";
}

std::string VersionFile(int64_t v, const char* suffix) {
  return fmt::format("{:020d}{}", v, suffix);
}

// (1) Latencies (ms) of `n` appends to a new table in `dir`.
Result<std::vector<double>> CommitLatencies(io::FileSystem& fs, std::shared_ptr<io::FileSystem> sfs,
                                            const std::string& dir, const BenchDeltaArgs& a) {
  FL_ASSIGN_OR_RETURN(bool exists, fs.Exists(dir));
  if (exists) FL_RETURN_NOT_OK(fs.DeleteDirRecursive(dir));
  FL_RETURN_NOT_OK(fs.CreateDirs(dir));
  auto table = delta::Table::Open(sfs, dir);
  delta::CreateOptions opts;
  opts.properties["delta.checkpointInterval"] = std::to_string(kCheckpointInterval);
  FL_RETURN_NOT_OK(delta::CreateTable(*table, TradeSchema(), opts).status());
  std::vector<double> ms;
  for (int i = 0; i < a.appends; ++i) {
    const RecordBatch batch =
        MakeTrades(static_cast<int64_t>(i) * a.rows_per_append, a.rows_per_append);
    const auto t0 = Clock::now();
    FL_ASSIGN_OR_RETURN(delta::WriteOutcome out, delta::Append(*table, batch));
    ms.push_back(MillisSince(t0));
    if (out.version.value() != i + 1) {
      return Status::Internal(
          fmt::format("bench: append {} committed version {}", i, out.version.value()));
    }
  }
  FL_RETURN_NOT_OK(fs.DeleteDirRecursive(dir));
  return ms;
}

// (2) The table of `commits` versions at `dir`, reused when it is already there.
Status EnsureBigTable(io::FileSystem& fs, std::shared_ptr<io::FileSystem> sfs,
                      const std::string& dir, const BenchDeltaArgs& a) {
  const int64_t last = a.commits - 1;
  FL_ASSIGN_OR_RETURN(bool exists, fs.Exists(dir));
  if (exists && !a.rebuild) {
    auto table = delta::Table::Open(sfs, dir);
    auto snap = table->Latest();
    if (snap.ok() && (*snap)->version().value() == last &&
        (*snap)->Property("delta.checkpointInterval", "") == std::to_string(kCheckpointInterval)) {
      std::fprintf(stderr, "reusing %s (version %lld)\n", dir.c_str(),
                   static_cast<long long>(last));
      return Status::OK();
    }
  }
  if (exists) FL_RETURN_NOT_OK(fs.DeleteDirRecursive(dir));
  FL_RETURN_NOT_OK(fs.CreateDirs(dir));
  std::fprintf(stderr, "building %s: %lld commits (cached for later runs)...\n", dir.c_str(),
               static_cast<long long>(a.commits));
  const auto t0 = Clock::now();
  auto table = delta::Table::Open(sfs, dir);
  delta::CreateOptions opts;
  opts.properties["delta.checkpointInterval"] = std::to_string(kCheckpointInterval);
  FL_RETURN_NOT_OK(delta::CreateTable(*table, TradeSchema(), opts).status());
  for (int64_t v = 1; v <= last; ++v) {
    FL_ASSIGN_OR_RETURN(delta::WriteOutcome out, delta::Append(*table, MakeTrades(v, 1)));
    if (out.version.value() != v) {
      return Status::Internal(fmt::format(
          "bench: building: append committed version {}, expected {}", out.version.value(), v));
    }
    if (v % 1000 == 0) {
      std::fprintf(stderr, "  version %lld (%.0f s)\n", static_cast<long long>(v),
                   MillisSince(t0) / 1e3);
    }
  }
  std::fprintf(stderr, "built in %.1f s\n", MillisSince(t0) / 1e3);
  return Status::OK();
}

// Cold load times (ms) of `version` (-1: latest) with a fresh Table each run.
Result<std::vector<double>> LoadTimes(std::shared_ptr<io::FileSystem> sfs, const std::string& dir,
                                      int64_t version, int64_t expect_version, int repeat) {
  std::vector<double> ms;
  for (int i = 0; i < repeat; ++i) {
    auto table = delta::Table::Open(sfs, dir);
    const auto t0 = Clock::now();
    Result<delta::SnapshotPtr> snap =
        version < 0 ? table->Latest() : table->AtVersion(DeltaVersion(version));
    const double t = MillisSince(t0);
    FL_RETURN_NOT_OK(snap.status());
    // Every commit after the create adds one file.
    if ((*snap)->version().value() != expect_version ||
        static_cast<int64_t>((*snap)->files().size()) != expect_version) {
      return Status::Internal(fmt::format("bench: loaded version {} with {} files, expected {}",
                                          (*snap)->version().value(), (*snap)->files().size(),
                                          expect_version));
    }
    ms.push_back(t);
  }
  return ms;
}

struct Floor {
  double ms = 0;
  int64_t bytes = 0;
  size_t files = 0;
};

// The time to read the bytes a load of the latest version needs: _last_checkpoint, the
// checkpoint it names (all parts), and every commit after it.
Result<Floor> ReadFloor(io::FileSystem& fs, const std::string& dir, int repeat) {
  const std::string log = dir + "/_delta_log";
  FL_ASSIGN_OR_RETURN(std::string last_text, fs.ReadFile(log + "/_last_checkpoint"));
  FL_ASSIGN_OR_RETURN(Json last, Json::Parse(last_text));
  FL_ASSIGN_OR_RETURN(int64_t cp, last.GetInt("version"));
  const std::string cp_prefix = VersionFile(cp, ".checkpoint.");
  FL_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDir(log));
  std::vector<std::string> paths = {log + "/_last_checkpoint"};
  for (const io::FileInfo& e : entries) {
    if (e.name.rfind(cp_prefix, 0) == 0 && e.name.ends_with(".parquet")) {
      paths.push_back(e.path);
    } else if (e.name.size() == 25 && e.name.ends_with(".json") &&
               e.name.substr(0, 20) > VersionFile(cp, "")) {
      paths.push_back(e.path);
    }
  }
  Floor floor;
  floor.files = paths.size();
  std::vector<double> ms;
  for (int i = 0; i < repeat; ++i) {
    int64_t bytes = 0;
    const auto t0 = Clock::now();
    for (const std::string& p : paths) {
      FL_ASSIGN_OR_RETURN(std::string data, fs.ReadFile(p));
      bytes += static_cast<int64_t>(data.size());
    }
    ms.push_back(MillisSince(t0));
    floor.bytes = bytes;
  }
  floor.ms = Median(ms);
  return floor;
}

Status RunBenchDelta(const BenchDeltaArgs& a) {
  if (a.appends <= 0 || a.rows_per_append <= 0 || a.repeat <= 0) {
    return Status::InvalidArgument("--appends, --rows and --repeat must be positive");
  }
  if (a.commits < 2 * kCheckpointInterval) {
    return Status::InvalidArgument(fmt::format("--commits must be >= {}", 2 * kCheckpointInterval));
  }
  if (a.travel_version < 1 || a.travel_version >= a.commits) {
    return Status::InvalidArgument(fmt::format("--travel-version must be in [1, {}], not {}",
                                               a.commits - 1, a.travel_version));
  }
  auto sfs = io::PosixFileSystem();
  io::FileSystem& fs = *sfs;
  FL_RETURN_NOT_OK(fs.CreateDirs(a.workdir));

  std::fprintf(stderr, "commit latency: %d appends...\n", a.appends);
  FL_ASSIGN_OR_RETURN(std::vector<double> commit_ms,
                      CommitLatencies(fs, sfs, a.workdir + "/delta-commit-latency", a));
  const std::string big = fmt::format("{}/delta-{}-commits", a.workdir, a.commits);
  FL_RETURN_NOT_OK(EnsureBigTable(fs, sfs, big, a));
  const int64_t last = a.commits - 1;
  // One untimed load first, so that every timed run sees the same (warm) page cache.
  FL_RETURN_NOT_OK(LoadTimes(sfs, big, -1, last, 1).status());
  FL_ASSIGN_OR_RETURN(std::vector<double> load_ms, LoadTimes(sfs, big, -1, last, a.repeat));
  FL_ASSIGN_OR_RETURN(Floor floor, ReadFloor(fs, big, a.repeat));
  FL_RETURN_NOT_OK(LoadTimes(sfs, big, a.travel_version, a.travel_version, 1).status());
  FL_ASSIGN_OR_RETURN(std::vector<double> travel_ms,
                      LoadTimes(sfs, big, a.travel_version, a.travel_version, a.repeat));

  const double p50 = Percentile(commit_ms, 0.5);
  const double p99 = Percentile(commit_ms, 0.99);
  // Commits at a multiple of the checkpoint interval also write the checkpoint: shown apart.
  std::vector<double> plain_ms, checkpoint_ms;
  for (size_t i = 0; i < commit_ms.size(); ++i) {
    ((i + 1) % kCheckpointInterval == 0 ? checkpoint_ms : plain_ms).push_back(commit_ms[i]);
  }
  const double load = Median(load_ms);
  const double travel = Median(travel_ms);
  std::printf(
      "bench delta: local disk (%s), checkpoint every %d commits, loads: median of %d "
      "cold runs (fresh Table, warm OS page cache)\n",
      a.workdir.c_str(), kCheckpointInterval, a.repeat);
  std::printf(
      "commit latency      p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (%d appends x %d rows)"
      "  target p99 <= %.0f ms  %s\n",
      p50, p99, Percentile(commit_ms, 1.0), a.appends, a.rows_per_append, kCommitP99TargetMs,
      Met(p99 <= kCommitP99TargetMs));
  if (!plain_ms.empty() && !checkpoint_ms.empty()) {
    std::printf(
        "  of which           plain commits p50 %.2f ms p99 %.2f ms; commits writing a "
        "checkpoint p50 %.2f ms p99 %.2f ms (no target)\n",
        Percentile(plain_ms, 0.5), Percentile(plain_ms, 0.99), Percentile(checkpoint_ms, 0.5),
        Percentile(checkpoint_ms, 0.99));
  }
  std::printf(
      "snapshot load       v%-6lld %6.2f ms  floor %.2f ms (%.1fx; %.2f MB in %zu files)"
      "  target <= %.0f ms  %s\n",
      static_cast<long long>(last), load, floor.ms, floor.ms > 0 ? load / floor.ms : 0.0,
      static_cast<double>(floor.bytes) / 1e6, floor.files, kLoadTargetMs,
      Met(load <= kLoadTargetMs));
  std::printf("time travel load    v%-6lld %6.2f ms  target <= %.0f ms  %s\n",
              static_cast<long long>(a.travel_version), travel, kLoadTargetMs,
              Met(travel <= kLoadTargetMs));
  const std::string load_target = fmt::format("<= {:.0f} ms", kLoadTargetMs);
  ReportFigure({"delta", "commit latency p99", fmt::format("{:.2f} ms", p99), "", "",
                fmt::format("<= {:.0f} ms", kCommitP99TargetMs), p99 <= kCommitP99TargetMs});
  ReportFigure({"delta", fmt::format("snapshot load v{}", static_cast<long long>(last)), fmt::format("{:.2f} ms", load),
                fmt::format("read-only floor {:.2f} ms", floor.ms), "", load_target, load <= kLoadTargetMs});
  ReportFigure({"delta", fmt::format("time travel load v{}", static_cast<long long>(a.travel_version)),
                fmt::format("{:.2f} ms", travel), "", "", load_target, travel <= kLoadTargetMs});
  return Status::OK();
}

}  // namespace

void RegisterBenchDeltaCommand(CLI::App& bench, Action* action) {
  auto args = std::make_shared<BenchDeltaArgs>();
  CLI::App* d = bench.add_subcommand("delta", "Delta commit latency and snapshot load times");
  d->add_option("--workdir", args->workdir,
                "where the tables go; the big table is kept for later runs "
                "(default /tmp/financelake-bench)");
  d->add_option("--appends", args->appends, "appends timed for commit latency (default 200)");
  d->add_option("--rows", args->rows_per_append, "rows per timed append (default 10)");
  d->add_option("--commits", args->commits, "commits in the big table (default 10000)");
  d->add_option("--travel-version", args->travel_version, "version for time travel (default 5000)");
  d->add_option("--repeat", args->repeat, "cold loads per figure; the median is kept (default 5)");
  d->add_flag("--rebuild", args->rebuild, "rebuild the big table even if it is there");
  d->callback([args, action] { *action = [args] { return RunBenchDelta(*args); }; });
}

}  // namespace financelake::apps
