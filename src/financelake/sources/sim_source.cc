#include "financelake/sources/sim_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <set>

#include "financelake/sources/bank_sim.h"
#include "financelake/sources/contracts.h"
#include "financelake/sources/crypto_sim.h"
#include "financelake/sources/event_time.h"
#include "financelake/sources/stock_sim.h"

namespace financelake::sources {
namespace {

constexpr int64_t kMinStart = 31536000LL * kMicrosPerSecond;      // 1971-01-01
constexpr int64_t kMaxStart = 221845392000LL * kMicrosPerSecond;  // 9000-01-01

Status Invalid(const std::string& msg) {
  return Status::InvalidArgument("sim: " + msg);
}

// What one step of the merged simulation produced.
enum class Produced { kStock, kCrypto, kBank, kEnd };

class SimSource final : public Source {
 public:
  explicit SimSource(const SimOptions& o)
      : options_(o),
        serializer_("sim"),
        discriminator_("seed=" + std::to_string(o.seed)),
        limiter_(o.rate, o.clock != nullptr ? o.clock : SystemClock()),
        end_time_(o.days > 0 ? o.start_micros + static_cast<int64_t>(o.days * kMicrosPerDay)
                             : INT64_MAX) {
    const std::set<Topic> topics(o.topics.begin(), o.topics.end());
    if (topics.count(Topic::kStockTrades)) {
      stocks_.emplace(ResolveStocks(o.tickers), o.seed, o.start_micros, o.stock_trade_interval_s);
    }
    if (topics.count(Topic::kCryptoPrices)) {
      crypto_.emplace(ResolveCrypto(o.crypto), o.seed, o.start_micros, o.crypto_tick_interval_s);
    }
    if (topics.count(Topic::kBankTransactions)) {
      BankSimOptions b;
      b.accounts = o.accounts;
      b.fraud_rate = o.fraud_rate;
      b.tx_per_account_day = o.bank_tx_per_account_day;
      bank_.emplace(b, o.seed, o.start_micros);
    }
  }

  // Skips the first `position` events.
  Status FastForward(uint64_t position) {
    while (seq_ < position) {
      if (Step() == Produced::kEnd) {
        return Invalid("resume position " + std::to_string(position) +
                       " is past the end of this simulation (" + std::to_string(seq_) + " events)");
      }
    }
    return Status::OK();
  }

  Result<size_t> NextBatch(std::vector<Event>* batch, size_t max) override {
    if (batch->size() < max) batch->resize(max);
    // At the end nothing is waited for: a paced run stops with its last event, not one interval
    // after it.
    const size_t allowed = max == 0 || AtEnd() ? 0 : limiter_.Acquire(max);
    size_t n = 0;
    while (n < allowed) {
      const Produced what = Step();
      if (what == Produced::kEnd) break;
      Serialize(what, &(*batch)[n]);
      ++n;
    }
    batch->resize(n);
    return n;
  }

  std::string Position() const override { return seq_ == 0 ? "" : std::to_string(seq_); }

 private:
  int64_t NextTime() const {
    const int64_t ts = stocks_ ? stocks_->next_time() : INT64_MAX;
    const int64_t tc = crypto_ ? crypto_->next_time() : INT64_MAX;
    const int64_t tb = bank_ ? bank_->next_time() : INT64_MAX;
    return std::min({ts, tc, tb});
  }

  bool Ended(int64_t next_time) const {
    return (options_.count != 0 && seq_ >= options_.count) || next_time == INT64_MAX ||
           next_time >= end_time_;
  }
  bool AtEnd() const { return Ended(NextTime()); }

  Produced Step() {
    const int64_t t = NextTime();
    if (Ended(t)) return Produced::kEnd;
    Produced what;
    if (stocks_ && t == stocks_->next_time()) {
      stocks_->Next(&stock_);
      what = Produced::kStock;
    } else if (crypto_ && t == crypto_->next_time()) {
      crypto_->Next(&crypto_tick_);
      what = Produced::kCrypto;
    } else {
      bank_->Next(&bank_tx_);
      what = Produced::kBank;
    }
    // Strictly increasing event time makes (seed, event_time) unique within a run.
    last_time_ = std::max(t, last_time_ + 1);
    ++seq_;
    return what;
  }

  void Serialize(Produced what, Event* ev) {
    switch (what) {
      case Produced::kStock: {
        const StockInstrument& inst = stocks_->instruments()[stock_.instrument];
        StockTradeRecord r;
        r.ticker = inst.ticker;
        r.event_time = last_time_;
        r.price = stock_.price;
        r.price_decimals = stock_.price_decimals;
        r.volume = static_cast<double>(stock_.volume);
        r.side = stock_.buy ? "buy" : "sell";
        r.exchange = inst.exchange;
        serializer_.Write(r, discriminator_, ev);
        break;
      }
      case Produced::kCrypto: {
        CryptoPriceRecord r;
        r.symbol = crypto_->instruments()[crypto_tick_.instrument].symbol;
        r.event_time = last_time_;
        r.price_usd = crypto_tick_.price;
        r.price_decimals = crypto_tick_.price_decimals;
        r.volume_24h = crypto_tick_.volume_24h;
        r.market_cap = crypto_tick_.market_cap;
        r.change_24h = crypto_tick_.change_24h;
        serializer_.Write(r, discriminator_, ev);
        break;
      }
      case Produced::kBank: {
        char tx_id[18];
        bank_->FormatTransactionId(bank_tx_.number, tx_id);
        const CountryInfo& home = bank_->home(bank_tx_.account);
        BankTransactionRecord r;
        r.transaction_id = std::string_view(tx_id, sizeof(tx_id));
        r.account_id = bank_->account(bank_tx_.account).id;
        r.event_time = last_time_;
        r.amount = bank_tx_.amount;
        r.amount_decimals = CurrencyDecimals(home.currency);
        r.currency = home.currency;
        r.type = bank_tx_.type;
        if (bank_tx_.merchant >= 0) {
          const MerchantInfo& m = Merchants()[static_cast<size_t>(bank_tx_.merchant)];
          r.merchant = m.name;
          r.merchant_category = m.category;
        }
        r.country = Countries()[bank_tx_.country].code;
        r.channel = ChannelName(bank_tx_.channel);
        r.label = bank_tx_.is_fraud() ? FraudLabel::kFraud : FraudLabel::kLegit;
        serializer_.Write(r, discriminator_, ev);
        break;
      }
      case Produced::kEnd: break;
    }
    ev->offset = seq_;
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof(buf), seq_);
    ev->position.assign(buf, static_cast<size_t>(res.ptr - buf));
  }

