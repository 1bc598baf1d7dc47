// fl_interop_gen OUTDIR: writes Parquet files with FinanceLake's writer, each with the rows it
// meant to write as OUTDIR/<name>.expected.jsonl (printed from the in-memory batch, not read
// back), so independent readers (DuckDB, hyparquet) can be checked against the intent.
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include "financelake/columnar/text_values.h"
#include "financelake/io/posix_filesystem.h"
#include "financelake/parquet/writer.h"

using namespace financelake;
using columnar::Column;
using columnar::DataType;
using columnar::Field;
using columnar::int128_t;
using columnar::RecordBatch;
using columnar::Schema;

namespace {

Schema AllTypesSchema() {
  return Schema({Field{"b", DataType::Boolean(), true}, Field{"i8", DataType::Byte(), true},
                 Field{"i16", DataType::Short(), true}, Field{"i32", DataType::Integer(), true},
                 Field{"i64", DataType::Long(), true}, Field{"f32", DataType::Float(), true},
                 Field{"f64", DataType::Double(), true}, Field{"s", DataType::String(), true},
                 Field{"bin", DataType::Binary(), true}, Field{"d", DataType::Date(), true},
                 Field{"ts", DataType::Timestamp(), true},
                 Field{"dec9", DataType::Decimal(9, 2), true},
                 Field{"dec18", DataType::Decimal(18, 4), true},
                 Field{"dec38", DataType::Decimal(38, 10), true},
                 Field{"req", DataType::Long(), false}});
}

RecordBatch AllTypes(int64_t rows) {
  RecordBatch b(AllTypesSchema());
  std::mt19937_64 rng(7);
  const char* strings[] = {"", "AAPL", "héllo wörld", "日本語", "comma,quote\"", "line\nbreak"};
  for (int64_t r = 0; r < rows; ++r) {
    const bool all_null = r % 7 == 3;
    auto col = [&](size_t i) -> Column& { return b.mutable_column(i); };
    auto null_or = [&](size_t i, auto fn) {
      if (all_null || (rng() % 5 == 0)) {
        col(i).AppendNull();
      } else {
        fn(col(i));
      }
    };
    null_or(0, [&](Column& c) { c.Append<uint8_t>(r % 2); });
    null_or(1, [&](Column& c) { c.Append<int8_t>(r % 3 == 0 ? -128 : static_cast<int8_t>(r % 127)); });
    null_or(2, [&](Column& c) { c.Append<int16_t>(r % 3 == 0 ? 32767 : static_cast<int16_t>(-r)); });
    null_or(3, [&](Column& c) {
      c.Append<int32_t>(r % 4 == 0 ? std::numeric_limits<int32_t>::min() : static_cast<int32_t>(r * 1000));
    });
    null_or(4, [&](Column& c) {
      const int64_t edge[] = {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                              0, -1, 9007199254740993LL};
      c.Append<int64_t>(r < 5 ? edge[r] : static_cast<int64_t>(rng()));
    });
    null_or(5, [&](Column& c) { c.Append<float>(r == 1 ? INFINITY : static_cast<float>(r) / 3.0f); });
    null_or(6, [&](Column& c) {
      const double edge[] = {NAN, INFINITY, -INFINITY, 0.1, -1e300};
      c.Append<double>(r < 5 ? edge[r] : static_cast<double>(r) * 1.25);
    });
    null_or(7, [&](Column& c) {
      if (r == 2) {
        c.AppendString(std::string(100000, 'x') + "end");
      } else {
        c.AppendString(strings[r % 6]);
      }
    });
    null_or(8, [&](Column& c) { c.AppendString(std::string("\x00\xff\x10", 3) + std::to_string(r)); });
    null_or(9, [&](Column& c) { c.Append<int32_t>(static_cast<int32_t>(r * 97 - 30000)); });
    null_or(10, [&](Column& c) { c.Append<int64_t>(-86400000000LL * 365 * 30 + r * 123456789LL); });
    null_or(11, [&](Column& c) { c.Append<int128_t>(r % 2 ? -999999999 : r * 101); });
    null_or(12, [&](Column& c) { c.Append<int128_t>(r % 2 ? 999999999999999999LL : -r * 3); });
    null_or(13, [&](Column& c) {
      int128_t big = 1;
      for (int k = 0; k < 37; ++k) big *= 10;
      c.Append<int128_t>(r % 2 ? big * 9 + 12345 : -big - r);
    });
    b.mutable_column(14).Append<int64_t>(r);
  }
  return b;
}

RecordBatch Nested(int64_t rows) {
  DataType point = DataType::Struct({Field{"x", DataType::Double(), true}, Field{"tag", DataType::String(), true}});
  Schema s({Field{"id", DataType::Long(), false},
            Field{"st", DataType::Struct({Field{"a", DataType::Integer(), true},
                                          Field{"b", DataType::String(), true},
                                          Field{"inner", DataType::Struct({Field{"c", DataType::Long(), true}}), true}}),
                  true},
            Field{"ints", DataType::Array(DataType::Integer()), true},
            Field{"m", DataType::Map(DataType::String(), DataType::Long()), true},
            Field{"points", DataType::Array(point), true},
            Field{"nested_list", DataType::Array(DataType::Array(DataType::String())), true}});
  RecordBatch b(s);
  std::mt19937_64 rng(11);
  for (int64_t r = 0; r < rows; ++r) {
    b.mutable_column(0).Append<int64_t>(r);
    // struct: null every 5th; inner null every 3rd
    Column& st = b.mutable_column(1);
    if (r % 5 == 4) {
      st.AppendNull();
    } else {
      if (r % 4 == 1) st.mutable_child(0).AppendNull(); else st.mutable_child(0).Append<int32_t>(static_cast<int32_t>(r));
      st.mutable_child(1).AppendString("s" + std::to_string(r % 3));
      Column& inner = st.mutable_child(2);
      if (r % 3 == 0) {
        inner.AppendNull();
      } else {
        inner.mutable_child(0).Append<int64_t>(r * 10);
        inner.AppendStructValid();
      }
      st.AppendStructValid();
    }
    // list: null, empty, with null elements
    Column& ints = b.mutable_column(2);
    if (r % 6 == 0) {
      ints.AppendNull();
    } else {
      const int n = static_cast<int>(r % 4);
      for (int k = 0; k < n; ++k) {
        if (k == 1) ints.mutable_child(0).AppendNull(); else ints.mutable_child(0).Append<int32_t>(k * 10 + static_cast<int32_t>(r));
      }
      ints.CloseList();
    }
    // map
    Column& m = b.mutable_column(3);
    if (r % 7 == 0) {
      m.AppendNull();
    } else {
      const int n = static_cast<int>(r % 3);
      for (int k = 0; k < n; ++k) {
        m.mutable_child(0).AppendString("k" + std::to_string(k));
        if (k == 1) m.mutable_child(1).AppendNull(); else m.mutable_child(1).Append<int64_t>(r * 100 + k);
      }
      m.CloseList();
    }
    // list of structs
    Column& pts = b.mutable_column(4);
    if (r % 4 == 3) {
      pts.AppendNull();
    } else {
      const int n = static_cast<int>(r % 3);
      Column& el = pts.mutable_child(0);
      for (int k = 0; k < n; ++k) {
        if (k == 1 && r % 2) {
          el.AppendNull();
          continue;
        }
        el.mutable_child(0).Append<double>(static_cast<double>(r) + k * 0.5);
        if (k == 0) el.mutable_child(1).AppendNull(); else el.mutable_child(1).AppendString("t");
        el.AppendStructValid();
      }
      pts.CloseList();
    }
    // list of lists of strings
    Column& nl = b.mutable_column(5);
    if (r % 9 == 8) {
      nl.AppendNull();
    } else {
      Column& inner = nl.mutable_child(0);
      const int n = static_cast<int>(r % 3);
      for (int k = 0; k < n; ++k) {
        if (k == 2) {
          inner.AppendNull();
          continue;
        }
        for (int j = 0; j <= k; ++j) inner.mutable_child(0).AppendString("v" + std::to_string(j));
        inner.CloseList();
      }
      nl.CloseList();
    }
    (void)rng;
  }
  return b;
}

RecordBatch Trades(int64_t rows, int distinct) {
  Schema s({Field{"id", DataType::Long(), true}, Field{"ticker", DataType::String(), true},
            Field{"px", DataType::Double(), true}, Field{"ts", DataType::Timestamp(), true}});
  RecordBatch b(s);
  std::mt19937_64 rng(3);
  for (int64_t r = 0; r < rows; ++r) {
    b.mutable_column(0).Append<int64_t>(r);
    b.mutable_column(1).AppendString("T" + std::to_string(rng() % static_cast<uint64_t>(distinct)));
    if (r % 1000 == 999) b.mutable_column(2).AppendNull(); else b.mutable_column(2).Append<double>(static_cast<double>(rng() % 100000) / 100.0);
    b.mutable_column(3).Append<int64_t>(1700000000000000LL + r * 1000);
  }
  return b;
}

int Write(const std::string& dir, const std::string& name, const RecordBatch& batch,
          parquet::WriterOptions opts) {
  auto fs = io::PosixFileSystem();
  auto w = parquet::ParquetWriter::Open(*fs, dir + "/" + name + ".parquet", batch.schema(), opts);
  if (!w.ok()) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), w.status().ToString().c_str());
    return 1;
  }
  Status st = (*w)->Write(batch);
  if (st.ok()) st = (*w)->Close().status();
  if (!st.ok()) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), st.ToString().c_str());
    return 1;
  }
  std::string out;
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    columnar::AppendJsonRow(batch, r, &out);
    out.push_back('\n');
  }
  FILE* f = std::fopen((dir + "/" + name + ".expected.jsonl").c_str(), "wb");
  if (!f) return 1;
  std::fwrite(out.data(), 1, out.size(), f);
  std::fclose(f);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fl_interop_gen OUTDIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  int failed = 0;
  parquet::WriterOptions snappy;
  parquet::WriterOptions zstd;
  zstd.compression = parquet::CompressionCodec::ZSTD;
  parquet::WriterOptions none;
  none.compression = parquet::CompressionCodec::UNCOMPRESSED;
  parquet::WriterOptions plain;
  plain.dictionary = false;
  parquet::WriterOptions small_groups;
  small_groups.row_group_bytes = 1 << 20;
  small_groups.page_bytes = 64 << 10;
  parquet::WriterOptions small_dict;
  small_dict.dictionary_page_bytes = 4096;

  failed += Write(dir, "all_types_snappy", AllTypes(300), snappy);
  failed += Write(dir, "all_types_zstd", AllTypes(300), zstd);
  failed += Write(dir, "all_types_none", AllTypes(300), none);
  failed += Write(dir, "all_types_plain", AllTypes(300), plain);
  failed += Write(dir, "one_row", AllTypes(1), snappy);
  failed += Write(dir, "empty", AllTypes(0), snappy);
  failed += Write(dir, "nested", Nested(500), snappy);
  failed += Write(dir, "nested_zstd_small_pages", Nested(3000), small_groups);
  failed += Write(dir, "dict_fallback", Trades(50000, 20000), small_dict);
  failed += Write(dir, "million_rows", Trades(1000000, 500), small_groups);
  return failed == 0 ? 0 : 1;
}
