// `financelake serve --lake DIR [--host 127.0.0.1] [--port 8501] [--auth-token T]`: the
// dashboard and its REST API (module server, docs/api.md) until Ctrl-C / SIGTERM.
#include <fmt/format.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "financelake/apps/commands.h"
#include "financelake/apps/signals.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/server/dashboard.h"

namespace financelake::apps {
namespace {

Status RunServe(server::DashboardOptions o) {
  // Not the ingest's memory settings (apps/main.cc): queries run on any of the HTTP workers, and
  // with an arena per worker that kept its freed memory, a server under a live lake held
  // gigabytes it no longer used (3.3 GB resident for 33 MB in use). A few arenas, and freed
  // memory given back.
  mallopt(M_ARENA_MAX, 4);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
  mallopt(M_TOP_PAD, 0);
  mallopt(M_MMAP_MAX, 65536);
  server::UseEnvironmentToken(&o);
  std::atomic<bool>& stop = InstallStopSignals();
  FL_ASSIGN_OR_RETURN(auto dash, server::Dashboard::Start(io::PosixFileSystem(), o));
  std::printf("serving the dashboard of %s at %s%s (Ctrl-C stops)\n", o.lake.c_str(), dash->url().c_str(),
              o.api.auth_token.empty() ? "" : " (token required)");
  std::fflush(stdout);
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  dash->Stop();
  std::printf("stopped\n");
  return Status::OK();
}

}  // namespace

void RegisterServeCommand(CLI::App& app, Action* action) {
  auto o = std::make_shared<server::DashboardOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "the live dashboard, REST API, event stream and /metrics (docs/api.md)");
  cmd->add_option("--lake", o->lake, "lake directory (default ./lake)");
  cmd->add_option("--host", o->host, "address to bind (default 127.0.0.1; others need --auth-token)");
  cmd->add_option("--port", o->port, "port (default 8501; 0 picks a free one)");
  cmd->add_option("--auth-token", o->api.auth_token, "require this token on every request (or FINANCELAKE_AUTH_TOKEN)");
  cmd->add_option("--threads", o->threads, "HTTP worker threads (default 32; each open event stream holds one)");
  cmd->add_option("--poll-ms", o->poll_ms, "how often to check the tables for new commits (default 500)");
  cmd->add_option("--late-after-s", o->api.late_after_s, "ingestion is 'late' after this many seconds without a commit (120)");
  cmd->add_option("--stalled-after-s", o->api.stalled_after_s, "... and 'stalled' after this many (600)");
  cmd->add_option("--brokers", o->kafka.brokers, "Kafka bootstrap servers: show the ingest group's consumer lag");
  cmd->add_option("--group", o->kafka.group, "the ingest consumer group (default financelake-ingest)");
  cmd->callback([action, o] { *action = [o] { return RunServe(*o); }; });
}

}  // namespace financelake::apps
