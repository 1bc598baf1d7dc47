// FeatureEncoder: turns the columns of a record batch into the dense float matrix the models
// take, the same way at training and at scoring time.
//
// Fit() learns, from the training rows only, which input columns are features and how:
//   - numeric and boolean columns are used as they are (null -> NaN, "missing"; values beyond
//     float's range -> +/-FLT_MAX; an infinity is an InvalidArgument naming column and row);
//   - string columns are categorical: one indicator feature per category among the 20 most
//     frequent in training, plus "<column>=<other>" for the rest; a string column whose values
//     are nearly all distinct (an identifier such as transaction_id) is left out;
//   - date/timestamp/nested columns, the label, the time column, columns named in `exclude`,
//     and unnamed columns (a pandas index written to CSV) are left out.
// Each decision is reported in `notes`. The encoder serializes to JSON with the model; Encode()
// on a batch that lacks an input column, or has it with a non-convertible type, is an
// InvalidArgument naming the column (a model never scores a file with another feature list);
// a numeric input given as a column with no value at all (an empty CSV column reads as text)
// is all missing.
#pragma once

#include <string>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"

namespace financelake::ml {

struct InputColumn {
  std::string name;
  bool categorical = false;
  std::vector<std::string> categories;  // categorical: the one-hot categories, in feature order
};

class FeatureEncoder {
 public:
  static Result<FeatureEncoder> Fit(const columnar::RecordBatch& batch,
                                    const std::vector<int64_t>& train_rows,
                                    const std::vector<std::string>& exclude,
                                    std::vector<std::string>* notes);

  const std::vector<InputColumn>& inputs() const { return inputs_; }
  // Output feature names, in matrix column order ("amount", "channel=ONLINE", ...).
  std::vector<std::string> FeatureNames() const;
  int64_t num_features() const { return num_features_; }

  // Row-major matrix of `rows` (all rows when nullptr), num_features() floats per row.
  Result<std::vector<float>> Encode(const columnar::RecordBatch& batch,
                                    const std::vector<int64_t>* rows = nullptr) const;
  // Rows [begin, begin + count) into `out` (count x num_features() floats). Encoding a large
  // batch block by block keeps the matrix in cache (FraudModel::Score does).
  Status EncodeRange(const columnar::RecordBatch& batch, int64_t begin, int64_t count, float* out) const;

  Json ToJson() const;
  static Result<FeatureEncoder> FromJson(const Json& json);

 private:
  std::vector<InputColumn> inputs_;
  int64_t num_features_ = 0;
};

// A numeric/boolean cell as a double (NaN when null). False for other types.
bool IsNumericType(const columnar::DataType& type);
double NumericAt(const columnar::Column& column, int64_t row);

}  // namespace financelake::ml
