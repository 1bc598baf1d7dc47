// libFuzzer target: bytes -> writer options and a batch of primitive columns (every primitive
// type, nullable or required, any values: NaN payloads, -0.0, extreme integers, dates and
// timestamps, decimals of every precision, empty and binary strings), written in row ranges
// with small pages and row groups so that page cuts, row-group cuts and the dictionary's
// fallback to PLAIN happen mid-column. What must hold:
//   - the file reads back to the same values (floats bit for bit) and nulls;
//   - every row group's footer statistics count its nulls and bound its values (min <= v <=
//     max in Parquet's order, never a NaN bound), and Close()'s merged statistics agree.
// Layout of the input: [codec+dictionary+page size, rows per row group, fields x2, nullable x2,
// rows per write, decimal precision, decimal scale], then the values, row by row: per field a
// null marker byte when nullable (null below 0x30), then its value's bytes (a string: a length
// byte, then up to 40 bytes). A row cut short by the end of the input is dropped.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/columnar/record_batch.h"
#include "financelake/columnar/schema.h"
#include "financelake/columnar/value.h"
#include "financelake/io/memory_filesystem.h"
#include "financelake/parquet/reader.h"
#include "financelake/parquet/statistics.h"
#include "financelake/parquet/writer.h"
#include "financelake/parquet/writer_options.h"

namespace {

using financelake::columnar::Column;
using financelake::columnar::DataType;
using financelake::columnar::Field;
using financelake::columnar::TypeKind;
using financelake::columnar::Value;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "parquet_roundtrip_fuzz: %s\n", what.c_str());
  std::abort();
}

