// `financelake bench parquet`: our Parquet writer and reader against DuckDB's, same rows, same
// compression, one thread each, measured in the same run. Prints figures, never asserts.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>

#include "financelake/apps/bench_util.h"
#include "financelake/apps/commands.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/parquet/compression.h"
#include "financelake/parquet/reader.h"
#include "financelake/parquet/writer.h"

#ifndef FL_SOURCE_DIR
#define FL_SOURCE_DIR "."
#endif

namespace financelake::apps {

namespace {

using columnar::Column;
using columnar::DataType;
using columnar::Field;
using columnar::RecordBatch;
using columnar::Schema;

struct BenchArgs {
  int64_t rows = 10'000'000;
  std::string compression = "snappy";
  std::string workdir = "/tmp/financelake-bench";
  std::string peer_script = std::string(FL_SOURCE_DIR) + "/bench/duckdb_peer.mjs";
  int repeat = 3;
  bool no_peer = false;
};

// The Bronze stock-trade schema: ~500 tickers, prices as a random walk in cents, round-lot
// volumes, event times a few ms apart, ingest times 0-500 ms later at ms precision.
RecordBatch MakeBronzeStock(int64_t rows) {
  Schema schema({Field{"ticker", DataType::String(), true}, Field{"price", DataType::Double(), true},
                 Field{"volume", DataType::Long(), true},
                 Field{"event_time", DataType::Timestamp(), true},
                 Field{"ingest_time", DataType::Timestamp(), true}});
  RecordBatch batch(schema);
  std::mt19937_64 rng(42);
  std::vector<std::string> tickers;
  std::vector<double> price;
  for (int i = 0; i < 500; ++i) {
    std::string t;
    int n = 2 + static_cast<int>(rng() % 3);
    for (int k = 0; k < n; ++k) t.push_back(static_cast<char>('A' + rng() % 26));
    tickers.push_back(t + std::to_string(i % 10));
    price.push_back(5.0 + static_cast<double>(rng() % 50000) / 100.0);
  }
  Column& tk = batch.mutable_column(0);
  tk.Reserve(rows, rows * 5);
  auto* px = reinterpret_cast<double*>(batch.mutable_column(1).AppendRaw(rows));
  auto* vol = reinterpret_cast<int64_t*>(batch.mutable_column(2).AppendRaw(rows));
  auto* et = reinterpret_cast<int64_t*>(batch.mutable_column(3).AppendRaw(rows));
  auto* it = reinterpret_cast<int64_t*>(batch.mutable_column(4).AppendRaw(rows));
  std::normal_distribution<double> step(0.0, 0.0005);
  int64_t t = 1704187800000000;  // 2024-01-02T09:30:00Z
  for (int64_t r = 0; r < rows; ++r) {
    const size_t k = rng() % tickers.size();
    tk.AppendString(tickers[k]);
    price[k] = std::max(0.01, price[k] * (1.0 + step(rng)));
    px[r] = std::round(price[k] * 100.0) / 100.0;
    vol[r] = static_cast<int64_t>(1 + rng() % 100) * 100;
    t += static_cast<int64_t>(rng() % 4000);
    et[r] = t;
    it[r] = (t + static_cast<int64_t>(rng() % 500000)) / 1000 * 1000;
  }
  return batch;
}

double Seconds(std::chrono::steady_clock::time_point a) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
}

// Pulls a number out of the peer's one-line JSON.
std::optional<double> JsonNumber(const std::string& json, const std::string& key) {
  const size_t p = json.find("\"" + key + "\":");
  if (p == std::string::npos) return std::nullopt;
  return std::strtod(json.c_str() + p + key.size() + 3, nullptr);
}

std::string Rate(double rows_per_s) { return fmt::format("{:.2f}M", rows_per_s / 1e6); }

Status RunBenchParquet(const BenchArgs& a) {
  if (a.rows <= 0) return Status::InvalidArgument("--rows must be positive");
  if (a.repeat <= 0) return Status::InvalidArgument("--repeat must be positive");
  FL_ASSIGN_OR_RETURN(auto codec, parquet::ParseCodecName(a.compression));
  auto fs = io::PosixFileSystem();
  FL_RETURN_NOT_OK(fs->CreateDirs(a.workdir));
  std::fprintf(stderr, "generating %lld rows...\n", static_cast<long long>(a.rows));
  const RecordBatch batch = MakeBronzeStock(a.rows);
  const std::string ours = a.workdir + "/financelake.parquet";

  double best_write = 1e300, best_read = 1e300;
  int64_t file_bytes = 0;
  for (int i = 0; i < a.repeat; ++i) {
    parquet::WriterOptions opts;
    opts.compression = codec;
    auto t0 = std::chrono::steady_clock::now();
    FL_ASSIGN_OR_RETURN(auto w, parquet::ParquetWriter::Open(*fs, ours, batch.schema(), opts));
    FL_RETURN_NOT_OK(w->Write(batch));
    FL_ASSIGN_OR_RETURN(auto res, w->Close());
    best_write = std::min(best_write, Seconds(t0));
    file_bytes = res.file_bytes;

    t0 = std::chrono::steady_clock::now();
    FL_ASSIGN_OR_RETURN(auto r, parquet::ParquetReader::Open(*fs, ours));
    FL_ASSIGN_OR_RETURN(auto back, r->ReadAll());
    best_read = std::min(best_read, Seconds(t0));
    if (back.num_rows() != a.rows) {
      return Status::Internal(fmt::format("bench: read {} rows back, wrote {}", back.num_rows(), a.rows));
    }
  }
  const double ours_w = static_cast<double>(a.rows) / best_write;
  const double ours_r = static_cast<double>(a.rows) / best_read;

  std::string peer_json;
  std::string peer_error;
  if (!a.no_peer) {
    const std::string cmd = fmt::format(
        "node '{}' --input '{}' --workdir '{}' --compression {} --repeat {}", a.peer_script, ours,
        a.workdir, a.compression == "none" ? "uncompressed" : a.compression, a.repeat);
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) {
      peer_error = "cannot start node";
    } else {
      char buf[4096];
      while (std::fgets(buf, sizeof(buf), p)) peer_json += buf;
      if (pclose(p) != 0) peer_error = "the DuckDB peer failed (run `make deps-node`?)";
    }
  }
  std::printf("bench parquet: %lld rows, Bronze stock schema, %s, 1 thread, best of %d\n",
              static_cast<long long>(a.rows), a.compression.c_str(), a.repeat);
  auto dw = JsonNumber(peer_json, "write_seconds");
  auto dr = JsonNumber(peer_json, "read_seconds");
  auto db = JsonNumber(peer_json, "file_bytes");
  if (a.no_peer || !peer_error.empty() || !dw || !dr || !db) {
    std::printf("write rows/s  ours %s\n", Rate(ours_w).c_str());
    std::printf("read rows/s   ours %s\n", Rate(ours_r).c_str());
    std::printf("file bytes    ours %lld\n", static_cast<long long>(file_bytes));
    if (!a.no_peer) {
      return Status::Unavailable("bench: no DuckDB figures: " +
                                 (peer_error.empty() ? "unreadable peer output" : peer_error));
    }
    return Status::OK();
  }
  const double duck_w = static_cast<double>(a.rows) / *dw;
  const double duck_r = static_cast<double>(a.rows) / *dr;
  auto line = [](const char* what, const std::string& o, const std::string& d, double ratio,
                 const char* target, bool met) {
    std::printf("%-13s ours %-12s duckdb %-12s ratio %5.2fx  target %-8s %s\n", what, o.c_str(),
                d.c_str(), ratio, target, met ? "met" : "NOT met");
    ReportFigure({"parquet", what, o, "duckdb " + d, fmt::format("{:.2f}x", ratio), target, met});
  };
  line("write rows/s", Rate(ours_w), Rate(duck_w), ours_w / duck_w, ">= 1.5x", ours_w / duck_w >= 1.5);
  line("read rows/s", Rate(ours_r), Rate(duck_r), ours_r / duck_r, ">= 1.0x", ours_r / duck_r >= 1.0);
  const double size_ratio = static_cast<double>(file_bytes) / *db;
  line("file bytes", std::to_string(file_bytes), fmt::format("{:.0f}", *db), size_ratio, "<= 1.1x",
       size_ratio <= 1.1);
  return Status::OK();
}

}  // namespace

void RegisterBenchCommands(CLI::App& app, Action* action) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks against peers measured in the same run");
  bench->require_subcommand(1);
  CLI::App* pq = bench->add_subcommand("parquet", "Parquet write/read vs DuckDB (threads=1)");
  pq->add_option("--rows", args->rows, "rows to generate (default 10000000)");
  pq->add_option("--compression", args->compression, "snappy (default), zstd or none");
  pq->add_option("--workdir", args->workdir, "where the files go (default /tmp/financelake-bench)");
  pq->add_option("--repeat", args->repeat, "runs per figure; the best is kept (default 3)");
  pq->add_option("--peer-script", args->peer_script, "the DuckDB peer script");
  pq->add_flag("--no-peer", args->no_peer, "measure ours only");
  pq->callback([args, action] { *action = [args] { return RunBenchParquet(*args); }; });
}

}  // namespace financelake::apps
