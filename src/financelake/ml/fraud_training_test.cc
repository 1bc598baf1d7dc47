#include "financelake/ml/fraud_training.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <tuple>

#include "financelake/io/atomic_file.h"
#include "financelake/io/memory_filesystem.h"
#include "financelake/ml/ml_test_util.h"

namespace financelake::ml {
namespace {

using testing::FraudFixture;
using testing::ReadCsvFile;

columnar::RecordBatch Ulb() {
  auto data = ReadCsvFile(FraudFixture("jaehyeongAN_creditcard_sample_all492frauds.csv"));
  EXPECT_TRUE(data.ok()) << data.status().ToString();
  return std::move(*data);
}

FraudTrainOptions UlbOptions() {
  FraudTrainOptions o;
  o.label = "Class";
  o.time_column = "Time";
  o.seed = 7;
  o.exclude = {std::string(kIndexColumn)};
  return o;
}

// Drops the named column.
columnar::RecordBatch Without(const columnar::RecordBatch& b, const std::string& name) {
  std::vector<columnar::Field> fields;
  std::vector<columnar::Column> cols;
  for (size_t i = 0; i < b.num_columns(); ++i) {
    if (b.schema().field(i).name == name) continue;
    fields.push_back(b.schema().field(i));
    cols.push_back(b.column(i));
  }
  return *columnar::RecordBatch::Make(columnar::Schema(fields), std::move(cols));
}

TEST(FraudTraining, XgboostBeatsLogisticOnTheLaterSlice) {
  const columnar::RecordBatch data = Ulb();
  FraudTrainReport r;
  auto model = TrainFraudModel(data, UlbOptions(), &r);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  // Split by time: 60/20/20 of 1722 rows, each slice later than the one before.
  EXPECT_EQ(r.train.rows, 1033);
  EXPECT_EQ(r.validation.rows, 344);
  EXPECT_EQ(r.test.rows, 345);
  EXPECT_EQ(r.train.positives + r.validation.positives + r.test.positives, 492);
  EXPECT_LE(std::stod(r.train.last_time), std::stod(r.validation.first_time));
  EXPECT_LE(std::stod(r.validation.last_time), std::stod(r.test.first_time));
  std::printf("test AUPRC: xgboost %.4f, logistic %.4f; ROC-AUC %.4f vs %.4f; rounds %d\n",
              r.xgboost_test.auprc, r.logistic_test.auprc, r.xgboost_test.roc_auc,
              r.logistic_test.roc_auc, r.rounds);
  EXPECT_GT(r.xgboost_test.auprc, r.logistic_test.auprc);
  EXPECT_GT(r.xgboost_test.auprc, 0.9);
  EXPECT_GT(r.xgboost_test.at_threshold.recall, 0.5);
  EXPECT_GT(r.xgboost_test.at_threshold.precision, 0.5);
  // The features: V1..V28 and Amount; not Time, not Class, not the unnamed index.
  EXPECT_EQ(r.features.size(), 29u);
  EXPECT_EQ(std::count(r.features.begin(), r.features.end(), "Time"), 0);
  EXPECT_EQ(std::count(r.features.begin(), r.features.end(), "Class"), 0);
}

TEST(FraudTraining, DeterministicWithASeed) {
  const columnar::RecordBatch data = Ulb();
  auto a = TrainFraudModel(data, UlbOptions(), nullptr);
  auto b = TrainFraudModel(data, UlbOptions(), nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a->booster.SaveJson(), *b->booster.SaveJson());
  EXPECT_EQ(a->threshold, b->threshold);
  EXPECT_EQ(*a->Score(data), *b->Score(data));
  auto fs = std::make_shared<io::MemoryFileSystem>();
  ASSERT_TRUE(SaveFraudModel(*fs, "/lake", &*a).ok());
  ASSERT_TRUE(SaveFraudModel(*fs, "/lake", &*b).ok());
  EXPECT_EQ(a->version, b->version);
  // Another seed samples other rows and columns: another model.
  FraudTrainOptions other = UlbOptions();
  other.seed = 8;
  auto c = TrainFraudModel(data, other, nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(*a->booster.SaveJson(), *c->booster.SaveJson());
}

TEST(FraudTraining, SaveLoadScoresIdentically_LabelNeverAnInput) {
  const columnar::RecordBatch data = Ulb();
  auto model = TrainFraudModel(data, UlbOptions(), nullptr);
  ASSERT_TRUE(model.ok());
  auto fs = std::make_shared<io::MemoryFileSystem>();
  ASSERT_TRUE(SaveFraudModel(*fs, "/lake", &*model).ok());
  EXPECT_EQ(*fs->ReadFile("/lake/models/fraud/CURRENT"), model->version + "\n");
  auto loaded = LoadFraudModel(*fs, "/lake");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->version, model->version);
  EXPECT_EQ((*loaded)->threshold, model->threshold);
  const std::vector<double> before = *model->Score(data);
  EXPECT_EQ(*(*loaded)->Score(data), before);
  EXPECT_EQ(*(*loaded)->ScoreBaseline(data), *model->ScoreBaseline(data));
  // Without the label (and the time column) the scores are the same.
  EXPECT_EQ(*(*loaded)->Score(Without(Without(data, "Class"), "Time")), before);
  // The label flipped: still the same scores.
  columnar::RecordBatch flipped = data;
  columnar::Column& cls = flipped.mutable_column(*flipped.schema().FieldIndex("Class"));
  for (int64_t i = 0; i < cls.length(); ++i) cls.mutable_values<int64_t>()[i] ^= 1;
  EXPECT_EQ(*(*loaded)->Score(flipped), before);
}

TEST(FraudTraining, MismatchedFeatureListIsAClearError) {
  const columnar::RecordBatch data = Ulb();
  auto model = TrainFraudModel(data, UlbOptions(), nullptr);
  ASSERT_TRUE(model.ok());
  auto s = model->Score(Without(data, "V7"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("needs column 'V7'"), std::string::npos) << s.status().ToString();
  auto csv = columnar::ReadCsv("V1,Amount\nx,1\n", std::nullopt, "t.csv");
  ASSERT_TRUE(csv.ok());
  auto t = model->Score(*csv);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("'V1' as a number"), std::string::npos) << t.status().ToString();
}

TEST(FraudTraining, CorruptOrMissingModelsAreReported) {
  auto fs = std::make_shared<io::MemoryFileSystem>();
  auto none = LoadFraudModel(*fs, "/lake");
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(none.status().IsNotFound());
  EXPECT_NE(none.status().message().find("fraud train"), std::string::npos);
  const columnar::RecordBatch data = Ulb();
  auto model = TrainFraudModel(data, UlbOptions(), nullptr);
  ASSERT_TRUE(model.ok());
  ASSERT_TRUE(SaveFraudModel(*fs, "/lake", &*model).ok());
  const std::string dir = "/lake/models/fraud/" + model->version;
  ASSERT_TRUE(io::WriteFileAtomic(*fs, dir + "/booster.json", "{\"not\": \"a model\"").ok());
  auto broken = LoadFraudModel(*fs, "/lake");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("booster.json"), std::string::npos) << broken.status().ToString();
  EXPECT_FALSE(LoadFraudModel(*fs, "/lake", "../../etc").ok());
  // Every error is one line (XGBoost's stack trace is not passed on).
  EXPECT_EQ(broken.status().message().find('\n'), std::string::npos) << broken.status().message();
}

TEST(FraudTraining, AModelEditedAfterSavingIsRefused) {
  auto fs = std::make_shared<io::MemoryFileSystem>();
  auto model = TrainFraudModel(Ulb(), UlbOptions(), nullptr);
  ASSERT_TRUE(model.ok());
  ASSERT_TRUE(SaveFraudModel(*fs, "/lake", &*model).ok());
  ASSERT_TRUE(LoadFraudModel(*fs, "/lake").ok());  // as saved: loads
  const std::string manifest = "/lake/models/fraud/" + model->version + "/manifest.json";
  const std::string text = *fs->ReadFile(manifest);
  const size_t at = text.find("\"threshold\":");
  ASSERT_NE(at, std::string::npos);
  const size_t end = text.find(',', at);
  // A threshold edited by hand (-5 alerted every row once).
  const std::string edited = text.substr(0, at) + "\"threshold\":-5" + text.substr(end);
  ASSERT_TRUE(io::WriteFileAtomic(*fs, manifest, edited).ok());
  auto refused = LoadFraudModel(*fs, "/lake");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(refused.status().message().find("does not match the version"), std::string::npos)
      << refused.status().message();
}

TEST(FraudTraining, BadInputsAreClearErrors) {
  const columnar::RecordBatch data = Ulb();
  FraudTrainOptions o = UlbOptions();
  o.label = "Nope";
  EXPECT_NE(TrainFraudModel(data, o, nullptr).status().message().find("label column 'Nope' not found"),
            std::string::npos);
  o = UlbOptions();
  o.time_column = "Later";
  EXPECT_NE(TrainFraudModel(data, o, nullptr).status().message().find("time column 'Later'"),
            std::string::npos);
  o = UlbOptions();
  o.label = "Amount";  // not 0/1
  EXPECT_NE(TrainFraudModel(data, o, nullptr).status().message().find("is not 0 or 1"), std::string::npos);
  // A NaN time would break the sort and put later rows into training: refused like a null.
  std::string nan_csv = "Time,A,Class\n";
  for (int i = 0; i < 200; ++i) nan_csv += (i == 7 ? std::string("NaN") : std::to_string(1000 - i)) + ",1," + (i % 10 == 0 ? "1" : "0") + "\n";
  auto nan_time = columnar::ReadCsv(nan_csv, std::nullopt, "nan.csv");
  ASSERT_TRUE(nan_time.ok()) << nan_time.status().ToString();
  EXPECT_NE(TrainFraudModel(*nan_time, UlbOptions(), nullptr).status().message().find("row 8: NaN"),
            std::string::npos);
  auto few = columnar::ReadCsv("Time,A,Class\n1,2,0\n2,3,1\n", std::nullopt, "few.csv");
  ASSERT_TRUE(few.ok());
  EXPECT_NE(TrainFraudModel(*few, UlbOptions(), nullptr).status().message().find("too few"),
            std::string::npos);
  // 200 rows at one time: the count is enough, the times are not, and the message says so.
  std::string one_time = "Time,A,Class\n";
  for (int i = 0; i < 200; ++i)
    one_time += "5," + std::to_string(i) + (i % 10 == 0 ? ",1\n" : ",0\n");
  auto same = columnar::ReadCsv(one_time, std::nullopt, "same.csv");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(TrainFraudModel(*same, UlbOptions(), nullptr).status().message(),
            "200 rows, but too few distinct values of the time column 'Time' to split them into "
            "training, validation and test slices without a moment in two of them");
  // Natural imbalance (6 frauds in 2000 rows): the time split still gives every slice both
  // classes, so it trains (a slice without positives is refused naming it: see
  // SlicesNeedBothClassesAndTiedTimesStayOnOneSide).
  auto natural = ReadCsvFile(FraudFixture("drhuazhao_creditcard_sample_2000_random.csv"));
  ASSERT_TRUE(natural.ok());
  FraudTrainReport r;
  auto m = TrainFraudModel(*natural, UlbOptions(), &r);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(r.train.rows + r.validation.rows + r.test.rows, 2000);
}

// The ULB file with cells replaced: {row (0-based), column, text}.
columnar::RecordBatch UlbEdited(
    const std::vector<std::tuple<int, std::string, std::string>>& edits) {
  std::string text =
      testing::ReadText(FraudFixture("jaehyeongAN_creditcard_sample_all492frauds.csv"));
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  auto split = [](const std::string& l) {
    std::vector<std::string> f;
    std::istringstream ls(l);
    for (std::string c; std::getline(ls, c, ',');) f.push_back(c);
    return f;
  };
  const std::vector<std::string> header = split(lines[0]);
  for (const auto& [row, col, value] : edits) {
    std::vector<std::string> f = split(lines[static_cast<size_t>(row) + 1]);
    const auto at = std::find(header.begin(), header.end(), "\"" + col + "\"") - header.begin();
    const auto plain = std::find(header.begin(), header.end(), col) - header.begin();
    const size_t k = static_cast<size_t>(std::min(at, plain));
    EXPECT_LT(k, f.size()) << col;
    f[k] = value;
    std::string joined;
    for (size_t i = 0; i < f.size(); ++i) joined += (i ? "," : "") + f[i];
    lines[static_cast<size_t>(row) + 1] = joined;
  }
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  auto batch = ReadLabelledCsv(out, "edited.csv", nullptr);
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  return std::move(*batch);
}

// +inf and -inf in one test row made the logistic baseline's score NaN, and the metrics then
// looped forever; values beyond float's range were cast with undefined behaviour.
TEST(FraudTraining, InfinitiesAreRefusedNamingTheCellAndHugeValuesKeepTheirOrder) {
  const columnar::RecordBatch plain = Ulb();
  const columnar::Column* time = plain.ColumnByName("Time");
  ASSERT_NE(time, nullptr);
  int last = 0;  // the latest row: in the test slice
  for (int64_t i = 1; i < plain.num_rows(); ++i) {
    if (NumericAt(*time, i) > NumericAt(*time, last)) last = static_cast<int>(i);
  }
  auto inf = TrainFraudModel(UlbEdited({{last, "V1", "inf"}, {last, "V2", "-inf"}}), UlbOptions(),
                             nullptr);
  ASSERT_FALSE(inf.ok());
  EXPECT_NE(inf.status().message().find(
                fmt::format("column 'V1', row {}: inf is not a finite number", last + 1)),
            std::string::npos)
      << inf.status().message();
  // 1e300 is finite: it becomes the largest float, and training goes on.
  auto huge = TrainFraudModel(UlbEdited({{3, "Amount", "1e300"}}), UlbOptions(), nullptr);
  ASSERT_TRUE(huge.ok()) << huge.status().ToString();
  auto x = huge->encoder.Encode(UlbEdited({{3, "Amount", "1e300"}, {4, "Amount", "-1e300"}}));
  ASSERT_TRUE(x.ok()) << x.status().ToString();
  const auto names = huge->encoder.FeatureNames();
  const size_t amount =
      static_cast<size_t>(std::find(names.begin(), names.end(), "Amount") - names.begin());
  ASSERT_LT(amount, names.size());
  const size_t nf = names.size();
  EXPECT_EQ((*x)[3 * nf + amount], std::numeric_limits<float>::max());
  EXPECT_EQ((*x)[4 * nf + amount], -std::numeric_limits<float>::max());
}

TEST(FraudTraining, SlicesNeedBothClassesAndTiedTimesStayOnOneSide) {
  // Validation rows (60-79 of 100 in time order) all positive: refused before XGBoost.
  std::string csv = "Time,A,Class\n";
  for (int i = 0; i < 100; ++i) {
    const bool pos = (i >= 60 && i < 80) || i % 7 == 0;
    csv += fmt::format("{},{},{}\n", i, i % 13, pos ? 1 : 0);
  }
  auto all_pos = columnar::ReadCsv(csv, std::nullopt, "allpos.csv");
  ASSERT_TRUE(all_pos.ok());
  auto r1 = TrainFraudModel(*all_pos, UlbOptions(), nullptr);
  ASSERT_FALSE(r1.ok());
  EXPECT_NE(r1.status().message().find("the validation slice (20 rows) has 20 positive labels"),
            std::string::npos)
      << r1.status().message();
  // Times 0..99 with rows 58-62 at one moment: the train/validation cut (60) moves past them.
  csv = "Time,A,Class\n";
  for (int i = 0; i < 100; ++i)
    csv += fmt::format("{},{},{}\n", i >= 58 && i <= 62 ? 58 : i, i % 13, i % 4 == 0 ? 1 : 0);
  auto tied = columnar::ReadCsv(csv, std::nullopt, "tied.csv");
  ASSERT_TRUE(tied.ok());
  FraudTrainReport r;
  ASSERT_TRUE(TrainFraudModel(*tied, UlbOptions(), &r).ok());
  EXPECT_EQ(r.train.rows, 63);
  EXPECT_EQ(r.validation.rows, 20);
  EXPECT_EQ(r.test.rows, 17);
  auto empty = columnar::ReadCsv("Time,A,Class\n", std::nullopt, "empty.csv");
  ASSERT_TRUE(empty.ok());
  EXPECT_NE(
      TrainFraudModel(*empty, UlbOptions(), nullptr).status().message().find("no rows to train on"),
      std::string::npos);
}

TEST(FraudTraining, AnEmptyNumericColumnScoresAsMissing) {
  const columnar::RecordBatch data = Ulb();
  auto model = TrainFraudModel(data, UlbOptions(), nullptr);
  ASSERT_TRUE(model.ok());
  // 40 rows whose Amount is: empty cells (a CSV reader types such a column as text), missing
  // numbers (NaN), or 0.
  enum class Amount { kEmptyText, kNaN, kZero };
  auto rows = [&](Amount amount_as) {
    std::vector<columnar::Field> fields = data.schema().fields();
    std::vector<columnar::Column> cols;
    for (size_t c = 0; c < data.num_columns(); ++c) {
      const bool amount = fields[c].name == "Amount";
      if (amount) {
        fields[c].type = amount_as == Amount::kEmptyText ? columnar::DataType::String()
                                                         : columnar::DataType::Double();
      }
      columnar::Column col(fields[c].type);
      for (int64_t r = 0; r < 40; ++r) {
        if (!amount) {
          col.AppendValue(data.column(c).GetValue(r));
        } else if (amount_as == Amount::kEmptyText) {
          col.AppendNull();
        } else {
          col.Append<double>(amount_as == Amount::kNaN ? std::nan("") : 0.0);
        }
      }
      cols.push_back(std::move(col));
    }
    auto batch = columnar::RecordBatch::Make(columnar::Schema(fields), std::move(cols));
    EXPECT_TRUE(batch.ok()) << batch.status().ToString();
    return std::move(*batch);
  };
  auto blank = model->Score(rows(Amount::kEmptyText));
  ASSERT_TRUE(blank.ok()) << blank.status().ToString();
  auto missing = model->Score(rows(Amount::kNaN));
  auto zero = model->Score(rows(Amount::kZero));
  ASSERT_TRUE(missing.ok() && zero.ok());
  ASSERT_EQ(blank->size(), 40u);
  EXPECT_EQ(*blank, *missing);  // scored as missing ...
  EXPECT_NE(*missing, *zero);   // ... which is not the same as an amount of 0
}

// Retraining is the advice for a damaged model: publishing the same version again must repair
// it. A PIPELINE pointer whose model is gone is an error, never "no model".
TEST(FraudTraining, RetrainingRepairsADamagedModelAndAMissingPipelineModelIsAnError) {
  auto fs = std::make_shared<io::MemoryFileSystem>();
  auto model = TrainFraudModel(Ulb(), UlbOptions(), nullptr);
  ASSERT_TRUE(model.ok());
  model->created_at_us = 1000;
  ASSERT_TRUE(SaveFraudModel(*fs, "/lake", &*model, /*for_pipeline=*/true).ok());
  const std::string dir = "/lake/models/fraud/" + model->version;
  const std::string first = *fs->ReadFile(dir + "/manifest.json");
  // Trained again at another moment, intact: left as it is (no gap for readers, first time kept).
  model->created_at_us = 2000;
  ASSERT_TRUE(SaveFraudModel(*fs, "/lake", &*model, /*for_pipeline=*/true).ok());
  EXPECT_EQ(*fs->ReadFile(dir + "/manifest.json"), first);
  ASSERT_TRUE(fs->Delete(dir + "/booster.json").ok());
  auto missing = LoadFraudModel(*fs, "/lake", std::string(kPipelineModel));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kDataLoss) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("booster.json is missing"), std::string::npos);
  const std::string version = model->version;
  ASSERT_TRUE(SaveFraudModel(*fs, "/lake", &*model, /*for_pipeline=*/true).ok());
  EXPECT_EQ(model->version, version);
  ASSERT_TRUE(LoadFraudModel(*fs, "/lake", std::string(kPipelineModel)).ok());
  // The whole version folder gone: the pointer names a model that is not there.
  ASSERT_TRUE(fs->DeleteDirRecursive(dir).ok());
  FraudModelCache cache;
  auto gone = cache.Get(*fs, "/lake", std::string(kPipelineModel));
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kDataLoss) << gone.status().ToString();
  EXPECT_NE(gone.status().message().find("PIPELINE names fraud model " + model->version),
            std::string::npos)
      << gone.status().message();
  // A version asked for by name that is not there is still NotFound.
  EXPECT_TRUE(LoadFraudModel(*fs, "/lake", model->version).status().IsNotFound());
}

}  // namespace
}  // namespace financelake::ml

