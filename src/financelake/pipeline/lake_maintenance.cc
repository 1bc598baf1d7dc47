#include "financelake/pipeline/lake_maintenance.h"

#include <fmt/format.h>

#include <algorithm>

#include "financelake/delta/operations.h"
#include "financelake/delta/table.h"
#include "financelake/io/path.h"

namespace financelake::pipeline {

std::vector<std::string> LakeTables(io::FileSystem& fs, const std::string& lake,
                                    std::vector<std::string>* errors) {
  std::vector<std::string> out;
  auto note = [&](const std::string& rel, const Status& st) {
    if (errors != nullptr) errors->push_back(fmt::format("{}: {}", rel, st.message()));
  };
  auto add_if_table = [&](const std::string& rel) {
    auto is_table = fs.Exists(io::JoinPath(io::JoinPath(lake, rel), "_delta_log"));
    if (!is_table.ok()) {
      note(rel, is_table.status());
    } else if (*is_table) {
      out.push_back(rel);
    }
  };
  add_if_table("errors");
  for (const char* layer : {"bronze", "silver", "gold"}) {
    const std::string dir = io::JoinPath(lake, layer);
    auto exists = fs.Exists(dir);
    if (!exists.ok() || !*exists) {
      if (!exists.ok()) note(layer, exists.status());
      continue;
    }
    auto entries = fs.ListDirNames(dir);
    if (!entries.ok()) {
      note(layer, entries.status());
      continue;
    }
    for (const io::FileInfo& e : *entries) add_if_table(std::string(layer) + "/" + e.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

MaintenanceCounts MaintainLake(std::shared_ptr<io::FileSystem> fs, const std::string& lake,
                               const std::function<bool()>& stop) {
  MaintenanceCounts counts;
  for (const std::string& rel : LakeTables(*fs, lake, &counts.errors)) {
    if (stop && stop()) break;
    auto table = delta::Table::Open(fs, io::JoinPath(lake, rel));
    auto snapshot = table->Latest();
    if (!snapshot.ok()) {
      counts.errors.push_back(fmt::format("{}: {}", rel, snapshot.status().message()));
      continue;
    }
    // Only the tables FinanceLake keeps (another tool's table may be one it cannot write, or
    // one whose own writers should not meet a compaction).
    const std::string description = (*snapshot)->metadata().description.value_or("");
    if (description.rfind("FinanceLake ", 0) != 0) continue;
    ++counts.tables;
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
