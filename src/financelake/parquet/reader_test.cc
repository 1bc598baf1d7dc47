// ParquetReader against files written by others: DuckDB (tests/data/parquet, see its README)
// and Spark (the Delta fixtures in ../shared/fixtures), plus hand-built files for the encodings
// and page kinds those writers do not produce.
#include "financelake/parquet/reader.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "financelake/io/posix_filesystem.h"
#include "financelake/parquet/byte_stream_split.h"
#include "financelake/parquet/compression.h"
#include "financelake/parquet/delta_encoding.h"
#include "financelake/parquet/rle_encoding.h"
#include "financelake/parquet/row_group_filter.h"

namespace financelake::parquet {
namespace {

using columnar::Column;
using columnar::int128_t;
using columnar::RecordBatch;
using columnar::TypeKind;
using columnar::Value;

std::string DataPath(const std::string& name) {
  return std::string(FL_SOURCE_DIR) + "/tests/data/parquet/" + name;
}
std::string FixturePath(const std::string& rel) {
  return std::string(FL_SOURCE_DIR) + "/../shared/fixtures/" + rel;
}

std::unique_ptr<ParquetReader> OpenFile(const std::string& path) {
  auto r = ParquetReader::Open(*io::PosixFileSystem(), path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

RecordBatch ReadAllOrDie(ParquetReader& r, const std::vector<size_t>& cols = {}) {
  auto b = r.ReadAll(cols);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return b.ok() ? std::move(b).value() : RecordBatch();
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void JsonString(std::string_view s, std::string* out) {
  *out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          *out += buf;
        } else {
          *out += ch;
        }
    }
  }
  *out += '"';
}

// Slot i of a column as DuckDB's to_json() renders it (the types our golden files use).
void RenderJson(const Column& c, int64_t i, std::string* out) {
  if (c.IsNull(i)) {
    *out += "null";
    return;
  }
  const auto& t = c.type();
  switch (t.kind()) {
    case TypeKind::kBoolean: *out += c.ValueAt<uint8_t>(i) ? "true" : "false"; return;
    case TypeKind::kString:
    case TypeKind::kBinary: return JsonString(c.StringAt(i), out);
    case TypeKind::kFloat:
    case TypeKind::kDouble: *out += fmt::format("{}", c.GetValue(i).as_double()); return;
    case TypeKind::kStruct:
      *out += '{';
      for (size_t k = 0; k < c.num_children(); ++k) {
        if (k > 0) *out += ',';
        JsonString(t.children()[k].name, out);
        *out += ':';
        RenderJson(c.child(k), i, out);
      }
      *out += '}';
      return;
    case TypeKind::kArray:
      *out += '[';
      for (int64_t e = c.offsets()[i]; e < c.offsets()[i + 1]; ++e) {
        if (e > c.offsets()[i]) *out += ',';
        RenderJson(c.child(0), e, out);
      }
      *out += ']';
      return;
    case TypeKind::kMap:
      *out += '{';
      for (int64_t e = c.offsets()[i]; e < c.offsets()[i + 1]; ++e) {
        if (e > c.offsets()[i]) *out += ',';
        std::string key;
        RenderJson(c.child(0), e, &key);
        if (key.front() != '"') key = '"' + key + '"';
        *out += key + ':';
        RenderJson(c.child(1), e, out);
      }
      *out += '}';
      return;
    default: *out += fmt::format("{}", c.GetValue(i).as_int()); return;
  }
}

std::string RowJson(const RecordBatch& b, int64_t row) {
  std::string out = "{";
  for (size_t k = 0; k < b.num_columns(); ++k) {
    if (k > 0) out += ',';
    JsonString(b.schema().field(k).name, &out);
    out += ':';
    RenderJson(b.column(k), row, &out);
  }
  return out + "}";
}

// ---- DuckDB-written files -------------------------------------------------------------------

constexpr int64_t kTs2020 = 1577836800000000;  // 2020-01-01 in µs

void CheckTypesFile(const std::string& name) {
  SCOPED_TRACE(name);
  auto r = OpenFile(DataPath(name));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->schema().ToString(),
            columnar::Schema::Parse(
                "id:int,t8:byte,s16:short,i64:long,u8:short,u32:long,f32:float,f64:double,"
                "d4:decimal(4,2),d18:decimal(18,3),d38:decimal(38,10),dt:date,ts:timestamp,"
                "ts_ms:timestamp,ts_ns:timestamp,dict_str:string,plain_str:string,bin:binary,"
                "flag:boolean")
                .value()
                .ToString());
  RecordBatch b = ReadAllOrDie(*r);
  ASSERT_EQ(b.num_rows(), 1000);
  auto col = [&](const char* n) -> const Column& { return *b.ColumnByName(n); };
  for (int64_t i = 0; i < 1000; ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(col("id").ValueAt<int32_t>(i), i);
    if (i % 7 == 0) {
      EXPECT_TRUE(col("t8").IsNull(i));
    } else {
      EXPECT_EQ(col("t8").ValueAt<int8_t>(i), i % 100 - 50);
    }
    EXPECT_EQ(col("s16").ValueAt<int16_t>(i), i * 3 - 1000);
    EXPECT_EQ(col("i64").ValueAt<int64_t>(i), i * 100000 - 7);
    EXPECT_EQ(col("u8").ValueAt<int16_t>(i), i % 200);
    EXPECT_EQ(col("u32").ValueAt<int64_t>(i), 4294967295 - i);
    EXPECT_EQ(col("f32").ValueAt<float>(i), static_cast<float>(i / 4.0));
    EXPECT_EQ(col("f64").IsNull(i), i % 5 == 0);
    if (i % 5 != 0) {
      EXPECT_EQ(col("f64").ValueAt<double>(i), i * 1.5);
    }
    EXPECT_TRUE(col("d4").ValueAt<int128_t>(i) == i - 500);
    EXPECT_TRUE(col("d18").ValueAt<int128_t>(i) == int128_t{i} * 1000003 - 5);
    EXPECT_TRUE(col("d38").ValueAt<int128_t>(i) == int128_t{i - 500} * 12345678901234567 - 3);
    EXPECT_EQ(col("dt").ValueAt<int32_t>(i), 18262 + i);
    EXPECT_EQ(col("ts").ValueAt<int64_t>(i), kTs2020 + i * 1234567);
    EXPECT_EQ(col("ts_ms").ValueAt<int64_t>(i), kTs2020 + (i * 1234567 + 500) / 1000 * 1000);
    EXPECT_EQ(col("ts_ns").ValueAt<int64_t>(i), kTs2020 + i * 1234567);
    EXPECT_EQ(col("dict_str").IsNull(i), i % 11 == 0);
    if (i % 11 != 0) {
      EXPECT_EQ(col("dict_str").StringAt(i), fmt::format("str{}", i % 37));
    }
    EXPECT_EQ(col("plain_str").StringAt(i),
              fmt::format("u{}{}", i, std::string(static_cast<size_t>(i % 5), 'x')));
    EXPECT_EQ(col("bin").StringAt(i), fmt::format("b{}", i));
    EXPECT_EQ(col("flag").IsNull(i), i % 13 == 0);
    if (i % 13 != 0) {
      EXPECT_EQ(col("flag").ValueAt<uint8_t>(i), i % 3 == 0 ? 1 : 0);
    }
  }
}

TEST(ParquetReaderTest, DuckDbTypesDataPageV1Snappy) {
  CheckTypesFile("duckdb_types.parquet");
}

TEST(ParquetReaderTest, DuckDbTypesDataPageV2ZstdDeltaAndByteStreamSplit) {
  CheckTypesFile("duckdb_types_v2.parquet");
}

TEST(ParquetReaderTest, DuckDbNestedMatchesDuckDbJson) {
  auto r = OpenFile(DataPath("duckdb_nested.parquet"));
  ASSERT_NE(r, nullptr);
  RecordBatch b = ReadAllOrDie(*r);
  const auto expected = ReadLines(DataPath("duckdb_nested.expected.jsonl"));
  ASSERT_EQ(b.num_rows(), static_cast<int64_t>(expected.size()));
  for (int64_t i = 0; i < b.num_rows(); ++i) EXPECT_EQ(RowJson(b, i), expected[i]);
}

TEST(ParquetReaderTest, RowGroupsProjectionAndReadAll) {
  auto r = OpenFile(DataPath("duckdb_rowgroups.parquet"));
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->num_row_groups(), 5);
  EXPECT_EQ(r->num_rows(), 10000);
  int64_t first = 0;
  for (int g = 0; g < r->num_row_groups(); ++g) {
    auto b = r->ReadRowGroup(g, {2, 0});
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    ASSERT_EQ(b->num_columns(), 2u);
    EXPECT_EQ(b->schema().field(0).name, "price");
    EXPECT_EQ(b->schema().field(1).name, "id");
    ASSERT_EQ(b->num_rows(), r->row_group_num_rows(g));
    for (int64_t i = 0; i < b->num_rows(); ++i) {
      ASSERT_EQ(b->column(1).ValueAt<int64_t>(i), first + i);
      ASSERT_EQ(b->column(0).ValueAt<double>(i), 100 + (first + i) * 0.25);
    }
    first += b->num_rows();
  }
  RecordBatch all = ReadAllOrDie(*r, {1});
  ASSERT_EQ(all.num_rows(), 10000);
  const char* tickers[] = {"AAPL", "MSFT", "NVDA", "TSLA", "GOOG"};
  for (int64_t i = 0; i < 10000; ++i) ASSERT_EQ(all.column(0).StringAt(i), tickers[i % 5]);

