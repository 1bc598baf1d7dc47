#include "financelake/sources/csv_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>

#include "financelake/io/path.h"
#include "financelake/sources/csv_text.h"
#include "financelake/sources/event_time.h"
#include "financelake/sources/murmur3.h"
#include "financelake/sources/nyse_calendar.h"
#include "financelake/sources/universe.h"

namespace financelake::sources {
namespace {

bool IsNameSeparator(char c) {
  return c == '-' || c == '_' || c == '.' || c == ' ';
}

// A ticker as file names carry it: a valid ticker with a letter in its base (not a date or a
// number) or a code of digits with its exchange after '.' ("7203.T"), and a suffix, if any, of
// letters only ("BRK-B", "BTC-USD"; "AAPL-2020" is AAPL and a year).
bool IsFileNameTicker(std::string_view t) {
  if (!ValidateTicker(t).ok()) return false;
  size_t i = t.empty() || t[0] != '^' ? 0 : 1;
  bool has_letter = false;
  for (; i < t.size() && t[i] != '.' && t[i] != '-'; ++i) {
    has_letter = has_letter || (t[i] >= 'A' && t[i] <= 'Z');
  }
  if (!has_letter && (i == t.size() || t[i] != '.')) return false;
  for (++i; i < t.size(); ++i) {
    if (t[i] < 'A' || t[i] > 'Z') return false;
  }
  return true;
}

// The time a daily crypto bar is stamped with: the last second of its UTC day (the bar covers
// 00:00-24:00 UTC; the stamp keeps the event on the bar's own date).
int64_t CryptoBarTime(int32_t day) {
  return day * kMicrosPerDay + 86399 * kMicrosPerSecond;
}

}  // namespace

Result<std::string> TickerFromFileName(std::string_view path) {
  const std::string base_name = io::BaseName(path);
  std::string_view name = base_name;
  const size_t ext = name.rfind('.');
  if (ext != std::string::npos && ext > 0) name = name.substr(0, ext);
  // The whole name is a ticker: "BRK-B.csv", "BRK.B.csv", "BTC-USD.csv", "^GSPC.csv".
  if (IsFileNameTicker(name)) return std::string(name);
  // Otherwise the ticker is a word of the name ("AAPL_daily_2020.csv",
  // "yahoofinance-BRK-B-2004.csv"), with the class suffix or quote currency that follows it.
  struct Word {
    std::string_view text;
    char sep_after = '\0';
  };
  std::vector<Word> words;
  size_t begin = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i < name.size() && !IsNameSeparator(name[i])) continue;
    if (i > begin) {
      words.push_back({name.substr(begin, i - begin), i < name.size() ? name[i] : '\0'});
    }
    begin = i + 1;
  }
  std::vector<std::string> found;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string ticker;
    const bool has_next = i + 1 < words.size();
    const char sep = words[i].sep_after;
    if (has_next && words[i + 1].text == "USD" && ValidateCryptoSymbol(words[i].text).ok()) {
      ticker = std::string(words[i].text) + "-USD";
    } else if (has_next && (sep == '-' || sep == '.') &&
               IsFileNameTicker(std::string(words[i].text) + sep +
                                std::string(words[i + 1].text))) {
      ticker = std::string(words[i].text) + sep + std::string(words[i + 1].text);
    } else if (IsFileNameTicker(words[i].text)) {
      ticker = std::string(words[i].text);
    } else {
      continue;
    }
    if (ticker.size() > words[i].text.size()) ++i;  // the suffix word is taken
    if (std::find(found.begin(), found.end(), ticker) == found.end()) found.push_back(ticker);
  }
  if (found.size() == 1) return found[0];
  if (found.empty()) return Status::NotFound("no ticker in the file name '" + base_name + "'");
  std::string list;
  for (const std::string& t : found) list += (list.empty() ? "" : ", ") + t;
  return Status::InvalidArgument("the file name '" + base_name +
                                 "' could name more than one ticker (" + list + ")");
}

bool CsvFile::IsCrypto(std::string_view ticker) const {
  switch (options_.asset_class) {
    case AssetClass::kStock: return false;
    case AssetClass::kCrypto: return true;
    case AssetClass::kAuto: return !UsdPairBase(ticker).empty();
  }
  return false;
}

std::string_view CsvFile::Symbol(const CsvItem& item) const {
  std::string_view t = bars_[item.index].ticker;
  if (t.empty()) t = file_ticker_;
  if (item.type == CsvItem::Type::kCryptoBar && !UsdPairBase(t).empty()) t = UsdPairBase(t);
  return t;
}

std::string CsvFile::SymbolOf(std::string_view ticker) const {
  if (ticker.empty()) ticker = file_ticker_;
  if (IsCrypto(ticker) && !UsdPairBase(ticker).empty()) ticker = UsdPairBase(ticker);
  return std::string(ticker);
}

std::string CsvFile::Position(const CsvItem& item) const {
  std::string out = path_ + ":" + std::to_string(item.line);
  if (item.cell >= 0) out += ":" + price_layout_.wide[static_cast<size_t>(item.cell)].second;
  return out;
}

