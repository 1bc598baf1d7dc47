#include "financelake/delta/checkpoint_schema.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "financelake/delta/log.h"
#include "financelake/io/memory_filesystem.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/parquet/reader.h"
#include "financelake/parquet/writer.h"

namespace financelake::delta {
namespace {

using columnar::RecordBatch;
using columnar::Schema;

std::string Golden(const std::string& rel) {
  return std::string(FL_SOURCE_DIR) + "/../shared/fixtures/delta_golden/" + rel;
}

Result<RecordBatch> ReadParquet(io::FileSystem& fs, const std::string& path) {
  FL_ASSIGN_OR_RETURN(auto reader, parquet::ParquetReader::Open(fs, path));
  return reader->ReadAll();
}

Snapshot SampleSnapshot() {
  Snapshot::Parts p;
  p.version = DeltaVersion(7);
  p.protocol = Protocol{1, 2, {}, {}};
  p.metadata.id = "id-1";
  p.metadata.name = "trades";
  p.metadata.schema_string = R"({"type":"struct","fields":[]})";
  p.metadata.partition_columns = {"day", "sym"};
  p.metadata.configuration = {{"delta.checkpointInterval", "10"}};
  p.metadata.format.options = {{"o", "1"}};
  p.metadata.created_time = 123;
  AddFile a;
  a.path = "day=2024-01-02/sym=A/part-0.parquet";
  a.partition_values = {{"day", "2024-01-02"}, {"sym", std::nullopt}};
  a.size = 100;
  a.modification_time = 5;
  a.stats = R"({"numRecords":2})";
  a.tags = {{"t", "v"}};
  AddFile b;
  b.path = "part-1.parquet";
  b.size = 7;
  p.files = {a, b};
  RemoveFile old;
  old.path = "old.parquet";
  old.deletion_timestamp = 50;
  old.extended_file_metadata = true;
  old.partition_values = {{"day", "2024-01-01"}};
  old.size = 9;
  RemoveFile expired = old;
  expired.path = "expired.parquet";
  expired.deletion_timestamp = 10;
  p.tombstones = {expired, old};
  p.txns = {{"app", Txn{"app", 4, 99}}};
  return Snapshot(std::move(p));
}

TEST(CheckpointSchemaTest, SchemaIsSparks) {
  // The action columns of a Spark 3.x checkpoint of a protocol-(1,2) table, field for field.
  auto reader = parquet::ParquetReader::Open(
      *io::PosixFileSystem(),
      Golden(
          "core/kernel-basic-with-checkpoint/_delta_log/00000000000000000010.checkpoint.parquet"));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const Schema& spark = (*reader)->schema();
  for (const char* name : {"txn", "add", "remove", "metaData"}) {
    EXPECT_EQ(CheckpointSchema().field(*CheckpointSchema().FieldIndex(name)).type.ToString(),
              spark.field(*spark.FieldIndex(name)).type.ToString())
        << name;
  }
  EXPECT_EQ(CheckpointSchema().field(*CheckpointSchema().FieldIndex("protocol")).type.ToString(),
            "struct<minReaderVersion:integer,minWriterVersion:integer,"
            "readerFeatures:array<string>,writerFeatures:array<string>>");
  EXPECT_TRUE(CheckpointSchema().FieldIndex("commitInfo"));
}

TEST(CheckpointSchemaTest, RoundTripsThroughParquet) {
  const Snapshot s = SampleSnapshot();
  RecordBatch batch = CheckpointBatch(s, /*min_tombstone_timestamp_ms=*/20);
  ASSERT_EQ(batch.num_rows(), 6);  // protocol, metaData, txn, 2 adds, 1 live tombstone
  io::MemoryFileSystem fs;
  {
    auto w = parquet::ParquetWriter::Open(fs, "/cp.parquet", CheckpointSchema());
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE((*w)->Write(batch).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  auto back = ReadParquet(fs, "/cp.parquet");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->schema(), CheckpointSchema());
  auto actions = ActionsFromCheckpoint(*back);
  ASSERT_TRUE(actions.ok()) << actions.status().ToString();
  ASSERT_EQ(actions->size(), 6u);
  EXPECT_EQ(std::get<Protocol>((*actions)[0]), s.protocol());
  EXPECT_EQ(std::get<Metadata>((*actions)[1]), s.metadata());
  EXPECT_EQ(std::get<Txn>((*actions)[2]), s.txns().at("app"));
  AddFile a = s.files()[0];
  a.data_change = false;  // as Spark writes adds into checkpoints
  EXPECT_EQ(std::get<AddFile>((*actions)[3]), a);
  AddFile b = s.files()[1];
  b.data_change = false;
  EXPECT_EQ(std::get<AddFile>((*actions)[4]), b);
  EXPECT_EQ(std::get<RemoveFile>((*actions)[5]), s.tombstones()[1]);
  // Without a cutoff every tombstone is kept.
  EXPECT_EQ(CheckpointBatch(s).num_rows(), 7);
}

TEST(CheckpointSchemaTest, ToleratesMissingFieldsAndRejectsMalformedRows) {
  // A checkpoint with only some columns and fields (older writers).
  auto minimal = Schema::Parse(
      "add:struct<path:string,size:long,partitionValues:map<string,string>>,"
      "protocol:struct<minReaderVersion:integer,minWriterVersion:integer>,other:long");
  ASSERT_TRUE(minimal.ok());
  RecordBatch batch(*minimal);
  auto& add = batch.mutable_column(0);
  add.mutable_child(0).AppendString("f.parquet");
  add.mutable_child(1).Append<int64_t>(3);
  add.mutable_child(2).CloseList();
  add.AppendStructValid();
  batch.mutable_column(1).AppendNull();
  batch.mutable_column(2).Append<int64_t>(1);
  auto actions = ActionsFromCheckpoint(batch);
  ASSERT_TRUE(actions.ok()) << actions.status().ToString();
  ASSERT_EQ(actions->size(), 1u);
  const AddFile& f = std::get<AddFile>((*actions)[0]);
  EXPECT_EQ(f.path, "f.parquet");
  EXPECT_EQ(f.size, 3);
  EXPECT_FALSE(f.stats);

  // The same row without a path.
  RecordBatch bad(*minimal);
  auto& add2 = bad.mutable_column(0);
  add2.mutable_child(0).AppendNull();
  add2.mutable_child(1).Append<int64_t>(3);
  add2.mutable_child(2).CloseList();
  add2.AppendStructValid();
  bad.mutable_column(1).AppendNull();
  bad.mutable_column(2).Append<int64_t>(1);
  auto err = ActionsFromCheckpoint(bad);
  ASSERT_FALSE(err.ok());
  EXPECT_TRUE(err.status().IsDataLoss());
  EXPECT_EQ(err.status().message(), "row 0: add: missing 'path'");
}

// Every checkpoint in the fixtures (Spark 2.x-3.x, delta-rs; with deletionVector, baseRowId,
// partitionValues_parsed, domainMetadata, cdc, commitInfo, checkpointMetadata, sidecar columns)
// reads into one action per non-null action cell.
TEST(CheckpointSchemaTest, ReadsEveryFixtureCheckpoint) {
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(Golden(""))) {
    const std::string name = e.path().filename().string();
    if (name.find(".checkpoint.") == std::string::npos || e.path().extension() != ".parquet") {
      continue;
    }
    SCOPED_TRACE(e.path().string());
    ++files;
    auto batch = ReadParquet(*io::PosixFileSystem(), e.path().string());
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    auto actions = ActionsFromCheckpoint(*batch);
    ASSERT_TRUE(actions.ok()) << actions.status().ToString();
    size_t cells = 0;
    for (const std::string& col : CheckpointActionColumns()) {
      if (const auto* c = batch->ColumnByName(col)) cells += c->length() - c->null_count();
    }
    EXPECT_EQ(actions->size(), cells);
  }
  EXPECT_EQ(files, 12);
}

// A snapshot rebuilt from a Spark checkpoint equals the one replayed from the JSON commits.
TEST(CheckpointSchemaTest, SparkCheckpointsAgreeWithJsonReplay) {
  for (const char* table :
       {"core/basic-with-inserts-deletes-checkpoint", "core/basic-with-inserts-overwrite-restore",
        "core/kernel-basic-with-checkpoint", "core/simple_table_with_checkpoint",
        "log_only_and_negative/checkpoint", "log_only_and_negative/corrupted-last-checkpoint",
        "log_only_and_negative/latest_not_checkpointed",
        "log_only_and_negative/with_checkpoint_no_last_checkpoint"}) {
    SCOPED_TRACE(table);
    auto& fs = *io::PosixFileSystem();
    auto listing = ListLog(fs, Golden(table));
    ASSERT_TRUE(listing.ok()) << listing.status().ToString();
    ASSERT_FALSE(listing->checkpoints.empty());
    const DeltaVersion cp = listing->checkpoints.back().version;
    auto from_checkpoint = LoadSnapshot(fs, Golden(table), *listing, cp);
    ASSERT_TRUE(from_checkpoint.ok()) << from_checkpoint.status().ToString();
    LogListing json_only = *listing;
    json_only.checkpoints.clear();
    auto replayed = LoadSnapshot(fs, Golden(table), json_only, cp);
    ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
    const Snapshot& a = **from_checkpoint;
    const Snapshot& b = **replayed;
    EXPECT_EQ(a.protocol(), b.protocol());
    EXPECT_EQ(a.metadata(), b.metadata());
    EXPECT_EQ(a.txns(), b.txns());
    ASSERT_EQ(a.files().size(), b.files().size());
    for (size_t i = 0; i < a.files().size(); ++i) {
      EXPECT_EQ(a.files()[i].path, b.files()[i].path);
      EXPECT_EQ(a.files()[i].size, b.files()[i].size);
      EXPECT_EQ(a.files()[i].partition_values, b.files()[i].partition_values);
      EXPECT_EQ(a.files()[i].stats, b.files()[i].stats);
    }
  }
}

}  // namespace
}  // namespace financelake::delta
