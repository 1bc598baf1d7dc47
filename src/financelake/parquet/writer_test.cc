// Writer + reader round trips, statistics exposed by the writer, and writer error paths.
#include "financelake/parquet/writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "financelake/columnar/text_values.h"
#include "financelake/io/fault_injecting_filesystem.h"
#include "financelake/io/memory_filesystem.h"
#include "financelake/parquet/reader.h"

namespace financelake::parquet {
namespace {

using columnar::Column;
using columnar::DataType;
using columnar::Field;
using columnar::int128_t;
using columnar::RecordBatch;
using columnar::Schema;
using columnar::Value;

std::vector<std::string> JsonRows(const RecordBatch& b) {
  std::vector<std::string> out;
  for (int64_t r = 0; r < b.num_rows(); ++r) {
    std::string s;
    columnar::AppendJsonRow(b, r, &s);
    out.push_back(std::move(s));
  }
  return out;
}

Schema EveryType() {
  return Schema({Field{"b", DataType::Boolean(), true}, Field{"i8", DataType::Byte(), true},
                 Field{"i16", DataType::Short(), true}, Field{"i32", DataType::Integer(), true},
                 Field{"i64", DataType::Long(), true}, Field{"f32", DataType::Float(), true},
                 Field{"f64", DataType::Double(), true}, Field{"s", DataType::String(), true},
                 Field{"bin", DataType::Binary(), true}, Field{"d", DataType::Date(), true},
                 Field{"ts", DataType::Timestamp(), true},
                 Field{"dec9", DataType::Decimal(9, 3), true},
                 Field{"dec18", DataType::Decimal(18, 2), true},
                 Field{"dec38", DataType::Decimal(38, 5), true},
                 Field{"arr", DataType::Array(DataType::String()), true},
                 Field{"m", DataType::Map(DataType::String(), DataType::Double()), true},
                 Field{"st", DataType::Struct({Field{"x", DataType::Long(), true}}), true}});
}

// Row r of every column; every `null_every`-th slot (per column, shifted) is null.
RecordBatch MakeEveryType(int64_t rows, int null_every, size_t big_string = 0) {
  RecordBatch b(EveryType());
  for (int64_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < b.num_columns(); ++c) {
      Column& col = b.mutable_column(c);
      if (null_every > 0 && (r + static_cast<int64_t>(c)) % null_every == 0) {
        col.AppendNull();
        continue;
      }
      switch (c) {
        case 0: col.Append<uint8_t>(r % 3 == 0); break;
        case 1: col.Append<int8_t>(static_cast<int8_t>(r % 256 - 128)); break;
        case 2: col.Append<int16_t>(static_cast<int16_t>(r * 7 - 30000)); break;
        case 3: col.Append<int32_t>(r == 1 ? std::numeric_limits<int32_t>::max() : static_cast<int32_t>(-r)); break;
        case 4: col.Append<int64_t>(r == 2 ? std::numeric_limits<int64_t>::min() : r * 1000003); break;
        case 5: col.Append<float>(static_cast<float>(r) * 0.25f); break;
        case 6: col.Append<double>(r == 3 ? NAN : static_cast<double>(r) / 7.0); break;
        case 7:
          col.AppendString(big_string > 0 && r == 4 ? std::string(big_string, 'q')
                                                    : "str" + std::to_string(r % 17));
          break;
        case 8: col.AppendString(std::string("\0\x01", 2) + std::to_string(r)); break;
        case 9: col.Append<int32_t>(static_cast<int32_t>(r - 5000)); break;
        case 10: col.Append<int64_t>(1700000000000000LL + r * 1000001); break;
        case 11: col.Append<int128_t>(r * 1001 - 999999); break;
        case 12: col.Append<int128_t>(r * 100000000007LL); break;
        case 13: {
          int128_t v = r;
          for (int k = 0; k < 30; ++k) v *= 10;
          col.Append<int128_t>(r % 2 ? -v - 1 : v + 12345);
          break;
        }
        case 14:
          for (int k = 0; k < r % 4; ++k) col.mutable_child(0).AppendString("e" + std::to_string(k));
          col.CloseList();
          break;
        case 15:
          for (int k = 0; k < r % 3; ++k) {
            col.mutable_child(0).AppendString("k" + std::to_string(k));
            col.mutable_child(1).Append<double>(k * 0.5);
          }
          col.CloseList();
          break;
        case 16:
          col.mutable_child(0).Append<int64_t>(r);
          col.AppendStructValid();
          break;
      }
    }
  }
  return b;
}

struct RoundTrip {
  WriteResult written;
  RecordBatch read;
  int row_groups = 0;
  FileMetaData metadata;  // as the reader found it
};

RoundTrip WriteAndRead(const RecordBatch& batch, WriterOptions opts = {}) {
  io::MemoryFileSystem fs;
  auto w = ParquetWriter::Open(fs, "/t.parquet", batch.schema(), opts);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_TRUE((*w)->Write(batch).ok());
  auto res = (*w)->Close();
  EXPECT_TRUE(res.ok()) << res.status().ToString();
  auto r = ParquetReader::Open(fs, "/t.parquet");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  auto all = (*r)->ReadAll();
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  return RoundTrip{*res, *all, (*r)->num_row_groups(), (*r)->metadata()};
}

class RoundTripTest : public ::testing::TestWithParam<CompressionCodec> {};

TEST_P(RoundTripTest, EveryTypeWithNullsEverywhere) {
  for (int null_every : {0, 1, 2, 5}) {
    RecordBatch b = MakeEveryType(200, null_every);
    WriterOptions o;
    o.compression = GetParam();
    RoundTrip rt = WriteAndRead(b, o);
    EXPECT_EQ(rt.read.schema(), b.schema());
    EXPECT_EQ(JsonRows(rt.read), JsonRows(b)) << "null_every=" << null_every;
  }
}

INSTANTIATE_TEST_SUITE_P(Codecs, RoundTripTest,
                         ::testing::Values(CompressionCodec::UNCOMPRESSED, CompressionCodec::SNAPPY,
                                           CompressionCodec::ZSTD, CompressionCodec::GZIP));

TEST(WriterTest, EmptyAndOneRowFiles) {
  for (int64_t rows : {0, 1}) {
    RecordBatch b = MakeEveryType(rows, 0);
    RoundTrip rt = WriteAndRead(b);
    EXPECT_EQ(rt.read.num_rows(), rows);
    EXPECT_EQ(rt.read.schema(), b.schema());
    EXPECT_EQ(JsonRows(rt.read), JsonRows(b));
  }
}

TEST(WriterTest, LargeStringsSurvive) {
  RecordBatch b = MakeEveryType(10, 0, /*big_string=*/5 << 20);
  RoundTrip rt = WriteAndRead(b);
  EXPECT_EQ(rt.read.column(7).StringAt(4).size(), size_t{5} << 20);
  EXPECT_EQ(JsonRows(rt.read), JsonRows(b));
}

// A bound longer than 4096 bytes is left out of the footer (both min and max of that chunk);
// the writer's own statistics (Delta's, truncated to a prefix) keep them; 4096 bytes is kept.
TEST(WriterTest, LongStringBoundsStayOutOfTheFooter) {
  Schema s({Field{"long", DataType::String(), false}, Field{"edge", DataType::String(), false}});
  RecordBatch b(s);
  b.mutable_column(0).AppendString("a");
  b.mutable_column(0).AppendString(std::string(3 << 20, 'z'));
  b.mutable_column(1).AppendString(std::string(4096, 'a'));
  b.mutable_column(1).AppendString(std::string(4096, 'b'));
  io::MemoryFileSystem fs;
  auto w = ParquetWriter::Open(fs, "/l.parquet", b.schema(), {}).value();
  ASSERT_TRUE(w->Write(b).ok());
  WriteResult res = w->Close().value();
  ASSERT_TRUE(res.leaf_stats[0].max.has_value());
  EXPECT_EQ(res.leaf_stats[0].max->as_bytes().size(), size_t{3} << 20);
  auto r = ParquetReader::Open(fs, "/l.parquet").value();
  const Statistics& long_st = *r->metadata().row_groups[0].columns[0].meta_data->statistics;
  EXPECT_FALSE(long_st.min_value.has_value());
  EXPECT_FALSE(long_st.max_value.has_value());
  EXPECT_EQ(long_st.null_count, 0);
  EXPECT_FALSE(r->RowGroupStatistics(0, 0).value().max.has_value());
  ColumnStatistics edge = r->RowGroupStatistics(0, 1).value();
  ASSERT_TRUE(edge.max.has_value());
  EXPECT_EQ(edge.max->as_bytes(), std::string(4096, 'b'));
  auto bytes = fs.ReadFile("/l.parquet");
  ASSERT_TRUE(bytes.ok());
  EXPECT_LT(bytes->size(),
            size_t{400} << 10);  // the 3 MB value, compressed, and no copy in the footer
  auto rows = r->ReadAll();
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->column(0).StringAt(1).size(), size_t{3} << 20);
}

