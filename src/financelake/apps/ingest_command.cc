// `financelake ingest`: Kafka topics (or an in-process source) -> Bronze tables, exactly once.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "financelake/apps/commands.h"
#include "financelake/apps/signals.h"
#include "financelake/apps/source_flags.h"
#include "financelake/base/utf8.h"
#include "financelake/kafka/kafka_types.h"
#include "financelake/kafka/topic_name.h"
#include "financelake/pipeline/ingest_metrics.h"
#include "financelake/pipeline/kafka_ingest.h"
#include "financelake/pipeline/metrics_http.h"
#include "financelake/pipeline/source_ingest.h"
#include "financelake/sources/api_poller.h"

namespace financelake::apps {
namespace {

struct IngestArgs {
  std::string lake = "lake";
  std::shared_ptr<SourceFlags> source = std::make_shared<SourceFlags>();
  bool source_given = false;
  bool topics_given = false;
  std::string stream_id;
  std::string brokers;
  std::string topics = "stock-trades,crypto-prices,bank-transactions";
  std::string group = "financelake-ingest";
  std::vector<std::string> kafka_settings;
  int64_t max_latency_ms = 1000;
  int64_t max_batch_rows = 1'000'000;
  int64_t max_batch_bytes = 64LL << 20;
  int64_t max_buffered_bytes = 256LL << 20;
  int connect_timeout_ms = 10000;
  int metrics_port = -1;
  double progress_interval_s = 10;
  bool once = false;
  std::set<std::string> given;  // which of kKafkaOnlyFlags and --stream-id were on the command line
};

// One progress line per interval on stderr, the first at the first commit (its rate since the
// start).
class ProgressLog {
 public:
  explicit ProgressLog(double interval_s)
      : interval_ms_(static_cast<int64_t>(interval_s * 1000)), last_ms_(pipeline::MonotonicMs()) {}
  void operator()(const pipeline::IngestProgress& p) {
    const int64_t now = pipeline::MonotonicMs();
    if (interval_ms_ <= 0 || (printed_ && now - last_ms_ < interval_ms_)) return;
    const double secs = static_cast<double>(std::max<int64_t>(now - last_ms_, 1)) / 1000.0;
    std::fprintf(stderr,
                 "ingest: %lld events in, %lld rows committed (%.0f/s), %lld commit%s, last commit "
                 "%.1f ms\n",
                 static_cast<long long>(p.events_in), static_cast<long long>(p.rows_committed),
                 static_cast<double>(p.rows_committed - last_rows_) / secs,
                 static_cast<long long>(p.commits), p.commits == 1 ? "" : "s", p.last_commit_ms);
    printed_ = true;
    last_ms_ = now;
    last_rows_ = p.rows_committed;
  }

