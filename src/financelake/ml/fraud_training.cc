#include "financelake/ml/fraud_training.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "financelake/columnar/text_values.h"

namespace financelake::ml {
namespace {

using columnar::TypeKind;

Result<std::vector<float>> Labels(const columnar::RecordBatch& data, const std::string& name) {
  const columnar::Column* col = data.ColumnByName(name);
  if (col == nullptr) return Status::InvalidArgument(fmt::format("label column '{}' not found", name));
  if (data.num_rows() == 0) return Status::InvalidArgument("no rows to train on");
  if (!IsNumericType(col->type())) {
    return Status::InvalidArgument(fmt::format("label column '{}' is {}, not 0/1", name, col->type().ToString()));
  }
  std::vector<float> y(static_cast<size_t>(data.num_rows()));
  for (int64_t i = 0; i < data.num_rows(); ++i) {
    const double v = NumericAt(*col, i);
    if (v != 0.0 && v != 1.0) {
      return Status::InvalidArgument(fmt::format("label column '{}', row {}: {} is not 0 or 1", name, i + 1,
                                                 std::isnan(v) ? std::string("null") : fmt::format("{}", v)));
    }
    y[static_cast<size_t>(i)] = static_cast<float>(v);
  }
  return y;
}

// Row order by time (stable, so ties keep file order); `key` gets each row's time (empty
// without a time column).
Result<std::vector<int64_t>> TimeOrder(const columnar::RecordBatch& data, const std::string& name,
                                       std::vector<double>* time_key) {
  std::vector<int64_t> order(static_cast<size_t>(data.num_rows()));
  std::iota(order.begin(), order.end(), 0);
  if (name.empty()) return order;
  const columnar::Column* col = data.ColumnByName(name);
  if (col == nullptr) return Status::InvalidArgument(fmt::format("time column '{}' not found", name));
  std::vector<double> key(order.size());
  const TypeKind k = col->type().kind();
  for (int64_t i = 0; i < data.num_rows(); ++i) {
    if (col->IsNull(i)) {
      return Status::InvalidArgument(fmt::format("time column '{}', row {}: null", name, i + 1));
    }
    if (k == TypeKind::kTimestamp) {
      key[static_cast<size_t>(i)] = static_cast<double>(col->ValueAt<int64_t>(i));
    } else if (k == TypeKind::kDate) {
      key[static_cast<size_t>(i)] = col->ValueAt<int32_t>(i);
    } else if (IsNumericType(col->type())) {
      key[static_cast<size_t>(i)] = NumericAt(*col, i);
    } else {
      return Status::InvalidArgument(fmt::format("time column '{}' is {}, not a time or number", name,
                                                 col->type().ToString()));
    }
  }
  for (size_t i = 0; i < key.size(); ++i) {  // a NaN would break the sort, and so the time split
    if (std::isnan(key[i])) {
      return Status::InvalidArgument(fmt::format("time column '{}', row {}: NaN", name, i + 1));
    }
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return key[static_cast<size_t>(a)] < key[static_cast<size_t>(b)]; });
  *time_key = std::move(key);
  return order;
}

std::vector<float> Take(const std::vector<float>& y, const std::vector<int64_t>& rows) {
  std::vector<float> out;
  out.reserve(rows.size());
  for (int64_t r : rows) out.push_back(y[static_cast<size_t>(r)]);
  return out;
}

SliceInfo Describe(const columnar::RecordBatch& data, const std::string& time_column,
                   const std::vector<int64_t>& rows, const std::vector<float>& y) {
  SliceInfo s;
  s.rows = static_cast<int64_t>(rows.size());
  for (float v : y) s.positives += v > 0.5f ? 1 : 0;
  const columnar::Column* t = time_column.empty() ? nullptr : data.ColumnByName(time_column);
  if (t != nullptr && !rows.empty()) {
    s.first_time = columnar::FormatValue(t->GetValue(rows.front()), t->type());
    s.last_time = columnar::FormatValue(t->GetValue(rows.back()), t->type());
  }
  return s;
}

ModelEvaluation Evaluate(const std::vector<double>& scores, const std::vector<float>& y, double threshold) {
  return {AveragePrecision(scores, y), RocAuc(scores, y), AtThreshold(scores, y, threshold)};
}

Json Num(double v) { return std::isnan(v) ? Json::Null() : Json::Double(v); }

Json SliceJson(const SliceInfo& s) {
  Json o = Json::Object();
  o.Set("rows", Json::Int(s.rows));
  o.Set("positives", Json::Int(s.positives));
  if (!s.first_time.empty()) o.Set("first_time", Json::String(s.first_time));
  if (!s.last_time.empty()) o.Set("last_time", Json::String(s.last_time));
  return o;
}

Json EvalJson(const ModelEvaluation& e) {
  Json o = Json::Object();
  o.Set("auprc", Num(e.auprc));
  o.Set("roc_auc", Num(e.roc_auc));
  o.Set("threshold", Num(e.at_threshold.threshold));
  o.Set("precision", Num(e.at_threshold.precision));
  o.Set("recall", Num(e.at_threshold.recall));
  o.Set("alert_rate", Num(e.at_threshold.alert_rate));
  o.Set("true_positives", Json::Int(e.at_threshold.true_positives));
  o.Set("false_positives", Json::Int(e.at_threshold.false_positives));
  o.Set("false_negatives", Json::Int(e.at_threshold.false_negatives));
  o.Set("true_negatives", Json::Int(e.at_threshold.true_negatives));
  return o;
}

}  // namespace

