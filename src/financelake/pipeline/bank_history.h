// The Silver rows bank features are computed from (bank_features.h), by account, kept in step
// with the live files of silver/bank_transactions.
//
// A continuous pipeline keeps one BankHistory across passes: each pass brings it to the Silver
// snapshot it works on by reading only the files it has not read yet (the previous pass's
// commit, usually one file), so a pass costs about its batch and the touched accounts' recent
// past instead of a read of the whole table. When a file it holds is no longer live (OPTIMIZE,
// a rewrite, another writer's change) it reads the table again: it always holds exactly the
// rows of the snapshot it was last brought to.
//
// Memory: 64 bytes per Silver row (HistoryEvent) plus vector slack and the event_id bytes,
// about 140 bytes per row in all (700 MB for 5M rows, measured); account, merchant and country
// strings are stored once each, plus the first use of each (account, merchant) and (account,
// country) of the accounts features were asked for. A history that is not kept decodes the same
// six columns of every live file but keeps only the rows of the accounts asked for.
// Thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/delta/snapshot.h"
#include "financelake/delta/table.h"
#include "financelake/pipeline/string_index.h"

namespace financelake::pipeline {

// One Silver bank row, as the features see it.
struct HistoryEvent {
  int64_t time = 0;  // event_time, microseconds
  double amount = 0;
  std::string_view id;        // event_id
  std::string_view merchant;  // empty: null
  std::string_view country;   // empty: null
};

// The order of "earlier" (bank_features.h): event time, ties by event_id.
inline bool EarlierThan(int64_t time_a, std::string_view id_a, int64_t time_b,
                        std::string_view id_b) {
  return time_a != time_b ? time_a < time_b : id_a < id_b;
}

class BankHistory {
 public:
  // The earliest row of the account with a merchant (or country): keys are the stored strings,
  // compared by address.
  struct FirstUse {
    const char* key = nullptr;
    int64_t time = 0;
    std::string_view id;
  };
  class FirstUses {
   public:
    // The account's first row with `key` (a view BankHistory returned), or nullptr.
    const FirstUse* Find(std::string_view key) const;
    void Note(std::string_view key, int64_t time, std::string_view id);

   private:
    std::vector<FirstUse> uses_;
    std::unordered_map<const char*, size_t> index_;  // built once uses_ is long
  };
  struct Uses {
    FirstUses merchants, countries;
  };
  struct Account {
    std::vector<HistoryEvent> events;  // sorted by EarlierThan
    // First uses of merchants and countries: built when features first ask for the account
    // (a full read does not pay for them), then kept up to date.
    std::unique_ptr<Uses> uses;
    size_t added_from = kNotAdded;  // during a read: where its new rows start
    uint32_t batch_rows = 0;        // during AddRows: its rows in the batch
  };
  static constexpr size_t kNotAdded = ~size_t{0};

  // kept: the history is kept between Sync calls (a continuous pipeline's). Not kept (a single
  // pass): every Sync reads only the rows of the accounts it is given.
  explicit BankHistory(bool kept = true) : kept_(kept) {}
  BankHistory(const BankHistory&) = delete;
  BankHistory& operator=(const BankHistory&) = delete;

  // Brings the rows to those of `snapshot` of `table` (see above); a history that is not kept
  // holds only the rows of `accounts` afterwards. On an error the history is emptied, and the
  // next call reads the table again.
  Status Sync(const delta::Table& table, const delta::Snapshot& snapshot,
              const std::unordered_set<std::string_view>& accounts);

  // A pass writing Silver in several parts: the rows of a part written but not committed yet,
  // in `files` (they are history for the parts after it). Kept histories only. Then, once the
  // commit of those files succeeded, CommitPending(); on every other way out AbandonPending()
  // (everything is dropped and read again by the next Sync). Every Sync in between must be to
  // the same snapshot as before the first AddPending.
  Status AddPending(const columnar::RecordBatch& rows, const std::vector<delta::AddFile>& files);
  void CommitPending();
  void AbandonPending();
  bool kept() const { return kept_; }

  // The account's rows with its first uses (nullptr: none).
  const Account* FindWithUses(std::string_view account);
  // The stored copy of a merchant or country string (the key FirstUses take), or an empty view
  // when no row holds it.
  std::string_view Stored(std::string_view s) const;

  int64_t rows() const { return rows_; }
  // Data files read since construction, and full reads of the table (the first one included).
  int64_t files_read() const { return files_read_; }
  int64_t full_reads() const { return full_reads_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void Clear();  // everything: the next Sync reads the table again
  std::string_view Intern(std::string_view s);
  std::string_view CopyId(std::string_view s);
  Status Add(const delta::Table& table, const delta::Snapshot& snapshot,
             const std::vector<delta::AddFile>& files,
             const std::unordered_set<std::string_view>* only_accounts);
  // Rows (columns found by name) into the accounts; `touched` gets the accounts given rows.
  Status AddRows(const columnar::RecordBatch& rows, const std::string& what,
                 const std::unordered_set<std::string_view>* only_accounts,
                 std::vector<uint32_t>* touched);
  void SortAdded(const std::vector<uint32_t>& touched);

  const bool kept_;
  std::string table_path_;
  std::unordered_set<std::string> files_;          // add.path of the files held
  std::unordered_set<std::string> pending_files_;  // written, not committed (AddPending)
  std::unordered_set<std::string, Hash, std::equal_to<>> strings_;  // merchants, countries
  std::vector<std::unique_ptr<char[]>> id_blocks_;
  char* id_block_ = nullptr;  // the block short ids are copied to
  size_t id_block_used_ = 0;
  StringIndex account_index_;  // account_id -> its number in accounts_
  std::vector<Account> accounts_;
  int64_t rows_ = 0;
  int64_t files_read_ = 0;
  int64_t full_reads_ = 0;
};

}  // namespace financelake::pipeline
