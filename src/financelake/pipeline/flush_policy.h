// When a micro-batch is committed: whichever limit is reached first.
#pragma once

#include <chrono>
#include <cstdint>

namespace financelake::pipeline {

struct FlushPolicy {
  int64_t max_latency_ms = 1000;       // since the oldest buffered row
  int64_t max_rows = 1'000'000;        // buffered rows, all tables
  int64_t max_bytes = 64LL << 20;      // buffered bytes, all tables
};

// Wall-clock microseconds since the epoch (ingest_time).
int64_t WallMicros();
// Monotonic milliseconds (flush timing).
int64_t MonotonicMs();

}  // namespace financelake::pipeline
