// The three event contracts (docs/events.md) as records, and EventSerializer, which turns a
// record into an Event: topic, key, event id and the JSON payload, hand-written for speed.
//
// Records hold string_views into the producer's storage; they are consumed by the next Write().
// Unknown numeric values are NaN and are written as null; empty optional strings are written as
// null or omitted as the contract says. An EventSerializer is thread-compatible; use one per
// source.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "financelake/sources/event.h"
#include "financelake/sources/json_writer.h"

namespace financelake::sources {

inline constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

// Topic stock-trades: a trade (kind "trade"), or a daily bar (kind "bar": price = close, plus
// interval "1d" and open/high/low/close/adj_close).
struct StockTradeRecord {
  std::string_view ticker;
  int64_t event_time = 0;  // µs since the epoch, UTC
  double price = 0;
  double volume = kUnknown;   // shares; null when the source has none (a wide close table)
  int price_decimals = -1;    // 0..9 fixed places, or -1 for the shortest exact text
  std::string_view side;      // trades: "buy" | "sell"; empty = omitted
  std::string_view exchange;  // trades: listing venue; empty = omitted
  bool is_bar = false;
  std::string_view interval =
      "1d";  // bars: the bar's length as the source names it ("1d", "1m", "5min")
  double open = kUnknown, high = kUnknown, low = kUnknown, close = kUnknown;
  double adj_close = kUnknown;
};

// Topic crypto-prices: a price tick (kind "tick") or a daily bar (kind "bar": price_usd is the
// close, plus interval "1d" and open/high/low).
struct CryptoPriceRecord {
  std::string_view symbol;  // "BTC"
  int64_t event_time = 0;
  double price_usd = 0;
  double volume_24h = kUnknown;  // USD; whole numbers print without a fraction
  double market_cap = kUnknown;  // USD; null when the source does not know the supply
  double change_24h = kUnknown;  // percent
  int price_decimals = -1;       // as for stocks; when >= 0, change_24h is written to 4 places
  bool is_bar = false;
  std::string_view interval = "1d";  // bars: as for stocks
  double open = kUnknown, high = kUnknown, low = kUnknown;
};

// change_24h of a daily bar of a 24/7 market (it spans exactly 24 hours): close vs open in
// percent, rounded to 6 decimals; unknown (NaN) without a positive open. CSV replay and the
// pollers both use it, so the same bar from either carries the same value.
double DailyBarChange24h(double open, double close);

enum class BankTxType : uint8_t { kPayment, kTransfer, kWithdrawal, kDeposit, kCard };
std::string_view BankTxTypeName(BankTxType type);  // "PAYMENT", ...

// Ground truth, only where the source knows it (simulator, labelled CSV).
enum class FraudLabel : uint8_t { kUnknown, kLegit, kFraud };

// Topic bank-transactions.
struct BankTransactionRecord {
  std::string_view transaction_id;
  std::string_view account_id;  // empty = null (a labelled card CSV knows no account)
  int64_t event_time = 0;
  double amount = 0;
  int amount_decimals = 2;    // -1 for the shortest exact text (replayed CSVs)
  std::string_view currency;  // ISO 4217
  BankTxType type = BankTxType::kCard;
  std::string_view merchant;                // empty = null
  std::string_view merchant_category;       // empty = null
  std::string_view country;                 // ISO 3166-1 alpha-2; empty = null
  std::string_view channel;                 // POS | ONLINE | MOBILE | ATM | BRANCH; empty = null
  FraudLabel label = FraudLabel::kUnknown;  // kUnknown: "is_fraud" omitted
  const double* features = nullptr;         // labelled card CSVs: V1..V28; nullptr = omitted
  size_t num_features = 0;
};

class EventSerializer {
 public:
  // `source` is the payload's "source" field and part of every event id ("sim", "csv").
  explicit EventSerializer(std::string source) : source_(std::move(source)) {}

  // Each Write sets out's topic, key, event_id, event_time and payload (offset and position are
  // the source's business). `discriminator` enters the event id (event.h, ComputeEventId).
  void Write(const StockTradeRecord& r, std::string_view discriminator, Event* out);
  void Write(const CryptoPriceRecord& r, std::string_view discriminator, Event* out);
  void Write(const BankTransactionRecord& r, std::string_view discriminator, Event* out);

  const std::string& source() const { return source_; }

 private:
  // Sets the common fields and opens the payload with event_id and event_time.
  void Begin(Topic topic, std::string_view key, std::string_view id_key,
             std::string_view discriminator, int64_t event_time, Event* out);
  void Number(double v, int decimals);

  std::string source_;
  JsonWriter writer_;
};

}  // namespace financelake::sources
