#include "financelake/apps/bench_util.h"

#include <cstdio>
#include <cstdlib>

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

}  // namespace financelake::apps
