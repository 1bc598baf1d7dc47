// Transaction: commits, commitInfo, data files (partitioning, stats), exactly-once and the
// conflict rules between two transactions read at the same version.
#include "financelake/delta/transaction.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "financelake/columnar/text_values.h"
#include "financelake/delta/conflict.h"
#include "financelake/delta/data_writer.h"
#include "financelake/delta/operations.h"
#include "financelake/delta/stats.h"
#include "financelake/delta/uuid.h"
#include "financelake/io/atomic_file.h"
#include "financelake/io/memory_filesystem.h"

namespace financelake::delta {
namespace {

using columnar::Column;
using columnar::DataType;
using columnar::Field;
using columnar::RecordBatch;
using columnar::Schema;
using columnar::Value;

RecordBatch Batch(const Schema& schema, const std::vector<std::vector<Value>>& rows) {
  std::vector<Column> cols;
  for (const Field& f : schema.fields()) cols.emplace_back(f.type);
  for (const auto& row : rows) {
    for (size_t c = 0; c < cols.size(); ++c) cols[c].AppendValue(row[c]);
  }
  return RecordBatch::Make(schema, std::move(cols)).value();
}

// Rows of the latest snapshot as sorted JSON lines.
std::vector<std::string> TableRows(Table& table) {
  auto snap = table.Latest();
  EXPECT_TRUE(snap.ok()) << snap.status().ToString();
  auto batch = table.Scan(**snap, ScanOptions{});
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  std::vector<std::string> out;
  for (int64_t r = 0; r < batch->num_rows(); ++r) {
    std::string line;
    columnar::AppendJsonRow(*batch, r, &line);
    out.push_back(std::move(line));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Action> ReadCommitActions(io::FileSystem& fs, const std::string& table, int64_t v) {
  auto text = fs.ReadFile(table + "/_delta_log/" + CommitFileName(DeltaVersion(v)));
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  auto actions = ParseCommit(text.ok() ? *text : "", "test");
  EXPECT_TRUE(actions.ok()) << actions.status().ToString();
  return actions.ok() ? *actions : std::vector<Action>{};
}

Json CommitInfoOf(io::FileSystem& fs, const std::string& table, int64_t v) {
  for (const Action& a : ReadCommitActions(fs, table, v)) {
    if (const auto* ci = std::get_if<CommitInfo>(&a)) return ci->value;
  }
  return Json();
}

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = std::make_shared<io::MemoryFileSystem>();
    table_ = Table::Open(fs_, "/t");
    schema_ = Schema({{"id", DataType::Long(), true}, {"name", DataType::String(), true}});
  }
  void Create(const CreateOptions& options = {}) {
    auto v = CreateTable(*table_, schema_, options);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    ASSERT_EQ(v->value(), 0);
  }
  RecordBatch Rows(int64_t first, int64_t n) {
    std::vector<std::vector<Value>> rows;
    for (int64_t i = first; i < first + n; ++i) {
      rows.push_back({Value::Int(i), Value::Bytes("n" + std::to_string(i))});
    }
    return Batch(schema_, rows);
  }

  std::shared_ptr<io::MemoryFileSystem> fs_;
  std::unique_ptr<Table> table_;
  Schema schema_;
};

TEST_F(TransactionTest, CreateAppendAndReadBack) {
  Create();
  auto w1 = Append(*table_, Rows(0, 3));
  ASSERT_TRUE(w1.ok()) << w1.status().ToString();
  EXPECT_EQ(w1->version.value(), 1);
  EXPECT_EQ(w1->files_added, 1);
  EXPECT_EQ(w1->rows_written, 3);
  auto w2 = Append(*table_, Rows(3, 2));
  ASSERT_TRUE(w2.ok()) << w2.status().ToString();
  EXPECT_EQ(w2->version.value(), 2);
  EXPECT_EQ(TableRows(*table_),
            (std::vector<std::string>{R"({"id":0,"name":"n0"})", R"({"id":1,"name":"n1"})",
                                      R"({"id":2,"name":"n2"})", R"({"id":3,"name":"n3"})",
                                      R"({"id":4,"name":"n4"})"}));
  auto snap = table_->Latest();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ((*snap)->protocol(), (Protocol{1, 2, {}, {}}));
  EXPECT_EQ((*snap)->num_records(), 5);
  for (const AddFile& f : (*snap)->files()) {
    EXPECT_TRUE(f.path.starts_with("part-00000-")) << f.path;
    EXPECT_TRUE(f.path.ends_with("-c000.snappy.parquet")) << f.path;
    EXPECT_TRUE(IsUuid(f.path.substr(11, 36))) << f.path;
  }
}

// Protocol (1, 2) writers must enforce column invariants; financelake cannot evaluate their
// Spark SQL, so it refuses to add rows to such a table (it once appended a row violating one).
TEST_F(TransactionTest, RowsAreNotAddedToATableWithColumnInvariants) {
  const std::string schema =
      R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
      R"({"name":"name","type":"string","nullable":true,"metadata":{}},)"
      R"({"name":"nested","type":{"type":"struct","fields":[{"name":"x","type":"long",)"
      R"("nullable":true,"metadata":{"delta.invariants":"{\"expression\":{\"expression\":\"x > 0\"}}"}}]},)"
      R"("nullable":true,"metadata":{}}]})";
  const Json escaped = Json::String(schema);
  const std::string commit =
      "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
      "{\"metaData\":{\"id\":\"a5b0c3d1-0000-4000-8000-000000000001\",\"format\":{\"provider\":"
      "\"parquet\",\"options\":{}},\"schemaString\":" +
      escaped.Dump() +
      ",\"partitionColumns\":[],\"configuration\":{},\"createdTime\":1700000000000}}\n";
  ASSERT_TRUE(fs_->CreateDirs("/t/_delta_log").ok());
  ASSERT_TRUE(
      io::WriteFileAtomic(*fs_, "/t/_delta_log/" + CommitFileName(DeltaVersion(0)), commit).ok());
  auto snap = table_->Latest();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  Schema flat({{"id", DataType::Long(), true}, {"name", DataType::String(), true}});
  auto txn = Transaction::Start(*table_);
  ASSERT_TRUE(txn.ok()) << txn.status().ToString();
  AddFile add;
  add.path = "part-00000-x.parquet";
  add.size = 1;
  add.modification_time = 1;
  add.data_change = true;
  (*txn)->AddFiles({add});
  auto refused = (*txn)->Commit("WRITE", Json::Object());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("column 'x' has an invariant"), std::string::npos)
      << refused.status().ToString();
  EXPECT_EQ((*table_->Latest())->version().value(), 0);
}

