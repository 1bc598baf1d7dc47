#include "financelake/pipeline/lake_maintenance.h"

#include <fmt/format.h>

#include <algorithm>

#include "financelake/delta/operations.h"
#include "financelake/delta/table.h"
#include "financelake/io/path.h"

namespace financelake::pipeline {

Result<std::vector<std::string>> LakeTables(io::FileSystem& fs, const std::string& lake) {
  std::vector<std::string> out;
  auto is_table = [&](const std::string& rel) -> Result<bool> {
    return fs.Exists(io::JoinPath(io::JoinPath(lake, rel), "_delta_log"));
  };
  FL_ASSIGN_OR_RETURN(bool errors, is_table("errors"));
  if (errors) out.push_back("errors");
  for (const char* layer : {"bronze", "silver", "gold"}) {
    const std::string dir = io::JoinPath(lake, layer);
    FL_ASSIGN_OR_RETURN(bool exists, fs.Exists(dir));
    if (!exists) continue;
    FL_ASSIGN_OR_RETURN(std::vector<io::FileInfo> entries, fs.ListDirNames(dir));
    for (const io::FileInfo& e : entries) {
      const std::string rel = std::string(layer) + "/" + e.name;
      FL_ASSIGN_OR_RETURN(bool table, is_table(rel));
      if (table) out.push_back(rel);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<MaintenanceCounts> MaintainLake(std::shared_ptr<io::FileSystem> fs,
                                       const std::string& lake) {
  MaintenanceCounts counts;
  FL_ASSIGN_OR_RETURN(std::vector<std::string> tables, LakeTables(*fs, lake));
  for (const std::string& rel : tables) {
    ++counts.tables;
    auto table = delta::Table::Open(fs, io::JoinPath(lake, rel));
    auto optimized = delta::Optimize(*table);
    if (!optimized.ok()) {
      counts.errors.push_back(fmt::format("{}: {}", rel, optimized.status().message()));
      continue;
    }
    counts.files_compacted += optimized->files_removed;
    counts.files_written += optimized->files_added;
    auto vacuumed = delta::Vacuum(*table);
    if (!vacuumed.ok()) {
      counts.errors.push_back(fmt::format("{}: {}", rel, vacuumed.status().message()));
      continue;
    }
    counts.files_vacuumed += static_cast<int64_t>(vacuumed->deleted.size());
  }
  return counts;
}

}  // namespace financelake::pipeline
