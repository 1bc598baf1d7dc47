#include "financelake/sources/bank_sim.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "financelake/sources/event_time.h"

namespace financelake::sources {
namespace {

constexpr int64_t kMinute = 60 * kMicrosPerSecond;
constexpr int64_t kHour = 60 * kMinute;
// Mean number of transactions per fraud scenario, with the pattern mix used below
// (35% card testing of 4.5 + 1, 35% unusual of 1, 30% takeover of 3 + 0.5).
constexpr double kMeanScenarioLength = 0.35 * 5.5 + 0.35 * 1.0 + 0.30 * 3.5;

int64_t FloorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

uint16_t Pick(Rng& rng, std::span<const uint16_t> from) {
  return from[static_cast<size_t>(rng.Below(from.size()))];
}

}  // namespace

std::string_view FraudPatternName(FraudPattern pattern) {
  switch (pattern) {
    case FraudPattern::kNone: return "none";
    case FraudPattern::kCardTesting: return "card_testing";
    case FraudPattern::kUnusualTransaction: return "unusual_transaction";
    case FraudPattern::kAccountTakeover: return "account_takeover";
  }
  return "none";
}

std::string_view ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kPos: return "POS";
    case Channel::kOnline: return "ONLINE";
    case Channel::kMobile: return "MOBILE";
    case Channel::kAtm: return "ATM";
    case Channel::kBranch: return "BRANCH";
  }
  return "POS";
}

// The customers (accounts and their habits) come from the seed alone; their transactions, the
// frauds and the ids from the seed and the start: a simulation from another start (the demo's
// two weeks of history before its live stream) is another draw for the same customers, not the
// same transactions shifted in time.
BankSim::BankSim(const BankSimOptions& options, uint64_t seed, int64_t start_micros)
    : fraud_rng_(StreamSeed(seed, "bank/fraud/from/" + std::to_string(start_micros))),
      id_salt_(StreamSeed(seed, "bank/ids/from/" + std::to_string(start_micros))) {
  const double f = options.fraud_rate;
  fraud_start_p_ = f <= 0 ? 0 : f / (1.0 - f) / kMeanScenarioLength;
  const auto everyday = MerchantsWithRole(MerchantRole::kEveryday);
  const auto bills = MerchantsWithRole(MerchantRole::kBill);
  accounts_.resize(options.accounts);
  for (uint32_t i = 0; i < options.accounts; ++i) {
    Account& a = accounts_[i];
    a.rng.Seed(StreamSeed(seed, "account/" + std::to_string(i)));
    Rng& r = a.rng;
    char id[32];
    const uint64_t prefix = r.Below(10000);
    std::snprintf(id, sizeof(id), "AC%04llu%06u", static_cast<unsigned long long>(prefix), i);
    a.id = id;
    double u = r.Uniform();
    for (uint8_t c = 0; c < Countries().size(); ++c) {
      u -= Countries()[c].account_share;
      if (u < 0 || c + 1u == Countries().size()) {
        a.country = c;
        break;
      }
    }
    a.num_usual = static_cast<uint8_t>(4 + r.Below(5));
    for (uint8_t k = 0; k < a.num_usual; ++k) {
      uint16_t m;
      do {
        m = Pick(r, everyday);
      } while (std::find(a.usual.begin(), a.usual.begin() + k, m) != a.usual.begin() + k);
      a.usual[k] = m;
    }
    a.num_bills = static_cast<uint8_t>(1 + r.Below(2));
    a.bills[0] = Pick(r, bills);
    a.bills[1] = Pick(r, bills);
    a.amount_scale = r.LogNormal(0, 0.45);
    a.wake_hour = 6 + static_cast<int>(r.Below(4));
    a.active_hours = 13 + static_cast<int>(r.Below(5));
    a.tx_per_day = options.tx_per_account_day * r.LogNormal(-0.125, 0.5);
    a.rng.Seed(
        StreamSeed(seed, "account/" + std::to_string(i) + "/from/" + std::to_string(start_micros)));
    ScheduleNext(i, start_micros);
  }
}

int BankSim::LocalHour(uint32_t account, int64_t utc_micros) const {
  const int64_t h =
      FloorDiv(utc_micros, kHour) + Countries()[accounts_[account].country].utc_offset_hours;
  return static_cast<int>(((h % 24) + 24) % 24);
}

void BankSim::ScheduleNext(uint32_t i, int64_t after) {
  Account& a = accounts_[i];
  const double mean_gap_us = static_cast<double>(kHour) * a.active_hours / a.tx_per_day;
  int64_t t = after;
  // Thinning: candidate times at the active-hours rate; outside the active window only 4% are
  // kept, so a few night-owl transactions remain (and "unusual hour" alone is not proof).
  for (int tries = 0; tries < 10000; ++tries) {
    t += std::max<int64_t>(1, static_cast<int64_t>(a.rng.Exponential() * mean_gap_us));
    const int since_wake = (LocalHour(i, t) - a.wake_hour + 24) % 24;
    if (since_wake < a.active_hours || a.rng.Bernoulli(0.04)) break;
  }
  legit_.push({t, i, BankTx{}, false});
}