// The log is JSON text: an appId that is not UTF-8 read back as another id (U+FFFD), so an
// ingest stream named that way never found its position and re-ingested everything each run.
TEST_F(TransactionTest, ATxnAppIdThatIsNotUtf8IsRefused) {
  Create();
  auto txn = Transaction::Start(*table_);
  ASSERT_TRUE(txn.ok()) << txn.status().ToString();
  (*txn)->SetTxn("stream-s\xe9", 3);
  auto refused = (*txn)->Commit("STREAMING UPDATE", Json::Object());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("a txn appId must be UTF-8 text"), std::string::npos);
  EXPECT_EQ((*table_->Latest())->version().value(), 0);
  auto ok = Transaction::Start(*table_);
  ASSERT_TRUE(ok.ok());
  (*ok)->SetTxn("stream-s\xc3\xa9", 3);
  ASSERT_TRUE((*ok)->Commit("STREAMING UPDATE", Json::Object()).ok());
  EXPECT_EQ((*table_->Latest())->TxnVersion("stream-s\xc3\xa9"), 3);
}

TEST_F(TransactionTest, CommitInfoLooksLikeSparks) {
  Create();
  ASSERT_TRUE(Append(*table_, Rows(0, 3)).ok());
  Json create = CommitInfoOf(*fs_, "/t", 0);
  EXPECT_EQ(create.GetString("operation", ""), "CREATE TABLE");
  EXPECT_EQ(create.Find("readVersion"), nullptr);
  EXPECT_TRUE(create.GetBool("isBlindAppend", false));
  EXPECT_EQ(create.Find("operationParameters")->Dump(),
            R"({"isManaged":"false","description":null,"partitionBy":"[]","properties":"{}"})");
  Json ci = CommitInfoOf(*fs_, "/t", 1);
  EXPECT_GT(ci.GetInt("timestamp", 0), 0);
  EXPECT_EQ(ci.GetString("operation", ""), "WRITE");
  EXPECT_EQ(ci.Find("operationParameters")->Dump(), R"({"mode":"Append","partitionBy":"[]"})");
  EXPECT_EQ(ci.GetInt("readVersion", -1), 0);
  EXPECT_TRUE(ci.GetBool("isBlindAppend", false));
  EXPECT_EQ(ci.GetString("engineInfo", ""), "financelake/0.1");
  const Json* m = ci.Find("operationMetrics");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->GetString("numFiles", ""), "1");
  EXPECT_EQ(m->GetString("numOutputRows", ""), "3");
  auto snap = table_->Latest();
  EXPECT_EQ(m->GetString("numOutputBytes", ""), std::to_string((*snap)->total_bytes()));
  // The first line of a commit is its commitInfo, then protocol and metaData for a create.
  auto actions = ReadCommitActions(*fs_, "/t", 0);
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<CommitInfo>(actions[0]));
  EXPECT_TRUE(std::holds_alternative<Protocol>(actions[1]));
  EXPECT_TRUE(std::holds_alternative<Metadata>(actions[2]));
}

