// `financelake demo`: the embedded default. The simulator feeds the Bronze tables in-process (no
// Kafka) under ./lake, with live progress, until Ctrl-C (everything buffered is committed) or
// --duration-s; Silver and Gold follow in a second thread, and once Silver holds enough labelled
// bank transactions a fraud model is trained and new ones are scored (gold/fraud_alerts).
#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "financelake/apps/commands.h"
#include "financelake/apps/lake_upkeep.h"
#include "financelake/apps/signals.h"
#include "financelake/io/atomic_file.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/ml/fraud_training.h"
#include "financelake/pipeline/bank_features.h"
#include "financelake/pipeline/bank_history.h"
#include "financelake/pipeline/flush_policy.h"
#include "financelake/pipeline/fraud_alerts_stage.h"
#include "financelake/pipeline/gold_stage.h"
#include "financelake/pipeline/silver_stage.h"
#include "financelake/pipeline/source_ingest.h"
#include "financelake/server/dashboard.h"
#include "financelake/sources/event_time.h"
#include "financelake/sources/source_factory.h"

namespace financelake::apps {
namespace {

struct DemoArgs {
  std::string lake = "lake";
  double rate = 2000;
  uint64_t seed = 42;
  double duration_s = 0;
  std::string tickers;
  std::string start;  // "": the previous weekday's 14:30 UTC
  std::string host = "127.0.0.1";
  int port = 8501;         // the dashboard; -1: none
  std::string auth_token;  // "": FINANCELAKE_AUTH_TOKEN, if set
  double maintenance_interval_s = kDefaultMaintenanceIntervalS;
};

// The dashboard's options from the flags (and the token from the environment).
server::DashboardOptions DemoDashboard(const DemoArgs& a) {
  server::DashboardOptions d;
  d.lake = a.lake;
  d.host = a.host;
  d.port = a.port;
  d.api.auth_token = a.auth_token;
  server::UseEnvironmentToken(&d);
  return d;
}

// The previous weekday at 14:30 UTC (New York's session is open then all year), so stocks trade
// from the first second. A lake remembers the start its demo ran from (ChooseStart).
std::string DefaultStart() {
  const int64_t day_s = 86400;
  int64_t days = std::chrono::duration_cast<std::chrono::seconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count() / day_s - 1;
  while (true) {
    const int64_t weekday = (days + 4) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
    if (weekday != 0 && weekday != 6) break;
    --days;
  }
  return std::to_string((days * day_s + 14 * 3600 + 30 * 60) * 1000);  // epoch ms
}

// The start of the stream a lake's demo runs, remembered in the lake so that a rerun without
// --start continues that stream (DefaultStart moves every day: a rerun the next day simulated a
// second price path over the first one's days, mixing both in Gold). Not a table (the leading
// '_' keeps it out of the lake's listing).
std::string DemoStartPath(const std::string& lake) {
  return lake + "/_demo_start";
}

// The lake's remembered start, "" when it has none.
Result<std::string> RememberedStart(const std::string& lake) {
  auto fs = io::PosixFileSystem();
  const std::string path = DemoStartPath(lake);
  FL_ASSIGN_OR_RETURN(bool remembered, fs->Exists(path));
  if (!remembered) return std::string();
  FL_ASSIGN_OR_RETURN(std::string text, fs->ReadFile(path));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0)
    text.pop_back();
  if (!sources::ParseTimeOption(text, 0).ok()) {
    return Status::DataLoss(fmt::format(
        "{}: '{}' is not a start time (the start of this lake's demo stream); give --start, or "
        "delete the file to start from the previous weekday",
        path, text.substr(0, 64)));
  }
  return text;
}

// --start, else the lake's remembered start, else DefaultStart().
Result<std::string> ChooseStart(const DemoArgs& a) {
  FL_ASSIGN_OR_RETURN(std::string remembered, RememberedStart(a.lake));
  if (a.start.empty()) return remembered.empty() ? DefaultStart() : remembered;
  // "now": the moment of this first run, so that a rerun continues its stream.
  std::string start = a.start == "now" ? std::to_string(pipeline::WallMicros() / 1000) : a.start;
  if (!remembered.empty() && remembered != start) {
    std::printf(
        "demo: --start %s begins another stream in this lake (its demo ran from %s); reruns "
        "without --start continue the new one\n",
        start.c_str(), remembered.c_str());
  }
  return start;
}

Status RememberStart(const std::string& lake, const std::string& start) {
  auto fs = io::PosixFileSystem();
  FL_RETURN_NOT_OK(fs->CreateDirs(lake));
  return io::WriteFileAtomic(*fs, DemoStartPath(lake), start + "\n");
}

struct FraudState {
  bool have_model = false;
  int64_t rows_at_last_try = 0;
};

// Trains the pipeline's fraud model from Silver's labelled bank transactions once there are
// enough of them (each of the train/validation/test slices needs frauds); until then the bank
// rows have no score. Retries as Silver grows by 5,000 rows.
Status MaybeTrainFraudModel(const std::string& lake, FraudState* state) {
  if (state->have_model) return Status::OK();
  auto fs = io::PosixFileSystem();
  if (ml::LoadFraudModel(*fs, lake, std::string(ml::kPipelineModel)).ok()) {
    state->have_model = true;
    return Status::OK();
  }
  auto rows = pipeline::ReadBankTrainingRows(fs, lake);
  if (!rows.ok()) return Status::OK();  // no bank transactions yet
  if (rows->num_rows() < state->rows_at_last_try + 5000) return Status::OK();
  state->rows_at_last_try = rows->num_rows();
  ml::FraudTrainOptions o;
  o.label = "is_fraud";
  o.time_column = "event_time";
  o.exclude = pipeline::BankNonFeatureColumns();
  ml::FraudTrainReport report;
  auto model = ml::TrainFraudModel(*rows, o, &report);
  if (!model.ok() || report.test.positives < 5) return Status::OK();  // too few frauds yet: wait
  model->created_at_us = pipeline::WallMicros();
  FL_RETURN_NOT_OK(ml::SaveFraudModel(*fs, lake, &*model, /*for_pipeline=*/true));
  state->have_model = true;
  std::printf("demo: fraud model %s trained on %lld Silver bank transactions: test AUPRC %.3f "
              "(logistic baseline %.3f); new bank transactions are scored, alerts in gold/fraud_alerts\n",
              model->version.c_str(), static_cast<long long>(rows->num_rows()), report.xgboost_test.auprc,
              report.logistic_test.auprc);
  std::fflush(stdout);
  return Status::OK();
}

// Before going live: two weeks of simulated bank history ending at the live start, through
// Silver, so that the fraud model is trained at once rather than after minutes of live
// transactions. Its own stream id keeps it exactly once across demo runs.
Status BootstrapFraudModel(const DemoArgs& a, const std::string& start, FraudState* fraud) {
  // A rerun: the lake has its model (and the history it came from) already.
  auto fs = io::PosixFileSystem();
  if (auto model = ml::LoadFraudModel(*fs, a.lake, std::string(ml::kPipelineModel)); model.ok()) {
    fraud->have_model = true;
    std::printf("demo: scoring bank transactions with fraud model %s (in the lake already)\n",
                (*model)->version.c_str());
    return Status::OK();
  }
  auto start_us = sources::ParseTimeOption(start, pipeline::WallMicros());
  if (!start_us.ok()) return start_us.status().WithContext("--start");
  constexpr int64_t kDays = 14;
  pipeline::SourceIngestOptions o;
  o.lake = a.lake;
  o.source.name = "sim";
  o.source.flags = {{"seed", std::to_string(a.seed)}, {"topics", "bank-transactions"},
                    {"start", sources::FormatEventTime(*start_us - kDays * 86400LL * 1000000)},
                    {"days", std::to_string(kDays)}};
  // Of this seed and start: a rerun after a crash before the model was saved resumes it; one with
  // another --start simulates its own history (the bank simulator draws per start).
  o.stream_id = fmt::format("demo-bank-history-{}-{}", a.seed, *start_us);
  FL_ASSIGN_OR_RETURN(auto ingested, pipeline::RunSourceIngest(o));
  pipeline::SilverOptions so;
  so.lake = a.lake;
  so.topics = {"bank-transactions"};
  FL_RETURN_NOT_OK(pipeline::RunSilverOnce(so).status());
  std::printf("demo: %lld bank transactions of history (%lld days before the start) -> Bronze -> Silver\n",
              static_cast<long long>(ingested.rows_committed), static_cast<long long>(kDays));
  return MaybeTrainFraudModel(a.lake, fraud);
}

Status RunDemo(const DemoArgs& a) {
  // Every flag is checked before anything is written to the lake.
  if (!(a.rate > 0) || !std::isfinite(a.rate)) {
    return Status::InvalidArgument(fmt::format("--rate {}: must be a number of events per second > 0", a.rate));
  }
  if (!(a.duration_s >= 0) || !std::isfinite(a.duration_s)) {
    return Status::InvalidArgument(fmt::format("--duration-s {}: must be a number of seconds >= 0", a.duration_s));
  }
  if (a.port < -1 || a.port > 65535) {
    return Status::InvalidArgument(fmt::format("--port {}: must be 0-65535 (or -1: no dashboard)", a.port));
  }
  FL_RETURN_NOT_OK(CheckMaintenanceInterval(a.maintenance_interval_s));
  if (a.port >= 0) FL_RETURN_NOT_OK(server::ValidateDashboardOptions(DemoDashboard(a)));
  pipeline::SourceIngestOptions o;
  o.lake = a.lake;
  o.source.name = "sim";
  o.source.flags["seed"] = std::to_string(a.seed);
  o.source.flags["rate"] = fmt::format("{}", a.rate);
  FL_ASSIGN_OR_RETURN(o.source.flags["start"], ChooseStart(a));
  if (!a.tickers.empty()) o.source.flags["tickers"] = a.tickers;
  FL_RETURN_NOT_OK(sources::ValidateSourceSpec(o.source));
  FL_RETURN_NOT_OK(RememberStart(a.lake, o.source.flags["start"]));
  std::atomic<bool>& stop = InstallStopSignals();
  FraudState fraud;
  FL_RETURN_NOT_OK(BootstrapFraudModel(a, o.source.flags["start"], &fraud));
  o.flush.max_latency_ms = 1000;
  o.stop = &stop;
  const auto t0 = std::chrono::steady_clock::now();
  int64_t last_events = 0;
  auto last_t = t0;
  o.on_commit = [&](const pipeline::IngestProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    const double dt = std::chrono::duration<double>(now - last_t).count();
    std::string tables;
    for (const auto& [path, rows] : p.table_rows) {
      const std::string name = path.substr(path.find_last_of('/') + 1);
      auto v = p.table_versions.find(path);
      tables += fmt::format("  {} +{} rows v{}", name, rows,
                            v == p.table_versions.end() ? -1 : v->second);
    }
    std::printf("demo: %lld events, %.0f events/s | added:%s\n",
                static_cast<long long>(p.events_in),
                dt > 0 ? static_cast<double>(p.events_in - last_events) / dt : 0.0, tables.c_str());
    std::fflush(stdout);
    last_events = p.events_in;
    last_t = now;
  };
  std::thread timer;
  std::atomic<bool> finished{false};
  if (a.duration_s > 0) {
    timer = std::thread([&] {
      const auto end = t0 + std::chrono::duration<double>(a.duration_s);
      while (!finished.load() && std::chrono::steady_clock::now() < end) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      stop.store(true);
    });
  }
  std::printf("demo: simulator -> Bronze -> Silver -> Gold under %s at %.0f events/s (Ctrl-C stops cleanly)\n",
              a.lake.c_str(), a.rate);
  std::fflush(stdout);
  // Silver follows Bronze in its own thread, one pass every 2 s.
  pipeline::SilverOptions so;
  so.lake = a.lake;
  so.fraud_models = std::make_shared<ml::FraudModelCache>();
  so.bank_history = std::make_shared<pipeline::BankHistory>();
  so.id_cache = std::make_shared<pipeline::SilverIdCache>();
  std::shared_ptr<pipeline::GoldState> gold_state = pipeline::NewGoldState();
  Status silver_status;
  std::map<std::string, pipeline::SilverCounts> silver_total;
  auto silver_pass = [&] {
    auto r = pipeline::RunSilverOnce(so);
    if (!r.ok()) {
      silver_status = r.status();
      return;
    }
    auto g = pipeline::RunGoldOnce(a.lake, nullptr, gold_state.get());
    if (!g.ok()) {
      silver_status = g.status();
      return;
    }
    if (Status st = MaybeTrainFraudModel(a.lake, &fraud); !st.ok()) {
      silver_status = st;
      return;
    }
    if (auto alerts = pipeline::RunFraudAlertsOnce(a.lake); !alerts.ok()) {
      silver_status = alerts.status();
      return;
    }
    for (const auto& [table, c] : *r) {
      pipeline::SilverCounts& t = silver_total[table];
      t.bronze_rows += c.bronze_rows;
      t.silver_rows += c.silver_rows;
      t.error_rows += c.error_rows;
      t.duplicates += c.duplicates;
    }
  };
  // The dashboard, alongside (after the bootstrap: the lake has its tables).
  std::unique_ptr<server::Dashboard> dashboard;
  if (a.port >= 0) {
    auto started = server::Dashboard::Start(io::PosixFileSystem(), DemoDashboard(a));
    if (started.ok()) {
      dashboard = std::move(*started);
      std::printf("demo: dashboard at %s\n", dashboard->url().c_str());
    } else {
      std::printf("demo: no dashboard (%s); `financelake serve --lake %s --port N` starts one\n",
                  started.status().message().c_str(), a.lake.c_str());
    }
    std::fflush(stdout);
  }
  std::thread silver([&] {
    while (!finished.load() && silver_status.ok()) {
      for (int i = 0; i < 40 && !finished.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      silver_pass();
    }
  });
  auto upkeep = std::make_unique<LakeUpkeep>(a.lake, a.maintenance_interval_s, "demo");
  auto done = pipeline::RunSourceIngest(o);
  finished.store(true);
  if (timer.joinable()) timer.join();
  silver.join();
  upkeep.reset();
  if (dashboard) dashboard->Stop();
  FL_RETURN_NOT_OK(done.status());
  if (silver_status.ok()) silver_pass();  // the last Bronze commits too
  FL_RETURN_NOT_OK(silver_status);
  for (const auto& [table, c] : silver_total) {
    std::printf("demo: silver/%s: %lld Bronze rows -> %lld Silver rows, %lld errors, %lld duplicates\n",
                table.c_str(), static_cast<long long>(c.bronze_rows),
                static_cast<long long>(c.silver_rows), static_cast<long long>(c.error_rows),
                static_cast<long long>(c.duplicates));
  }
  std::printf(
      "demo: stopped with everything committed: %lld events, %lld rows added to Bronze. Try:\n"
      "  build/financelake table history %s/bronze/stock_trades\n"
      "  build/financelake table scan %s/silver/stock_trades --limit 5\n"
      "  build/financelake table scan %s/gold/fraud_alerts --limit 5\n",
      static_cast<long long>(done->events_in), static_cast<long long>(done->rows_committed),
      a.lake.c_str(), a.lake.c_str(), a.lake.c_str());
  return Status::OK();
}

}  // namespace

void RegisterDemoCommand(CLI::App& app, Action* action) {
  auto a = std::make_shared<DemoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "The embedded default: simulated market and bank events -> Bronze Delta tables, live");
  cmd->add_option("--lake", a->lake, "lake directory (default ./lake)");
  cmd->add_option("--rate", a->rate, "simulated events per second (default 2000)");
  cmd->add_option("--seed", a->seed, "simulator seed (default 42)");
  cmd->add_option("--tickers", a->tickers, "stocks to simulate, e.g. AAPL,MSFT (default ~20)");
  cmd->add_option("--start", a->start,
                  "simulated start time (default: the lake's demo stream's, else the previous "
                  "weekday, 14:30 UTC)");
  cmd->add_option("--duration-s", a->duration_s, "stop after this many seconds (default: until Ctrl-C)");
  cmd->add_option("--maintenance-interval-s", a->maintenance_interval_s,
                  "compact small files and vacuum every table this often (default 3600; 0: never)");
  cmd->add_option("--port", a->port, "dashboard port (default 8501; 0 picks a free one; -1: no dashboard)");
  cmd->add_option("--host", a->host,
                  "dashboard address (default 127.0.0.1; others need --auth-token)");
  cmd->add_option("--auth-token", a->auth_token,
                  "require this token on every dashboard request (or FINANCELAKE_AUTH_TOKEN)");
  cmd->callback([action, a] { *action = [a] { return RunDemo(*a); }; });
}

}  // namespace financelake::apps
