// `financelake pipeline`: Bronze -> Silver (validated, typed, deduplicated) + errors, once or
// continuously, then Gold (daily prices, fraud alerts).
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "financelake/apps/commands.h"
#include "financelake/apps/lake_upkeep.h"
#include "financelake/apps/signals.h"
#include "financelake/apps/source_flags.h"
#include "financelake/pipeline/bank_history.h"
#include "financelake/pipeline/fraud_alerts_stage.h"
#include "financelake/pipeline/gold_stage.h"
#include "financelake/pipeline/silver_stage.h"

namespace financelake::apps {
namespace {

struct PipelineArgs {
  std::string lake = "lake";
  bool once = false;
  int64_t trigger_ms = 1000;
  std::string topics;
  double maintenance_interval_s = kDefaultMaintenanceIntervalS;
};

// "silver v3", or "no silver table yet" (version -1).
std::string TableVersion(const char* layer, int64_t version) {
  return version < 0 ? fmt::format("no {} table yet", layer)
                     : fmt::format("{} v{}", layer, version);
}

void PrintCounts(const std::map<std::string, pipeline::SilverCounts>& counts, bool quiet_if_idle) {
  for (const auto& [table, c] : counts) {
    if (quiet_if_idle && c.bronze_rows == 0) continue;
    std::printf(
        "silver %s: bronze %lld = silver %lld + errors %lld + duplicates %lld (%s, %.2f s)\n",
        table.c_str(), static_cast<long long>(c.bronze_rows), static_cast<long long>(c.silver_rows),
        static_cast<long long>(c.error_rows), static_cast<long long>(c.duplicates),
        TableVersion("bronze", c.bronze_version).c_str(), c.seconds);
    if (!c.model_version.empty()) {
      std::printf("  scored with fraud model %s: %lld alerts\n", c.model_version.c_str(),
                  static_cast<long long>(c.fraud_alerts));
    }
  }
  std::fflush(stdout);
}

Status RunPipeline(const PipelineArgs& a) {
  if (a.trigger_ms <= 0) return Status::InvalidArgument("--trigger-ms must be > 0");
  FL_RETURN_NOT_OK(CheckMaintenanceInterval(a.maintenance_interval_s));
  pipeline::SilverOptions o;
  o.lake = a.lake;
  o.topics = SplitCommaList(a.topics);
  o.fraud_models = std::make_shared<ml::FraudModelCache>();
  // Continuous: bank history and the touched dates' Silver ids kept across passes (read once,
  // then each pass's new files).
  if (!a.once) {
    o.bank_history = std::make_shared<pipeline::BankHistory>();
    o.id_cache = std::make_shared<pipeline::SilverIdCache>();
  }
  // Continuous: Gold's day aggregates kept across passes (a pass reads only the new Silver rows).
  std::shared_ptr<pipeline::GoldState> gold_state = a.once ? nullptr : pipeline::NewGoldState();
  std::atomic<bool>& stop = InstallStopSignals();
  // A lake that is not there is a typo or a pipeline started before its ingest: nothing is
  // created for it (Gold tables of nothing would make the typo look like a lake).
  std::error_code ec;
  if (!std::filesystem::is_directory(a.lake, ec)) {
    if (a.once) {
      return Status::NotFound(fmt::format(
          "pipeline: no lake at '{}': check --lake, or run `financelake ingest --lake {}` first",
          a.lake, a.lake));
    }
    std::printf("pipeline: waiting for a lake at '%s' (run `financelake ingest --lake %s`)\n",
                a.lake.c_str(), a.lake.c_str());
    std::fflush(stdout);
    while (!stop.load() && !std::filesystem::is_directory(a.lake, ec)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (stop.load()) return Status::OK();
  }
  // Continuous: small files compacted and old ones vacuumed in the background.
  LakeUpkeep upkeep(a.lake, a.once ? 0 : a.maintenance_interval_s, "pipeline");
  // One pass: Silver, Gold daily prices, fraud alerts (each exactly once, so a pass that
  // failed midway is simply run again).
  auto pass = [&]() -> Status {
    FL_ASSIGN_OR_RETURN(auto counts, pipeline::RunSilverOnce(o));
    PrintCounts(counts, !a.once);
    FL_ASSIGN_OR_RETURN(auto gold, pipeline::RunGoldOnce(a.lake, nullptr, gold_state.get()));
    for (const auto& [table, g] : gold) {
      if (!a.once && g.silver_rows == 0) continue;
      std::printf(
          "gold daily_prices from %s: %lld new Silver rows, %lld groups written (%lld read from "
          "Silver) (%s, %.2f s)\n",
          table.c_str(), static_cast<long long>(g.silver_rows), static_cast<long long>(g.groups),
          static_cast<long long>(g.groups_read), TableVersion("silver", g.silver_version).c_str(),
          g.seconds);
    }
    FL_ASSIGN_OR_RETURN(auto alerts, pipeline::RunFraudAlertsOnce(a.lake));
    if (a.once || alerts.silver_rows > 0) {
      std::printf("gold fraud_alerts: %lld new Silver bank rows, %lld alerts (%s)\n",
                  static_cast<long long>(alerts.silver_rows), static_cast<long long>(alerts.alerts),
                  TableVersion("silver", alerts.silver_version).c_str());
    }
    std::fflush(stdout);
    return Status::OK();
  };
  auto wait = [&](std::chrono::steady_clock::time_point until) {
    while (!stop.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  };
  int failures = 0;
  do {
    const auto t0 = std::chrono::steady_clock::now();
    Status st = pass();
    if (!st.ok()) {
      // Continuous: what may pass on a second try (a file a concurrent VACUUM took between the
      // log's answer and the read, a conflict, the disk or network for a moment) is tried
      // again, with a pause doubling from 1 s, kMaxRetries times in a row; damage, bad
      // configuration and bugs stop it at once.
      const StatusCode c = st.code();
      const bool transient = c == StatusCode::kNotFound || c == StatusCode::kAborted ||
                             c == StatusCode::kAlreadyExists || c == StatusCode::kUnavailable ||
                             c == StatusCode::kIOError;
      constexpr int kMaxRetries = 5;
      if (a.once || !transient) return st;
      if (failures == kMaxRetries) {
        return st.WithContext(
            fmt::format("pipeline: a pass failed {} times in a row", failures + 1));
      }
      const int pause_s = 1 << failures;
      ++failures;
      std::printf("pipeline: pass failed: %s; retry %d of %d in %d s\n", st.ToString().c_str(),
                  failures, kMaxRetries, pause_s);
      std::fflush(stdout);
      wait(std::chrono::steady_clock::now() + std::chrono::seconds(pause_s));
      if (stop.load()) return st;  // stopped while failing: the failure is the exit status
      continue;
    }
    failures = 0;
    if (a.once) break;
    wait(t0 + std::chrono::milliseconds(a.trigger_ms));
  } while (!stop.load());
  return Status::OK();
}

}  // namespace

void RegisterPipelineCommand(CLI::App& app, Action* action) {
  auto a = std::make_shared<PipelineArgs>();
  CLI::App* cmd = app.add_subcommand(
      "pipeline", "Bronze -> Silver (validated, typed, deduplicated; bank rows get features and fraud scores) + errors -> Gold daily prices and fraud alerts, exactly once");
  cmd->add_option("--lake", a->lake, "lake directory (default ./lake)");
  cmd->add_flag("--once", a->once, "process what Bronze holds now, then exit");
  cmd->add_option("--trigger-ms", a->trigger_ms, "continuous mode: start a pass this often (default 1000)");
  cmd->add_option("--topics", a->topics, "only these topics (comma list; default all)");
  cmd->add_option("--maintenance-interval-s", a->maintenance_interval_s,
                  "continuous mode: compact small files and vacuum every table this often "
                  "(default 3600; 0: never)");
  cmd->callback([action, a] { *action = [a] { return RunPipeline(*a); }; });
}

}  // namespace financelake::apps