TEST(WriterTest, MillionRowsInSeveralRowGroups) {
  Schema s({Field{"id", DataType::Long(), false}, Field{"t", DataType::String(), true},
            Field{"px", DataType::Double(), true}});
  RecordBatch b(s);
  std::mt19937_64 rng(5);
  for (int64_t r = 0; r < 1000000; ++r) {
    b.mutable_column(0).Append<int64_t>(r);
    b.mutable_column(1).AppendString("T" + std::to_string(rng() % 300));
    if (r % 101 == 0) b.mutable_column(2).AppendNull(); else b.mutable_column(2).Append<double>(static_cast<double>(rng() % 10000) / 100);
  }
  WriterOptions o;
  o.row_group_bytes = 2 << 20;
  RoundTrip rt = WriteAndRead(b, o);
  EXPECT_GT(rt.row_groups, 2);
  EXPECT_EQ(rt.written.num_row_groups, rt.row_groups);
  ASSERT_EQ(rt.read.num_rows(), 1000000);
  for (int64_t r = 0; r < 1000000; r += 9973) {
    EXPECT_EQ(rt.read.column(0).ValueAt<int64_t>(r), r);
    EXPECT_EQ(rt.read.column(1).StringAt(r), b.column(1).StringAt(r));
    EXPECT_EQ(rt.read.column(2).IsNull(r), b.column(2).IsNull(r));
  }
  EXPECT_EQ(rt.read.column(2).null_count(), b.column(2).null_count());
}

