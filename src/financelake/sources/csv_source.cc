#include "financelake/sources/csv_source.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "financelake/io/posix_filesystem.h"
#include "financelake/sources/contracts.h"
#include "financelake/sources/universe.h"

namespace financelake::sources {
namespace {

constexpr int64_t kMinTime = -62135596800LL * 1000000;  // 0001-01-01
constexpr int64_t kMaxTime = 253402300799LL * 1000000;  // 9999-12-31T23:59:59

Status Invalid(const std::string& msg) {
  return Status::InvalidArgument("csv: " + msg);
}

// A record in replay order: which file, which item.
struct Ref {
  int64_t time;
  uint32_t file;
  uint32_t item;
};

class CsvSource final : public Source {
 public:
  CsvSource(const CsvSourceOptions& options, std::vector<CsvFile> files)
      : options_(options),
        files_(std::move(files)),
        serializer_(options.source_name),
        pacer_(options.speed, options.clock != nullptr ? options.clock : SystemClock()) {
    for (uint32_t f = 0; f < files_.size(); ++f) {
      const auto& items = files_[f].items();
      for (uint32_t i = 0; i < items.size(); ++i) order_.push_back({items[i].event_time, f, i});
    }
    // Stable: equal times keep file order, malformed rows stay after the record before them.
    std::stable_sort(order_.begin(), order_.end(),
                     [](const Ref& a, const Ref& b) { return a.time < b.time; });
  }

  // Positions the cursor after the record at `position`.
  Status Seek(const std::string& position) {
    for (uint32_t f = 0; f < files_.size(); ++f) {
      const std::string& path = files_[f].path();
      if (position.size() <= path.size() || position.compare(0, path.size(), path) != 0 ||
          position[path.size()] != ':') {
        continue;
      }
      for (size_t k = 0; k < order_.size(); ++k) {
        if (order_[k].file == f && files_[f].Position(Item(order_[k])) == position) {
          cursor_ = k + 1;
          last_position_ = position;
          return Status::OK();
        }
      }
    }
    return Invalid("resume position '" + position + "' is not a record of the files replayed");
  }

  Result<size_t> NextBatch(std::vector<Event>* batch, size_t max) override {
    if (batch->size() < max) batch->resize(max);
    size_t n = 0;
    while (n < max && cursor_ < order_.size()) {
      const Ref& ref = order_[cursor_];
      const CsvFile& file = files_[ref.file];
      const CsvItem& item = Item(ref);
      if (item.type == CsvItem::Type::kMalformed) {
        FL_RETURN_NOT_OK(ReportMalformed(file, item));
      } else {
        if (!pacer_.unlimited() && !pacer_.IsDue(item.event_time)) {
          if (n > 0) break;  // hand over what is due; wait on the next call
          if (!pacer_.WaitFor(item.event_time)) break;  // stopping: the event is not due yet
        }
        Serialize(file, item, &(*batch)[n]);
        ++n;
      }
      last_position_ = file.Position(item);
      ++cursor_;
    }
    batch->resize(n);
    return n;
  }

  std::string Position() const override { return last_position_; }

 private:
  const CsvItem& Item(const Ref& ref) const { return files_[ref.file].items()[ref.item]; }

  Status ReportMalformed(const CsvFile& file, const CsvItem& item) {
    const CsvMalformed& m = file.malformed()[item.index];
    MalformedRecord rec;
    rec.file = file.path();
    rec.line = item.line;
    rec.reason = m.reason;
    rec.raw = m.raw;
    rec.offset = cursor_ + 1;
    rec.position = file.Position(item);
    if (!options_.on_malformed) {
      return Status::DataLoss("csv: " + rec.position + ": " + rec.reason +
                              " (no malformed-record handler)");
    }
    return options_.on_malformed(rec).WithContext("csv: malformed-record handler at " +
                                                  rec.position);
  }

