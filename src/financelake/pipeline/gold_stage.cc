#include "financelake/pipeline/gold_stage.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <map>
#include <optional>
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
#include "financelake/pipeline/gold_aggregate.h"
#include "financelake/pipeline/silver_stage.h"
#include "financelake/pipeline/table_changes.h"
#include "financelake/sources/new_york_time.h"

namespace financelake::pipeline {
namespace {

using columnar::DataType;
using columnar::Field;

using gold::kDayUs;

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

using gold::DayAggregate;
using gold::Feed;
using gold::FeedAggregate;
using gold::Row;

using GroupKey = std::pair<std::string, int32_t>;  // (ticker or symbol, trading date)
using GroupFeeds = std::vector<FeedAggregate>;     // a day's aggregate per feed met
using GroupMap = std::map<GroupKey, GroupFeeds>;

// The Silver columns Gold reads, in this order (bar_interval last: older tables lack it).
std::vector<std::string> GoldColumns(const Source& src) {
  return {src.key_column,
          "event_time",
          src.price_column,
          src.volume_column,
          "open",
          "high",
          "low",
          "event_id",
          "kind",
          "source",
          "ingest_time",
          "bar_interval"};
}

// Row i of a batch of GoldColumns (bar_interval optional).
Row RowAt(const columnar::RecordBatch& rows, int64_t i) {
  auto val = [&](int c) {
    return rows.column(c).IsNull(i) ? NAN : rows.column(c).ValueAt<double>(i);
  };
  return Row{rows.column(1).ValueAt<int64_t>(i),
             val(2),
             val(3),
             val(4),
             val(5),
             val(6),
             rows.column(7).StringAt(i),
             rows.column(10).ValueAt<int64_t>(i)};
}

// The feed of rows of one batch of GoldColumns, looked up once per run of rows with the same
// kind, source and interval.
class FeedFinder {
 public:
  explicit FeedFinder(const columnar::RecordBatch& rows)
      : rows_(rows), has_interval_(rows.num_columns() > 11) {}
  // The feed's number among those met by this finder, and the feed (feeds()[number]).
  uint32_t operator()(int64_t i) {
    const std::string_view kind = rows_.column(8).StringAt(i);
    const std::string_view source = rows_.column(9).StringAt(i);
    const bool interval_null = !has_interval_ || rows_.column(11).IsNull(i);
    const std::string_view interval =
        interval_null ? std::string_view() : rows_.column(11).StringAt(i);
    if (last_ != UINT32_MAX && kind == kind_ && source == source_ &&
        interval_null == interval_null_ && interval == interval_) {
      return last_;
    }
    kind_ = kind;
    source_ = source;
    interval_ = interval;
    interval_null_ = interval_null;
    Feed f = gold::FeedOf(kind, source, interval_null, interval);
    auto [it, added] = ids_.emplace(f.key, static_cast<uint32_t>(feeds_.size()));
    if (added) feeds_.push_back(std::move(f));
    return last_ = it->second;
  }
  const std::vector<Feed>& feeds() const { return feeds_; }

