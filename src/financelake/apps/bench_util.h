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

using BenchClock = std::chrono::steady_clock;
inline double SecondsSince(BenchClock::time_point t0) {
  return std::chrono::duration<double>(BenchClock::now() - t0).count();
}

}  // namespace financelake::apps
