#include "financelake/delta/conflict.h"

#include <fmt/format.h>

#include "financelake/delta/data_writer.h"
#include "financelake/io/path.h"

namespace financelake::delta {

std::string CommitFileName(DeltaVersion v) { return fmt::format("{:020d}.json", v.value()); }

std::string CheckpointFileName(DeltaVersion v) {
  return fmt::format("{:020d}.checkpoint.parquet", v.value());
}

std::string NormalizeActionPath(const std::string& path) {
  auto decoded = DecodeLogPath(path);
  return decoded.ok() ? *decoded : path;
}

Status CheckConflicts(const ConflictScope& scope, DeltaVersion winner,
                      const std::vector<Action>& winner_actions) {
  const std::string prefix = fmt::format("delta: {}: ", scope.table);
  for (const Action& action : winner_actions) {
    if (std::holds_alternative<Metadata>(action) || std::holds_alternative<Protocol>(action)) {
      return Status::Aborted(
          fmt::format("{}concurrent metadata change in version {}", prefix, winner.value()));
    }
    if (const auto* remove = std::get_if<RemoveFile>(&action)) {
      const std::string path = NormalizeActionPath(remove->path);
      if (scope.removed_files.count(path) != 0 || scope.read_files.count(path) != 0) {
        return Status::Aborted(fmt::format("{}concurrent delete/update of {} in version {}",
                                           prefix, remove->path, winner.value()));
      }
    }
    if (const auto* txn = std::get_if<Txn>(&action)) {
      if (scope.app_ids.count(txn->app_id) != 0) {
        return Status::AlreadyExists(fmt::format(
            "{}concurrent transaction of appId '{}' (txn version {}) committed in version {}",
            prefix, txn->app_id, txn->version, winner.value()));
      }
    }
    if (const auto* add = std::get_if<AddFile>(&action)) {
      if (scope.read_whole_table) {
        return Status::Aborted(fmt::format(
            "{}concurrent append of {} in version {} to a table this transaction read whole",
            prefix, add->path, winner.value()));
      }
    }
  }
  return Status::OK();
}

Status CheckWinningCommit(io::FileSystem& fs, const std::string& log_dir, DeltaVersion winner,
                          const ConflictScope& scope) {
  const std::string path = io::JoinPath(log_dir, CommitFileName(winner));
  FL_ASSIGN_OR_RETURN_CTX(std::string text, fs.ReadFile(path),
                          fmt::format("delta: {}: read winning commit {}", scope.table,
                                      winner.value()));
  FL_ASSIGN_OR_RETURN(std::vector<Action> actions, ParseCommit(text, path));
  return CheckConflicts(scope, winner, actions);
}

}  // namespace financelake::delta
