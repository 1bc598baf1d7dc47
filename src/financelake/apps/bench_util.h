// Shared by the benchmarks: running a peer (DuckDB from node, python3-xgboost, kcat), reading its
// result, and timing.
#pragma once

#include <chrono>
#include <string>

#include "financelake/base/result.h"

namespace financelake::apps {

// Runs `cmd` with /bin/sh and returns its stdout; Unavailable (with the output) when it fails.
Result<std::string> RunPeer(const std::string& cmd);

// The number after "key": in a one-line JSON result; -1 when absent.
double PeerNumber(const std::string& json, const std::string& key);

// One line of `financelake bench all`'s table. Each benchmark reports its headline figures
// here besides printing them; when FL_BENCH_FIGURES names a file, they are appended to it as one
// JSON object per line (that is how `bench all` collects them from its child runs).
struct BenchFigure {
  std::string bench;   // "parquet"
  std::string figure;  // "write rows/s"
  std::string ours;
  std::string peer;    // "" when the figure has no peer (held to a target, or informational)
  std::string ratio;   // "1.73x", or ""
  std::string target;  // ">= 1.5x", or "" (no target)
  bool met = false;    // meaningful only with a target
};
void ReportFigure(const BenchFigure& figure);

using BenchClock = std::chrono::steady_clock;
inline double SecondsSince(BenchClock::time_point t0) {
  return std::chrono::duration<double>(BenchClock::now() - t0).count();
}

}  // namespace financelake::apps
