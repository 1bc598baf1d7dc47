// CryptoSim: 24/7 price ticks for crypto assets. Each symbol's price follows GbmGarch with the
// variance period = one UTC day; ticks arrive as a Poisson stream. volume_24h wanders around the
// asset's typical volume (a mean-reverting log process, higher when volatility is), market_cap is
// price x circulating supply, and change_24h is the percent change from the price 24 hours
// earlier (kept per hour). Each symbol has its own random stream seeded by (seed, symbol).
// Call protocol as StockSim. Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <queue>
#include <vector>

#include "financelake/sources/price_model.h"
#include "financelake/sources/random.h"
#include "financelake/sources/universe.h"

namespace financelake::sources {

struct CryptoTick {
  uint32_t instrument = 0;
  int64_t event_time = 0;
  double price = 0;  // rounded: 2 places from $1000, 4 from $1, else 6 or more (price_tick.h)
  int price_decimals = 2;
  double volume_24h = 0;  // whole USD
  double market_cap = 0;  // whole USD
  double change_24h = 0;  // percent, 4 places
};

class CryptoSim {
 public:
  CryptoSim(std::vector<CryptoInstrument> instruments, uint64_t seed, int64_t start_micros,
            double mean_tick_interval_s);

  int64_t next_time() const { return queue_.empty() ? INT64_MAX : queue_.top().time; }
  void Next(CryptoTick* out);

  const std::vector<CryptoInstrument>& instruments() const { return instruments_; }

 private:
  static constexpr int kHours = 25;  // prices at the start of the last 25 hours
  struct Asset {
    Rng rng;
    GbmGarch model;
    int64_t last_time = 0;
    int64_t period_day = 0;
    int64_t first_hour = 0;
    int64_t last_hour = 0;
    std::array<double, kHours> hour_price{};
    double log_volume_dev = 0;
  };
  struct Pending {
    int64_t time;
    uint32_t index;
    bool operator>(const Pending& o) const {
      return time != o.time ? time > o.time : index > o.index;
    }
  };

  std::vector<CryptoInstrument> instruments_;
  std::vector<Asset> assets_;
  double mean_interval_us_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> queue_;
};

}  // namespace financelake::sources
