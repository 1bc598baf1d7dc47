// Column statistics: min/max/null_count of a column chunk, as columnar Values of the leaf's
// type, and their Parquet byte encoding (PLAIN encoding of the physical value, as the format's
// Statistics.min_value / max_value require).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "financelake/base/result.h"
#include "financelake/columnar/value.h"
#include "financelake/parquet/metadata.h"
#include "financelake/parquet/schema_map.h"

namespace financelake::parquet {

struct ColumnStatistics {
  int64_t num_values = 0;           // leaf level entries, nulls included
  std::optional<int64_t> null_count;
  std::optional<columnar::Value> min;  // absent when unknown or all null
  std::optional<columnar::Value> max;

  // Widens this to cover `other` (for merging row groups).
  void Merge(const ColumnStatistics& other, const columnar::DataType& type);
};

// Orders two non-null Values of `type` (-1, 0, 1): signed for numbers, unsigned bytewise for
// strings and binary.
int CompareValues(const columnar::Value& a, const columnar::Value& b, const columnar::DataType& type);

// The Parquet statistics bytes for a value of the leaf.
std::string EncodeStatValue(const columnar::Value& v, const LeafDescriptor& leaf);
// The inverse; DataLoss when the bytes do not fit the physical type.
Result<columnar::Value> DecodeStatValue(std::string_view bytes, const LeafDescriptor& leaf);

// The statistics of a chunk in the footer as Values. Only min_value/max_value (or the legacy
// min/max for signed numeric types, whose order is unambiguous) are trusted; a bound that does
// not convert to the leaf's type (a millisecond timestamp past the microsecond range) leaves
// min/max unknown.
Result<ColumnStatistics> DecodeStatistics(const ColumnMetaData& md, const LeafDescriptor& leaf);
// The footer's statistics of a chunk: min/max left out when either encodes to more than
// 4096 bytes.
Statistics EncodeStatistics(const ColumnStatistics& s, const LeafDescriptor& leaf);

// Decimal helpers: big-endian two's complement bytes <-> int128.
columnar::int128_t DecimalFromBigEndian(const uint8_t* p, size_t n);
void DecimalToBigEndian(columnar::int128_t v, uint8_t* out, size_t n);

// v / 1000 rounded toward negative infinity (nanoseconds -> microseconds), for values and their
// statistics alike so that the statistics bound the values.
int64_t FloorDiv1000(int64_t v);

}  // namespace financelake::parquet
