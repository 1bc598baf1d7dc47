#include "financelake/apps/source_flags.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace financelake::apps {
namespace {

struct FlagHelp {
  const char* name;
  const char* help;
};

constexpr FlagHelp kFlags[] = {
    {"seed", "sim: random seed (default 42); the same seed gives the same events"},
    {"topics", "sim: comma list of stock-trades,crypto-prices,bank-transactions"},
    {"tickers", "sim: stocks, e.g. 'AAPL,MSFT=420' (optional start price)"},
    {"crypto", "sim: crypto assets, e.g. 'BTC,ETH=3000'"},
    {"accounts", "sim: bank accounts (default 1000)"},
    {"fraud-rate", "sim: share of fraudulent bank transactions (default 0.01)"},
    {"rate", "sim: events per second (default: as fast as possible)"},
    {"count", "sim: stop after N events (0: no limit)"},
    {"start", "sim/csv: event time of the start (ISO-8601, YYYY-MM-DD, epoch ms or 'now')"},
    {"days", "sim: stop after this many days of event time"},
    {"trade-interval", "sim: mean seconds between trades of a ticker"},
    {"crypto-interval", "sim: mean seconds between crypto ticks"},
    {"tx-per-day", "sim: legitimate transactions per account per day"},
    {"ticker", "csv: the ticker of single-ticker price files"},
    {"asset-class", "csv: auto|stock|crypto"},
    {"speed", "csv: x real time between records (default: as fast as possible)"},
    {"source-name", "csv: the payload's 'source' (default csv)"},
    {"resume-after", "continue after this source position"},
    {"symbols",
     "yahoo/alphavantage: tickers (AAPL,BTC-USD); coingecko: coin ids (bitcoin=BTC,ethereum)"},
    {"base-url", "pollers: API base URL, http(s)://host[:port][/path] (default: the public API)"},
    {"interval-s", "pollers: seconds between polling rounds (default 60)"},
    {"polls", "pollers: stop after N >= 1 rounds (default: never stop)"},
    {"max-retries", "pollers: retries of a failing request (default 5)"},
    {"timeout-ms", "pollers: per-request timeout (default 10000)"},
    {"range", "yahoo: chart range 1d, 5d (default), 1mo, 3mo, 6mo, 1y, 2y, 5y, 10y, ytd, max"},
    {"interval",
     "yahoo: bar size 1m, 2m, 5m, 15m, 30m, 60m, 90m, 1h, 1d (default); alphavantage "
     "TIME_SERIES_INTRADAY: 1min, 5min (default), 15min, 30min, 60min"},
    {"function", "alphavantage: GLOBAL_QUOTE (default), TIME_SERIES_DAILY, TIME_SERIES_INTRADAY"},
    {"min-request-interval-s", "pollers: minimum seconds between requests (default per API)"},
};

}  // namespace

void AddSourceFlags(CLI::App* cmd, const std::shared_ptr<SourceFlags>& flags,
                    const std::vector<std::string>& except) {
  for (const FlagHelp& f : kFlags) {
    const std::string name = f.name;
    if (std::find(except.begin(), except.end(), name) != except.end()) continue;
    cmd->add_option_function<std::string>(
           "--" + name, [flags, name](const std::string& v) { flags->values[name] = v; }, f.help)
        ->type_name("VALUE");
  }
  cmd->add_option("files", flags->files, "csv: the files to replay");
}

sources::SourceSpec ToSourceSpec(const SourceFlags& flags) {
  sources::SourceSpec spec;
  spec.name = flags.source;
  spec.flags = flags.values;
  spec.paths = flags.files;
  return spec;
}

std::vector<std::string> SplitCommaList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

Status CheckSeed(uint64_t seed) {
  if (seed > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Status::InvalidArgument(
        fmt::format("--seed: must be 0 to {}", std::numeric_limits<int64_t>::max()));
  }
  return Status::OK();
}

}  // namespace financelake::apps
