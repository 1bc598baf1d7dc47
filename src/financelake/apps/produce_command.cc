// `financelake produce`: a source -> Kafka topics (idempotent producer), or JSON lines on stdout.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "financelake/apps/commands.h"
#include "financelake/apps/signals.h"
#include "financelake/apps/source_flags.h"
#include "financelake/kafka/producer.h"
#include "financelake/kafka/topic_name.h"

namespace financelake::apps {
namespace {

struct ProduceArgs {
  std::shared_ptr<SourceFlags> source = std::make_shared<SourceFlags>();
  std::string brokers;
  std::string topic;         // overrides the per-event topic
  std::string topic_prefix;  // prepended to the per-event topic
  std::string compression = "lz4";
  bool compression_given = false;
  int connect_timeout_ms = 10000;
  std::vector<std::string> kafka_settings;
  bool brokers_given = false;
  bool topic_given = false;
};

// After a flush: whether everything written to stdout so far reached it (a full disk, a closed
// descriptor). A broken pipe ends the process by SIGPIPE before this, as for any filter.
Status CheckStdout(int64_t events) {
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  if (flushed && std::ferror(stdout) == 0) return Status::OK();
  // The reason is fflush's own; an earlier write that failed with nothing left to flush has
  // only the stream's error flag to show for it.
  const int err = flushed ? 0 : errno;
  return Status::IOError(fmt::format(
      "cannot write to stdout ({}): the output is incomplete, {} events were produced before or "
      "during the failure",
      err != 0 ? std::strerror(err) : "write error", events));
}

// Events/s for the summary: whole numbers unless slow.
std::string Rate(double events, double secs) {
  const double r = secs > 0 ? events / secs : 0.0;
  return r >= 10 || r == 0 ? fmt::format("{:.0f}", r) : fmt::format("{:.2f}", r);
}

Status RunProduce(const ProduceArgs& a) {
  std::atomic<bool>& stop = InstallStopSignals();
  if (a.topic_given && a.topic.empty()) {
    return Status::InvalidArgument(
        "--topic is empty: give a topic name, or leave --topic out for one topic per event type");
  }
  if (a.brokers_given && a.brokers.empty()) {
    return Status::InvalidArgument(
        "--brokers is empty: give HOST:PORT[,...], or leave --brokers out to write JSON lines to "
        "stdout");
  }
  const sources::SourceSpec spec = ToSourceSpec(*a.source);
  FL_RETURN_NOT_OK(sources::ValidateSourceSpec(spec));
  int64_t malformed = 0;
  FL_ASSIGN_OR_RETURN(
      std::unique_ptr<sources::Source> source,
      sources::MakeSource(spec, "", [&malformed](const sources::MalformedRecord& m) {
        ++malformed;
        std::fprintf(stderr, "produce: skipped malformed record %s: %s\n", m.position.c_str(),
                     m.reason.c_str());
        return Status::OK();
      }));
  std::unique_ptr<kafka::Producer> producer;
  if (a.connect_timeout_ms <= 0) {
    return Status::InvalidArgument("--connect-timeout-ms must be > 0");
  }
  // The first delivery failure is reported when its report arrives and ends the run: librdkafka
  // has retried the message until message.timeout.ms, so producing on would leave a gap in the
  // topic that nobody hears about until the end.
  Status delivery_failure;
  if (!a.topic.empty()) FL_RETURN_NOT_OK(kafka::CheckTopicName(a.topic).WithContext("--topic"));
  if (!a.topic_prefix.empty()) {
    for (sources::Topic t : {sources::Topic::kStockTrades, sources::Topic::kCryptoPrices,
                             sources::Topic::kBankTransactions}) {
      FL_RETURN_NOT_OK(kafka::CheckTopicName(a.topic_prefix + std::string(sources::TopicName(t)))
                           .WithContext("--topic-prefix"));
    }
  }
  if (!a.brokers.empty()) {
    kafka::ProducerOptions po;
    po.brokers = a.brokers;
    po.compression = a.compression;
    for (const std::string& s : a.kafka_settings) {
      FL_ASSIGN_OR_RETURN(auto kv, kafka::ParseSetting(s));
      po.extra.push_back(kv);
    }
    po.on_delivery = [&delivery_failure](const kafka::DeliveryReport& r) {
      if (r.status.ok() || !delivery_failure.ok()) return;
      delivery_failure = r.status;
      std::fprintf(stderr, "produce: %s; stopping (messages already queued are still flushed)\n",
                   r.status.message().c_str());
    };
    FL_ASSIGN_OR_RETURN(producer, kafka::Producer::Open(po));
    Status reached =
        producer->WaitForBroker(std::chrono::milliseconds(a.connect_timeout_ms), &stop);
    if (!reached.ok() && stop.load()) {
      std::fprintf(stderr, "produce: stopped before a broker answered: 0 events\n");
      return Status::OK();
    }
    FL_RETURN_NOT_OK(reached);
  } else if (!a.topic.empty() || !a.topic_prefix.empty() || !a.kafka_settings.empty() ||
             a.compression_given) {
    return Status::InvalidArgument(
        "--topic, --topic-prefix, --kafka-setting and --compression need --brokers");
  }
  // One topic per event type is the contract ingest relies on, so --topic may only rename the
  // topic of a source that emits one type.
  if (!a.topic.empty() && spec.name == "sim") {
    FL_ASSIGN_OR_RETURN(std::vector<sources::Topic> topics, sources::SourceTopics(spec));
    if (topics.size() > 1) {
      return Status::InvalidArgument(fmt::format(
          "--topic {}: the sim source emits {} event types; pick one with --topics or use "
          "--topic-prefix", a.topic, topics.size()));
    }
  }
  double rate = 0;
  if (auto it = spec.flags.find("rate"); it != spec.flags.end()) rate = std::atof(it->second.c_str());
  const size_t batch_size = rate > 0 ? static_cast<size_t>(std::clamp(rate / 20, 1.0, 4096.0)) : 4096;
  const auto t0 = std::chrono::steady_clock::now();
  int64_t events = 0;  // handed to Kafka (or written to stdout)
  std::vector<sources::Event> batch;
  std::string topic;
  std::optional<sources::Topic> first_topic;  // with --topic: the one event type allowed
  Status failure;                             // what ended the run early
  while (!stop.load() && failure.ok() && delivery_failure.ok()) {
    auto n = source->NextBatch(&batch, batch_size);
    if (!n.ok()) {
      failure = n.status();
      break;
    }
    if (*n == 0) break;
    for (const sources::Event& e : batch) {
      if (producer) {
        if (!a.topic.empty()) {
          if (!first_topic) first_topic = e.topic;
          if (*first_topic != e.topic) {
            failure = Status::InvalidArgument(fmt::format(
                "--topic {}: the source emits both {} and {} events; use --topic-prefix", a.topic,
                sources::TopicName(*first_topic), sources::TopicName(e.topic)));
            break;
          }
        }
        topic = a.topic.empty() ? a.topic_prefix + std::string(sources::TopicName(e.topic)) : a.topic;
        failure = producer->Produce(topic, e.key, e.payload, TimestampMicros(0));
        if (!failure.ok()) break;
      } else {
        std::fwrite(e.payload.data(), 1, e.payload.size(), stdout);
        std::fputc('\n', stdout);
      }
      ++events;
    }
    // Paced and polled sources: each batch is due now, so a reader downstream sees it now (and a
    // second Ctrl-C, which exits at once, loses nothing already emitted).
    if (producer) {
      producer->Poll();  // delivery reports, so a failure stops the run now
    } else {
      failure = CheckStdout(events);
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (producer) {
    // Whatever ended the run, what was handed to Kafka is flushed, and the counts are told.
    if (stop.load() && events > producer->delivered()) {
      std::fprintf(stderr,
                   "produce: stopping: waiting up to 60 s for %lld events not yet delivered "
                   "(Ctrl-C again to quit at once)\n",
                   static_cast<long long>(events - producer->delivered()));
    }
    Status flushed = producer->Flush(std::chrono::seconds(60));
    if (failure.ok()) failure = flushed;
    if (failure.ok()) failure = delivery_failure;
    const int64_t delivered = producer->delivered();
    if (!failure.ok()) {
      return Status(failure.code(),
                    fmt::format("{}; {} events handed to Kafka: {} delivered, {} not delivered",
                                failure.message(), events, delivered, events - delivered));
    }
  } else {
    FL_RETURN_NOT_OK(failure);
    FL_RETURN_NOT_OK(CheckStdout(events));
  }
  std::fprintf(stderr, "produce: %lld events, %lld malformed, %.2f s, %s events/s\n",
               static_cast<long long>(events), static_cast<long long>(malformed), secs,
               Rate(static_cast<double>(events), secs).c_str());
  return Status::OK();
}

}  // namespace

void RegisterProduceCommand(CLI::App& app, Action* action) {
  auto a = std::make_shared<ProduceArgs>();
  CLI::App* cmd = app.add_subcommand(
      "produce",
      "A source -> Kafka topics with --brokers (one per event type: stock-trades, crypto-prices, "
      "bank-transactions; keyed by ticker/symbol/account), else payload JSON lines on stdout. "
      "Pollers read API keys from the environment only: ALPHAVANTAGE_API_KEY (required), "
      "COINGECKO_API_KEY (optional). A summary line goes to stderr at the end. The first message "
      "Kafka fails to deliver stops the run: what was queued is flushed, and the error says how "
      "many events were delivered.");
  cmd->add_option_function<std::string>(
      "--source", [a](const std::string& s) { a->source->source = s; },
      "sim (default), csv, yahoo, alphavantage or coingecko");
  AddSourceFlags(cmd, a->source);
  cmd->add_option_function<std::string>(
      "--brokers",
      [a](const std::string& s) {
        a->brokers = s;
        a->brokers_given = true;
      },
      "Kafka bootstrap servers HOST:PORT[,...]");
  cmd->add_option_function<std::string>(
      "--topic",
      [a](const std::string& s) {
        a->topic = s;
        a->topic_given = true;
      },
      "the topic of a single-event-type source (default: per event type)");
  cmd->add_option("--topic-prefix", a->topic_prefix, "prefix for the per-event-type topics");
  cmd->add_option("--compression", a->compression, "none, gzip, snappy, lz4 (default) or zstd");
  cmd->add_option("--connect-timeout-ms", a->connect_timeout_ms, "fail if no broker answers within this (default 10000)");
  cmd->add_option("--kafka-setting", a->kafka_settings,
                  "extra librdkafka property key=value (repeatable), e.g. message.timeout.ms=30000 "
                  "(enable.idempotence and acks are fixed)");
  cmd->callback([action, a, cmd] {
    a->compression_given = cmd->count("--compression") > 0;
    *action = [a] { return RunProduce(*a); };
  });
}

}  // namespace financelake::apps
