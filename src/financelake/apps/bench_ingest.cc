// `financelake bench ingest`: Bronze ingest against peers measured in the same run.
//  (a) a JSON-lines file of stock events -> a Bronze Delta table, one thread, against DuckDB
//      (threads=1) `COPY (FROM read_json(...)) TO parquet` on the same file;
//  (b) draining N messages from the local broker: kcat -C -e against `ingest --once`;
//  (c) freshness (producer timestamp -> row visible in a Delta snapshot) at a steady rate, and
//      the ingest process's peak RSS.
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "financelake/apps/bench_util.h"
#include "financelake/apps/commands.h"
#include "financelake/delta/data_writer.h"
#include "financelake/delta/stats_read.h"
#include "financelake/delta/table.h"
#include "financelake/io/path.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/kafka/mock_broker.h"
#include "financelake/kafka/producer.h"
#include "financelake/parquet/reader.h"
#include "financelake/pipeline/bronze_batch.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/kafka_ingest.h"
#include "financelake/sources/source_factory.h"

extern char** environ;

namespace financelake::apps {
namespace {

using Clock = BenchClock;

struct BenchIngestArgs {
  std::string workdir = "/tmp/financelake-bench-ingest";
  int64_t file_events = 1'000'000;
  int64_t drain_messages = 150'000;
  double rate = 50'000;
  double seconds = 20;
  std::string parts = "abc";
  int64_t max_latency_ms = 250;
};

std::string Ratio(double ours, double peer, double target, bool higher_is_better) {
  const double r = ours / peer;
  const bool met = higher_is_better ? r >= target : r <= target;
  return fmt::format("ratio {:5.2f}x  target {} {:.1f}x  {}", r, higher_is_better ? ">=" : "<=",
                     target, met ? "met" : "NOT met");
}

// Writes `n` simulated stock trades, one JSON payload per line.
Status WriteEventsFile(const std::string& path, int64_t n) {
  sources::SourceSpec spec;
  spec.name = "sim";
  spec.flags = {{"topics", "stock-trades"}, {"count", std::to_string(n)},
                {"start", "2024-03-04T14:30:00Z"}, {"seed", "1"}};
  FL_ASSIGN_OR_RETURN(auto source, sources::MakeSource(spec, "", nullptr));
  std::ofstream out(path, std::ios::binary);
  std::vector<sources::Event> batch;
  while (true) {
    FL_ASSIGN_OR_RETURN(size_t got, source->NextBatch(&batch, 4096));
    if (got == 0) break;
    for (const sources::Event& e : batch) out << e.payload << '\n';
  }
  out.close();
  if (!out) return Status::IOError("bench: cannot write " + path);
  return Status::OK();
}

// (a) ours: read the file, build Bronze rows, commit to one Delta table every kBatchBytes.
constexpr int64_t kBatchBytes = 64LL << 20;  // the ingest's default --max-batch-bytes
Result<double> OursFileToBronze(const std::string& file, const std::string& table_path) {
  std::filesystem::remove_all(table_path);
  const auto t0 = Clock::now();
  auto fs = io::PosixFileSystem();
  FL_ASSIGN_OR_RETURN(auto table, pipeline::ExactlyOnceTable::OpenOrCreate(
                                      fs, table_path, pipeline::BronzeLayout()));
  pipeline::BronzeBatchBuilder rows;
  int64_t offset = 0, committed = -1;
  const int64_t now = pipeline::WallMicros();
  auto commit = [&]() -> Status {
    const columnar::RecordBatch batch = rows.Finish();
    FL_ASSIGN_OR_RETURN(auto r, table->Commit(batch, {{"bench:file", committed, offset}}, "bench"));
    committed = offset;
    return Status::OK();
  };
  // The file in 4 MiB blocks, cut at newlines (a line spanning two blocks is carried over).
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!in) return Status::IOError("bench: cannot read " + file);
  std::vector<char> block(4 << 20);
  size_t kept = 0;
  while (true) {
    const size_t got = std::fread(block.data() + kept, 1, block.size() - kept, in.get());
    const size_t filled = kept + got;
    const bool eof = got == 0;
    size_t begin = 0;
    while (begin < filled) {
      const char* nl = static_cast<const char*>(std::memchr(block.data() + begin, '\n', filled - begin));
      if (nl == nullptr && !eof) break;  // an incomplete line: read more
      const size_t end = nl == nullptr ? filled : static_cast<size_t>(nl - block.data());
      pipeline::BronzeRecord r;
      r.payload = std::string_view(block.data() + begin, end - begin);
      r.topic = "stock-trades";
      r.offset = ++offset;
      r.source_position = "";
      rows.Append(r, now);
      if (rows.bytes() >= kBatchBytes) FL_RETURN_NOT_OK(commit());
      begin = end + 1;
    }
    if (eof) break;
    kept = filled - std::min(begin, filled);
    if (kept == block.size()) block.resize(block.size() * 2);  // a line longer than a block
    std::memmove(block.data(), block.data() + filled - kept, kept);
  }
  if (rows.rows() > 0) FL_RETURN_NOT_OK(commit());
  return SecondsSince(t0);
}

Status PartA(const BenchIngestArgs& a) {
  const std::string file = a.workdir + "/events.jsonl";
  FL_RETURN_NOT_OK(WriteEventsFile(file, a.file_events));
  double ours = 1e9;
  for (int i = 0; i < 3; ++i) {
    FL_ASSIGN_OR_RETURN(double s, OursFileToBronze(file, a.workdir + "/bronze_file"));
    ours = std::min(ours, s);
  }
  {  // untimed: the table holds every line once
    auto table = delta::Table::Open(io::PosixFileSystem(), a.workdir + "/bronze_file");
    FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, table->Latest());
    int64_t landed = 0;
    for (const delta::AddFile& f : snap->files()) landed += f.stats ? delta::StatsNumRecords(*f.stats).value_or(0) : 0;
    if (landed != a.file_events) {
      return Status::Internal(fmt::format("bench: Bronze holds {} rows, the file {}", landed, a.file_events));
    }
  }
  FL_ASSIGN_OR_RETURN(std::string peer,
                      RunPeer(fmt::format("node '{}/bench/duckdb_json_peer.mjs' --input '{}' "
                                             "--workdir '{}' --repeat 3",
                                             FL_SOURCE_DIR, file, a.workdir)));
  const double duck = PeerNumber(peer, "seconds");
  if (duck <= 0) return Status::Unavailable("bench: the DuckDB peer printed no time: " + peer);
  const double n = static_cast<double>(a.file_events);
  std::printf("(a) jsonl -> table, events/s  ours %8.0fk  duckdb %8.0fk  %s\n", n / ours / 1000,
              n / duck / 1000, Ratio(duck, ours, 2.0, true).c_str());
  ReportFigure({"ingest", "(a) JSONL -> Bronze events/s", fmt::format("{:.0f}k", n / ours / 1000),
                fmt::format("duckdb {:.0f}k", n / duck / 1000), fmt::format("{:.2f}x", duck / ours), ">= 2.0x",
                duck / ours >= 2.0});
  return Status::OK();
}

