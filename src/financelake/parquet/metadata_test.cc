#include "financelake/parquet/metadata.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "financelake/parquet/thrift_compact.h"

namespace financelake::parquet {
namespace {

using CT = CompactType;
using Kind = LogicalType::Kind;

const uint8_t* U8(const std::string& s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

Result<FileMetaData> Parse(const std::string& s) {
  return ParseFileMetaData(U8(s), s.size());
}

std::vector<LogicalType> AllLogicalTypes() {
  std::vector<LogicalType> out;
  for (Kind k : {Kind::kNone, Kind::kString, Kind::kMap, Kind::kList, Kind::kEnum, Kind::kDate,
                 Kind::kUnknown, Kind::kJson, Kind::kBson, Kind::kUuid, Kind::kFloat16}) {
    out.push_back(LogicalType{.kind = k});
  }
  out.push_back(LogicalType{.kind = Kind::kDecimal, .scale = 4, .precision = 38});
  for (TimeUnit unit : {TimeUnit::kMillis, TimeUnit::kMicros, TimeUnit::kNanos}) {
    for (bool utc : {false, true}) {
      out.push_back(LogicalType{.kind = Kind::kTime, .is_adjusted_to_utc = utc, .unit = unit});
      out.push_back(LogicalType{.kind = Kind::kTimestamp, .is_adjusted_to_utc = utc, .unit = unit});
    }
  }
  for (int8_t width : {8, 16, 32, 64}) {
    for (bool is_signed : {false, true}) {
      out.push_back(
          LogicalType{.kind = Kind::kInteger, .bit_width = width, .is_signed = is_signed});
    }
  }
  return out;
}

Statistics FullStatistics() {
  return Statistics{.max = std::string("\xff\x00z", 3),
                    .min = "",
                    .null_count = 3,
                    .distinct_count = 1ll << 40,
                    .max_value = "zz",
                    .min_value = "aa",
                    .is_max_value_exact = true,
                    .is_min_value_exact = false};
}

FileMetaData FullFileMetaData() {
  FileMetaData md;
  md.version = 2;
  const std::vector<LogicalType> logical = AllLogicalTypes();
  md.schema.push_back({.name = "schema", .num_children = 3 + static_cast<int32_t>(logical.size())});
  md.schema.push_back({.type = Type::INT64,
                       .repetition_type = Repetition::REQUIRED,
                       .name = "id",
                       .converted_type = ConvertedType::INT_64,
                       .field_id = 1});
  md.schema.push_back(
      {.type = Type::FIXED_LEN_BYTE_ARRAY,
       .type_length = 16,
       .repetition_type = Repetition::OPTIONAL,
       .name = "price",
       .converted_type = ConvertedType::DECIMAL,
       .scale = 4,
       .precision = 38,
       .logical_type = LogicalType{.kind = Kind::kDecimal, .scale = 4, .precision = 38}});
  md.schema.push_back({.repetition_type = Repetition::OPTIONAL,
                       .name = "tags",
                       .num_children = 1,
                       .converted_type = ConvertedType::LIST,
                       .logical_type = LogicalType{.kind = Kind::kList}});
  md.schema.push_back({.repetition_type = Repetition::REPEATED, .name = "list", .num_children = 1});
  md.schema.push_back({.type = Type::BYTE_ARRAY,
                       .repetition_type = Repetition::OPTIONAL,
                       .name = "element",
                       .converted_type = ConvertedType::UTF8,
                       .logical_type = LogicalType{.kind = Kind::kString}});
  for (size_t i = 0; i < logical.size(); ++i) {
    md.schema.push_back({.type = Type::INT64,
                         .repetition_type = Repetition::OPTIONAL,
                         .name = "c" + std::to_string(i),
                         .logical_type = logical[i]});
  }
  md.num_rows = 1'000'000'000'000;
  for (int g = 0; g < 2; ++g) {
    RowGroup rg;
    ColumnMetaData cmd;
    cmd.type = Type::BYTE_ARRAY;
    cmd.encodings = {Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY};
    cmd.path_in_schema = {"tags", "list", "element"};
    cmd.codec = CompressionCodec::ZSTD;
    cmd.num_values = 500 + g;
    cmd.total_uncompressed_size = 1 << 20;
    cmd.total_compressed_size = 1 << 19;
    cmd.key_value_metadata = {{"k1", "v1"}, {"k2", std::nullopt}};
    cmd.data_page_offset = 4 + g * 1000;
    cmd.index_page_offset = 77;
    cmd.dictionary_page_offset = 4;
    cmd.statistics = FullStatistics();
    cmd.encoding_stats = {{PageType::DICTIONARY_PAGE, Encoding::PLAIN, 1},
                          {PageType::DATA_PAGE, Encoding::RLE_DICTIONARY, 20}};
    rg.columns.push_back({.file_offset = 0, .meta_data = cmd});
    rg.columns.push_back({.file_path = "other.parquet", .file_offset = 123});
    ColumnMetaData minimal;
    minimal.type = Type::INT64;
    minimal.encodings = {Encoding::DELTA_BINARY_PACKED};
    minimal.path_in_schema = {"id"};
    rg.columns.push_back({.meta_data = minimal});
    rg.total_byte_size = 1 << 20;
    rg.num_rows = 250;
    rg.sorting_columns = {{0, false, true}, {2, true, false}};
    rg.file_offset = 4;
    rg.total_compressed_size = 1 << 19;
    rg.ordinal = static_cast<int16_t>(g);
    md.row_groups.push_back(std::move(rg));
  }
  md.key_value_metadata = {{"ARROW:schema", std::string(300, 'x')}, {"empty", ""}, {"none", {}}};
  md.created_by = "financelake version 0.1";
  md.column_orders_type_defined = {true, false, true};
  return md;
}

TEST(MetadataTest, FileMetaDataRoundTrip) {
  const FileMetaData md = FullFileMetaData();
  std::string out = "prefix";
  SerializeFileMetaData(md, &out);
  ASSERT_EQ(out.substr(0, 6), "prefix");  // appends
  const std::string body = out.substr(6);
  Result<FileMetaData> parsed = Parse(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, md);
  std::string again;
  SerializeFileMetaData(*parsed, &again);
  EXPECT_EQ(again, body);
}

TEST(MetadataTest, MinimalFileMetaDataRoundTrip) {
  FileMetaData md;
  md.schema.push_back({.name = "schema", .num_children = 0});
  std::string out;
  SerializeFileMetaData(md, &out);
  Result<FileMetaData> parsed = Parse(out);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, md);
}

TEST(MetadataTest, EveryLogicalTypeRoundTrips) {
  for (const LogicalType& lt : AllLogicalTypes()) {
    FileMetaData md;
    md.schema.push_back({.name = "x", .logical_type = lt});
    std::string out;
    SerializeFileMetaData(md, &out);
    Result<FileMetaData> parsed = Parse(out);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->schema[0].logical_type, lt) << static_cast<int>(lt.kind);
  }
}

TEST(MetadataTest, LogicalTypeWireFormat) {
  // TIMESTAMP(isAdjustedToUTC=true, NANOS) in field 10 of a SchemaElement.
  FileMetaData md;
  md.schema.push_back(
      {.name = "t",
       .logical_type = LogicalType{
           .kind = Kind::kTimestamp, .is_adjusted_to_utc = true, .unit = TimeUnit::kNanos}});
  std::string out;
  SerializeFileMetaData(md, &out);
  // SchemaElement: name (0x48 len 't'), then field 10 struct: delta 6 -> 0x6c; union field 8
  // struct (0x8c); TimestampType: bool true id 1 (0x11), id 2 struct (0x1c), TimeUnit field 3
  // struct (0x3c), stops.
  const std::string want("\x48\x01t\x6c\x8c\x11\x1c\x3c\x00\x00\x00\x00\x00", 13);
  EXPECT_NE(out.find(want), std::string::npos);
}

PageHeader V1Header() {
  return PageHeader{
      .type = PageType::DATA_PAGE,
      .uncompressed_page_size = 4096,
      .compressed_page_size = 1234,
      .crc = -559038737,
      .data_page_header = DataPageHeader{.num_values = 100,
                                         .encoding = Encoding::RLE_DICTIONARY,
                                         .definition_level_encoding = Encoding::RLE,
                                         .repetition_level_encoding = Encoding::BIT_PACKED,
                                         .statistics = FullStatistics()}};
}

PageHeader V2Header() {
  return PageHeader{
      .type = PageType::DATA_PAGE_V2,
      .uncompressed_page_size = 100,
      .compressed_page_size = 90,
      .data_page_header_v2 = DataPageHeaderV2{.num_values = 10,
                                              .num_nulls = 2,
                                              .num_rows = 9,
                                              .encoding = Encoding::DELTA_BYTE_ARRAY,
                                              .definition_levels_byte_length = 3,
                                              .repetition_levels_byte_length = 1,
                                              .is_compressed = false,
                                              .statistics = Statistics{.null_count = 2}}};
}

PageHeader DictionaryHeader() {
  return PageHeader{.type = PageType::DICTIONARY_PAGE,
                    .uncompressed_page_size = 64,
                    .compressed_page_size = 64,
                    .dictionary_page_header = DictionaryPageHeader{
                        .num_values = 8, .encoding = Encoding::PLAIN, .is_sorted = true}};
}

TEST(MetadataTest, PageHeaderRoundTrip) {
  for (const PageHeader& h : {V1Header(), V2Header(), DictionaryHeader()}) {
    std::string out;
    SerializePageHeader(h, &out);
    const size_t size = out.size();
    out += "PAGE BODY";
    size_t header_size = 0;
    Result<PageHeader> parsed = ParsePageHeader(U8(out), out.size(), &header_size);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(*parsed, h);
    EXPECT_EQ(header_size, size);
    for (size_t n = 0; n < size; ++n) {
      EXPECT_TRUE(ParsePageHeader(U8(out), n, &header_size).status().IsDataLoss()) << n;
    }
  }
}

TEST(MetadataTest, PageHeaderDefaultsAndOpenEnums) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, 9);  // a page type from the future
  w.FieldI32(2, 10);
  w.FieldI32(3, 10);
  w.WriteFieldHeader(8, CT::kStruct);  // v2 header without is_compressed
  w.BeginStruct();
  for (int16_t id = 1; id <= 6; ++id) w.FieldI32(id, id == 4 ? 42 : 0);
  w.EndStruct();
  w.EndStruct();
  size_t header_size = 0;
  Result<PageHeader> h = ParsePageHeader(U8(out), out.size(), &header_size);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(static_cast<int32_t>(h->type), 9);
  ASSERT_TRUE(h->data_page_header_v2.has_value());
  EXPECT_EQ(static_cast<int32_t>(h->data_page_header_v2->encoding), 42);
  EXPECT_TRUE(h->data_page_header_v2->is_compressed);
}

