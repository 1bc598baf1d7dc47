#include "financelake/pipeline/bank_history.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "financelake/base/check.h"
#include "financelake/columnar/column.h"
#include "financelake/delta/data_writer.h"

namespace financelake::pipeline {
namespace {

constexpr size_t kIdBlockBytes = size_t{1} << 20;
// The Silver columns the history holds, in the order AddRows takes them.
const std::vector<std::string>& HistoryColumns() {
  static const std::vector<std::string> cols = {"account_id", "event_time", "event_id",
                                                "amount",     "merchant",   "country"};
  return cols;
}
// Files are read in groups of about this many bytes (the rows of a group are decoded at once).
constexpr int64_t kReadGroupBytes = int64_t{64} << 20;

bool Earlier(const HistoryEvent& a, const HistoryEvent& b) {
  return EarlierThan(a.time, a.id, b.time, b.id);
}

}  // namespace

void BankHistory::Clear() {
  table_path_.clear();
  files_.clear();
  pending_files_.clear();
  accounts_.clear();
  account_index_.Clear();
  strings_.clear();
  id_blocks_.clear();
  id_block_ = nullptr;
  id_block_used_ = 0;
  rows_ = 0;
}

std::string_view BankHistory::Intern(std::string_view s) {
  auto it = strings_.find(s);
  if (it == strings_.end()) it = strings_.emplace(s).first;
  return *it;  // set nodes do not move
}

std::string_view BankHistory::CopyId(std::string_view s) {
  if (s.empty()) return {};
  if (s.size() > kIdBlockBytes / 4) {  // a long id gets a block of its own
    id_blocks_.push_back(std::make_unique<char[]>(s.size()));
    std::memcpy(id_blocks_.back().get(), s.data(), s.size());
    return {id_blocks_.back().get(), s.size()};
  }
  if (id_block_ == nullptr || id_block_used_ + s.size() > kIdBlockBytes) {
    id_blocks_.push_back(std::make_unique<char[]>(kIdBlockBytes));
    id_block_ = id_blocks_.back().get();
    id_block_used_ = 0;
  }
  char* dst = id_block_ + id_block_used_;
  std::memcpy(dst, s.data(), s.size());
  id_block_used_ += s.size();
  return {dst, s.size()};
}

const BankHistory::Account* BankHistory::FindWithUses(std::string_view account) {
  const uint32_t n = account_index_.Find(account);
  if (n == StringIndex::kNone) return nullptr;
  Account& acc = accounts_[n];
  if (!acc.uses) {
    acc.uses = std::make_unique<Uses>();
    for (const HistoryEvent& e : acc.events) {
      if (!e.merchant.empty()) acc.uses->merchants.Note(e.merchant, e.time, e.id);
      if (!e.country.empty()) acc.uses->countries.Note(e.country, e.time, e.id);
    }
  }
  return &acc;
}

std::string_view BankHistory::Stored(std::string_view s) const {
  auto it = strings_.find(s);
  return it == strings_.end() ? std::string_view() : std::string_view(*it);
}

const BankHistory::FirstUse* BankHistory::FirstUses::Find(std::string_view key) const {
  if (!index_.empty()) {
    auto it = index_.find(key.data());
    return it == index_.end() ? nullptr : &uses_[it->second];
  }
  for (const FirstUse& u : uses_) {
    if (u.key == key.data()) return &u;
  }
  return nullptr;
}

void BankHistory::FirstUses::Note(std::string_view key, int64_t time, std::string_view id) {
  constexpr size_t kScanned = 32;  // longer lists get a hash index
  FirstUse* u = const_cast<FirstUse*>(Find(key));
  if (u == nullptr) {
    uses_.push_back({key.data(), time, id});
    if (!index_.empty()) {
      index_.emplace(key.data(), uses_.size() - 1);
    } else if (uses_.size() > kScanned) {
      for (size_t i = 0; i < uses_.size(); ++i) index_.emplace(uses_[i].key, i);
    }
  } else if (EarlierThan(time, id, u->time, u->id)) {
    u->time = time;
    u->id = id;
  }
}

Status BankHistory::AddRows(const columnar::RecordBatch& rows, const std::string& what,
                            const std::unordered_set<std::string_view>* only_accounts,
                            std::vector<uint32_t>* touched) {
  const columnar::Column* cols[6];
  for (size_t c = 0; c < 6; ++c) {
    cols[c] = rows.ColumnByName(HistoryColumns()[c]);
    if (cols[c] == nullptr) {
      return Status::Internal(
          fmt::format("bank history: {} has no column {}", what, HistoryColumns()[c]));
    }
  }
  const columnar::Column& account = *cols[0];
  const columnar::Column& time = *cols[1];
  const columnar::Column& id = *cols[2];
  const columnar::Column& amount = *cols[3];
  const columnar::Column& merchant = *cols[4];
  const columnar::Column& country = *cols[5];
  // Two steps, so that the columns are read in row order and each account's vector grows once
  // per batch (appending row by row as the rows are read made a read of a whole table spend
  // most of its time in cache misses): the rows' events and accounts first, then the appends.
  struct Row {
    uint32_t account;
    HistoryEvent event;
  };
  std::vector<Row> taken;
  taken.reserve(static_cast<size_t>(rows.num_rows()));
  for (int64_t i = 0; i < rows.num_rows(); ++i) {
    if (account.IsNull(i)) continue;  // rows without an account have no history
    const std::string_view name = account.StringAt(i);
    if (only_accounts != nullptr && only_accounts->count(name) == 0) continue;
    if (time.IsNull(i) || id.IsNull(i) || amount.IsNull(i)) {
      return Status::DataLoss(fmt::format(
          "{}: a bank transaction row of account '{}' has no event_time, event_id or amount "
          "(the table's schema requires them)",
          what, name));
    }
    bool added = false;
    Row& r = taken.emplace_back();
    r.account = account_index_.FindOrAdd(name, &added);
    if (added) accounts_.emplace_back();
    HistoryEvent& e = r.event;
    e.time = time.ValueAt<int64_t>(i);
    e.amount = amount.ValueAt<double>(i);
    e.id = CopyId(id.StringAt(i));
    if (!merchant.IsNull(i) && !merchant.StringAt(i).empty())
      e.merchant = Intern(merchant.StringAt(i));
    if (!country.IsNull(i) && !country.StringAt(i).empty()) e.country = Intern(country.StringAt(i));
  }
  // Room first (growing geometrically across batches), then the appends.
  std::vector<uint32_t> in_batch;  // the accounts of this batch, once each
  for (const Row& r : taken) {
    Account& acc = accounts_[r.account];
    if (acc.added_from == kNotAdded) {
      acc.added_from = acc.events.size();
      touched->push_back(r.account);
    }
    if (acc.batch_rows++ == 0) in_batch.push_back(r.account);
  }
  for (uint32_t a : in_batch) {
    Account& acc = accounts_[a];
    const size_t need = acc.events.size() + acc.batch_rows;
    if (need > acc.events.capacity()) acc.events.reserve(std::max(need, 2 * acc.events.capacity()));
    acc.batch_rows = 0;
  }
  for (const Row& r : taken) {
    Account& acc = accounts_[r.account];
    const HistoryEvent& e = r.event;
    if (acc.uses) {
      if (!e.merchant.empty()) acc.uses->merchants.Note(e.merchant, e.time, e.id);
      if (!e.country.empty()) acc.uses->countries.Note(e.country, e.time, e.id);
    }
    acc.events.push_back(e);
  }
  rows_ += static_cast<int64_t>(taken.size());
  return Status::OK();
}

void BankHistory::SortAdded(const std::vector<uint32_t>& touched) {
  // New rows usually come after the old ones in time; late ones are merged into place.
  for (uint32_t a : touched) {
    Account& acc = accounts_[a];
    auto mid = acc.events.begin() + static_cast<std::ptrdiff_t>(acc.added_from);
    if (!std::is_sorted(mid, acc.events.end(), Earlier)) std::sort(mid, acc.events.end(), Earlier);
    if (mid != acc.events.begin() && mid != acc.events.end() && Earlier(*mid, *(mid - 1))) {
      std::inplace_merge(acc.events.begin(), mid, acc.events.end(), Earlier);
    }
    acc.added_from = kNotAdded;
  }
}

Status BankHistory::Add(const delta::Table& table, const delta::Snapshot& snapshot,
                        const std::vector<delta::AddFile>& files,
                        const std::unordered_set<std::string_view>* only_accounts) {
  delta::ScanOptions scan;
  scan.columns = HistoryColumns();
  std::vector<uint32_t> touched;  // accounts with new rows
  Status st;
  for (size_t next = 0; next < files.size() && st.ok();) {
    std::vector<delta::AddFile> group;
    int64_t bytes = 0;
    while (next < files.size() && (group.empty() || bytes < kReadGroupBytes)) {
      bytes += files[next].size;
      group.push_back(files[next++]);
    }
    auto rows = delta::ReadDataFiles(table, snapshot, group, scan);
    st = rows.ok() ? AddRows(*rows, table.path(), only_accounts, &touched) : rows.status();
    files_read_ += static_cast<int64_t>(group.size());
  }
  SortAdded(touched);
  FL_RETURN_NOT_OK(st);
  for (const delta::AddFile& f : files) files_.insert(f.path);
  return Status::OK();
}

Status BankHistory::AddPending(const columnar::RecordBatch& rows,
                               const std::vector<delta::AddFile>& files) {
  FL_CHECK(kept_ && !files.empty());
  std::vector<uint32_t> touched;
  Status st = AddRows(rows, "silver/bank_transactions (uncommitted part)", nullptr, &touched);
  SortAdded(touched);
  for (const delta::AddFile& f : files) pending_files_.insert(f.path);
  return st;
}

void BankHistory::CommitPending() {
  for (const std::string& f : pending_files_) files_.insert(f);
  pending_files_.clear();
}

void BankHistory::AbandonPending() {
  if (!pending_files_.empty()) Clear();
}

Status BankHistory::Sync(const delta::Table& table, const delta::Snapshot& snapshot,
                         const std::unordered_set<std::string_view>& accounts) {
  bool reread = !kept_ || table.path() != table_path_;
  if (!reread) {
    std::unordered_set<std::string_view> live;
    for (const delta::AddFile& f : snapshot.files()) live.insert(f.path);
    for (const std::string& f : files_) {
      if (live.count(f) == 0) {
        reread = true;
        break;
      }
    }
  }
  // Rows of uncommitted parts are in no snapshot yet: the parts of a pass all sync to the
  // snapshot the pass started from, which cannot have lost a file since the first part's Sync.
  FL_CHECK(!(reread && !pending_files_.empty()));
  if (reread) {
    Clear();
    table_path_ = table.path();
    ++full_reads_;
  }
  std::vector<delta::AddFile> missing;
  for (const delta::AddFile& f : snapshot.files()) {
    if (files_.count(f.path) == 0) missing.push_back(f);
  }
  if (missing.empty()) return Status::OK();
  Status st = Add(table, snapshot, missing, kept_ ? nullptr : &accounts);
  if (!st.ok()) Clear();
  return st;
}

}  // namespace financelake::pipeline
