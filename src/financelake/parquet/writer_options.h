// Options of the Parquet writer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "financelake/parquet/format.h"
#include "financelake/parquet/metadata.h"

namespace financelake::parquet {

struct WriterOptions {
  CompressionCodec compression = CompressionCodec::SNAPPY;
  int compression_level = 0;  // 0 = the codec's default
  // A row group is closed once its buffered (encoded, compressed) size reaches this.
  int64_t row_group_bytes = 64LL << 20;
  // And in any case after this many rows.
  int64_t row_group_rows = 16LL << 20;
  // Target uncompressed size of one data page.
  int64_t page_bytes = 1LL << 20;
  // Dictionary-encode columns (RLE_DICTIONARY) while the dictionary stays under
  // `dictionary_page_bytes` and pays off; otherwise fall back to PLAIN.
  bool dictionary = true;
  int64_t dictionary_page_bytes = 1LL << 20;
  std::vector<KeyValue> key_value_metadata;
};

}  // namespace financelake::parquet
