// The Gold stage's day aggregates (gold_stage.h): one per (key, trading date, feed), fed the
// feed's rows in (event_time, event_id) order, and the candle made from a day's feeds.
// Internal to the pipeline module.
#pragma once

#include <climits>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "financelake/columnar/column.h"

namespace financelake::pipeline::gold {

constexpr int64_t kDayUs = 86400LL * 1000000;

struct Row {
  int64_t time;
  double price, volume, open, high, low;
  std::string_view id;  // event_id: orders rows of the same time
  int64_t ingest_time;
};

// Rows in (event_time, event_id) order: open and close do not depend on where rows landed.
inline bool Before(const Row& a, const Row& b) {
  return a.time != b.time ? a.time < b.time : a.id < b.id;
}

// A feed: the rows of one kind of view of the market. All trades and ticks are one feed (their
// volumes add up, whatever their source); bars are one feed per (source, interval), since two
// sources' bars of the same interval describe the same trading, as do bars of two intervals.
struct Feed {
  int tier = 1;  // 3: daily bars, 2: intraday bars (or of an unknown interval), 1: trades
  int64_t duration_us = 0;     // a bar's length; 0 for trades and unknown intervals
  std::string source;          // bars: their source
  std::string interval;        // bars: their interval ("" with interval_null)
  bool interval_null = false;  // bars from before Silver had bar_interval
  std::string key;             // "" for trades and ticks; bars: from (source, null, interval)
};

// The feed of a row of this kind ("bar", "trade", "tick"), source and bar interval.
Feed FeedOf(std::string_view kind, std::string_view source, bool interval_null,
            std::string_view interval);

// One (key, trading date, feed)'s aggregates, fed its rows in (time, event_id) order.
struct DayAggregate {
  int64_t count = 0;
  int64_t first_time = 0;
  int64_t last_time = INT64_MIN;
  int64_t last_ingest = INT64_MIN;  // the latest ingest_time of its rows
  int64_t partial = 0;  // rows without a volume or, bars, without open/high/low (a close-only CSV)
  std::string_view last_id;
  double open = 0, high = -INFINITY, low = INFINITY, close = 0, last_volume = NAN;
  double sum_p = 0, vol = 0, pv = 0;

  void Add(const Row& r);
  // Folds `b` (rows of the same day, another feed) into this one, as if fed in time order.
  void Merge(const DayAggregate& b);
  // True when `r` comes after every row added so far.
  bool Accepts(const Row& r) const {
    return count == 0 || r.time > last_time || (r.time == last_time && r.id > last_id);
  }
};

// A feed's aggregate of one day, owning its last event id (`agg.last_id` is re-pointed at
// `last_id` by Agg()).
struct FeedAggregate {
  Feed feed;
  DayAggregate agg;
  std::string last_id;

  DayAggregate& Agg() {
    agg.last_id = last_id;
    return agg;
  }
  // Takes over the id `agg.last_id` views (after rows were added).
  void Own() {
    last_id = std::string(agg.last_id);
    agg.last_id = last_id;
  }
};

// Appends the day's candle made from its feeds' aggregates (one feed makes it: gold_stage.h)
// to `out` (DailyPricesSchema's columns): trading_date, key, asset class, prices, volume, count.
void AppendCandle(int32_t trading_date, std::string_view key, const std::string& asset_class,
                  bool volume_is_rolling_24h, std::vector<FeedAggregate> feeds,
                  std::vector<columnar::Column>* out);

}  // namespace financelake::pipeline::gold
