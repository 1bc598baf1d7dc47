// Running a benchmark's peer (DuckDB from node, python3-xgboost, kcat) and reading its result.
#pragma once

#include <string>

#include "financelake/base/result.h"

namespace financelake::apps {

// Runs `cmd` with /bin/sh and returns its stdout; Unavailable (with the output) when it fails.
Result<std::string> RunPeer(const std::string& cmd);

// The number after "key": in a one-line JSON result; -1 when absent.
double PeerNumber(const std::string& json, const std::string& key);

}  // namespace financelake::apps
