// Subcommand registration for the `financelake` binary. Each Register* adds its subcommand to
// the CLI11 app and sets the callback that runs it; a callback reports failure by returning a
// non-OK Status, which main prints as one line.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

#include "financelake/base/status.h"

namespace financelake::apps {

// Set by the chosen subcommand's callback; main runs it after parsing.
using Action = std::function<Status()>;

void RegisterParquetCommands(CLI::App& app, Action* action);
void RegisterBenchCommands(CLI::App& app, Action* action);
void RegisterTableCommands(CLI::App& app, Action* action);
// Adds `delta` under the `bench` subcommand that RegisterBenchCommands created.
void RegisterBenchDeltaCommand(CLI::App& bench, Action* action);
// Adds `ingest` under `bench`.
void RegisterBenchIngestCommand(CLI::App& bench, Action* action);
void RegisterBenchPipelineCommand(CLI::App& bench, Action* action);
void RegisterBenchFraudCommand(CLI::App& bench, Action* action);
void RegisterBenchLstmCommand(CLI::App& bench, Action* action);
void RegisterBenchSqlCommand(CLI::App& bench, Action* action);
void RegisterBenchServeCommand(CLI::App& bench, Action* action);
// `bench all`: every benchmark above, then one table of figures.
void RegisterBenchAllCommand(CLI::App& bench, Action* action);
void RegisterBrokerCommand(CLI::App& app, Action* action);
void RegisterProduceCommand(CLI::App& app, Action* action);
void RegisterIngestCommands(CLI::App& app, Action* action);
void RegisterDemoCommand(CLI::App& app, Action* action);
void RegisterPipelineCommand(CLI::App& app, Action* action);
void RegisterFraudCommands(CLI::App& app, Action* action);
// train / predict / backtest: the per-ticker forecaster.
void RegisterForecastCommands(CLI::App& app, Action* action);
// sql: SQL over the lake.
void RegisterSqlCommand(CLI::App& app, Action* action);
// serve: the dashboard and REST API.
void RegisterServeCommand(CLI::App& app, Action* action);

// After the Register* calls: every integer option of `app` and its subcommands refuses text out
// of its type's range (CLI11 would clamp it) with a message naming the option and the range.
void CheckIntegerRanges(CLI::App& app);

}  // namespace financelake::apps