// Counts the reads reaching a file.
class CountingFile : public io::RandomAccessFile {
 public:
  CountingFile(std::unique_ptr<io::RandomAccessFile> base, int* reads)
      : io::RandomAccessFile(base->path()), base_(std::move(base)), reads_(reads) {}
  using io::RandomAccessFile::ReadAt;
  Result<uint64_t> Size() override { return base_->Size(); }
  Status ReadAt(uint64_t offset, size_t n, uint8_t* out) override {
    ++*reads_;
    return base_->ReadAt(offset, n, out);
  }

 private:
  std::unique_ptr<io::RandomAccessFile> base_;
  int* reads_;
};

// A small file (a Silver file of one date of a daily history) is read with one read, not one
// per footer part and column chunk; a large one chunk by chunk. Both read the same rows.
TEST(WriterTest, ASmallFileIsReadInOneRead) {
  for (const int64_t rows : {200, 20000}) {
    const RecordBatch b = MakeEveryType(rows, 3);
    io::MemoryFileSystem fs;
    auto w = ParquetWriter::Open(fs, "/f.parquet", b.schema(), {});
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE((*w)->Write(b).ok());
    auto written = (*w)->Close();
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    const bool small = written->file_bytes <= 128 * 1024;
    ASSERT_EQ(small, rows == 200) << written->file_bytes;
    int reads = 0;
    auto file = fs.NewRandomAccessFile("/f.parquet");
    ASSERT_TRUE(file.ok());
    auto r = ParquetReader::Open(std::make_unique<CountingFile>(std::move(*file), &reads));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto all = (*r)->ReadAll();
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_EQ(all->num_rows(), rows);
    for (size_t c = 0; c < b.num_columns(); ++c) {
      for (int64_t i = 0; i < rows; i += 7) {
        ASSERT_EQ(all->column(c).IsNull(i), b.column(c).IsNull(i)) << c << " " << i;
      }
    }
    if (small) {
      EXPECT_EQ(reads, 1);
    } else {
      EXPECT_GT(reads, static_cast<int>(b.num_columns()));
    }
  }
}

