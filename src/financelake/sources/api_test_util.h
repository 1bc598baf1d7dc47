// Shared by the poller tests: recorded API responses, and running a poller to its end.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "financelake/sources/api_poller.h"

namespace financelake::sources::testing {

// A file under shared/fixtures/api_responses/.
inline std::string ApiFixture(const std::string& rel) {
  const std::string path = std::string(FL_SOURCE_DIR) + "/../shared/fixtures/api_responses/" + rel;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct PollRun {
  std::vector<Event> events;
  Status status;
  std::vector<std::string> log;
};

// Makes the poller from flags and drains it on `clock`, collecting events, log lines and the
// final status. `utc_now` (default: the system's) decides which bars are complete.
inline PollRun Poll(const std::string& api, const OptionMap& flags, ManualClock* clock,
                    std::function<int64_t()> utc_now = nullptr) {
  PollRun run;
  auto o = ParsePollerOptions(api, flags);
  EXPECT_TRUE(o.ok()) << o.status().ToString();
  if (!o.ok()) {
    run.status = o.status();
    return run;
  }
  o->clock = clock;
  o->utc_now = std::move(utc_now);
  o->log = [&run](const std::string& line) { run.log.push_back(line); };
  auto source = MakePollerSource(*o);
  if (!source.ok()) {
    run.status = source.status();
    return run;
  }
  std::vector<Event> batch;
  while (true) {
    auto n = (*source)->NextBatch(&batch, 100);
    if (!n.ok()) {
      run.status = n.status();
      break;
    }
    if (*n == 0) break;
    run.events.insert(run.events.end(), batch.begin(), batch.end());
  }
  return run;
}

}  // namespace financelake::sources::testing