class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool Take(size_t n, const uint8_t** out) {
    if (size_ - pos_ < n) return false;
    *out = data_ + pos_;
    pos_ += n;
    return true;
  }
  bool Byte(uint8_t* out) {
    const uint8_t* p;
    if (!Take(1, &p)) return false;
    *out = *p;
    return true;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

__int128 Pow10(int n) {
  __int128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

// Appends the next sizeof(T) bytes of `in` to `col` as a T; false when the input ran out.
template <typename T>
bool AppendFixed(Bytes& in, Column* col) {
  const uint8_t* p = nullptr;
  if (!in.Take(sizeof(T), &p)) return false;
  col->Append<T>(Load<T>(p));
  return true;
}

// Appends one value of `type` read from `in` to `col`; false when the input ran out.
bool AppendValue(Bytes& in, const DataType& type, Column* col) {
  const uint8_t* p = nullptr;
  switch (type.kind()) {
    case TypeKind::kBoolean:
      if (!in.Take(1, &p)) return false;
      col->Append<uint8_t>(*p & 1);
      return true;
    case TypeKind::kByte: return AppendFixed<int8_t>(in, col);
    case TypeKind::kShort: return AppendFixed<int16_t>(in, col);
    case TypeKind::kInteger:
    case TypeKind::kDate: return AppendFixed<int32_t>(in, col);
    case TypeKind::kLong:
    case TypeKind::kTimestamp: return AppendFixed<int64_t>(in, col);
    case TypeKind::kFloat: return AppendFixed<float>(in, col);
    case TypeKind::kDouble: return AppendFixed<double>(in, col);
    case TypeKind::kDecimal: {
      if (!in.Take(16, &p)) return false;
      const __int128 bound = Pow10(type.precision());
      __int128 v = Load<__int128>(p) % bound;  // |v| < 10^precision
      col->Append<__int128>(v);
      return true;
    }
    case TypeKind::kString:
    case TypeKind::kBinary: {
      uint8_t n = 0;
      if (!in.Byte(&n) || !in.Take(n % 41, &p)) return false;
      col->AppendString(std::string_view(reinterpret_cast<const char*>(p), n % 41));
      return true;
    }
    default: return false;
  }
}

bool SameValue(const Column& a, const Column& b, int64_t i) {
  if (a.IsNull(i) != b.IsNull(i)) return false;
  if (a.IsNull(i)) return true;
  switch (a.type().kind()) {
    case TypeKind::kFloat:
      return std::memcmp(&a.values<float>()[i], &b.values<float>()[i], sizeof(float)) == 0;
    case TypeKind::kDouble:
      return std::memcmp(&a.values<double>()[i], &b.values<double>()[i], sizeof(double)) == 0;
    default: return a.GetValue(i) == b.GetValue(i);
  }
}

bool IsNaN(const Value& v) {
  return std::holds_alternative<double>(v.v) && std::isnan(v.as_double());
}

// `stats` count the nulls of rows [begin, end) of `col` and bound their values.
void CheckStatistics(const financelake::parquet::ColumnStatistics& stats, const Column& col,
                     int64_t begin, int64_t end, const std::string& where) {
  using financelake::parquet::CompareValues;
  int64_t nulls = 0;
  for (int64_t i = begin; i < end; ++i) nulls += col.IsNull(i) ? 1 : 0;
  if (stats.null_count && *stats.null_count != nulls) Fail(where + ": null count");
  if (stats.min && IsNaN(*stats.min)) Fail(where + ": NaN min");
  if (stats.max && IsNaN(*stats.max)) Fail(where + ": NaN max");
  for (int64_t i = begin; i < end; ++i) {
    if (col.IsNull(i)) continue;
    const Value v = col.GetValue(i);
    if (IsNaN(v)) continue;
    if (stats.min && CompareValues(*stats.min, v, col.type()) > 0)
      Fail(where + ": min above a value");
    if (stats.max && CompareValues(*stats.max, v, col.type()) < 0)
      Fail(where + ": max below a value");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace financelake;
  constexpr size_t kHeader = 9;
  if (size < kHeader) return 0;
  const uint8_t options_byte = data[0];
  parquet::WriterOptions options;
  static constexpr parquet::CompressionCodec kCodecs[] = {
      parquet::CompressionCodec::UNCOMPRESSED, parquet::CompressionCodec::SNAPPY,
      parquet::CompressionCodec::ZSTD, parquet::CompressionCodec::GZIP};
  options.compression = kCodecs[options_byte & 3];
  options.dictionary = (options_byte & 4) != 0;
  options.page_bytes = int64_t{16} << ((options_byte >> 3) & 7);
  options.dictionary_page_bytes = int64_t{32} << ((options_byte >> 6) & 3);
  options.row_group_rows = 1 + data[1];
  const unsigned field_mask = data[2] | (data[3] << 8);
  const unsigned nullable_mask = data[4] | (data[5] << 8);
  const int64_t rows_per_write = 1 + data[6];
  const int precision = 1 + data[7] % 38;
  const int scale = data[8] % (precision + 1);

  const DataType all_types[] = {
      DataType(TypeKind::kBoolean),   DataType(TypeKind::kByte),
      DataType(TypeKind::kShort),     DataType(TypeKind::kInteger),
      DataType(TypeKind::kLong),      DataType(TypeKind::kFloat),
      DataType(TypeKind::kDouble),    DataType(TypeKind::kString),
      DataType(TypeKind::kBinary),    DataType(TypeKind::kDate),
      DataType(TypeKind::kTimestamp), DataType::Decimal(precision, scale)};
  std::vector<Field> fields;
  for (size_t t = 0; t < std::size(all_types); ++t) {
    if (!(field_mask & (1u << t))) continue;
    fields.push_back(
        Field{"c" + std::to_string(t), all_types[t], (nullable_mask & (1u << t)) != 0});
  }
  if (fields.empty()) return 0;
  const columnar::Schema schema(fields);
  columnar::RecordBatch batch(schema);
  Bytes in(data + kHeader, size - kHeader);
  for (;;) {
    columnar::RecordBatch row(schema);
    bool complete = true;
    for (size_t f = 0; f < fields.size() && complete; ++f) {
      uint8_t marker = 0xff;
      if (fields[f].nullable && !in.Byte(&marker)) complete = false;
      if (!complete) break;
      if (marker < 0x30) {
        row.mutable_column(f).AppendNull();
      } else if (!AppendValue(in, fields[f].type, &row.mutable_column(f))) {
        complete = false;
      }
    }
    if (!complete) break;
    for (size_t f = 0; f < fields.size(); ++f) {
      const Column& c = row.column(f);
      if (c.IsNull(0)) {
        batch.mutable_column(f).AppendNull();
      } else {
        batch.mutable_column(f).AppendValue(c.GetValue(0));
      }
    }
  }

  io::MemoryFileSystem fs;
  auto writer = parquet::ParquetWriter::Open(fs, "/f.parquet", schema, options);
  if (!writer.ok()) Fail("open: " + writer.status().ToString());
  std::vector<const Column*> columns;
  for (const Column& c : batch.columns()) columns.push_back(&c);
  for (int64_t begin = 0; begin < batch.num_rows(); begin += rows_per_write) {
    const int64_t end = std::min(batch.num_rows(), begin + rows_per_write);
    auto st = (*writer)->WriteColumns(columns, begin, end);
    if (!st.ok()) Fail("write: " + st.ToString());
  }
  auto written = (*writer)->Close();
  if (!written.ok()) Fail("close: " + written.status().ToString());
  if (written->num_rows != batch.num_rows()) Fail("rows written");

  auto reader = parquet::ParquetReader::Open(fs, "/f.parquet");
  if (!reader.ok()) Fail("reopen: " + reader.status().ToString());
  if (!((*reader)->schema() == schema)) Fail("schema read back");
  auto back = (*reader)->ReadAll();
  if (!back.ok()) Fail("read: " + back.status().ToString());
  if (back->num_rows() != batch.num_rows()) Fail("rows read back");
  for (size_t f = 0; f < fields.size(); ++f) {
    for (int64_t i = 0; i < batch.num_rows(); ++i) {
      if (!SameValue(batch.column(f), back->column(f), i)) {
        Fail("column " + fields[f].name + " row " + std::to_string(i) + " read back differently");
      }
    }
  }
  int64_t first = 0;
  for (int rg = 0; rg < (*reader)->num_row_groups(); ++rg) {
    const int64_t rows = (*reader)->row_group_num_rows(rg);
    for (size_t f = 0; f < fields.size(); ++f) {
      auto stats = (*reader)->RowGroupStatistics(rg, f);
      if (!stats.ok()) Fail("statistics: " + stats.status().ToString());
      CheckStatistics(*stats, batch.column(f), first, first + rows,
                      fields[f].name + " row group " + std::to_string(rg));
    }
    first += rows;
  }
  if (first != batch.num_rows()) Fail("row groups do not add up");
  for (size_t f = 0; f < fields.size() && f < written->leaf_stats.size(); ++f) {
    CheckStatistics(written->leaf_stats[f], batch.column(f), 0, batch.num_rows(),
                    fields[f].name + " (Close)");
  }
  return 0;
}
