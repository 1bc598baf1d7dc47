#include "financelake/pipeline/silver_stage.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <limits>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "financelake/base/utf8.h"
#include "financelake/columnar/expr.h"
#include "financelake/columnar/text_values.h"
#include "financelake/delta/data_writer.h"
#include "financelake/delta/log.h"
#include "financelake/delta/stats_read.h"
#include "financelake/delta/table.h"
#include "financelake/io/path.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/ml/fraud_model.h"
#include "financelake/parquet/reader.h"
#include "financelake/pipeline/bank_features.h"
#include "financelake/pipeline/bank_history.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/errors_table.h"
#include "financelake/pipeline/exactly_once_table.h"
#include "financelake/pipeline/flush_policy.h"
#include "financelake/pipeline/id_set.h"
#include "financelake/pipeline/silver_contract.h"
#include "financelake/pipeline/table_changes.h"

namespace financelake::pipeline {
namespace {

// The errors row shows such a payload with U+FFFD (errors_table.cc); Bronze keeps the bytes.
constexpr char kNotUtf8Reason[] =
    "the message is not UTF-8 text (shown here with U+FFFD for the bytes that are not; Bronze "
    "keeps "
    "the exact bytes)";

std::string DateText(int32_t days) {
  return columnar::FormatValue(columnar::Value::Int(days), columnar::DataType::Date());
}

// event_ids already in Silver on the given dates, with their dates (columns event_id,
// event_date; no rows when none).
Result<columnar::RecordBatch> ExistingIds(ExactlyOnceTable& silver,
                                          const std::set<int32_t>& dates) {
  columnar::RecordBatch none(
      columnar::Schema({columnar::Field{"event_id", columnar::DataType::String(), true},
                        columnar::Field{"event_date", columnar::DataType::Date(), true}}));
  if (dates.empty()) return none;
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, silver.table().Latest());
  if (snap->files().empty()) return none;
  std::string in;
  for (int32_t d : dates) in += (in.empty() ? "'" : ", '") + DateText(d) + "'";
  FL_ASSIGN_OR_RETURN(
      columnar::Expr filter,
      columnar::Expr::Parse(fmt::format("{} IN ({})", kSilverPartitionColumn, in), snap->schema()));
  delta::ScanOptions scan;
  scan.columns = {"event_id", std::string(kSilverPartitionColumn)};
  scan.filter = filter;
  return silver.table().Scan(*snap, scan);
}

// The Bronze positions of the rows this stage already put in the errors table from
// `bronze_path`: read only when the Bronze log was cleaned up and files may hold rows seen
// before (the errors table has no other key to deduplicate by).
Result<std::unordered_set<std::string>> ErrorPositions(ExactlyOnceTable& errors,
                                                       const std::string& bronze_path) {
  // The stored path is the Bronze table's as the lake was spelled then ("lake/bronze/x",
  // "/abs/lake/./bronze/x"): rows are matched on the lake-relative part, "bronze/x".
  auto lake_relative = [](std::string_view path) {
    const std::string p = io::NormalizePath(path);
    return io::BaseName(io::DirName(p)) + "/" + io::BaseName(p);
  };
  const std::string want = lake_relative(bronze_path);
  std::unordered_set<std::string> out;
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, errors.table().Latest());
  if (snap->files().empty()) return out;
  delta::ScanOptions scan;
  scan.columns = {"stage", "source_table", "source_position"};
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, errors.table().Scan(*snap, scan));
  for (int64_t i = 0; i < rows.num_rows(); ++i) {
    if (rows.column(0).IsNull(i) || rows.column(1).IsNull(i) || rows.column(2).IsNull(i)) continue;
    if (rows.column(0).StringAt(i) == "silver" &&
        lake_relative(rows.column(1).StringAt(i)) == want) {
      out.emplace(rows.column(2).StringAt(i));
    }
  }
  return out;
}

// A Bronze data file to read, in commit order, and its row count from its statistics (0 when
// unknown or when only the errors table still needs it).
struct BronzeFile {
  int64_t version = 0;
  std::string path;
  int64_t rows = 0;
  // The earliest ingest_time in the file (statistics), µs; INT64_MAX when unknown.
  int64_t first_ingest_us = std::numeric_limits<int64_t>::max();
};

