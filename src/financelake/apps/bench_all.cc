// `financelake bench all`: every benchmark, one after the other, each in its own child process
// (so one's memory and threads never colour the next), then one table of the headline figures:
// figure, ours, peer, ratio, target, met. The children print their full reports as they go; the
// figures come back through FL_BENCH_FIGURES (bench_util.h).
#include <fmt/format.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "financelake/apps/bench_util.h"
#include "financelake/apps/commands.h"
#include "financelake/base/json.h"

namespace financelake::apps {

namespace {

struct BenchAllArgs {
  std::vector<std::string> only;
  std::vector<std::string> skip;
  bool quick = false;
  std::string markdown;  // also write the table here
};

// A benchmark; a full run uses its documented defaults, --quick adds `quick` (smaller sizes: a
// smoke run of the command, not a measurement).
struct BenchRun {
  std::string name;
  std::vector<std::string> quick;
};

const std::vector<BenchRun>& Benches() {
  static const std::vector<BenchRun> runs = {
      {"parquet", {"--rows", "200000", "--repeat", "1"}},
      {"delta", {"--commits", "300", "--travel-version", "150", "--appends", "50", "--repeat", "2",
                     "--workdir", "/tmp/financelake-bench-quick"}},
      {"ingest", {"--file-events", "50000", "--drain-messages", "20000", "--rate", "5000", "--seconds", "3"}},
      {"pipeline", {"--events", "200000", "--batch", "2000"}},
      {"fraud", {"--rows", "50000", "--repeat", "1"}},
      {"lstm", {"--epochs", "1", "--runs", "1"}},
      {"sql", {"--trades-per-day", "2", "--repeat", "1"}},
      {"serve", {"--clients", "10", "--seconds", "1", "--pushes", "3"}},
  };
  return runs;
}

// "met" / "NOT met" for a figure with a target, "-" without.
std::string MetText(const BenchFigure& f) {
  if (f.target.empty()) return "-";
  return f.met ? "met" : "NOT met";
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string SelfPath() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("financelake") : p.string();
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      return colon == std::string::npos ? "" : line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

std::string Machine() {
  struct utsname u {};
  uname(&u);
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return fmt::format("{} cores ({}), {:.0f} GiB RAM, {} {}", std::thread::hardware_concurrency(), CpuModel(),
                     static_cast<double>(pages) * static_cast<double>(page) / (1024.0 * 1024 * 1024), u.sysname,
                     u.release);
}

std::vector<BenchFigure> ReadFigures(const std::string& path) {
  std::vector<BenchFigure> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto j = Json::Parse(line);
    if (!j.ok()) continue;
    auto str = [&](const char* k) { return j->GetString(k, ""); };
    out.push_back({str("bench"), str("figure"), str("ours"), str("peer"), str("ratio"), str("target"),
                   j->GetBool("met", false)});
  }
  return out;
}

std::string Table(const std::vector<BenchFigure>& rows) {
  const std::vector<std::string> head = {"bench", "figure", "ours", "peer", "ratio", "target", "met?"};
  std::vector<std::vector<std::string>> cells;
  for (const BenchFigure& f : rows) {
    cells.push_back({f.bench, f.figure, f.ours, f.peer.empty() ? "-" : f.peer, f.ratio.empty() ? "-" : f.ratio,
                     f.target.empty() ? "-" : f.target, MetText(f)});
  }
  std::vector<size_t> width(head.size());
  for (size_t c = 0; c < head.size(); ++c) {
    width[c] = head[c].size();
    for (const auto& r : cells) width[c] = std::max(width[c], r[c].size());
  }
  std::string out;
  auto row = [&](const std::vector<std::string>& r) {
    out += "|";
    for (size_t c = 0; c < r.size(); ++c) out += " " + r[c] + std::string(width[c] - r[c].size(), ' ') + " |";
    out += "\n";
  };
  row(head);
  out += "|";
  for (size_t w : width) out += std::string(w + 2, '-') + "|";
  out += "\n";
  for (const auto& r : cells) row(r);
  return out;
}

Status RunBenchAll(const BenchAllArgs& a) {
  for (const auto& list : {a.only, a.skip}) {
    for (const std::string& n : list) {
      const auto& b = Benches();
      if (std::none_of(b.begin(), b.end(), [&](const BenchRun& r) { return r.name == n; })) {
        return Status::InvalidArgument(fmt::format("bench all: no benchmark '{}' (parquet, delta, ingest, pipeline, fraud, lstm, sql, serve)", n));
      }
    }
  }
  char tmpl[] = "/tmp/financelake-bench-figures-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return Status::IOError("bench all: cannot create a temporary file");
  close(fd);
  const std::string figures = tmpl;
  setenv("FL_BENCH_FIGURES", figures.c_str(), 1);
  const std::string self = SelfPath();
  std::vector<std::string> failed;
  std::vector<BenchFigure> rows;
  for (const BenchRun& b : Benches()) {
    if (!a.only.empty() && std::find(a.only.begin(), a.only.end(), b.name) == a.only.end()) continue;
    if (std::find(a.skip.begin(), a.skip.end(), b.name) != a.skip.end()) continue;
    std::string cmd = Quote(self) + " bench " + b.name;
    if (a.quick) {
      for (const std::string& f : b.quick) cmd += " " + Quote(f);
    }
    std::printf("\n=== %s\n", cmd.c_str());
    std::fflush(stdout);
    const int rc = std::system(cmd.c_str());
    const auto got = ReadFigures(figures);
    std::ofstream(figures, std::ios::trunc);  // empty it for the next run
    rows.insert(rows.end(), got.begin(), got.end());
    if (rc != 0 || got.empty()) {
      failed.push_back(b.name);
      rows.push_back({b.name, rc != 0 ? fmt::format("FAILED (exit {})", WIFEXITED(rc) ? WEXITSTATUS(rc) : rc)
                                      : "FAILED (no figures)",
                      "", "", "", "", false});
    }
  }
  std::filesystem::remove(figures);
  unsetenv("FL_BENCH_FIGURES");
  const std::string table = Table(rows);
  const std::string header =
      fmt::format("bench all{}: {}", a.quick ? " --quick (smoke sizes: not measurements)" : "", Machine());
  std::printf("\n%s\n%s", header.c_str(), table.c_str());
  const auto met = std::count_if(rows.begin(), rows.end(), [](const BenchFigure& f) { return !f.target.empty() && f.met; });
  const auto with_target = std::count_if(rows.begin(), rows.end(), [](const BenchFigure& f) { return !f.target.empty(); });
  std::printf("targets met: %lld of %lld\n", static_cast<long long>(met), static_cast<long long>(with_target));
  if (!a.markdown.empty()) {
    std::ofstream out(a.markdown);
    out << header << "\n\n" << table;
    if (!out) return Status::IOError("bench all: cannot write " + a.markdown);
  }
  if (!failed.empty()) {
    std::string names;
    for (const auto& n : failed) names += (names.empty() ? "" : ", ") + n;
    return Status::Internal("bench all: these benchmarks failed: " + names);
  }
  return Status::OK();
}

}  // namespace

void RegisterBenchAllCommand(CLI::App& bench, Action* action) {
  auto a = std::make_shared<BenchAllArgs>();
  CLI::App* cmd = bench.add_subcommand("all", "every benchmark, then one table: figure, ours, peer, ratio, target, met?");
  cmd->add_option("--only", a->only, "run only these (comma-separated: parquet,delta,ingest,pipeline,fraud,lstm,sql,serve)")
      ->delimiter(',');
  cmd->add_option("--skip", a->skip, "skip these (comma-separated)")->delimiter(',');
  cmd->add_flag("--quick", a->quick, "small sizes: checks every benchmark runs; the figures are not measurements");
  cmd->add_option("--markdown", a->markdown, "also write the table (Markdown) to this file");
  cmd->callback([a, action] { *action = [a] { return RunBenchAll(*a); }; });
}

}  // namespace financelake::apps
