// `financelake bench serve`: the dashboard API under load. A gold/daily_prices table of 5 years x
// 500 tickers (630,000 rows) is built (untimed), `serve` runs in process, and C clients (one
// keep-alive connection and one thread each, a plain HTTP/1.1 client) send requests as fast as
// answers come for D seconds: candles of a random ticker over one year, and /api/health.
// Printed: requests/s, p50/p99/max latency. Then the push latency: an event-stream client is
// connected, a commit is made to a table, and the time until its `commit` event arrives is
// measured (N times).
#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "financelake/apps/bench_util.h"
#include "financelake/apps/commands.h"
#include "financelake/columnar/value.h"
#include "financelake/delta/operations.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/gold_stage.h"
#include "financelake/server/dashboard.h"

namespace financelake::apps {
namespace {

struct BenchServeArgs {
  std::string workdir = "/tmp/financelake-bench-serve";
  int clients = 100;
  double seconds = 10;
  int pushes = 10;
};

constexpr int kTickers = 500, kYears = 5, kFirstYear = 2020;

Status BuildGold(const std::string& lake) {
  auto table = delta::Table::Open(io::PosixFileSystem(), pipeline::DailyPricesPath(lake));
  const columnar::Schema& schema = pipeline::DailyPricesSchema();
  FL_RETURN_NOT_OK(delta::CreateTable(*table, schema, {}).status());
  std::mt19937_64 rng(3);
  auto u = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  const int32_t first = columnar::DaysFromCivil(kFirstYear, 1, 1);
  // One file per (year, group of 25 tickers): file statistics separate tickers and years.
  for (int y = 0; y < kYears; ++y) {
    for (int g = 0; g < kTickers / 25; ++g) {
      std::vector<columnar::Column> cols;
      for (const auto& f : schema.fields()) cols.emplace_back(f.type);
      for (int t = g * 25; t < (g + 1) * 25; ++t) {
        double p = 50 + t;
        for (int32_t d = first + y * 365; d < first + (y + 1) * 365; ++d) {
          if ((d + 4) % 7 >= 5) continue;
          const double o = p;
          p *= std::exp((u() - 0.5) * 0.04);
          cols[0].Append<int32_t>(d);
          cols[1].AppendString(fmt::format("T{:03d}", t));
          cols[2].AppendString("stock");
          cols[3].Append<double>(o);
          cols[4].Append<double>(std::max(o, p) * 1.01);
          cols[5].Append<double>(std::min(o, p) * 0.99);
          cols[6].Append<double>(p);
          cols[7].Append<double>((o + p) / 2);
          cols[8].Append<double>((o + p) / 2);
          cols[9].Append<double>(1e6 * (1 + u()));
          cols[10].Append<int64_t>(1000);
        }
      }
      FL_ASSIGN_OR_RETURN(columnar::RecordBatch b, columnar::RecordBatch::Make(schema, std::move(cols)));
      FL_RETURN_NOT_OK(delta::Append(*table, b).status());
    }
  }
  return Status::OK();
}

// A minimal keep-alive HTTP/1.1 client for GETs with Content-Length answers.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() { ::close(fd_); }
  // The status code, or -1 on a broken connection.
  int Get(const std::string& path) {
    if (!ok_) return -1;
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) return -1;
    std::string buf;
    char chunk[65536];
    size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return -1;
      buf.append(chunk, static_cast<size_t>(n));
      header_end = buf.find("\r\n\r\n");
    }
    const int status = std::atoi(buf.c_str() + 9);
    size_t len = 0;
    const size_t cl = buf.find("Content-Length: ");
    if (cl != std::string::npos && cl < header_end) len = std::strtoul(buf.c_str() + cl + 16, nullptr, 10);
    while (buf.size() < header_end + 4 + len) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return -1;
      buf.append(chunk, static_cast<size_t>(n));
    }
    return status;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

struct Load {
  double rps = 0, p50_ms = 0, p99_ms = 0, max_ms = 0;
  int64_t requests = 0, failures = 0;
};

double Percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

Load RunLoad(int port, int clients, double seconds, bool candles) {
  std::vector<std::vector<double>> lat(static_cast<size_t>(clients));
  std::atomic<int64_t> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  const auto t0 = BenchClock::now();
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto client = std::make_unique<Client>(port);
      std::mt19937 rng(static_cast<unsigned>(c) + 1);
      while (!go.load()) std::this_thread::yield();
      const auto end = BenchClock::now() + std::chrono::duration<double>(seconds);
      while (BenchClock::now() < end) {
        const std::string path =
            candles ? fmt::format("/api/candles?ticker=T{:03d}&from=2023-01-01&to=2023-12-31", rng() % kTickers)
                    : "/api/health";
        const auto s = BenchClock::now();
        const int status = client->Get(path);
        if (status != 200) {
          ++failures;
          if (status < 0) client = std::make_unique<Client>(port);  // the server closed it: reconnect
          continue;
        }
        lat[static_cast<size_t>(c)].push_back(SecondsSince(s) * 1000);
      }
    });
  }
  go.store(true);
  for (auto& t : threads) t.join();
  const double elapsed = SecondsSince(t0);
  std::vector<double> all;
  for (auto& v : lat) all.insert(all.end(), v.begin(), v.end());
  Load l;
  l.requests = static_cast<int64_t>(all.size());
  l.failures = failures.load();
  l.rps = static_cast<double>(all.size()) / elapsed;
  l.max_ms = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
  l.p99_ms = Percentile(all, 0.99);
  l.p50_ms = Percentile(all, 0.50);
  return l;
}