// The files to read past min(v_silver, v_errors), in commit order (so that of two copies of an
// event the first ingested is kept). Only the files Silver reads have their statistics parsed.
//
// Within one version, by the earliest ingest_time of each file: when compacted files were
// vacuumed and the log's adds cannot be read, every live file counts as added at the latest
// version, and path order (random file names) would keep whichever copy sorts first.
// OPTIMIZE keeps commit order inside and across its files (delta/operations_maintenance.cc).
std::vector<BronzeFile> FilesToRead(const TableChanges& added, const delta::Snapshot& latest,
                                    int64_t v_silver) {
  std::vector<BronzeFile> files;
  for (const AddedFile& f : added.files) files.push_back(BronzeFile{f.version, f.path, 0});
  std::unordered_map<std::string_view, BronzeFile*> by_path;
  for (BronzeFile& f : files) {
    if (f.version > v_silver) by_path[f.path] = &f;
  }
  for (const delta::AddFile& f : latest.files()) {
    auto it = by_path.find(f.path);
    if (it == by_path.end() || !f.stats) continue;
    auto stats = delta::ParseFileStats(*f.stats, latest.schema());
    if (!stats.ok()) continue;
    it->second->rows = stats->num_records.value_or(0);
    const auto* ingest = stats->Find("ingest_time");
    if (ingest != nullptr && ingest->min && std::holds_alternative<int64_t>(ingest->min->v)) {
      it->second->first_ingest_us = ingest->min->as_int();
    }
  }
  std::sort(files.begin(), files.end(), [](const BronzeFile& a, const BronzeFile& b) {
    return std::tie(a.version, a.first_ingest_us, a.path) <
           std::tie(b.version, b.first_ingest_us, b.path);
  });
  return files;
}