  EXPECT_TRUE(r->ReadRowGroup(5).status().IsInvalidArgument());
  EXPECT_TRUE(r->ReadRowGroup(-1).status().IsInvalidArgument());
  EXPECT_TRUE(r->ReadAll({3}).status().IsInvalidArgument());
}

TEST(ParquetReaderTest, SelectRowGroupsFromStatistics) {
  auto r = OpenFile(DataPath("duckdb_rowgroups.parquet"));
  ASSERT_NE(r, nullptr);
  using Op = ColumnPredicate::Op;
  auto sel = [&](std::vector<ColumnPredicate> p) { return SelectRowGroups(*r, p); };
  const std::vector<int> all = {0, 1, 2, 3, 4};
  EXPECT_EQ(sel({}), all);
  EXPECT_EQ(sel({{"id", Op::kGe, {Value::Int(5000)}}}), (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(sel({{"id", Op::kLt, {Value::Int(100)}}}), (std::vector<int>{0}));
  EXPECT_EQ(sel({{"id", Op::kLe, {Value::Int(2048)}}}), (std::vector<int>{0, 1}));
  EXPECT_EQ(sel({{"id", Op::kGt, {Value::Int(8191)}}}), (std::vector<int>{4}));
  EXPECT_EQ(sel({{"id", Op::kEq, {Value::Int(9999)}}}), (std::vector<int>{4}));
  EXPECT_EQ(sel({{"id", Op::kEq, {Value::Int(10000)}}}), (std::vector<int>{}));
  EXPECT_EQ(sel({{"id", Op::kIn, {Value::Int(1), Value::Int(9000)}}}), (std::vector<int>{0, 4}));
  EXPECT_EQ(sel({{"id", Op::kIn, {}}}), (std::vector<int>{}));
  EXPECT_EQ(sel({{"id", Op::kEq, {Value::Null()}}}), (std::vector<int>{}));
  EXPECT_EQ(sel({{"id", Op::kGe, {Value::Int(3000)}}, {"id", Op::kLt, {Value::Int(4000)}}}),
            (std::vector<int>{1}));
  EXPECT_EQ(sel({{"ticker", Op::kEq, {Value::Bytes("ZZZ")}}}), (std::vector<int>{}));
  EXPECT_EQ(sel({{"ticker", Op::kEq, {Value::Bytes("MSFT")}}}), all);
  EXPECT_EQ(sel({{"ticker", Op::kIsNull, {}}}), (std::vector<int>{}));
  EXPECT_EQ(sel({{"ticker", Op::kIsNotNull, {}}}), all);
  EXPECT_EQ(sel({{"price", Op::kGt, {Value::Real(1e9)}}}), (std::vector<int>{}));
  EXPECT_EQ(sel({{"price", Op::kLt, {Value::Int(101)}}}), (std::vector<int>{0}));
  // What cannot be judged keeps every row group.
  EXPECT_EQ(sel({{"nope", Op::kEq, {Value::Int(1)}}}), all);
  EXPECT_EQ(sel({{"id", Op::kEq, {Value::Bytes("x")}}}), all);
  EXPECT_EQ(sel({{"price", Op::kEq, {Value::Real(std::nan(""))}}}), all);
  auto st = r->RowGroupStatistics(0, 0);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  ASSERT_TRUE(st->min && st->max);
  EXPECT_EQ(st->min->as_int(), 0);
  EXPECT_EQ(st->max->as_int(), 2047);
  EXPECT_TRUE(r->RowGroupStatistics(9, 0).status().IsInvalidArgument());
}

// ---- Spark-written files ----------------------------------------------------------------------

TEST(ParquetReaderTest, SparkPrimitivesExactValues) {
  const std::string dir = FixturePath("delta_golden/core/data-reader-primitives/");
  std::vector<std::string> lines;
  for (const char* f : {"part-00000-4f2f0b9f-50b3-4e7b-96a1-e2bb0f246b06-c000.snappy.parquet",
                        "part-00001-09e47b80-36c2-4475-a810-fbd8e7994971-c000.snappy.parquet"}) {
    auto r = OpenFile(dir + f);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->schema().ToString(),
              columnar::Schema::Parse("as_int:int,as_long:long,as_byte:byte,as_short:short,"
                                      "as_boolean:boolean,as_float:float,as_double:double,"
                                      "as_string:string,as_binary:binary,"
                                      "as_big_decimal:decimal(1,0)")
                  .value()
                  .ToString());
    RecordBatch b = ReadAllOrDie(*r);
    EXPECT_EQ(b.num_rows(), r->num_rows());
    for (int64_t i = 0; i < b.num_rows(); ++i) {
      std::string row;
      for (size_t k = 0; k < b.num_columns(); ++k) {
        row += columnar::FormatValue(b.column(k).GetValue(i), b.column(k).type()) + "|";
      }
      lines.push_back(row);
    }
  }
  ASSERT_EQ(lines.size(), 11u);
  EXPECT_EQ(lines[0], "null|null|null|null|null|null|null|null|null|null|");
  for (int v = 0; v < 10; ++v) {
    const std::string bin = columnar::Base64Encode(std::string(2, static_cast<char>(v)));
    EXPECT_EQ(lines[v + 1], fmt::format("{0}|{0}|{0}|{0}|{1}|{0}|{0}|{0}|{2}|{0}|", v,
                                        v % 2 == 0 ? "true" : "false", bin))
        << v;
  }
}

TEST(ParquetReaderTest, SparkInt96Timestamps) {
  const std::string dir = FixturePath("delta_golden/core/data-skipping-basic-stats-all-types/");
  int found = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".parquet") continue;
    auto r = OpenFile(e.path().string());
    ASSERT_NE(r, nullptr);
    RecordBatch b = ReadAllOrDie(*r);
    const Column* ts = b.ColumnByName("as_timestamp");
    ASSERT_NE(ts, nullptr);
    for (int64_t i = 0; i < b.num_rows(); ++i) {
      EXPECT_EQ(columnar::FormatTimestampMicros(ts->ValueAt<int64_t>(i)),
                "2000-01-01T08:00:00.000000Z");
      ++found;
    }
  }
  EXPECT_EQ(found, 1);
}

