// The tick of a simulated price: how many decimals it is quoted with, and the rounding to it.
// Prices keep their market's usual tick (stocks: cents from $1, 4 places below; crypto: 2, 4 or 6
// places) and get finer ticks only when that tick would leave fewer than 3 significant digits
// (a $0.00001 penny stock, a coin at $0.0000001), up to 9 places. A rounded price is never 0.
// Pure functions; thread-safe.
#pragma once

namespace financelake::sources {

// The most decimals a simulated price has, and the smallest start price the simulator takes:
// from there down a price would not keep 3 significant digits.
inline constexpr int kMaxPriceDecimals = 9;
inline constexpr double kMinSimStartPrice = 1e-7;
// The largest start price: a billion (a price times its tick scale must stay a finite integer,
// 1e307 came out as null).
inline constexpr double kMaxSimStartPrice = 1e9;

// Decimal places for `price`: `base` (the market's usual tick) or more, so that the price keeps
// 3 significant digits, at most kMaxPriceDecimals.
int PriceDecimals(double price, int base);

// `price` rounded to `decimals` places (0..kMaxPriceDecimals), at least one tick
// (10^-decimals): a positive model price never comes out as 0.
double RoundToTick(double price, int decimals);

}  // namespace financelake::sources