std::string CsvFile::TransactionId(const CsvItem& item) const {
  return base_name_ + ":" + std::to_string(item.line);
}

void CsvFile::AddBar(int32_t day, PriceBar bar, int64_t line, int16_t cell, int64_t* last_time) {
  bar.day = day;
  const std::string_view ticker = bar.ticker.empty() ? std::string_view(file_ticker_) : bar.ticker;
  const bool crypto = IsCrypto(ticker);
  CsvItem item;
  item.type = crypto ? CsvItem::Type::kCryptoBar : CsvItem::Type::kStockBar;
  item.event_time = crypto ? CryptoBarTime(day) : NyseRegularCloseUtc(day);
  item.line = line;
  item.cell = cell;
  item.index = static_cast<uint32_t>(bars_.size());
  bars_.push_back(std::move(bar));
  items_.push_back(item);
  *last_time = item.event_time;
}

Result<CsvFile> CsvFile::Load(io::FileSystem& fs, const std::string& path,
                              const CsvFileOptions& options) {
  const std::string ctx = "csv: " + path;
  auto text = fs.ReadFile(path);
  if (!text.ok()) {
    if (text.status().IsNotFound()) {
      return Status::InvalidArgument(ctx + ": no such file");
    }
    return text.status().WithContext(ctx);
  }
  CsvFile file;
  file.path_ = path;
  file.base_name_ = io::BaseName(path);
  file.options_ = options;

  CsvRecordReader reader(*text);
  CsvRecord rec;
  if (!reader.Next(&rec)) return Status::InvalidArgument(ctx + ": empty file (no header)");
  size_t num_fields;
  std::optional<CardLayout> card = DetectCardLayout(rec.fields);
  if (card) {
    file.kind_ = CsvFileKind::kCards;
    num_fields = card->num_fields;
  } else {
    auto layout = DetectPriceLayout(rec.fields);
    if (!layout.ok()) {
      return Status::InvalidArgument(ctx + ": unrecognised header '" + std::string(rec.raw) +
                                     "': " + layout.status().message() +
                                     " (expected Date,Open,High,Low,Close,Adj Close,Volume or "
                                     "Time,V1..V28,Amount,Class)");
    }
    file.price_layout_ = std::move(*layout);
    num_fields = file.price_layout_.num_fields;
    const bool per_row = file.price_layout_.ticker >= 0 || !file.price_layout_.wide.empty();
    file.kind_ = file.price_layout_.wide.empty() ? CsvFileKind::kBars : CsvFileKind::kWideCloses;
    if (per_row && !options.ticker.empty()) {
      return Status::InvalidArgument(
          ctx + ": the file names its tickers itself (" +
          (file.price_layout_.wide.empty() ? "a ticker column" : "one column per ticker") + "); " +
          options.ticker_flag + " does not apply");
    }
    if (!per_row) {
      if (!options.ticker.empty()) {
        file.file_ticker_ = options.ticker;
      } else if (!file.price_layout_.header_ticker.empty()) {
        file.file_ticker_ = file.price_layout_.header_ticker;
      } else {
        auto from_name = TickerFromFileName(path);
        if (!from_name.ok()) {
          return Status::InvalidArgument(
              ctx + ": cannot tell the ticker: " + from_name.status().message() + "; pass " +
              options.ticker_flag);
        }
        file.file_ticker_ = *from_name;
      }
    }
    // A ticker taken for a crypto one must make a crypto symbol (--asset-class crypto with
    // BRK-B would give every row a symbol Silver refuses).
    std::vector<std::string_view> fixed = {file.file_ticker_};
    for (const auto& column : file.price_layout_.wide) fixed.push_back(column.second);
    for (std::string_view t : fixed) {
      if (t.empty() || !file.IsCrypto(t)) continue;
      if (Status valid = ValidateCryptoSymbol(file.SymbolOf(t)); !valid.ok()) {
        return Status::InvalidArgument(
            ctx + ": " + valid.message() + " (read as crypto: " +
            (options.asset_class == AssetClass::kCrypto ? "--asset-class crypto)" : "a USD pair)"));
      }
    }
  }

  int64_t last_time = INT64_MIN;
  std::string reason;
  auto malformed = [&](std::string why) {
    CsvItem item;
    item.type = CsvItem::Type::kMalformed;
    item.event_time = last_time;
    item.line = rec.line;
    item.index = static_cast<uint32_t>(file.malformed_.size());
    file.malformed_.push_back({std::move(why), std::string(rec.raw), file.SymbolOf("")});
    file.items_.push_back(item);
  };
  // Rows dated with a time of midnight, and the (ticker cell, date) of rows with another time of
  // day: a midnight row whose ticker has other times on the same date is an intraday bar, not a
  // daily one (an hourly file's 00:00 bar once became the day's candle). A daily file with one
  // stray time (a DST-shifted stamp) keeps its other rows.
  struct Midnight {
    size_t first_item;  // the row's items: from here while their line is the row's
    int64_t line;
    std::string date, raw, ticker;
    int32_t day;
  };
  std::vector<Midnight> midnights;
  std::map<std::pair<std::string, int32_t>, int64_t> intraday;  // -> the first such row's line
  auto ticker_cell = [&] {
    return file.price_layout_.ticker >= 0
               ? std::string(TrimSpaces(rec.fields[static_cast<size_t>(file.price_layout_.ticker)]))
               : std::string();
  };
  while (reader.Next(&rec)) {
    if (rec.unterminated_quote) {
      malformed("a quoted field is not closed before the end of the file");
      continue;
    }
    if (rec.fields.size() != num_fields) {
      malformed("expected " + std::to_string(num_fields) + " fields, found " +
                std::to_string(rec.fields.size()));
      continue;
    }
    if (file.kind_ == CsvFileKind::kCards) {
      CardRow row;
      if (!ParseCardRow(*card, rec.fields, &row, &reason)) {
        malformed(reason);
        continue;
      }
      // The row's time must be an event time (years 1..9999); a huge `Time` would overflow.
      const double when_us = static_cast<double>(options.card_start_micros) + row.seconds * 1e6;
      if (!(when_us < static_cast<double>(kEndEventTimeMillis) * 1000.0)) {
        malformed(
            fmt::format("column 'Time': {} seconds after the start ({}) is past the year 9999",
                        row.seconds, FormatEventTime(options.card_start_micros)));
        continue;
      }
      row.content_hash = MurmurHash3X64_128(rec.raw).h1;
      CsvItem item;
      item.type = CsvItem::Type::kCard;
      item.event_time = options.card_start_micros + std::llround(row.seconds * 1e6);
      item.line = rec.line;
      item.index = static_cast<uint32_t>(file.cards_.size());
      file.cards_.push_back(row);
      file.items_.push_back(item);
      last_time = item.event_time;
      continue;
    }
    int32_t day;
    const std::string_view date_text =
        TrimSpaces(rec.fields[static_cast<size_t>(file.price_layout_.date)]);
    const size_t time_at = date_text.find_first_of(" T");  // npos: a date alone
    const size_t items_before = file.items_.size();
    if (!ParsePriceDate(file.price_layout_, rec.fields, &day, &reason)) {
      // A good date with a time that is not midnight: an intraday row.
      int32_t date = 0;
      std::string ignored;
      if (time_at != std::string_view::npos &&
          ParseCsvDate(date_text.substr(0, time_at), &date, &ignored)) {
        intraday.try_emplace({ticker_cell(), date}, rec.line);
      }
      malformed(reason);
      if (const std::string t = ticker_cell(); !t.empty() && ValidateTicker(t).ok()) {
        file.malformed_.back().symbol = file.SymbolOf(t);
      }
      continue;
    }
    if (time_at != std::string_view::npos) {
      midnights.push_back({items_before, rec.line, std::string(date_text), std::string(rec.raw),
                           ticker_cell(), day});
    }
    PriceBar bar;
    if (file.kind_ == CsvFileKind::kBars) {
      bool ok = ParsePriceRow(file.price_layout_, rec.fields, &bar, &reason);
      if (ok && !bar.ticker.empty() && file.IsCrypto(bar.ticker)) {
        // A ticker column's value read as crypto must make a crypto symbol.
        if (Status valid = ValidateCryptoSymbol(file.SymbolOf(bar.ticker)); !valid.ok()) {
          ok = false;
          reason = valid.message() + " (read as crypto)";
        }
      }
      if (ok) {
        file.AddBar(day, std::move(bar), rec.line, -1, &last_time);
      } else {
        malformed(reason);
        if (!bar.ticker.empty() && ValidateTicker(bar.ticker).ok()) {
          file.malformed_.back().symbol = file.SymbolOf(bar.ticker);
        }
      }
      continue;
    }
    for (size_t k = 0; k < file.price_layout_.wide.size(); ++k) {
      if (ParseWideCell(file.price_layout_, rec.fields, k, &bar, &reason)) {
        file.AddBar(day, bar, rec.line, static_cast<int16_t>(k), &last_time);
      } else if (!reason.empty()) {
        malformed(reason);
        file.items_.back().cell = static_cast<int16_t>(k);
        file.malformed_.back().symbol = file.SymbolOf(file.price_layout_.wide[k].second);
      }
    }
  }
  for (const Midnight& m : midnights) {
    const auto other = intraday.find({m.ticker, m.day});
    if (other == intraday.end()) continue;
    for (size_t k = m.first_item; k < file.items_.size() && file.items_[k].line == m.line; ++k) {
      CsvItem& item = file.items_[k];
      if (item.type == CsvItem::Type::kMalformed) continue;
      const std::string symbol(file.Symbol(item));
      item.type = CsvItem::Type::kMalformed;
      item.index = static_cast<uint32_t>(file.malformed_.size());
      file.malformed_.push_back(
          {fmt::format("column 'Date': '{}' is an intraday bar (line {} has another time of day on "
                       "the same date); expected a daily date",
                       m.date, other->second),
           m.raw, symbol});
    }
  }
  return file;
}

}  // namespace financelake::sources
