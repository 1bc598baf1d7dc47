// Silver contracts: how a Bronze payload becomes a typed, validated Silver row (docs/events.md
// gives the event contracts; src/financelake/pipeline/README.md the Silver columns).
//
// Each topic has a table-driven contract: a list of fields with their type, whether they are
// required and nullable, and a check (price > 0 and finite, volume >= 0, known currency, ...).
// ParseSilverRow either appends one row to the Silver columns or returns the reason a human
// reads ("field 'price': must be > 0, got -3"), which becomes an `errors` row. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/columnar/column.h"
#include "financelake/columnar/schema.h"

namespace financelake::pipeline {

enum class SilverType { kString, kDouble, kLong, kBool, kTimestamp };

enum class FieldCheck {
  kNone,
  kPositive,      // > 0 and finite
  kNonNegative,   // >= 0 and finite
  kFinite,
  kTicker,        // 1-12 of A-Z 0-9 . - ^
  kCurrency,      // a known ISO 4217 code
  kCountry,       // two upper-case letters
  kTxType,        // PAYMENT TRANSFER WITHDRAWAL DEPOSIT CARD
  kChannel,       // POS ONLINE MOBILE ATM BRANCH
  kEventId,       // 1-128 printable characters
  kCryptoSymbol,  // 2-10 of A-Z 0-9 (BTC, not BTC-USD)
  kTradeKind,     // trade bar
  kTickKind,      // tick bar
};

struct SilverField {
  std::string name;
  SilverType type;
  bool required = true;   // must be present (possibly null when nullable)
  bool nullable = false;  // null (or absent, when not required) allowed
  FieldCheck check = FieldCheck::kNone;
  std::string column;  // the Silver column's name when it differs from the payload's `name`
  const std::string& column_name() const { return column.empty() ? name : column; }
};

struct SilverContract {
  std::string topic;        // "stock-trades"
  std::string table;        // "stock_trades": <lake>/silver/<table>
  std::vector<SilverField> fields;  // payload fields, in Silver column order
  // Fields that became Silver columns after tables existed: nullable, after ingest_time, so an
  // existing table gains them by ADD COLUMNS (its older rows read null).
  std::vector<SilverField> added_fields;
};

// The contract of a topic; nullptr for a topic without one.
const SilverContract* FindSilverContract(std::string_view topic);
const std::vector<SilverContract>& SilverContracts();

// Silver schema: event_id string, event_time timestamp, then the contract's fields (event_id
// and event_time excluded), then event_date date (UTC date of event_time; the partition column),
// bronze_position string (where the row came from), ingest_time timestamp, then the contract's
// added fields.
columnar::Schema SilverSchema(const SilverContract& contract);
inline constexpr std::string_view kSilverPartitionColumn = "event_date";

// Parses and validates `payload`. On success appends one row to `columns` (SilverSchema order;
// nullptr: validate only), sets the event id and date, and returns ""; otherwise returns the
// reason and leaves `columns` unchanged.
// An event_time more than a day after the row's Bronze ingest_time is refused: bounded by the
// row's own data, not the clock, so a rerun of the same Bronze rows (after a crash, days
// later) gives every row the same verdict and none lands in both Silver and the errors table.
std::string ParseSilverRow(const SilverContract& contract, std::string_view payload,
                           std::string_view bronze_position, int64_t ingest_time_us,
                           std::vector<columnar::Column>* columns,
                           std::string* event_id_out, int32_t* event_date_out);

}  // namespace financelake::pipeline
