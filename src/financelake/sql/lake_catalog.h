// The Delta tables of a lake and the names SQL uses for them. A table directory (one holding
// `_delta_log/`) directly under the lake is named as is (`errors`); one under a layer directory
// (`bronze/`, `silver/`, `gold/`, or any other) is `<layer>.<table>` (an attached schema) and,
// equally, `<layer>_<table>` in the main schema: `gold.daily_prices` = `gold_daily_prices`.
// References in time travel and maintenance statements may also be the path relative to the
// lake ('silver/stock_trades') or that path with a dot.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/io/filesystem.h"

namespace financelake::sql {

struct LakeTable {
  std::string layer;  // "gold", or "" for a table directly under the lake
  std::string name;   // "daily_prices"
  std::string rel;    // "gold/daily_prices"
  std::string path;   // <lake>/gold/daily_prices
  // The SQL names the table holds (ListLakeTables decides; SQL ignores case). `dotted`: its layer
  // is an attached schema, `layer.name`; not for layers `main` and `temp` (SQLite's own schemas)
  // or a layer whose name differs from another's only in case. `flat`: `layer_name` (a table
  // directly under the lake: its name) in the main schema. A name two tables would share is
  // held by neither (they stay reachable by path, delta('gold/x')), except that a table directly
  // under the lake keeps its own name over another table's `layer_name`.
  bool dotted = false;
  bool flat = false;
  std::string FlatName() const { return layer.empty() ? name : layer + "_" + name; }
  // The name to show and query it by: dotted, else flat, else its path (no SQL name).
  std::string SqlName() const { return dotted ? layer + "." + name : flat ? FlatName() : rel; }
  bool HasSqlName() const { return dotted || flat; }
};

// Every table in the lake, sorted by rel, with the SQL names it holds. NotFound when `lake` is
// not a directory.
Result<std::vector<LakeTable>> ListLakeTables(io::FileSystem& fs, const std::string& lake);

// The table `ref` names: its path relative to the lake exactly as written, else any of its path
// or held names with SQL's quoting (one pair of quotes around the whole or a part, doubled quotes
// inside) and case ignored. NotFound listing what exists; InvalidArgument when the name fits
// more than one table (case alone tells them apart), naming their paths.
Result<LakeTable> ResolveLakeTable(const std::vector<LakeTable>& tables, std::string ref);

}  // namespace financelake::sql
