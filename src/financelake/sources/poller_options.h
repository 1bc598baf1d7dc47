// Options of the API pollers (api_poller.h) and their parsing from command-line flags: every
// flag is checked at start, so a bad value fails with one line naming the flag before any
// request. Symbols are normalised to what the event contracts allow (docs/events.md).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/sources/options.h"
#include "financelake/sources/pacing.h"

namespace financelake::sources {

struct PollerOptions {
  std::string api;       // yahoo | alphavantage | coingecko
  std::string base_url;  // "" = the public API
  // yahoo/alphavantage: tickers ("AAPL", "BTC-USD", "BRK-B"); coingecko: coin ids with their
  // symbol ("bitcoin=BTC"; ParsePollerOptions always writes the symbol).
  std::vector<std::string> symbols;
  std::string range = "5d";               // yahoo
  std::string interval = "1d";            // yahoo bar size; alphavantage intraday interval
  std::string function = "GLOBAL_QUOTE";  // alphavantage: GLOBAL_QUOTE, TIME_SERIES_DAILY, ...
  double interval_s = 60;                 // between polling rounds
  int64_t polls = 0;  // rounds (>= 1 from the flag), then the source ends; 0 = forever
  int max_retries = 5;
  int timeout_ms = 10000;
  double min_request_interval_s = -1;  // -1: per API (yahoo 1, alphavantage 12, coingecko 2)
  double backoff_base_s = 1;
  Clock* clock = nullptr;  // nullptr: SystemClock()
  // The time of day, µs since the Unix epoch, for telling whether a bar is complete (and for
  // stamping ticks without a time). nullptr: the system clock. Tests set it.
  std::function<int64_t()> utc_now;
  std::function<void(const std::string&)> log;  // nullptr: stderr
};

// Flags (without dashes): symbols, base-url, interval-s, polls, max-retries, timeout-ms, range,
// interval, function, min-request-interval-s. InvalidArgument names the flag. --symbols:
// yahoo/alphavantage tickers are upper-cased and must be valid tickers (ValidateTicker:
// "EURUSD=X" is not); a CoinGecko id is lower-cased and its symbol (given, or the upper-cased
// id) must be a valid crypto symbol ("usd-coin" needs "usd-coin=USDC"); no entry twice, no
// symbol for two coins, no empty entry.
Result<PollerOptions> ParsePollerOptions(const std::string& api, const OptionMap& flags);

bool IsPollerName(const std::string& name);

}  // namespace financelake::sources