 private:
  const columnar::RecordBatch& rows_;
  const bool has_interval_;
  std::vector<Feed> feeds_;
  std::unordered_map<std::string, uint32_t> ids_;
  std::string_view kind_, source_, interval_;
  bool interval_null_ = false;
  uint32_t last_ = UINT32_MAX;
};

// The groups (keys x trading dates) computed from all of Silver at `latest`, each with one
// aggregate per feed met. Rows usually come in time order within their group: then each feed's
// aggregate grows as the scan goes. An aggregate met out of order is computed again from its
// rows sorted by (time, event_id), so the result never depends on the order of the files or
// rows.
Result<GroupMap> AggregateFromSilver(delta::Table& silver, const delta::Snapshot& latest,
                                     const Source& src,
                                     const std::set<std::string, std::less<>>& keys,
                                     const std::set<int32_t>& dates) {
  GroupMap out;
  if (keys.empty() || dates.empty()) return out;
  // A row's event_date (UTC) is its trading date for crypto; for stocks (New York dates) the
  // trading date or the day after.
  std::set<int32_t> scan_dates;
  for (int32_t d : dates) {
    scan_dates.insert(d);
    if (src.asset_class == "stock") scan_dates.insert(d + 1);
  }
  std::string date_list, key_list;
  for (int32_t d : scan_dates) date_list += (date_list.empty() ? "" : ", ") + Quote(DateText(d));
  for (const std::string& k : keys) key_list += (key_list.empty() ? "" : ", ") + Quote(k);
  delta::ScanOptions scan;
  scan.columns = GoldColumns(src);
  // Silver tables from before bar_interval read it as null until the Silver stage adds it.
  if (!latest.schema().FieldIndex("bar_interval").has_value()) scan.columns.pop_back();
  FL_ASSIGN_OR_RETURN(
      scan.filter, columnar::Expr::Parse(fmt::format("event_date IN ({}) AND {} IN ({})", date_list,
                                                     src.key_column, key_list),
                                         latest.schema()));
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, silver.Scan(latest, scan));
  TradingDates trading_date(src);
  FeedFinder feed_at(rows);
  // Groups by (key, trading date), keys numbered as met, groups found by a 64-bit id.
  std::unordered_map<std::string_view, uint32_t> key_ids;
  std::vector<std::string_view> key_names;
  std::unordered_map<uint64_t, uint32_t> group_of;
  std::vector<std::pair<uint32_t, int32_t>> group_keys;
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> group_aggs;  // (feed, aggregate)
  std::vector<DayAggregate> aggs;
  std::vector<uint8_t> unordered;  // per aggregate
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
    agg.Add(RowAt(rows, i));
  }
  if (any_unordered) {
    std::vector<std::vector<Row>> late(aggs.size());
    for (int64_t i = 0; i < rows.num_rows(); ++i) {
      // Rare: the row's group and feed are looked up again rather than noted for every row.
      const int32_t day = trading_date(rows.column(1).ValueAt<int64_t>(i));
      if (dates.count(day) == 0) continue;
      const uint64_t gid =
          (uint64_t{key_ids.at(rows.column(0).StringAt(i))} << 32) | static_cast<uint32_t>(day);
      const uint32_t a = aggregate_of(group_of.at(gid), feed_at(i));
      if (unordered[a]) late[a].push_back(RowAt(rows, i));
    }
    for (size_t a = 0; a < late.size(); ++a) {
      if (!unordered[a]) continue;
      std::sort(late[a].begin(), late[a].end(), gold::Before);
      aggs[a] = DayAggregate{};
      for (const Row& r : late[a]) aggs[a].Add(r);
    }
  }
  for (size_t g = 0; g < group_keys.size(); ++g) {
    GroupFeeds& feeds =
        out[GroupKey(std::string(key_names[group_keys[g].first]), group_keys[g].second)];
    for (const auto& [f, a] : group_aggs[g]) {
      feeds.push_back(FeedAggregate{feed_at.feeds()[f], aggs[a], {}});
      feeds.back().Own();
    }
  }
  return out;
}

// New Silver rows of one pass by group and feed (views into `batches`).
struct NewRows {
  std::vector<columnar::RecordBatch> batches;
  std::map<GroupKey, std::map<std::string, std::pair<Feed, std::vector<Row>>>> groups;
};

// `kept` brought up to date with the group's new rows, or nullopt when a row is not after every
// row its feed's aggregate holds (a late event: the group is then computed again from Silver).
std::optional<GroupFeeds> Advance(GroupFeeds kept,
                                  std::map<std::string, std::pair<Feed, std::vector<Row>>>* fresh) {
  for (FeedAggregate& f : kept) f.Agg();
  for (auto& [feed_key, feed_rows] : *fresh) {
    std::vector<Row>& rows = feed_rows.second;
    std::sort(rows.begin(), rows.end(), gold::Before);
    const std::string& key = feed_key;  // clang 14 cannot capture a structured binding
    auto it = std::find_if(kept.begin(), kept.end(),
                           [&](const FeedAggregate& f) { return f.feed.key == key; });
    if (it == kept.end()) {
      kept.push_back(FeedAggregate{feed_rows.first, DayAggregate{}, {}});
      it = kept.end() - 1;
    }
    DayAggregate& agg = it->Agg();
    if (!agg.Accepts(rows.front())) return std::nullopt;
    for (const Row& r : rows) agg.Add(r);
    it->Own();
  }
  for (FeedAggregate& f : kept) f.Agg();
  return kept;
}

}  // namespace

