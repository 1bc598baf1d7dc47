#include "financelake/pipeline/daily_series.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <utility>

#include "financelake/columnar/value.h"
#include "financelake/delta/table.h"
#include "financelake/pipeline/gold_stage.h"
#include "financelake/sources/csv_file.h"
#include "financelake/sources/nyse_calendar.h"

namespace financelake::pipeline {
namespace {

bool Wanted(const std::vector<std::string>& tickers, std::string_view t) {
  return tickers.empty() || std::find(tickers.begin(), tickers.end(), t) != tickers.end();
}

// Rows into date order (a file may be descending); volume dropped when any day lacks it;
// avg_price the close on every day when any day lacks high/low (one definition per series).
void Finish(ml::DailySeries* s) {
  std::vector<size_t> order(s->days.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s->days[a] < s->days[b]; });
  auto permute = [&](auto& v) {
    if (v.size() != order.size()) return;
    auto copy = v;
    for (size_t i = 0; i < order.size(); ++i) v[i] = copy[order[i]];
  };
  permute(s->days);
  permute(s->close);
  permute(s->avg_price);
  permute(s->volume);
  if (std::any_of(s->volume.begin(), s->volume.end(), [](double v) { return std::isnan(v); })) s->volume.clear();
  if (std::any_of(s->avg_price.begin(), s->avg_price.end(),
                  [](double v) { return std::isnan(v); })) {
    s->avg_price = s->close;
    s->avg_price_definition = std::string(ml::kAvgPriceClose);
  }
}

// NYSE full-day closures the calendar's rules do not give (hurricanes, days of mourning,
// 9/11): not gaps in a history.
bool IsOneOffNyseClosure(int32_t day) {
  static const std::set<int32_t> kDays = [] {
    std::set<int32_t> d;
    for (const auto& [y, m, dd] : std::vector<std::array<int, 3>>{{1985, 9, 27},
                                                                  {1994, 4, 27},
                                                                  {2001, 9, 11},
                                                                  {2001, 9, 12},
                                                                  {2001, 9, 13},
                                                                  {2001, 9, 14},
                                                                  {2004, 6, 11},
                                                                  {2007, 1, 2},
                                                                  {2012, 10, 29},
                                                                  {2012, 10, 30},
                                                                  {2018, 12, 5},
                                                                  {2025, 1, 9}}) {
      d.insert(columnar::DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(dd)));
    }
    return d;
  }();
  return kDays.count(day) > 0;
}

// One warning per ticker whose history skips trading days.
void GapWarnings(DailySeriesSet* set) {
  for (const ml::DailySeries& s : set->series) {
    const std::vector<int32_t> missing = MissingTradingDays(s);
    if (missing.empty()) continue;
    std::string list = missing.size() > 3 ? "first: " : "";
    for (size_t i = 0; i < std::min<size_t>(missing.size(), 3); ++i) {
      list += (i == 0 ? "" : ", ") + columnar::FormatDate(missing[i]);
    }
    if (missing.size() > 3) list += ", ...";
    const char* unit = s.asset_class == "crypto" ? "day" : "trading day";
    set->warnings.push_back(fmt::format(
        "{}: {} missing {}{} between {} and {} ({}); nothing is filled in: the day before a gap "
        "targets the day after it, not the next {}",
        s.ticker, missing.size(), unit, missing.size() == 1 ? "" : "s",
        columnar::FormatDate(s.days.front()), columnar::FormatDate(s.days.back()), list, unit));
  }
}

void MissingTickers(const std::vector<std::string>& tickers, DailySeriesSet* set, std::string_view where) {
  for (const std::string& t : tickers) {
    if (set->failed.count(t) > 0) continue;
    const bool found = std::any_of(set->series.begin(), set->series.end(),
                                   [&](const ml::DailySeries& s) { return s.ticker == t; });
    if (!found) set->warnings.push_back(fmt::format("{}: no rows in {}", t, where));
  }
}

}  // namespace

