#include "financelake/delta/actions.h"

#include <gtest/gtest.h>

#include <string>

namespace financelake::delta {
namespace {

Action ParseLine(std::string_view line) {
  auto j = Json::Parse(line);
  EXPECT_TRUE(j.ok()) << j.status().ToString();
  auto a = ParseAction(*j);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return a.ok() ? std::move(a).value() : Action(OtherAction{"<error>"});
}

Status ParseLineError(std::string_view line) {
  auto j = Json::Parse(line);
  EXPECT_TRUE(j.ok()) << j.status().ToString();
  auto a = ParseAction(*j);
  EXPECT_FALSE(a.ok()) << line;
  return a.ok() ? Status::OK() : a.status();
}

// Lines as Spark writes them (simple_table, data-reader-partition-values, kernel tables).
TEST(ActionsTest, ParsesSparkLines) {
  auto add = std::get<AddFile>(ParseLine(
      R"({"add":{"path":"a=1/part-0.parquet","partitionValues":{"a":"1","b":null},"size":429,)"
      R"("modificationTime":1587968586000,"dataChange":true,"stats":"{\"numRecords\":5}",)"
      R"("tags":{"INSERTION_TIME":"1","x":null},"baseRowId":4}})"));
  EXPECT_EQ(add.path, "a=1/part-0.parquet");
  EXPECT_EQ(add.partition_values.at("a"), "1");
  EXPECT_FALSE(add.partition_values.at("b").has_value());
  EXPECT_EQ(add.size, 429);
  EXPECT_EQ(add.modification_time, 1587968586000);
  EXPECT_TRUE(add.data_change);
  EXPECT_EQ(add.stats, R"({"numRecords":5})");
  EXPECT_EQ(add.tags.size(), 1u);
  EXPECT_FALSE(add.has_deletion_vector);

  auto rm = std::get<RemoveFile>(
      ParseLine(R"({"remove":{"path":"p","deletionTimestamp":1587968596250,"dataChange":true}})"));
  EXPECT_EQ(rm.path, "p");
  EXPECT_EQ(rm.deletion_timestamp, 1587968596250);
  EXPECT_FALSE(rm.extended_file_metadata);
  EXPECT_FALSE(rm.size.has_value());

  auto md = std::get<Metadata>(ParseLine(
      R"({"metaData":{"id":"5fba","format":{"provider":"parquet","options":{}},)"
      R"("schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":["a"],)"
      R"("configuration":{"delta.checkpointInterval":"2"},"createdTime":1587968585495}})"));
  EXPECT_EQ(md.id, "5fba");
  EXPECT_FALSE(md.name.has_value());
  EXPECT_EQ(md.format.provider, "parquet");
  EXPECT_EQ(md.partition_columns, std::vector<std::string>{"a"});
  EXPECT_EQ(md.configuration.at("delta.checkpointInterval"), "2");
  EXPECT_EQ(md.created_time, 1587968585495);

  auto p = std::get<Protocol>(ParseLine(
      R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,)"
      R"("readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors","x"]}})"));
  EXPECT_EQ(p.min_reader_version, 3);
  EXPECT_EQ(p.reader_features, std::vector<std::string>{"deletionVectors"});
  EXPECT_EQ(p.writer_features.size(), 2u);

  auto t = std::get<Txn>(ParseLine(R"({"txn":{"appId":"app","version":364475}})"));
  EXPECT_EQ(t.app_id, "app");
  EXPECT_EQ(t.version, 364475);
  EXPECT_FALSE(t.last_updated.has_value());

  auto ci = std::get<CommitInfo>(
      ParseLine(R"({"commitInfo":{"timestamp":1587968586154,"operation":"WRITE"}})"));
  EXPECT_EQ(ci.timestamp(), 1587968586154);
  EXPECT_EQ(ci.operation(), "WRITE");

  EXPECT_EQ(std::get<OtherAction>(ParseLine(R"({"cdc":{"path":"x"}})")).name, "cdc");
  EXPECT_EQ(std::get<OtherAction>(ParseLine(R"({"domainMetadata":{}})")).name, "domainMetadata");
}

TEST(ActionsTest, DeletionVectorIsFlagged) {
  auto add = std::get<AddFile>(
      ParseLine(R"({"add":{"path":"p","partitionValues":{},"size":1,"modificationTime":2,)"
                R"("dataChange":true,"deletionVector":{"storageType":"u","pathOrInlineDv":"ab",)"
                R"("offset":1,"sizeInBytes":36,"cardinality":2}}})"));
  EXPECT_TRUE(add.has_deletion_vector);
}

TEST(ActionsTest, MalformedKnownActionsAreDataLoss) {
  struct Case {
    const char* line;
    const char* message;
  } cases[] = {
      {R"({"add":{"partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}})",
       "add: missing 'path'"},
      {R"({"add":{"path":"p","partitionValues":{},"size":"big","modificationTime":1,"dataChange":true}})",
       "add: 'size' is not an integer"},
      {R"({"add":{"path":"p","partitionValues":{"a":1},"size":1,"modificationTime":1,"dataChange":true}})",
       "add: 'partitionValues.a' is not a string"},
      {R"({"add":{"path":"p","size":1,"modificationTime":1,"dataChange":true}})",
       "add: missing 'partitionValues'"},
      {R"({"remove":{"deletionTimestamp":1}})", "remove: missing 'path'"},
      {R"({"metaData":{"format":{"provider":"parquet"},"partitionColumns":[]}})",
       "metaData: missing 'id'"},
      {R"({"metaData":{"id":"x","schemaString":"{}","partitionColumns":"a"}})",
       "metaData: 'partitionColumns' is not an array"},
      {R"({"protocol":{"minReaderVersion":1}})", "protocol: missing 'minWriterVersion'"},
      {R"({"txn":{"appId":"a"}})", "txn: missing 'version'"},
      {R"({"add":[1]})", "add: not a JSON object"},
      {R"({"commitInfo":3})", "commitInfo: not a JSON object"},
      {R"({"add":{},"remove":{}})", "exactly one action"},
      {R"({})", "exactly one action"},
  };
  for (const auto& c : cases) {
    Status st = ParseLineError(c.line);
    EXPECT_TRUE(st.IsDataLoss()) << st.ToString();
    EXPECT_NE(st.message().find(c.message), std::string::npos) << st.message();
  }
}

