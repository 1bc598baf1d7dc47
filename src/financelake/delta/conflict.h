// Conflict detection for optimistic commits (delta-io/delta PROTOCOL.md, "Requirements for
// Writers"; the rules of Spark's ConflictChecker, simplified).
//
// A transaction reads version r and tries to write version r+1 with put-if-absent. When another
// writer got there first, every winning commit (r+1, r+2, ...) is checked against what this
// transaction read and changes (its ConflictScope):
//   - the winner changed metaData or protocol                 -> Aborted
//   - the winner removed a file this one removes or read      -> Aborted
//   - the winner committed a txn with an appId this one sets  -> AlreadyExists
//   - this one read the whole table and the winner added files -> Aborted
// Otherwise (blind appends, compaction against appends, deletes of other files) the commit is
// retried at the next version. Messages name the table, the winning version and the file or
// appId: "delta: /lake/t: concurrent delete/update of part-0...parquet in version 7".
// Thread-safe (pure functions over their arguments).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "financelake/base/status.h"
#include "financelake/base/strong_id.h"
#include "financelake/delta/actions.h"
#include "financelake/io/filesystem.h"

namespace financelake::delta {

// What a pending transaction depends on and changes. Paths are compared after percent-decoding.
struct ConflictScope {
  std::string table;                    // table path, for messages
  bool read_whole_table = false;        // any concurrent add invalidates the result
  std::set<std::string> read_files;     // live files the result depends on
  std::set<std::string> removed_files;  // files it removes
  std::set<std::string> app_ids;        // txn appIds it advances
};

// Checks one winning commit (its actions) against `scope`.
Status CheckConflicts(const ConflictScope& scope, DeltaVersion winner,
                      const std::vector<Action>& winner_actions);

// Reads `_delta_log/<winner>.json` under `log_dir` and checks it. DataLoss or IOError when the
// winning commit cannot be read.
Status CheckWinningCommit(io::FileSystem& fs, const std::string& log_dir, DeltaVersion winner,
                          const ConflictScope& scope);

// Bare names in `_delta_log` (log.h has the whole paths): "00000000000000000042.json".
std::string CommitFileName(DeltaVersion v);
// "00000000000000000042.checkpoint.parquet".
std::string CheckpointFileName(DeltaVersion v);

// The file path an add/remove action names, percent-decoded (as is if malformed), for
// comparing paths written by different engines.
std::string NormalizeActionPath(const std::string& path);

}  // namespace financelake::delta
