#include "financelake/sources/bank_catalog.h"

#include <array>
#include <vector>

namespace financelake::sources {
namespace {

using R = MerchantRole;

constexpr MerchantInfo kMerchants[] = {
    {"Whole Foods Market", "grocery", 46, 0.6, false, R::kEveryday},
    {"Trader Joe's", "grocery", 38, 0.6, false, R::kEveryday},
    {"Tesco", "grocery", 32, 0.6, false, R::kEveryday},
    {"Carrefour", "grocery", 41, 0.6, false, R::kEveryday},
    {"Lidl", "grocery", 27, 0.6, false, R::kEveryday},
    {"Starbucks", "restaurant", 7, 0.35, false, R::kEveryday},
    {"McDonald's", "restaurant", 11, 0.4, false, R::kEveryday},
    {"Chipotle", "restaurant", 14, 0.3, false, R::kEveryday},
    {"Pret A Manger", "restaurant", 9, 0.35, false, R::kEveryday},
    {"Corner Bistro", "restaurant", 42, 0.5, false, R::kEveryday},
    {"Shell", "fuel", 48, 0.35, false, R::kEveryday},
    {"BP", "fuel", 45, 0.35, false, R::kEveryday},
    {"Uber", "transport", 18, 0.5, true, R::kEveryday},
    {"Metro Transit", "transport", 3, 0.3, false, R::kEveryday},
    {"Amazon", "online_retail", 35, 0.9, true, R::kEveryday},
    {"eBay", "online_retail", 40, 0.9, true, R::kEveryday},
    {"Zalando", "clothing", 60, 0.6, true, R::kEveryday},
    {"H&M", "clothing", 45, 0.6, false, R::kEveryday},
    {"Uniqlo", "clothing", 40, 0.5, false, R::kEveryday},
    {"CVS Pharmacy", "pharmacy", 22, 0.6, false, R::kEveryday},
    {"Boots", "pharmacy", 15, 0.6, false, R::kEveryday},
    {"IKEA", "home", 120, 0.8, false, R::kEveryday},
    {"Home Depot", "home", 85, 0.8, false, R::kEveryday},
    {"Best Buy", "electronics", 150, 0.9, false, R::kEveryday},
    {"AMC Theatres", "entertainment", 25, 0.4, false, R::kEveryday},
    {"Steam", "entertainment", 20, 0.6, true, R::kEveryday},
    {"Airbnb", "travel", 250, 0.6, true, R::kEveryday},
    {"Delta Air Lines", "travel", 380, 0.5, true, R::kEveryday},
    {"Netflix", "subscription", 15.49, 0.05, true, R::kBill},
    {"Spotify", "subscription", 10.99, 0.05, true, R::kBill},
    {"Con Edison", "utilities", 95, 0.35, true, R::kBill},
    {"British Gas", "utilities", 80, 0.35, true, R::kBill},
    {"Verizon", "utilities", 85, 0.2, true, R::kBill},
    {"ElectroHub Online", "electronics", 1200, 0.5, true, R::kFraudTarget},
    {"LuxeJewels", "jewelry", 1800, 0.5, false, R::kFraudTarget},
    {"GiftCardMall", "gift_cards", 500, 0.4, true, R::kFraudTarget},
    {"CoinSwap Exchange", "crypto_exchange", 1500, 0.6, true, R::kFraudTarget},
    {"QuickDigital Goods", "digital_goods", 2, 0.5, true, R::kCardTest},
    {"AppCharge Store", "digital_goods", 1.5, 0.5, true, R::kCardTest},
    {"DonateNow Charity", "charity", 1, 0.4, true, R::kCardTest},
};

constexpr CountryInfo kCountries[] = {
    {"US", "USD", -5, 0.36, 1.0},  {"GB", "GBP", 0, 0.12, 0.79},  {"DE", "EUR", 1, 0.10, 0.92},
    {"FR", "EUR", 1, 0.08, 0.92},  {"CA", "CAD", -5, 0.07, 1.35}, {"ES", "EUR", 1, 0.06, 0.92},
    {"IT", "EUR", 1, 0.06, 0.92},  {"NL", "EUR", 1, 0.05, 0.92},  {"AU", "AUD", 10, 0.05, 1.52},
    {"JP", "JPY", 9, 0.05, 148.0}, {"BR", "BRL", -3, 0.0, 4.9},   {"MX", "MXN", -6, 0.0, 17.1},
    {"TH", "THB", 7, 0.0, 35.5},   {"ZA", "ZAR", 2, 0.0, 18.6},   {"TR", "TRY", 3, 0.0, 30.0},
    {"PH", "PHP", 8, 0.0, 55.8},
};

std::vector<uint16_t> IndicesWithRole(MerchantRole role) {
  std::vector<uint16_t> out;
  for (uint16_t i = 0; i < std::size(kMerchants); ++i) {
    if (kMerchants[i].role == role) out.push_back(i);
  }
  return out;
}

}  // namespace

std::span<const MerchantInfo> Merchants() {
  return kMerchants;
}
std::span<const CountryInfo> Countries() {
  return kCountries;
}

std::span<const uint16_t> MerchantsWithRole(MerchantRole role) {
  static const auto* by_role = new std::array<std::vector<uint16_t>, 4>{
      IndicesWithRole(R::kEveryday), IndicesWithRole(R::kBill), IndicesWithRole(R::kFraudTarget),
      IndicesWithRole(R::kCardTest)};
  return (*by_role)[static_cast<size_t>(role)];
}

}  // namespace financelake::sources
