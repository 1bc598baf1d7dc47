#include "financelake/pipeline/bank_features.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "financelake/columnar/expr.h"
#include "financelake/delta/table.h"
#include "financelake/pipeline/bank_history.h"
#include "financelake/pipeline/exactly_once_table.h"
#include "financelake/pipeline/silver_contract.h"
#include "financelake/pipeline/silver_stage.h"

namespace financelake::pipeline {
namespace {

using columnar::Column;
using columnar::DataType;
using columnar::Field;

constexpr int64_t kHourUs = 3600LL * 1000000;
constexpr int64_t kDayUs = 24 * kHourUs;
constexpr int64_t kZscoreWindowUs = 30 * kDayUs;

const std::vector<Field>& FeatureFields() {
  static const std::vector<Field> fields = {
      {"hour_of_day", DataType::Long(), false},     {"day_of_week", DataType::Long(), false},
      {"is_weekend", DataType::Boolean(), false},   {"is_night", DataType::Boolean(), false},
      {"account_txn_count", DataType::Long(), true}, {"txn_count_1h", DataType::Long(), true},
      {"txn_count_24h", DataType::Long(), true},    {"amount_sum_24h", DataType::Double(), true},
      {"seconds_since_last", DataType::Double(), true}, {"amount_zscore", DataType::Double(), true},
      {"new_merchant", DataType::Boolean(), true},  {"new_country", DataType::Boolean(), true},
      {"fraud_score", DataType::Double(), true},    {"fraud_alert", DataType::Boolean(), true},
      {"model_version", DataType::String(), true},
  };
  return fields;
}

struct Event {
  int64_t time = 0;
  std::string_view id;
  double amount = 0;
  std::string_view merchant;  // empty: null
  std::string_view country;
  int64_t batch_row = -1;     // >= 0: a row of the batch
};

std::string_view Str(const Column& c, int64_t i) { return c.IsNull(i) ? std::string_view() : c.StringAt(i); }

// Features of one account's events (sorted); fills columns at each batch row.
struct FeatureRow {
  int64_t count = 0, n1h = 0, n24h = 0;
  double sum24h = 0, since_last = NAN, zscore = NAN;
  int new_merchant = -1, new_country = -1;  // -1 null
};

// Mean and spread of the amounts in a sliding window (an account's last 30 days), for z-scores.
// Running sums of amounts and squares drift as events enter and leave (a constant account got a
// false spread, and z-scores of 1e5) and lose the spread of large amounts to cancellation; two
// passes per row are exact but quadratic in a busy account's window. So the sums are of
// deviations from a reference near the mean, and are recomputed exactly (two passes, the mean as
// the new reference) when they may have drifted: after about two windows of changes, or when
// the spread they give is within rounding of what has passed through them since the last exact
// pass. Amortized O(1) per event.
class WindowSpread {
 public:
  void Add(double x) { Change(x, 1); }
  void Remove(double x) { Change(x, -1); }

  // z of `x` against the window's events ev[lo, k): NaN (null) with fewer than 3 of them or no
  // spread.
  double Zscore(const std::vector<Event>& ev, size_t lo, size_t k, double x) {
    const auto n = static_cast<double>(k - lo);
    if (n < 3) return NAN;
    double spread = sq_ - sum_ * sum_ / n;  // n * variance
    constexpr double kRounding = 1e-10;
    // The first z-score of a walk starts from an exact pass: the sums so far are of deviations
    // from 0, which for large amounts (1e6 +- 15) lose the spread to cancellation, by an amount
    // that depended on where the walk started, i.e. on how the rows were batched.
    if (fresh_ || changes_ > 2 * (k - lo) + 64 || (churn_ > 0 && spread <= kRounding * churn_)) {
      fresh_ = false;
      Exact(ev, lo, k);
      spread = sq_ - sum_ * sum_ / n;
    }
    const double mean = ref_ + sum_ / n;
    const double sd = std::sqrt(std::max(0.0, spread) / n);
    if (!(sd > 1e-9 * std::max(1.0, std::abs(mean)))) return NAN;
    const double z = (x - mean) / sd;
    return std::isfinite(z) ? z : NAN;
  }

