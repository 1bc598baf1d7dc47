// Rows of a Delta table kept for one SQL statement, so that a nested loop does not read the
// table's files once per outer row. SQLite cannot build an automatic index on a virtual table:
// a join's inner table, or a correlated subquery, is filtered again for every outer row with
// the same plan and a new key (`b.event_id = ?`). Once the calls' own scans have opened as
// many files as the table has (at once, when a call's terms prune nothing), the table is read
// once (with the pushed-down terms whose values did not change, e.g. a fixed date), kept, and
// indexed on the first equality term whose value changes; each further call is a hash lookup.
// Calls that prune well (an IN list or OR over a few partitions: one call per value) stay
// their own pruned scans, nothing kept. SQLite re-checks every constraint, so a lookup may return
// more rows than match (every row, when the value cannot be looked up), never fewer.
//
// Protocol: the session calls Clear() when a statement ends; the virtual table's xFilter calls
// Filter(). Not thread-safe (one SQLite connection). Pure: no sqlite3.h here.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/sql/pushdown.h"

namespace financelake::sql {

// The rows of column `column` equal to a value under SQLite's comparison (BINARY collation),
// with the column's values as the virtual table shows them.
class KeyIndex {
 public:
  explicit KeyIndex(const columnar::Column& column);

  enum class Match : uint8_t { kRows, kNone, kAll };
  // kRows: the rows are *rows; kNone: no row can equal `v`; kAll: `v` cannot be looked up
  // (text against a number column, a NULL, ...): every row is a candidate.
  Match Lookup(const SqlValue& v, const std::vector<uint32_t>** rows) const;

 private:
  columnar::TypeKind kind_;
  std::unordered_map<std::string, std::vector<uint32_t>> rows_;
};

// A scan's rows and their stable row ids.
struct ScannedRows {
  columnar::RecordBatch batch;
  std::vector<int64_t> row_ids;
  int64_t files_read = 0;   // what the scan cost: data files opened,
  int64_t files_total = 0;  // of the snapshot's
};

// What one xFilter call returns: the rows, and which of them (all when `selected` is null;
// `index` keeps `selected` alive).
struct RowSelection {
  std::shared_ptr<const ScannedRows> rows;
  std::shared_ptr<const KeyIndex> index;
  const std::vector<uint32_t>* selected = nullptr;
};

// One term of a plan: `column op value`, with its Expr text when it is pushed down.
struct PlanTerm {
  std::string column;
  PushOp op = PushOp::kEq;
  SqlValue value;
  std::optional<std::string> pushed;  // nullopt: left to SQLite
};

class RepeatedScans {
 public:
  // Reads the table with the given pushed-down terms (AND).
  using ScanFn = std::function<Result<ScannedRows>(const std::vector<std::string>& terms)>;

  // The rows for one call of `plan` (a virtual table and its idxStr) on `snapshot`. The first
  // call scans with every pushed term. Later calls of the same plan scan (once) with only the
  // pushed terms whose values have not changed, keep those rows, and select from them by the
  // first equality term that is not applied.
  Result<RowSelection> Filter(const void* table, const std::string& plan,
                              std::shared_ptr<const void> snapshot,
                              const std::vector<PlanTerm>& terms, const ScanFn& scan);
  void Clear() { plans_.clear(); }

 private:
  struct State {
    std::shared_ptr<const void> snapshot;
    int64_t calls = 0;
    std::vector<SqlValue> last;  // the previous call's values
    std::vector<bool> varied;    // terms whose value has changed from one call to the next
    std::shared_ptr<const ScannedRows> kept;
    std::vector<bool> kept_applied;  // the pushed terms `kept` was read with
    std::vector<SqlValue> kept_values;
    int64_t direct_files = 0;  // files opened by the calls answered by their own scan
    int64_t files_total = 0;
    std::shared_ptr<const KeyIndex> index;
    int index_term = -1;
  };

  std::map<std::pair<const void*, std::string>, State> plans_;
};

}  // namespace financelake::sql