 private:
  int64_t interval_ms_;
  int64_t last_ms_;  // when the last line was printed (the start before the first)
  int64_t last_rows_ = 0;
  bool printed_ = false;
};

// The flags of one path that the other ignores (a metrics server that would not start).
constexpr const char* kKafkaOnlyFlags[] = {"--group", "--kafka-setting", "--metrics-port",
                                           "--max-buffered-bytes", "--connect-timeout-ms"};

Status CheckPathFlags(const IngestArgs& a) {
  if (a.source_given) {
    for (const char* flag : kKafkaOnlyFlags) {
      if (a.given.count(flag) != 0) {
        return Status::InvalidArgument(
            fmt::format("{} is for Kafka (--brokers); this ingest reads --source", flag));
      }
    }
  } else if (a.given.count("--stream-id") != 0) {
    return Status::InvalidArgument(
        "--stream-id is for --source; a Kafka ingest's positions are per --group");
  }
  return Status::OK();
}

Status CheckLimits(const IngestArgs& a) {
  if (a.max_latency_ms <= 0) return Status::InvalidArgument("--max-latency-ms must be > 0");
  if (a.max_batch_rows <= 0) return Status::InvalidArgument("--max-batch-rows must be > 0");
  if (a.max_batch_bytes <= 0) return Status::InvalidArgument("--max-batch-bytes must be > 0");
  if (a.max_buffered_bytes <= 0) return Status::InvalidArgument("--max-buffered-bytes must be > 0");
  if (a.connect_timeout_ms <= 0) return Status::InvalidArgument("--connect-timeout-ms must be > 0");
  if (!(a.progress_interval_s >= 0) || !(a.progress_interval_s <= 86400 * 365)) {
    return Status::InvalidArgument(
        fmt::format("--progress-interval-s {}: must be a number of seconds from 0 to a year",
                    a.progress_interval_s));
  }
  return Status::OK();
}

// Names that go into the Delta log as txn appIds (JSON text): bytes that are not UTF-8 would
// read back as other names, and the streams would never find their positions again.
Status CheckNames(const IngestArgs& a) {
  for (const auto& [flag, value] : {std::pair<const char*, const std::string*>{"--group", &a.group},
                                    {"--stream-id", &a.stream_id},
                                    {"--topics", &a.topics}}) {
    if (!IsValidUtf8(*value))
      return Status::InvalidArgument(fmt::format("{}: not UTF-8 text", flag));
  }
  return Status::OK();
}

// An in-process source that would never end is refused when the user asked it to end (--once)
// or gave nothing that paces it.
Status CheckSourceEnds(const IngestArgs& a) {
  const auto& v = a.source->values;
  const std::string& name = a.source->source;
  if (name == "sim" && v.count("count") == 0 && v.count("days") == 0) {
    if (a.once) {
      return Status::InvalidArgument(
          "--once with --source sim needs --count or --days: the simulator never runs out");
    }
    if (v.count("rate") == 0) {
      return Status::InvalidArgument(
          "--source sim without --count, --days or --rate would generate events as fast as "
          "possible forever; give one of them");
    }
  }
  if (a.once && sources::IsPollerName(name) && v.count("polls") == 0) {
    return Status::InvalidArgument("--once with --source " + name +
                                   " needs --polls N: a poller never runs out");
  }
  return Status::OK();
}

Status RunIngest(const IngestArgs& a) {
  FL_RETURN_NOT_OK(CheckLimits(a));
  FL_RETURN_NOT_OK(CheckNames(a));
  FL_RETURN_NOT_OK(CheckPathFlags(a));
  std::atomic<bool>& stop = InstallStopSignals();
  pipeline::FlushPolicy flush{a.max_latency_ms, a.max_batch_rows, a.max_batch_bytes};
  ProgressLog log(a.progress_interval_s);
  const auto started = std::chrono::steady_clock::now();
  pipeline::IngestProgress done;
  if (a.source_given) {
    if (!a.brokers.empty()) {
      return Status::InvalidArgument(
          "give either --source (in-process) or --brokers (Kafka), not both");
    }
    FL_RETURN_NOT_OK(CheckSourceEnds(a));
    pipeline::SourceIngestOptions o;
    o.lake = a.lake;
    o.source = ToSourceSpec(*a.source);
    if (a.topics_given) o.source.flags["topics"] = a.topics;
    o.stream_id = a.stream_id;
    o.flush = flush;
    o.stop = &stop;
    o.on_commit = [&log](const pipeline::IngestProgress& p) { log(p); };
    FL_ASSIGN_OR_RETURN(done, pipeline::RunSourceIngest(o));
  } else {
    if (a.brokers.empty()) {
      return Status::InvalidArgument(
          "no input: give --brokers HOST:PORT (Kafka) or --source sim|csv (in-process)");
    }
    if (!a.source->values.empty() || !a.source->files.empty()) {
      return Status::InvalidArgument("source flags and files need --source");
    }
    pipeline::KafkaIngestOptions o;
    o.lake = a.lake;
    o.brokers = a.brokers;
    o.topics = SplitCommaList(a.topics);
    // Checked here: librdkafka takes '^...' as a pattern, and a name becomes a table's directory.
    for (const std::string& t : o.topics)
      FL_RETURN_NOT_OK(kafka::CheckTopicName(t).WithContext("--topics"));
    o.group = a.group;
    o.flush = flush;
    o.max_buffered_bytes = a.max_buffered_bytes;
    o.once = a.once;
    o.connect_timeout_ms = a.connect_timeout_ms;
    for (const std::string& s : a.kafka_settings) {
      FL_ASSIGN_OR_RETURN(auto kv, kafka::ParseSetting(s));
      o.settings.push_back(kv);
    }
    o.stop = &stop;
    pipeline::IngestMetrics metrics;
    o.metrics = &metrics;
    std::unique_ptr<pipeline::MetricsServer> server;
    if (a.metrics_port >= 0) {
      FL_ASSIGN_OR_RETURN(server,
                          pipeline::MetricsServer::Start("127.0.0.1", a.metrics_port,
                                                         [&metrics] { return metrics.Render(); }));
      std::fprintf(stderr, "ingest: metrics on http://127.0.0.1:%d/metrics\n", server->port());
    }
    o.on_commit = [&log](const pipeline::IngestProgress& p) { log(p); };
    FL_ASSIGN_OR_RETURN(done, pipeline::RunKafkaIngest(o));
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr,
               "ingest: done: %lld events in, %lld rows committed, %lld errors, %lld already in "
               "the lake, %lld commit%s, %.2f s\n",
               static_cast<long long>(done.events_in), static_cast<long long>(done.rows_committed),
               static_cast<long long>(done.errors_committed), static_cast<long long>(done.skipped),
               static_cast<long long>(done.commits), done.commits == 1 ? "" : "s", secs);
  return Status::OK();
}

}  // namespace

void RegisterIngestCommands(CLI::App& app, Action* action) {
  auto a = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "ingest",
      "Kafka topics (--brokers) or an in-process source (--source) -> Bronze Delta tables, "
      "exactly once");
  cmd->add_option("--lake", a->lake, "lake directory (default ./lake)");
  cmd->add_option("--brokers", a->brokers, "Kafka bootstrap servers HOST:PORT[,...]");
  cmd->add_option_function<std::string>(
      "--topics",
      [a](const std::string& t) {
        a->topics = t;
        a->topics_given = true;
      },
      "comma list of topics to ingest (default: the three event topics; with --source sim, the "
      "topics to simulate)");
  cmd->add_option("--group", a->group, "consumer group (default financelake-ingest)");
  cmd->add_option("--kafka-setting", a->kafka_settings,
                  "extra librdkafka property key=value (repeatable)");
  cmd->add_option("--connect-timeout-ms", a->connect_timeout_ms,
                  "fail if no broker answers within this (default 10000)");
  cmd->add_option("--metrics-port", a->metrics_port,
                  "serve Prometheus metrics on 127.0.0.1:PORT (0: any free port)");
  cmd->add_option_function<std::string>(
      "--source",
      [a](const std::string& s) {
        a->source->source = s;
        a->source_given = true;
      },
      "ingest in-process from a source instead of Kafka: sim, csv, yahoo, alphavantage or "
      "coingecko");
  cmd->add_option(
      "--stream-id", a->stream_id,
      "name of the source stream for exactly-once (default: derived from the source flags)");
  AddSourceFlags(cmd, a->source, {"topics"});
  cmd->add_option("--max-latency-ms", a->max_latency_ms,
                  "commit at least this often while data flows (default 1000)");
  cmd->add_option("--max-batch-rows", a->max_batch_rows, "commit when this many rows are buffered");
  cmd->add_option("--max-batch-bytes", a->max_batch_bytes,
                  "commit when this many bytes are buffered");
  cmd->add_option("--max-buffered-bytes", a->max_buffered_bytes,
                  "cap on buffered bytes; partitions pause above it while commits fail");
  cmd->add_option("--progress-interval-s", a->progress_interval_s,
                  "seconds between progress lines on stderr (0: none; default 10)");
  cmd->add_flag(
      "--once", a->once,
      "stop when caught up with the end offsets seen at start (Kafka) or when the source ends");
  cmd->callback([action, a, cmd] {
    for (const char* flag : kKafkaOnlyFlags) {
      if (cmd->count(flag) > 0) a->given.insert(flag);
    }
    if (cmd->count("--stream-id") > 0) a->given.insert("--stream-id");
    *action = [a] { return RunIngest(*a); };
  });
}

}  // namespace financelake::apps
