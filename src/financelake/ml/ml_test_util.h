// Helpers for the ml tests: the ULB fixtures and the scikit-learn oracle (Debian's
// python3-sklearn, run with /usr/bin/python3).
#pragma once

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "financelake/columnar/csv_reader.h"
#include "financelake/ml/labelled_csv.h"

namespace financelake::ml::testing {

inline std::string FraudFixture(const std::string& name) {
  return std::string(FL_SOURCE_DIR) + "/../shared/fixtures/fraud/ulb_creditcard/" + name;
}

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline Result<columnar::RecordBatch> ReadCsvFile(const std::string& path) {
  return ReadLabelledCsv(ReadText(path), path, nullptr);
}

// Runs `script` with /usr/bin/python3, feeding `input` on stdin; returns stdout ("" on failure).
inline std::string RunPython(const std::string& script, const std::string& input) {
  // Per process: ctest runs test cases as parallel processes sharing TempDir().
  const std::string base = ::testing::TempDir() + "/fl-oracle-" + std::to_string(::getpid());
  const std::string py = base + ".py", in = base + ".in";
  std::ofstream(py) << script;
  std::ofstream(in) << input;
  FILE* p = popen(("/usr/bin/python3 " + py + " < " + in).c_str(), "r");
  if (p == nullptr) return "";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const bool ok = pclose(p) == 0;
  std::remove(py.c_str());
  std::remove(in.c_str());
  return ok ? out : "";
}

}  // namespace financelake::ml::testing
