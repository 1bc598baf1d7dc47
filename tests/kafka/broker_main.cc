// Test driver for `financelake broker` until the CLI wires it: runs kafka::RunBroker with
// `--port N` (default 0 = any free port) and `--partitions N` (default 3).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "financelake/kafka/mock_broker.h"

int main(int argc, char** argv) {
  financelake::kafka::BrokerOptions options;
  options.port = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::atoi(argv[i + 1]);
    if (flag == "--port") {
      options.port = value;
    } else if (flag == "--partitions") {
      options.partitions = value;
    } else {
      std::fprintf(stderr, "usage: %s [--port N] [--partitions N]\n", argv[0]);
      return 2;
    }
  }
  financelake::Status st = financelake::kafka::RunBroker(options);
  if (!st.ok()) {
    std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