// Writes one field of every wire type, with ids from `first_id` up, as a newer writer might.
void WriteUnknownFields(CompactWriter& w, int16_t first_id) {
  int16_t id = first_id;
  w.FieldBool(id++, true);
  w.FieldBool(id++, false);
  w.FieldI8(id++, -7);
  w.FieldI16(id++, 1234);
  w.FieldI32(id++, -99999);
  w.FieldI64(id++, int64_t{1} << 50);
  w.FieldDouble(id++, 2.5);
  w.FieldBinary(id++, "unknown");
  w.WriteFieldHeader(id++, CT::kList);
  w.WriteListHeader(CT::kI32, 20);
  for (int i = 0; i < 20; ++i) w.WriteI32(i * 1000);
  w.WriteFieldHeader(id++, CT::kSet);
  w.WriteSetHeader(CT::kBinary, 2);
  w.WriteBinary("a");
  w.WriteBinary("b");
  w.WriteFieldHeader(id++, CT::kMap);
  w.WriteMapHeader(CT::kBinary, CT::kList, 1);
  w.WriteBinary("key");
  w.WriteListHeader(CT::kBoolTrue, 2);
  w.WriteBool(true);
  w.WriteBool(false);
  w.WriteFieldHeader(id++, CT::kStruct);  // nested struct holding a list of structs
  w.BeginStruct();
  w.FieldI32(1, 5);
  w.WriteFieldHeader(2, CT::kStruct);
  w.BeginStruct();
  w.FieldBinary(4, "deeper");  // same ids as the enclosing struct's known fields
  w.EndStruct();
  w.WriteFieldHeader(3, CT::kList);
  w.WriteListHeader(CT::kStruct, 2);
  for (int i = 0; i < 2; ++i) {
    w.BeginStruct();
    w.FieldI64(3, 42);
    w.EndStruct();
  }
  w.EndStruct();
  w.WriteFieldHeader(id++, CT::kList);  // list of structs at the top level
  w.WriteListHeader(CT::kStruct, 1);
  w.BeginStruct();
  w.FieldI32(1, 1);
  w.EndStruct();
}

