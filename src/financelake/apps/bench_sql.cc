// `financelake bench sql`: `financelake sql` (SQLite over our Delta scan) on a 5M-row trades
// table, a selective filtered aggregate (one ticker, one year, daily averages) with and without
// pushdown, and a full-table aggregate, against DuckDB (one thread) running the same SQL over
// the same Parquet files in the same run. Both answers are compared (row counts and sums).
//
// The table (built untimed, not partitioned): 10 years x 50 tickers of synthetic trades, one
// file per (month, group of 10 tickers) as an ingest that batches by time and key would lay
// them out, so file statistics (event_date and ticker ranges) let a selective query skip most
// files, the layout Delta's data skipping is made for.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "financelake/apps/bench_util.h"
#include "financelake/apps/commands.h"
#include "financelake/columnar/value.h"
#include "financelake/delta/operations.h"
#include "financelake/io/path.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/sql/sql_session.h"

namespace financelake::apps {
namespace {

struct BenchSqlArgs {
  std::string workdir = "/tmp/financelake-bench-sql";
  int trades_per_day = 40;  // per ticker: 120 months x ~21 days x 50 tickers x 40 = ~5M rows
  int repeat = 3;
};

constexpr int kTickers = 50, kGroups = 5, kYears = 10, kFirstYear = 2015;

Result<int64_t> BuildTable(const std::string& path, int per_day) {
  auto table = delta::Table::Open(io::PosixFileSystem(), path);
  columnar::Schema schema({{"event_date", columnar::DataType::Date(), false},
                           {"ticker", columnar::DataType::String(), false},
                           {"price", columnar::DataType::Double(), false},
                           {"volume", columnar::DataType::Double(), false},
                           {"event_time", columnar::DataType::Timestamp(), false}});
  FL_RETURN_NOT_OK(delta::CreateTable(*table, schema, {}).status());
  std::mt19937_64 rng(7);
  auto u = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  std::vector<double> price(kTickers);
  for (int t = 0; t < kTickers; ++t) price[t] = 20 + 10 * t;
  int64_t rows = 0;
  for (int y = kFirstYear; y < kFirstYear + kYears; ++y) {
    for (int m = 1; m <= 12; ++m) {
      const int32_t first = columnar::DaysFromCivil(y, m, 1);
      const int32_t next = m == 12 ? columnar::DaysFromCivil(y + 1, 1, 1) : columnar::DaysFromCivil(y, m + 1, 1);
      for (int g = 0; g < kGroups; ++g) {
        std::vector<columnar::Column> cols;
        for (const auto& f : schema.fields()) cols.emplace_back(f.type);
        for (int t = g * (kTickers / kGroups); t < (g + 1) * (kTickers / kGroups); ++t) {
          const std::string ticker = fmt::format("T{:02d}", t);
          for (int32_t day = first; day < next; ++day) {
            if ((day + 4) % 7 >= 5) continue;  // weekends (1970-01-01 was a Thursday)
            for (int k = 0; k < per_day; ++k) {
              price[t] *= std::exp((u() - 0.5) * 0.004);
              cols[0].Append<int32_t>(day);
              cols[1].AppendString(ticker);
              cols[2].Append<double>(std::round(price[t] * 100) / 100);
              cols[3].Append<double>(std::floor(1 + u() * 500));
              cols[4].Append<int64_t>(int64_t{day} * 86400000000LL + 48600000000LL + k * 500000000LL);
              ++rows;
            }
          }
        }
        FL_ASSIGN_OR_RETURN(columnar::RecordBatch batch, columnar::RecordBatch::Make(schema, std::move(cols)));
        FL_RETURN_NOT_OK(delta::Append(*table, batch).status());
      }
    }
  }
  return rows;
}

struct Answer {
  double seconds = 1e30;
  size_t rows = 0;
  double trades = 0, volume = 0;
};

Result<Answer> RunOurs(sql::SqlSession& s, const std::string& query, int repeat, bool pushdown,
                       sql::LakeScanStats* stats) {
  Answer a;
  s.set_pushdown(pushdown);
  for (int i = 0; i < repeat; ++i) {
    s.reset_scan_stats();
    const auto t0 = BenchClock::now();
    FL_ASSIGN_OR_RETURN(sql::ResultSet r, s.ExecuteOne(query));
    a.seconds = std::min(a.seconds, SecondsSince(t0));
    a.rows = r.rows.size();
    a.trades = a.volume = 0;
    const auto col = [&](const char* name) {
      return static_cast<size_t>(std::find(r.columns.begin(), r.columns.end(), name) - r.columns.begin());
    };
    const size_t ti = col("trades"), vi = col("volume");
    for (const auto& row : r.rows) {
      auto num = [](const sql::Cell& c) { return c.kind == sql::Cell::Kind::kInteger ? static_cast<double>(c.i) : c.d; };
      if (ti < row.size()) a.trades += num(row[ti]);
      if (vi < row.size()) a.volume += num(row[vi]);
    }
    *stats = s.scan_stats();
  }
  return a;
}

Result<Answer> RunDuckdb(const std::string& files_list, const std::string& workdir, const std::string& query,
                         int repeat) {
  const std::string qfile = workdir + "/query.sql";
  std::ofstream(qfile) << query;
  FL_ASSIGN_OR_RETURN(const std::string out,
                      RunPeer(fmt::format("node '{}/bench/duckdb_sql_peer.mjs' --files-from '{}' --query-file '{}' --repeat {}",
                                          FL_SOURCE_DIR, files_list, qfile, repeat)));
  Answer a;
  a.seconds = PeerNumber(out, "seconds");
  a.rows = static_cast<size_t>(PeerNumber(out, "rows"));
  a.trades = PeerNumber(out, "trades");
  a.volume = PeerNumber(out, "volume");
  if (a.seconds <= 0) return Status::Unavailable("the DuckDB peer gave no result: " + out);
  return a;
}

bool Same(const Answer& x, const Answer& y) {
  return x.rows == y.rows && std::abs(x.trades - y.trades) < 0.5 &&
         std::abs(x.volume - y.volume) <= 1e-9 * std::max(1.0, std::abs(x.volume));
}

Status RunBenchSql(const BenchSqlArgs& a) {
  if (a.trades_per_day < 1 || a.repeat < 1) return Status::InvalidArgument("--trades-per-day and --repeat must be >= 1");
  std::filesystem::remove_all(a.workdir);
  const std::string lake = a.workdir + "/lake";
  const std::string path = lake + "/silver/trades";
  std::printf("building %s: %d years x %d tickers x ~21 days/month x %d trades/day ...\n", path.c_str(), kYears, kTickers,
              a.trades_per_day);
  std::fflush(stdout);
  const auto tb = BenchClock::now();
  FL_ASSIGN_OR_RETURN(int64_t rows, BuildTable(path, a.trades_per_day));
  auto table = delta::Table::Open(io::PosixFileSystem(), path);
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, table->Latest());
  const std::string files_list = a.workdir + "/files.txt";
  {
    std::ofstream list(files_list);
    for (const auto& f : snap->files()) list << io::JoinPath(path, f.path) << "\n";
  }
  std::printf("  %lld rows in %zu files (%.1f MB), built in %.1f s (untimed below)\n", static_cast<long long>(rows),
              snap->files().size(), static_cast<double>(snap->total_bytes()) / 1e6, SecondsSince(tb));

