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
  std::string SqlName() const { return layer.empty() ? name : layer + "." + name; }
  std::string FlatName() const { return layer.empty() ? name : layer + "_" + name; }
};

// Every table in the lake, sorted by rel. NotFound when `lake` is not a directory.
Result<std::vector<LakeTable>> ListLakeTables(io::FileSystem& fs, const std::string& lake);

// The table `ref` names (gold.daily_prices, gold_daily_prices, "gold/daily_prices", quotes and
// case of SQL identifiers ignored); NotFound listing what exists.
Result<LakeTable> ResolveLakeTable(const std::vector<LakeTable>& tables, std::string ref);

}  // namespace financelake::sql
