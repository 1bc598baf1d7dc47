#include "financelake/sources/universe.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <set>

#include "financelake/sources/price_tick.h"
#include "financelake/sources/random.h"

namespace financelake::sources {
namespace {

bool IsUpper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A made-up but stable value in [lo, hi) on a log scale, from the symbol's name.
double DerivedLogUniform(std::string_view name, uint64_t salt, double lo, double hi) {
  Rng rng(StreamSeed(salt, name));
  return std::exp(rng.Uniform(std::log(lo), std::log(hi)));
}

}  // namespace

Status ValidateTicker(std::string_view t) {
  const std::string quoted = "ticker '" + std::string(t) + "'";
  std::string_view s = t;
  if (!s.empty() && s.front() == '^') s.remove_prefix(1);
  size_t i = 0;
  while (i < s.size() && (IsUpper(s[i]) || IsDigit(s[i]))) ++i;
  // A base of digits first is a code of an exchange that needs its suffix (7203.T, 0700.HK) or a
  // coin's quote (1INCH-USD); alone ("2024") it is a number, not a ticker.
  const bool has_suffix = i < s.size();
  if (i == 0 || i > 7 || (!IsUpper(s[0]) && !has_suffix)) {
    return Status::InvalidArgument(quoted +
                                   ": expected 1-7 upper-case letters or digits starting with a "
                                   "letter, optionally with a suffix (AAPL, BRK.B, BF-B, 7203.T)");
  }
  if (!has_suffix) return Status::OK();
  if ((s[i] == '.' || s[i] == '-') && i + 1 < s.size() && s.size() - i - 1 <= 3) {
    bool ok = true;
    for (size_t j = i + 1; j < s.size(); ++j) ok = ok && (IsUpper(s[j]) || IsDigit(s[j]));
    if (ok) return Status::OK();
  }
  return Status::InvalidArgument(
      quoted + ": unexpected '" + std::string(s.substr(i)) +
      "' (a suffix is '.' or '-' and 1-3 letters or digits, e.g. BRK.B)");
}

std::string_view UsdPairBase(std::string_view ticker) {
  constexpr std::string_view kUsd = "-USD";
  if (ticker.size() <= kUsd.size() || !ticker.ends_with(kUsd)) return {};
  return ticker.substr(0, ticker.size() - kUsd.size());
}

Status ValidateCryptoSymbol(std::string_view s) {
  bool ok = s.size() >= 2 && s.size() <= 10;
  for (char c : s) ok = ok && (IsUpper(c) || IsDigit(c));
  if (ok) return Status::OK();
  return Status::InvalidArgument("crypto symbol '" + std::string(s) +
                                 "': expected 2-10 upper-case letters or digits (BTC, ETH)");
}

Status CheckStartPrice(std::string_view symbol, double start_price) {
  if (start_price > kMaxSimStartPrice) {
    return Status::InvalidArgument(
        fmt::format("symbol '{}': start price {} is above {:.0f}, the largest the simulator takes",
                    symbol, start_price, kMaxSimStartPrice));
  }
  if (start_price == 0 || start_price >= kMinSimStartPrice) return Status::OK();
  return Status::InvalidArgument(
      fmt::format("symbol '{}': start price {} is below {:.7f}, the smallest the simulator quotes "
                  "(prices keep 3 "
                  "significant digits in at most {} decimals)",
                  symbol, start_price, kMinSimStartPrice, kMaxPriceDecimals));
}

Result<std::vector<SymbolSpec>> ParseSymbolList(std::string_view text, bool crypto) {
  std::vector<SymbolSpec> out;
  std::set<std::string> seen;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = Trim(text.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) {
      if (comma == text.size() && !out.empty()) break;  // tolerate a trailing comma
      return Status::InvalidArgument("symbol list '" + std::string(text) + "': empty entry");
    }
    SymbolSpec spec;
    const size_t eq = item.find('=');
    std::string_view name = Trim(item.substr(0, eq));
    spec.symbol.assign(name);
    for (char& c : spec.symbol) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    FL_RETURN_NOT_OK(crypto ? ValidateCryptoSymbol(spec.symbol) : ValidateTicker(spec.symbol));
    if (eq != std::string_view::npos) {
      const std::string_view price = Trim(item.substr(eq + 1));
      const auto r = std::from_chars(price.data(), price.data() + price.size(), spec.start_price);
      if (r.ec != std::errc() || r.ptr != price.data() + price.size() ||
          !std::isfinite(spec.start_price) || spec.start_price <= 0) {
        return Status::InvalidArgument("symbol '" + spec.symbol + "': start price '" +
                                       std::string(price) + "' is not a positive number");
      }
      FL_RETURN_NOT_OK(CheckStartPrice(spec.symbol, spec.start_price));
    }
    if (!seen.insert(spec.symbol).second) {
      return Status::InvalidArgument("symbol '" + spec.symbol + "' is listed twice");
    }
    out.push_back(std::move(spec));
    if (comma == text.size()) break;
  }
  return out;
}