// Every checkpoint of the Delta fixtures (nested structs, maps, lists) reads completely and
// matches DuckDB row for row.
TEST(ParquetReaderTest, DeltaCheckpointsMatchDuckDb) {
  const std::filesystem::path root = FixturePath("delta_golden");
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    const std::string name = e.path().filename().string();
    if (name.find(".checkpoint.") == std::string::npos || e.path().extension() != ".parquet") {
      continue;
    }
    SCOPED_TRACE(e.path().string());
    ++files;
    auto r = OpenFile(e.path().string());
    ASSERT_NE(r, nullptr);
    int64_t rows = 0;
    for (int g = 0; g < r->num_row_groups(); ++g) {
      auto b = r->ReadRowGroup(g);
      ASSERT_TRUE(b.ok()) << b.status().ToString();
      EXPECT_EQ(b->num_rows(), r->row_group_num_rows(g));
      rows += b->num_rows();
    }
    EXPECT_EQ(rows, r->metadata().num_rows);
    RecordBatch all = ReadAllOrDie(*r);
    std::string golden;
    for (char c : std::filesystem::relative(e.path(), root).string()) {
      golden += c == '/' ? std::string("__") : std::string(1, c);
    }
    const auto expected = ReadLines(DataPath("checkpoints/" + golden + ".jsonl"));
    ASSERT_EQ(all.num_rows(), static_cast<int64_t>(expected.size()));
    for (int64_t i = 0; i < all.num_rows(); ++i) EXPECT_EQ(RowJson(all, i), expected[i]) << i;
  }
  EXPECT_EQ(files, 12);
}

// Every Parquet file of the Delta fixtures opens and reads with consistent row counts.
TEST(ParquetReaderTest, AllDeltaFixtureFilesRead) {
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(FixturePath("delta_golden"))) {
    if (e.path().extension() != ".parquet") continue;
    SCOPED_TRACE(e.path().string());
    ++files;
    auto r = OpenFile(e.path().string());
    ASSERT_NE(r, nullptr);
    RecordBatch b = ReadAllOrDie(*r);
    EXPECT_EQ(b.num_rows(), r->num_rows());
  }
  EXPECT_GT(files, 200);
}

// ---- Hand-built files: encodings and page kinds the writers above do not produce ------------

class StringFile : public io::RandomAccessFile {
 public:
  StringFile(std::string path, std::string data)
      : RandomAccessFile(std::move(path)), data_(std::move(data)) {}
  Result<uint64_t> Size() override { return static_cast<uint64_t>(data_.size()); }
  Status ReadAt(uint64_t offset, size_t n, uint8_t* out) override {
    if (offset > data_.size() || n > data_.size() - offset) return Status::OutOfRange("short");
    std::memcpy(out, data_.data() + offset, n);
    return Status::OK();
  }

 private:
  std::string data_;
};

constexpr char kMemPath[] = "/mem/t.parquet";

Result<RecordBatch> ReadBytes(std::string bytes) {
  FL_ASSIGN_OR_RETURN(auto r, ParquetReader::Open(std::make_unique<StringFile>(kMemPath, bytes)));
  return r->ReadAll();
}