Result<SilverCounts> RunTopic(const SilverOptions& o, const std::shared_ptr<io::FileSystem>& fs,
                              const SilverContract& contract) {
  SilverCounts counts;
  const std::string bronze_path = BronzeTablePath(o.lake, contract.topic);
  auto bronze = delta::Table::Open(fs, bronze_path);
  FL_ASSIGN_OR_RETURN(bool exists, bronze->Exists());
  if (!exists) return counts;
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr latest, bronze->Latest());
  const int64_t v_latest = latest->version().value();
  const columnar::Schema schema = SilverSchema(contract);
  const bool bank = IsBankTable(contract.table);
  FL_ASSIGN_OR_RETURN(
      auto silver, ExactlyOnceTable::OpenOrCreate(
                       fs, SilverTablePath(o.lake, contract.table),
                       {bank ? BankSilverSchema(schema) : schema,
                        {std::string(kSilverPartitionColumn)},
                        "FinanceLake Silver: validated, typed, deduplicated " + contract.topic}));
  FL_ASSIGN_OR_RETURN(auto errors,
                      ExactlyOnceTable::OpenOrCreate(fs, ErrorsTablePath(o.lake), ErrorsLayout()));
  const std::string app = SilverAppId(contract.table);
  FL_ASSIGN_OR_RETURN(const int64_t v_silver, silver->TxnVersion(app));
  FL_ASSIGN_OR_RETURN(const int64_t v_errors, errors->TxnVersion(app));
  counts.bronze_version = std::min(v_silver, v_errors);
  if (v_silver >= v_latest && v_errors >= v_latest) return counts;
  FL_ASSIGN_OR_RETURN(const TableChanges added,
                      DataFilesAdded(*bronze, std::min(v_silver, v_errors), v_latest));
  const std::vector<BronzeFile> files = FilesToRead(added, *latest, v_silver);
  std::unordered_set<std::string> errors_seen;
  if (!added.from_log) {
    FL_ASSIGN_OR_RETURN(errors_seen, ErrorPositions(*errors, bronze_path));
  }
  int64_t expected_rows = 0;
  for (const BronzeFile& f : files) expected_rows += f.rows;
  // Bank: features from the accounts' past, then the pipeline's fraud model (if the lake has one).
  std::shared_ptr<const ml::FraudModel> model;
  if (bank) {
    auto loaded = o.fraud_models ? o.fraud_models->Get(*fs, o.lake, std::string(ml::kPipelineModel))
                                 : ml::LoadFraudModel(*fs, o.lake, std::string(ml::kPipelineModel));
    if (loaded.ok()) {
      model = *loaded;
      counts.model_version = model->version;
    } else if (!loaded.status().IsNotFound()) {
      return loaded.status();
    }
  }
  const int64_t now = o.now_us != 0 ? o.now_us : WallMicros();
  // Rows are parsed, deduplicated and written to Silver data files in parts of about
  // `part_rows` (whole Bronze files), reusing the column memory from part to part; the files
  // of every part are committed together at the end. A bank part's features see the parts
  // before it as history (held pending in the bank history until the commit).
  const int64_t part_rows = o.part_rows <= 0 ? std::numeric_limits<int64_t>::max() : o.part_rows;
  // Bank history: the pipeline's (kept across passes), else one for this pass, made at the first
  // part: of the batch's accounts only when that part is the only one, of every account when
  // parts must see each other.
  std::optional<BankHistory> pass_history;
  BankHistory* history = bank ? o.bank_history.get() : nullptr;
  delta::SnapshotPtr bank_snapshot;  // every part's history is Silver at this snapshot
  if (bank) {
    FL_ASSIGN_OR_RETURN(bank_snapshot, silver->table().Latest());
  }
  struct AbandonPending {  // rows of parts not committed are dropped from the history
    BankHistory*& history;
    bool committed = false;
    ~AbandonPending() {
      if (history != nullptr && !committed) history->AbandonPending();
    }
  } abandon{history};
  std::vector<columnar::Column> cols;
  for (const columnar::Field& f : schema.fields()) cols.emplace_back(f.type);
  std::vector<double> chars_per_row;  // per column, from the first file with accepted rows
  ErrorRowsBuilder error_rows;
  // Every event id checked so far (the parts' and Silver's) with its event date, for
  // deduplication by (event_id, event_date) against Silver and within the batch. A replay has
  // the same event time, so the same date; an id reused on another day is kept whatever the
  // batching (one Silver row per id and date, as a rebuild from Bronze gives).
  // A continuous pipeline's cache holds them from the passes before when Silver is still at the
  // version the last pass left; it is emptied now and refilled only after this pass commits.
  std::deque<columnar::Column> ids;
  std::unique_ptr<IdSet> seen_owner;
  std::set<int32_t> dates_loaded;  // event dates whose Silver ids are in `seen`
  SilverIdCache::Table* cache = o.id_cache ? &o.id_cache->tables[contract.table] : nullptr;
  int64_t v_silver_start = -1;  // with a cache: Silver's version now
  if (cache != nullptr) {
    FL_ASSIGN_OR_RETURN(delta::SnapshotPtr silver_start, silver->table().Latest());
    v_silver_start = silver_start->version().value();
    if (cache->seen && cache->silver_version == v_silver_start) {
      ids = std::move(cache->ids);
      seen_owner = std::move(cache->seen);
      dates_loaded = std::move(cache->dates);
    }
    *cache = SilverIdCache::Table{};
  }
  if (!seen_owner) seen_owner = std::make_unique<IdSet>(expected_rows);
  IdSet& seen = *seen_owner;
  const size_t date_column = *schema.FieldIndex(kSilverPartitionColumn);
  std::vector<delta::AddFile> written;
  bool committed = false;
  struct Discard {  // uncommitted Silver files are removed on every way out
    std::vector<delta::AddFile>* files;
    bool* committed;
    ExactlyOnceTable* table;
    ~Discard() {
      if (!*committed) table->DiscardFiles(*files);
    }
  } discard{&written, &committed, silver.get()};
  std::string id;
  int32_t date = 0;
  for (size_t next = 0; next < files.size();) {
    size_t end = next;
    int64_t part_expected = 0;
    while (end < files.size() && (end == next || part_expected < part_rows))
      part_expected += files[end++].rows;
    cols[0] = columnar::Column(schema.field(0).type);  // the last part's ids are kept in `ids`
    for (size_t c = 0; c < cols.size(); ++c) {
      cols[c].Clear();
      const double per_row = chars_per_row.empty() ? 0.0 : chars_per_row[c];
      cols[c].Reserve(part_expected,
                      static_cast<int64_t>(per_row * 1.05 * static_cast<double>(part_expected)));
    }
    std::set<int32_t> part_dates;
    int64_t accepted = 0;
    int32_t last_date = 0;
    for (size_t fi = next; fi < end; ++fi) {
      const BronzeFile& file = files[fi];
      // Each output table takes only what is past its own position.
      const bool for_silver = file.version > v_silver;
      const bool for_errors = file.version > v_errors;
      FL_ASSIGN_OR_RETURN(std::string rel, delta::DecodeLogPath(file.path));
      FL_ASSIGN_OR_RETURN(auto reader,
                          parquet::ParquetReader::Open(*fs, io::JoinPath(bronze_path, rel)));
      // Files written before payload_bytes existed may hold payloads that are not UTF-8.
      // (A data file holds no partition column, so the column is found by name.)
      const std::optional<size_t> bytes_index = reader->schema().FieldIndex("payload_bytes");
      const bool has_bytes = bytes_index.has_value();
      std::vector<size_t> wanted = {static_cast<size_t>(kPayload),
                                    static_cast<size_t>(kSourcePosition),
                                    static_cast<size_t>(kIngestTime)};
      if (has_bytes) wanted.push_back(*bytes_index);
      FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, reader->ReadAll(wanted));
      for (int64_t i = 0; i < rows.num_rows(); ++i) {
        const std::string_view payload = rows.column(0).StringAt(i);
        const std::string_view position =
            rows.column(1).IsNull(i) ? "" : rows.column(1).StringAt(i);
        const int64_t ingest_time = rows.column(2).ValueAt<int64_t>(i);
        if (for_silver) ++counts.bronze_rows;
        std::string reason;
        if (has_bytes ? !rows.column(3).IsNull(i) : !IsValidUtf8(payload)) {
          reason = kNotUtf8Reason;
        } else {
          reason = ParseSilverRow(contract, payload, position, ingest_time,
                                  for_silver ? &cols : nullptr, &id, &date);
        }
        if (reason.empty()) {
          if (for_silver) {
            if (accepted++ == 0 || date != last_date) part_dates.insert(date);
            last_date = date;
          }
        } else if (for_errors && (errors_seen.empty() || position.empty() ||
                                  errors_seen.count(std::string(position)) == 0)) {
          error_rows.Append(ErrorRow{now, "silver", bronze_path, reason, payload, position});
          if (for_silver) ++counts.error_rows;
        }
      }
      // String buffers sized from the first file's bytes per row (growing by doubling would
      // copy and fault in every buffer twice).
      if (chars_per_row.empty() && accepted > 0) {
        for (const columnar::Column& c : cols) {
          chars_per_row.push_back(static_cast<double>(c.chars().size()) /
                                  static_cast<double>(accepted));
        }
        if (part_expected > accepted) {
          for (size_t c = 0; c < cols.size(); ++c) {
            if (!cols[c].type().is_binary_like()) continue;
            cols[c].Reserve(
                part_expected,
                static_cast<int64_t>(chars_per_row[c] * 1.05 * static_cast<double>(part_expected)) +
                    64);
          }
        }
      }
    }
    next = end;
    // Silver's ids of the dates first seen in this part, then this part's ids: the first copy
    // in commit order is kept.
    std::set<int32_t> new_dates;
    for (int32_t d : part_dates) {
      if (dates_loaded.insert(d).second) new_dates.insert(d);
    }
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch existing, ExistingIds(*silver, new_dates));
    if (existing.num_rows() > 0) {
      std::vector<columnar::Column> existing_cols = std::move(existing).ReleaseColumns();
      ids.push_back(std::move(existing_cols[0]));
      const int k = seen.AddColumn(ids.back());
      for (int64_t i = 0; i < ids.back().length(); ++i) {
        seen.Insert(k, i, existing_cols[1].ValueAt<int32_t>(i));
      }
    }
    // (A part without accepted rows registers nothing: a kept cache does not grow with them.)
    const int part = accepted > 0 ? seen.AddColumn(cols[0]) : -1;
    const columnar::Column& part_dates_col = cols[date_column];
    std::vector<uint8_t> keep(static_cast<size_t>(accepted), 0);
    int64_t duplicates = 0;
    for (int64_t i = 0; i < accepted; ++i) {
      keep[i] = seen.Insert(part, i, part_dates_col.ValueAt<int32_t>(i)) ? 1 : 0;
      duplicates += keep[i] ? 0 : 1;
    }
    counts.duplicates += duplicates;
    auto batch = columnar::RecordBatch::Make(schema, std::move(cols));
    if (!batch.ok()) return batch.status().WithContext("silver: " + contract.table);
    // Usually every row is new: then the batch is written as it is.
    columnar::RecordBatch selected;
    if (duplicates > 0) selected = delta::TakeRows(*batch, delta::SelectRows(keep, true));
    const columnar::RecordBatch& kept = duplicates > 0 ? selected : *batch;
    counts.silver_rows += kept.num_rows();
    if (!bank) {
      FL_ASSIGN_OR_RETURN(std::vector<delta::AddFile> w, silver->WriteFiles(kept));
      written.insert(written.end(), w.begin(), w.end());
      cols = std::move(*batch).ReleaseColumns();
    } else {
      if (history == nullptr) history = &pass_history.emplace(/*kept=*/next < files.size());
      FL_ASSIGN_OR_RETURN(columnar::RecordBatch scored,
                          AddBankFeatures(duplicates > 0 ? std::move(selected) : std::move(*batch),
                                          silver->table(), *bank_snapshot, *history, model.get()));
      const columnar::Column* alert = scored.ColumnByName("fraud_alert");
      for (int64_t i = 0; alert != nullptr && i < scored.num_rows(); ++i) {
        counts.fraud_alerts += !alert->IsNull(i) && alert->ValueAt<uint8_t>(i) != 0 ? 1 : 0;
      }
      FL_ASSIGN_OR_RETURN(std::vector<delta::AddFile> w, silver->WriteFiles(scored));
      written.insert(written.end(), w.begin(), w.end());
      // The parts after this one see its rows; a kept history also keeps them after the commit.
      if (scored.num_rows() > 0 && (o.bank_history || next < files.size())) {
        FL_RETURN_NOT_OK(history->AddPending(scored, w));
      }
      if (duplicates > 0) {
        cols = std::move(*batch).ReleaseColumns();
      } else {  // the batch went into `scored`, whose first columns are the contract's
        cols = std::move(scored).ReleaseColumns();
        cols.erase(cols.begin() + static_cast<std::ptrdiff_t>(schema.num_fields()), cols.end());
      }
    }
    if (part >= 0) {
      ids.push_back(std::move(cols[0]));
      seen.Rebind(part, ids.back());
    }
  }
  // Errors first, then Silver; each records the Bronze version it now covers.
  if (v_errors < v_latest) {
    FL_ASSIGN_OR_RETURN(TxnCommitResult r,
                        errors->Commit(error_rows.Finish(), {{app, v_errors, v_latest}}, app));
    if (!r.stale_app_ids.empty()) {
      return Status::Aborted("silver: another pipeline process is writing " + contract.table);
    }
  }
  if (v_silver < v_latest) {
    committed = true;  // CommitFiles removes the files itself when it does not commit them
    FL_ASSIGN_OR_RETURN(TxnCommitResult r,
                        silver->CommitFiles(std::move(written), {{app, v_silver, v_latest}}, app));
    if (!r.stale_app_ids.empty()) {
      return Status::Aborted("silver: another pipeline process is writing " + contract.table);
    }
    if (history != nullptr) {
      history->CommitPending();
      abandon.committed = true;
    }
    if (cache != nullptr && r.version == v_silver_start + 1) {
      cache->silver_version = r.version;  // Silver = what it was + this pass's rows
    }
  } else if (cache != nullptr) {
    cache->silver_version = v_silver_start;
  }
  if (cache != nullptr && cache->silver_version >= 0 &&
      seen.rows_registered() <= o.id_cache->max_ids) {
    cache->ids = std::move(ids);
    cache->seen = std::move(seen_owner);
    cache->dates = std::move(dates_loaded);
  }
  counts.bronze_version = v_latest;
  return counts;
}

}  // namespace