// A continuous pipeline's Gold aggregates (see RunGoldOnce): per Silver table, every group's
// aggregates per feed as of the Silver version Gold's txn records.
struct GoldState {
  struct Source {
    int64_t silver_version = -1;  // -1: nothing kept
    GroupMap groups;
  };
  std::map<std::string, Source> sources;
  int64_t max_groups = 0;
};

std::shared_ptr<GoldState> NewGoldState(int64_t max_groups) {
  auto s = std::make_shared<GoldState>();
  s->max_groups = max_groups;
  return s;
}

int64_t GoldStateGroups(const GoldState& state) {
  int64_t n = 0;
  for (const auto& [table, s] : state.sources)
    n += s.silver_version >= 0 ? static_cast<int64_t>(s.groups.size()) : 0;
  return n;
}

namespace {

Result<GoldCounts> RunSource(const std::string& lake, const std::shared_ptr<io::FileSystem>& fs,
                             delta::Table& gold_table, const Source& src, GoldState::Source* kept,
                             int64_t max_groups) {
  GoldCounts counts;
  auto silver = delta::Table::Open(fs, SilverTablePath(lake, src.silver_table));
  FL_ASSIGN_OR_RETURN(bool exists, silver->Exists());
  if (!exists) return counts;
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr latest, silver->Latest());
  const int64_t v_latest = latest->version().value();
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr gold_snap, gold_table.Latest());
  const std::string app = "financelake-gold:daily_prices:" + src.silver_table;
  const int64_t v_done = gold_snap->TxnVersion(app).value_or(-1);
  counts.silver_version = v_done;
  if (v_done >= v_latest) return counts;
  FL_ASSIGN_OR_RETURN(const TableChanges changes, DataFilesAdded(*silver, v_done, v_latest));
  // The kept aggregates hold Gold as of v_done, and the commits since then only added rows.
  const bool use_kept = kept != nullptr && kept->silver_version >= 0 &&
                        kept->silver_version == v_done && changes.from_log && !changes.data_removed;
  if (kept != nullptr && !use_kept) *kept = GoldState::Source{};
  // 1. The groups the new Silver rows touch (with the kept aggregates: the rows themselves).
  const std::vector<std::string> columns = GoldColumns(src);
  std::set<int32_t> dates;
  std::set<std::string, std::less<>> keys;
  NewRows fresh;
  TradingDates trading_date(src);
  for (const AddedFile& file : changes.files) {
    FL_ASSIGN_OR_RETURN(std::string rel, delta::DecodeLogPath(file.path));
    FL_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::Open(*fs, io::JoinPath(silver->path(), rel)));
    const columnar::Schema& file_schema = reader->schema();
    std::vector<size_t> wanted;
    for (size_t c = 0; c < (use_kept ? columns.size() : 2); ++c) {
      const std::optional<size_t> index = file_schema.FieldIndex(columns[c]);
      if (index.has_value()) {
        wanted.push_back(*index);
      } else if (c + 1 != columns.size()) {  // only bar_interval may be missing (older files)
        return Status::DataLoss(
            fmt::format("gold: Silver file {} has no column {}", rel, columns[c]));
      }
    }
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, reader->ReadAll(wanted));
    counts.silver_rows += rows.num_rows();
    std::optional<FeedFinder> feed_at;  // with the kept aggregates: the rows go by group and feed
    if (use_kept) feed_at.emplace(rows);
    std::vector<Row>* bucket = nullptr;  // the previous row's group and feed
    uint32_t bucket_feed = UINT32_MAX;
    std::string_view last_key;
    int32_t last_day = INT32_MIN;
    for (int64_t i = 0; i < rows.num_rows(); ++i) {
      const std::string_view key = rows.column(0).StringAt(i);
      const int32_t day = trading_date(rows.column(1).ValueAt<int64_t>(i));
      const bool same_group = i > 0 && key == last_key && day == last_day;
      if (i == 0 || key != last_key) {
        if (keys.find(key) == keys.end()) keys.emplace(key);
        last_key = key;
      }
      if (day != last_day) {
        dates.insert(day);
        last_day = day;
      }
      if (!use_kept) continue;
      const uint32_t f = (*feed_at)(i);
      if (!same_group || f != bucket_feed) {
        const Feed& feed = feed_at->feeds()[f];
        auto& slot = fresh.groups[GroupKey(std::string(key), day)][feed.key];
        if (slot.second.empty()) slot.first = feed;
        bucket = &slot.second;
        bucket_feed = f;
      }
      bucket->push_back(RowAt(rows, i));
    }
    if (use_kept) fresh.batches.push_back(std::move(rows));  // the rows' strings live here
  }
  // 2. The groups keys x dates are replaced: from the kept aggregates and the new rows, or
  // computed from all of Silver (every group without kept aggregates, or with a late row).
  GroupMap result;
  std::set<std::string, std::less<>> keys_read;
  std::set<int32_t> dates_read;
  for (const std::string& k : keys) {
    for (int32_t d : dates) {
      const GroupKey gk(k, d);
      auto have = use_kept ? kept->groups.find(gk) : GroupMap::iterator();
      if (use_kept && have != kept->groups.end()) {
        auto it = fresh.groups.find(gk);
        if (it == fresh.groups.end()) {
          result[gk] = have->second;
          continue;
        }
        std::optional<GroupFeeds> advanced = Advance(have->second, &it->second);
        if (advanced.has_value()) {
          result[gk] = std::move(*advanced);
          continue;
        }
      }
      keys_read.insert(k);
      dates_read.insert(d);
    }
  }
  FL_ASSIGN_OR_RETURN(GroupMap read,
                      AggregateFromSilver(*silver, *latest, src, keys_read, dates_read));
  counts.groups_read = static_cast<int64_t>(read.size());
  for (auto& [gk, feeds] : read) result[gk] = std::move(feeds);
  std::vector<columnar::Column> out;
  for (const Field& f : DailyPricesSchema().fields()) out.emplace_back(f.type);
  for (const auto& [gk, feeds] : result) {
    gold::AppendCandle(gk.second, gk.first, src.asset_class, src.volume_is_rolling_24h, feeds,
                       &out);
    ++counts.groups;
  }
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch batch,
                      columnar::RecordBatch::Make(DailyPricesSchema(), std::move(out)));
  if (!keys.empty()) {
    std::string gold_dates, key_list;
    for (int32_t d : dates) gold_dates += (gold_dates.empty() ? "" : ", ") + Quote(DateText(d));
    for (const std::string& k : keys) key_list += (key_list.empty() ? "" : ", ") + Quote(k);
    FL_ASSIGN_OR_RETURN(columnar::Expr where,
                        columnar::Expr::Parse(fmt::format("asset_class = {} AND trading_date IN ({}) AND ticker IN ({})",
                                                          Quote(src.asset_class), gold_dates, key_list),
                                              DailyPricesSchema()));
    FL_RETURN_NOT_OK(
        delta::Overwrite(gold_table, batch, where, delta::TxnId{app, v_latest}).status());
  } else {
    // Nothing new to aggregate (e.g. only empty commits): record the position.
    FL_RETURN_NOT_OK(delta::Append(gold_table, batch, delta::TxnId{app, v_latest}).status());
  }
  if (kept != nullptr) {
    for (auto& [gk, feeds] : result) kept->groups[gk] = std::move(feeds);
    kept->silver_version = v_latest;
    if (static_cast<int64_t>(kept->groups.size()) > max_groups) *kept = GoldState::Source{};
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
                                                      std::shared_ptr<io::FileSystem> fs,
                                                      GoldState* state) {
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
    const auto t0 = std::chrono::steady_clock::now();
    for (int attempt = 1;; ++attempt) {
      auto counts = RunSource(lake, fs, gold->table(), s,
                              state != nullptr ? &state->sources[s.silver_table] : nullptr,
                              state != nullptr ? state->max_groups : 0);
      if (counts.ok()) {
        out[s.silver_table] = *counts;
        out[s.silver_table].seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
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