 private:
  void Change(double x, int sign) {
    const double d = x - ref_;
    sum_ += sign * d;
    sq_ += sign * d * d;
    churn_ += d * d;
    ++changes_;
  }
  void Exact(const std::vector<Event>& ev, size_t lo, size_t k) {
    double total = 0;
    for (size_t j = lo; j < k; ++j) total += ev[j].amount;
    ref_ = total / static_cast<double>(k - lo);
    sum_ = sq_ = 0;
    for (size_t j = lo; j < k; ++j) {
      const double d = ev[j].amount - ref_;
      sum_ += d;
      sq_ += d * d;
    }
    churn_ = sq_;
    changes_ = 0;
  }

  bool fresh_ = true;                  // no Exact() yet
  double ref_ = 0, sum_ = 0, sq_ = 0;  // sums of (amount - ref_) and its square
  double churn_ = 0;                   // sum of every change's squared deviation since Exact()
  size_t changes_ = 0;
};

// 24-hour windows of at most this many rows are summed exactly at each batch row.
constexpr size_t kExactSumRows = 256;

bool Earlier(const Event& a, const Event& b) {
  return EarlierThan(a.time, a.id, b.time, b.id);
}

// Features of one account's batch rows (`batch`, sorted here) from its Silver rows (`hist`,
// nullptr: none) and the batch's earlier rows. Only the history from 30 days before the batch's
// first row on is walked (no window reaches further back); the count of rows before that, and
// merchants and countries used before, come from the history's index and first uses.
void AccountFeatures(const BankHistory& history, const BankHistory::Account* hist,
                     std::vector<Event>& batch, std::vector<FeatureRow>* out) {
  std::sort(batch.begin(), batch.end(), Earlier);
  static const std::vector<HistoryEvent> kNone;
  const std::vector<HistoryEvent>& h = hist != nullptr ? hist->events : kNone;
  const int64_t window_start = batch.front().time - kZscoreWindowUs;
  const auto first_kept =
      std::lower_bound(h.begin(), h.end(), window_start,
                       [](const HistoryEvent& e, int64_t t) { return e.time < t; });
  const size_t start = static_cast<size_t>(first_kept - h.begin());
  // History from `start` and the batch, merged in order.
  std::vector<Event> ev;
  ev.reserve(h.size() - start + batch.size());
  size_t bi = 0;
  for (size_t hi = start; hi < h.size() || bi < batch.size();) {
    if (bi < batch.size() &&
        (hi == h.size() || EarlierThan(batch[bi].time, batch[bi].id, h[hi].time, h[hi].id))) {
      ev.push_back(batch[bi++]);
    } else {
      const HistoryEvent& e = h[hi++];
      ev.push_back({e.time, e.id, e.amount, e.merchant, e.country, -1});
    }
  }
  // Used before event `e`: by a Silver row earlier than e, or by an earlier batch row.
  auto used_before = [&](const BankHistory::FirstUses* first,
                         const std::unordered_set<std::string_view>& in_batch, std::string_view key,
                         const Event& e) {
    if (in_batch.count(key) != 0) return true;
    const std::string_view stored = first != nullptr ? history.Stored(key) : std::string_view();
    const BankHistory::FirstUse* u = stored.empty() ? nullptr : first->Find(stored);
    return u != nullptr && EarlierThan(u->time, u->id, e.time, e.id);
  };
  std::unordered_set<std::string_view> batch_merchants, batch_countries;
  size_t lo1h = 0, lo24h = 0, lo30d = 0;
  double sum24 = 0;
  WindowSpread spread30;
  for (size_t k = 0; k < ev.size(); ++k) {
    const Event& e = ev[k];
    // Windows over events [lo, k): drop those too old.
    while (lo1h < k && ev[lo1h].time < e.time - kHourUs) ++lo1h;
    while (lo24h < k && ev[lo24h].time < e.time - kDayUs) sum24 -= ev[lo24h++].amount;
    while (lo30d < k && ev[lo30d].time < e.time - kZscoreWindowUs)
      spread30.Remove(ev[lo30d++].amount);
    if (e.batch_row >= 0) {
      FeatureRow& f = (*out)[static_cast<size_t>(e.batch_row)];
      f.count = static_cast<int64_t>(start + k);
      f.n1h = static_cast<int64_t>(k - lo1h);
      f.n24h = static_cast<int64_t>(k - lo24h);
      // A small window is summed afresh, in order: the running sum's leftovers (2.8e-17 for an
      // empty window) depended on where the walk started, i.e. on the batching.
      if (k - lo24h <= kExactSumRows) {
        sum24 = 0;
        for (size_t j = lo24h; j < k; ++j) sum24 += ev[j].amount;
      }
      f.sum24h = std::isfinite(sum24) ? std::max(0.0, sum24) : NAN;
      const int64_t prev_time = k > 0 ? ev[k - 1].time : (start > 0 ? h[start - 1].time : e.time);
      f.since_last = k == 0 && start == 0 ? NAN : static_cast<double>(e.time - prev_time) / 1e6;
      f.zscore = spread30.Zscore(ev, lo30d, k, e.amount);
      f.new_merchant = e.merchant.empty() ? -1
                                          : (used_before(hist ? &hist->uses->merchants : nullptr,
                                                         batch_merchants, e.merchant, e)
                                                 ? 0
                                                 : 1);
      f.new_country =
          e.country.empty()
              ? -1
              : (used_before(hist ? &hist->uses->countries : nullptr, batch_countries, e.country, e)
                     ? 0
                     : 1);
      if (!e.merchant.empty()) batch_merchants.insert(e.merchant);
      if (!e.country.empty()) batch_countries.insert(e.country);
    }
    sum24 += e.amount;
    spread30.Add(e.amount);
  }
}

}  // namespace

columnar::Schema BankSilverSchema(const columnar::Schema& contract_schema) {
  std::vector<Field> fields = contract_schema.fields();
  for (const Field& f : FeatureFields()) fields.push_back(f);
  return columnar::Schema(std::move(fields));
}

bool IsBankTable(std::string_view silver_table) { return silver_table == "bank_transactions"; }

const std::vector<std::string>& BankNonFeatureColumns() {
  static const std::vector<std::string> cols = {
      "event_id", "transaction_id", "account_id", "merchant", "source", "event_date",
      "bronze_position", "ingest_time", "fraud_score", "fraud_alert", "model_version"};
  return cols;
}

Result<columnar::RecordBatch> AddBankFeatures(columnar::RecordBatch rows,
                                              const delta::Table& silver,
                                              const delta::Snapshot& snapshot, BankHistory& history,
                                              const ml::FraudModel* model) {
  const int64_t n = rows.num_rows();
  const Column* account = rows.ColumnByName("account_id");
  const Column* time = rows.ColumnByName("event_time");
  const Column* id = rows.ColumnByName("event_id");
  const Column* amount = rows.ColumnByName("amount");
  const Column* merchant = rows.ColumnByName("merchant");
  const Column* country = rows.ColumnByName("country");
  if (account == nullptr || time == nullptr || id == nullptr || amount == nullptr || merchant == nullptr ||
      country == nullptr) {
    return Status::Internal("bank features: the batch lacks a bank transaction column");
  }
  std::unordered_set<std::string_view> accounts;
  for (int64_t i = 0; i < n; ++i) {
    if (!account->IsNull(i)) accounts.insert(account->StringAt(i));
  }
  // A kept history is synced even for a batch without accounts: a part's rows may be added to
  // it as pending only once it holds the pass's snapshot.
  if (!accounts.empty() || history.kept()) {
    FL_RETURN_NOT_OK(history.Sync(silver, snapshot, accounts));
  }
  std::unordered_map<std::string_view, std::vector<Event>> per_account;
  for (int64_t i = 0; i < n; ++i) {
    if (account->IsNull(i)) continue;
    per_account[account->StringAt(i)].push_back({time->ValueAt<int64_t>(i), id->StringAt(i),
                                                 amount->ValueAt<double>(i), Str(*merchant, i),
                                                 Str(*country, i), i});
  }
  std::vector<FeatureRow> feats(static_cast<size_t>(n));
  for (auto& [acc, events] : per_account)
    AccountFeatures(history, history.FindWithUses(acc), events, &feats);

  // The feature columns (without the three score columns), filled row by row.
  const size_t num_features = FeatureFields().size() - 3;
  std::vector<Column> extra;
  for (size_t k = 0; k < num_features; ++k) extra.emplace_back(FeatureFields()[k].type);
  auto opt_long = [](Column& c, bool null, int64_t v) { null ? c.AppendNull() : c.Append<int64_t>(v); };
  auto opt_double = [](Column& c, double v) { std::isnan(v) ? c.AppendNull() : c.Append<double>(v); };
  auto opt_bool = [](Column& c, int v) { v < 0 ? c.AppendNull() : c.Append<uint8_t>(static_cast<uint8_t>(v)); };
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = time->ValueAt<int64_t>(i);
    const int64_t days = t >= 0 ? t / kDayUs : (t - kDayUs + 1) / kDayUs;
    const int64_t hour = (t - days * kDayUs) / kHourUs;
    const int64_t dow = ((days + 3) % 7 + 7) % 7;  // 1970-01-01 was a Thursday (3)
    const bool no_account = account->IsNull(i);
    const FeatureRow& f = feats[static_cast<size_t>(i)];
    size_t c = 0;
    extra[c++].Append<int64_t>(hour);
    extra[c++].Append<int64_t>(dow);
    extra[c++].Append<uint8_t>(dow >= 5 ? 1 : 0);
    extra[c++].Append<uint8_t>(hour < 6 ? 1 : 0);
    opt_long(extra[c++], no_account, f.count);
    opt_long(extra[c++], no_account, f.n1h);
    opt_long(extra[c++], no_account, f.n24h);
    opt_double(extra[c++], no_account ? NAN : f.sum24h);
    opt_double(extra[c++], no_account ? NAN : f.since_last);
    opt_double(extra[c++], no_account ? NAN : f.zscore);
    opt_bool(extra[c++], no_account ? -1 : f.new_merchant);
    opt_bool(extra[c++], no_account ? -1 : f.new_country);
  }
  // The batch's own columns are moved, not copied, in front of the features.
  const columnar::Schema schema = BankSilverSchema(rows.schema());
  std::vector<Column> cols;
  for (size_t c = 0; c < rows.num_columns(); ++c) cols.push_back(std::move(rows.mutable_column(c)));
  for (Column& c : extra) cols.push_back(std::move(c));
  const size_t score_col = cols.size();
  std::vector<Column> score_cols;
  for (size_t k = num_features; k < FeatureFields().size(); ++k) {
    score_cols.emplace_back(FeatureFields()[k].type);
    score_cols.back().Reserve(n);
  }
  if (model == nullptr || n == 0) {
    for (Column& c : score_cols) {
      for (int64_t i = 0; i < n; ++i) c.AppendNull();
    }
  } else {
    // Score the rows with their features, then take the columns back.
    std::vector<Field> feature_fields(schema.fields().begin(),
                                      schema.fields().begin() + static_cast<std::ptrdiff_t>(score_col));
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch features,
                        columnar::RecordBatch::Make(columnar::Schema(feature_fields), std::move(cols)));
    auto scores = model->Score(features);
    if (!scores.ok()) {
      return scores.status().WithContext(fmt::format(
          "fraud model {} cannot score silver/bank_transactions (retrain with `financelake fraud train --lake`)",
          model->version));
    }
    cols.clear();
    for (size_t c = 0; c < features.num_columns(); ++c) cols.push_back(std::move(features.mutable_column(c)));
    for (const double sc : *scores) {
      score_cols[0].Append<double>(sc);
      score_cols[1].Append<uint8_t>(sc >= model->threshold ? 1 : 0);
      score_cols[2].AppendString(model->version);
    }
  }
  for (Column& c : score_cols) cols.push_back(std::move(c));
  return columnar::RecordBatch::Make(schema, std::move(cols));
}

Result<columnar::RecordBatch> ReadBankTrainingRows(std::shared_ptr<io::FileSystem> fs, std::string_view lake) {
  auto table = delta::Table::Open(std::move(fs), SilverTablePath(lake, "bank_transactions"));
  FL_ASSIGN_OR_RETURN(bool exists, table->Exists());
  if (!exists) {
    return Status::NotFound(fmt::format("{} does not exist: run the pipeline on bank transactions first, or train with --csv",
                                        table->path()));
  }
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, table->Latest());
  FL_ASSIGN_OR_RETURN(columnar::Expr labelled, columnar::Expr::Parse("is_fraud IS NOT NULL", snap->schema()));
  delta::ScanOptions scan;
  scan.filter = labelled;
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, table->Scan(*snap, scan));
  if (rows.num_rows() == 0) {
    return Status::FailedPrecondition(fmt::format("{} has no labelled rows (is_fraud)", table->path()));
  }
  return rows;
}

}  // namespace financelake::pipeline