  FL_ASSIGN_OR_RETURN(auto session, sql::SqlSession::Open(io::PosixFileSystem(), lake));
  const std::string selective =
      "SELECT event_date, round(avg(price), 6) AS avg_price, sum(volume) AS volume, count(*) AS trades FROM {table} "
      "WHERE ticker = 'T07' AND event_date >= '2020-01-01' AND event_date < '2021-01-01' "
      "GROUP BY event_date ORDER BY event_date";
  const std::string full =
      "SELECT ticker, round(avg(price), 6) AS avg_price, sum(volume) AS volume, count(*) AS trades FROM {table} "
      "GROUP BY ticker ORDER BY ticker";
  auto ours_sql = [](std::string q) {
    const size_t at = q.find("{table}");
    return q.replace(at, 7, "silver.trades");
  };
  sql::LakeScanStats pushed_stats, full_stats, all_stats;
  FL_ASSIGN_OR_RETURN(Answer pushed, RunOurs(*session, ours_sql(selective), a.repeat, true, &pushed_stats));
  FL_ASSIGN_OR_RETURN(Answer unpushed, RunOurs(*session, ours_sql(selective), a.repeat, false, &full_stats));
  FL_ASSIGN_OR_RETURN(Answer all, RunOurs(*session, ours_sql(full), std::min(a.repeat, 2), true, &all_stats));
  FL_ASSIGN_OR_RETURN(Answer duck_sel, RunDuckdb(files_list, a.workdir, selective, a.repeat));
  FL_ASSIGN_OR_RETURN(Answer duck_all, RunDuckdb(files_list, a.workdir, full, std::min(a.repeat, 2)));
  std::filesystem::remove_all(a.workdir);
  if (!Same(pushed, unpushed) || !Same(pushed, duck_sel) || !Same(all, duck_all)) {
    return Status::Internal(fmt::format("the answers differ: ours {} rows / {} trades, without pushdown {} / {}, "
                                        "DuckDB {} / {}; full: ours {} / {}, DuckDB {} / {}",
                                        pushed.rows, pushed.trades, unpushed.rows, unpushed.trades, duck_sel.rows,
                                        duck_sel.trades, all.rows, all.trades, duck_all.rows, duck_all.trades));
  }
  std::printf("\nselective: one ticker, one year, daily averages (%zu rows; same answer from all three)\n", pushed.rows);
  std::printf("  %-44s %9.4f s   files read %lld of %lld, rows read %lld\n", "financelake sql, pushdown", pushed.seconds,
              static_cast<long long>(pushed_stats.files_read), static_cast<long long>(pushed_stats.files_total),
              static_cast<long long>(pushed_stats.rows_read));
  std::printf("  %-44s %9.4f s   files read %lld of %lld, rows read %lld\n", "financelake sql, no pushdown (full scan)",
              unpushed.seconds, static_cast<long long>(full_stats.files_read),
              static_cast<long long>(full_stats.files_total), static_cast<long long>(full_stats.rows_read));
  std::printf("  %-44s %9.4f s\n", "DuckDB 1 thread, same files", duck_sel.seconds);
  std::printf("full-table aggregate: per ticker over all %lld rows\n", static_cast<long long>(rows));
  std::printf("  %-44s %9.4f s\n", "financelake sql", all.seconds);
  std::printf("  %-44s %9.4f s\n", "DuckDB 1 thread, same files", duck_all.seconds);
  const double gain = unpushed.seconds / pushed.seconds;
  std::printf("pushdown speed-up %.1fx (target >= 10x: %s); vs DuckDB: selective %.2fx, full scan %.2fx "
              "(DuckDB time / ours; < 1 means DuckDB is faster)\n",
              gain, gain >= 10 ? "met" : "NOT met", duck_sel.seconds / pushed.seconds, duck_all.seconds / all.seconds);
  ReportFigure({"sql", "selective query, pushdown", fmt::format("{:.4f} s", pushed.seconds),
                fmt::format("no pushdown {:.4f} s", unpushed.seconds), fmt::format("{:.1f}x", gain), ">= 10x", gain >= 10});
  ReportFigure({"sql", "selective query vs DuckDB", fmt::format("{:.4f} s", pushed.seconds),
                fmt::format("duckdb {:.4f} s", duck_sel.seconds), fmt::format("{:.2f}x", duck_sel.seconds / pushed.seconds), "",
                false});
  ReportFigure({"sql", "full-table aggregate vs DuckDB", fmt::format("{:.3f} s", all.seconds),
                fmt::format("duckdb {:.3f} s", duck_all.seconds), fmt::format("{:.2f}x", duck_all.seconds / all.seconds), "",
                false});
  return Status::OK();
}

}  // namespace

void RegisterBenchSqlCommand(CLI::App& bench, Action* action) {
  auto a = std::make_shared<BenchSqlArgs>();
  CLI::App* cmd = bench.add_subcommand("sql", "financelake sql with and without pushdown vs DuckDB on 5M rows");
  cmd->add_option("--workdir", a->workdir, "scratch directory (removed afterwards)");
  cmd->add_option("--trades-per-day", a->trades_per_day, "trades per ticker and day (default 40: ~5M rows)");
  cmd->add_option("--repeat", a->repeat, "best of this many runs (default 3)");
  cmd->callback([action, a] { *action = [a] { return RunBenchSql(*a); }; });
}

}  // namespace financelake::apps
