#include "financelake/pipeline/silver_contract.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>

#include "financelake/base/json.h"
#include "financelake/pipeline/event_time_field.h"
#include "financelake/pipeline/json_fields.h"
#include "financelake/sources/event_time.h"

namespace financelake::pipeline {
namespace {

using columnar::DataType;
using columnar::Field;

constexpr int64_t kDayUs = 86400LL * 1000000;
// 0001-01-01T00:00:00Z: the first day a Delta date partition value (YYYY-MM-DD) can name.
constexpr int64_t kMinEventTimeUs = sources::kFirstEventTimeMillis * 1000;

SilverField Req(std::string name, SilverType type, FieldCheck check = FieldCheck::kNone) {
  return {std::move(name), type, true, false, check, {}};
}
SilverField ReqNullable(std::string name, SilverType type, FieldCheck check = FieldCheck::kNone) {
  return {std::move(name), type, true, true, check, {}};
}
SilverField Opt(std::string name, SilverType type, FieldCheck check = FieldCheck::kNone) {
  return {std::move(name), type, false, true, check, {}};
}

// A bar's `interval` ("1d", "1m", "5min"): column `bar_interval` (INTERVAL is a keyword in
// Spark and DuckDB SQL).
SilverField BarInterval() {
  SilverField f = Opt("interval", SilverType::kString);
  f.column = "bar_interval";
  return f;
}

std::vector<SilverContract> MakeContracts() {
  using T = SilverType;
  using C = FieldCheck;
  return {
      {"stock-trades",
       "stock_trades",
       {Req("ticker", T::kString, C::kTicker), Req("price", T::kDouble, C::kPositive),
        ReqNullable("volume", T::kDouble, C::kNonNegative), Req("source", T::kString),
        Req("kind", T::kString, C::kTradeKind), Opt("side", T::kString),
        Opt("exchange", T::kString), Opt("open", T::kDouble, C::kPositive),
        Opt("high", T::kDouble, C::kPositive), Opt("low", T::kDouble, C::kPositive),
        Opt("close", T::kDouble, C::kPositive), Opt("adj_close", T::kDouble, C::kPositive)},
       {BarInterval()}},
      {"crypto-prices",
       "crypto_prices",
       {Req("symbol", T::kString, C::kCryptoSymbol), Req("price_usd", T::kDouble, C::kPositive),
        ReqNullable("volume_24h", T::kDouble, C::kNonNegative),
        ReqNullable("market_cap", T::kDouble, C::kNonNegative),
        ReqNullable("change_24h", T::kDouble, C::kFinite), Req("source", T::kString),
        Req("kind", T::kString, C::kTickKind), Opt("open", T::kDouble, C::kPositive),
        Opt("high", T::kDouble, C::kPositive), Opt("low", T::kDouble, C::kPositive)},
       {BarInterval()}},
      {"bank-transactions",
       "bank_transactions",
       {Req("transaction_id", T::kString, C::kEventId), ReqNullable("account_id", T::kString),
        Req("amount", T::kDouble, C::kNonNegative), Req("currency", T::kString, C::kCurrency),
        Req("type", T::kString, C::kTxType), ReqNullable("merchant", T::kString),
        ReqNullable("merchant_category", T::kString),
        ReqNullable("country", T::kString, C::kCountry),
        ReqNullable("channel", T::kString, C::kChannel), Req("source", T::kString),
        Opt("is_fraud", T::kBool)},
       {}},
  };
}

DataType ColumnType(SilverType t) {
  switch (t) {
    case SilverType::kString: return DataType::String();
    case SilverType::kDouble: return DataType::Double();
    case SilverType::kLong: return DataType::Long();
    case SilverType::kBool: return DataType::Boolean();
    case SilverType::kTimestamp: return DataType::Timestamp();
  }
  return DataType::String();
}

const std::set<std::string, std::less<>>& Currencies() {
  static const std::set<std::string, std::less<>> kCodes = {
      "AED", "ARS", "AUD", "BGN", "BRL", "CAD", "CHF", "CLP", "CNY", "COP", "CZK", "DKK", "EGP",
      "EUR", "GBP", "HKD", "HUF", "IDR", "ILS", "INR", "ISK", "JPY", "KES", "KRW", "MAD", "MXN",
      "MYR", "NGN", "NOK", "NZD", "PEN", "PHP", "PKR", "PLN", "QAR", "RON", "RUB", "SAR", "SEK",
      "SGD", "THB", "TRY", "TWD", "UAH", "USD", "VND", "ZAR"};
  return kCodes;
}

std::string CheckString(const SilverField& f, std::string_view v) {
  auto bad = [&](std::string_view what) {
    return fmt::format("field '{}': {}, got '{}'", f.name, what, v.substr(0, 64));
  };
  switch (f.check) {
    case FieldCheck::kTicker: {
      const bool ok = !v.empty() && v.size() <= 12 && std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '^';
      });
      return ok ? "" : bad("expected 1-12 of A-Z, 0-9, '.', '-', '^'");
    }
    case FieldCheck::kCryptoSymbol: {
      const bool ok = v.size() >= 2 && v.size() <= 10 && std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      });
      return ok ? "" : bad("expected 2-10 of A-Z, 0-9 (the coin without its quote currency)");
    }
    case FieldCheck::kTradeKind:
      return v == "trade" || v == "bar" ? "" : bad("expected trade or bar");
    case FieldCheck::kTickKind:
      return v == "tick" || v == "bar" ? "" : bad("expected tick or bar");
    case FieldCheck::kCurrency:
      return Currencies().count(v) ? "" : bad("unknown ISO 4217 currency code");
    case FieldCheck::kCountry: {
      const bool ok = v.size() == 2 && v[0] >= 'A' && v[0] <= 'Z' && v[1] >= 'A' && v[1] <= 'Z';
      return ok ? "" : bad("expected an ISO 3166-1 alpha-2 country code");
    }
    case FieldCheck::kTxType: {
      static const std::set<std::string, std::less<>> kTypes = {"PAYMENT", "TRANSFER",
                                                                "WITHDRAWAL", "DEPOSIT", "CARD"};
      return kTypes.count(v) ? "" : bad("expected PAYMENT, TRANSFER, WITHDRAWAL, DEPOSIT or CARD");
    }
    case FieldCheck::kChannel: {
      static const std::set<std::string, std::less<>> kChannels = {"POS", "ONLINE", "MOBILE",
                                                                   "ATM", "BRANCH"};
      return kChannels.count(v) ? "" : bad("expected POS, ONLINE, MOBILE, ATM or BRANCH");
    }
    case FieldCheck::kEventId: {
      const bool ok = !v.empty() && v.size() <= 128 &&
                      std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x21 && c < 0x7f; });
      return ok ? "" : bad("expected 1-128 printable characters without spaces");
    }
    default:
      return "";
  }
}