int64_t BankSim::next_time() const {
  const int64_t a = legit_.empty() ? INT64_MAX : legit_.top().time;
  const int64_t b = fraud_.empty() ? INT64_MAX : fraud_.top().time;
  return std::min(a, b);
}

double BankSim::Amount(uint32_t account, double usd) const {
  const CountryInfo& c = home(account);
  const double local = usd * c.usd_rate;
  const double scale = CurrencyDecimals(c.currency) == 0 ? 1.0 : 100.0;
  return std::max(1.0 / scale, std::round(local * scale) / scale);
}

void BankSim::Legitimate(uint32_t i, int64_t time, BankTx* out) {
  Account& a = accounts_[i];
  Rng& r = a.rng;
  out->account = i;
  out->event_time = time;
  out->pattern = FraudPattern::kNone;
  out->merchant = -1;
  const bool travelling = r.Bernoulli(0.03);
  out->country = travelling ? ForeignCountry(a.country, r) : a.country;
  const double u = r.Uniform();
  if (u < 0.62) {
    out->type = BankTxType::kCard;
    const auto everyday = MerchantsWithRole(MerchantRole::kEveryday);
    uint16_t m = a.usual[r.Below(a.num_usual)];
    if (travelling || r.Bernoulli(0.1)) {
      // Now and then anyone buys an app, gives to a charity, buys a gift card, a laptop online,
      // jewellery or crypto: the merchants frauds use are not frauds' alone (else the merchant
      // column would tell the label: 7 merchants held 71% of the frauds and no legitimate row).
      const bool rare = !travelling && r.Bernoulli(0.3);
      const auto pool = rare ? MerchantsWithRole(r.Bernoulli(0.5) ? MerchantRole::kCardTest
                                                                  : MerchantRole::kFraudTarget)
                             : everyday;
      m = Pick(r, pool);
    }
    const MerchantInfo& info = Merchants()[m];
    out->merchant = static_cast<int16_t>(m);
    out->amount = Amount(i, info.median_usd * a.amount_scale * r.LogNormal(0, info.sigma));
    out->channel = info.online ? Channel::kOnline : Channel::kPos;
  } else if (u < 0.76) {
    out->type = BankTxType::kPayment;
    const uint16_t m = a.bills[r.Below(a.num_bills)];
    const MerchantInfo& info = Merchants()[m];
    out->merchant = static_cast<int16_t>(m);
    out->amount = Amount(i, info.median_usd * r.LogNormal(0, info.sigma));
    out->channel = r.Bernoulli(0.5) ? Channel::kOnline : Channel::kMobile;
  } else if (u < 0.86) {
    out->type = BankTxType::kTransfer;
    out->amount = Amount(i, 150 * a.amount_scale * r.LogNormal(0, 0.9));
    out->channel = r.Bernoulli(0.6) ? Channel::kMobile : Channel::kOnline;
  } else if (u < 0.94) {
    out->type = BankTxType::kWithdrawal;
    // Cash comes in notes: multiples of 20 (1000 for yen).
    const CountryInfo& c = home(i);
    const double note = CurrencyDecimals(c.currency) == 0 ? 1000 : 20;
    const double local = 80 * a.amount_scale * r.LogNormal(0, 0.6) * c.usd_rate;
    out->amount = note * std::max(1.0, std::round(local / note));
    out->channel = Channel::kAtm;
  } else {
    out->type = BankTxType::kDeposit;
    out->amount = Amount(i, 900 * a.amount_scale * r.LogNormal(0, 0.5));
    out->channel = r.Bernoulli(0.7) ? Channel::kMobile : Channel::kBranch;
  }
}

uint8_t BankSim::ForeignCountry(uint8_t home, Rng& rng) {
  // Any country but home, uniformly.
  const auto n = static_cast<uint8_t>(Countries().size());
  const auto k = static_cast<uint8_t>(rng.Below(n - 1));
  return k >= home ? static_cast<uint8_t>(k + 1) : k;
}

void BankSim::AddFraud(uint32_t victim, int64_t time, BankTxType type, int16_t merchant, double usd,
                       uint8_t country, Channel channel, FraudPattern pattern) {
  BankTx tx;
  tx.account = victim;
  tx.event_time = time;
  tx.type = type;
  tx.merchant = merchant;
  tx.amount = Amount(victim, usd);
  tx.country = country;
  tx.channel = channel;
  tx.pattern = pattern;
  scenario_.push_back({time, ++fraud_order_, tx, false});
}

