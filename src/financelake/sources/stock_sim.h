// StockSim: trades for a set of stocks on the NYSE calendar. Each ticker's price follows
// GbmGarch with its variance period = one trading day (close to close, the overnight gap
// included); trades arrive as a Poisson stream during regular sessions only, with an intraday
// U-shape (about twice the average intensity at the open and close, half at midday) in both
// trade frequency and size. Trade sizes are lognormal, mostly in round lots of 100.
//
// Each ticker draws from its own random stream seeded by (seed, ticker), so a ticker's path does
// not depend on which other tickers are simulated. Call protocol: next_time() says when the
// earliest pending trade happens; Next() generates it and schedules that ticker's next one.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include "financelake/sources/nyse_calendar.h"
#include "financelake/sources/price_model.h"
#include "financelake/sources/random.h"
#include "financelake/sources/universe.h"

namespace financelake::sources {

struct StockTrade {
  uint32_t instrument = 0;  // index into instruments()
  int64_t event_time = 0;   // UTC micros
  double price = 0;         // rounded to the tick (0.01; 0.0001 below $1; finer: price_tick.h)
  double model_price = 0;   // the unrounded model price (for statistics)
  int64_t volume = 0;       // shares
  bool buy = false;
  int price_decimals = 2;
};

class StockSim {
 public:
  // `mean_trade_interval_s`: average seconds between trades of one ticker during a session.
  StockSim(std::vector<StockInstrument> instruments, uint64_t seed, int64_t start_micros,
           double mean_trade_interval_s);

  // Time of the earliest pending trade; INT64_MAX without instruments.
  int64_t next_time() const { return queue_.empty() ? INT64_MAX : queue_.top().time; }
  // Generates that trade.
  void Next(StockTrade* out);

  const std::vector<StockInstrument>& instruments() const { return instruments_; }

 private:
  struct Ticker {
    Rng rng;
    GbmGarch model;
    NyseSession session;
    int64_t last_time = 0;    // time of the last trade (or the session open)
    bool new_session = true;  // the next trade opens a session
    bool traded = false;      // has had a session before
    double log_median_size = 0;
  };
  struct Pending {
    int64_t time;
    uint32_t index;
    bool operator>(const Pending& o) const {
      return time != o.time ? time > o.time : index > o.index;
    }
  };

  // Schedules the trade after `after` for ticker i.
  void Schedule(uint32_t i, int64_t after);

  std::vector<StockInstrument> instruments_;
  std::vector<Ticker> tickers_;
  double mean_interval_us_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> queue_;
};

// Relative trade intensity at fraction x (0..1) of a session: 2 at the open and close, 0.5 at
// midday, 1 on average.
inline double IntradayUShape(double x) {
  const double c = 2.0 * x - 1.0;
  return 0.5 * (1.0 + 3.0 * c * c);
}

}  // namespace financelake::sources
