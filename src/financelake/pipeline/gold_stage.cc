#include "financelake/pipeline/gold_stage.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "financelake/columnar/expr.h"
#include "financelake/columnar/value.h"
#include "financelake/delta/data_writer.h"
#include "financelake/delta/log.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/table.h"
#include "financelake/io/path.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/parquet/reader.h"
#include "financelake/pipeline/exactly_once_table.h"
#include "financelake/pipeline/silver_stage.h"
#include "financelake/pipeline/table_changes.h"
#include "financelake/sources/api_parsers.h"
#include "financelake/sources/new_york_time.h"

namespace financelake::pipeline {
namespace {

using columnar::DataType;
using columnar::Field;

constexpr int64_t kDayUs = 86400LL * 1000000;

struct Source {
  std::string silver_table;  // "stock_trades"
  std::string asset_class;   // "stock"
  std::string key_column;    // "ticker"
  std::string price_column;  // "price"
  std::string volume_column; // "volume"
  bool volume_is_rolling_24h;  // crypto ticks carry the trailing 24h volume, not a trade size
};

const std::vector<Source>& Sources() {
  static const std::vector<Source> kSources = {
      {"stock_trades", "stock", "ticker", "price", "volume", false},
      {"crypto_prices", "crypto", "symbol", "price_usd", "volume_24h", true},
  };
  return kSources;
}

int32_t TradingDate(const Source& s, int64_t event_time_us) {
  if (s.asset_class == "stock") {
    int32_t day = 0;
    int64_t secs = 0;
    sources::UtcToNewYorkLocal(event_time_us, &day, &secs);
    return day;
  }
  return static_cast<int32_t>(event_time_us >= 0 ? event_time_us / kDayUs
                                                 : (event_time_us - kDayUs + 1) / kDayUs);
}

// TradingDate for rows mostly in time order: New York's offset from UTC is a whole number of
// hours and changes on the hour, so every instant of one UTC hour has the same local date.
class TradingDates {
 public:
  explicit TradingDates(const Source& s) : s_(s) {}
  int32_t operator()(int64_t t) {
    const int64_t hour = t >= 0 ? t / kHourUs : (t - kHourUs + 1) / kHourUs;
    if (hour != hour_) {
      hour_ = hour;
      day_ = TradingDate(s_, t);
    }
    return day_;
  }

 private:
  static constexpr int64_t kHourUs = 3600LL * 1000000;
  const Source& s_;
  int64_t hour_ = INT64_MIN;
  int32_t day_ = 0;
};

std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else out.push_back(c);
  }
  return out + "'";
}

std::string DateText(int32_t days) {
  return columnar::FormatValue(columnar::Value::Int(days), DataType::Date());
}

struct Row {
  int64_t time;
  double price, volume, open, high, low;
  std::string_view id;  // event_id: orders rows of the same time
  int64_t ingest_time;
};

// Rows in (event_time, event_id) order: open and close do not depend on where rows landed.
bool Before(const Row& a, const Row& b) { return a.time != b.time ? a.time < b.time : a.id < b.id; }

// A feed: the rows of one kind of view of the market. All trades and ticks are one feed (their
// volumes add up, whatever their source); bars are one feed per (source, interval), since two
// sources' bars of the same interval describe the same trading, as do bars of two intervals.
struct Feed {
  int tier = 1;  // 3: daily bars, 2: intraday bars (or of an unknown interval), 1: trades
  int64_t duration_us = 0;  // a bar's length; 0 for trades and unknown intervals
  std::string source;       // bars: their source
  std::string interval;     // bars: their interval ("" with interval_null)
  bool interval_null = false;  // bars from before Silver had bar_interval
};

// Orders feeds of equal rank: by source, then interval (null first).
bool NameBefore(const Feed& a, const Feed& b) {
  if (a.source != b.source) return a.source < b.source;
  if (a.interval_null != b.interval_null) return a.interval_null;
  return a.interval < b.interval;
}