  SimOptions options_;
  EventSerializer serializer_;
  std::string discriminator_;
  RateLimiter limiter_;
  int64_t end_time_;
  std::optional<StockSim> stocks_;
  std::optional<CryptoSim> crypto_;
  std::optional<BankSim> bank_;
  StockTrade stock_;
  CryptoTick crypto_tick_;
  BankTx bank_tx_;
  uint64_t seq_ = 0;
  int64_t last_time_ = INT64_MIN;
};

}  // namespace

Status ValidateSimOptions(const SimOptions& o) {
  if (o.topics.empty()) return Invalid("no topics selected");
  if (std::set<Topic>(o.topics.begin(), o.topics.end()).size() != o.topics.size()) {
    return Invalid("a topic is listed twice");
  }
  for (const SymbolSpec& s : o.tickers) {
    FL_RETURN_NOT_OK(ValidateTicker(s.symbol).WithContext("sim: tickers"));
    if (!(s.start_price >= 0) || !std::isfinite(s.start_price)) {
      return Invalid("ticker " + s.symbol + ": start price must be positive");
    }
    FL_RETURN_NOT_OK(CheckStartPrice(s.symbol, s.start_price).WithContext("sim: tickers"));
  }
  for (const SymbolSpec& s : o.crypto) {
    FL_RETURN_NOT_OK(ValidateCryptoSymbol(s.symbol).WithContext("sim: crypto"));
    if (!(s.start_price >= 0) || !std::isfinite(s.start_price)) {
      return Invalid("crypto " + s.symbol + ": start price must be positive");
    }
    FL_RETURN_NOT_OK(CheckStartPrice(s.symbol, s.start_price).WithContext("sim: crypto"));
  }
  if (o.accounts < 1 || o.accounts > 1000000) {
    return Invalid("accounts must be 1..1000000, got " + std::to_string(o.accounts));
  }
  if (!(o.fraud_rate >= 0 && o.fraud_rate < 0.5)) {
    return Invalid("fraud rate must be in [0, 0.5), got " + std::to_string(o.fraud_rate));
  }
  if (!(o.rate >= 0) || !std::isfinite(o.rate)) {
    return Invalid("rate must be >= 0 events/s (0 = as fast as possible), got " +
                   std::to_string(o.rate));
  }
  // The pacing schedule counts events in 64-bit integers: beyond these it overflows (1e20/s let
  // one event through per batch, 1e-300/s ran unpaced).
  if (o.rate != 0 && (o.rate < 1e-3 || o.rate > 1e9)) {
    return Invalid(fmt::format(
        "rate {} events/s is out of range: 0.001 to 1e9 (0 = as fast as possible)", o.rate));
  }
  if (!(o.days >= 0) || o.days > 36500) {
    return Invalid("days must be in [0, 36500] (0 = no limit), got " + std::to_string(o.days));
  }
  if (o.start_micros < kMinStart || o.start_micros >= kMaxStart) {
    return Invalid("start " + FormatEventTime(o.start_micros) +
                   " is outside 1971-01-01 .. 9000-01-01");
  }
  for (auto [name, v] :
       {std::pair{"stock trade interval", o.stock_trade_interval_s},
        std::pair{"crypto tick interval", o.crypto_tick_interval_s},
        std::pair{"bank transactions per account-day", o.bank_tx_per_account_day}}) {
    if (!(v >= 0.001 && v <= 1e6)) {
      return Invalid(std::string(name) + " must be in [0.001, 1e6], got " + std::to_string(v));
    }
  }
  if (!o.resume_after.empty()) {
    uint64_t p;
    const auto r =
        std::from_chars(o.resume_after.data(), o.resume_after.data() + o.resume_after.size(), p);
    if (r.ec != std::errc() || r.ptr != o.resume_after.data() + o.resume_after.size()) {
      return Invalid("resume position '" + o.resume_after +
                     "' is not a simulator position (a sequence number)");
    }
  }
  return Status::OK();
}

Result<std::unique_ptr<Source>> MakeSimSource(const SimOptions& options) {
  FL_RETURN_NOT_OK(ValidateSimOptions(options));
  auto source = std::make_unique<SimSource>(options);
  if (!options.resume_after.empty()) {
    FL_RETURN_NOT_OK(source->FastForward(std::stoull(options.resume_after)));
  }
  return std::unique_ptr<Source>(std::move(source));
}

}  // namespace financelake::sources