TEST(MetadataTest, SkipsUnknownFieldsAndUnionMembers) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  WriteUnknownFields(w, 100);  // before the known fields: all later headers are long form
  w.FieldI32(1, 1);
  w.WriteFieldHeader(2, CT::kList);
  w.WriteListHeader(CT::kStruct, 3);
  w.BeginStruct();  // SchemaElement with vector_length (11) and an unknown field
  w.FieldBinary(4, "root");
  w.FieldI32(5, 2);
  w.FieldI32(11, 3);
  WriteUnknownFields(w, 20);
  w.EndStruct();
  w.BeginStruct();  // VARIANT logical type (union member 16), not known to us
  w.FieldBinary(4, "v");
  w.WriteFieldHeader(10, CT::kStruct);
  w.BeginStruct();
  w.WriteFieldHeader(16, CT::kStruct);
  w.BeginStruct();
  w.FieldI8(1, 1);
  w.EndStruct();
  w.EndStruct();
  w.EndStruct();
  w.BeginStruct();  // TIMESTAMP with a time unit from the future
  w.FieldBinary(4, "t");
  w.WriteFieldHeader(10, CT::kStruct);
  w.BeginStruct();
  w.WriteFieldHeader(8, CT::kStruct);
  w.BeginStruct();
  w.FieldBool(1, true);
  w.WriteFieldHeader(2, CT::kStruct);
  w.BeginStruct();
  w.WriteFieldHeader(4, CT::kStruct);
  w.BeginStruct();
  w.EndStruct();
  w.EndStruct();
  w.EndStruct();
  w.EndStruct();
  w.EndStruct();
  w.FieldI64(3, 10);
  w.WriteFieldHeader(4, CT::kList);
  w.WriteListHeader(CT::kStruct, 1);
  w.BeginStruct();  // RowGroup
  w.WriteFieldHeader(1, CT::kList);
  w.WriteListHeader(CT::kStruct, 1);
  w.BeginStruct();  // ColumnChunk with page-index offsets and crypto metadata
  w.FieldI64(2, 0);
  w.FieldI64(4, 1000);
  w.FieldI32(5, 20);
  w.WriteFieldHeader(8, CT::kStruct);
  w.BeginStruct();
  w.WriteFieldHeader(2, CT::kStruct);
  w.BeginStruct();
  w.WriteFieldHeader(1, CT::kList);
  w.WriteListHeader(CT::kBinary, 1);
  w.WriteBinary("v");
  w.FieldBinary(2, "key");
  w.EndStruct();
  w.EndStruct();
  WriteUnknownFields(w, 30);
  w.EndStruct();
  w.FieldI64(2, 100);
  w.FieldI64(3, 10);
  WriteUnknownFields(w, 40);
  w.EndStruct();
  w.FieldI32(6, 77);  // created_by with the wrong wire type: skipped, as thrift does
  w.WriteFieldHeader(7, CT::kList);
  w.WriteListHeader(CT::kStruct, 3);
  for (int16_t member : {1, 2, 3}) {  // TYPE_ORDER, IEEE_754_TOTAL_ORDER, INT96_TIMESTAMP_ORDER
    w.BeginStruct();
    w.WriteFieldHeader(member, CT::kStruct);
    w.BeginStruct();
    w.EndStruct();
    w.EndStruct();
  }
  w.WriteFieldHeader(8, CT::kStruct);  // encryption_algorithm
  w.BeginStruct();
  w.WriteFieldHeader(1, CT::kStruct);
  w.BeginStruct();
  w.FieldBinary(1, "aad");
  w.FieldBool(3, true);
  w.EndStruct();
  w.EndStruct();
  w.FieldBinary(9, "footer key");
  WriteUnknownFields(w, 1000);
  w.EndStruct();

  Result<FileMetaData> md = Parse(out);
  ASSERT_TRUE(md.ok()) << md.status().ToString();
  FileMetaData want;
  want.version = 1;
  want.schema = {{.name = "root", .num_children = 2},
                 {.name = "v", .logical_type = LogicalType{}},
                 {.name = "t", .logical_type = LogicalType{.is_adjusted_to_utc = true}}};
  want.num_rows = 10;
  want.row_groups = {RowGroup{.columns = {ColumnChunk{}}, .total_byte_size = 100, .num_rows = 10}};
  want.column_orders_type_defined = {true, false, false};
  EXPECT_EQ(*md, want);
}