std::string CheckNumber(const SilverField& f, double v) {
  auto bad = [&](std::string_view what) {
    return fmt::format("field '{}': {}, got {}", f.name, what, v);
  };
  switch (f.check) {
    case FieldCheck::kPositive: return std::isfinite(v) && v > 0 ? "" : bad("must be > 0");
    case FieldCheck::kNonNegative: return std::isfinite(v) && v >= 0 ? "" : bad("must be >= 0");
    case FieldCheck::kFinite: return std::isfinite(v) ? "" : bad("must be finite");
    default: return "";
  }
}

// One parsed value, appended only once the whole row is valid.
struct Parsed {
  bool null = true;
  std::string_view s;  // into the extracted field (valid until the next payload)
  double d = 0;
  int64_t i = 0;
  bool b = false;
};

}  // namespace

const std::vector<SilverContract>& SilverContracts() {
  static const std::vector<SilverContract> kContracts = MakeContracts();
  return kContracts;
}

const SilverContract* FindSilverContract(std::string_view topic) {
  for (const SilverContract& c : SilverContracts()) {
    if (c.topic == topic) return &c;
  }
  return nullptr;
}

columnar::Schema SilverSchema(const SilverContract& contract) {
  std::vector<Field> fields = {Field{"event_id", DataType::String(), false},
                               Field{"event_time", DataType::Timestamp(), false}};
  for (const SilverField& f : contract.fields) {
    fields.push_back(Field{f.column_name(), ColumnType(f.type), f.nullable});
  }
  fields.push_back(Field{std::string(kSilverPartitionColumn), DataType::Date(), false});
  fields.push_back(Field{"bronze_position", DataType::String(), false});
  fields.push_back(Field{"ingest_time", DataType::Timestamp(), false});
  for (const SilverField& f : contract.added_fields) {
    fields.push_back(Field{f.column_name(), ColumnType(f.type), true});
  }
  return columnar::Schema(std::move(fields));
}

namespace {

// What a JSON literal is, for messages ("expected a number, got a string").
std::string LiteralTypeName(const JsonField& f) {
  if (f.is_string) return "a string";
  if (!f.present) return "null";
  switch (f.value.empty() ? ' ' : f.value[0]) {
    case 't':
    case 'f': return "a boolean";
    case '[': return "an array";
    case '{': return "an object";
    default: return "a number";
  }
}

bool IsNumberLiteral(const JsonField& f) {
  if (f.is_string || !f.present || f.value.empty()) return false;
  const char c = f.value[0];
  return c == '-' || (c >= '0' && c <= '9');
}

// The literal as a double: too large becomes +-infinity (refused by the finite checks), too
// small for a double becomes the nearest double (0 or a subnormal), as strtod rounds it.
double NumberValue(std::string_view text) {
  double d = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), d);
  if (r.ec == std::errc::result_out_of_range)
    return std::strtod(std::string(text).c_str(), nullptr);
  return d;
}

