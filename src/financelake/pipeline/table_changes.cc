#include "financelake/pipeline/table_changes.h"

#include <set>

#include "financelake/delta/log.h"
#include "financelake/delta/scan.h"

namespace financelake::pipeline {
namespace {

Result<TableChanges> SnapshotDifference(delta::Table& table, int64_t from, int64_t to) {
  TableChanges out;
  out.from_log = false;
  std::set<std::string> before;
  if (from >= 0) {
    // The cleanup may have taken the commits that rebuild `from` too: then every live file
    // counts as added (callers tolerate repeated rows, see the header).
    FL_ASSIGN_OR_RETURN(delta::LogListing listing, delta::ListLog(table.fs(), table.path()));
    const std::optional<DeltaVersion> earliest = listing.earliest_recoverable();
    if (earliest && earliest->value() <= from) {
      FL_ASSIGN_OR_RETURN(delta::SnapshotPtr old, table.AtVersion(DeltaVersion(from)));
      for (const delta::AddFile& f : old->files()) before.insert(f.path);
    }
  }
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr now, table.AtVersion(DeltaVersion(to)));
  for (const delta::AddFile& f : now->files()) {
    if (before.count(f.path) == 0) out.files.push_back({f.path, to});
  }
  return out;
}

}  // namespace

Result<TableChanges> DataFilesAdded(delta::Table& table, int64_t from, int64_t to) {
  TableChanges out;
  for (int64_t v = from + 1; v <= to; ++v) {
    auto actions = delta::ReadCommit(table.fs(), table.path(), DeltaVersion(v));
    if (!actions.ok()) {
      if (!actions.status().IsNotFound()) return actions.status();
      return SnapshotDifference(table, from, to);
    }
    for (const delta::Action& a : *actions) {
      if (const auto* add = std::get_if<delta::AddFile>(&a); add != nullptr && add->data_change) {
        out.files.push_back({add->path, v});
      } else if (const auto* rm = std::get_if<delta::RemoveFile>(&a);
                 rm != nullptr && rm->data_change) {
        out.data_removed = true;
      }
    }
  }
  // A file the log names may be gone: compacted, then vacuumed, while this reader paused
  // (vacuum keeps removed files 7 days by default, the log keeps commits 30). The live files
  // hold its rows: read the snapshot difference, as after a log cleanup.
  for (const AddedFile& f : out.files) {
    FL_ASSIGN_OR_RETURN(const std::string path, delta::ResolveDataFilePath(table.path(), f.path));
    FL_ASSIGN_OR_RETURN(const bool exists, table.fs().Exists(path));
    if (!exists) return SnapshotDifference(table, from, to);
  }
  return out;
}

}  // namespace financelake::pipeline