TEST(MetadataTest, MissingRequiredFieldsAreDataLoss) {
  std::string out;
  CompactWriter w(&out);
  w.BeginStruct();
  w.FieldI32(1, 1);
  w.WriteFieldHeader(2, CT::kList);
  w.WriteListHeader(CT::kStruct, 0);
  w.WriteFieldHeader(4, CT::kList);
  w.WriteListHeader(CT::kStruct, 0);
  w.EndStruct();
  Result<FileMetaData> md = Parse(out);
  ASSERT_TRUE(md.status().IsDataLoss());
  EXPECT_EQ(md.status().message(),
            "parquet: thrift: FileMetaData: missing required field num_rows, at byte 7");

  // Deeper down: a ColumnMetaData without data_page_offset, whose codec may also have the wrong
  // wire type (and so is skipped).
  auto footer = [](bool codec_as_i64) {
    std::string file;
    CompactWriter f(&file);
    f.BeginStruct();
    f.FieldI32(1, 1);
    f.WriteFieldHeader(2, CT::kList);
    f.WriteListHeader(CT::kStruct, 0);
    f.FieldI64(3, 0);
    f.WriteFieldHeader(4, CT::kList);
    f.WriteListHeader(CT::kStruct, 1);
    f.BeginStruct();  // RowGroup
    f.WriteFieldHeader(1, CT::kList);
    f.WriteListHeader(CT::kStruct, 1);
    f.BeginStruct();  // ColumnChunk
    f.FieldI64(2, 0);
    f.WriteFieldHeader(3, CT::kStruct);
    f.BeginStruct();  // ColumnMetaData
    f.FieldI32(1, 0);
    f.WriteFieldHeader(2, CT::kList);
    f.WriteListHeader(CT::kI32, 0);
    f.WriteFieldHeader(3, CT::kList);
    f.WriteListHeader(CT::kBinary, 0);
    if (codec_as_i64) {
      f.FieldI64(4, 0);
    } else {
      f.FieldI32(4, 0);
    }
    for (int16_t id = 5; id <= 7; ++id) f.FieldI64(id, 0);
    f.EndStruct();
    f.EndStruct();
    f.FieldI64(2, 0);
    f.FieldI64(3, 0);
    f.EndStruct();
    f.EndStruct();
    return file;
  };
  md = Parse(footer(true));
  ASSERT_TRUE(md.status().IsDataLoss());
  EXPECT_NE(md.status().message().find("ColumnMetaData: missing required field codec"),
            std::string::npos)
      << md.status().message();
  md = Parse(footer(false));
  ASSERT_TRUE(md.status().IsDataLoss());
  EXPECT_NE(md.status().message().find("ColumnMetaData: missing required field data_page_offset"),
            std::string::npos)
      << md.status().message();
}

