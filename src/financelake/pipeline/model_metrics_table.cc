#include "financelake/pipeline/model_metrics_table.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <set>
#include <tuple>

#include "financelake/base/utf8.h"
#include "financelake/io/path.h"
#include "financelake/ml/model_dir.h"
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

namespace {

// A row's identity in the table: model version, subject (as stored), split, metric, baseline.
using MetricKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;

std::string StoredText(const std::string& s) {
  std::string scratch;
  return std::string(Utf8OrReplaced(s, &scratch));
}

Result<std::set<MetricKey>> PresentKeys(delta::Table& table) {
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, table.Latest());
  delta::ScanOptions scan;
  scan.columns = {"model_version", "subject", "split", "metric", "baseline"};
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, table.Scan(*snap, scan));
  std::set<MetricKey> keys;
  auto str = [&rows](size_t c, int64_t i) {
    return rows.column(c).IsNull(i) ? std::string() : std::string(rows.column(c).StringAt(i));
  };
  for (int64_t i = 0; i < rows.num_rows(); ++i)
    keys.emplace(str(0, i), str(1, i), str(2, i), str(3, i), str(4, i));
  return keys;
}

// The txn appId of one (model version, subject): the subject (a file name) hashed, as appIds
// are kept short and plain.
std::string MetricsAppId(const std::string& model_version, const std::string& subject) {
  return fmt::format("financelake-model-metrics/{}/{:016x}", model_version, ml::Fnv1a(subject));
}

}  // namespace

Result<AppendMetricsResult> AppendModelMetrics(std::shared_ptr<io::FileSystem> fs,
                                               std::string_view lake,
                                               const std::vector<ModelMetricRow>& rows) {
  const columnar::Schema& schema = ModelMetricsSchema();
  FL_ASSIGN_OR_RETURN(auto table,
                      ExactlyOnceTable::OpenOrCreate(
                          std::move(fs), ModelMetricsPath(lake),
                          {schema, {}, "FinanceLake Gold: model metrics next to their baselines"}));
  auto num = [](columnar::Column& c, double v) {
    if (std::isnan(v)) {
      c.AppendNull();
    } else {
      c.Append<double>(v);
    }
  };
  auto text = [](columnar::Column& c, const std::string& stored) {
    if (stored.empty()) {
      c.AppendNull();
    } else {  // e.g. a training file's name in Latin-1: Parquet strings must be UTF-8
      c.AppendString(stored);
    }
  };
  // A concurrent writer of the same (model version, subject) makes the commit stale: read what
  // is there again and write the rest.
  // Each row's subject and baseline as stored, and the appId of its (model version, subject).
  struct Stored {
    std::string subject, baseline, app_id;
  };
  std::vector<Stored> stored;
  std::set<std::string> all_app_ids;
  for (const ModelMetricRow& r : rows) {
    const std::string subject = StoredText(r.subject);
    stored.push_back({subject, StoredText(r.baseline), MetricsAppId(r.model_version, subject)});
    all_app_ids.insert(stored.back().app_id);
  }
  const std::vector<std::string> app_id_list(all_app_ids.begin(), all_app_ids.end());
  constexpr int kAttempts = 5;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    // Positions first, rows second: a writer that commits between the two reads is seen in
    // the rows; one that commits after both makes this commit stale. (Read the other way round,
    // a commit between them went unseen in the rows yet set the position this one started from.)
    FL_ASSIGN_OR_RETURN(auto versions, table->TxnVersions(app_id_list));
    FL_ASSIGN_OR_RETURN(std::set<MetricKey> present, PresentKeys(table->table()));
    AppendMetricsResult result;
    std::vector<columnar::Column> cols;
    for (const columnar::Field& f : schema.fields()) cols.emplace_back(f.type);
    std::set<std::string> written;  // appIds of the (model version, subject) pairs written
    for (size_t i = 0; i < rows.size(); ++i) {
      const ModelMetricRow& r = rows[i];
      const auto& [subject, baseline, app_id] = stored[i];
      if (!present.emplace(r.model_version, subject, r.split, r.metric, baseline).second) {
        ++result.already_present;
        continue;
      }
      written.insert(app_id);
      cols[0].Append<int64_t>(r.created_at_us);
      cols[1].AppendString(r.model);
      cols[2].AppendString(r.model_version);
      text(cols[3], subject);
      cols[4].AppendString(r.split);
      cols[5].AppendString(r.metric);
      num(cols[6], r.value);
      text(cols[7], baseline);
      num(cols[8], r.baseline_value);
      ++result.appended;
    }
    if (result.appended == 0) return result;
    std::vector<TxnAdvance> txns;
    for (const std::string& id : written) {
      const int64_t from = versions.count(id) != 0 ? versions[id] : -1;
      txns.push_back({id, from, from + 1});
    }
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch batch,
                        columnar::RecordBatch::Make(schema, std::move(cols)));
    FL_ASSIGN_OR_RETURN(TxnCommitResult c, table->Commit(batch, txns, "model_metrics"));
    if (!c.stale_app_ids.empty()) continue;
    result.version = c.version;
    return result;
  }
  return Status::Aborted(
      fmt::format("{}: {} attempts lost to concurrent writers", ModelMetricsPath(lake), kAttempts));
}

void PrintMetricsAppend(const AppendMetricsResult& r, std::string_view lake) {
  const std::string path = ModelMetricsPath(lake);
  if (r.appended == 0) {
    std::printf("metrics already in %s (same model version): nothing appended\n", path.c_str());
    return;
  }
  std::printf(
      "%zu metric row%s appended to %s (v%lld)%s\n", r.appended, r.appended == 1 ? "" : "s",
      path.c_str(), static_cast<long long>(r.version),
      r.already_present > 0 ? fmt::format("; {} already there", r.already_present).c_str() : "");
}

}  // namespace financelake::pipeline