TEST_F(TransactionTest, CreateRefusesExistingTableAndBadPartitioning) {
  Create();
  EXPECT_TRUE(CreateTable(*table_, schema_, {}).status().IsAlreadyExists());
  auto other = Table::Open(fs_, "/u");
  CreateOptions all;
  all.partition_columns = {"id", "name"};
  EXPECT_TRUE(CreateTable(*other, schema_, all).status().IsInvalidArgument());
  CreateOptions missing;
  missing.partition_columns = {"nope"};
  EXPECT_TRUE(CreateTable(*other, schema_, missing).status().IsInvalidArgument());
}

TEST_F(TransactionTest, PartitionedWritesUseHiveDirectoriesAndNulls) {
  schema_ = Schema({{"id", DataType::Long(), true}, {"part", DataType::String(), true}});
  CreateOptions options;
  options.partition_columns = {"part"};
  Create(options);
  RecordBatch batch = Batch(schema_, {{Value::Int(1), Value::Bytes("a")},
                                      {Value::Int(2), Value::Null()},
                                      {Value::Int(3), Value::Bytes("x/y:z %")},
                                      {Value::Int(4), Value::Bytes("a")}});
  auto w = Append(*table_, batch);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->files_added, 3);
  auto snap = table_->Latest();
  ASSERT_TRUE(snap.ok());
  std::map<std::string, std::optional<std::string>> dir_to_value;
  for (const AddFile& f : (*snap)->files()) {
    dir_to_value[f.path.substr(0, f.path.find('/'))] = f.partition_values.at("part");
    auto rel = DecodeLogPath(f.path);
    ASSERT_TRUE(rel.ok());
    EXPECT_TRUE(*fs_->Exists("/t/" + *rel)) << *rel;
  }
  EXPECT_EQ(dir_to_value.size(), 3u);
  EXPECT_EQ(dir_to_value.at("part=a"), "a");
  EXPECT_EQ(dir_to_value.at("part=__HIVE_DEFAULT_PARTITION__"), std::nullopt);
  // Hive escapes in the directory, then URI quoting of '%' and ' ' in add.path.
  EXPECT_EQ(dir_to_value.at("part=x%252Fy%253Az%20%2525"), "x/y:z %");
  EXPECT_TRUE(*fs_->Exists("/t/part=x%2Fy%3Az %25"));
  EXPECT_EQ(TableRows(*table_),
            (std::vector<std::string>{R"({"id":1,"part":"a"})", R"({"id":2,"part":null})",
                                      R"({"id":3,"part":"x/y:z %"})", R"({"id":4,"part":"a"})"}));
  // Data files hold the data columns only; so do their stats.
  for (const AddFile& f : (*snap)->files()) {
    if (f.partition_values.at("part") == "a") {
      EXPECT_EQ(
          *f.stats,
          R"({"numRecords":2,"minValues":{"id":1},"maxValues":{"id":4},"nullCount":{"id":0}})");
    }
    EXPECT_EQ(f.stats->find("part"), std::string::npos);
  }
}

