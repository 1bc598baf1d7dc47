// BankSim: card and account transactions of simulated customers, with injected fraud.
//
// Every account has habits drawn once from its own random stream: a home country (currency,
// time zone), 4-8 usual merchants and 1-2 bills, an amount scale, daily active hours and a
// transaction rate. Legitimate transactions follow those habits (a Poisson stream thinned to the
// active hours, 97% at home). Fraud is injected as whole scenarios on a random account, labelled
// with their pattern:
//   - card testing: 3-6 tiny online charges at digital-goods merchants within minutes, then a
//     large purchase at a resellable-goods merchant;
//   - unusual transaction: one purchase 15-40x the account's typical amount, at a high-risk
//     merchant category, abroad, in the middle of the account's night;
//   - account takeover: 2-4 large online transfers from abroad within minutes, sometimes followed
//     by a purchase at a crypto exchange.
// Scenarios start with a probability chosen so that about `fraud_rate` of all transactions are
// fraud. Call protocol as StockSim. Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/sources/bank_catalog.h"
#include "financelake/sources/contracts.h"
#include "financelake/sources/random.h"

namespace financelake::sources {

enum class FraudPattern : uint8_t { kNone, kCardTesting, kUnusualTransaction, kAccountTakeover };
std::string_view FraudPatternName(FraudPattern pattern);

enum class Channel : uint8_t { kPos, kOnline, kMobile, kAtm, kBranch };
std::string_view ChannelName(Channel channel);

struct BankTx {
  uint64_t number = 0;  // 1-based count of bank transactions in this run
  uint32_t account = 0;
  int64_t event_time = 0;
  BankTxType type = BankTxType::kCard;
  double amount = 0;      // account currency, rounded to its decimals
  int16_t merchant = -1;  // index into Merchants(); -1 for transfers, withdrawals, deposits
  uint8_t country = 0;    // index into Countries()
  Channel channel = Channel::kPos;
  FraudPattern pattern = FraudPattern::kNone;
  bool is_fraud() const { return pattern != FraudPattern::kNone; }
};

struct BankSimOptions {
  uint32_t accounts = 1000;       // 1 .. 1,000,000
  double tx_per_account_day = 3;  // average legitimate transactions per account per day
  double fraud_rate = 0.01;       // target share of fraud among all transactions, [0, 0.5)
};

class BankSim {
 public:
  struct Account {
    std::string id;  // "AC" + 10 digits
    uint8_t country = 0;
    std::array<uint16_t, 8> usual{};  // everyday merchants
    uint8_t num_usual = 0;
    std::array<uint16_t, 2> bills{};
    uint8_t num_bills = 0;
    double amount_scale = 1;
    int wake_hour = 7;  // local hour the active window starts
    int active_hours = 15;
    double tx_per_day = 3;
    bool in_fraud = false;  // a scenario is pending
    Rng rng;
  };

  BankSim(const BankSimOptions& options, uint64_t seed, int64_t start_micros);

  int64_t next_time() const;
  void Next(BankTx* out);

  const Account& account(uint32_t i) const { return accounts_[i]; }
  size_t num_accounts() const { return accounts_.size(); }
  const CountryInfo& home(uint32_t account) const {
    return Countries()[accounts_[account].country];
  }
  // "TX" + 16 upper-case hex digits, unique per transaction number within a run (a bijective
  // mix of the number and the seed). Writes 18 chars.
  void FormatTransactionId(uint64_t number, char* out) const;
  // Local hour (0-23) of an account's home at a UTC instant.
  int LocalHour(uint32_t account, int64_t utc_micros) const;

 private:
  struct Pending {
    int64_t time;
    uint64_t order;  // tie-break: accounts by index, fraud by insertion
    BankTx tx;       // filled in advance for fraud
    bool last;       // the last transaction of its fraud scenario
    bool operator>(const Pending& o) const {
      return time != o.time ? time > o.time : order > o.order;
    }
  };
  using Queue = std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>>;

  void ScheduleNext(uint32_t i, int64_t after);
  void Legitimate(uint32_t i, int64_t time, BankTx* out);
  void MaybeStartFraud(int64_t now);
  void AddFraud(uint32_t victim, int64_t time, BankTxType type, int16_t merchant, double usd,
                uint8_t country, Channel channel, FraudPattern pattern);
  static uint8_t ForeignCountry(uint8_t home, Rng& rng);
  double Amount(uint32_t account, double usd) const;

  std::vector<Account> accounts_;
  Rng fraud_rng_;
  uint64_t id_salt_;
  double fraud_start_p_;
  uint64_t count_ = 0;
  uint64_t fraud_order_ = 0;
  Queue legit_;
  Queue fraud_;
  std::vector<Pending> scenario_;  // the scenario being built
};

}  // namespace financelake::sources
