#include "financelake/pipeline/gold_aggregate.h"

#include <fmt/format.h>

#include <algorithm>

#include "financelake/sources/api_parsers.h"

namespace financelake::pipeline::gold {
namespace {

// A bar interval's length: "1d" a day, else as the pollers name intraday bars; 0 when unknown.
int64_t IntervalMicros(std::string_view interval) {
  int64_t micros = 0;
  if (interval == "1d") return kDayUs;
  return sources::BarMicros(interval, &micros) ? micros : 0;
}

// Orders feeds of equal rank: by source, then interval (null first).
bool NameBefore(const Feed& a, const Feed& b) {
  if (a.source != b.source) return a.source < b.source;
  if (a.interval_null != b.interval_null) return a.interval_null;
  return a.interval < b.interval;
}

// True when feed `a`'s aggregate should make the day's candle rather than `b`'s: daily bars
// first, then intraday bars, then trades; among bars, complete ones (volume, open, high, low)
// before partial ones (a close-only CSV), then the feed covering more of the day, then the one
// with more bars, then the one ingested last (a restated bar), then by name.
bool Better(const Feed& fa, const DayAggregate& a, const Feed& fb, const DayAggregate& b) {
  if (fa.tier != fb.tier) return fa.tier > fb.tier;
  if ((a.partial == 0) != (b.partial == 0)) return a.partial == 0;
  const int64_t ca = a.last_time - a.first_time + fa.duration_us;
  const int64_t cb = b.last_time - b.first_time + fb.duration_us;
  if (ca != cb) return ca > cb;
  if (a.count != b.count) return a.count > b.count;
  if (a.last_ingest != b.last_ingest) return a.last_ingest > b.last_ingest;
  return NameBefore(fa, fb);
}

}  // namespace

Feed FeedOf(std::string_view kind, std::string_view source, bool interval_null,
            std::string_view interval) {
  Feed f;
  if (kind != "bar") return f;
  f.duration_us = interval_null ? 0 : IntervalMicros(interval);
  f.tier = f.duration_us == kDayUs ? 3 : 2;
  f.source = std::string(source);
  f.interval = interval_null ? std::string() : std::string(interval);
  f.interval_null = interval_null;
  // Keyed by (source, null, interval): no text of either can make two feeds one.
  f.key = fmt::format("{}{}{}{}", source.size(), source, interval_null ? 'n' : 'v', f.interval);
  return f;
}

void DayAggregate::Add(const Row& r) {
  if (count++ == 0) {
    open = std::isnan(r.open) ? r.price : r.open;
    first_time = r.time;
  }
  high = std::max(high, std::isnan(r.high) ? r.price : r.high);
  low = std::min(low, std::isnan(r.low) ? r.price : r.low);
  sum_p += r.price;
  const double v = std::isnan(r.volume) ? 0 : r.volume;
  vol += v;
  pv += r.price * v;
  close = r.price;
  last_volume = r.volume;
  last_time = r.time;
  last_id = r.id;
  last_ingest = std::max(last_ingest, r.ingest_time);
  if (std::isnan(r.volume) || std::isnan(r.open) || std::isnan(r.high) || std::isnan(r.low))
    ++partial;
}

void DayAggregate::Merge(const DayAggregate& b) {
  if (b.count == 0) return;
  if (count == 0) {
    *this = b;
    return;
  }
  const bool b_first = b.first_time < first_time;
  const bool b_last = b.last_time > last_time || (b.last_time == last_time && b.last_id > last_id);
  if (b_first) {
    open = b.open;
    first_time = b.first_time;
  }
  if (b_last) {
    close = b.close;
    last_volume = b.last_volume;
    last_time = b.last_time;
    last_id = b.last_id;
  }
  count += b.count;
  high = std::max(high, b.high);
  low = std::min(low, b.low);
  sum_p += b.sum_p;
  vol += b.vol;
  pv += b.pv;
  last_ingest = std::max(last_ingest, b.last_ingest);
  partial += b.partial;
}

void AppendCandle(int32_t trading_date, std::string_view key, const std::string& asset_class,
                  bool volume_is_rolling_24h, std::vector<FeedAggregate> feeds,
                  std::vector<columnar::Column>* out) {
  for (FeedAggregate& f : feeds) f.Agg();
  // A source's bars from before bar_interval (null) and after it on the day of the upgrade are
  // one feed when the source has one intraday interval that day: merged into it.
  for (FeedAggregate& f : feeds) {
    if (!f.feed.interval_null || f.agg.count == 0) continue;
    FeedAggregate* match = nullptr;
    int matches = 0;
    for (FeedAggregate& other : feeds) {
      if (other.feed.tier == 2 && !other.feed.interval_null && other.feed.source == f.feed.source) {
        match = &other;
        ++matches;
      }
    }
    if (matches != 1) continue;
    match->agg.Merge(f.agg);
    f.agg = DayAggregate{};  // count 0: never chosen
  }
  // The candle's feed (never one emptied by the merge above; one has rows: merged into).
  const FeedAggregate* best = nullptr;
  for (const FeedAggregate& f : feeds) {
    if (f.agg.count > 0 && (best == nullptr || Better(f.feed, f.agg, best->feed, best->agg)))
      best = &f;
  }
  if (best == nullptr) return;
  const DayAggregate& g = best->agg;
  std::vector<columnar::Column>& o = *out;
  o[0].Append<int32_t>(trading_date);
  o[1].AppendString(key);
  o[2].AppendString(asset_class);
  o[3].Append<double>(g.open);
  o[4].Append<double>(g.high);
  o[5].Append<double>(g.low);
  o[6].Append<double>(g.close);
  o[7].Append<double>(g.sum_p / static_cast<double>(g.count));
  double vol = g.vol;
  if (volume_is_rolling_24h && best->feed.tier == 1) {
    // The day's volume is the trailing 24h volume at its last row; no trade sizes, no vwap.
    vol = std::isnan(g.last_volume) ? 0 : g.last_volume;
    o[8].AppendNull();
  } else if (vol > 0) {
    o[8].Append<double>(g.pv / vol);
  } else {
    o[8].AppendNull();
  }
  o[9].Append<double>(vol);
  o[10].Append<int64_t>(g.count);
}

}  // namespace financelake::pipeline::gold