struct TestPage {
  TestPage(PageHeader header, std::string b, std::string levels = "")
      : h(std::move(header)), body(std::move(b)), v2_levels(std::move(levels)) {}
  PageHeader h;
  std::string body;       // uncompressed; v1: levels and values, v2: values
  std::string v2_levels;  // v2 only, never compressed
};
struct TestChunk {
  CompressionCodec codec = CompressionCodec::UNCOMPRESSED;
  std::vector<TestPage> pages;
  int64_t num_values = -1;  // -1: the sum of the data pages'
};

// One row group of `rows` rows, one chunk per leaf of `schema`; `stats[c]`, when there, are
// chunk c's statistics.
std::string BuildFile(const std::vector<SchemaElement>& schema, int64_t rows,
                      std::vector<TestChunk> chunks,
                      const std::vector<std::optional<Statistics>>& stats = {}) {
  const ParquetSchema ps = FromParquetSchema(schema).value();
  std::string f = "PAR1";
  RowGroup rg;
  rg.num_rows = rows;
  for (size_t c = 0; c < chunks.size(); ++c) {
    ColumnMetaData md;
    md.type = ps.leaves[c].physical_type;
    md.path_in_schema = ps.leaves[c].path;
    md.codec = chunks[c].codec;
    const size_t start = f.size();
    for (TestPage& p : chunks[c].pages) {
      std::string body = p.body;
      const bool v2 = p.h.type == PageType::DATA_PAGE_V2;
      if (!v2 || p.h.data_page_header_v2->is_compressed) {
        EXPECT_TRUE(Compress(md.codec, p.body, &body).ok());
      }
      p.h.uncompressed_page_size = static_cast<int32_t>(p.v2_levels.size() + p.body.size());
      p.h.compressed_page_size = static_cast<int32_t>(p.v2_levels.size() + body.size());
      if (p.h.type == PageType::DICTIONARY_PAGE) md.dictionary_page_offset = f.size();
      if (p.h.type == PageType::DATA_PAGE || v2) {
        if (md.data_page_offset == 0) md.data_page_offset = static_cast<int64_t>(f.size());
        md.num_values +=
            v2 ? p.h.data_page_header_v2->num_values : p.h.data_page_header->num_values;
      }
      SerializePageHeader(p.h, &f);
      f += p.v2_levels + body;
    }
    if (chunks[c].num_values >= 0) md.num_values = chunks[c].num_values;
    if (c < stats.size()) md.statistics = stats[c];
    md.total_compressed_size = md.total_uncompressed_size = static_cast<int64_t>(f.size() - start);
    ColumnChunk cc;
    cc.file_offset = static_cast<int64_t>(start);
    cc.meta_data = md;
    rg.columns.push_back(cc);
  }
  FileMetaData fm;
  fm.schema = schema;
  fm.num_rows = rows;
  fm.row_groups = {rg};
  std::string footer;
  SerializeFileMetaData(fm, &footer);
  const uint32_t len = static_cast<uint32_t>(footer.size());
  return f + footer + std::string(reinterpret_cast<const char*>(&len), 4) + "PAR1";
}

SchemaElement Root(int children) {
  SchemaElement e;
  e.name = "schema";
  e.num_children = children;
  return e;
}
SchemaElement Prim(std::string name, Type t, Repetition r, int32_t type_length = 0) {
  SchemaElement e;
  e.name = std::move(name);
  e.type = t;
  e.repetition_type = r;
  if (type_length > 0) e.type_length = type_length;
  return e;
}
SchemaElement Group(std::string name, int children, Repetition r) {
  SchemaElement e;
  e.name = std::move(name);
  e.num_children = children;
  e.repetition_type = r;
  return e;
}
PageHeader V1(int32_t n, Encoding enc, Encoding levels = Encoding::RLE) {
  PageHeader h;
  h.type = PageType::DATA_PAGE;
  h.data_page_header = DataPageHeader{n, enc, levels, levels, std::nullopt};
  return h;
}
PageHeader Dict(int32_t n, Encoding enc = Encoding::PLAIN) {
  PageHeader h;
  h.type = PageType::DICTIONARY_PAGE;
  h.dictionary_page_header = DictionaryPageHeader{n, enc, std::nullopt};
  return h;
}
PageHeader V2(int32_t n, int32_t nulls, Encoding enc, size_t def_len, bool compressed) {
  PageHeader h;
  h.type = PageType::DATA_PAGE_V2;
  h.data_page_header_v2 = DataPageHeaderV2{
      n, nulls, n, enc, static_cast<int32_t>(def_len), 0, compressed, std::nullopt};
  return h;
}

std::string Le32(uint32_t v) {
  return std::string(reinterpret_cast<const char*>(&v), 4);
}
template <typename T>
std::string Plain(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}
std::string PlainBytes(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += Le32(static_cast<uint32_t>(s.size())) + s;
  return out;
}
std::string Rle(const std::vector<uint32_t>& v, int bw) {
  RleBpEncoder e(bw);
  for (uint32_t x : v) e.Put(x);
  std::string out;
  e.Finish(&out);
  return out;
}
std::string V1Levels(const std::vector<uint32_t>& v, int bw) {
  const std::string r = Rle(v, bw);
  return Le32(static_cast<uint32_t>(r.size())) + r;
}
// The deprecated BIT_PACKED level encoding: MSB-first.
std::string BitPackedMsb(const std::vector<uint32_t>& v, int bw) {
  std::string out((v.size() * bw + 7) / 8, '\0');
  size_t bit = 0;
  for (uint32_t x : v) {
    for (int b = bw - 1; b >= 0; --b, ++bit) {
      if ((x >> b) & 1) out[bit / 8] = static_cast<char>(out[bit / 8] | (0x80 >> (bit % 8)));
    }
  }
  return out;
}
std::vector<std::string_view> Views(const std::vector<std::string>& v) {
  return std::vector<std::string_view>(v.begin(), v.end());
}