namespace financelake::ml {
namespace {

TEST(FraudModelCache, ReloadsOnlyWhenThePointerMoves) {
  const columnar::RecordBatch data = Ulb();
  auto a = TrainFraudModel(data, UlbOptions(), nullptr);
  FraudTrainOptions other = UlbOptions();
  other.seed = 8;
  auto b = TrainFraudModel(data, other, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  auto fs = std::make_shared<io::MemoryFileSystem>();
  FraudModelCache cache;
  EXPECT_TRUE(cache.Get(*fs, "/lake", std::string(kPipelineModel)).status().IsNotFound());
  ASSERT_TRUE(SaveFraudModel(*fs, "/lake", &*a, /*for_pipeline=*/true).ok());
  auto first = cache.Get(*fs, "/lake", std::string(kPipelineModel));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)->version, a->version);
  EXPECT_EQ(cache.Get(*fs, "/lake", std::string(kPipelineModel))->get(), first->get());  // not reloaded
  // CURRENT moves without PIPELINE: the pipeline keeps its model.
  ASSERT_TRUE(SaveFraudModel(*fs, "/lake", &*b).ok());
  EXPECT_EQ(cache.Get(*fs, "/lake", std::string(kPipelineModel))->get(), first->get());
  ASSERT_TRUE(SaveFraudModel(*fs, "/lake", &*b, /*for_pipeline=*/true).ok());
  auto moved = cache.Get(*fs, "/lake", std::string(kPipelineModel));
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ((*moved)->version, b->version);
}

}  // namespace
}  // namespace financelake::ml
