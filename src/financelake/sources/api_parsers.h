// Parsers of the public market-data APIs' JSON into events (docs/events.md, "API pollers").
// Each returns the events of one response, or the quota message when the API answered 200 with
// a rate-limit notice instead of data (Alpha Vantage "Note"/"Information"), or an error naming
// what is malformed. Nothing is ever invented: a missing value is skipped or null, never filled.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/sources/contracts.h"
#include "financelake/sources/event.h"

namespace financelake::sources {

// How long after its session's close (or a crypto day's end) a daily bar is taken as final: the
// closing auction's price and the consolidated volume reach the APIs minutes after the bell.
inline constexpr int64_t kDailyBarSettleMicros = 15LL * 60 * 1000000;

struct ParsedBody {
  std::vector<Event> events;
  // complete_at[i]: the UTC instant (µs) from which events[i] is final: a bar's period has ended
  // (intraday: its start plus its interval; daily: its session's close, or the end of its UTC
  // day for crypto, plus kDailyBarSettleMicros); a tick: its own time. Before that the API shows
  // a bar still forming, which the poller does not emit (api_poller.h).
  std::vector<int64_t> complete_at;
  std::string quota_message;  // non-empty: rate limited, no data

  void Add(Event event, int64_t complete) {
    events.push_back(std::move(event));
    complete_at.push_back(complete);
  }
};

// Yahoo chart API v8 (`/v8/finance/chart/<SYMBOL>`): one bar per timestamp with a close;
// CRYPTOCURRENCY instruments ("BTC-USD") become crypto-prices bars of "BTC". Daily bars are
// stamped 16:00 New York (stocks) or 23:59:59 UTC (crypto) of their date, as CSV bars are. A
// daily stock bar is complete at the later of that stamp and, for the session in
// meta.currentTradingPeriod, its regular end (exchanges closing after 16:00 New York).
Result<ParsedBody> ParseYahooChart(std::string_view body, EventSerializer& out);

// Alpha Vantage GLOBAL_QUOTE (one daily bar of the latest trading day) and TIME_SERIES_*
// (intraday bars in the series' time zone, or daily bars), in time order (the API lists a series
// newest first).
Result<ParsedBody> ParseAlphaVantage(std::string_view body, EventSerializer& out);

// CoinGecko /api/v3/simple/price with vs_currencies=usd (and the optional market cap, 24h
// volume, 24h change and last_updated_at fields): one tick per coin id; `symbols` maps ids to
// symbols ("bitcoin" -> "BTC") and lists the coins asked for: coins not in it are skipped (an
// empty map takes every coin, ids upper-cased), and one of them missing from the response fails
// it (InvalidArgument naming the ids), as a coin without a usd price does. `now_us` stamps coins
// without last_updated_at.
// The length of an intraday bar named like "1m", "90m", "1h", "5min" (Yahoo's and Alpha
// Vantage's names); false for anything else.
bool BarMicros(std::string_view name, int64_t* micros);

Result<ParsedBody> ParseCoinGeckoSimplePrice(std::string_view body,
                                             const std::map<std::string, std::string>& symbols,
                                             int64_t now_us, EventSerializer& out);

}  // namespace financelake::sources