// A bar interval's length: "1d" a day, else as the pollers name intraday bars; 0 when unknown.
int64_t IntervalMicros(std::string_view interval) {
  int64_t micros = 0;
  if (interval == "1d") return kDayUs;
  return sources::BarMicros(interval, &micros) ? micros : 0;
}

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

  void Add(const Row& r) {
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

  // Folds `b` (rows of the same day, another feed) into this one, as if fed in time order.
  void Merge(const DayAggregate& b) {
    if (b.count == 0) return;
    if (count == 0) {
      *this = b;
      return;
    }
    const bool b_first = b.first_time < first_time;
    const bool b_last =
        b.last_time > last_time || (b.last_time == last_time && b.last_id > last_id);
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
};

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

Result<GoldCounts> RunSource(const std::string& lake, const std::shared_ptr<io::FileSystem>& fs,
                             delta::Table& gold, const Source& src) {
  GoldCounts counts;
  auto silver = delta::Table::Open(fs, SilverTablePath(lake, src.silver_table));
  FL_ASSIGN_OR_RETURN(bool exists, silver->Exists());
  if (!exists) return counts;
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr latest, silver->Latest());
  const int64_t v_latest = latest->version().value();
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr gold_snap, gold.Latest());
  const std::string app = "financelake-gold:daily_prices:" + src.silver_table;
  const int64_t v_done = gold_snap->TxnVersion(app).value_or(-1);
  counts.silver_version = v_done;
  if (v_done >= v_latest) return counts;
  // 1. The groups the new Silver rows touch.
  FL_ASSIGN_OR_RETURN(const TableChanges changes, DataFilesAdded(*silver, v_done, v_latest));
  const columnar::Schema& silver_schema = latest->schema();
  std::set<int32_t> dates;
  std::set<std::string, std::less<>> keys;
  TradingDates trading_date(src);
  for (const AddedFile& file : changes.files) {
    FL_ASSIGN_OR_RETURN(std::string rel, delta::DecodeLogPath(file.path));
    FL_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::Open(*fs, io::JoinPath(silver->path(), rel)));
    const columnar::Schema& file_schema = reader->schema();
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows,
                        reader->ReadAll({*file_schema.FieldIndex(src.key_column),
                                         *file_schema.FieldIndex("event_time")}));
    counts.silver_rows += rows.num_rows();
    std::string_view last_key;
    int32_t last_day = INT32_MIN;
    for (int64_t i = 0; i < rows.num_rows(); ++i) {
      const std::string_view key = rows.column(0).StringAt(i);
      if (i == 0 || key != last_key) {
        if (keys.find(key) == keys.end()) keys.emplace(key);
        last_key = key;
      }
      const int32_t day = trading_date(rows.column(1).ValueAt<int64_t>(i));
      if (day != last_day) {
        dates.insert(day);
        last_day = day;
      }
    }
  }
  // 2. Recompute those groups from all of Silver: event_date (UTC) is within a day of the
  // trading date, so scan those partitions and keep the matching groups.
  std::vector<columnar::Column> out;
  for (const Field& f : DailyPricesSchema().fields()) out.emplace_back(f.type);
  if (!keys.empty()) {
    std::set<int32_t> scan_dates;
    for (int32_t d : dates) scan_dates.insert({d - 1, d, d + 1});
    std::string date_list, key_list;
    for (int32_t d : scan_dates) date_list += (date_list.empty() ? "" : ", ") + Quote(DateText(d));
    for (const std::string& k : keys) key_list += (key_list.empty() ? "" : ", ") + Quote(k);
    delta::ScanOptions scan;
    scan.columns = {
        src.key_column, "event_time", src.price_column, src.volume_column, "open",       "high",
        "low",          "event_id",   "kind",           "source",          "ingest_time"};
    // Silver tables from before bar_interval read it as null until the Silver stage adds it.
    const bool has_interval = silver_schema.FieldIndex("bar_interval").has_value();
    if (has_interval) scan.columns.push_back("bar_interval");
    FL_ASSIGN_OR_RETURN(scan.filter, columnar::Expr::Parse(fmt::format("event_date IN ({}) AND {} IN ({})", date_list,
                                                                       src.key_column, key_list),
                                                           silver_schema));
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, silver->Scan(*latest, scan));
    // Groups by (key, trading date), each with one aggregate per feed met: keys numbered as met,
    // groups found by a 64-bit id. Rows usually come in time order within their group: then
    // each feed's aggregate grows as the scan goes. An aggregate met out of order is computed
    // again from its rows sorted by (time, event_id), so the result never depends on the order
    // of the files or rows. The candle is then the best feed's aggregate (Better).
    std::unordered_map<std::string_view, uint32_t> key_ids;
    std::vector<std::string_view> key_names;
    std::unordered_map<uint64_t, uint32_t> group_of;
    std::vector<std::pair<uint32_t, int32_t>> group_keys;
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>> group_aggs;  // (feed, aggregate)
    std::vector<Feed> feeds = {Feed{}};                                  // feed 0: trades and ticks
    std::unordered_map<std::string, uint32_t> feed_ids;
    std::vector<DayAggregate> aggs;
    std::vector<uint8_t> unordered;  // per aggregate
    auto row_at = [&](int64_t i) {
      auto val = [&](size_t c) { return rows.column(c).IsNull(i) ? NAN : rows.column(c).ValueAt<double>(i); };
      return Row{rows.column(1).ValueAt<int64_t>(i),
                 val(2),
                 val(3),
                 val(4),
                 val(5),
                 val(6),
                 rows.column(7).StringAt(i),
                 rows.column(10).ValueAt<int64_t>(i)};
    };
    // The row's feed, remembered for runs of rows with the same kind, source and interval.
    std::string_view last_kind, last_source, last_interval;
    bool last_interval_null = false;
    uint32_t last_feed = UINT32_MAX;
    auto feed_at = [&](int64_t i) {
      const std::string_view kind = rows.column(8).StringAt(i);
      const std::string_view source = rows.column(9).StringAt(i);
      const bool interval_null = !has_interval || rows.column(11).IsNull(i);
      const std::string_view interval =
          interval_null ? std::string_view() : rows.column(11).StringAt(i);
      if (last_feed != UINT32_MAX && kind == last_kind && source == last_source &&
          interval_null == last_interval_null && interval == last_interval) {
        return last_feed;
      }
      last_kind = kind;
      last_source = source;
      last_interval = interval;
      last_interval_null = interval_null;
      if (kind != "bar") return last_feed = 0;
      // Keyed by (source, null, interval): no text of either can make two feeds one.
      std::string key =
          fmt::format("{}{}{}{}", source.size(), source, interval_null ? 'n' : 'v', interval);
      auto [it, added] = feed_ids.emplace(std::move(key), static_cast<uint32_t>(feeds.size()));
      if (added) {
        Feed f;
        f.duration_us = interval_null ? 0 : IntervalMicros(interval);
        f.tier = f.duration_us == kDayUs ? 3 : 2;
        f.source = std::string(source);
        f.interval = std::string(interval);
        f.interval_null = interval_null;
        feeds.push_back(std::move(f));
      }
      return last_feed = it->second;
    };
    auto aggregate_of = [&](uint32_t group, uint32_t feed) {
      for (const auto& [f, a] : group_aggs[group]) {
        if (f == feed) return a;
      }
      group_aggs[group].emplace_back(feed, static_cast<uint32_t>(aggs.size()));
      aggs.emplace_back();
      unordered.push_back(0);
      return static_cast<uint32_t>(aggs.size() - 1);
    };
    std::string_view last_key;
    uint32_t last_id = 0;
    uint64_t last_gid = UINT64_MAX;
    uint32_t last_group = 0, last_agg_feed = UINT32_MAX, last_agg = 0;
    bool any_unordered = false;
    for (int64_t i = 0; i < rows.num_rows(); ++i) {
      const int64_t t = rows.column(1).ValueAt<int64_t>(i);
      const int32_t day = trading_date(t);
      if (dates.count(day) == 0) continue;
      const std::string_view name = rows.column(0).StringAt(i);
      if (key_names.empty() || name != last_key) {
        auto [it, added] = key_ids.emplace(name, static_cast<uint32_t>(key_names.size()));
        if (added) key_names.push_back(name);
        last_key = name;
        last_id = it->second;
      }
      const uint64_t gid = (uint64_t{last_id} << 32) | static_cast<uint32_t>(day);
      const uint32_t feed = feed_at(i);
      if (gid != last_gid) {
        auto [g, added] = group_of.emplace(gid, static_cast<uint32_t>(group_keys.size()));
        if (added) {
          group_keys.emplace_back(last_id, day);
          group_aggs.emplace_back();
        }
        last_gid = gid;
        last_group = g->second;
        last_agg_feed = UINT32_MAX;
      }
      if (feed != last_agg_feed) {
        last_agg = aggregate_of(last_group, feed);
        last_agg_feed = feed;
      }
      DayAggregate& agg = aggs[last_agg];
      if (unordered[last_agg]) continue;
      if (t < agg.last_time || (t == agg.last_time && rows.column(7).StringAt(i) < agg.last_id)) {
        unordered[last_agg] = 1;
        any_unordered = true;
        continue;
      }
      agg.Add(row_at(i));
    }
    if (any_unordered) {
      std::vector<std::vector<Row>> late(aggs.size());
      last_feed = UINT32_MAX;
      for (int64_t i = 0; i < rows.num_rows(); ++i) {
        // Rare: the row's group and feed are looked up again rather than noted for every row.
        const int32_t day = trading_date(rows.column(1).ValueAt<int64_t>(i));
        if (dates.count(day) == 0) continue;
        const uint64_t gid = (uint64_t{key_ids.at(rows.column(0).StringAt(i))} << 32) | static_cast<uint32_t>(day);
        const uint32_t a = aggregate_of(group_of.at(gid), feed_at(i));
        if (unordered[a]) late[a].push_back(row_at(i));
      }
      for (size_t a = 0; a < late.size(); ++a) {
        if (!unordered[a]) continue;
        std::sort(late[a].begin(), late[a].end(), Before);
        aggs[a] = DayAggregate{};
        for (const Row& r : late[a]) aggs[a].Add(r);
      }
    }
    std::vector<size_t> order(group_keys.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const std::string_view ka = key_names[group_keys[a].first], kb = key_names[group_keys[b].first];
      return ka != kb ? ka < kb : group_keys[a].second < group_keys[b].second;
    });
    // A source's bars from before bar_interval (null) and after it on the day of the upgrade are
    // one feed when the source has one intraday interval that day: merged into it.
    for (auto& candidates : group_aggs) {
      for (auto& [f, a] : candidates) {
        if (!feeds[f].interval_null) continue;
        int match = -1, matches = 0;
        for (size_t c = 0; c < candidates.size(); ++c) {
          const Feed& other = feeds[candidates[c].first];
          if (other.tier == 2 && !other.interval_null && other.source == feeds[f].source) {
            match = static_cast<int>(c);
            ++matches;
          }
        }
        if (matches != 1) continue;
        aggs[candidates[static_cast<size_t>(match)].second].Merge(aggs[a]);
        aggs[a] = DayAggregate{};  // count 0: never chosen
      }
    }
    // The candle's feed and aggregate (never one emptied by the merge above).
    auto best_of = [&](size_t group) -> std::pair<const Feed*, const DayAggregate*> {
      const auto& candidates = group_aggs[group];
      size_t best = 0;
      while (aggs[candidates[best].second].count == 0) ++best;  // one has rows: merged into
      for (size_t c = best + 1; c < candidates.size(); ++c) {
        if (aggs[candidates[c].second].count > 0 &&
            Better(feeds[candidates[c].first], aggs[candidates[c].second],
                   feeds[candidates[best].first], aggs[candidates[best].second])) {
          best = c;
        }
      }
      return {&feeds[candidates[best].first], &aggs[candidates[best].second]};
    };
    for (size_t k : order) {
      const auto [feed, agg] = best_of(k);
      const DayAggregate& g = *agg;
      out[0].Append<int32_t>(group_keys[k].second);
      out[1].AppendString(key_names[group_keys[k].first]);
      out[2].AppendString(src.asset_class);
      out[3].Append<double>(g.open);
      out[4].Append<double>(g.high);
      out[5].Append<double>(g.low);
      out[6].Append<double>(g.close);
      out[7].Append<double>(g.sum_p / static_cast<double>(g.count));
      double vol = g.vol;
      if (src.volume_is_rolling_24h && feed->tier == 1) {
        // The day's volume is the trailing 24h volume at its last row; no trade sizes, no vwap.
        vol = std::isnan(g.last_volume) ? 0 : g.last_volume;
        out[8].AppendNull();
      } else if (vol > 0) {
        out[8].Append<double>(g.pv / vol);
      } else {
        out[8].AppendNull();
      }
      out[9].Append<double>(vol);
      out[10].Append<int64_t>(g.count);
      ++counts.groups;
    }
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch batch,
                        columnar::RecordBatch::Make(DailyPricesSchema(), std::move(out)));
    std::string gold_dates;
    for (int32_t d : dates) gold_dates += (gold_dates.empty() ? "" : ", ") + Quote(DateText(d));
    FL_ASSIGN_OR_RETURN(columnar::Expr where,
                        columnar::Expr::Parse(fmt::format("asset_class = {} AND trading_date IN ({}) AND ticker IN ({})",
                                                          Quote(src.asset_class), gold_dates, key_list),
                                              DailyPricesSchema()));
    FL_RETURN_NOT_OK(delta::Overwrite(gold, batch, where, delta::TxnId{app, v_latest}).status());
  } else {
    // Nothing new to aggregate (e.g. only empty commits): record the position.
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch empty, columnar::RecordBatch::Make(DailyPricesSchema(), std::move(out)));
    FL_RETURN_NOT_OK(delta::Append(gold, empty, delta::TxnId{app, v_latest}).status());
  }
  counts.silver_version = v_latest;
  return counts;
}

}  // namespace

