#include "financelake/pipeline/fraud_alerts_stage.h"

#include <unordered_set>

#include "financelake/delta/data_writer.h"
#include "financelake/delta/table.h"
#include "financelake/io/path.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/parquet/reader.h"
#include "financelake/pipeline/exactly_once_table.h"
#include "financelake/pipeline/silver_stage.h"
#include "financelake/pipeline/table_changes.h"

namespace financelake::pipeline {

using columnar::DataType;
using columnar::Field;

const columnar::Schema& FraudAlertsSchema() {
  static const columnar::Schema kSchema({
      Field{"transaction_id", DataType::String(), false},
      Field{"account_id", DataType::String(), true},
      Field{"event_time", DataType::Timestamp(), false},
      Field{"amount", DataType::Double(), false},
      Field{"fraud_score", DataType::Double(), false},
      Field{"model_version", DataType::String(), false},
      Field{"merchant", DataType::String(), true},
      Field{"country", DataType::String(), true},
      Field{"channel", DataType::String(), true},
      // Silver's row key with event_time: transaction_ids repeat across streams (two card CSVs
      // of one name, a simulator seed run twice). Null in rows of tables from before it.
      Field{"event_id", DataType::String(), true},
  });
  return kSchema;
}

std::string FraudAlertsPath(std::string_view lake) {
  return io::JoinPath(io::JoinPath(lake, "gold"), "fraud_alerts");
}

namespace {

// The alerts already taken, by Silver's identity of their rows (only needed when the Silver log
// was cleaned up and the new files may repeat rows). Rows written before the event_id column
// are known by transaction_id and event_time instead.
class AlertedRows {
 public:
  static Result<AlertedRows> Load(ExactlyOnceTable& alerts) {
    FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, alerts.table().Latest());
    FL_ASSIGN_OR_RETURN(
        columnar::RecordBatch rows,
        alerts.table().Scan(*snap,
                            {{"event_id", "transaction_id", "event_time"}, std::nullopt, -1}));
    AlertedRows out;
    for (int64_t i = 0; i < rows.num_rows(); ++i) {
      const int64_t time = rows.column(2).ValueAt<int64_t>(i);
      if (rows.column(0).IsNull(i)) {
        out.legacy_.insert(Key(rows.column(1).StringAt(i), time));
      } else {
        out.ids_.insert(Key(rows.column(0).StringAt(i), time));
      }
    }
    return out;
  }

  // False when the row was alerted before; otherwise remembers it.
  bool Take(std::string_view event_id, std::string_view transaction_id, int64_t time) {
    if (!legacy_.empty() && legacy_.count(Key(transaction_id, time)) != 0) return false;
    return ids_.insert(Key(event_id, time)).second;
  }

 private:
  static std::string Key(std::string_view id, int64_t time) {  // fixed-width time first
    std::string key(reinterpret_cast<const char*>(&time), sizeof time);
    key.append(id);
    return key;
  }

  std::unordered_set<std::string> ids_, legacy_;
};

}  // namespace

Result<FraudAlertCounts> RunFraudAlertsOnce(const std::string& lake, std::shared_ptr<io::FileSystem> fs) {
  if (!fs) fs = io::PosixFileSystem();
  FraudAlertCounts counts;
  auto silver = delta::Table::Open(fs, SilverTablePath(lake, "bank_transactions"));
  FL_ASSIGN_OR_RETURN(bool silver_exists, silver->Exists());
  if (!silver_exists) return counts;
  FL_ASSIGN_OR_RETURN(auto alerts, ExactlyOnceTable::OpenOrCreate(
                                       fs, FraudAlertsPath(lake),
                                       {FraudAlertsSchema(), {}, "FinanceLake Gold: bank transactions the fraud model flagged"}));
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr latest, silver->Latest());
  const int64_t v_latest = latest->version().value();
  const std::string app = "financelake-gold:fraud_alerts";
  FL_ASSIGN_OR_RETURN(const int64_t v_done, alerts->TxnVersion(app));
  counts.silver_version = v_done;
  if (v_done >= v_latest) return counts;
  FL_ASSIGN_OR_RETURN(const TableChanges changes, DataFilesAdded(*silver, v_done, v_latest));
  AlertedRows seen;
  if (!changes.from_log) {
    FL_ASSIGN_OR_RETURN(seen, AlertedRows::Load(*alerts));
  }
  const columnar::Schema& schema = FraudAlertsSchema();
  std::vector<columnar::Column> out;
  for (const Field& f : schema.fields()) out.emplace_back(f.type);
  for (const AddedFile& file : changes.files) {
    FL_ASSIGN_OR_RETURN(std::string rel, delta::DecodeLogPath(file.path));
    FL_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::Open(*fs, io::JoinPath(silver->path(), rel)));
    const columnar::Schema& file_schema = reader->schema();
    std::vector<size_t> cols;
    for (const char* name :
         {"transaction_id", "account_id", "event_time", "amount", "fraud_score", "model_version",
          "merchant", "country", "channel", "event_id", "fraud_alert"}) {
      auto i = file_schema.FieldIndex(name);
      if (!i) return Status::DataLoss(silver->path() + "/" + rel + ": no column " + name);
      cols.push_back(*i);
    }
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, reader->ReadAll(cols));
    counts.silver_rows += rows.num_rows();
    const columnar::Column& alert = rows.column(10);
    for (int64_t r = 0; r < rows.num_rows(); ++r) {
      if (alert.IsNull(r) || alert.ValueAt<uint8_t>(r) == 0) continue;
      if (!changes.from_log && !seen.Take(rows.column(9).StringAt(r), rows.column(0).StringAt(r),
                                          rows.column(2).ValueAt<int64_t>(r))) {
        continue;
      }
      for (size_t c = 0; c < out.size(); ++c) out[c].AppendValue(rows.column(c).GetValue(r));
      ++counts.alerts;
    }
  }
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch batch, columnar::RecordBatch::Make(schema, std::move(out)));
  FL_ASSIGN_OR_RETURN(TxnCommitResult r, alerts->Commit(batch, {{app, v_done, v_latest}}, app));
  if (!r.stale_app_ids.empty()) {
    return Status::Aborted("gold fraud_alerts: another pipeline process is writing " + alerts->path());
  }
  counts.silver_version = v_latest;
  return counts;
}

}  // namespace financelake::pipeline
