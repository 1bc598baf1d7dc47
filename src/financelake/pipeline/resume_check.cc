#include "financelake/pipeline/resume_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
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

// The data files of the latest commit (within `max_commits`) that set `app_id`'s txn, when it set
// it to `version`; nullopt when it set another version or the commit was cleaned from the log.
Result<std::optional<std::vector<delta::AddFile>>> TxnCommitFiles(delta::Table& bronze,
                                                                  const std::string& app_id,
                                                                  int64_t version, int max_commits,
                                                                  int64_t newest) {
  using Files = std::optional<std::vector<delta::AddFile>>;
  for (int64_t v = newest; v >= 0 && v > newest - max_commits; --v) {
    auto actions = delta::ReadCommit(bronze.fs(), bronze.path(), DeltaVersion(v));
    if (!actions.ok()) {
      if (actions.status().IsNotFound()) return Files();  // cleaned up
      return actions.status();
    }
    const delta::Txn* txn = nullptr;
    for (const delta::Action& a : *actions) {
      if (const auto* t = std::get_if<delta::Txn>(&a); t != nullptr && t->app_id == app_id) txn = t;
    }
    if (txn == nullptr) continue;
    if (txn->version != version) return Files();
    std::vector<delta::AddFile> adds;
    for (delta::Action& a : *actions) {
      if (auto* add = std::get_if<delta::AddFile>(&a); add != nullptr && add->data_change) {
        adds.push_back(std::move(*add));
      }
    }
    return Files(std::move(adds));
  }
  return Files();
}

}  // namespace

Result<std::optional<RecordedRow>> FindRecordedRow(delta::Table& bronze, const std::string& app_id,
                                                   int64_t version, int max_commits,
                                                   std::string* warning) {
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr latest, bronze.Latest());
  FL_ASSIGN_OR_RETURN(
      auto files, TxnCommitFiles(bronze, app_id, version, max_commits, latest->version().value()));
  if (!files) return std::optional<RecordedRow>();
  std::vector<const delta::AddFile*> adds;
  for (const delta::AddFile& f : *files) adds.push_back(&f);
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

namespace {

// The rows of one Bronze data file whose source_position is in `positions`, by position;
// nullopt when the file is gone (compacted, then vacuumed: another group's copy of the record
// could not be told apart) or lacks the columns.
Result<std::optional<std::map<std::string, RecordedKafkaRow>>> KafkaRowsOfFile(
    delta::Table& bronze, const delta::AddFile& add, const std::set<std::string>& positions) {
  using Rows = std::optional<std::map<std::string, RecordedKafkaRow>>;
  FL_ASSIGN_OR_RETURN(std::string rel, delta::DecodeLogPath(add.path));
  auto reader = parquet::ParquetReader::Open(bronze.fs(), io::JoinPath(bronze.path(), rel));
  if (!reader.ok() && reader.status().IsNotFound()) return Rows();
  FL_RETURN_NOT_OK(reader.status());
  // By name: a data file holds no partition column (ingest_date), so the columns after it are
  // one place earlier in the file than in BronzeSchema().
  const columnar::Schema& schema = (*reader)->schema();
  const auto position_at = schema.FieldIndex("source_position");
  const auto payload_at = schema.FieldIndex("payload");
  const auto time_at = schema.FieldIndex("kafka_timestamp");
  if (!position_at || !payload_at || !time_at) return Rows();
  std::vector<size_t> columns = {*position_at, *payload_at, *time_at};
  // Files written before the binary column existed do not have it.
  const auto bytes_at = schema.FieldIndex("payload_bytes");
  if (bytes_at) columns.push_back(*bytes_at);
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, (*reader)->ReadAll(columns));
  std::map<std::string, RecordedKafkaRow> found;
  for (int64_t i = 0; i < rows.num_rows(); ++i) {
    if (rows.column(0).IsNull(i)) continue;
    std::string position(rows.column(0).StringAt(i));
    if (positions.count(position) == 0) continue;
    RecordedKafkaRow row;
    if (bytes_at && !rows.column(3).IsNull(i)) {
      row.payload = std::string(rows.column(3).StringAt(i));
    } else if (!rows.column(1).IsNull(i)) {
      row.payload = std::string(rows.column(1).StringAt(i));
    }
    if (!rows.column(2).IsNull(i)) row.kafka_timestamp_us = rows.column(2).ValueAt<int64_t>(i);
    found.emplace(std::move(position), std::move(row));
  }
  return Rows(std::move(found));
}

}  // namespace

Result<std::map<std::string, RecordedKafkaRow>> FindRecordedKafkaRows(
    delta::Table& bronze, const std::vector<WantedKafkaRow>& wanted, int max_commits) {
  std::map<std::string, RecordedKafkaRow> out;
  if (wanted.empty()) return out;
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr latest, bronze.Latest());
  std::set<std::string> positions;
  for (const WantedKafkaRow& w : wanted) positions.insert(w.position);
  // Partitions committed together share files: each file is read once.
  std::map<std::string, std::optional<std::map<std::string, RecordedKafkaRow>>> by_file;
  for (const WantedKafkaRow& w : wanted) {
    FL_ASSIGN_OR_RETURN(auto files, TxnCommitFiles(bronze, w.app_id, w.version, max_commits,
                                                   latest->version().value()));
    if (!files) continue;
    for (const delta::AddFile& add : *files) {
      auto cached = by_file.find(add.path);
      if (cached == by_file.end()) {
        FL_ASSIGN_OR_RETURN(auto rows, KafkaRowsOfFile(bronze, add, positions));
        cached = by_file.emplace(add.path, std::move(rows)).first;
      }
      if (!cached->second) break;  // gone: the row cannot be told from another group's copy
      auto row = cached->second->find(w.position);
      if (row == cached->second->end()) continue;
      out.emplace(w.position, row->second);
      break;
    }
  }
  return out;
}

}  // namespace financelake::pipeline
