#include "financelake/apps/bench_util.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "financelake/base/json.h"

namespace financelake::apps {

Result<std::string> RunPeer(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return Status::IOError("bench: cannot run " + cmd);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  if (pclose(p) != 0) return Status::Unavailable("bench: the peer failed: " + cmd + (out.empty() ? "" : ": " + out));
  return out;
}

double PeerNumber(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\":");
  return at == std::string::npos ? -1 : std::atof(json.c_str() + at + key.size() + 3);
}

void ReportFigure(const BenchFigure& f) {
  const char* path = std::getenv("FL_BENCH_FIGURES");
  if (path == nullptr || *path == '\0') return;
  Json j = Json::Object();
  j.Set("bench", Json::String(f.bench));
  j.Set("figure", Json::String(f.figure));
  j.Set("ours", Json::String(f.ours));
  j.Set("peer", Json::String(f.peer));
  j.Set("ratio", Json::String(f.ratio));
  j.Set("target", Json::String(f.target));
  j.Set("met", Json::Bool(f.met));
  std::ofstream(path, std::ios::app) << j.Dump() << "\n";
}

}  // namespace financelake::apps