const columnar::Schema& DailyPricesSchema() {
  static const columnar::Schema kSchema({
      Field{"trading_date", DataType::Date(), false},
      Field{"ticker", DataType::String(), false},
      Field{"asset_class", DataType::String(), false},
      Field{"open", DataType::Double(), false},
      Field{"high", DataType::Double(), false},
      Field{"low", DataType::Double(), false},
      Field{"close", DataType::Double(), false},
      Field{"avg_price", DataType::Double(), false},
      Field{"vwap", DataType::Double(), true},
      Field{"total_volume", DataType::Double(), false},
      Field{"trade_count", DataType::Long(), false},
  });
  return kSchema;
}

std::string DailyPricesPath(std::string_view lake) {
  return io::JoinPath(io::JoinPath(lake, "gold"), "daily_prices");
}

Result<std::map<std::string, GoldCounts>> RunGoldOnce(const std::string& lake,
                                                      std::shared_ptr<io::FileSystem> fs) {
  if (!fs) fs = io::PosixFileSystem();
  FL_ASSIGN_OR_RETURN(auto gold, ExactlyOnceTable::OpenOrCreate(
                                     fs, DailyPricesPath(lake),
                                     {DailyPricesSchema(), {},
                                      "FinanceLake Gold: daily OHLC, VWAP and volume per ticker and trading date"}));
  std::map<std::string, GoldCounts> out;
  for (const Source& s : Sources()) {
    // The days' rows are replaced in place: a concurrent compaction (`table optimize` on
    // daily_prices) that rewrote one of their files aborts the commit (Delta's conflict check).
    // Nothing was written; the pass is redone on the table as it is now.
    constexpr int kAttempts = 10;
    for (int attempt = 1;; ++attempt) {
      auto counts = RunSource(lake, fs, gold->table(), s);
      if (counts.ok()) {
        out[s.silver_table] = *counts;
        break;
      }
      if (counts.status().code() != StatusCode::kAborted || attempt == kAttempts) {
        return counts.status();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
    }
  }
  return out;
}

}  // namespace financelake::pipeline
