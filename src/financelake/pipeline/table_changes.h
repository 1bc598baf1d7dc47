// What a Delta table's commits added: the incremental stages' input.
#pragma once

#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/delta/table.h"

namespace financelake::pipeline {

struct AddedFile {
  std::string path;     // as in the log (URI-encoded, relative to the table)
  int64_t version = 0;  // the commit that added it
};

struct TableChanges {
  std::vector<AddedFile> files;  // in commit order
  // False when a commit file was gone (log cleanup after a long pause), or a data file it names
  // was (compacted, then vacuumed): `files` is then the
  // snapshot difference (live at `to`, not at `from`, version = `to`; every file live at `to`
  // when `from` cannot be rebuilt either), which can include a compaction's output holding
  // rows seen before, so callers must tolerate repeated rows.
  bool from_log = true;
  // True when a commit removed a file with dataChange (a DELETE, an overwrite): rows were taken
  // away, not only added (a compaction's removes, dataChange = false, do not count).
  bool data_removed = false;
};

// The data files added with dataChange by the commits after `from` up to `to` (a compaction's
// files, dataChange = false, hold rows counted when first added).
Result<TableChanges> DataFilesAdded(delta::Table& table, int64_t from, int64_t to);

}  // namespace financelake::pipeline
