// Messages whose bytes are not UTF-8 text (a Latin-1 producer, a binary record): Parquet
// strings must be UTF-8 (DuckDB refuses a file holding one that is not), and nothing may be lost.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "financelake/base/utf8.h"
#include "financelake/delta/table.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/pipeline/bronze_batch.h"
#include "financelake/pipeline/bronze_schema.h"
#include "financelake/pipeline/errors_table.h"
#include "financelake/pipeline/exactly_once_table.h"
#include "financelake/pipeline/lake_test_util.h"
#include "financelake/pipeline/model_metrics_table.h"
#include "financelake/pipeline/silver_stage.h"

namespace financelake::pipeline {
namespace {

constexpr int64_t kNow = 1767225600LL * 1000000;  // 2026-01-01T00:00:00Z
const std::string kFffd = "\xEF\xBF\xBD";

std::string Trade(const std::string& id, const std::string& ticker) {
  return fmt::format(
      R"({{"event_id":"{}","event_time":"2025-12-30T15:00:00Z","ticker":"{}","price":10.5,)"
      R"("volume":100,"source":"t","kind":"trade"}})",
      id, ticker);
}

class NotUtf8Test : public testing::LakeTest {
 protected:
  // Every row of every column of the table, read back through Delta; also checks that each
  // string value is UTF-8.
  std::vector<std::map<std::string, columnar::Value>> Rows(const std::string& path) {
    std::vector<std::map<std::string, columnar::Value>> out;
    auto table = delta::Table::Open(io::PosixFileSystem(), path);
    auto snap = table->Latest();
    EXPECT_TRUE(snap.ok()) << snap.status().ToString();
    if (!snap.ok()) return out;
    auto rows = table->Scan(**snap, {});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    if (!rows.ok()) return out;
    for (int64_t i = 0; i < rows->num_rows(); ++i) {
      auto& row = out.emplace_back();
      for (size_t c = 0; c < rows->schema().num_fields(); ++c) {
        const columnar::Field& f = rows->schema().field(c);
        row[f.name] = rows->column(c).GetValue(i);
        if (f.type.kind() == columnar::TypeKind::kString && !row[f.name].is_null()) {
          EXPECT_TRUE(IsValidUtf8(row[f.name].as_bytes()))
              << path << " column " << f.name << " row " << i;
        }
      }
    }
    return out;
  }
};

TEST(Utf8Test, ValidationAndReplacement) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii text, longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 and more ascii after it"));
  EXPECT_FALSE(IsValidUtf8("0123456789abcdef caf\xE9"));  // Latin-1 after an ASCII run
  EXPECT_FALSE(IsValidUtf8("0123456\xC3"));               // truncated at the end
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80 surrogate"));
  std::string out = "x";
  AppendUtf8Replacing("caf\xE9 \xC3\xA9 \xFF\xFE!", &out);
  EXPECT_EQ(out, "xcaf" + kFffd + " \xC3\xA9 " + kFffd + kFffd + "!");
  out.clear();
  AppendUtf8Replacing("\xC3\xA9", &out);
  EXPECT_EQ(out, "\xC3\xA9");
}

TEST_F(NotUtf8Test, BronzeKeepsTheExactBytesInTheBinaryColumns) {
  BronzeBatchBuilder b;
  const std::string latin1 = Trade("e1", "CAF\xC9");
  const std::string binary = std::string("\x00\x01\xFF\xFE", 4);
  const std::string good = Trade("e3", "AAPL");
  const std::string binary_key = "\x80\x81";
  for (const std::string* p : {&latin1, &binary, &good}) {
    BronzeRecord r;
    r.payload = *p;
    r.topic = "stock-trades";
    r.partition = 0;
    r.offset = p == &latin1 ? 1 : p == &binary ? 2 : 3;
    if (p == &binary) r.kafka_key = binary_key;
    if (p == &good) r.kafka_key = std::string_view("AAPL");
    b.Append(r, kNow);
  }
  auto table = ExactlyOnceTable::OpenOrCreate(
      io::PosixFileSystem(), BronzeTablePath(lake_, "stock-trades"), BronzeLayout());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto c = (*table)->Commit(b.Finish(), {{"test", -1, 3}}, "t");
  ASSERT_TRUE(c.ok()) << c.status().ToString();

  auto rows = Rows(BronzeTablePath(lake_, "stock-trades"));
  ASSERT_EQ(rows.size(), 3u);
  std::map<int64_t, std::map<std::string, columnar::Value>> by_offset;
  for (auto& r : rows) by_offset[r["offset"].as_int()] = r;
  // Latin-1: the text with U+FFFD (key fields taken from it), the exact bytes beside it.
  EXPECT_EQ(by_offset[1]["payload"].as_bytes(), Trade("e1", "CAF" + kFffd));
  EXPECT_EQ(by_offset[1]["payload_bytes"].as_bytes(), latin1);
  EXPECT_EQ(by_offset[1]["event_key"].as_bytes(), "CAF" + kFffd);
  EXPECT_EQ(by_offset[1]["event_id"].as_bytes(), "e1");
  EXPECT_TRUE(by_offset[1]["kafka_key"].is_null());
  EXPECT_TRUE(by_offset[1]["kafka_key_bytes"].is_null());
  // Binary payload and key.
  EXPECT_EQ(by_offset[2]["payload"].as_bytes(), std::string("\x00\x01", 2) + kFffd + kFffd);
  EXPECT_EQ(by_offset[2]["payload_bytes"].as_bytes(), binary);
  EXPECT_EQ(by_offset[2]["kafka_key"].as_bytes(), kFffd + kFffd);
  EXPECT_EQ(by_offset[2]["kafka_key_bytes"].as_bytes(), binary_key);
  // UTF-8 text: as it came, no copies.
  EXPECT_EQ(by_offset[3]["payload"].as_bytes(), good);
  EXPECT_TRUE(by_offset[3]["payload_bytes"].is_null());
  EXPECT_EQ(by_offset[3]["kafka_key"].as_bytes(), "AAPL");
  EXPECT_TRUE(by_offset[3]["kafka_key_bytes"].is_null());
}

// Silver rejects such a message with a reason; the errors row shows it with U+FFFD.
TEST_F(NotUtf8Test, SilverSendsThemToErrorsAsUtf8Rows) {
  AppendBronze("stock-trades", {Trade("e1", "AAPL"), Trade("e2", "CAF\xC9"), "bin\xFF\xFE"}, kNow);
  SilverOptions o;
  o.lake = lake_;
  o.now_us = kNow;
  auto r = RunSilverOnce(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["stock_trades"].silver_rows, 1);
  EXPECT_EQ((*r)["stock_trades"].error_rows, 2);
  auto errors = Rows(ErrorsTablePath(lake_));
  ASSERT_EQ(errors.size(), 2u);
  std::map<std::string, std::string> reason_of;
  for (auto& e : errors) reason_of[e["raw_payload"].as_bytes()] = e["reason"].as_bytes();
  for (const std::string& shown : {Trade("e2", "CAF" + kFffd), "bin" + kFffd + kFffd}) {
    ASSERT_EQ(reason_of.count(shown), 1u) << shown;
    EXPECT_EQ(reason_of[shown].rfind("the message is not UTF-8 text", 0), 0u) << reason_of[shown];
  }
  auto silver = Rows(SilverTablePath(lake_, "stock_trades"));
  ASSERT_EQ(silver.size(), 1u);
  EXPECT_EQ(silver[0]["event_id"].as_bytes(), "e1");
}

// A Bronze table created before payload_bytes/kafka_key_bytes existed gets them on open (one
// metadata commit; its files read them as null), and Silver still refuses the old files'
// payloads that are not UTF-8.
TEST_F(NotUtf8Test, AnOlderBronzeTableGainsTheColumns) {
  const std::string path = BronzeTablePath(lake_, "stock-trades");
  std::vector<columnar::Field> old_fields(BronzeSchema().fields().begin(),
                                          BronzeSchema().fields().begin() + kPayloadBytes);
  const columnar::Schema old_schema(old_fields);
  {
    auto old = ExactlyOnceTable::OpenOrCreate(
        io::PosixFileSystem(), path, {old_schema, {std::string(kBronzePartitionColumn)}, "old"});
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    // An old writer stored the bytes as they came.
    BronzeBatchBuilder b;
    for (int i = 0; i < 2; ++i) {
      BronzeRecord r;
      const std::string p = Trade("o" + std::to_string(i), "AAPL");
      r.payload = p;
      r.topic = "stock-trades";
      r.offset = i + 1;
      b.Append(r, kNow);
    }
    std::vector<columnar::Column> cols = b.Finish().ReleaseColumns();
    cols.erase(cols.begin() + kPayloadBytes, cols.end());
    columnar::Column payload(columnar::DataType::String());
    payload.AppendString(Trade("o0", "AAPL"));
    payload.AppendString(Trade("o1", "CAF\xC9"));
    cols[kPayload] = std::move(payload);
    auto batch = columnar::RecordBatch::Make(old_schema, std::move(cols));
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    auto c = (*old)->Commit(*batch, {{"test", -1, 2}}, "t");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
  }
  auto table = ExactlyOnceTable::OpenOrCreate(io::PosixFileSystem(), path, BronzeLayout());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto snap = (*table)->table().Latest();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->schema(), BronzeSchema());
  EXPECT_EQ((*snap)->version().value(), 2);  // create, append, add columns
  // Opening again changes nothing.
  ASSERT_TRUE(ExactlyOnceTable::OpenOrCreate(io::PosixFileSystem(), path, BronzeLayout()).ok());
  ASSERT_EQ((*(*table)->table().Latest())->version().value(), 2);
  // New rows land beside the old ones.
  next_offsets_["stock-trades"] = 3;
  AppendBronze("stock-trades", {Trade("n1", "MSFT")}, kNow);