TEST(ParquetReaderTest, HandBuiltEncodingsAndPageKinds) {
  using R = Repetition;
  std::vector<SchemaElement> schema = {Root(9)};
  SchemaElement ts = Prim("ts_ns", Type::INT64, R::OPTIONAL);
  ts.logical_type = LogicalType{LogicalType::Kind::kTimestamp};
  ts.logical_type->unit = TimeUnit::kNanos;
  SchemaElement half = Prim("half", Type::FIXED_LEN_BYTE_ARRAY, R::REQUIRED, 2);
  half.logical_type = LogicalType{LogicalType::Kind::kFloat16};
  SchemaElement u32 = Prim("u32", Type::INT32, R::REQUIRED);
  u32.converted_type = ConvertedType::UINT_32;
  SchemaElement name = Prim("name", Type::BYTE_ARRAY, R::OPTIONAL);
  name.converted_type = ConvertedType::UTF8;
  SchemaElement dec = Prim("dec", Type::FIXED_LEN_BYTE_ARRAY, R::REQUIRED, 5);
  dec.converted_type = ConvertedType::DECIMAL;
  dec.precision = 10;
  dec.scale = 2;
  SchemaElement dba_col = Prim("dba", Type::BYTE_ARRAY, R::REQUIRED);
  dba_col.converted_type = ConvertedType::UTF8;
  SchemaElement millis = Prim("millis", Type::INT64, R::REQUIRED);
  millis.converted_type = ConvertedType::TIMESTAMP_MILLIS;
  schema.insert(schema.end(), {ts, half, u32, Prim("flag", Type::BOOLEAN, R::OPTIONAL), name,
                               dba_col, dec, Prim("v2", Type::INT32, R::OPTIONAL), millis});
  std::vector<TestChunk> chunks(9);
  chunks[0].codec = CompressionCodec::SNAPPY;
  chunks[0].pages = {
      {V1(6, Encoding::PLAIN), V1Levels({1, 1, 0, 1, 1, 1}, 1) +
                                   Plain<int64_t>({-1, 1999, 5000000, -1000, 86400000000000})}};
  chunks[1].pages = {
      {V1(6, Encoding::PLAIN), Plain<uint16_t>({0x3C00, 0xC000, 0x3800, 0x7C00, 0x0001, 0x8000})}};
  const std::vector<int32_t> u = {0, -1, 5, 2147483647, -2147483647 - 1, 7};
  std::string delta;
  EncodeDeltaBinaryPacked(u.data(), u.size(), &delta);
  chunks[2].codec = CompressionCodec::GZIP;
  chunks[2].pages = {{V1(6, Encoding::DELTA_BINARY_PACKED), delta}};
  // Legacy BIT_PACKED definition levels, RLE booleans (length-prefixed), an index page.
  chunks[3].pages = {{PageHeader{PageType::INDEX_PAGE}, "junk"},
                     {V1(6, Encoding::RLE, Encoding::BIT_PACKED),
                      BitPackedMsb({1, 0, 1, 1, 0, 1}, 1) + V1Levels({1, 0, 0, 1}, 1)}};
  // Dictionary (deprecated PLAIN_DICTIONARY), then a dictionary page and a PLAIN fallback page.
  chunks[4].codec = CompressionCodec::ZSTD;
  chunks[4].pages = {{Dict(2, Encoding::PLAIN_DICTIONARY), PlainBytes({"alpha", "beta"})},
                     {V1(3, Encoding::PLAIN_DICTIONARY),
                      V1Levels({1, 0, 1}, 1) + std::string(1, '\1') + Rle({1, 0}, 1)},
                     {V1(3, Encoding::PLAIN), V1Levels({1, 1, 0}, 1) + PlainBytes({"gamma", ""})}};
  const std::vector<std::string> dba = {"apple", "applet", "apricot", "", "b", "banana"};
  std::string dba_enc;
  auto dba_views = Views(dba);
  EncodeDeltaByteArray(dba_views.data(), dba_views.size(), &dba_enc);
  chunks[5].pages = {{V1(6, Encoding::DELTA_BYTE_ARRAY), dba_enc}};
  const std::vector<std::string> decs = {
      std::string("\0\0\0\0\1", 5), std::string("\xff\xff\xff\xff\xff", 5),
      std::string("\0\0\1\0\0", 5), std::string("\x80\0\0\0\0", 5),
      std::string("\0\0\0\0\0", 5), std::string("\x7f\xff\xff\xff\xff", 5)};
  std::string bss;
  const std::string joined = decs[0] + decs[1] + decs[2] + decs[3] + decs[4] + decs[5];
  EncodeByteStreamSplit(reinterpret_cast<const uint8_t*>(joined.data()), 6, 5, &bss);
  chunks[6].pages = {{V1(6, Encoding::BYTE_STREAM_SPLIT), bss}};
  // Data page v2: one uncompressed page in a snappy chunk, then a compressed one.
  chunks[7].codec = CompressionCodec::SNAPPY;
  const std::string lv1 = Rle({1, 0, 1}, 1), lv2 = Rle({0, 1, 1}, 1);
  chunks[7].pages = {{V2(3, 1, Encoding::PLAIN, lv1.size(), false), Plain<int32_t>({10, 30}), lv1},
                     {V2(3, 1, Encoding::PLAIN, lv2.size(), true), Plain<int32_t>({50, 60}), lv2}};
  chunks[8].pages = {{V1(6, Encoding::PLAIN), Plain<int64_t>({0, 1, -1, 1000, -1000, 7})}};

  auto b = ReadBytes(BuildFile(schema, 6, std::move(chunks)));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(b->num_rows(), 6);
  std::vector<std::string> rows;
  for (int64_t i = 0; i < 6; ++i) {
    std::string row;
    for (size_t k = 0; k < b->num_columns(); ++k) {
      row += columnar::FormatValue(b->column(k).GetValue(i), b->column(k).type()) + "|";
    }
    rows.push_back(row);
  }
  EXPECT_EQ(rows[0],
            "1969-12-31T23:59:59.999999Z|1|0|true|beta|apple|0.01|10|1970-01-01T00:00:00.000000Z|");
  EXPECT_EQ(rows[1],
            "1970-01-01T00:00:00.000001Z|-2|4294967295|null|null|applet|-0.01|null|1970-01-01T00:"
            "00:00.001000Z|");
  EXPECT_EQ(rows[2], "null|0.5|5|false|alpha|apricot|655.36|30|1969-12-31T23:59:59.999000Z|");
  EXPECT_EQ(rows[3],
            "1970-01-01T00:00:00.005000Z|Infinity|2147483647|false|gamma||-5497558138.88|null|1970-"
            "01-01T00:00:01.000000Z|");
  EXPECT_EQ(rows[4],
            "1969-12-31T23:59:59.999999Z|5.9604645e-08|2147483648|null||b|0.00|50|1969-12-31T23:59:"
            "59.000000Z|");
  EXPECT_EQ(rows[5],
            "1970-01-02T00:00:00.000000Z|-0|7|true|null|banana|5497558138.87|60|1970-01-01T00:00:"
            "00.007000Z|");
}

