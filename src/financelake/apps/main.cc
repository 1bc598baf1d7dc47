// The `financelake` binary: one subcommand per module.
#include <malloc.h>

#include <cstdio>
#include <string>

#include "financelake/apps/commands.h"

namespace {

// When CLI11 complains that a subcommand is missing, the user usually typed a wrong one: name it.
std::string UnknownCommand(CLI::App& app, int argc, char** argv) {
  CLI::App* current = &app;
  std::string path = "financelake";
  for (int i = 1; i < argc; ++i) {
    const std::string tok = argv[i];
    if (tok.empty() || tok[0] == '-') continue;
    CLI::App* next = nullptr;
    for (CLI::App* sub : current->get_subcommands([](CLI::App*) { return true; })) {
      if (sub->get_name() == tok) next = sub;
    }
    if (next == nullptr) {
      if (current->get_subcommands([](CLI::App*) { return true; }).empty()) return "";
      return "unknown command '" + tok + "' for '" + path + "'";
    }
    current = next;
    path += " " + tok;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using financelake::apps::Action;
  // Micro-batches allocate and free tens of MB every second. glibc would give that memory back to
  // the kernel each time and fault it in again (measured: 3x slower Bronze ingest, most of the
  // time in page faults and copies); keep freed memory in the heap and grow it in large steps.
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 256 << 20);
  // Large blocks too: an mmap-ed buffer is unmapped when freed and faulted in again when the next
  // micro-batch or Bronze file allocates the same size.
  mallopt(M_MMAP_MAX, 0);
  CLI::App app{"FinanceLake: a real-time financial data lakehouse in one binary."};
  app.name("financelake");
  app.require_subcommand(1);
  app.set_version_flag("--version", "financelake 0.1.0");
  Action action;
  financelake::apps::RegisterDemoCommand(app, &action);
  financelake::apps::RegisterBrokerCommand(app, &action);
  financelake::apps::RegisterProduceCommand(app, &action);
  financelake::apps::RegisterIngestCommands(app, &action);
  financelake::apps::RegisterPipelineCommand(app, &action);
  financelake::apps::RegisterFraudCommands(app, &action);
  financelake::apps::RegisterForecastCommands(app, &action);
  financelake::apps::RegisterSqlCommand(app, &action);
  financelake::apps::RegisterServeCommand(app, &action);
  financelake::apps::RegisterParquetCommands(app, &action);
  financelake::apps::RegisterBenchCommands(app, &action);
  financelake::apps::RegisterBenchDeltaCommand(*app.get_subcommand("bench"), &action);
  financelake::apps::RegisterBenchIngestCommand(*app.get_subcommand("bench"), &action);
  financelake::apps::RegisterBenchPipelineCommand(*app.get_subcommand("bench"), &action);
  financelake::apps::RegisterBenchFraudCommand(*app.get_subcommand("bench"), &action);
  financelake::apps::RegisterBenchLstmCommand(*app.get_subcommand("bench"), &action);
  financelake::apps::RegisterBenchSqlCommand(*app.get_subcommand("bench"), &action);
  financelake::apps::RegisterBenchServeCommand(*app.get_subcommand("bench"), &action);
  financelake::apps::RegisterBenchAllCommand(*app.get_subcommand("bench"), &action);
  financelake::apps::RegisterTableCommands(app, &action);
  financelake::apps::CheckIntegerRanges(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.find("ubcommand") != std::string::npos) {
      const std::string unknown = UnknownCommand(app, argc, argv);
      if (!unknown.empty()) what = unknown;
    }
    if (what.empty()) what = "bad command line";
    std::fprintf(stderr, "financelake: %s (see --help)\n", what.c_str());
    return 2;
  }
  if (!action) {
    std::fprintf(stderr, "financelake: no command given (see --help)\n");
    return 2;
  }
  financelake::Status st;
  try {
    st = action();
  } catch (const std::exception& e) {
    st = financelake::Status::Internal(e.what());
  }
  if (!st.ok()) {
    std::fprintf(stderr, "financelake: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}