TEST(MetadataTest, EveryTruncationFails) {
  std::string out;
  SerializeFileMetaData(FullFileMetaData(), &out);
  for (size_t n = 0; n < out.size(); ++n) {
    Result<FileMetaData> md = ParseFileMetaData(U8(out), n);
    ASSERT_FALSE(md.ok()) << n;
    EXPECT_TRUE(md.status().IsDataLoss()) << n;
  }
}

TEST(MetadataTest, GarbageNeverCrashes) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string in(std::uniform_int_distribution<int>(0, 400)(rng), '\0');
    for (char& c : in) c = static_cast<char>(byte(rng));
    EXPECT_TRUE(Parse(in).status().IsDataLoss());
    size_t header_size;
    (void)ParsePageHeader(U8(in), in.size(), &header_size);
  }
  // Valid footers with a few bytes changed: any outcome but a crash, hang or non-DataLoss error.
  std::string good;
  SerializeFileMetaData(FullFileMetaData(), &good);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string in = good;
    const int flips = std::uniform_int_distribution<int>(1, 4)(rng);
    for (int i = 0; i < flips; ++i) {
      in[std::uniform_int_distribution<size_t>(0, in.size() - 1)(rng)] =
          static_cast<char>(byte(rng));
    }
    Result<FileMetaData> md = Parse(in);
    if (!md.ok()) {
      EXPECT_TRUE(md.status().IsDataLoss());
    }
  }
}

TEST(MetadataTest, HugeListClaimFailsFast) {
  for (uint64_t claimed : {uint64_t{1} << 31, (uint64_t{1} << 31) - 1}) {
    std::string in("\x15\x02\x19\xfc", 4);  // version = 1, then schema: list<struct>, long size
    for (uint64_t v = claimed;; v >>= 7) {
      if (v < 0x80) {
        in.push_back(static_cast<char>(v));
        break;
      }
      in.push_back(static_cast<char>((v & 0x7f) | 0x80));
    }
    in.append(10, '\x00');
    const auto start = std::chrono::steady_clock::now();
    Result<FileMetaData> md = Parse(in);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(md.status().IsDataLoss()) << md.status().ToString();
    // A parser that believed the claim would allocate or loop for 2^31 elements; 2 s leaves
    // room for a loaded machine under ASan, it is not a speed figure.
    EXPECT_LT(elapsed, std::chrono::seconds(2));
  }
}

}  // namespace
}  // namespace financelake::parquet
