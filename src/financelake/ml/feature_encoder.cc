#include "financelake/ml/feature_encoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>
#include <type_traits>
#include <unordered_map>

namespace financelake::ml {
namespace {

using columnar::TypeKind;

constexpr size_t kMaxCategories = 20;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

bool IsNumericType(const columnar::DataType& type) {
  return type.kind() == TypeKind::kBoolean || (type.is_numeric() && type.kind() != TypeKind::kDecimal);
}

double NumericAt(const columnar::Column& c, int64_t i) {
  if (c.IsNull(i)) return kNaN;
  switch (c.type().kind()) {
    case TypeKind::kBoolean: return c.ValueAt<uint8_t>(i) != 0 ? 1.0 : 0.0;
    case TypeKind::kByte: return c.ValueAt<int8_t>(i);
    case TypeKind::kShort: return c.ValueAt<int16_t>(i);
    case TypeKind::kInteger: return c.ValueAt<int32_t>(i);
    case TypeKind::kLong: return static_cast<double>(c.ValueAt<int64_t>(i));
    case TypeKind::kFloat: return c.ValueAt<float>(i);
    case TypeKind::kDouble: return c.ValueAt<double>(i);
    default: return kNaN;
  }
}

Result<FeatureEncoder> FeatureEncoder::Fit(const columnar::RecordBatch& batch,
                                           const std::vector<int64_t>& train_rows,
                                           const std::vector<std::string>& exclude,
                                           std::vector<std::string>* notes) {
  FeatureEncoder enc;
  auto note = [&](std::string s) {
    if (notes != nullptr) notes->push_back(std::move(s));
  };
  for (size_t c = 0; c < batch.num_columns(); ++c) {
    const columnar::Field& f = batch.schema().field(c);
    if (std::find(exclude.begin(), exclude.end(), f.name) != exclude.end()) continue;
    if (f.name.empty()) {
      note(fmt::format("column {}: unnamed (a row index), not a feature", c + 1));
      continue;
    }
    if (IsNumericType(f.type)) {
      enc.inputs_.push_back({f.name, false, {}});
      continue;
    }
    if (f.type.kind() != TypeKind::kString) {
      note(fmt::format("column '{}': type {} is not used as a feature", f.name, f.type.ToString()));
      continue;
    }
    const columnar::Column& col = batch.column(c);
    std::unordered_map<std::string, int64_t> freq;
    int64_t present = 0;
    for (int64_t r : train_rows) {
      if (col.IsNull(r)) continue;
      ++present;
      ++freq[std::string(col.StringAt(r))];
    }
    if (present >= 50 && static_cast<double>(freq.size()) > 0.5 * static_cast<double>(present)) {
      note(fmt::format("column '{}': {} distinct values in {} training rows, an identifier, not a feature",
                       f.name, freq.size(), present));
      continue;
    }
    std::vector<std::pair<std::string, int64_t>> ranked(freq.begin(), freq.end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (ranked.size() > kMaxCategories) {
      note(fmt::format("column '{}': {} categories, the {} most frequent kept, the rest as <other>",
                       f.name, ranked.size(), kMaxCategories));
      ranked.resize(kMaxCategories);
    }
    InputColumn in{f.name, true, {}};
    for (auto& [value, n] : ranked) in.categories.push_back(value);
    std::sort(in.categories.begin(), in.categories.end());
    enc.inputs_.push_back(std::move(in));
  }
  if (enc.inputs_.empty()) return Status::InvalidArgument("no usable feature columns");
  for (const InputColumn& in : enc.inputs_) {
    enc.num_features_ += in.categorical ? static_cast<int64_t>(in.categories.size()) + 1 : 1;
  }
  return enc;
}

std::vector<std::string> FeatureEncoder::FeatureNames() const {
  std::vector<std::string> names;
  for (const InputColumn& in : inputs_) {
    if (!in.categorical) {
      names.push_back(in.name);
      continue;
    }
    for (const std::string& c : in.categories) names.push_back(in.name + "=" + c);
    names.push_back(in.name + "=<other>");
  }
  return names;
}

namespace {

// A float/double cell as the models' float: finite values beyond float's range become
// +/-FLT_MAX (order kept; a plain cast is undefined there), an infinity is refused.
template <typename T>
bool ToFeature(T v, float* out) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isinf(v)) return false;
    constexpr double kMax = std::numeric_limits<float>::max();
    if (static_cast<double>(v) > kMax) {
      *out = std::numeric_limits<float>::max();
      return true;
    }
    if (static_cast<double>(v) < -kMax) {
      *out = -std::numeric_limits<float>::max();
      return true;
    }
  }
  *out = static_cast<float>(v);  // NaN stays NaN: missing
  return true;
}

Status NotFinite(const std::string& column, int64_t row, double v) {
  return Status::InvalidArgument(fmt::format(
      "column '{}', row {}: {} is not a finite number; the models take numbers or empty cells "
      "(missing)",
      column, row + 1, v > 0 ? "inf" : "-inf"));
}

template <typename Src>
bool AllNull(const columnar::Column& col, int64_t n, Src src) {
  for (int64_t r = 0; r < n; ++r) {
    if (!col.IsNull(src(r))) return false;
  }
  return true;
}

// Writes column `col` (numeric) of rows `src(r)` at out[r * stride].
template <typename T, typename Src>
Status CopyNumeric(const std::string& name, const columnar::Column& col, int64_t n, Src src,
                   float* out, size_t stride) {
  const T* v = col.values<T>();
  for (int64_t r = 0; r < n; ++r) {
    const int64_t i = src(r);
    float* dst = out + static_cast<size_t>(r) * stride;
    if (col.null_count() != 0 && col.IsNull(i)) {
      *dst = std::numeric_limits<float>::quiet_NaN();
    } else if (!ToFeature(v[i], dst)) {
      return NotFinite(name, i, static_cast<double>(v[i]));
    }
  }
  return Status::OK();
}

template <typename Src>
Status EncodeRows(const std::vector<InputColumn>& inputs, int64_t num_features,
                  const columnar::RecordBatch& batch, int64_t n, Src src, float* out) {
  const auto nf = static_cast<size_t>(num_features);
  std::fill(out, out + static_cast<size_t>(n) * nf, 0.0f);
  size_t offset = 0;  // first feature of the current input
  for (const InputColumn& in : inputs) {
    const columnar::Column* col = batch.ColumnByName(in.name);
    if (col == nullptr) {
      return Status::InvalidArgument(fmt::format(
          "the model needs column '{}', which the input does not have", in.name));
    }
    if (!in.categorical) {
      float* dst = out + offset;
      Status st;
      switch (col->type().kind()) {
        case TypeKind::kBoolean: st = CopyNumeric<uint8_t>(in.name, *col, n, src, dst, nf); break;
        case TypeKind::kByte: st = CopyNumeric<int8_t>(in.name, *col, n, src, dst, nf); break;
        case TypeKind::kShort: st = CopyNumeric<int16_t>(in.name, *col, n, src, dst, nf); break;
        case TypeKind::kInteger: st = CopyNumeric<int32_t>(in.name, *col, n, src, dst, nf); break;
        case TypeKind::kLong: st = CopyNumeric<int64_t>(in.name, *col, n, src, dst, nf); break;
        case TypeKind::kFloat: st = CopyNumeric<float>(in.name, *col, n, src, dst, nf); break;
        case TypeKind::kDouble: st = CopyNumeric<double>(in.name, *col, n, src, dst, nf); break;
        default:
          if (AllNull(*col, n, src)) {  // an empty column reads as text: all missing
            for (int64_t r = 0; r < n; ++r) {
              dst[static_cast<size_t>(r) * nf] = std::numeric_limits<float>::quiet_NaN();
            }
            break;
          }
          return Status::InvalidArgument(fmt::format(
              "the model takes column '{}' as a number, the input has it as {}", in.name,
              col->type().ToString()));
      }
      FL_RETURN_NOT_OK(st);
      offset += 1;
      continue;
    }
    if (col->type().kind() != TypeKind::kString) {
      return Status::InvalidArgument(fmt::format(
          "the model takes column '{}' as a category (string), the input has it as {}", in.name,
          col->type().ToString()));
    }
    // At most 20 categories: a linear scan of short strings beats hashing.
    const size_t other = in.categories.size();
    for (int64_t r = 0; r < n; ++r) {
      const int64_t i = src(r);
      float* row = out + static_cast<size_t>(r) * nf + offset;
      if (col->IsNull(i)) {
        for (size_t k = 0; k <= other; ++k) row[k] = std::numeric_limits<float>::quiet_NaN();
        continue;
      }
      const std::string_view v = col->StringAt(i);
      size_t k = 0;
      while (k < other && in.categories[k] != v) ++k;
      row[k] = 1.0f;
    }
    offset += other + 1;
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<float>> FeatureEncoder::Encode(const columnar::RecordBatch& batch,
                                                  const std::vector<int64_t>* rows) const {
  const int64_t n = rows != nullptr ? static_cast<int64_t>(rows->size()) : batch.num_rows();
  std::vector<float> out(static_cast<size_t>(n) * static_cast<size_t>(num_features_));
  if (rows != nullptr) {
    FL_RETURN_NOT_OK(EncodeRows(inputs_, num_features_, batch, n,
                                [rows](int64_t r) { return (*rows)[static_cast<size_t>(r)]; }, out.data()));
  } else {
    FL_RETURN_NOT_OK(EncodeRows(inputs_, num_features_, batch, n, [](int64_t r) { return r; }, out.data()));
  }
  return out;
}

Status FeatureEncoder::EncodeRange(const columnar::RecordBatch& batch, int64_t begin, int64_t count,
                                   float* out) const {
  return EncodeRows(inputs_, num_features_, batch, count, [begin](int64_t r) { return begin + r; }, out);
}

Json FeatureEncoder::ToJson() const {
  Json arr = Json::Array();
  for (const InputColumn& in : inputs_) {
    Json o = Json::Object();
    o.Set("name", Json::String(in.name));
    o.Set("kind", Json::String(in.categorical ? "categorical" : "numeric"));
    if (in.categorical) {
      Json cats = Json::Array();
      for (const std::string& c : in.categories) cats.Push(Json::String(c));
      o.Set("categories", std::move(cats));
    }
    arr.Push(std::move(o));
  }
  return arr;
}

Result<FeatureEncoder> FeatureEncoder::FromJson(const Json& json) {
  if (!json.is_array()) return Status::InvalidArgument("model inputs: not a JSON array");
  FeatureEncoder enc;
  for (const Json& o : json.items()) {
    FL_ASSIGN_OR_RETURN(std::string name, o.GetString("name"));
    FL_ASSIGN_OR_RETURN(std::string kind, o.GetString("kind"));
    InputColumn in{name, kind == "categorical", {}};
    if (kind != "numeric" && kind != "categorical") {
      return Status::InvalidArgument("model inputs: unknown kind '" + kind + "' for " + name);
    }
    if (in.categorical) {
      const Json* cats = o.Find("categories");
      if (cats == nullptr || !cats->is_array()) {
        return Status::InvalidArgument("model inputs: categorical '" + name + "' has no categories");
      }
      for (const Json& c : cats->items()) {
        if (!c.is_string()) return Status::InvalidArgument("model inputs: bad category in " + name);
        in.categories.push_back(c.as_string());
      }
    }
    enc.num_features_ += in.categorical ? static_cast<int64_t>(in.categories.size()) + 1 : 1;
    enc.inputs_.push_back(std::move(in));
  }
  if (enc.inputs_.empty()) return Status::InvalidArgument("model inputs: empty");
  return enc;
}

}  // namespace financelake::ml
