#include "financelake/pipeline/resume_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <variant>
#include <vector>

#include "financelake/columnar/expr.h"
#include "financelake/delta/data_writer.h"
#include "financelake/delta/log.h"
#include "financelake/delta/stats_read.h"
#include "financelake/io/path.h"
#include "financelake/parquet/reader.h"
#include "financelake/pipeline/bronze_schema.h"

namespace financelake::pipeline {
namespace {

// The ingest_time range of each file (from its stats; nullopt when unknown).
using TimeRange = std::optional<std::pair<int64_t, int64_t>>;

TimeRange IngestTimeRange(const delta::AddFile& add, const columnar::Schema& schema) {
  if (!add.stats) return std::nullopt;
  auto stats = delta::ParseFileStats(*add.stats, schema);
  if (!stats.ok()) return std::nullopt;
  const columnar::Expr::ColumnRange* r = stats->Find("ingest_time");
  if (r == nullptr || !r->min || !r->max || !std::holds_alternative<int64_t>(r->min->v) ||
      !std::holds_alternative<int64_t>(r->max->v)) {
    return std::nullopt;
  }
  return std::make_pair(r->min->as_int(), r->max->as_int());
}

// `rows` (offset, event_id, source_position, ingest_time) ingested within one of `ranges` as one
// recorded row, nullopt when there are none or they differ.
std::optional<RecordedRow> OneRow(const columnar::RecordBatch& rows, int64_t version,
                                  const std::vector<TimeRange>& ranges) {
  std::optional<RecordedRow> found;
  for (int64_t i = 0; i < rows.num_rows(); ++i) {
    const int64_t t = rows.column(3).ValueAt<int64_t>(i);
    if (std::none_of(ranges.begin(), ranges.end(),
                     [t](const TimeRange& r) { return !r || (t >= r->first && t <= r->second); })) {
      continue;  // written by another stream at another time
    }
    RecordedRow row;
    row.offset = version;
    if (!rows.column(1).IsNull(i)) row.event_id = std::string(rows.column(1).StringAt(i));
    if (!rows.column(2).IsNull(i)) row.position = std::string(rows.column(2).StringAt(i));
    if (found && (found->event_id != row.event_id || found->position != row.position)) {
      return std::nullopt;
    }
    found = std::move(row);
  }
  return found;
}

// The commit's files are gone (compacted, then vacuumed): a compaction keeps the rows and their
// columns, so look in the live files for the in-process rows (no Kafka partition) of that offset
// in the partitions the commit wrote.
Result<std::optional<RecordedRow>> FindInLiveFiles(delta::Table& bronze,
                                                   const delta::Snapshot& snapshot, int64_t version,
                                                   const std::vector<const delta::AddFile*>& adds,
                                                   std::string* warning) {
  std::string dates;
  std::vector<TimeRange> ranges;
  for (const delta::AddFile* add : adds) {
    ranges.push_back(IngestTimeRange(*add, snapshot.schema()));
    auto it = add->partition_values.find(std::string(kBronzePartitionColumn));
    if (it == add->partition_values.end() || !it->second) continue;
    dates += fmt::format("{}'{}'", dates.empty() ? "" : ", ", *it->second);
  }
  std::string where = fmt::format("`offset` = {} AND `partition` IS NULL", version);
  if (!dates.empty()) where += fmt::format(" AND {} IN ({})", kBronzePartitionColumn, dates);
  delta::ScanOptions scan;
  scan.columns = {"offset", "event_id", "source_position", "ingest_time"};
  FL_ASSIGN_OR_RETURN(scan.filter, columnar::Expr::Parse(where, snapshot.schema()));
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, bronze.Scan(snapshot, scan));
  std::optional<RecordedRow> row = OneRow(rows, version, ranges);
  if (!row && warning != nullptr) {
    *warning = fmt::format(
        "the data files of the commit that recorded record {} are gone (compacted, then "
        "vacuumed) and the live files hold no single row of that offset ingested by it: cannot "
        "check that the input files did not change",
        version);
  }
  return row;
}

}  // namespace

Result<std::optional<RecordedRow>> FindRecordedRow(delta::Table& bronze, const std::string& app_id,
                                                   int64_t version, int max_commits,
                                                   std::string* warning) {
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
      auto reader = parquet::ParquetReader::Open(bronze.fs(), io::JoinPath(bronze.path(), rel));
      if (!reader.ok() && reader.status().IsNotFound()) {
        return FindInLiveFiles(bronze, *latest, version, adds, warning);
      }
      FL_RETURN_NOT_OK(reader.status());
      FL_ASSIGN_OR_RETURN(
          columnar::RecordBatch rows,
          (*reader)->ReadAll({static_cast<size_t>(kOffset), static_cast<size_t>(kEventId),
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
