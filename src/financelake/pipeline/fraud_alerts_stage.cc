#include "financelake/pipeline/fraud_alerts_stage.h"

#include "financelake/delta/data_writer.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/table.h"
#include "financelake/io/path.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/parquet/reader.h"
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
  });
  return kSchema;
}

std::string FraudAlertsPath(std::string_view lake) {
  return io::JoinPath(io::JoinPath(lake, "gold"), "fraud_alerts");
}

Result<FraudAlertCounts> RunFraudAlertsOnce(const std::string& lake, std::shared_ptr<io::FileSystem> fs) {
  if (!fs) fs = io::PosixFileSystem();
  FraudAlertCounts counts;
  auto silver = delta::Table::Open(fs, SilverTablePath(lake, "bank_transactions"));
  FL_ASSIGN_OR_RETURN(bool silver_exists, silver->Exists());
  if (!silver_exists) return counts;
  auto gold = delta::Table::Open(fs, FraudAlertsPath(lake));
  FL_ASSIGN_OR_RETURN(bool exists, gold->Exists());
  if (!exists) {
    FL_RETURN_NOT_OK(fs->CreateDirs(gold->path()));
    delta::CreateOptions o;
    o.description = "FinanceLake Gold: bank transactions the fraud model flagged";
    auto created = delta::CreateTable(*gold, FraudAlertsSchema(), o);
    if (!created.ok() && !created.status().IsAlreadyExists()) return created.status();
  }
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr latest, silver->Latest());
  const int64_t v_latest = latest->version().value();
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr gold_snap, gold->Latest());
  const std::string app = "financelake-gold:fraud_alerts";
  const int64_t v_done = gold_snap->TxnVersion(app).value_or(-1);
  counts.silver_version = v_done;
  if (v_done >= v_latest) return counts;
  FL_ASSIGN_OR_RETURN(std::vector<std::string> files, DataFilesAdded(*silver, v_done, v_latest));
  const columnar::Schema& schema = FraudAlertsSchema();
  std::vector<columnar::Column> out;
  for (const Field& f : schema.fields()) out.emplace_back(f.type);
  for (const std::string& path : files) {
    FL_ASSIGN_OR_RETURN(std::string rel, delta::DecodeLogPath(path));
    FL_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::Open(*fs, io::JoinPath(silver->path(), rel)));
    const columnar::Schema& fs_schema = reader->schema();
    std::vector<size_t> cols;
    for (const char* name : {"transaction_id", "account_id", "event_time", "amount", "fraud_score",
                             "model_version", "merchant", "country", "channel", "fraud_alert"}) {
      auto i = fs_schema.FieldIndex(name);
      if (!i) return Status::DataLoss(silver->path() + "/" + rel + ": no column " + name);
      cols.push_back(*i);
    }
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, reader->ReadAll(cols));
    counts.silver_rows += rows.num_rows();
    const columnar::Column& alert = rows.column(9);
    for (int64_t r = 0; r < rows.num_rows(); ++r) {
      if (alert.IsNull(r) || alert.ValueAt<uint8_t>(r) == 0) continue;
      for (size_t c = 0; c < out.size(); ++c) out[c].AppendValue(rows.column(c).GetValue(r));
      ++counts.alerts;
    }
  }
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch batch, columnar::RecordBatch::Make(schema, std::move(out)));
  FL_RETURN_NOT_OK(delta::Append(*gold, batch, delta::TxnId{app, v_latest}).status());
  counts.silver_version = v_latest;
  return counts;
}

}  // namespace financelake::pipeline
