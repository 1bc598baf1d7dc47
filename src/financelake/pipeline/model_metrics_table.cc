#include "financelake/pipeline/model_metrics_table.h"

#include <cmath>

#include "financelake/base/utf8.h"
#include "financelake/io/path.h"
#include "financelake/pipeline/exactly_once_table.h"

namespace financelake::pipeline {

const columnar::Schema& ModelMetricsSchema() {
  using columnar::DataType;
  static const columnar::Schema schema({
      {"created_at", DataType::Timestamp(), false},
      {"model", DataType::String(), false},
      {"model_version", DataType::String(), false},
      {"subject", DataType::String(), true},
      {"split", DataType::String(), false},
      {"metric", DataType::String(), false},
      {"value", DataType::Double(), true},
      {"baseline", DataType::String(), true},
      {"baseline_value", DataType::Double(), true},
  });
  return schema;
}

std::string ModelMetricsPath(std::string_view lake) {
  return io::JoinPath(io::JoinPath(lake, "gold"), "model_metrics");
}

Result<int64_t> AppendModelMetrics(std::shared_ptr<io::FileSystem> fs, std::string_view lake,
                                   const std::vector<ModelMetricRow>& rows) {
  const columnar::Schema& schema = ModelMetricsSchema();
  FL_ASSIGN_OR_RETURN(auto table,
                      ExactlyOnceTable::OpenOrCreate(
                          std::move(fs), ModelMetricsPath(lake),
                          {schema, {}, "FinanceLake Gold: model metrics next to their baselines"}));
  std::vector<columnar::Column> cols;
  for (const columnar::Field& f : schema.fields()) cols.emplace_back(f.type);
  std::string scratch;
  auto text = [&scratch](columnar::Column& c, const std::string& s) {
    if (s.empty()) {
      c.AppendNull();
    } else {  // e.g. a training file's name in Latin-1: Parquet strings must be UTF-8
      c.AppendString(Utf8OrReplaced(s, &scratch));
    }
  };
  auto num = [](columnar::Column& c, double v) {
    if (std::isnan(v)) {
      c.AppendNull();
    } else {
      c.Append<double>(v);
    }
  };
  for (const ModelMetricRow& r : rows) {
    cols[0].Append<int64_t>(r.created_at_us);
    cols[1].AppendString(r.model);
    cols[2].AppendString(r.model_version);
    text(cols[3], r.subject);
    cols[4].AppendString(r.split);
    cols[5].AppendString(r.metric);
    num(cols[6], r.value);
    text(cols[7], r.baseline);
    num(cols[8], r.baseline_value);
  }
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch batch,
                      columnar::RecordBatch::Make(schema, std::move(cols)));
  FL_ASSIGN_OR_RETURN(TxnCommitResult r, table->Commit(batch, {}, "model_metrics"));
  return r.version;
}

}  // namespace financelake::pipeline
