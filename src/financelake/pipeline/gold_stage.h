// The Gold stage, `gold/daily_prices`: one row per (ticker, trading_date) for stocks and crypto,
// recomputed incrementally from Silver (ARCHITECTURE.md "Table contracts").
//
// Columns: trading_date date, ticker string, asset_class string (stock | crypto), open, high,
// low, close, avg_price, vwap double (vwap null when the day has no volume), total_volume double,
// trade_count long. Trading dates: the New York calendar date of the event for stocks (time zone
// aware; sessions never cross midnight there), the UTC date for crypto.
//
// Incremental and exactly once: the Silver files added since the version recorded in Gold's
// `txn` "financelake-gold:daily_prices:<silver table>" name the (ticker, trading_date) groups
// touched; those groups (the dates x tickers touched) are recomputed from all of Silver (or,
// in a continuous pipeline, advanced from their kept aggregates: GoldState) and replace their
// old rows in one commit (replaceWhere) carrying the new txn. Replays and late events therefore
// never double-count: a group is always a function of Silver's rows.
// Per group, one feed makes the candle, so a day seen by several feeds is not counted twice: a
// daily bar if the day has one, else intraday bars of one (source, interval), else all the
// trades/ticks (of any source). Among bars: complete ones (volume, open, high, low) before
// partial ones (a close-only CSV), then the feed covering most of the day, then the one with
// the most bars, then the one ingested last. Bars of an unknown interval (Silver rows from
// before the bar_interval column) rank as intraday bars, and join their source's bars when that
// source has one intraday interval that day (the day of the upgrade).
// Over the chosen feed's rows, ordered by event_time (then event_id): open = the first row's
// open (bars) or price, close = the last row's price, high/low = max/min of high/low (bars) or
// price, total_volume = sum of volume (null volumes count 0), trade_count = rows, avg_price =
// mean price, vwap = sum(price x volume) / total_volume. Crypto ticks carry a trailing 24h volume
// rather than trade sizes: there the day's total_volume is the last tick's volume_24h and vwap
// is null (crypto bars carry their own volume and sum like stock bars).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "financelake/base/result.h"
#include "financelake/columnar/schema.h"
#include "financelake/io/filesystem.h"

namespace financelake::pipeline {

struct GoldCounts {
  int64_t silver_rows = 0;     // new Silver rows read
  int64_t groups = 0;          // (ticker, trading_date) groups written
  int64_t groups_read = 0;     // of those, computed from Silver (the others: kept aggregates)
  int64_t silver_version = -1;
  double seconds = 0;  // wall time of the table's pass
};

const columnar::Schema& DailyPricesSchema();
std::string DailyPricesPath(std::string_view lake);

// A continuous pipeline's Gold aggregates, kept across passes: every group's aggregate per feed
// as of the Silver version Gold's txn records. With it a pass reads only the new Silver rows
// and advances the touched groups' aggregates (the rows of a feed must come after every row it
// holds: a late event makes its group computed again from Silver). Valid only while Gold's txn
// is at the version it was left at and Silver's commits since then only added rows (else the
// pass computes from Silver and starts it again); dropped when it holds more than
// `max_groups` groups. Thread-compatible.
struct GoldState;
std::shared_ptr<GoldState> NewGoldState(int64_t max_groups = 100'000);
int64_t GoldStateGroups(const GoldState& state);  // the groups it holds

// One pass for the stock and crypto Silver tables that exist. Keyed by Silver table. `state`:
// a continuous pipeline's kept aggregates (nullptr: the touched groups are computed from Silver).
Result<std::map<std::string, GoldCounts>> RunGoldOnce(const std::string& lake,
                                                      std::shared_ptr<io::FileSystem> fs = nullptr,
                                                      GoldState* state = nullptr);

}  // namespace financelake::pipeline
