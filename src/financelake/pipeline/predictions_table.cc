#include "financelake/pipeline/predictions_table.h"

#include <cmath>
#include <set>
#include <tuple>

#include "financelake/io/path.h"
#include "financelake/pipeline/exactly_once_table.h"

namespace financelake::pipeline {

const columnar::Schema& PredictionsSchema() {
  using columnar::DataType;
  static const columnar::Schema schema({
      {"ticker", DataType::String(), false},
      {"as_of_date", DataType::Date(), false},
      {"target_date", DataType::Date(), false},
      {"predicted_close", DataType::Double(), false},
      {"baseline_close", DataType::Double(), false},
      {"model_version", DataType::String(), false},
      {"created_at", DataType::Timestamp(), false},
      {"served", DataType::String(), false},
      {"lstm_close", DataType::Double(), true},
  });
  return schema;
}

std::string PredictionsPath(std::string_view lake) {
  return io::JoinPath(io::JoinPath(lake, "gold"), "predictions");
}

Result<AppendPredictionsResult> AppendPredictions(std::shared_ptr<io::FileSystem> fs, std::string_view lake,
                                                  const std::vector<ml::Forecast>& forecasts, int64_t created_at_us) {
  const columnar::Schema& schema = PredictionsSchema();
  FL_ASSIGN_OR_RETURN(auto table, ExactlyOnceTable::OpenOrCreate(
                                      fs, PredictionsPath(lake),
                                      {schema, {}, "FinanceLake Gold: served next-day forecasts"}));
  // What is already there (a small table: one row per ticker and day).
  using Key = std::tuple<std::string, int32_t, std::string>;
  std::set<Key> present;
  {
    delta::Table& delta_table = table->table();
    FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, delta_table.Latest());
    delta::ScanOptions scan;
    scan.columns = {"ticker", "as_of_date", "model_version"};
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, delta_table.Scan(*snap, scan));
    for (int64_t i = 0; i < rows.num_rows(); ++i) {
      present.emplace(std::string(rows.column(0).StringAt(i)), rows.column(1).ValueAt<int32_t>(i),
                      std::string(rows.column(2).StringAt(i)));
    }
  }
  AppendPredictionsResult r;
  std::vector<columnar::Column> cols;
  for (const columnar::Field& f : schema.fields()) cols.emplace_back(f.type);
  for (const ml::Forecast& f : forecasts) {
    if (!present.emplace(f.ticker, f.as_of_day, f.model_version).second) {
      ++r.already_present;
      continue;
    }
    cols[0].AppendString(f.ticker);
    cols[1].Append<int32_t>(f.as_of_day);
    cols[2].Append<int32_t>(f.target_day);
    cols[3].Append<double>(f.predicted_close);
    cols[4].Append<double>(f.baseline_close);
    cols[5].AppendString(f.model_version);
    cols[6].Append<int64_t>(created_at_us);
    cols[7].AppendString(f.served);
    if (std::isfinite(f.lstm_close)) {
      cols[8].Append<double>(f.lstm_close);
    } else {
      cols[8].AppendNull();
    }
    ++r.appended;
  }
  if (r.appended == 0) return r;
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch batch, columnar::RecordBatch::Make(schema, std::move(cols)));
  FL_ASSIGN_OR_RETURN(TxnCommitResult c, table->Commit(batch, {}, "predictions"));
  r.version = c.version;
  return r;
}

}  // namespace financelake::pipeline