TEST(WriterTest, StatisticsAreExposedAndMatchTheFooter) {
  RecordBatch b = MakeEveryType(100, 4);
  io::MemoryFileSystem fs;
  auto w = ParquetWriter::Open(fs, "/s.parquet", b.schema(), {}).value();
  ASSERT_TRUE(w->Write(b).ok());
  WriteResult res = w->Close().value();
  const ParquetSchema& ps = w->parquet_schema();
  ASSERT_EQ(res.leaf_stats.size(), ps.leaves.size());
  // i64 (leaf 4): min is INT64_MIN (row 2), max is 99 * 1000003 unless null.
  const ColumnStatistics& i64 = res.leaf_stats[4];
  EXPECT_EQ(i64.min->as_int(), std::numeric_limits<int64_t>::min());
  int64_t expect_max = 0, nulls = 0;
  for (int64_t r = 0; r < 100; ++r) {
    if (b.column(4).IsNull(r)) {
      ++nulls;
    } else {
      expect_max = std::max(expect_max, b.column(4).ValueAt<int64_t>(r));
    }
  }
  EXPECT_EQ(i64.max->as_int(), expect_max);
  EXPECT_EQ(*i64.null_count, nulls);
  // f64: NaN is excluded from min/max.
  EXPECT_FALSE(std::isnan(res.leaf_stats[6].max->as_double()));
  // strings: unsigned byte order.
  EXPECT_EQ(res.leaf_stats[7].min->as_bytes(), "str0");
  EXPECT_EQ(res.leaf_stats[7].max->as_bytes(), "str9");
  // decimal38 round trip through FIXED_LEN_BYTE_ARRAY stats.
  EXPECT_TRUE(res.leaf_stats[13].min.has_value());
  auto r = ParquetReader::Open(fs, "/s.parquet").value();
  for (size_t leaf : {size_t{4}, size_t{7}, size_t{9}, size_t{10}, size_t{13}}) {
    ColumnStatistics footer = r->RowGroupStatistics(0, leaf).value();
    EXPECT_EQ(footer.min, res.leaf_stats[leaf].min) << leaf;
    EXPECT_EQ(footer.max, res.leaf_stats[leaf].max) << leaf;
    EXPECT_EQ(footer.null_count, res.leaf_stats[leaf].null_count) << leaf;
  }
}

TEST(WriterTest, DictionaryFallbackKeepsValues) {
  Schema s({Field{"s", DataType::String(), true}, Field{"x", DataType::Long(), true}});
  RecordBatch b(s);
  for (int64_t r = 0; r < 100000; ++r) {
    b.mutable_column(0).AppendString(r < 50000 ? "low" + std::to_string(r % 10) : "high" + std::to_string(r));
    b.mutable_column(1).Append<int64_t>(r < 50000 ? r % 5 : r);
  }
  WriterOptions o;
  o.dictionary_page_bytes = 8192;
  RoundTrip rt = WriteAndRead(b, o);
  EXPECT_EQ(JsonRows(rt.read), JsonRows(b));
  // It did fall back: column s has dictionary-encoded pages, then plain ones.
  int32_t dict_pages = 0, plain_pages = 0;
  for (const RowGroup& g : rt.metadata.row_groups) {
    ASSERT_TRUE(g.columns[0].meta_data.has_value());
    for (const PageEncodingStats& e : g.columns[0].meta_data->encoding_stats) {
      if (e.page_type != PageType::DATA_PAGE) continue;
      if (e.encoding == Encoding::RLE_DICTIONARY) dict_pages += e.count;
      if (e.encoding == Encoding::PLAIN) plain_pages += e.count;
    }
  }
  EXPECT_GT(dict_pages, 0);
  EXPECT_GT(plain_pages, 0);
}

TEST(WriterTest, RejectsMismatchedBatchesAndNullsInRequiredColumns) {
  io::MemoryFileSystem fs;
  Schema s({Field{"a", DataType::Long(), false}});
  auto w = ParquetWriter::Open(fs, "/e.parquet", s, {}).value();
  RecordBatch wrong(Schema({Field{"a", DataType::Integer(), false}}));
  Status st = w->Write(wrong);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_NE(st.message().find("/e.parquet"), std::string::npos) << st.message();
  RecordBatch nulls(s);
  nulls.mutable_column(0).AppendNull();
  st = w->Write(nulls);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_NE(st.message().find("not nullable"), std::string::npos) << st.message();
  EXPECT_FALSE(ParquetWriter::Open(fs, "/e2.parquet", Schema(), {}).ok());
}

