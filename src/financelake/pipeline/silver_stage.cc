#include "financelake/pipeline/silver_stage.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_set>

#include "financelake/columnar/expr.h"
#include "financelake/columnar/text_values.h"
#include "financelake/delta/data_writer.h"
#include "financelake/delta/log.h"
#include "financelake/delta/stats_read.h"
#include "financelake/delta/table.h"
#include "financelake/io/path.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/parquet/reader.h"
#include "financelake/ml/fraud_model.h"
#include "financelake/pipeline/bank_features.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/errors_table.h"
#include "financelake/pipeline/exactly_once_table.h"
#include "financelake/pipeline/flush_policy.h"
#include "financelake/pipeline/id_set.h"
#include "financelake/pipeline/silver_contract.h"
#include "financelake/pipeline/table_changes.h"

namespace financelake::pipeline {
namespace {

std::string DateText(int32_t days) {
  return columnar::FormatValue(columnar::Value::Int(days), columnar::DataType::Date());
}

// event_ids already in Silver on the given dates (one string column; no rows when none).
Result<columnar::RecordBatch> ExistingIds(ExactlyOnceTable& silver, const std::set<int32_t>& dates) {
  columnar::RecordBatch none(columnar::Schema({columnar::Field{"event_id", columnar::DataType::String(), true}}));
  if (dates.empty()) return none;
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, silver.table().Latest());
  if (snap->files().empty()) return none;
  std::string in;
  for (int32_t d : dates) in += (in.empty() ? "'" : ", '") + DateText(d) + "'";
  FL_ASSIGN_OR_RETURN(columnar::Expr filter,
                      columnar::Expr::Parse(fmt::format("{} IN ({})", kSilverPartitionColumn, in),
                                            snap->schema()));
  delta::ScanOptions scan;
  scan.columns = {"event_id"};
  scan.filter = filter;
  return silver.table().Scan(*snap, scan);
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
  FL_ASSIGN_OR_RETURN(auto silver, ExactlyOnceTable::OpenOrCreate(
                                       fs, SilverTablePath(o.lake, contract.table),
                                       {bank ? BankSilverSchema(schema) : schema,
                                        {std::string(kSilverPartitionColumn)},
                                        "FinanceLake Silver: validated, typed, deduplicated " +
                                            contract.topic}));
  FL_ASSIGN_OR_RETURN(auto errors, ExactlyOnceTable::OpenOrCreate(fs, ErrorsTablePath(o.lake),
                                                                  ErrorsLayout()));
  const std::string app = SilverAppId(contract.table);
  FL_ASSIGN_OR_RETURN(const int64_t v_silver, silver->TxnVersion(app));
  FL_ASSIGN_OR_RETURN(const int64_t v_errors, errors->TxnVersion(app));
  counts.bronze_version = std::min(v_silver, v_errors);
  if (v_silver >= v_latest && v_errors >= v_latest) return counts;
  FL_ASSIGN_OR_RETURN(const TableChanges added,
                      DataFilesAdded(*bronze, std::min(v_silver, v_errors), v_latest));
  const int64_t now = o.now_us != 0 ? o.now_us : WallMicros();
  std::vector<columnar::Column> cols;
  for (const columnar::Field& f : schema.fields()) cols.emplace_back(f.type);
  ErrorRowsBuilder error_rows;
  std::set<int32_t> dates;  // event dates of the accepted rows
  int64_t accepted = 0;
  std::string id;
  int32_t date = 0, last_date = 0;
  // In commit order, so that of two copies of an event the first ingested is kept.
  std::vector<std::pair<int64_t, std::string>> files;
  for (const AddedFile& f : added.files) files.emplace_back(f.version, f.path);
  std::sort(files.begin(), files.end());
  // Column buffers sized once: rows from the files' statistics, string bytes from the first
  // file's average (growing by doubling would copy and fault in every buffer twice).
  // Only the files this pass reads have their statistics parsed (not the whole snapshot's).
  std::unordered_set<std::string_view> to_read;
  for (const auto& [version, path] : files) {
    if (version > v_silver) to_read.insert(path);
  }
  int64_t expected_rows = 0;
  for (const delta::AddFile& f : latest->files()) {
    if (f.stats && to_read.count(f.path) > 0) expected_rows += delta::StatsNumRecords(*f.stats).value_or(0);
  }
  for (columnar::Column& c : cols) c.Reserve(expected_rows);
  bool sized_strings = false;
  for (const auto& [version, path] : files) {
    // Each output table takes only what is past its own position.
    const bool for_silver = version > v_silver;
    const bool for_errors = version > v_errors;
    if (!for_silver && !for_errors) continue;
    FL_ASSIGN_OR_RETURN(std::string rel, delta::DecodeLogPath(path));
    FL_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::Open(*fs, io::JoinPath(bronze_path, rel)));
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows,
                        reader->ReadAll({static_cast<size_t>(kPayload),
                                         static_cast<size_t>(kSourcePosition),
                                         static_cast<size_t>(kIngestTime)}));
    for (int64_t i = 0; i < rows.num_rows(); ++i) {
      const std::string_view payload = rows.column(0).StringAt(i);
      const std::string_view position = rows.column(1).IsNull(i) ? "" : rows.column(1).StringAt(i);
      const int64_t ingest_time = rows.column(2).ValueAt<int64_t>(i);
      if (for_silver) ++counts.bronze_rows;
      const std::string reason = ParseSilverRow(contract, payload, position, ingest_time, now,
                                                for_silver ? &cols : nullptr, &id, &date);
      if (reason.empty()) {
        if (for_silver) {
          if (accepted++ == 0 || date != last_date) dates.insert(date);
          last_date = date;
        }
      } else if (for_errors) {
        error_rows.Append(ErrorRow{now, "silver", bronze_path, reason, payload, position});
        if (for_silver) ++counts.error_rows;
      }
    }
    if (!sized_strings && accepted > 0 && expected_rows > accepted) {
      sized_strings = true;
      for (columnar::Column& c : cols) {
        if (!c.type().is_binary_like()) continue;
        const double per_row = static_cast<double>(c.chars().size()) / static_cast<double>(accepted);
        c.Reserve(expected_rows, static_cast<int64_t>(per_row * 1.05 * static_cast<double>(expected_rows)) + 64);
      }
    }
  }
  // Deduplicate by event_id against Silver (the same ids have the same event date) and within
  // the batch: the first copy in commit order is kept.
  FL_ASSIGN_OR_RETURN(const columnar::RecordBatch existing, ExistingIds(*silver, dates));
  IdSet seen(existing.num_rows() + accepted);
  for (int64_t i = 0; i < existing.num_rows(); ++i) seen.Insert(existing.column(0), 0, i);
  std::vector<uint8_t> keep(static_cast<size_t>(accepted), 0);
  for (int64_t i = 0; i < accepted; ++i) {
    keep[i] = seen.Insert(cols[0], 1, i) ? 1 : 0;
    if (!keep[i]) ++counts.duplicates;
  }
  auto batch = columnar::RecordBatch::Make(schema, std::move(cols));
  if (!batch.ok()) return batch.status().WithContext("silver: " + contract.table);
  // Usually every row is new: then the batch is kept as it is.
  columnar::RecordBatch kept = counts.duplicates == 0 ? std::move(*batch)
                                                      : delta::TakeRows(*batch, delta::SelectRows(keep, true));
  counts.silver_rows = kept.num_rows();
  if (bank) {
    // Features from the accounts' past, then the pipeline's fraud model (if the lake has one).
    std::shared_ptr<const ml::FraudModel> model;
    auto loaded = o.fraud_models ? o.fraud_models->Get(*fs, o.lake, std::string(ml::kPipelineModel))
                                 : ml::LoadFraudModel(*fs, o.lake, std::string(ml::kPipelineModel));
    if (loaded.ok()) {
      model = *loaded;
      counts.model_version = model->version;
    } else if (!loaded.status().IsNotFound()) {
      return loaded.status();
    }
    FL_ASSIGN_OR_RETURN(kept, AddBankFeatures(std::move(kept), *silver, model.get()));
    const columnar::Column* alert = kept.ColumnByName("fraud_alert");
    for (int64_t i = 0; alert != nullptr && i < kept.num_rows(); ++i) {
      counts.fraud_alerts += !alert->IsNull(i) && alert->ValueAt<uint8_t>(i) != 0 ? 1 : 0;
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
    FL_ASSIGN_OR_RETURN(TxnCommitResult r, silver->Commit(kept, {{app, v_silver, v_latest}}, app));
    if (!r.stale_app_ids.empty()) {
      return Status::Aborted("silver: another pipeline process is writing " + contract.table);
    }
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
  for (const SilverContract& c : SilverContracts()) {
    if (!options.topics.empty() &&
        std::find(options.topics.begin(), options.topics.end(), c.topic) == options.topics.end()) {
      continue;
    }
    FL_ASSIGN_OR_RETURN(out[c.table], RunTopic(options, fs, c));
  }
  return out;
}

}  // namespace financelake::pipeline