void BankSim::MaybeStartFraud(int64_t now) {
  if (fraud_start_p_ <= 0 || !fraud_rng_.Bernoulli(fraud_start_p_)) return;
  Rng& r = fraud_rng_;
  uint32_t victim = 0;
  bool found = false;
  for (int tries = 0; tries < 4 && !found; ++tries) {
    victim = static_cast<uint32_t>(r.Below(accounts_.size()));
    found = !accounts_[victim].in_fraud;
  }
  if (!found) return;
  Account& a = accounts_[victim];
  scenario_.clear();
  int64_t t = now + 5 * kMinute + static_cast<int64_t>(r.Exponential() * 30 * kMinute);
  const double u = r.Uniform();
  if (u < 0.35) {
    const uint8_t where = r.Bernoulli(0.6) ? ForeignCountry(a.country, r) : a.country;
    const int tests = 3 + static_cast<int>(r.Below(4));
    for (int k = 0; k < tests; ++k) {
      t += 10 * kMicrosPerSecond + static_cast<int64_t>(r.Exponential() * kMinute);
      AddFraud(victim, t, BankTxType::kCard,
               static_cast<int16_t>(Pick(r, MerchantsWithRole(MerchantRole::kCardTest))),
               r.Uniform(0.5, 4.99), where, Channel::kOnline, FraudPattern::kCardTesting);
    }
    // The card details were stolen, not the card: the cash-out is online too.
    t += 2 * kMinute + static_cast<int64_t>(r.Exponential() * 10 * kMinute);
    uint16_t m;
    do {
      m = Pick(r, MerchantsWithRole(MerchantRole::kFraudTarget));
    } while (!Merchants()[m].online);
    AddFraud(victim, t, BankTxType::kCard, static_cast<int16_t>(m),
             std::max(400.0, Merchants()[m].median_usd * r.LogNormal(0, 0.5)), where,
             Channel::kOnline, FraudPattern::kCardTesting);
  } else if (u < 0.70) {
    // Deep in the account's night: 2+ hours after its active window ends.
    const int night_start = (a.wake_hour + a.active_hours + 2) % 24;
    const int night_len = std::max(1, 24 - a.active_hours - 3);
    const int target =
        (night_start + static_cast<int>(r.Below(static_cast<uint64_t>(night_len)))) % 24;
    const int ahead = (target - LocalHour(victim, t) + 24) % 24;
    t = FloorDiv(t, kHour) * kHour + (ahead == 0 ? 24 : ahead) * kHour +
        static_cast<int64_t>(r.Uniform() * static_cast<double>(kHour));
    const uint16_t m = Pick(r, MerchantsWithRole(MerchantRole::kFraudTarget));
    const MerchantInfo& info = Merchants()[m];
    AddFraud(victim, t, BankTxType::kCard, static_cast<int16_t>(m),
             std::max(300.0, 45.0 * a.amount_scale * r.Uniform(15, 40)),
             ForeignCountry(a.country, r), info.online ? Channel::kOnline : Channel::kPos,
             FraudPattern::kUnusualTransaction);
  } else {
    const uint8_t where = ForeignCountry(a.country, r);
    const int transfers = 2 + static_cast<int>(r.Below(3));
    for (int k = 0; k < transfers; ++k) {
      t += kMinute + static_cast<int64_t>(r.Exponential() * 5 * kMinute);
      AddFraud(victim, t, BankTxType::kTransfer, -1, r.Uniform(800, 5000), where, Channel::kOnline,
               FraudPattern::kAccountTakeover);
    }
    if (r.Bernoulli(0.5)) {
      t += kMinute + static_cast<int64_t>(r.Exponential() * 10 * kMinute);
      const auto targets = MerchantsWithRole(MerchantRole::kFraudTarget);
      uint16_t crypto = targets[0];
      for (uint16_t m : targets) {
        if (Merchants()[m].category == "crypto_exchange") crypto = m;
      }
      AddFraud(victim, t, BankTxType::kCard, static_cast<int16_t>(crypto),
               1500 * r.LogNormal(0, 0.5), where, Channel::kOnline, FraudPattern::kAccountTakeover);
    }
  }
  scenario_.back().last = true;
  a.in_fraud = true;
  for (Pending& p : scenario_) fraud_.push(std::move(p));
}

void BankSim::Next(BankTx* out) {
  const bool fraud_first =
      !fraud_.empty() && (legit_.empty() || fraud_.top().time <= legit_.top().time);
  if (fraud_first) {
    const Pending p = fraud_.top();
    fraud_.pop();
    *out = p.tx;
    if (p.last) accounts_[p.tx.account].in_fraud = false;
  } else {
    const Pending p = legit_.top();
    legit_.pop();
    const auto i = static_cast<uint32_t>(p.order);
    Legitimate(i, p.time, out);
    ScheduleNext(i, p.time);
    MaybeStartFraud(p.time);
  }
  out->number = ++count_;
}

void BankSim::FormatTransactionId(uint64_t number, char* out) const {
  // SplitMix64's finaliser is a bijection, so distinct numbers give distinct ids.
  uint64_t state = number + id_salt_ - 0x9e3779b97f4a7c15ULL;
  const uint64_t v = SplitMix64(&state);
  static constexpr char kDigits[] = "0123456789ABCDEF";
  out[0] = 'T';
  out[1] = 'X';
  for (int k = 0; k < 16; ++k) out[2 + k] = kDigits[(v >> (60 - 4 * k)) & 15];
}

}  // namespace financelake::sources