TEST(WriterTest, IoFailuresSurfaceAsErrors) {
  RecordBatch b = MakeEveryType(50, 3);
  for (int n = 1; n <= 3; ++n) {
    auto fs = std::make_shared<io::FaultInjectingFileSystem>(std::make_shared<io::MemoryFileSystem>());
    fs->FailNth(io::FaultOp::kWrite, n);
    auto w = ParquetWriter::Open(*fs, "/f.parquet", b.schema(), {});
    Status st = w.ok() ? (*w)->Write(b) : w.status();
    if (st.ok()) st = (*w)->Close().status();
    EXPECT_FALSE(st.ok()) << "write " << n;
    EXPECT_NE(st.message().find("injected fault"), std::string::npos) << st.message();
  }
}

// The format's rule for zeros in float/double statistics: a zero minimum is written as -0.0, a
// zero maximum as +0.0, whichever zero the data held.
TEST(WriterTest, FloatStatisticsWriteSignedZeros) {
  Schema s({Field{"d_min", DataType::Double(), false}, Field{"d_max", DataType::Double(), false},
            Field{"f_min", DataType::Float(), false}, Field{"f_max", DataType::Float(), false}});
  RecordBatch b(s);
  b.mutable_column(0).Append<double>(0.0);
  b.mutable_column(0).Append<double>(3.0);
  b.mutable_column(1).Append<double>(-5.0);
  b.mutable_column(1).Append<double>(-0.0);
  b.mutable_column(2).Append<float>(0.0f);
  b.mutable_column(2).Append<float>(1.0f);
  b.mutable_column(3).Append<float>(-1.0f);
  b.mutable_column(3).Append<float>(-0.0f);
  for (bool dictionary : {true, false}) {
    SCOPED_TRACE(dictionary);
    io::MemoryFileSystem fs;
    WriterOptions o;
    o.dictionary = dictionary;
    auto w = ParquetWriter::Open(fs, "/z.parquet", s, o).value();
    ASSERT_TRUE(w->Write(b).ok());
    ASSERT_TRUE(w->Close().ok());
    auto r = ParquetReader::Open(fs, "/z.parquet").value();
    const RowGroup& rg = r->metadata().row_groups[0];
    auto bound = [&](size_t c, bool min) {
      const Statistics& st = *rg.columns[c].meta_data->statistics;
      const std::string& raw = min ? *st.min_value : *st.max_value;
      if (raw.size() == 4) {
        float f;
        std::memcpy(&f, raw.data(), 4);
        return static_cast<double>(f);
      }
      double d;
      std::memcpy(&d, raw.data(), 8);
      return d;
    };
    for (size_t c : {size_t{0}, size_t{2}}) {
      EXPECT_EQ(bound(c, true), 0.0) << c;
      EXPECT_TRUE(std::signbit(bound(c, true))) << c;
      EXPECT_GT(bound(c, false), 0.0) << c;
    }
    for (size_t c : {size_t{1}, size_t{3}}) {
      EXPECT_LT(bound(c, true), 0.0) << c;
      EXPECT_EQ(bound(c, false), 0.0) << c;
      EXPECT_FALSE(std::signbit(bound(c, false))) << c;
    }
  }
}

// RowGroup.ordinal is an i16: past 32767 row groups it is left out rather than wrapped.
TEST(WriterTest, RowGroupOrdinalIsOmittedPastInt16) {
  constexpr int64_t kGroups = 32770;
  Schema s({Field{"x", DataType::Integer(), false}});
  RecordBatch b(s);
  for (int32_t r = 0; r < kGroups; ++r) b.mutable_column(0).Append<int32_t>(r);
  WriterOptions o;
  o.compression = CompressionCodec::UNCOMPRESSED;
  o.row_group_rows = 1;
  io::MemoryFileSystem fs;
  auto w = ParquetWriter::Open(fs, "/o.parquet", s, o).value();
  ASSERT_TRUE(w->Write(b).ok());
  ASSERT_TRUE(w->Close().ok());
  auto r = ParquetReader::Open(fs, "/o.parquet").value();
  const auto& groups = r->metadata().row_groups;
  ASSERT_EQ(groups.size(), size_t{kGroups});
  EXPECT_EQ(groups[0].ordinal, 0);
  EXPECT_EQ(groups[32767].ordinal, 32767);
  EXPECT_FALSE(groups[32768].ordinal.has_value());
  EXPECT_FALSE(groups[kGroups - 1].ordinal.has_value());
  auto last = r->ReadRowGroup(kGroups - 1);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->column(0).ValueAt<int32_t>(0), kGroups - 1);
}

}  // namespace
}  // namespace financelake::parquet