// The contract's k-th payload field: its fields, then its added fields.
const SilverField& FieldAt(const SilverContract& contract, size_t k) {
  return k < contract.fields.size() ? contract.fields[k]
                                    : contract.added_fields[k - contract.fields.size()];
}

// The payload's fields: event_id, event_time, then the contract's, reused per thread.
std::vector<JsonField>& FieldsFor(const SilverContract& contract) {
  thread_local std::map<const SilverContract*, std::vector<JsonField>> cache;
  std::vector<JsonField>& f = cache[&contract];
  if (f.empty()) {
    const size_t n = contract.fields.size() + contract.added_fields.size();
    f.resize(2 + n);
    f[0].name = "event_id";
    f[1].name = "event_time";
    for (size_t k = 0; k < n; ++k) f[2 + k].name = FieldAt(contract, k).name;
  }
  return f;
}

// Where a price contract's fields are among its values (-1: it has no such field).
struct PriceFields {
  int price = -1, volume = -1, open = -1, high = -1, low = -1, close = -1;
  const char* price_name = "price";
  const char* volume_name = "volume";
};

const PriceFields& PriceFieldsOf(const SilverContract& contract) {
  thread_local std::map<const SilverContract*, PriceFields> cache;
  auto [it, added] = cache.try_emplace(&contract);
  PriceFields& p = it->second;
  if (added) {
    if (contract.topic == "crypto-prices") {
      p.price_name = "price_usd";
      p.volume_name = "volume_24h";
    }
    const size_t n = contract.fields.size() + contract.added_fields.size();
    for (size_t k = 0; k < n; ++k) {
      const std::string& name = FieldAt(contract, k).name;
      const int i = static_cast<int>(k);
      if (name == p.price_name) p.price = i;
      if (name == p.volume_name) p.volume = i;
      if (name == "open") p.open = i;
      if (name == "high") p.high = i;
      if (name == "low") p.low = i;
      if (name == "close") p.close = i;
    }
  }
  return p;
}

// A price row's values across fields (docs/events.md): low <= high, the open, the close and
// the price within [low, high], a bar's close equal to its price, and a notional (price x
// volume) that is a number. Fields the row lacks (null) are not compared.
std::string CheckPriceRow(const PriceFields& f, const std::vector<Parsed>& values) {
  auto at = [&](int k) -> const Parsed* { return k < 0 || values[k].null ? nullptr : &values[k]; };
  const Parsed* price = at(f.price);
  const Parsed* low = at(f.low);
  const Parsed* high = at(f.high);
  if (low != nullptr && high != nullptr && low->d > high->d) {
    return fmt::format("field 'low' ({}) is above field 'high' ({})", low->d, high->d);
  }
  const std::pair<const char*, int> bounded[] = {
      {"open", f.open}, {"close", f.close}, {f.price_name, f.price}};
  for (const auto& [name, k] : bounded) {
    const Parsed* v = at(k);
    if (v == nullptr) continue;
    if (low != nullptr && v->d < low->d) {
      return fmt::format("field '{}' ({}) is below field 'low' ({})", name, v->d, low->d);
    }
    if (high != nullptr && v->d > high->d) {
      return fmt::format("field '{}' ({}) is above field 'high' ({})", name, v->d, high->d);
    }
  }
  const Parsed* close = at(f.close);
  if (close != nullptr && price != nullptr && close->d != price->d) {
    return fmt::format(
        "field 'close' ({}) differs from field '{}' ({}): a bar's close is its price", close->d,
        f.price_name, price->d);
  }
  const Parsed* volume = at(f.volume);
  if (volume != nullptr && price != nullptr && !std::isfinite(price->d * volume->d)) {
    return fmt::format("field '{}' ({}) times field '{}' ({}) is not a finite number", f.price_name,
                       price->d, f.volume_name, volume->d);
  }
  return "";
}

std::string MalformedReason(std::string_view payload) {
  auto doc = Json::Parse(payload);
  if (!doc.ok()) return "payload is not JSON: " + doc.status().message();
  if (!doc->is_object()) return "payload is not a JSON object";
  return "payload is not JSON: nested too deeply";
}

}  // namespace