std::string SilverTablePath(std::string_view lake, std::string_view table) {
  return io::JoinPath(io::JoinPath(lake, "silver"), table);
}

std::string SilverAppId(std::string_view table) {
  return "financelake-silver:" + std::string(table);
}

Result<std::map<std::string, SilverCounts>> RunSilverOnce(const SilverOptions& options) {
  auto fs = options.fs ? options.fs : io::PosixFileSystem();
  std::map<std::string, SilverCounts> out;
  for (const std::string& t : options.topics) {
    std::string known;
    bool found = false;
    for (const SilverContract& c : SilverContracts()) {
      found = found || c.topic == t;
      known += (known.empty() ? "" : ", ") + std::string(c.topic);
    }
    if (!found)
      return Status::InvalidArgument(
          fmt::format("--topics: unknown topic '{}' (known: {})", t, known));
  }
  for (const SilverContract& c : SilverContracts()) {
    if (!options.topics.empty() &&
        std::find(options.topics.begin(), options.topics.end(), c.topic) == options.topics.end()) {
      continue;
    }
    const auto t0 = std::chrono::steady_clock::now();
    FL_ASSIGN_OR_RETURN(out[c.table], RunTopic(options, fs, c));
    out[c.table].seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return out;
}

}  // namespace financelake::pipeline
