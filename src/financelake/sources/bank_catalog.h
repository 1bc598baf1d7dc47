// Static reference data for the bank-transaction simulator: merchants (with category, typical
// amount and spread), countries (currency, UTC offset, share of accounts) and currencies' rough
// USD rates. Names are illustrative; amounts are in USD before conversion. Thread-safe
// (immutable tables).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace financelake::sources {

enum class MerchantRole : uint8_t {
  kEveryday,     // what accounts normally buy
  kBill,         // utilities and subscriptions, paid as PAYMENT
  kFraudTarget,  // resellable goods: what a fraudster cashes out on
  kCardTest,     // tiny online charges used to test stolen cards
};

struct MerchantInfo {
  std::string_view name;
  std::string_view category;
  double median_usd;  // typical amount
  double sigma;       // lognormal spread of amounts
  bool online;
  MerchantRole role;
};

struct CountryInfo {
  std::string_view code;      // ISO 3166-1 alpha-2
  std::string_view currency;  // ISO 4217
  int utc_offset_hours;       // standard time; DST is ignored for accounts
  double account_share;       // share of simulated accounts living there (0 = only visited)
  double usd_rate;            // units of currency per USD
};

std::span<const MerchantInfo> Merchants();
std::span<const CountryInfo> Countries();

// Indices into Merchants() of every merchant with `role`.
std::span<const uint16_t> MerchantsWithRole(MerchantRole role);

// Fraction digits of amounts in a currency (JPY has none).
inline int CurrencyDecimals(std::string_view currency) {
  return currency == "JPY" ? 0 : 2;
}

}  // namespace financelake::sources