TEST(ParquetReaderTest, HandBuiltBareRepeatedAndTwoLevelLists) {
  using R = Repetition;
  SchemaElement legacy = Group("legacy", 1, R::OPTIONAL);
  legacy.converted_type = ConvertedType::LIST;
  std::vector<SchemaElement> schema = {Root(2), Prim("nums", Type::INT32, R::REPEATED), legacy,
                                       Prim("element", Type::INT32, R::REPEATED)};
  std::vector<TestChunk> chunks(2);
  chunks[0].pages = {
      {V1(4, Encoding::PLAIN),
       V1Levels({0, 1, 0, 0}, 1) + V1Levels({1, 1, 0, 1}, 1) + Plain<int32_t>({1, 2, 3})}};
  chunks[1].pages = {
      {V1(4, Encoding::PLAIN),
       V1Levels({0, 0, 0, 1}, 1) + V1Levels({0, 1, 2, 2}, 2) + Plain<int32_t>({7, 8})}};
  auto b = ReadBytes(BuildFile(schema, 3, std::move(chunks)));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->schema().ToString(), "nums: array<integer> not null\nlegacy: array<integer>\n");
  ASSERT_EQ(b->num_rows(), 3);
  EXPECT_EQ(RowJson(*b, 0), R"({"nums":[1,2],"legacy":null})");
  EXPECT_EQ(RowJson(*b, 1), R"({"nums":[],"legacy":[]})");
  EXPECT_EQ(RowJson(*b, 2), R"({"nums":[3],"legacy":[7,8]})");
}

// Files whose structure is intact but whose content contradicts itself.
TEST(ParquetReaderTest, HandBuiltInconsistentContentIsDataLoss) {
  using R = Repetition;
  const std::vector<SchemaElement> opt_int = {Root(1), Prim("x", Type::INT32, R::OPTIONAL)};
  const std::vector<SchemaElement> opt_str = {Root(1), Prim("x", Type::BYTE_ARRAY, R::OPTIONAL)};
  const std::vector<SchemaElement> list = {Root(1), Prim("x", Type::INT32, R::REPEATED)};
  const std::vector<SchemaElement> nested = {Root(1), Group("s", 1, R::OPTIONAL),
                                             Prim("x", Type::INT32, R::OPTIONAL)};
  struct Case {
    std::string what;
    std::vector<SchemaElement> schema;
    int64_t rows;
    TestChunk chunk;
    StatusCode code;
    std::string message;
    std::string column = "x";
  };
  std::vector<Case> cases = {
      {"dictionary index",
       opt_str,
       2,
       {CompressionCodec::UNCOMPRESSED,
        {{Dict(2), PlainBytes({"a", "b"})},
         {V1(2, Encoding::RLE_DICTIONARY), V1Levels({1, 1}, 1) + "\x03" + Rle({0, 5}, 3)}}},
       StatusCode::kDataLoss,
       "dictionary index 5 out of range (2 entries)"},
      {"no dictionary",
       opt_str,
       1,
       {CompressionCodec::UNCOMPRESSED,
        {{V1(1, Encoding::RLE_DICTIONARY), V1Levels({1}, 1) + "\x01" + Rle({0}, 1)}}},
       StatusCode::kDataLoss,
       "the chunk has no dictionary page"},
      {"two dictionaries",
       opt_str,
       0,
       {CompressionCodec::UNCOMPRESSED,
        {{Dict(1), PlainBytes({"a"})}, {Dict(1), PlainBytes({"a"})}},
        0},
       StatusCode::kOk,
       ""},  // num_values 0: the chunk is not even looked at
      {"definition level",
       nested,
       2,
       {CompressionCodec::UNCOMPRESSED,
        {{V1(2, Encoding::PLAIN), V1Levels({0, 3}, 2) + Plain<int32_t>({1})}}},
       StatusCode::kDataLoss,
       "definition level 3 of entry 1 exceeds the maximum 2",
       "s.x"},
      {"first repetition",
       list,
       1,
       {CompressionCodec::UNCOMPRESSED,
        {{V1(2, Encoding::PLAIN),
          V1Levels({1, 0}, 1) + V1Levels({1, 1}, 1) + Plain<int32_t>({1, 2})}}},
       StatusCode::kDataLoss,
       "the chunk starts with repetition level 1"},
      {"short chunk",
       opt_int,
       3,
       {CompressionCodec::UNCOMPRESSED,
        {{V1(2, Encoding::PLAIN), V1Levels({1, 1}, 1) + Plain<int32_t>({1, 2})}},
        3},
       StatusCode::kDataLoss,
       "pages end after 2 of its 3 values"},
      {"row count",
       opt_int,
       5,
       {CompressionCodec::UNCOMPRESSED,
        {{V1(2, Encoding::PLAIN), V1Levels({1, 1}, 1) + Plain<int32_t>({1, 2})}}},
       StatusCode::kDataLoss,
       "2 rows, the row group has 5"},
      {"string overrun",
       opt_str,
       1,
       {CompressionCodec::UNCOMPRESSED,
        {{V1(1, Encoding::PLAIN), V1Levels({1}, 1) + Le32(100) + "abc"}}},
       StatusCode::kDataLoss,
       "byte array 0 of 100 bytes overruns the page"},
      {"missing values",
       opt_int,
       2,
       {CompressionCodec::UNCOMPRESSED,
        {{V1(2, Encoding::PLAIN), V1Levels({1, 1}, 1) + Plain<int32_t>({1})}}},
       StatusCode::kDataLoss,
       "page values end after 0 values"},
      {"unknown encoding",
       opt_int,
       1,
       {CompressionCodec::UNCOMPRESSED,
        {{V1(1, static_cast<Encoding>(10)), V1Levels({1}, 1) + "abcd"}}},
       StatusCode::kUnimplemented,
       "encoding"},
      {"wrong encoding",
       opt_int,
       1,
       {CompressionCodec::UNCOMPRESSED,
        {{V1(1, Encoding::DELTA_BYTE_ARRAY), V1Levels({1}, 1) + "abcd"}}},
       StatusCode::kDataLoss,
       "encoding DELTA_BYTE_ARRAY is not valid for INT32 values"},
      {"v2 levels",
       opt_int,
       1,
       {CompressionCodec::UNCOMPRESSED,
        {{V2(1, 0, Encoding::PLAIN, 999, false), Plain<int32_t>({1}), "\x02\x01"}}},
       StatusCode::kDataLoss,
       "inconsistent header"},
  };
  for (Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto b = ReadBytes(BuildFile(c.schema, c.rows, {c.chunk}));
    EXPECT_EQ(b.status().code(), c.code) << b.status().ToString();
    if (c.code == StatusCode::kOk) continue;
    const std::string prefix =
        std::string("parquet: ") + kMemPath + ": column '" + c.column + "' row group 0: ";
    EXPECT_EQ(b.status().message().rfind(prefix, 0), 0u) << b.status().message();
    EXPECT_NE(b.status().message().find(c.message), std::string::npos) << b.status().message();
  }
}

