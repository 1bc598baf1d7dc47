// Helpers shared by the CSV source tests (header-only, test code only).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "financelake/base/status.h"
#include "financelake/sources/csv_source.h"

namespace financelake::sources::csv_testing {

inline std::string Fixture(const std::string& rel) {
  return std::string(FL_SOURCE_DIR) + "/../shared/fixtures/" + rel;
}
inline std::string TestData(const std::string& name) {
  return std::string(FL_SOURCE_DIR) + "/tests/data/sources/" + name;
}

struct Replay {
  Status status;
  std::vector<Event> events;
  std::vector<MalformedRecord> malformed;
  std::string final_position;
};

inline Replay Replayed(CsvSourceOptions o, size_t batch = 500) {
  Replay r;
  o.on_malformed = [&r](const MalformedRecord& m) {
    r.malformed.push_back(m);
    return Status::OK();
  };
  auto source = MakeCsvSource(o);
  if (!source.ok()) {
    r.status = source.status();
    return r;
  }
  std::vector<Event> buf;
  while (true) {
    auto n = (*source)->NextBatch(&buf, batch);
    if (!n.ok()) {
      r.status = n.status();
      break;
    }
    if (*n == 0) break;
    r.events.insert(r.events.end(), buf.begin(), buf.end());
  }
  r.final_position = (*source)->Position();
  return r;
}

inline CsvSourceOptions Files(std::vector<std::string> paths) {
  CsvSourceOptions o;
  o.paths = std::move(paths);
  return o;
}

}  // namespace financelake::sources::csv_testing