  void Serialize(const CsvFile& file, const CsvItem& item, Event* ev) {
    switch (item.type) {
      case CsvItem::Type::kStockBar: {
        const PriceBar& bar = file.bars()[item.index];
        StockTradeRecord r;
        r.ticker = file.Symbol(item);
        r.event_time = item.event_time;
        r.price = bar.close;
        r.volume = bar.volume;
        r.is_bar = true;
        r.open = bar.open;
        r.high = bar.high;
        r.low = bar.low;
        r.close = bar.close;
        r.adj_close = bar.adj_close;
        serializer_.Write(r, "bar:1d", ev);
        break;
      }
      case CsvItem::Type::kCryptoBar: {
        const PriceBar& bar = file.bars()[item.index];
        CryptoPriceRecord r;
        r.symbol = file.Symbol(item);
        r.event_time = item.event_time;
        r.price_usd = bar.close;
        r.volume_24h = bar.volume;
        r.change_24h = DailyBarChange24h(bar.open, bar.close);
        r.is_bar = true;
        r.open = bar.open;
        r.high = bar.high;
        r.low = bar.low;
        serializer_.Write(r, "bar:1d", ev);
        break;
      }
      case CsvItem::Type::kCard: {
        const CardRow& row = file.cards()[item.index];
        const std::string tx_id = file.TransactionId(item);
        BankTransactionRecord r;
        r.transaction_id = tx_id;
        r.event_time = item.event_time;
        r.amount = row.amount;
        r.amount_decimals = -1;
        r.currency = "EUR";
        r.type = BankTxType::kCard;
        r.label = row.fraud ? FraudLabel::kFraud : FraudLabel::kLegit;
        r.features = row.features.data();
        r.num_features = row.features.size();
        // The id's discriminator: file name and line, and the row's content (two files named
        // alike in different folders must not share ids; Silver would drop one as a duplicate).
        char digest[17];
        std::snprintf(digest, sizeof(digest), "%016llx",
                      static_cast<unsigned long long>(row.content_hash));
        serializer_.Write(r, tx_id + ":" + digest, ev);
        break;
      }
      case CsvItem::Type::kMalformed: break;
    }
    ev->offset = cursor_ + 1;
    ev->position = file.Position(item);
  }

  CsvSourceOptions options_;
  std::vector<CsvFile> files_;
  std::vector<Ref> order_;
  EventSerializer serializer_;
  ReplayPacer pacer_;
  size_t cursor_ = 0;
  std::string last_position_;
};

}  // namespace

Status ValidateCsvOptions(const CsvSourceOptions& o) {
  if (o.paths.empty()) return Invalid("no input files");
  for (const std::string& p : o.paths) {
    if (p.empty()) return Invalid("an input file path is empty");
  }
  if (std::set<std::string>(o.paths.begin(), o.paths.end()).size() != o.paths.size()) {
    return Invalid("a file is listed twice");
  }
  if (!o.ticker.empty()) FL_RETURN_NOT_OK(ValidateTicker(o.ticker).WithContext("csv: --ticker"));
  if (!(o.speed >= 0) || !std::isfinite(o.speed)) {
    return Invalid("speed must be >= 0 (0 = as fast as possible, 1 = real time), got " +
                   std::to_string(o.speed));
  }
  if (o.card_start_micros < kMinTime || o.card_start_micros > kMaxTime) {
    return Invalid("card start time is outside the years 1..9999");
  }
  if (o.source_name.empty()) return Invalid("source name is empty");
  for (char c : o.source_name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return Invalid("source name '" + o.source_name +
                     "': use lower-case letters, digits, '-' and '_'");
    }
  }
  return Status::OK();
}

Result<std::unique_ptr<Source>> MakeCsvSource(const CsvSourceOptions& options) {
  FL_RETURN_NOT_OK(ValidateCsvOptions(options));
  std::shared_ptr<io::FileSystem> fs = options.fs ? options.fs : io::PosixFileSystem();
  CsvFileOptions file_options;
  file_options.ticker = options.ticker;
  file_options.asset_class = options.asset_class;
  file_options.card_start_micros = options.card_start_micros;
  std::vector<CsvFile> files;
  for (const std::string& path : options.paths) {
    FL_ASSIGN_OR_RETURN(CsvFile file, CsvFile::Load(*fs, path, file_options));
    files.push_back(std::move(file));
  }
  auto source = std::make_unique<CsvSource>(options, std::move(files));
  if (!options.resume_after.empty()) FL_RETURN_NOT_OK(source->Seek(options.resume_after));
  return std::unique_ptr<Source>(std::move(source));
}

}  // namespace financelake::sources