  SilverOptions o;
  o.lake = lake_;
  o.now_us = kNow;
  auto r = RunSilverOnce(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["stock_trades"].silver_rows, 2);  // o0 and n1
  auto errors = Rows(ErrorsTablePath(lake_));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0]["raw_payload"].as_bytes(), Trade("o1", "CAF" + kFffd));
  EXPECT_EQ(errors[0]["reason"].as_bytes().rfind("the message is not UTF-8 text", 0), 0u);
}

// Held twice (replaced and exact), such a message counts twice against the batch and buffer
// limits.
TEST(BronzeBytesTest, TextThatIsNotUtf8CountsBothCopies) {
  BronzeBatchBuilder utf8, binary;
  BronzeRecord r;
  r.topic = "t";
  const std::string ascii(1000, 'a'), ff(1000, '\xFF');
  r.payload = ascii;
  utf8.Append(r, kNow);
  r.payload = ff;
  binary.Append(r, kNow);
  EXPECT_EQ(binary.bytes() - utf8.bytes(), 3000);  // 1000 x U+FFFD beside the 1000 exact bytes
}

// A commit refused for its appId leaves no data file behind; a model metric naming a file in
// Latin-1 is stored as UTF-8.
TEST_F(NotUtf8Test, RefusedCommitsLeaveNoFilesAndMetricsAreUtf8) {
  const std::string path = BronzeTablePath(lake_, "stock-trades");
  auto table = ExactlyOnceTable::OpenOrCreate(io::PosixFileSystem(), path, BronzeLayout());
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  BronzeBatchBuilder b;
  BronzeRecord r;
  const std::string p = Trade("e1", "AAPL");
  r.payload = p;
  r.topic = "stock-trades";
  r.offset = 1;
  b.Append(r, kNow);
  auto refused = (*table)->Commit(b.Finish(), {{"stream-s\xE9", -1, 1}}, "t");
  ASSERT_FALSE(refused.ok());
  int parquet_files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(path)) {
    parquet_files += e.path().extension() == ".parquet" ? 1 : 0;
  }
  EXPECT_EQ(parquet_files, 0);

  ModelMetricRow m;
  m.created_at_us = kNow;
  m.model = "fraud";
  m.model_version = "v1";
  m.subject = "cards-\xE9t\xE9.csv";
  m.split = "test";
  m.metric = "auprc";
  m.value = 0.5;
  ASSERT_TRUE(AppendModelMetrics(io::PosixFileSystem(), lake_, {m}).ok());
  auto rows = Rows(ModelMetricsPath(lake_));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["subject"].as_bytes(), "cards-" + kFffd + "t" + kFffd + ".csv");
}

// Whatever a stage hands the errors table, its strings are stored as UTF-8.
TEST(ErrorRowsTest, StringsThatAreNotUtf8AreStoredWithReplacements) {
  ErrorRowsBuilder b;
  b.Append(ErrorRow{kNow, "ingest", "prices-\xE9t\xE9.csv", "line 3: bad price 'x\xA0'",
                    "d\xE9j\xE0,1,2", "f:3"});
  const columnar::RecordBatch batch = b.Finish();
  ASSERT_EQ(batch.num_rows(), 1);
  EXPECT_EQ(batch.column(2).StringAt(0), "prices-" + kFffd + "t" + kFffd + ".csv");
  EXPECT_EQ(batch.column(3).StringAt(0), "line 3: bad price 'x" + kFffd + "'");
  EXPECT_EQ(batch.column(4).StringAt(0), "d" + kFffd + "j" + kFffd + ",1,2");
  EXPECT_EQ(batch.column(5).StringAt(0), "f:3");
}

}  // namespace
}  // namespace financelake::pipeline