Result<DailySeriesSet> ReadGoldDailySeries(std::shared_ptr<io::FileSystem> fs, std::string_view lake,
                                           const std::vector<std::string>& tickers) {
  auto table = delta::Table::Open(std::move(fs), DailyPricesPath(lake));
  FL_ASSIGN_OR_RETURN(bool exists, table->Exists());
  if (!exists) {
    return Status::NotFound(
        fmt::format("{} does not exist: run `financelake pipeline` first, or use --csv FILE", table->path()));
  }
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, table->Latest());
  delta::ScanOptions scan;
  scan.columns = {"trading_date", "ticker", "asset_class", "close", "high", "low", "total_volume"};
  // A table another tool wrote may type these columns otherwise: the values are read as the
  // types Gold writes, so any other type is refused by name.
  for (const std::string& name : scan.columns) {
    const columnar::Schema& want = DailyPricesSchema();
    const columnar::DataType& type = want.field(*want.FieldIndex(name)).type;
    const std::optional<size_t> have = snap->schema().FieldIndex(name);
    if (have && !(snap->schema().field(*have).type == type)) {
      return Status::InvalidArgument(
          fmt::format("{}: column {} is {}, not {} as the pipeline writes it", table->path(), name,
                      snap->schema().field(*have).type.ToString(), type.ToString()));
    }
  }
  if (tickers.size() == 1) {
    std::string lit = tickers[0];
    if (lit.find('\'') != std::string::npos) return Status::InvalidArgument(fmt::format("'{}' is not a ticker", lit));
    FL_ASSIGN_OR_RETURN(columnar::Expr f, columnar::Expr::Parse("ticker = '" + lit + "'", snap->schema()));
    scan.filter = f;
  }
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, table->Scan(*snap, scan));
  const columnar::Column& date = rows.column(0);
  const columnar::Column& ticker = rows.column(1);
  const columnar::Column& cls = rows.column(2);
  const columnar::Column& close = rows.column(3);
  const columnar::Column& high = rows.column(4);
  const columnar::Column& low = rows.column(5);
  const columnar::Column& vol = rows.column(6);
  const std::pair<const columnar::Column*, const char*> required[] = {{&date, "trading_date"},
                                                                      {&cls, "asset_class"},
                                                                      {&close, "close"},
                                                                      {&high, "high"},
                                                                      {&low, "low"}};
  std::map<std::string, ml::DailySeries, std::less<>> by;
  std::map<std::string, std::set<std::string>>
      other_classes;  // a ticker Gold has as two instruments
  for (int64_t i = 0; i < rows.num_rows(); ++i) {
    if (ticker.IsNull(i)) continue;  // no instrument to forecast
    const std::string_view t = ticker.StringAt(i);
    if (!Wanted(tickers, t)) continue;
    for (const auto& [column, name] : required) {
      if (column->IsNull(i)) {
        return Status::InvalidArgument(
            fmt::format("{}: a row of {} has no {}", table->path(), t, name));
      }
    }
    auto it = by.find(t);
    if (it == by.end()) {
      it = by.emplace(std::string(t), ml::DailySeries{}).first;
      it->second.ticker = std::string(t);
      it->second.asset_class = std::string(cls.StringAt(i));
    } else if (cls.StringAt(i) != it->second.asset_class) {
      other_classes[std::string(t)].insert(std::string(cls.StringAt(i)));
    }
    ml::DailySeries& s = it->second;
    s.days.push_back(date.ValueAt<int32_t>(i));
    s.close.push_back(close.ValueAt<double>(i));
    s.avg_price.push_back(
        (high.ValueAt<double>(i) + low.ValueAt<double>(i) + close.ValueAt<double>(i)) / 3);
    s.volume.push_back(vol.IsNull(i) ? std::nan("") : vol.ValueAt<double>(i));
  }
  DailySeriesSet set;
  for (auto& [t, s] : by) {
    if (auto other = other_classes.find(t); other != other_classes.end()) {
      // Gold keeps them apart (its key has asset_class); one forecast series is one instrument.
      std::set<std::string> classes = other->second;
      classes.insert(s.asset_class);
      set.failed[t] = Status::InvalidArgument(fmt::format(
          "{}: {} holds two instruments of this name ({}); a forecast is of one: ingest one of "
          "them under another ticker",
          t, table->path(), fmt::join(classes, " and ")));
      continue;
    }
    Finish(&s);
    set.series.push_back(std::move(s));
  }
  MissingTickers(tickers, &set, table->path());
  GapWarnings(&set);
  return set;
}