// A partition value readers could not parse back (a date before the year 1, as Silver once
// wrote from an epoch-ms event time) is refused instead of making the table unreadable.
TEST_F(TransactionTest, PartitionValuesThatDoNotReadBackAreRefused) {
  schema_ = Schema({{"id", DataType::Long(), true}, {"day", DataType::Date(), true}});
  CreateOptions options;
  options.partition_columns = {"day"};
  Create(options);
  const int32_t before_year_one = -719163 - 1;  // 0000-12-31
  auto w =
      Append(*table_, Batch(schema_, {{Value::Int(1), Value::Int(19000)},
                                      {Value::Int(2), Value::Int(before_year_one - 10000000)}}));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(w.status().message().find("partition column 'day'"), std::string::npos)
      << w.status().ToString();
  auto ok = Append(*table_, Batch(schema_, {{Value::Int(1), Value::Int(19000)},
                                            {Value::Int(3), Value::Int(-719162)}}));  // 0001-01-01
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(TableRows(*table_).size(), 2u);
}

TEST_F(TransactionTest, StatsJsonIsExact) {
  const DataType quote =
      DataType::Struct({{"bid", DataType::Double(), true}, {"venue", DataType::String(), true}});
  schema_ = Schema({{"id", DataType::Long(), true},
                    {"s", DataType::String(), true},
                    {"ts", DataType::Timestamp(), true},
                    {"d", DataType::Date(), true},
                    {"dec", DataType::Decimal(10, 2), true},
                    {"q", quote, true},
                    {"tags", DataType::Array(DataType::String()), true},
                    {"flag", DataType::Boolean(), true}});
  Create();
  std::vector<Column> cols;
  for (const Field& f : schema_.fields()) cols.emplace_back(f.type);
  const std::string a40(40, 'a'), b40(40, 'b');
  cols[0].AppendValue(Value::Int(3));
  cols[0].AppendValue(Value::Int(1));
  cols[0].AppendNull();
  cols[1].AppendValue(Value::Bytes(b40));
  cols[1].AppendValue(Value::Bytes(a40));
  cols[1].AppendNull();
  cols[2].AppendValue(Value::Int(1000001));  // 1.000001 s
  cols[2].AppendValue(Value::Int(2999));     // 0.002999 s -> min floors to .002
  cols[2].AppendValue(Value::Int(5000001));  // 5.000001 s -> max ceils to 5.001
  cols[3].AppendValue(Value::Int(19000));
  cols[3].AppendNull();
  cols[3].AppendValue(Value::Int(19500));
  cols[4].AppendValue(Value::Decimal(12345));
  cols[4].AppendValue(Value::Decimal(-5));
  cols[4].AppendNull();
  Column& q = cols[5];
  q.mutable_child(0).AppendValue(Value::Real(1.5));
  q.mutable_child(1).AppendValue(Value::Bytes("X"));
  q.AppendStructValid();
  q.AppendNull();
  q.mutable_child(0).AppendNull();
  q.mutable_child(1).AppendValue(Value::Bytes("Y"));
  q.AppendStructValid();
  Column& tags = cols[6];
  tags.mutable_child(0).AppendValue(Value::Bytes("t"));
  tags.CloseList();
  tags.AppendNull();
  tags.AppendNull();
  for (int i = 0; i < 3; ++i) cols[7].AppendValue(Value::Bool(i == 0));
  auto batch = RecordBatch::Make(schema_, std::move(cols));
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();

  auto txn = Transaction::Start(*table_);
  ASSERT_TRUE(txn.ok());
  auto adds = (*txn)->WriteDataFiles(*batch);
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  ASSERT_EQ(adds->size(), 1u);
  const std::string a32(32, 'a'), b32(32, 'b');
  EXPECT_EQ(*(*adds)[0].stats,
            R"({"numRecords":3,)"
            R"("minValues":{"id":1,"s":")" +
                a32 +
                R"(","ts":"1970-01-01T00:00:00.002Z",)"
                R"("d":"2022-01-08","dec":-0.05,"q":{"bid":1.5,"venue":"X"}},)"
                R"("maxValues":{"id":3,"s":")" +
                b32 + "\xEF\xBF\xBD" +
                R"(",)"
                R"("ts":"1970-01-01T00:00:05.001Z","d":"2023-05-23","dec":123.45,)"
                R"("q":{"bid":1.5,"venue":"Y"}},)"
                R"("nullCount":{"id":1,"s":1,"ts":0,"d":1,"dec":1,"q":{"bid":2,"venue":1},)"
                R"("tags":2,"flag":0}})");
}

