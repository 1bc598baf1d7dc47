// The instruments the simulator knows: ~20 real-looking stocks and 10 crypto assets with
// plausible early-2024 prices and volatilities, symbol validation, and the resolution of a
// user's list ("AAPL,MSFT=420,XYZ") into instruments. Unknown but well-formed tickers get
// deterministic made-up parameters. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/base/status.h"

namespace financelake::sources {

struct StockInstrument {
  std::string ticker;
  std::string exchange;  // "NASDAQ", "NYSE"
  double start_price = 0;
  double mu = 0.08;     // annual drift
  double sigma = 0.25;  // long-run annual volatility
};

struct CryptoInstrument {
  std::string symbol;  // "BTC"
  double start_price = 0;
  double sigma = 0.7;
  double supply = 0;      // circulating supply, for market_cap
  double volume_24h = 0;  // typical 24h volume in USD
};

// A symbol with an optional start price (0 = the universe's default or a derived one).
struct SymbolSpec {
  std::string symbol;
  double start_price = 0;
};

// Upper-case letters and digits, 1-7 characters, starting with a letter, optionally followed by
// a suffix of 1-3 letters or digits after '.' or '-': a share class (BRK.B, BF-B), a quote
// currency (BTC-USD) or an exchange (VOD.L, 7203.T: a base starting with a digit needs one); or
// a leading '^' for an index (^GSPC). InvalidArgument says what is wrong.
Status ValidateTicker(std::string_view ticker);
// 2-10 upper-case letters or digits (BTC, ETH, 1INCH).
Status ValidateCryptoSymbol(std::string_view symbol);
// The base of a Yahoo-style crypto pair: "BTC-USD" -> "BTC"; "" when `ticker` is not
// `<base>-USD` (the base is not validated).
std::string_view UsdPairBase(std::string_view ticker);

// A start price the simulator can quote (0 = none given): InvalidArgument below
// kMinSimStartPrice (price_tick.h), where a price would lose its significant digits.
Status CheckStartPrice(std::string_view symbol, double start_price);

// Parses "AAPL,MSFT=420.5, nvda" into specs: upper-cases, trims, validates each symbol with
// `crypto` choosing the rule, rejects duplicates and prices CheckStartPrice refuses.
Result<std::vector<SymbolSpec>> ParseSymbolList(std::string_view text, bool crypto);

const std::vector<StockInstrument>& DefaultStocks();
const std::vector<CryptoInstrument>& DefaultCrypto();

// Instruments for the given specs (an empty list means the defaults).
std::vector<StockInstrument> ResolveStocks(const std::vector<SymbolSpec>& specs);
std::vector<CryptoInstrument> ResolveCrypto(const std::vector<SymbolSpec>& specs);

}  // namespace financelake::sources
