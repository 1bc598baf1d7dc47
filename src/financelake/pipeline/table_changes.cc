#include "financelake/pipeline/table_changes.h"

#include "financelake/delta/log.h"

namespace financelake::pipeline {

Result<std::vector<std::string>> DataFilesAdded(delta::Table& table, int64_t from, int64_t to) {
  std::vector<std::string> out;
  for (int64_t v = from + 1; v <= to; ++v) {
    auto actions = delta::ReadCommit(table.fs(), table.path(), DeltaVersion(v));
    if (!actions.ok()) {
      if (!actions.status().IsNotFound()) return actions.status();
      out.clear();
      FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, table.AtVersion(DeltaVersion(to)));
      for (const delta::AddFile& f : snap->files()) out.push_back(f.path);
      return out;
    }
    for (const delta::Action& a : *actions) {
      if (const auto* add = std::get_if<delta::AddFile>(&a); add != nullptr && add->data_change) {
        out.push_back(add->path);
      }
    }
  }
  return out;
}

}  // namespace financelake::pipeline
