#include "financelake/pipeline/predictions_table.h"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "financelake/delta/operations.h"
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

namespace {

using Key = std::tuple<std::string, int32_t, std::string>;

// A stored forecast, as much of it as a recomputation may change.
struct Stored {
  int32_t target_day = 0;
  double predicted_close = 0, baseline_close = 0, lstm_close = 0;  // lstm_close NaN: null
  std::string served;
};

bool SameForecast(const Stored& s, const ml::Forecast& f) {
  const bool lstm_same =
      std::isfinite(f.lstm_close) ? s.lstm_close == f.lstm_close : std::isnan(s.lstm_close);
  return s.target_day == f.target_day && s.predicted_close == f.predicted_close &&
         s.baseline_close == f.baseline_close && s.served == f.served && lstm_same;
}

Result<std::map<Key, Stored>> ReadStored(delta::Table& table) {
  FL_ASSIGN_OR_RETURN(delta::SnapshotPtr snap, table.Latest());
  delta::ScanOptions scan;
  scan.columns = {"ticker",          "as_of_date",     "model_version", "target_date",
                  "predicted_close", "baseline_close", "served",        "lstm_close"};
  FL_ASSIGN_OR_RETURN(columnar::RecordBatch rows, table.Scan(*snap, scan));
  std::map<Key, Stored> out;
  for (int64_t i = 0; i < rows.num_rows(); ++i) {
    Stored s;
    s.target_day = rows.column(3).ValueAt<int32_t>(i);
    s.predicted_close = rows.column(4).ValueAt<double>(i);
    s.baseline_close = rows.column(5).ValueAt<double>(i);
    s.served = std::string(rows.column(6).StringAt(i));
    s.lstm_close = rows.column(7).IsNull(i) ? std::nan("") : rows.column(7).ValueAt<double>(i);
    out[{std::string(rows.column(0).StringAt(i)), rows.column(1).ValueAt<int32_t>(i),
         std::string(rows.column(2).StringAt(i))}] = std::move(s);
  }
  return out;
}

// Conflicting writers (another predict committing at the same time) retry this many times.
constexpr int kMaxAttempts = 10;

}  // namespace

Result<AppendPredictionsResult> AppendPredictions(std::shared_ptr<io::FileSystem> fs, std::string_view lake,
                                                  const std::vector<ml::Forecast>& forecasts, int64_t created_at_us) {
  const columnar::Schema& schema = PredictionsSchema();
  FL_ASSIGN_OR_RETURN(auto table, ExactlyOnceTable::OpenOrCreate(
                                      fs, PredictionsPath(lake),
                                      {schema, {}, "FinanceLake Gold: served next-day forecasts"}));
  for (int attempt = 1;; ++attempt) {
    // What is already there (a small table: one row per ticker and day).
    FL_ASSIGN_OR_RETURN(auto stored, ReadStored(table->table()));
    AppendPredictionsResult r;
    std::set<Key> batch_keys;
    std::vector<columnar::Column> cols;
    for (const columnar::Field& f : schema.fields()) cols.emplace_back(f.type);
    for (const ml::Forecast& f : forecasts) {
      Key key{f.ticker, f.as_of_day, f.model_version};
      auto it = stored.find(key);
      if ((it != stored.end() && SameForecast(it->second, f)) || !batch_keys.insert(key).second) {
        ++r.already_present;
        continue;
      }
      ++(it == stored.end() ? r.appended : r.replaced);
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
    }
    if (r.appended + r.replaced == 0) return r;
    FL_ASSIGN_OR_RETURN(columnar::RecordBatch batch,
                        columnar::RecordBatch::Make(schema, std::move(cols)));
    // An upsert on the key: a changed forecast replaces the stored row in the same commit. The
    // merge reads the whole table, so a concurrent commit aborts it (Aborted) rather than letting
    // both add the row; it is then redone against the table as it is now.
    auto w = delta::Merge(table->table(), batch, {"ticker", "as_of_date", "model_version"});
    if (w.ok()) {
      r.version = w->version.value();
      return r;
    }
    if (w.status().code() != StatusCode::kAborted || attempt == kMaxAttempts) {
      return w.status().WithContext(fmt::format("{} (attempt {})", PredictionsPath(lake), attempt));
    }
  }
}

}  // namespace financelake::pipeline
