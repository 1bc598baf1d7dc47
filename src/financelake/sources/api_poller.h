// The `yahoo`, `alphavantage` and `coingecko` sources: real HTTP pollers (libcurl through
// http_client.h) that turn API responses into events (api_parsers.h).
//
// Every `interval_s` a round requests each symbol; new events (by event_id: the same bar polled
// again has the same id and is emitted once per run) are handed out by NextBatch(). Requests are
// spaced by at least `min_request_interval_s`; HTTP 429/5xx, transport errors and timeouts, and
// a 200 that carries a quota notice are retried with exponential backoff and jitter (or after
// Retry-After), each retry logged as one line, up to `max_retries`; then the source fails with
// the last reason. A malformed response is an error at once. No price is ever made up: when the
// API cannot answer, the source waits or fails. API keys come only from the environment
// (ALPHAVANTAGE_API_KEY, COINGECKO_API_KEY) and never appear in logs or errors.
// Position(): the number of events emitted so far; pollers cannot regenerate the past, so a
// restart polls afresh (Bronze deduplicates nothing; Silver does, by event_id).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/sources/options.h"
#include "financelake/sources/pacing.h"
#include "financelake/sources/source.h"

namespace financelake::sources {

struct PollerOptions {
  std::string api;       // yahoo | alphavantage | coingecko
  std::string base_url;  // "" = the public API
  // yahoo/alphavantage: tickers ("AAPL", "BTC-USD"); coingecko: coin ids, optionally with their
  // symbol ("bitcoin=BTC").
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
  Clock* clock = nullptr;                       // nullptr: SystemClock()
  std::function<void(const std::string&)> log;  // nullptr: stderr
};

// Flags (without dashes): symbols, base-url, interval-s, polls, max-retries, timeout-ms, range,
// interval, function, min-request-interval-s. InvalidArgument names the flag.
Result<PollerOptions> ParsePollerOptions(const std::string& api, const OptionMap& flags);

Result<std::unique_ptr<Source>> MakePollerSource(const PollerOptions& options);

bool IsPollerName(const std::string& name);

}  // namespace financelake::sources
