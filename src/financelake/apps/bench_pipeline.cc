// `financelake bench pipeline`: Silver + Gold throughput from a Bronze table of simulated stock
// trades, against DuckDB (threads=1) computing the same daily aggregates with SQL over the same
// Bronze Parquet files; and the cost of an incremental batch against the full pass.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "financelake/apps/bench_util.h"
#include "financelake/apps/commands.h"
#include "financelake/delta/data_writer.h"
#include "financelake/delta/table.h"
#include "financelake/io/path.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/gold_stage.h"
#include "financelake/pipeline/silver_stage.h"
#include "financelake/pipeline/source_ingest.h"

namespace financelake::apps {
namespace {

using Clock = BenchClock;

struct BenchPipelineArgs {
  std::string workdir = "/tmp/financelake-bench-pipeline";
  int64_t events = 5'000'000;
  int64_t batch = 10'000;
};


Status Ingest(const std::string& lake, int64_t count) {
  pipeline::SourceIngestOptions o;
  o.lake = lake;
  o.source.name = "sim";
  o.source.flags = {{"topics", "stock-trades"}, {"count", std::to_string(count)},
                    {"start", "2024-03-04T14:30:00Z"}, {"seed", "3"}};
  o.stream_id = "bench";
  return pipeline::RunSourceIngest(o).status();
}

// Silver + Gold once; returns seconds.
Result<double> SilverGold(const std::string& lake, int64_t* silver_rows, int64_t* groups) {
  const auto t0 = Clock::now();
  pipeline::SilverOptions so;
  so.lake = lake;
  so.topics = {"stock-trades"};
  FL_ASSIGN_OR_RETURN(auto s, pipeline::RunSilverOnce(so));
  FL_ASSIGN_OR_RETURN(auto g, pipeline::RunGoldOnce(lake));
  *silver_rows = s["stock_trades"].silver_rows;
  *groups = g["stock_trades"].groups;
  return SecondsSince(t0);
}

Status RunBenchPipeline(const BenchPipelineArgs& a) {
  if (a.events < 1000 || a.batch < 1) return Status::InvalidArgument("--events >= 1000 and --batch >= 1");
  const std::string lake = a.workdir + "/lake";
  std::filesystem::remove_all(a.workdir);
  std::filesystem::create_directories(a.workdir);
  std::printf("bench pipeline: %lld simulated stock trades in Bronze (setup, untimed), 1 thread\n",
              static_cast<long long>(a.events));
  std::fflush(stdout);
  FL_RETURN_NOT_OK(Ingest(lake, a.events));
  int64_t silver_rows = 0, groups = 0;
  FL_ASSIGN_OR_RETURN(double ours, SilverGold(lake, &silver_rows, &groups));
  if (silver_rows != a.events) {
    return Status::Internal(fmt::format("bench: Silver got {} rows of {}", silver_rows, a.events));
  }
  // The peer reads the same Bronze data files.
  auto bronze = delta::Table::Open(io::PosixFileSystem(), pipeline::BronzeTablePath(lake, "stock-trades"));
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, bronze->Latest());
  const std::string list = a.workdir + "/bronze_files.txt";
  {
    std::ofstream out(list);
    for (const delta::AddFile& f : snap->files()) {
      FL_ASSIGN_OR_RETURN(std::string rel, delta::DecodeLogPath(f.path));
      out << io::JoinPath(bronze->path(), rel) << "\n";
    }
  }
  const std::string cmd = fmt::format("node '{}/bench/duckdb_daily_peer.mjs' --files-from '{}' --workdir '{}' --repeat 1",
                                      FL_SOURCE_DIR, list, a.workdir);
  FL_ASSIGN_OR_RETURN(const std::string peer, RunPeer(cmd));
  auto num = [&](const std::string& key) { return PeerNumber(peer, key); };
  const double duck = num("seconds");
  const double n = static_cast<double>(a.events);
  std::printf("silver+gold rows/s   ours %8.0fk  duckdb %8.0fk  ratio %5.2fx  target >= 1.0x  %s  (groups: ours %lld, duckdb %.0f)\n",
              n / ours / 1000, n / duck / 1000, duck / ours, duck / ours >= 1.0 ? "met" : "NOT met",
              static_cast<long long>(groups), num("groups"));
  ReportFigure({"pipeline", "Silver+Gold rows/s", fmt::format("{:.0f}k", n / ours / 1000),
                fmt::format("duckdb {:.0f}k", n / duck / 1000), fmt::format("{:.2f}x", duck / ours), ">= 1.0x",
                duck / ours >= 1.0});
  // Incremental: a batch of new events after the full table.
  FL_RETURN_NOT_OK(Ingest(lake, a.events + a.batch));
  int64_t inc_rows = 0, inc_groups = 0;
  FL_ASSIGN_OR_RETURN(double inc, SilverGold(lake, &inc_rows, &inc_groups));
  const double share = ours * static_cast<double>(a.batch) / n;
  std::printf("incremental batch    %lld events in %.0f ms (%lld groups recomputed); the full pass's "
              "per-event cost for that many: %.0f ms; ratio %.1fx\n",
              static_cast<long long>(inc_rows), inc * 1000, static_cast<long long>(inc_groups),
              share * 1000, inc / share);
  // "Proportional to the batch, not the table": within 10x the full pass's cost per event.
  ReportFigure({"pipeline", fmt::format("incremental {} events", static_cast<long long>(a.batch)),
                fmt::format("{:.0f} ms", inc * 1000), fmt::format("full pass share {:.0f} ms", share * 1000),
                fmt::format("{:.1f}x", inc / share), "<= 10x", inc / share <= 10});
  return Status::OK();
}

}  // namespace

void RegisterBenchPipelineCommand(CLI::App& bench, Action* action) {
  auto a = std::make_shared<BenchPipelineArgs>();
  CLI::App* cmd = bench.add_subcommand("pipeline", "Silver + Gold vs DuckDB daily aggregates; incremental batch cost");
  cmd->add_option("--workdir", a->workdir, "scratch directory (default /tmp/financelake-bench-pipeline)");
  cmd->add_option("--events", a->events, "stock trades in Bronze (default 5000000)");
  cmd->add_option("--batch", a->batch, "events in the incremental batch (default 10000)");
  cmd->callback([a, action] { *action = [a] { return RunBenchPipeline(*a); }; });
}

}  // namespace financelake::apps