// Seconds from a commit to its event on an open stream, `n` times.
Result<std::vector<double>> PushLatency(int port, const std::string& lake, int n) {
  Client stream(port);
  const std::string req = "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (::send(stream.fd(), req.data(), req.size(), MSG_NOSIGNAL) < 0) return Status::IOError("event stream");
  auto table = delta::Table::Open(io::PosixFileSystem(), pipeline::DailyPricesPath(lake));
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, table->Latest());
  std::vector<double> out;
  std::string buf;
  char chunk[4096];
  for (int i = 0; i < n; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + 37 * i));  // commits at random phases of the poll
    std::vector<columnar::Column> cols;
    for (const auto& f : snap->schema().fields()) cols.emplace_back(f.type);
    cols[0].Append<int32_t>(20000 + i);
    cols[1].AppendString("PUSH");
    cols[2].AppendString("stock");
    for (int k = 3; k <= 9; ++k) cols[static_cast<size_t>(k)].Append<double>(1.0);
    cols[10].Append<int64_t>(1);
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch b, columnar::RecordBatch::Make(snap->schema(), std::move(cols)));
    const auto t0 = BenchClock::now();
    FL_ASSIGN_OR_RETURN(delta::WriteOutcome w, delta::Append(*table, b));
    const std::string want = fmt::format("\"path\":\"gold/daily_prices\",\"version\":{}", w.version.value());
    while (buf.find(want) == std::string::npos) {
      const ssize_t got = ::recv(stream.fd(), chunk, sizeof chunk, 0);
      if (got <= 0) return Status::IOError("the event stream closed");
      buf.append(chunk, static_cast<size_t>(got));
    }
    out.push_back(SecondsSince(t0));
    buf.clear();
  }
  return out;
}

Status RunBenchServe(const BenchServeArgs& a) {
  if (a.clients < 1 || a.clients > 1000 || !(a.seconds > 0) || a.pushes < 1) {
    return Status::InvalidArgument("--clients 1..1000, --seconds > 0, --pushes >= 1");
  }
  std::filesystem::remove_all(a.workdir);
  const std::string lake = a.workdir + "/lake";
  const auto tb = BenchClock::now();
  FL_RETURN_NOT_OK(BuildGold(lake));
  std::printf("gold/daily_prices: %d tickers x %d years of trading days (%d files), built in %.1f s (untimed)\n", kTickers,
              kYears, kYears * kTickers / 25, SecondsSince(tb));
  server::DashboardOptions o;
  o.lake = lake;
  o.port = 0;
  o.threads = a.clients + 8;  // cpp-httplib: a keep-alive connection holds a worker thread
  FL_ASSIGN_OR_RETURN(auto dash, server::Dashboard::Start(io::PosixFileSystem(), o));
  std::printf("serve: %d worker threads, %d clients with one keep-alive connection each, %.0f s per run\n", o.threads,
              a.clients, a.seconds);
  std::printf("  %-46s %9s %8s %8s %8s %9s\n", "endpoint", "req/s", "p50 ms", "p99 ms", "max ms", "failures");
  for (bool candles : {true, false}) {
    const Load l = RunLoad(dash->port(), a.clients, a.seconds, candles);
    std::printf("  %-46s %9.0f %8.2f %8.2f %8.1f %9lld\n",
                candles ? "/api/candles (random ticker of 500, one year)" : "/api/health", l.rps, l.p50_ms, l.p99_ms,
                l.max_ms, static_cast<long long>(l.failures));
    if (candles) std::printf("    target p99 <= 50 ms at %d clients: %s\n", a.clients, l.p99_ms <= 50 ? "met" : "NOT met");
    if (candles) {
      ReportFigure({"serve", fmt::format("/api/candles p99, {} clients", a.clients), fmt::format("{:.1f} ms", l.p99_ms), "",
                    "", "<= 50 ms", l.p99_ms <= 50});
    }
  }
  FL_ASSIGN_OR_RETURN(std::vector<double> push, PushLatency(dash->port(), lake, a.pushes));
  std::vector<double> sorted = push;
  std::sort(sorted.begin(), sorted.end());
  std::printf("commit -> event on an open stream (%d commits, poll every %d ms): median %.0f ms, max %.0f ms; "
              "target <= 1 s: %s\n",
              a.pushes, o.poll_ms, sorted[sorted.size() / 2] * 1000, sorted.back() * 1000,
              sorted.back() <= 1.0 ? "met" : "NOT met");
  ReportFigure({"serve", "commit -> dashboard event, max", fmt::format("{:.0f} ms", sorted.back() * 1000), "", "",
                "<= 1000 ms", sorted.back() <= 1.0});
  dash->Stop();
  std::filesystem::remove_all(a.workdir);
  return Status::OK();
}

}  // namespace

void RegisterBenchServeCommand(CLI::App& bench, Action* action) {
  auto a = std::make_shared<BenchServeArgs>();
  CLI::App* cmd = bench.add_subcommand("serve", "dashboard API latency under concurrent clients, commit-to-push latency");
  cmd->add_option("--clients", a->clients, "concurrent clients (default 100)");
  cmd->add_option("--seconds", a->seconds, "seconds per endpoint (default 10)");
  cmd->add_option("--pushes", a->pushes, "commits whose push latency is measured (default 10)");
  cmd->add_option("--workdir", a->workdir, "scratch directory (removed afterwards)");
  cmd->callback([action, a] { *action = [a] { return RunBenchServe(*a); }; });
}

}  // namespace financelake::apps