// UINT_64 / INTEGER(64, false): values past 2^63 as decimal(20,0), statistics in unsigned order.
TEST(ParquetReaderTest, UInt64IsReadExactlyAsDecimal20) {
  using R = Repetition;
  SchemaElement conv = Prim("u64", Type::INT64, R::REQUIRED);
  conv.converted_type = ConvertedType::UINT_64;
  SchemaElement logical = Prim("u64l", Type::INT64, R::OPTIONAL);
  logical.logical_type = LogicalType{LogicalType::Kind::kInteger};
  logical.logical_type->bit_width = 64;
  logical.logical_type->is_signed = false;
  const uint64_t big = uint64_t{1} << 63, top = ~uint64_t{0};
  const std::vector<uint64_t> values = {5, big, top, 0};
  std::vector<TestChunk> chunks(2);
  chunks[0].pages = {{V1(4, Encoding::PLAIN), Plain<uint64_t>(values)}};
  Statistics unsigned_order;
  unsigned_order.min_value = Plain<uint64_t>({0});
  unsigned_order.max_value = Plain<uint64_t>({top});
  // Dictionary-encoded, with only the deprecated (signed-order) min/max: 2^63 sorts first there.
  chunks[1].pages = {
      {Dict(2), Plain<uint64_t>({top, 7})},
      {V1(4, Encoding::RLE_DICTIONARY), V1Levels({1, 1, 0, 1}, 1) + "\x01" + Rle({0, 1, 0}, 1)}};
  Statistics legacy;
  legacy.min = Plain<uint64_t>({top});
  legacy.max = Plain<uint64_t>({7});
  const std::string file =
      BuildFile({Root(2), conv, logical}, 4, std::move(chunks), {unsigned_order, legacy});

  auto r = ParquetReader::Open(std::make_unique<StringFile>(kMemPath, file));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->schema().ToString(), "u64: decimal(20,0) not null\nu64l: decimal(20,0)\n");
  auto b = (*r)->ReadAll();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_TRUE(b->column(0).ValueAt<int128_t>(i) == int128_t{values[i]}) << i;
  }
  EXPECT_EQ(columnar::FormatValue(b->column(0).GetValue(2), b->column(0).type()),
            "18446744073709551615");
  EXPECT_TRUE(b->column(1).ValueAt<int128_t>(0) == int128_t{top});
  EXPECT_TRUE(b->column(1).ValueAt<int128_t>(1) == 7);
  EXPECT_TRUE(b->column(1).IsNull(2));
  EXPECT_TRUE(b->column(1).ValueAt<int128_t>(3) == int128_t{top});

  auto st = (*r)->RowGroupStatistics(0, 0);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  ASSERT_TRUE(st->min && st->max);
  EXPECT_TRUE(st->min->as_decimal() == 0);
  EXPECT_TRUE(st->max->as_decimal() == int128_t{top});
  st = (*r)->RowGroupStatistics(0, 1);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_FALSE(st->min || st->max);
  // Filtering on the values past 2^63 keeps the row group.
  using Op = ColumnPredicate::Op;
  EXPECT_EQ(SelectRowGroups(**r, {{"u64", Op::kGe, {Value::Decimal(int128_t{big})}}}),
            (std::vector<int>{0}));
  EXPECT_EQ(SelectRowGroups(**r, {{"u64", Op::kGt, {Value::Decimal(int128_t{top})}}}),
            (std::vector<int>{}));
}

// Unsigned 8/16/32-bit columns: min_value/max_value in unsigned order are used, the deprecated
// min/max (signed order) never.
TEST(ParquetReaderTest, UnsignedStatisticsIgnoreTheSignedLegacyFields) {
  using R = Repetition;
  std::vector<SchemaElement> schema = {Root(4)};
  const ConvertedType kinds[] = {ConvertedType::UINT_8, ConvertedType::UINT_16,
                                 ConvertedType::UINT_32, ConvertedType::UINT_32};
  std::vector<TestChunk> chunks(4);
  for (int c = 0; c < 4; ++c) {
    SchemaElement e = Prim(fmt::format("u{}", c), Type::INT32, R::REQUIRED);
    e.converted_type = kinds[c];
    schema.push_back(e);
  }
  chunks[0].pages = {{V1(2, Encoding::PLAIN), Plain<int32_t>({1, 200})}};
  chunks[1].pages = {{V1(2, Encoding::PLAIN), Plain<int32_t>({1, 60000})}};
  chunks[2].pages = {{V1(2, Encoding::PLAIN), Plain<uint32_t>({1, 4000000000u})}};
  chunks[3].pages = {{V1(2, Encoding::PLAIN), Plain<uint32_t>({1, 4000000000u})}};
  Statistics legacy;
  legacy.min = Plain<int32_t>({1});
  legacy.max = Plain<int32_t>({1});
  Statistics current;
  current.min_value = Plain<uint32_t>({1});
  current.max_value = Plain<uint32_t>({4000000000u});
  auto r = ParquetReader::Open(std::make_unique<StringFile>(
      kMemPath, BuildFile(schema, 2, std::move(chunks), {legacy, legacy, legacy, current})));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (size_t leaf = 0; leaf < 3; ++leaf) {
    auto st = (*r)->RowGroupStatistics(0, leaf);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    EXPECT_FALSE(st->min || st->max) << leaf;
  }
  auto st = (*r)->RowGroupStatistics(0, 3);
  ASSERT_TRUE(st.ok() && st->min && st->max);
  EXPECT_EQ(st->min->as_int(), 1);
  EXPECT_EQ(st->max->as_int(), 4000000000);
}

