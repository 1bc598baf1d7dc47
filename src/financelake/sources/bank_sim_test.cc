// The bank-transaction simulator: fraud share near the target, every fraud pattern present and
// looking like itself, legitimate behaviour following the account's habits.
#include "financelake/sources/bank_sim.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "financelake/sources/bank_catalog.h"
#include "financelake/sources/event_time.h"

namespace financelake::sources {
namespace {

constexpr int64_t kStart = 1704153600LL * 1000000;  // 2024-01-02

std::vector<BankTx> Simulate(const BankSimOptions& o, uint64_t seed, size_t n) {
  BankSim sim(o, seed, kStart);
  std::vector<BankTx> out(n);
  for (BankTx& tx : out) sim.Next(&tx);
  return out;
}

double FraudShare(const std::vector<BankTx>& txs) {
  size_t fraud = 0;
  for (const BankTx& tx : txs) fraud += tx.is_fraud() ? 1 : 0;
  return static_cast<double>(fraud) / static_cast<double>(txs.size());
}

TEST(BankSimTest, FraudShareIsNearTheTarget) {
  for (double target : {0.005, 0.01, 0.02}) {
    BankSimOptions o;
    o.accounts = 2000;
    o.fraud_rate = target;
    const double share = FraudShare(Simulate(o, 11, 300000));
    EXPECT_NEAR(share, target, 0.2 * target) << "target " << target;
  }
  BankSimOptions none;
  none.fraud_rate = 0;
  EXPECT_EQ(FraudShare(Simulate(none, 11, 50000)), 0);
}

TEST(BankSimTest, EveryFraudPatternIsPresentAndLooksLikeItself) {
  BankSimOptions o;
  o.accounts = 1000;
  o.fraud_rate = 0.02;
  BankSim sim(o, 3, kStart);
  std::map<FraudPattern, int> count;
  std::map<uint32_t, std::vector<BankTx>> by_account;
  for (int i = 0; i < 200000; ++i) {
    BankTx tx;
    sim.Next(&tx);
    count[tx.pattern]++;
    by_account[tx.account].push_back(tx);
    if (!tx.is_fraud()) continue;
    const BankSim::Account& a = sim.account(tx.account);
    switch (tx.pattern) {
      case FraudPattern::kUnusualTransaction: {
        EXPECT_NE(tx.country, a.country);
        EXPECT_GE(tx.amount, 300 * sim.home(tx.account).usd_rate * 0.99);
        const auto role = Merchants()[static_cast<size_t>(tx.merchant)].role;
        EXPECT_EQ(role, MerchantRole::kFraudTarget);
        // In the account's night: outside its active window.
        const int since_wake = (sim.LocalHour(tx.account, tx.event_time) - a.wake_hour + 24) % 24;
        EXPECT_GE(since_wake, a.active_hours);
        break;
      }
      case FraudPattern::kAccountTakeover:
        EXPECT_NE(tx.country, a.country);
        EXPECT_EQ(tx.channel, Channel::kOnline);
        break;
      case FraudPattern::kCardTesting:
        EXPECT_EQ(tx.type, BankTxType::kCard);
        EXPECT_EQ(tx.channel, Channel::kOnline);
        break;
      case FraudPattern::kNone: break;
    }
  }
  EXPECT_GT(count[FraudPattern::kCardTesting], 100);
  EXPECT_GT(count[FraudPattern::kUnusualTransaction], 100);
  EXPECT_GT(count[FraudPattern::kAccountTakeover], 100);

  // Card testing: on one account, a burst of >= 3 tiny charges within minutes, then a large one.
  int bursts = 0;
  for (const auto& [account, txs] : by_account) {
    std::vector<const BankTx*> ct;
    for (const BankTx& tx : txs) {
      if (tx.pattern == FraudPattern::kCardTesting) ct.push_back(&tx);
    }
    if (ct.size() < 4) continue;
    const double rate = sim.home(account).usd_rate;
    // The last four of the account's card-testing transactions: tiny, tiny, tiny, large.
    const size_t n = ct.size();
    if (ct[n - 1]->amount >= 400 * rate * 0.99 && ct[n - 2]->amount <= 5 * rate + 0.01 &&
        ct[n - 3]->amount <= 5 * rate + 0.01 && ct[n - 4]->amount <= 5 * rate + 0.01 &&
        ct[n - 1]->event_time - ct[n - 4]->event_time < 4 * 3600 * kMicrosPerSecond) {
      ++bursts;
    }
  }
  EXPECT_GT(bursts, 10);
}

TEST(BankSimTest, LegitimateTransactionsFollowHabits) {
  BankSimOptions o;
  o.accounts = 500;
  o.fraud_rate = 0;
  BankSim sim(o, 5, kStart);
  size_t at_home = 0, active = 0, usual = 0, cards = 0, total = 0;
  std::set<std::string> ids;
  std::map<BankTxType, int> types;
  for (int i = 0; i < 100000; ++i) {
    BankTx tx;
    sim.Next(&tx);
    const BankSim::Account& a = sim.account(tx.account);
    ++total;
    types[tx.type]++;
    at_home += tx.country == a.country ? 1 : 0;
    const int since_wake = (sim.LocalHour(tx.account, tx.event_time) - a.wake_hour + 24) % 24;
    active += since_wake < a.active_hours ? 1 : 0;
    if (tx.type == BankTxType::kCard) {
      ++cards;
      for (uint8_t k = 0; k < a.num_usual; ++k) usual += a.usual[k] == tx.merchant ? 1 : 0;
    }
    if (tx.type == BankTxType::kWithdrawal) {
      EXPECT_EQ(tx.channel, Channel::kAtm);
      EXPECT_EQ(tx.merchant, -1);
    }
    EXPECT_GT(tx.amount, 0);
    char id[18];
    sim.FormatTransactionId(tx.number, id);
    ids.insert(std::string(id, 18));
  }
  EXPECT_GT(static_cast<double>(at_home) / total, 0.95);
  EXPECT_GT(static_cast<double>(active) / total, 0.95);
  EXPECT_GT(static_cast<double>(usual) / cards, 0.85);
  EXPECT_EQ(ids.size(), total);  // transaction ids are unique
  EXPECT_EQ(types.size(), 5u);   // every transaction type occurs
  EXPECT_NEAR(static_cast<double>(types[BankTxType::kCard]) / total, 0.62, 0.02);
}

TEST(BankSimTest, AccountsHaveDistinctIdsAndStableHabits) {
  BankSimOptions o;
  o.accounts = 3000;
  BankSim a(o, 8, kStart), b(o, 8, kStart), c(o, 9, kStart);
  std::set<std::string> ids;
  for (uint32_t i = 0; i < 3000; ++i) {
    ids.insert(a.account(i).id);
    EXPECT_EQ(a.account(i).id, b.account(i).id);
    EXPECT_EQ(a.account(i).usual, b.account(i).usual);
    EXPECT_EQ(a.account(i).id.size(), 12u);
  }
  EXPECT_EQ(ids.size(), 3000u);
  EXPECT_NE(a.account(0).id, c.account(0).id);
}

// The merchants frauds use are not frauds' alone: legitimate card payments reach them too (about
// 3%), so the merchant column does not tell the label (7 merchants held 71% of the frauds and no
// legitimate row).
TEST(BankSimTest, NoMerchantIsFraudsAlone) {
  BankSimOptions o;
  o.accounts = 500;
  BankSim sim(o, 42, kStart);
  std::map<int16_t, int> legit_at, fraud_at;
  int legit_cards = 0, legit_rare = 0;
  for (int i = 0; i < 200000; ++i) {
    BankTx tx;
    sim.Next(&tx);
    if (tx.merchant < 0) continue;
    const MerchantRole role = Merchants()[static_cast<size_t>(tx.merchant)].role;
    const bool rare = role == MerchantRole::kFraudTarget || role == MerchantRole::kCardTest;
    if (tx.is_fraud()) {
      ++fraud_at[tx.merchant];
    } else {
      ++legit_at[tx.merchant];
      if (tx.type == BankTxType::kCard) {
        ++legit_cards;
        legit_rare += rare ? 1 : 0;
      }
    }
  }
  ASSERT_FALSE(fraud_at.empty());
  for (const auto& [m, n] : fraud_at) {
    EXPECT_GT(legit_at[m], n) << Merchants()[static_cast<size_t>(m)].name << ": " << n << " frauds";
  }
  EXPECT_NEAR(static_cast<double>(legit_rare) / legit_cards, 0.03, 0.01);
}

// Two weeks of history before a start and the stream from it (what the demo trains its fraud
// model on, and what it then scores) are two draws for the same customers: no transaction of one
// is a copy of the other's shifted in time, and no transaction id repeats.
TEST(BankSimTest, AnotherStartIsAnotherDrawForTheSameCustomers) {
  BankSimOptions o;
  o.accounts = 200;
  constexpr int64_t kTwoWeeks = 14 * 86400LL * 1000000;
  BankSim history(o, 42, kStart - kTwoWeeks), live(o, 42, kStart);
  std::set<std::string> ids;
  std::set<std::tuple<uint32_t, double, int64_t>> history_rows;  // account, amount, time + 2 weeks
  char id[32];
  BankTx tx;
  for (int i = 0; i < 3000; ++i) {
    history.Next(&tx);
    history.FormatTransactionId(tx.number, id);
    ids.insert(id);
    history_rows.insert({tx.account, tx.amount, tx.event_time + kTwoWeeks});
  }
  int copies = 0;
  for (int i = 0; i < 3000; ++i) {
    live.Next(&tx);
    live.FormatTransactionId(tx.number, id);
    EXPECT_TRUE(ids.insert(id).second) << id;
    copies += history_rows.count({tx.account, tx.amount, tx.event_time});
  }
  EXPECT_EQ(copies, 0);
  for (uint32_t i = 0; i < o.accounts; ++i) {
    EXPECT_EQ(history.account(i).id, live.account(i).id);
    EXPECT_EQ(history.account(i).usual, live.account(i).usual);
  }
}

}  // namespace
}  // namespace financelake::sources