Result<DailySeriesSet> ReadCsvDailySeries(io::FileSystem& fs, const std::string& path, const std::string& ticker,
                                          const std::vector<std::string>& tickers) {
  sources::CsvFileOptions options;
  options.ticker = ticker;
  options.ticker_flag = "--csv-ticker";
  FL_ASSIGN_OR_RETURN(sources::CsvFile file, sources::CsvFile::Load(fs, path, options));
  if (file.kind() == sources::CsvFileKind::kCards) {
    return Status::InvalidArgument(fmt::format("{} holds card transactions, not daily prices", path));
  }
  std::map<std::string, ml::DailySeries, std::less<>> by;
  int64_t malformed = 0;
  std::string first_bad;
  std::map<std::string, std::pair<int64_t, std::string>> bad;  // per ticker: rows, the first
  for (const sources::CsvItem& item : file.items()) {
    if (item.type == sources::CsvItem::Type::kMalformed) {
      const sources::CsvMalformed& m = file.malformed()[item.index];
      if (!m.symbol.empty()) {
        if (!Wanted(tickers, m.symbol)) continue;
        auto& [n, first] = bad[m.symbol];
        if (n++ == 0) first = fmt::format("{}:{}: {}", path, item.line, m.reason);
        continue;
      }
      if (malformed++ == 0) first_bad = fmt::format("line {}: {}", item.line, m.reason);
      continue;
    }
    if (item.type == sources::CsvItem::Type::kCard) continue;
    const sources::PriceBar& bar = file.bars()[item.index];
    std::string sym(file.Symbol(item));
    if (!Wanted(tickers, sym)) continue;
    auto it = by.find(sym);
    if (it == by.end()) {
      it = by.emplace(sym, ml::DailySeries{}).first;
      it->second.ticker = sym;
      it->second.asset_class = item.type == sources::CsvItem::Type::kCryptoBar ? "crypto" : "stock";
    }
    ml::DailySeries& s = it->second;
    s.days.push_back(bar.day);
    s.close.push_back(bar.close);
    const bool hl = !std::isnan(bar.high) && !std::isnan(bar.low);
    s.avg_price.push_back(hl ? (bar.high + bar.low + bar.close) / 3 : std::nan(""));
    s.volume.push_back(bar.volume);
  }
  DailySeriesSet set;
  if (malformed > 0) {
    set.warnings.push_back(fmt::format("{}: {} malformed row{} left out (first: {})", path, malformed,
                                       malformed == 1 ? "" : "s", first_bad));
  }
  for (const auto& [t, b] : bad) {
    set.failed.emplace(
        t,
        Status::InvalidArgument(fmt::format(
            "{}: {}{}; fix or remove the row (a day left out would make the day before it "
            "target a two-day move)",
            t, b.second, b.first > 1 ? fmt::format(" (and {} more such rows)", b.first - 1) : "")));
    by.erase(t);
  }
  for (auto& [t, s] : by) {
    Finish(&s);
    set.series.push_back(std::move(s));
  }
  MissingTickers(tickers, &set, path);
  GapWarnings(&set);
  return set;
}

int32_t NextTradingDay(const std::string& asset_class, int32_t day) {
  if (asset_class == "crypto") return day + 1;
  // Past the one-off closures too (2018-12-05 is not the day after 2018-12-04; 2012-10-31 is
  // the day after 2012-10-26).
  int32_t next = sources::NextNyseTradingDay(day);
  while (IsOneOffNyseClosure(next)) next = sources::NextNyseTradingDay(next);
  return next;
}

std::vector<int32_t> MissingTradingDays(const ml::DailySeries& s) {
  std::vector<int32_t> out;
  const bool crypto = s.asset_class == "crypto";
  for (size_t i = 1; i < s.days.size(); ++i) {
    for (int32_t d = s.days[i - 1];;) {
      d = crypto ? d + 1 : sources::NextNyseTradingDay(d);
      if (d >= s.days[i]) break;
      if (!crypto && IsOneOffNyseClosure(d)) continue;
      out.push_back(d);
    }
  }
  return out;
}

}  // namespace financelake::pipeline