TEST(ActionsTest, ParseCommitNamesFileAndLine) {
  const std::string text =
      "{\"commitInfo\":{}}\n"
      "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
      "{\"add\":{\"size\":1}}\n";
  auto r = ParseCommit(text, "/t/_delta_log/00000000000000000003.json");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsDataLoss());
  EXPECT_EQ(r.status().message(),
            "delta: /t/_delta_log/00000000000000000003.json: line 3: add: missing 'path'");

  auto bad_json = ParseCommit("{\"commitInfo\":{}}\n{\"add\":", "f.json");
  ASSERT_FALSE(bad_json.ok());
  EXPECT_TRUE(bad_json.status().IsDataLoss());
  EXPECT_NE(bad_json.status().message().find("delta: f.json: line 2: json: "), std::string::npos)
      << bad_json.status().message();

  // Blank lines and CRLF are tolerated; a missing final newline too.
  auto ok = ParseCommit("{\"commitInfo\":{}}\r\n\n{\"txn\":{\"appId\":\"a\",\"version\":1}}", "f");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->size(), 2u);
}

TEST(ActionsTest, AnEmptyCommitFileIsDamageNotAnEmptyCommit) {
  for (const char* text : {"", "\n\n", " \r\n"}) {
    auto r = ParseCommit(text, "/t/_delta_log/00000000000000000002.json");
    ASSERT_FALSE(r.ok()) << "accepted '" << text << "'";
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(r.status().message().find("00000000000000000002.json"), std::string::npos) << r.status().message();
  }
}

TEST(ActionsTest, RoundTripsEveryAction) {
  AddFile add;
  add.path = "x=1/part-00000.snappy.parquet";
  add.partition_values = {{"x", "1"}, {"y", std::nullopt}};
  add.size = 1234;
  add.modification_time = 1700000000000;
  add.data_change = false;
  add.stats = R"({"numRecords":3,"minValues":{"v":1}})";
  add.tags = {{"k", "v"}};
  RemoveFile rm;
  rm.path = "old.parquet";
  rm.deletion_timestamp = 1700000000001;
  rm.extended_file_metadata = true;
  rm.partition_values = {{"x", "2"}};
  rm.size = 99;
  Metadata md;
  md.id = "id-1";
  md.name = "t";
  md.description = "d";
  md.schema_string = R"({"type":"struct","fields":[]})";
  md.partition_columns = {"x"};
  md.configuration = {{"delta.appendOnly", "false"}};
  md.created_time = 5;
  Protocol p{1, 2, {}, {}};
  Txn txn{"app", 7, 8};
  CommitInfo ci{
      Json::Parse(R"({"timestamp":1,"operation":"WRITE","operationParameters":{}})").value()};
  const std::vector<Action> actions = {ci, p, md, add, rm, txn};
  const std::string text = SerializeCommit(actions);
  auto back = ParseCommit(text, "roundtrip");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, actions);
  // Spark's field names and order, compact.
  EXPECT_EQ(ActionToJson(p).Dump(), R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})");
  EXPECT_EQ(
      ActionToJson(add).Dump(),
      R"({"add":{"path":"x=1/part-00000.snappy.parquet","partitionValues":{"x":"1","y":null},)"
      R"("size":1234,"modificationTime":1700000000000,"dataChange":false,)"
      R"("stats":"{\"numRecords\":3,\"minValues\":{\"v\":1}}","tags":{"k":"v"}}})");
  EXPECT_EQ(ActionToJson(txn).Dump(), R"({"txn":{"appId":"app","version":7,"lastUpdated":8}})");
  EXPECT_EQ(ActionToJson(Protocol{3, 7, {"deletionVectors"}, {"deletionVectors"}}).Dump(),
            R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,)"
            R"("readerFeatures":["deletionVectors"],"writerFeatures":["deletionVectors"]}})");
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);
}

}  // namespace
}  // namespace financelake::delta
