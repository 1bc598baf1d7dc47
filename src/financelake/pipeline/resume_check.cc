#include "financelake/pipeline/resume_check.h"

#include <variant>
#include <vector>

#include "financelake/delta/data_writer.h"
#include "financelake/delta/log.h"
#include "financelake/io/path.h"
#include "financelake/parquet/reader.h"
#include "financelake/pipeline/bronze_schema.h"

namespace financelake::pipeline {

Result<std::optional<RecordedRow>> FindRecordedRow(delta::Table& bronze, const std::string& app_id,
                                                   int64_t version, int max_commits) {
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr latest, bronze.Latest());
  const int64_t newest = latest->version().value();
  for (int64_t v = newest; v >= 0 && v > newest - max_commits; --v) {
    auto actions = delta::ReadCommit(bronze.fs(), bronze.path(), DeltaVersion(v));
    if (!actions.ok()) {
      if (actions.status().IsNotFound()) return std::optional<RecordedRow>();  // cleaned up
      return actions.status();
    }
    const delta::Txn* txn = nullptr;
    std::vector<const delta::AddFile*> adds;
    for (const delta::Action& a : *actions) {
      if (const auto* t = std::get_if<delta::Txn>(&a); t != nullptr && t->app_id == app_id) txn = t;
      if (const auto* add = std::get_if<delta::AddFile>(&a); add != nullptr && add->data_change) {
        adds.push_back(add);
      }
    }
    if (txn == nullptr) continue;
    if (txn->version != version) return std::optional<RecordedRow>();
    for (const delta::AddFile* add : adds) {
      FL_ASSIGN_OR_RETURN(std::string rel, delta::DecodeLogPath(add->path));
      FL_ASSIGN_OR_RETURN(auto reader,
                          parquet::ParquetReader::Open(bronze.fs(), io::JoinPath(bronze.path(), rel)));
      FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows,
                          reader->ReadAll({static_cast<size_t>(kOffset), static_cast<size_t>(kEventId),
                                           static_cast<size_t>(kSourcePosition)}));
      for (int64_t i = 0; i < rows.num_rows(); ++i) {
        if (rows.column(0).ValueAt<int64_t>(i) != version) continue;
        RecordedRow row;
        row.offset = version;
        if (!rows.column(1).IsNull(i)) row.event_id = std::string(rows.column(1).StringAt(i));
        if (!rows.column(2).IsNull(i)) row.position = std::string(rows.column(2).StringAt(i));
        return std::optional<RecordedRow>(std::move(row));
      }
    }
    return std::optional<RecordedRow>();
  }
  return std::optional<RecordedRow>();
}

}  // namespace financelake::pipeline