// Produces `n` stock events (keyed) as fast as the producer goes; returns when flushed.
Status ProduceEvents(const std::string& brokers, int64_t n) {
  kafka::ProducerOptions po;
  po.brokers = brokers;
  FL_ASSIGN_OR_RETURN(auto producer, kafka::Producer::Open(po));
  sources::SourceSpec spec;
  spec.flags = {{"topics", "stock-trades"}, {"count", std::to_string(n)},
                {"start", "2024-03-04T14:30:00Z"}};
  FL_ASSIGN_OR_RETURN(auto source, sources::MakeSource(spec, "", nullptr));
  std::vector<sources::Event> batch;
  while (true) {
    FL_ASSIGN_OR_RETURN(size_t got, source->NextBatch(&batch, 4096));
    if (got == 0) break;
    for (const sources::Event& e : batch) {
      FL_RETURN_NOT_OK(producer->Produce("stock-trades", e.key, e.payload, TimestampMicros(0)));
    }
  }
  return producer->Flush(std::chrono::seconds(120));
}

Status PartB(const BenchIngestArgs& a) {
  kafka::BrokerOptions bo;
  bo.port = 0;
  bo.partitions = 8;  // the mock keeps ~5 MB per partition: spread the messages
  FL_ASSIGN_OR_RETURN(auto broker, kafka::MockBroker::Start(bo));
  FL_RETURN_NOT_OK(ProduceEvents(broker->bootstrap(), a.drain_messages));
  double kcat = 1e9;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = Clock::now();
    FL_ASSIGN_OR_RETURN(std::string out,
                        RunPeer(fmt::format("kcat -b {} -C -t stock-trades -e -q -o beginning -f '%o\\n' | wc -l",
                                               broker->bootstrap())));
    kcat = std::min(kcat, SecondsSince(t0));
    if (std::atoll(out.c_str()) != a.drain_messages) {
      return Status::Internal(fmt::format("bench: kcat read {} messages, expected {}", out, a.drain_messages));
    }
  }
  double ours = 1e9, ours_total = 1e9;
  for (int i = 0; i < 3; ++i) {
    pipeline::KafkaIngestOptions o;
    o.lake = a.workdir + "/drain" + std::to_string(i);
    std::filesystem::remove_all(o.lake);
    o.brokers = broker->bootstrap();
    o.topics = {"stock-trades"};
    o.group = "bench-drain-" + std::to_string(i);
    o.once = true;
    const int64_t start_ms = pipeline::MonotonicMs();
    FL_ASSIGN_OR_RETURN(pipeline::IngestProgress p, pipeline::RunKafkaIngest(o));
    const int64_t end_ms = pipeline::MonotonicMs();
    if (p.rows_committed != a.drain_messages) {
      return Status::Internal(fmt::format("bench: ingest committed {} rows, expected {}",
                                          p.rows_committed, a.drain_messages));
    }
    ours = std::min(ours, static_cast<double>(end_ms - p.first_record_ms) / 1000.0);
    ours_total = std::min(ours_total, static_cast<double>(end_ms - start_ms) / 1000.0);
  }
  const double n = static_cast<double>(a.drain_messages);
  std::printf("(b) broker drain, msgs/s      ours %8.0fk  kcat   %8.0fk  %s\n", n / ours / 1000,
              n / kcat / 1000, Ratio(kcat, ours, 0.8, true).c_str());
  ReportFigure({"ingest", "(b) broker drain msgs/s", fmt::format("{:.0f}k", n / ours / 1000),
                fmt::format("kcat {:.0f}k", n / kcat / 1000), fmt::format("{:.2f}x", kcat / ours), ">= 0.8x",
                kcat / ours >= 0.8});
  std::printf("    (ours from the first record to the last commit; with the consumer-group join "
              "the whole run took %.2f s, kcat %.2f s)\n", ours_total, kcat);
  return Status::OK();
}