// Nanosecond bounds floor like the values (so pre-1970 bounds never exceed them); millisecond
// bounds past the microsecond range are not used.
TEST(ParquetReaderTest, TimestampStatisticsBoundTheirValues) {
  using R = Repetition;
  SchemaElement ns = Prim("ns", Type::INT64, R::REQUIRED);
  ns.logical_type = LogicalType{LogicalType::Kind::kTimestamp};
  ns.logical_type->unit = TimeUnit::kNanos;
  SchemaElement ms = Prim("ms", Type::INT64, R::REQUIRED);
  ms.converted_type = ConvertedType::TIMESTAMP_MILLIS;
  SchemaElement ms_ok = ms;
  ms_ok.name = "ms_ok";
  const int64_t huge = std::numeric_limits<int64_t>::min() / 1000 - 1;
  std::vector<TestChunk> chunks(3);
  chunks[0].pages = {{V1(2, Encoding::PLAIN), Plain<int64_t>({-1500, -500})}};
  chunks[1].pages = {{V1(2, Encoding::PLAIN), Plain<int64_t>({huge, 1})}};
  chunks[2].pages = {{V1(2, Encoding::PLAIN), Plain<int64_t>({-3, 1})}};
  Statistics a, b, c;
  a.min_value = Plain<int64_t>({-1500});
  a.max_value = Plain<int64_t>({-500});
  b.min_value = Plain<int64_t>({huge});
  b.max_value = Plain<int64_t>({1});
  c.min_value = Plain<int64_t>({-3});
  c.max_value = Plain<int64_t>({1});
  auto r = ParquetReader::Open(std::make_unique<StringFile>(
      kMemPath, BuildFile({Root(3), ns, ms, ms_ok}, 2, std::move(chunks), {a, b, c})));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto batch = (*r)->ReadAll();
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ(batch->column(0).ValueAt<int64_t>(0), -2);
  EXPECT_EQ(batch->column(0).ValueAt<int64_t>(1), -1);
  auto st = (*r)->RowGroupStatistics(0, 0);
  ASSERT_TRUE(st.ok() && st->min && st->max);
  EXPECT_EQ(st->min->as_int(), -2);
  EXPECT_EQ(st->max->as_int(), -1);
  st = (*r)->RowGroupStatistics(0, 1);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_FALSE(st->min || st->max);
  st = (*r)->RowGroupStatistics(0, 2);
  ASSERT_TRUE(st.ok() && st->min && st->max);
  EXPECT_EQ(st->min->as_int(), -3000);
  EXPECT_EQ(st->max->as_int(), 1000);
}

// One RLE run of `n` zeros (bit width 1), length-prefixed as v1 definition levels are.
std::string ZeroRunLevels(uint64_t n) {
  std::string run;
  for (uint64_t h = n << 1;; h >>= 7) {
    run += static_cast<char>((h & 0x7f) | (h > 0x7f ? 0x80 : 0));
    if (h <= 0x7f) break;
  }
  run += '\0';
  return Le32(static_cast<uint32_t>(run.size())) + run;
}

// A big row group whose all-null and constant columns take a few dozen bytes (as DuckDB writes
// them) is read.
TEST(ParquetReaderTest, LargeRowGroupOfTinyChunksIsRead) {
  using R = Repetition;
  constexpr int32_t kRows = 3000000;
  std::vector<TestChunk> chunks(2);
  chunks[0].pages = {{V1(kRows, Encoding::PLAIN), ZeroRunLevels(kRows)}};
  chunks[1].pages = {
      {Dict(1), Plain<int64_t>({42})},
      {V1(kRows, Encoding::RLE_DICTIONARY), "\x01" + ZeroRunLevels(kRows).substr(4)}};
  const std::string file = BuildFile(
      {Root(2), Prim("nulls", Type::INT32, R::OPTIONAL), Prim("k", Type::INT64, R::REQUIRED)},
      kRows, std::move(chunks));
  ASSERT_LT(file.size(), 400u);
  auto b = ReadBytes(file);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(b->num_rows(), kRows);
  EXPECT_EQ(b->column(0).null_count(), kRows);
  EXPECT_EQ(b->column(1).ValueAt<int64_t>(0), 42);
  EXPECT_EQ(b->column(1).ValueAt<int64_t>(kRows - 1), 42);
}

// A small chunk claiming hundreds of millions of nulls is refused before anything is built
// (its 3 KB were enough under the former bound of 65536 entries per chunk byte).
TEST(ParquetReaderTest, ChunkClaimingTooManyValuesIsRefused) {
  using R = Repetition;
  constexpr int32_t kClaimed = 200000000;
  std::vector<TestChunk> chunks(1);
  chunks[0].pages = {
      {V1(kClaimed, Encoding::PLAIN), ZeroRunLevels(kClaimed) + std::string(3100, '\0')}};
  auto b = ReadBytes(
      BuildFile({Root(1), Prim("x", Type::BOOLEAN, R::OPTIONAL)}, kClaimed, std::move(chunks)));
  EXPECT_EQ(b.status().code(), StatusCode::kDataLoss) << b.status().ToString();
  const std::string prefix = std::string("parquet: ") + kMemPath + ": column 'x' row group 0: ";
  EXPECT_EQ(b.status().message().rfind(prefix, 0), 0u) << b.status().message();
  EXPECT_NE(b.status().message().find("claims 200000000 values"), std::string::npos)
      << b.status().message();
}

TEST(ParquetReaderTest, EncryptedFooterIsUnimplemented) {
  std::string f = BuildFile(
      {Root(1), Prim("x", Type::INT32, Repetition::REQUIRED)}, 1,
      {TestChunk{CompressionCodec::UNCOMPRESSED, {{V1(1, Encoding::PLAIN), Plain<int32_t>({1})}}}});
  ASSERT_TRUE(ReadBytes(f).ok());
  f.replace(f.size() - 4, 4, "PARE");
  auto b = ReadBytes(f);
  EXPECT_EQ(b.status().code(), StatusCode::kUnimplemented) << b.status().ToString();
  EXPECT_EQ(b.status().message().rfind(std::string("parquet: ") + kMemPath + ": ", 0), 0u);
}

}  // namespace
}  // namespace financelake::parquet