Json FraudTrainReport::ToJson() const {
  Json o = Json::Object();
  Json split = Json::Object();
  split.Set("train", SliceJson(train));
  split.Set("validation", SliceJson(validation));
  split.Set("test", SliceJson(test));
  o.Set("split", std::move(split));
  Json test_metrics = Json::Object();
  test_metrics.Set("xgboost", EvalJson(xgboost_test));
  test_metrics.Set("logistic_regression", EvalJson(logistic_test));
  o.Set("test", std::move(test_metrics));
  Json valid = Json::Object();
  valid.Set("xgboost_auprc", Num(xgboost_validation_auprc));
  valid.Set("logistic_regression_auprc", Num(logistic_validation_auprc));
  o.Set("validation", std::move(valid));
  o.Set("rounds", Json::Int(rounds));
  Json f = Json::Array();
  for (const std::string& s : features) f.Push(Json::String(s));
  o.Set("features", std::move(f));
  Json n = Json::Array();
  for (const std::string& s : notes) n.Push(Json::String(s));
  o.Set("notes", std::move(n));
  return o;
}

Result<FraudModel> TrainFraudModel(const columnar::RecordBatch& data, const FraudTrainOptions& o,
                                   FraudTrainReport* report) {
  FraudTrainReport local;
  FraudTrainReport& r = report != nullptr ? *report : local;
  if (o.label.empty()) return Status::InvalidArgument("the label column is required (--label)");
  if (!(o.train_fraction > 0 && o.valid_fraction > 0 && o.train_fraction + o.valid_fraction < 1)) {
    return Status::InvalidArgument("train and validation fractions must be > 0 and leave rows to test");
  }
  FL_ASSIGN_OR_RETURN(std::vector<float> y, Labels(data, o.label));
  std::vector<double> time_key;
  FL_ASSIGN_OR_RETURN(std::vector<int64_t> order, TimeOrder(data, o.time_column, &time_key));
  if (o.time_column.empty()) r.notes.push_back("no time column: rows are taken to be in time order");
  const auto n = static_cast<int64_t>(order.size());
  // A cut between rows of the same time moves past them: no moment is both trained on and
  // tested.
  auto cut = [&](int64_t at) {
    if (time_key.empty()) return at;
    auto t = [&](int64_t k) {
      return time_key[static_cast<size_t>(order[static_cast<size_t>(k)])];
    };
    while (at > 0 && at < n && t(at) == t(at - 1)) ++at;
    return at;
  };
  const int64_t n_train =
      cut(static_cast<int64_t>(std::floor(static_cast<double>(n) * o.train_fraction)));
  const int64_t n_valid =
      cut(n_train + static_cast<int64_t>(std::floor(static_cast<double>(n) * o.valid_fraction))) -
      n_train;
  if (n_train < 10 || n_valid < 5 || n - n_train - n_valid < 5) {
    // Enough rows, but cuts moved past rows of one time: the times, not the count, are short.
    const int64_t plain_train =
        static_cast<int64_t>(std::floor(static_cast<double>(n) * o.train_fraction));
    const int64_t plain_valid =
        static_cast<int64_t>(std::floor(static_cast<double>(n) * o.valid_fraction));
    if (plain_train >= 10 && plain_valid >= 5 && n - plain_train - plain_valid >= 5) {
      return Status::InvalidArgument(
          fmt::format("{} rows, but too few distinct values of the time column '{}' to split them "
                      "into training, "
                      "validation and test slices without a moment in two of them",
                      n, o.time_column));
    }
    return Status::InvalidArgument(fmt::format("{} rows are too few to train, validate and test", n));
  }
  const std::vector<int64_t> train(order.begin(), order.begin() + n_train);
  const std::vector<int64_t> valid(order.begin() + n_train, order.begin() + n_train + n_valid);
  const std::vector<int64_t> test(order.begin() + n_train + n_valid, order.end());
  const std::vector<float> y_train = Take(y, train), y_valid = Take(y, valid), y_test = Take(y, test);
  r.train = Describe(data, o.time_column, train, y_train);
  r.validation = Describe(data, o.time_column, valid, y_valid);
  r.test = Describe(data, o.time_column, test, y_test);
  if (r.train.positives == 0 || r.train.positives == r.train.rows) {
    return Status::InvalidArgument(fmt::format(
        "the training slice ({} rows) has {} positive labels: both classes are needed", r.train.rows,
        r.train.positives));
  }
  if (r.validation.positives == 0 || r.validation.positives == r.validation.rows) {
    return Status::InvalidArgument(fmt::format(
        "the validation slice ({} rows) has {} positive labels: both classes are needed to choose "
        "the threshold; more labelled rows are needed",
        r.validation.rows, r.validation.positives));
  }
  if (r.test.positives == 0) {
    r.notes.push_back("the test slice has no positive label: AUPRC and recall are undefined");
  } else if (r.test.positives < 20 || r.validation.positives < 20) {
    r.notes.push_back(fmt::format(
        "only {} positive labels in the test slice and {} in validation: the metrics and the threshold "
        "rest on too few frauds to be trusted",
        r.test.positives, r.validation.positives));
  }

  std::vector<std::string> exclude = o.exclude;
  exclude.push_back(o.label);
  if (!o.time_column.empty()) exclude.push_back(o.time_column);
  FraudModel model;
  model.label = o.label;
  model.time_column = o.time_column;
  FL_ASSIGN_OR_RETURN(model.encoder, FeatureEncoder::Fit(data, train, exclude, &r.notes));
  const int64_t nf = model.encoder.num_features();
  FL_ASSIGN_OR_RETURN(std::vector<float> x_train, model.encoder.Encode(data, &train));
  FL_ASSIGN_OR_RETURN(std::vector<float> x_valid, model.encoder.Encode(data, &valid));
  FL_ASSIGN_OR_RETURN(std::vector<float> x_test, model.encoder.Encode(data, &test));

  BoosterParams bp = o.booster;
  bp.seed = o.seed;
  bp.threads = o.threads;
  bp.scale_pos_weight = static_cast<double>(r.train.rows - r.train.positives) /
                        static_cast<double>(r.train.positives);
  FL_ASSIGN_OR_RETURN(model.booster,
                      Booster::Train({x_train.data(), n_train, nf}, y_train,
                                     {x_valid.data(), n_valid, nf}, y_valid, bp));
  FL_ASSIGN_OR_RETURN(model.baseline, LogisticModel::Train(x_train, n_train, nf, y_train));

  FL_ASSIGN_OR_RETURN(std::vector<double> xgb_valid, model.booster.Predict({x_valid.data(), n_valid, nf}));
  const std::vector<double> lr_valid = model.baseline.Predict(x_valid, n_valid);
  model.threshold = BestF1Threshold(xgb_valid, y_valid);
  const double lr_threshold = BestF1Threshold(lr_valid, y_valid);
  r.xgboost_validation_auprc = AveragePrecision(xgb_valid, y_valid);
  r.logistic_validation_auprc = AveragePrecision(lr_valid, y_valid);

  const auto n_test = static_cast<int64_t>(test.size());
  FL_ASSIGN_OR_RETURN(std::vector<double> xgb_test, model.booster.Predict({x_test.data(), n_test, nf}));
  r.xgboost_test = Evaluate(xgb_test, y_test, model.threshold);
  r.logistic_test = Evaluate(model.baseline.Predict(x_test, n_test), y_test, lr_threshold);
  r.rounds = model.booster.rounds();
  r.features = model.encoder.FeatureNames();
  model.report = r.ToJson();
  return model;
}

}  // namespace financelake::ml