// The peak resident set of a process, from /proc.
int64_t PeakRssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

Status PartC(const BenchIngestArgs& a) {
  kafka::BrokerOptions bo;
  bo.port = 0;
  bo.partitions = 8;
  FL_ASSIGN_OR_RETURN(auto broker, kafka::MockBroker::Start(bo));
  const std::string lake = a.workdir + "/fresh";
  std::filesystem::remove_all(lake);
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<std::string> args = {self, "ingest", "--brokers", broker->bootstrap(), "--topics",
                                   "stock-trades", "--group", "bench-fresh", "--lake", lake,
                                   "--max-latency-ms", std::to_string(a.max_latency_ms), "--progress-interval-s", "0",
                                   "--kafka-setting", "session.timeout.ms=6000"};
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    return Status::IOError("bench: cannot start " + self);
  }
  // Wait for the table, then produce at a steady rate while watching new versions appear.
  auto table = delta::Table::Open(io::PosixFileSystem(), pipeline::BronzeTablePath(lake, "stock-trades"));
  for (int i = 0; i < 200 && !table->Exists().ValueOr(false); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Warm up: one message, seen in the table, so the consumer has joined its group before the
  // timed production starts (the join is not what freshness is about).
  std::set<std::string> seen;
  {
    kafka::ProducerOptions po;
    po.brokers = broker->bootstrap();
    FL_ASSIGN_OR_RETURN(auto p, kafka::Producer::Open(po));
    FL_RETURN_NOT_OK(p->Produce("stock-trades", "warmup", R"({"ticker":"W"})", TimestampMicros(0)));
    FL_RETURN_NOT_OK(p->Flush(std::chrono::seconds(30)));
    const auto warm_deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < warm_deadline) {
      auto snap = table->Latest();
      if (snap.ok() && !(*snap)->files().empty()) {
        for (const delta::AddFile& f : (*snap)->files()) seen.insert(f.path);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (seen.empty()) return Status::Unavailable("bench: the ingest process never committed the warm-up message");
  }
  std::vector<double> lags_ms;
  std::atomic<bool> producing{true};
  Status produce_status;
  int64_t produced = 0;
  std::thread producer([&] {
    kafka::ProducerOptions po;
    po.brokers = broker->bootstrap();
    po.linger_ms = 5;
    auto p = kafka::Producer::Open(po);
    if (!p.ok()) {
      produce_status = p.status();
      return;
    }
    const auto t0 = Clock::now();
    const std::string payload_head = R"({"ticker":"T)";
    while (SecondsSince(t0) < a.seconds) {
      const int64_t due = static_cast<int64_t>(SecondsSince(t0) * a.rate);
      for (; produced < due; ++produced) {
        const std::string key = "T" + std::to_string(produced % 500);
        const std::string payload = fmt::format(
            R"({{"ticker":"{}","price":{}.25,"volume":100,"event_time":"2024-03-04T15:00:00Z","source":"bench","event_id":"b{}"}})",
            key, 100 + produced % 50, produced);
        Status st = (*p)->Produce("stock-trades", key, payload, TimestampMicros(0));
        if (!st.ok()) {
          produce_status = st;
          return;
        }
      }
      (*p)->Poll(std::chrono::milliseconds(1));
    }
    produce_status = (*p)->Flush(std::chrono::seconds(60));
    producing.store(false);
  });
  int64_t rows = 0;
  const auto deadline = Clock::now() + std::chrono::duration<double>(a.seconds + 30);
  while (Clock::now() < deadline) {
    auto snap = table->Latest();
    const int64_t visible_us = pipeline::WallMicros();
    if (snap.ok()) {
      for (const delta::AddFile& f : (*snap)->files()) {
        if (!seen.insert(f.path).second) continue;
        auto rel = delta::DecodeLogPath(f.path);
        if (!rel.ok()) continue;
        auto reader = parquet::ParquetReader::Open(table->fs(), io::JoinPath(table->path(), *rel));
        if (!reader.ok()) return reader.status();
        auto batch = (*reader)->ReadAll({pipeline::kKafkaTimestamp});
        if (!batch.ok()) return batch.status();
        const columnar::Column& ts = batch->column(0);
        for (int64_t i = 0; i < batch->num_rows(); ++i) {
          lags_ms.push_back(static_cast<double>(visible_us - ts.ValueAt<int64_t>(i)) / 1000.0);
        }
        rows += batch->num_rows();
      }
    }
    if (!producing.load() && rows >= produced) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  producer.join();
  const int64_t rss_kb = PeakRssKb(pid);
  kill(pid, SIGTERM);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  FL_RETURN_NOT_OK(produce_status);
  if (lags_ms.empty() || rows < produced) {
    return Status::Internal(fmt::format("bench: only {} of {} rows became visible", rows, produced));
  }
  std::sort(lags_ms.begin(), lags_ms.end());
  auto pct = [&](double q) { return lags_ms[static_cast<size_t>(q * (lags_ms.size() - 1))]; };
  std::printf("(c) freshness at %.0fk events/s for %.0f s (%lld rows, --max-latency-ms %lld): "
              "p50 %.0f ms (target <= 1000 %s)  p99 %.0f ms (target <= 2000 %s)  max %.0f ms;  "
              "ingest peak RSS %.0f MiB\n",
              a.rate / 1000, a.seconds, static_cast<long long>(rows),
              static_cast<long long>(a.max_latency_ms), pct(0.5),
              pct(0.5) <= 1000 ? "met" : "NOT met", pct(0.99), pct(0.99) <= 2000 ? "met" : "NOT met",
              lags_ms.back(), static_cast<double>(rss_kb) / 1024.0);
  const std::string at = fmt::format("(c) freshness p50 at {:.0f}k/s", a.rate / 1000);
  ReportFigure({"ingest", at, fmt::format("{:.0f} ms", pct(0.5)), "", "", "<= 1000 ms", pct(0.5) <= 1000});
  ReportFigure({"ingest", fmt::format("(c) freshness p99 at {:.0f}k/s", a.rate / 1000), fmt::format("{:.0f} ms", pct(0.99)),
                "", "", "<= 2000 ms", pct(0.99) <= 2000});
  return Status::OK();
}

Status RunBenchIngest(const BenchIngestArgs& a) {
  std::filesystem::create_directories(a.workdir);
  std::printf("bench ingest: 1 thread for ours and the peers; workdir %s\n", a.workdir.c_str());
  std::fflush(stdout);
  if (a.parts.find('a') != std::string::npos) FL_RETURN_NOT_OK(PartA(a));
  std::fflush(stdout);
  if (a.parts.find('b') != std::string::npos) FL_RETURN_NOT_OK(PartB(a));
  std::fflush(stdout);
  if (a.parts.find('c') != std::string::npos) FL_RETURN_NOT_OK(PartC(a));
  return Status::OK();
}

}  // namespace

void RegisterBenchIngestCommand(CLI::App& bench, Action* action) {
  auto a = std::make_shared<BenchIngestArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "ingest", "Bronze ingest vs DuckDB (jsonl -> table) and kcat (broker drain); freshness");
  cmd->add_option("--workdir", a->workdir, "scratch directory (default /tmp/financelake-bench-ingest)");
  cmd->add_option("--file-events", a->file_events, "(a) events in the JSON-lines file (default 1000000)");
  cmd->add_option("--drain-messages", a->drain_messages, "(b) messages to drain (default 150000; the dev broker keeps ~5 MB per partition)");
  cmd->add_option("--rate", a->rate, "(c) events per second (default 50000)");
  cmd->add_option("--seconds", a->seconds, "(c) seconds of steady production (default 20)");
  cmd->add_option("--max-latency-ms", a->max_latency_ms, "(c) the ingest's --max-latency-ms (default 250)");
  cmd->add_option("--parts", a->parts, "which parts to run, e.g. 'ac' (default abc)");
  cmd->callback([a, action] { *action = [a] { return RunBenchIngest(*a); }; });
}

}  // namespace financelake::apps
