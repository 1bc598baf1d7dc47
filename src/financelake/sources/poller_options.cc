#include "financelake/sources/poller_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <span>
#include <string_view>

#include "financelake/sources/http_client.h"
#include "financelake/sources/universe.h"

namespace financelake::sources {
namespace {

Status BadFlag(const std::string& flag, const std::string& value, const std::string& what) {
  return Status::InvalidArgument(fmt::format("--{}: '{}' {}", flag, value, what));
}

std::string Cased(std::string s, bool upper) {
  for (char& c : s) {
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

// The entries of a comma list; an empty one is refused (a trailing comma is tolerated).
Result<std::vector<std::string>> SplitSymbols(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = std::min(text.find(',', start), text.size());
    if (comma == start) return BadFlag("symbols", text, "has an empty entry");
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  if (out.empty()) return BadFlag("symbols", text, "names no symbol");
  return out;
}

// yahoo/alphavantage: a ticker as the stock-trades contract has it, upper-cased; for yahoo
// also a crypto pair `<SYMBOL>-USD` whose symbol is valid for crypto-prices (SUI20947-USD,
// Yahoo's id for a coin whose name collides, has a base longer than a ticker's).
Result<std::string> PollerTicker(const std::string& api, const std::string& entry) {
  std::string ticker = Cased(entry, /*upper=*/true);
  if (api == "yahoo" && !UsdPairBase(ticker).empty() &&
      ValidateCryptoSymbol(UsdPairBase(ticker)).ok()) {
    return ticker;
  }
  if (Status st = ValidateTicker(ticker); !st.ok()) {
    return Status::InvalidArgument("--symbols: " + st.message());
  }
  return ticker;
}

// coingecko: "id" or "id=SYMBOL" -> "id=SYMBOL", the id lower-cased (CoinGecko's ids are), the
// symbol upper-cased and valid for the crypto-prices contract.
Result<std::string> CoinEntry(const std::string& entry) {
  const size_t eq = entry.find('=');
  const std::string id = Cased(entry.substr(0, eq), /*upper=*/false);
  const bool printable = std::all_of(id.begin(), id.end(), [](char ch) {
    return static_cast<unsigned char>(ch) > 0x20 && static_cast<unsigned char>(ch) < 0x7f;
  });
  if (id.empty() || id.size() > 64 || !printable ||
      (eq != std::string::npos &&
       (eq + 1 == entry.size() || entry.find('=', eq + 1) != std::string::npos))) {
    return BadFlag("symbols", entry, "is not a CoinGecko id or id=SYMBOL (printable, no spaces)");
  }
  const std::string symbol = Cased(eq == std::string::npos ? id : entry.substr(eq + 1), true);
  if (Status st = ValidateCryptoSymbol(symbol); !st.ok()) {
    if (eq != std::string::npos) return Status::InvalidArgument("--symbols: " + st.message());
    return BadFlag("symbols", entry,
                   fmt::format("would have the symbol '{}', not 2-10 upper-case letters or digits; "
                               "give its symbol: {}=SYMBOL",
                               symbol, id));
  }
  return id + "=" + symbol;
}

Result<std::vector<std::string>> ParseSymbols(const std::string& api, const std::string& text) {
  FL_ASSIGN_OR_RETURN(std::vector<std::string> entries, SplitSymbols(text));
  std::vector<std::string> out;
  std::set<std::string> keys;                  // tickers, or coin ids
  std::map<std::string, std::string> coin_of;  // coingecko: symbol -> id
  for (const std::string& entry : entries) {
    std::string normal;
    if (api == "coingecko") {
      FL_ASSIGN_OR_RETURN(normal, CoinEntry(entry));
    } else {
      FL_ASSIGN_OR_RETURN(normal, PollerTicker(api, entry));
    }
    const size_t eq = normal.find('=');
    const std::string key = api == "coingecko" ? normal.substr(0, eq) : normal;
    if (!keys.insert(key).second) return BadFlag("symbols", key, "is listed twice");
    if (api == "coingecko") {
      const std::string symbol = normal.substr(eq + 1);
      if (auto [it, fresh] = coin_of.emplace(symbol, key); !fresh) {
        return BadFlag("symbols", symbol,
                       fmt::format("is the symbol of two coins, '{}' and '{}'", it->second, key));
      }
    }
    out.push_back(std::move(normal));
  }
  return out;
}

constexpr std::string_view kFunctions[] = {"GLOBAL_QUOTE", "TIME_SERIES_DAILY",
                                           "TIME_SERIES_INTRADAY"};
constexpr std::string_view kYahooRanges[] = {"1d", "5d", "1mo", "3mo", "6mo", "1y",
                                             "2y", "5y", "10y", "ytd", "max"};
// Bars up to a day: longer ones (1wk, 1mo) have no contract stamp and no simple completion time.
constexpr std::string_view kYahooIntervals[] = {"1m",  "2m",  "5m", "15m", "30m",
                                                "60m", "90m", "1h", "1d"};
constexpr std::string_view kAlphaVantageIntervals[] = {"1min", "5min", "15min", "30min", "60min"};

// Sets *out from flags[flag], which must be one of `allowed` and is a flag of `owner` only.
Status OneOf(const OptionMap& flags, const std::string& flag, const std::string& api,
             const std::string& owner, std::span<const std::string_view> allowed,
             std::string* out) {
  auto it = flags.find(flag);
  if (it == flags.end()) return Status::OK();
  if (api != owner) {
    return Status::InvalidArgument(fmt::format("--{}: only for --source {}", flag, owner));
  }
  if (std::find(allowed.begin(), allowed.end(), it->second) == allowed.end()) {
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    return BadFlag(flag, it->second, "is not one of " + list);
  }
  *out = it->second;
  return Status::OK();
}

// An http(s) URL of a host and an optional path, without its trailing '/': requests append
// "/v8/...", "/query?...".
Result<std::string> BaseUrl(std::string url) {
  if (Status st = CheckBaseUrl(url); !st.ok()) return BadFlag("base-url", url, st.message());
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

bool IsPollerName(const std::string& name) {
  return name == "yahoo" || name == "alphavantage" || name == "coingecko";
}

Result<PollerOptions> ParsePollerOptions(const std::string& api, const OptionMap& flags) {
  PollerOptions o;
  o.api = api;
  static const std::set<std::string> kKnown = {
      "symbols",    "base-url", "interval-s", "polls",    "max-retries",
      "timeout-ms", "range",    "interval",   "function", "min-request-interval-s"};
  for (const auto& [k, v] : flags) {
    if (kKnown.count(k) == 0) {
      return Status::InvalidArgument(fmt::format(
          "--{}: not a flag of the {} source (its flags: --symbols --base-url --interval-s "
          "--polls --max-retries --timeout-ms --range --interval --function "
          "--min-request-interval-s)",
          k, api));
    }
  }
  // Counts (whole) and durations, bounded so that the int fields they end in cannot wrap.
  auto number = [&](const char* flag, double* out, double min, bool whole = false,
                    double max = 1e9) -> Status {
    auto it = flags.find(flag);
    if (it == flags.end()) return Status::OK();
    char* end = nullptr;
    const double d = std::strtod(it->second.c_str(), &end);
    if (end == it->second.c_str() || *end != '\0' || !std::isfinite(d) || d < min || d > max ||
        (whole && d != std::floor(d))) {
      return BadFlag(
          flag, it->second,
          fmt::format("is not a {} from {} to {}", whole ? "whole number" : "number", min, max));
    }
    *out = d;
    return Status::OK();
  };
  double polls = 0, retries = o.max_retries, timeout = o.timeout_ms;
  FL_RETURN_NOT_OK(number("interval-s", &o.interval_s, 0));
  FL_RETURN_NOT_OK(number("polls", &polls, 1, true, 1e15));  // absent: forever
  FL_RETURN_NOT_OK(number("max-retries", &retries, 0, true, 1000));
  FL_RETURN_NOT_OK(number("timeout-ms", &timeout, 1, true, 3'600'000));
  FL_RETURN_NOT_OK(number("min-request-interval-s", &o.min_request_interval_s, 0));
  o.polls = static_cast<int64_t>(polls);
  o.max_retries = static_cast<int>(retries);
  o.timeout_ms = static_cast<int>(timeout);
  if (auto it = flags.find("base-url"); it != flags.end()) {
    FL_ASSIGN_OR_RETURN(o.base_url, BaseUrl(it->second));
  }
  FL_RETURN_NOT_OK(OneOf(flags, "function", api, "alphavantage", kFunctions, &o.function));
  FL_RETURN_NOT_OK(OneOf(flags, "range", api, "yahoo", kYahooRanges, &o.range));
  if (api == "alphavantage") {
    if (o.function == "TIME_SERIES_INTRADAY") {
      o.interval = "5min";
      FL_RETURN_NOT_OK(OneOf(flags, "interval", api, api, kAlphaVantageIntervals, &o.interval));
    } else if (flags.count("interval") != 0) {
      return Status::InvalidArgument("--interval: only for --function TIME_SERIES_INTRADAY");
    }
  } else {
    FL_RETURN_NOT_OK(OneOf(flags, "interval", api, "yahoo", kYahooIntervals, &o.interval));
    // range=1d holds only the session in progress, whose daily bar is never complete while it
    // is in the response: nothing would ever be emitted.
    if (api == "yahoo" && o.range == "1d" && o.interval == "1d") {
      return Status::InvalidArgument(
          "--range: 1d holds only today's bar, which is emitted once complete, when it has left "
          "a 1d range; use --range 5d (the default) for daily bars");
    }
  }
  if (auto it = flags.find("symbols"); it != flags.end()) {
    FL_ASSIGN_OR_RETURN(o.symbols, ParseSymbols(api, it->second));
  }
  if (o.symbols.empty()) {
    if (api == "coingecko") {
      o.symbols = {"bitcoin=BTC", "ethereum=ETH", "solana=SOL"};
    } else {
      o.symbols = {"AAPL", "MSFT", "NVDA"};
    }
  }
  return o;
}

}  // namespace financelake::sources
