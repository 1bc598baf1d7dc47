#include "financelake/ml/xgboost_booster.h"

#include <fmt/format.h>
#include <xgboost/c_api.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

namespace financelake::ml {
namespace {

// XGBoost's message without its stack trace: the first line.
std::string LastError() {
  std::string e = XGBGetLastError();
  if (const size_t nl = e.find('\n'); nl != std::string::npos) e.resize(nl);
  return e;
}

Status XgbError(std::string_view what) {
  return Status::Internal(fmt::format("xgboost: {}: {}", what, LastError()));
}

#define FL_XGB(call, what)                     \
  do {                                         \
    if ((call) != 0) return XgbError(what);    \
  } while (0)

// Owns a DMatrix handle.
struct Matrix {
  DMatrixHandle h = nullptr;
  ~Matrix() {
    if (h != nullptr) XGDMatrixFree(h);
  }
};

Status MakeMatrix(const DenseMatrix& m, const std::vector<float>& labels, Matrix* out) {
  FL_XGB(XGDMatrixCreateFromMat(m.values, static_cast<bst_ulong>(m.rows),
                                static_cast<bst_ulong>(m.cols), std::numeric_limits<float>::quiet_NaN(),
                                &out->h),
         "create matrix");
  FL_XGB(XGDMatrixSetFloatInfo(out->h, "label", labels.data(), static_cast<bst_ulong>(labels.size())),
         "set labels");
  return Status::OK();
}

// "[12]\tvalid-aucpr:0.8512" -> 0.8512
double ParseEval(const char* text) {
  const char* colon = std::strrchr(text, ':');
  return colon == nullptr ? 0.0 : std::strtod(colon + 1, nullptr);
}

}  // namespace

Booster::Booster() = default;
Booster::~Booster() {
  if (handle_ != nullptr) XGBoosterFree(handle_);
}
Booster::Booster(Booster&& o) noexcept { *this = std::move(o); }
Booster& Booster::operator=(Booster&& o) noexcept {
  if (this != &o) {
    if (handle_ != nullptr) XGBoosterFree(handle_);
    handle_ = std::exchange(o.handle_, nullptr);
    rounds_ = o.rounds_;
    num_features_ = o.num_features_;
    best_auprc_ = o.best_auprc_;
  }
  return *this;
}

Result<Booster> Booster::Train(const DenseMatrix& train, const std::vector<float>& train_labels,
                               const DenseMatrix& valid, const std::vector<float>& valid_labels,
                               const BoosterParams& p) {
  Matrix dtrain, dvalid;
  FL_RETURN_NOT_OK(MakeMatrix(train, train_labels, &dtrain));
  FL_RETURN_NOT_OK(MakeMatrix(valid, valid_labels, &dvalid));
  BoosterHandle full = nullptr;
  DMatrixHandle cache[] = {dtrain.h, dvalid.h};
  FL_XGB(XGBoosterCreate(cache, 2, &full), "create booster");
  Booster holder;  // frees `full` on every return
  holder.handle_ = full;
  const std::pair<const char*, std::string> params[] = {
      {"objective", "binary:logistic"},
      {"eval_metric", "aucpr"},
      {"tree_method", "hist"},
      {"max_depth", std::to_string(p.max_depth)},
      {"eta", fmt::format("{}", p.eta)},
      {"subsample", fmt::format("{}", p.subsample)},
      {"colsample_bytree", fmt::format("{}", p.colsample_bytree)},
      {"min_child_weight", fmt::format("{}", p.min_child_weight)},
      {"scale_pos_weight", fmt::format("{}", p.scale_pos_weight)},
      {"seed", std::to_string(p.seed)},
      {"nthread", std::to_string(p.threads)},
      {"verbosity", "0"},
  };
  for (const auto& [k, v] : params) FL_XGB(XGBoosterSetParam(full, k, v.c_str()), k);
  const char* names[] = {"valid"};
  DMatrixHandle evals[] = {dvalid.h};
  int best_round = -1;
  double best = -1;
  for (int round = 0; round < p.max_rounds; ++round) {
    FL_XGB(XGBoosterUpdateOneIter(full, round, dtrain.h), "train round");
    const char* text = nullptr;
    FL_XGB(XGBoosterEvalOneIter(full, round, evals, names, 1, &text), "evaluate");
    const double auprc = ParseEval(text);
    if (auprc > best) {
      best = auprc;
      best_round = round;
    } else if (round - best_round >= p.early_stopping_rounds) {
      break;
    }
  }
  Booster out;
  FL_XGB(XGBoosterSlice(full, 0, best_round + 1, 1, &out.handle_), "keep best rounds");
  out.rounds_ = best_round + 1;
  out.num_features_ = train.cols;
  out.best_auprc_ = best;
  return out;
}

Result<std::vector<double>> Booster::Predict(const DenseMatrix& x) const {
  if (x.cols != num_features_) {
    return Status::InvalidArgument(fmt::format("model takes {} features, got {}", num_features_, x.cols));
  }
  std::vector<double> out(static_cast<size_t>(x.rows));
  if (x.rows == 0) return out;
  const std::string array = fmt::format(
      R"({{"data": [{}, true], "shape": [{}, {}], "typestr": "<f4", "version": 3}})",
      reinterpret_cast<uintptr_t>(x.values), x.rows, x.cols);
  const char* config =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, "cache_id": 0, "missing": NaN})";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  FL_XGB(XGBoosterPredictFromDense(handle_, array.c_str(), config, nullptr, &shape, &dim, &result),
         "predict");
  for (size_t i = 0; i < out.size(); ++i) out[i] = result[i];
  return out;
}

Result<std::string> Booster::SaveJson() const {
  bst_ulong len = 0;
  const char* data = nullptr;
  FL_XGB(XGBoosterSaveModelToBuffer(handle_, R"({"format": "json"})", &len, &data), "save model");
  return std::string(data, len);
}

Result<Booster> Booster::LoadJson(const std::string& json, int threads) {
  Booster b;
  FL_XGB(XGBoosterCreate(nullptr, 0, &b.handle_), "create booster");
  if (XGBoosterLoadModelFromBuffer(b.handle_, json.data(), json.size()) != 0) {
    return Status::InvalidArgument(fmt::format("xgboost model: {}", LastError()));
  }
  FL_RETURN_NOT_OK(b.SetThreads(threads));
  FL_XGB(XGBoosterBoostedRounds(b.handle_, &b.rounds_), "rounds");
  bst_ulong nf = 0;
  FL_XGB(XGBoosterGetNumFeature(b.handle_, &nf), "feature count");
  b.num_features_ = static_cast<int64_t>(nf);
  return b;
}

Status Booster::SetThreads(int threads) {
  FL_XGB(XGBoosterSetParam(handle_, "nthread", std::to_string(threads).c_str()), "nthread");
  return Status::OK();
}

}  // namespace financelake::ml