const std::vector<StockInstrument>& DefaultStocks() {
  static const auto* stocks = new std::vector<StockInstrument>{
      {"AAPL", "NASDAQ", 185.64, 0.10, 0.24},  {"MSFT", "NASDAQ", 370.87, 0.10, 0.23},
      {"GOOGL", "NASDAQ", 138.17, 0.09, 0.28}, {"AMZN", "NASDAQ", 149.93, 0.10, 0.32},
      {"META", "NASDAQ", 346.29, 0.12, 0.38},  {"NVDA", "NASDAQ", 481.68, 0.15, 0.50},
      {"TSLA", "NASDAQ", 248.42, 0.08, 0.55},  {"NFLX", "NASDAQ", 468.50, 0.10, 0.40},
      {"JPM", "NYSE", 170.30, 0.07, 0.22},     {"V", "NYSE", 259.94, 0.07, 0.18},
      {"JNJ", "NYSE", 156.74, 0.04, 0.15},     {"WMT", "NYSE", 157.58, 0.06, 0.16},
      {"PG", "NYSE", 146.58, 0.05, 0.15},      {"XOM", "NYSE", 99.98, 0.06, 0.25},
      {"UNH", "NYSE", 524.82, 0.07, 0.22},     {"HD", "NYSE", 346.55, 0.07, 0.22},
      {"BAC", "NYSE", 33.67, 0.06, 0.28},      {"KO", "NYSE", 59.29, 0.04, 0.14},
      {"PFE", "NYSE", 28.79, 0.02, 0.25},      {"DIS", "NYSE", 90.29, 0.05, 0.28},
  };
  return *stocks;
}

const std::vector<CryptoInstrument>& DefaultCrypto() {
  static const auto* crypto = new std::vector<CryptoInstrument>{
      {"BTC", 42265.19, 0.60, 19.6e6, 2.2e10}, {"ETH", 2352.35, 0.70, 120.2e6, 1.1e10},
      {"SOL", 101.60, 1.00, 435e6, 2.5e9},     {"BNB", 312.40, 0.65, 150e6, 8.0e8},
      {"XRP", 0.6151, 0.80, 54.3e9, 1.3e9},    {"ADA", 0.5952, 0.85, 35.2e9, 5.0e8},
      {"DOGE", 0.0894, 0.90, 142.6e9, 6.5e8},  {"AVAX", 38.72, 1.00, 368e6, 6.0e8},
      {"DOT", 8.04, 0.90, 1.29e9, 2.5e8},      {"LINK", 14.98, 0.95, 563e6, 4.5e8},
  };
  return *crypto;
}

std::vector<StockInstrument> ResolveStocks(const std::vector<SymbolSpec>& specs) {
  if (specs.empty()) return DefaultStocks();
  std::vector<StockInstrument> out;
  for (const SymbolSpec& spec : specs) {
    StockInstrument inst;
    bool known = false;
    for (const StockInstrument& d : DefaultStocks()) {
      if (d.ticker == spec.symbol) {
        inst = d;
        known = true;
      }
    }
    if (!known) {
      inst.ticker = spec.symbol;
      // Short symbols are traditionally NYSE listings, longer ones NASDAQ.
      inst.exchange = spec.symbol.size() <= 3 ? "NYSE" : "NASDAQ";
      inst.start_price = DerivedLogUniform(spec.symbol, 1, 15, 600);
      inst.sigma = DerivedLogUniform(spec.symbol, 2, 0.18, 0.6);
      inst.mu = 0.07;
    }
    if (spec.start_price > 0) inst.start_price = spec.start_price;
    out.push_back(std::move(inst));
  }
  return out;
}

std::vector<CryptoInstrument> ResolveCrypto(const std::vector<SymbolSpec>& specs) {
  if (specs.empty()) return DefaultCrypto();
  std::vector<CryptoInstrument> out;
  for (const SymbolSpec& spec : specs) {
    CryptoInstrument inst;
    bool known = false;
    for (const CryptoInstrument& d : DefaultCrypto()) {
      if (d.symbol == spec.symbol) {
        inst = d;
        known = true;
      }
    }
    if (!known) {
      inst.symbol = spec.symbol;
      inst.start_price = DerivedLogUniform(spec.symbol, 3, 0.01, 100);
      inst.sigma = DerivedLogUniform(spec.symbol, 4, 0.7, 1.3);
      inst.supply = DerivedLogUniform(spec.symbol, 5, 1e8, 1e10);
      inst.volume_24h = inst.start_price * inst.supply * 0.03;
    }
    if (spec.start_price > 0) inst.start_price = spec.start_price;
    out.push_back(std::move(inst));
  }
  return out;
}

}  // namespace financelake::sources
