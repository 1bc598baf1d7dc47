#include "financelake/sources/csv_file.h"

#include <cmath>

#include "financelake/io/path.h"
#include "financelake/sources/csv_text.h"
#include "financelake/sources/event_time.h"
#include "financelake/sources/murmur3.h"
#include "financelake/sources/nyse_calendar.h"
#include "financelake/sources/universe.h"

namespace financelake::sources {
namespace {

bool EndsWithUsd(std::string_view t) {
  return t.size() > 4 && t.substr(t.size() - 4) == "-USD";
}

// The time a daily crypto bar is stamped with: the last second of its UTC day (the bar covers
// 00:00-24:00 UTC; the stamp keeps the event on the bar's own date).
int64_t CryptoBarTime(int32_t day) {
  return day * kMicrosPerDay + 86399 * kMicrosPerSecond;
}

}  // namespace

Result<std::string> TickerFromFileName(std::string_view path) {
  std::string name = io::BaseName(path);
  const size_t ext = name.rfind('.');
  if (ext != std::string::npos && ext > 0) name.resize(ext);
  std::vector<std::string> tokens;
  std::string cur;
  for (char c : name + "_") {
    if (c == '-' || c == '_' || c == '.' || c == ' ') {
      if (!cur.empty()) tokens.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i + 1 < tokens.size() && tokens[i + 1] == "USD" && ValidateCryptoSymbol(tokens[i]).ok()) {
      return tokens[i] + "-USD";
    }
    bool has_letter = false;
    for (char c : tokens[i]) has_letter = has_letter || (c >= 'A' && c <= 'Z');
    if (has_letter && ValidateTicker(tokens[i]).ok()) return tokens[i];
  }
  return Status::NotFound("no ticker in the file name '" + io::BaseName(path) + "'");
}

bool CsvFile::IsCrypto(std::string_view ticker) const {
  switch (options_.asset_class) {
    case AssetClass::kStock: return false;
    case AssetClass::kCrypto: return true;
    case AssetClass::kAuto: return EndsWithUsd(ticker);
  }
  return false;
}

std::string_view CsvFile::Symbol(const CsvItem& item) const {
  std::string_view t = bars_[item.index].ticker;
  if (t.empty()) t = file_ticker_;
  if (item.type == CsvItem::Type::kCryptoBar && EndsWithUsd(t)) t.remove_suffix(4);
  return t;
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
          (file.price_layout_.wide.empty() ? "a ticker column" : "one column per ticker") +
          "); " + options.ticker_flag + " does not apply");
    }
    if (!per_row) {
      if (!options.ticker.empty()) {
        file.file_ticker_ = options.ticker;
      } else if (!file.price_layout_.header_ticker.empty()) {
        file.file_ticker_ = file.price_layout_.header_ticker;
      } else {
        auto from_name = TickerFromFileName(path);
        if (!from_name.ok()) {
          return Status::InvalidArgument(ctx + ": cannot tell the ticker: " +
                                         from_name.status().message() + "; pass " + options.ticker_flag);
        }
        file.file_ticker_ = *from_name;
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
    file.malformed_.push_back({std::move(why), std::string(rec.raw)});
    file.items_.push_back(item);
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
    if (!ParsePriceDate(file.price_layout_, rec.fields, &day, &reason)) {
      malformed(reason);
      continue;
    }
    PriceBar bar;
    if (file.kind_ == CsvFileKind::kBars) {
      if (ParsePriceRow(file.price_layout_, rec.fields, &bar, &reason)) {
        file.AddBar(day, std::move(bar), rec.line, -1, &last_time);
      } else {
        malformed(reason);
      }
      continue;
    }
    for (size_t k = 0; k < file.price_layout_.wide.size(); ++k) {
      if (ParseWideCell(file.price_layout_, rec.fields, k, &bar, &reason)) {
        file.AddBar(day, bar, rec.line, static_cast<int16_t>(k), &last_time);
      } else if (!reason.empty()) {
        malformed(reason);
        file.items_.back().cell = static_cast<int16_t>(k);
      }
    }
  }
  return file;
}

}  // namespace financelake::sources
