#include "financelake/ml/fraud_model.h"

#include <fmt/format.h>

#include "financelake/io/atomic_file.h"
#include "financelake/io/path.h"
#include "financelake/ml/model_dir.h"

namespace financelake::ml {
namespace {

bool ValidVersion(std::string_view v) {
  if (v.size() != 18 || v.substr(0, 6) != "fraud-") return false;
  for (char c : v.substr(6)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Json Manifest(const FraudModel& m) {
  Json o = Json::Object();
  o.Set("format", Json::String("financelake-fraud-model"));
  o.Set("format_version", Json::Int(kFraudModelFormatVersion));
  o.Set("version", Json::String(m.version));
  o.Set("label", Json::String(m.label));
  o.Set("time_column", Json::String(m.time_column));
  o.Set("inputs", m.encoder.ToJson());
  Json names = Json::Array();
  for (const std::string& n : m.encoder.FeatureNames()) names.Push(Json::String(n));
  o.Set("features", std::move(names));
  o.Set("threshold", Json::Double(m.threshold));
  o.Set("rounds", Json::Int(m.booster.rounds()));
  o.Set("created_at_us", Json::Int(m.created_at_us));
  o.Set("baseline_logistic", m.baseline.ToJson());
  o.Set("report", m.report);
  o.Set("booster_file", Json::String("booster.json"));
  return o;
}

}  // namespace

Result<std::vector<double>> FraudModel::Score(const columnar::RecordBatch& batch) const {
  // Block by block: the block's matrix stays in cache between encoding and the trees.
  constexpr int64_t kBlock = 2048;
  const int64_t n = batch.num_rows(), nf = encoder.num_features();
  std::vector<double> out;
  out.reserve(static_cast<size_t>(n));
  std::vector<float> x(static_cast<size_t>(std::min(n, kBlock) * nf));
  if (n == 0) {  // still checks that the batch has the model's columns
    FL_RETURN_NOT_OK(encoder.EncodeRange(batch, 0, 0, x.data()));
  }
  for (int64_t begin = 0; begin < n; begin += kBlock) {
    const int64_t count = std::min(kBlock, n - begin);
    FL_RETURN_NOT_OK(encoder.EncodeRange(batch, begin, count, x.data()));
    FL_ASSIGN_OR_RETURN(std::vector<double> s, booster.Predict({x.data(), count, nf}));
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

Result<std::vector<double>> FraudModel::ScoreBaseline(const columnar::RecordBatch& batch) const {
  FL_ASSIGN_OR_RETURN(std::vector<float> x, encoder.Encode(batch));
  return baseline.Predict(x, batch.num_rows());
}

std::string FraudModelsDir(std::string_view lake) {
  return io::JoinPath(io::JoinPath(lake, "models"), "fraud");
}

Status SaveFraudModel(io::FileSystem& fs, std::string_view lake, FraudModel* m, bool for_pipeline) {
  FL_ASSIGN_OR_RETURN(std::string booster, m->booster.SaveJson());
  m->version.clear();
  const int64_t created = m->created_at_us;
  m->created_at_us = 0;  // the version names the content, not the moment
  const uint64_t h = Fnv1a(Manifest(*m).Dump(), Fnv1a(booster));
  m->created_at_us = created;
  m->version = fmt::format("fraud-{:012x}", h & 0xffffffffffffULL);
  const std::string root = FraudModelsDir(lake);
  FL_RETURN_NOT_OK(PublishModelDir(fs, root, m->version,
                                   {{"booster.json", booster}, {"manifest.json", Manifest(*m).Dump()}}));
  if (for_pipeline) FL_RETURN_NOT_OK(WriteModelPointer(fs, root, kPipelineModel, m->version));
  return WriteModelPointer(fs, root, kCurrentModel, m->version);
}

Result<std::string> ResolveFraudModelVersion(io::FileSystem& fs, std::string_view lake,
                                             const std::string& version) {
  const std::string root = FraudModelsDir(lake);
  std::string v = version.empty() ? std::string(kCurrentModel) : version;
  if (v == kCurrentModel || v == kPipelineModel) {
    auto current = ReadModelPointer(fs, root, v);
    if (!current.ok()) {
      if (current.status().IsNotFound()) {
        return Status::NotFound(fmt::format("no {} fraud model in {} (run `financelake fraud train{}`)",
                                            v == kCurrentModel ? "trained" : "pipeline", lake,
                                            v == kCurrentModel ? "" : " --lake"));
      }
      return current.status();
    }
    v = *current;
  }
  if (!ValidVersion(v)) {
    return Status::InvalidArgument(fmt::format("'{}' is not a fraud model version (fraud-<12 hex>)", v));
  }
  return v;
}

namespace {

// A version name that is a pointer (CURRENT, PIPELINE; empty means CURRENT), else "".
std::string_view PointerName(const std::string& version) {
  if (version.empty()) return kCurrentModel;
  return version == kCurrentModel || version == kPipelineModel ? std::string_view(version)
                                                               : std::string_view();
}

// Version `v`, reached through `pointer` (CURRENT, PIPELINE; empty when named directly).
Result<std::shared_ptr<const FraudModel>> LoadResolved(io::FileSystem& fs, std::string_view lake,
                                                       const std::string& v,
                                                       std::string_view pointer, int threads) {
  const std::string root = FraudModelsDir(lake);
  const std::string dir = io::JoinPath(root, v);
  auto text = fs.ReadFile(io::JoinPath(dir, "manifest.json"));
  if (!text.ok()) {
    if (!text.status().IsNotFound()) return text.status();
    // A pointer naming a model that is not there is a damaged store, not "no model": the
    // pipeline would otherwise go on without scoring.
    if (!pointer.empty()) {
      return Status::DataLoss(fmt::format(
          "{}/{} names fraud model {}, which is not there (deleted?); retrain, or remove the "
          "pointer",
          root, pointer, v));
    }
    return Status::NotFound(fmt::format("fraud model {} not found in {}", v, root));
  }
  auto bad = [&](std::string what) {
    return Status::DataLoss(fmt::format("{}/manifest.json: {}", dir, what));
  };
  auto manifest = Json::Parse(*text);
  if (!manifest.ok()) return bad(manifest.status().message());
  if (manifest->GetString("format", "") != "financelake-fraud-model") return bad("not a fraud model manifest");
  if (manifest->GetInt("format_version", -1) != kFraudModelFormatVersion) {
    return bad(fmt::format("format_version {} is not {}", manifest->GetInt("format_version", -1),
                           kFraudModelFormatVersion));
  }
  auto m = std::make_shared<FraudModel>();
  m->version = manifest->GetString("version", "");
  if (m->version != v) return bad("names version " + m->version);
  auto booster_file = fs.ReadFile(io::JoinPath(dir, "booster.json"));
  if (!booster_file.ok()) {
    if (!booster_file.status().IsNotFound()) return booster_file.status();
    return Status::DataLoss(fmt::format("{}/booster.json is missing (damaged?); retrain", dir));
  }
  const std::string booster = std::move(*booster_file);
  {
    // The version names manifest and booster (SaveFraudModel): a file damaged, replaced or edited
    // by hand (a threshold, say) no longer matches it, and is refused before anything is used.
    Json named = *manifest;
    named.Set("version", Json::String(""));
    named.Set("created_at_us", Json::Int(0));
    const uint64_t h = Fnv1a(named.Dump(), Fnv1a(booster));
    if (fmt::format("fraud-{:012x}", h & 0xffffffffffffULL) != v) {
      return Status::DataLoss(fmt::format(
          "{}: manifest.json or booster.json does not match the version (damaged or edited?); retrain", dir));
    }
  }
  m->label = manifest->GetString("label", "");
  m->time_column = manifest->GetString("time_column", "");
  m->created_at_us = manifest->GetInt("created_at_us", 0);
  const Json* inputs = manifest->Find("inputs");
  if (inputs == nullptr) return bad("no inputs");
  auto enc = FeatureEncoder::FromJson(*inputs);
  if (!enc.ok()) return bad(enc.status().message());
  m->encoder = std::move(*enc);
  const Json* th = manifest->Find("threshold");
  if (th == nullptr || !th->is_number() || !(th->as_double() >= 0 && th->as_double() <= 1)) {
    return bad("no threshold in [0, 1]");
  }
  m->threshold = th->as_double();
  const Json* base = manifest->Find("baseline_logistic");
  if (base == nullptr) return bad("no baseline_logistic");
  auto lr = LogisticModel::FromJson(*base);
  if (!lr.ok()) return bad(lr.status().message());
  m->baseline = std::move(*lr);
  if (const Json* r = manifest->Find("report")) m->report = *r;
  auto b = Booster::LoadJson(booster, threads);
  if (!b.ok()) return Status::DataLoss(fmt::format("{}/booster.json: {}", dir, b.status().message()));
  m->booster = std::move(*b);
  if (m->booster.num_features() != m->encoder.num_features()) {
    return bad(fmt::format("{} features listed, the trees take {}", m->encoder.num_features(),
                           m->booster.num_features()));
  }
  return std::shared_ptr<const FraudModel>(std::move(m));
}

}  // namespace

Result<std::shared_ptr<const FraudModel>> FraudModelCache::Get(io::FileSystem& fs,
                                                               std::string_view lake,
                                                               const std::string& version) {
  FL_ASSIGN_OR_RETURN(const std::string v, ResolveFraudModelVersion(fs, lake, version));
  std::lock_guard<std::mutex> lock(mu_);
  if (model_ == nullptr || model_->version != v || lake_ != lake) {
    FL_ASSIGN_OR_RETURN(model_, LoadResolved(fs, lake, v, PointerName(version), 1));
    lake_ = std::string(lake);
  }
  return model_;
}

Result<std::shared_ptr<const FraudModel>> LoadFraudModel(io::FileSystem& fs, std::string_view lake,
                                                         const std::string& version, int threads) {
  FL_ASSIGN_OR_RETURN(const std::string v, ResolveFraudModelVersion(fs, lake, version));
  return LoadResolved(fs, lake, v, PointerName(version), threads);
}

}  // namespace financelake::ml
