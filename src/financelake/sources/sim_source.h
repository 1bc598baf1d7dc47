// The `sim` source: a deterministic simulator of the three topics (stock trades on the NYSE
// calendar, 24/7 crypto ticks, bank transactions with labelled fraud), merged in event-time
// order. The same options (seed, start, lists, ...) give byte-identical events; see stock_sim.h,
// crypto_sim.h and bank_sim.h for the models, docs/events.md for the payloads.
//
// Event time is simulated, not wall time: history over `days` is generated as fast as the CPU
// allows (rate 0), or paced at `rate` events per wall second. Event times are strictly
// increasing (a collision is nudged by 1 µs), so (source, seed, event_time) identifies an event.
// The source position is the sequence number (1, 2, ...); resuming after position P
// regenerates and skips the first P events without serialising them (~8M events/s, about 3x
// faster than producing them).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/sources/event.h"
#include "financelake/sources/pacing.h"
#include "financelake/sources/source.h"
#include "financelake/sources/universe.h"

namespace financelake::sources {

// 2024-01-02T00:00:00Z, the default start (a trading day), so that a seed alone reproduces a run.
inline constexpr int64_t kDefaultSimStartMicros = 1704153600LL * 1000000;

struct SimOptions {
  uint64_t seed = 42;
  std::vector<Topic> topics = {Topic::kStockTrades, Topic::kCryptoPrices, Topic::kBankTransactions};
  std::vector<SymbolSpec> tickers;  // empty: the default ~20 stocks (universe.h)
  std::vector<SymbolSpec> crypto;   // empty: the default 10 crypto assets
  uint32_t accounts = 1000;         // 1 .. 1,000,000
  double fraud_rate = 0.01;         // share of bank transactions that are fraud, [0, 0.5)
  double rate = 0;                  // events per wall-clock second; 0 = as fast as possible
  uint64_t count = 0;               // stop after this many events; 0 = no limit
  int64_t start_micros = kDefaultSimStartMicros;  // event time of the start (1971..9000)
  double days = 0;                     // stop at start + days of event time; 0 = no limit
  double stock_trade_interval_s = 5;   // mean seconds between trades of one ticker in session
  double crypto_tick_interval_s = 10;  // mean seconds between ticks of one crypto asset
  double bank_tx_per_account_day = 3;  // mean legitimate transactions per account per day
  std::string resume_after;            // a Position() to continue after; "" = from the start
  Clock* clock = nullptr;              // for `rate`; nullptr = SystemClock()
};

// InvalidArgument naming the option and the accepted range.
Status ValidateSimOptions(const SimOptions& options);

Result<std::unique_ptr<Source>> MakeSimSource(const SimOptions& options);

}  // namespace financelake::sources