std::string ParseSilverRow(const SilverContract& contract, std::string_view payload,
                           std::string_view bronze_position, int64_t ingest_time_us,
                           std::vector<columnar::Column>* columns,
                           std::string* event_id_out, int32_t* event_date_out) {
  std::vector<JsonField>& fields = FieldsFor(contract);
  if (!ExtractJsonFields(payload, fields)) return MalformedReason(payload);
  const JsonField& id = fields[0];
  if (!id.present) return "missing required field 'event_id'";
  if (!id.is_string) return "field 'event_id': expected a string, got " + LiteralTypeName(id);
  static const SilverField kEventIdField{"event_id", SilverType::kString,  true,
                                         false,      FieldCheck::kEventId, {}};
  std::string reason = CheckString(kEventIdField, id.value);
  if (!reason.empty()) return reason;
  const JsonField& et = fields[1];
  if (!et.present) return "missing required field 'event_time'";
  if (!et.is_string && !IsNumberLiteral(et)) {
    return "field 'event_time': expected a string or epoch milliseconds, got " + LiteralTypeName(et);
  }
  const Result<int64_t> when = JsonEventTime(et);
  if (!when.ok()) {
    return fmt::format("field 'event_time': not a timestamp ({})", when.status().message());
  }
  if (*when < kMinEventTimeUs) {
    return fmt::format("field 'event_time': {} is before the year 1", et.value.substr(0, 64));
  }
  if (*when > ingest_time_us + kDayUs) {
    return fmt::format("field 'event_time': {} is more than a day after the event was ingested ({})",
                       sources::FormatEventTime(*when), sources::FormatEventTime(ingest_time_us));
  }
  thread_local std::vector<Parsed> values;
  values.assign(contract.fields.size() + contract.added_fields.size(), Parsed{});
  for (size_t k = 0; k < values.size(); ++k) {
    const SilverField& f = FieldAt(contract, k);
    const JsonField& v = fields[2 + k];
    if (!v.present && !v.is_null && f.required) return fmt::format("missing required field '{}'", f.name);
    if (!v.present) {
      if (!f.nullable) return fmt::format("field '{}' is null", f.name);
      continue;
    }
    Parsed& p = values[k];
    p.null = false;
    switch (f.type) {
      case SilverType::kString:
        if (!v.is_string) return fmt::format("field '{}': expected a string, got {}", f.name, LiteralTypeName(v));
        p.s = v.value;
        reason = CheckString(f, p.s);
        break;
      case SilverType::kDouble:
        if (!IsNumberLiteral(v)) return fmt::format("field '{}': expected a number, got {}", f.name, LiteralTypeName(v));
        p.d = NumberValue(v.value);
        reason = CheckNumber(f, p.d);
        break;
      case SilverType::kLong: {
        const double d = IsNumberLiteral(v) ? NumberValue(v.value) : NAN;
        if (!(d == std::floor(d)) || std::fabs(d) > 9.2e18) {
          return fmt::format("field '{}': expected a whole number, got {}", f.name,
                             v.is_string ? "\"" + std::string(v.value) + "\"" : std::string(v.value));
        }
        int64_t i = 0;
        const auto r = std::from_chars(v.value.data(), v.value.data() + v.value.size(), i);
        p.i = r.ec == std::errc() && r.ptr == v.value.data() + v.value.size() ? i : static_cast<int64_t>(d);
        break;
      }
      case SilverType::kBool:
        if (v.is_string || (v.value != "true" && v.value != "false")) {
          return fmt::format("field '{}': expected true or false, got {}", f.name, LiteralTypeName(v));
        }
        p.b = v.value == "true";
        break;
      case SilverType::kTimestamp:
        break;
    }
    if (!reason.empty()) return reason;
  }
  if (contract.topic != "bank-transactions") {
    reason = CheckPriceRow(PriceFieldsOf(contract), values);
    if (!reason.empty()) return reason;
  }
  const int64_t days = (*when >= 0 ? *when : *when - kDayUs + 1) / kDayUs;
  *event_id_out = id.value;
  *event_date_out = static_cast<int32_t>(days);
  if (columns == nullptr) return "";
  // Valid: append the row.
  std::vector<columnar::Column>& c = *columns;
  c[0].AppendString(id.value);
  c[1].Append<int64_t>(*when);
  const size_t base = 2 + contract.fields.size();
  c[base].Append<int32_t>(static_cast<int32_t>(days));
  c[base + 1].AppendString(bronze_position);
  c[base + 2].Append<int64_t>(ingest_time_us);
  for (size_t k = 0; k < values.size(); ++k) {
    // The added fields' columns follow ingest_time.
    columnar::Column& col = c[k < contract.fields.size() ? 2 + k : 2 + k + 3];
    const Parsed& p = values[k];
    if (p.null) {
      col.AppendNull();
      continue;
    }
    switch (FieldAt(contract, k).type) {
      case SilverType::kString: col.AppendString(p.s); break;
      case SilverType::kDouble: col.Append<double>(p.d); break;
      case SilverType::kLong: col.Append<int64_t>(p.i); break;
      case SilverType::kBool: col.Append<uint8_t>(p.b ? 1 : 0); break;
      case SilverType::kTimestamp: col.AppendNull(); break;
    }
  }
  return "";
}

}  // namespace financelake::pipeline