TEST(StatsTest, StringTruncationAndTimestampRounding) {
  EXPECT_EQ(TruncateMinString(std::string(40, 'z'), 32), std::string(32, 'z'));
  EXPECT_EQ(TruncateMaxString("short", 32), "short");
  EXPECT_EQ(TruncateMaxString(std::string(32, 'a'), 32), std::string(32, 'a'));
  // Characters >= U+FFFD after the cut extend the prefix; U+FFFD then bounds the rest.
  const std::string ffff = "\xEF\xBF\xBF", emoji = "\xF0\x9F\x98\x80", fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(TruncateMaxString(std::string(32, 'a') + ffff + emoji + "b", 32),
            std::string(32, 'a') + ffff + emoji + fffd);
  // Prefixes count characters, not bytes.
  std::string e40;
  for (int i = 0; i < 40; ++i) e40 += "\xC3\xA9";  // é
  EXPECT_EQ(TruncateMinString(e40, 32).size(), 64u);
  EXPECT_EQ(FormatStatsTimestamp(-1, false), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatStatsTimestamp(-1, true), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatStatsTimestamp(1706693400123456, true), "2024-01-31T09:30:00.124Z");
  EXPECT_EQ(FormatStatsTimestamp(1706693400123000, true), "2024-01-31T09:30:00.123Z");
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));  // a surrogate
  EXPECT_TRUE(IsValidUtf8(e40));
}

TEST(StatsTest, NaNDropsTheMaximumAndIndexedColumnsAreLimited) {
  Schema schema({{"a", DataType::Double(), true},
                 {"b", DataType::Long(), true},
                 {"c", DataType::Long(), true}});
  RecordBatch batch = Batch(schema, {{Value::Real(std::nan("")), Value::Int(1), Value::Int(2)},
                                     {Value::Real(-2.5), Value::Int(5), Value::Int(7)}});
  auto fs = std::make_shared<io::MemoryFileSystem>();
  ASSERT_TRUE(fs->CreateDirs("/x").ok());
  Metadata md;
  md.configuration["delta.dataSkippingNumIndexedCols"] = "2";
  auto adds = WriteDataFiles(*fs, "/x", schema, md, batch);
  ASSERT_TRUE(adds.ok()) << adds.status().ToString();
  EXPECT_EQ(*(*adds)[0].stats,
            R"({"numRecords":2,"minValues":{"a":-2.5,"b":1},"maxValues":{"b":5},)"
            R"("nullCount":{"a":0,"b":0}})");
}

TEST_F(TransactionTest, TxnIdMakesAppendsExactlyOnce) {
  Create();
  auto first = Append(*table_, Rows(0, 2), TxnId{"app", 1});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->skipped);
  auto again = Append(*table_, Rows(0, 2), TxnId{"app", 1});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->skipped);
  EXPECT_EQ(again->version, first->version);
  auto older = Append(*table_, Rows(0, 2), TxnId{"app", 0});
  ASSERT_TRUE(older.ok());
  EXPECT_TRUE(older->skipped);
  auto next = Append(*table_, Rows(2, 1), TxnId{"app", 2});
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->skipped);
  EXPECT_EQ(TableRows(*table_).size(), 3u);
  EXPECT_EQ((*table_->Latest())->TxnVersion("app"), 2);
}

TEST_F(TransactionTest, ConcurrentBlindAppendsBothCommit) {
  Create();
  auto t1 = Transaction::Start(*table_);
  auto t2 = Transaction::Start(*table_);
  ASSERT_TRUE(t1.ok() && t2.ok());
  for (auto* t : {&*t1, &*t2}) {
    auto adds = (*t)->WriteDataFiles(Rows(t == &*t1 ? 0 : 10, 2));
    ASSERT_TRUE(adds.ok());
    (*t)->AddFiles(*adds);
  }
  auto c1 = (*t1)->Commit("WRITE", Json::Object());
  auto c2 = (*t2)->Commit("WRITE", Json::Object());
  ASSERT_TRUE(c1.ok() && c2.ok()) << c2.status().ToString();
  EXPECT_EQ(c1->version.value(), 1);
  EXPECT_EQ(c2->version.value(), 2);
  EXPECT_EQ(c2->attempts, 2);
  EXPECT_EQ(TableRows(*table_).size(), 4u);
  EXPECT_EQ(CommitInfoOf(*fs_, "/t", 2).GetInt("readVersion", -1), 0);
  EXPECT_TRUE((*t1)->Commit("WRITE", Json::Object()).status().code() ==
              StatusCode::kFailedPrecondition);
}

TEST_F(TransactionTest, ConflictsThatCannotBeRetried) {
  Create();
  ASSERT_TRUE(Append(*table_, Rows(0, 2)).ok());
  const AddFile file = (*table_->Latest())->files()[0];
  auto start2 = [&] {
    auto a = Transaction::Start(*table_);
    auto b = Transaction::Start(*table_);
    EXPECT_TRUE(a.ok() && b.ok());
    return std::make_pair(std::move(a).value(), std::move(b).value());
  };
  {  // delete vs delete of the same file
    auto [a, b] = start2();
    a->RemoveFiles({RemoveFor(file, 1, true)});
    b->RemoveFiles({RemoveFor(file, 1, true)});
    ASSERT_TRUE(a->Commit("DELETE", Json::Object()).ok());
    auto st = b->Commit("DELETE", Json::Object()).status();
    EXPECT_EQ(st.code(), StatusCode::kAborted) << st.ToString();
    EXPECT_NE(st.message().find("concurrent delete/update of " + file.path + " in version 2"),
              std::string::npos)
        << st.message();
  }
  ASSERT_TRUE(Append(*table_, Rows(5, 1)).ok());
  const AddFile live = (*table_->Latest())->files()[0];
  {  // a read file removed by the winner
    auto [a, b] = start2();
    a->RemoveFiles({RemoveFor(live, 1, true)});
    b->ReadFiles({live});
    ASSERT_TRUE(a->Commit("DELETE", Json::Object()).ok());
    EXPECT_EQ(b->Commit("WRITE", Json::Object()).status().code(), StatusCode::kAborted);
  }
  {  // the same appId
    auto [a, b] = start2();
    a->SetTxn("stream", 7);
    b->SetTxn("stream", 8);
    ASSERT_TRUE(a->Commit("WRITE", Json::Object()).ok());
    auto st = b->Commit("WRITE", Json::Object()).status();
    EXPECT_TRUE(st.IsAlreadyExists()) << st.ToString();
    EXPECT_NE(st.message().find("'stream'"), std::string::npos) << st.message();
  }
  {  // a metadata change
    auto [a, b] = start2();
    Metadata md = a->read_snapshot()->metadata();
    md.configuration["delta.appendOnly"] = "false";
    a->UpdateMetadata(md);
    auto adds = b->WriteDataFiles(Rows(9, 1));
    ASSERT_TRUE(adds.ok());
    b->AddFiles(*adds);
    ASSERT_TRUE(a->Commit("SET TBLPROPERTIES", Json::Object()).ok());
    auto st = b->Commit("WRITE", Json::Object()).status();
    EXPECT_EQ(st.code(), StatusCode::kAborted);
    EXPECT_NE(st.message().find("concurrent metadata change in version"), std::string::npos);
  }
  {  // a whole-table read against an append
    auto [a, b] = start2();
    auto adds = a->WriteDataFiles(Rows(20, 1));
    ASSERT_TRUE(adds.ok());
    a->AddFiles(*adds);
    b->ReadWholeTable();
    ASSERT_TRUE(a->Commit("WRITE", Json::Object()).ok());
    EXPECT_EQ(b->Commit("WRITE", Json::Object()).status().code(), StatusCode::kAborted);
  }
}

TEST_F(TransactionTest, AppendOnlyTablesRefuseRemoves) {
  CreateOptions options;
  options.properties["delta.appendOnly"] = "true";
  Create(options);
  ASSERT_TRUE(Append(*table_, Rows(0, 2)).ok());
  auto st = Overwrite(*table_, Rows(5, 1)).status();
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  EXPECT_EQ(TableRows(*table_).size(), 2u);
}

TEST_F(TransactionTest, SchemaMismatchIsRejected) {
  Create();
  Schema other({{"id", DataType::Integer(), true}, {"name", DataType::String(), true}});
  auto st = Append(*table_, Batch(other, {{Value::Int(1), Value::Bytes("x")}})).status();
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
}

}  // namespace
}  // namespace financelake::delta
