// Parquet file and page metadata: plain structs mirroring apache/parquet-format
// src/main/thrift/parquet.thrift, and their Thrift Compact Protocol encoding.
//
// Field names follow the thrift file (snake_case); field ids are in metadata_read.cc and
// metadata_write.cc. Optional thrift fields are std::optional, except optional lists, which are
// empty when absent. Every member has an initializer, so designated initializers
// (SchemaElement{.name = "x"}) stay -Wextra clean.
//
// Subset: everything a reader/writer of plain (unencrypted) files needs. Fields we do not model
// (bloom filters, page indexes, size/geospatial statistics, encryption, VARIANT/GEOMETRY/GEOGRAPHY
// logical types, ...) are skipped when parsing and never written.
//
// Parsing is forward compatible: unknown fields and unknown union members are skipped, a known
// field whose wire type is not the declared one is skipped as thrift does, and enum values are
// kept as read even when they are not named in format.h. A missing required field is
// DataLoss("parquet: thrift: <Struct>: missing required field <name>, at byte N").
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/parquet/format.h"

namespace financelake::parquet {

// The LogicalType union, flattened. Only the members of the selected `kind` are meaningful:
// kDecimal uses scale/precision, kTime and kTimestamp use is_adjusted_to_utc/unit, kInteger uses
// bit_width/is_signed. kNone stands for a union with no member we know (a newer type, or a time
// unit we do not know); it is written back as an empty union.
struct LogicalType {
  enum class Kind {
    kNone,
    kString,
    kMap,
    kList,
    kEnum,
    kDecimal,
    kDate,
    kTime,
    kTimestamp,
    kInteger,
    kUnknown,
    kJson,
    kBson,
    kUuid,
    kFloat16
  };
  Kind kind = Kind::kNone;
  int32_t scale = 0, precision = 0;
  bool is_adjusted_to_utc = false;
  TimeUnit unit = TimeUnit::kMicros;
  int8_t bit_width = 0;
  bool is_signed = true;

  bool operator==(const LogicalType&) const = default;
};

struct SchemaElement {
  std::optional<Type> type{};
  std::optional<int32_t> type_length{};
  std::optional<Repetition> repetition_type{};
  std::string name{};
  std::optional<int32_t> num_children{};
  std::optional<ConvertedType> converted_type{};
  std::optional<int32_t> scale{}, precision{}, field_id{};
  std::optional<LogicalType> logical_type{};

  bool operator==(const SchemaElement&) const = default;
};

struct Statistics {
  std::optional<std::string> max{}, min{};
  std::optional<int64_t> null_count{}, distinct_count{};
  std::optional<std::string> max_value{}, min_value{};
  std::optional<bool> is_max_value_exact{}, is_min_value_exact{};

  bool operator==(const Statistics&) const = default;
};

struct KeyValue {
  std::string key{};
  std::optional<std::string> value{};

  bool operator==(const KeyValue&) const = default;
};

struct PageEncodingStats {
  PageType page_type = PageType::DATA_PAGE;
  Encoding encoding = Encoding::PLAIN;
  int32_t count = 0;

  bool operator==(const PageEncodingStats&) const = default;
};

struct ColumnMetaData {
  Type type = Type::BOOLEAN;
  std::vector<Encoding> encodings{};
  std::vector<std::string> path_in_schema{};
  CompressionCodec codec = CompressionCodec::UNCOMPRESSED;
  int64_t num_values = 0, total_uncompressed_size = 0, total_compressed_size = 0;
  std::vector<KeyValue> key_value_metadata{};
  int64_t data_page_offset = 0;
  std::optional<int64_t> index_page_offset{}, dictionary_page_offset{};
  std::optional<Statistics> statistics{};
  std::vector<PageEncodingStats> encoding_stats{};

  bool operator==(const ColumnMetaData&) const = default;
};

struct ColumnChunk {
  std::optional<std::string> file_path{};
  int64_t file_offset = 0;
  std::optional<ColumnMetaData> meta_data{};

  bool operator==(const ColumnChunk&) const = default;
};

struct SortingColumn {
  int32_t column_idx = 0;
  bool descending = false;
  bool nulls_first = false;

  bool operator==(const SortingColumn&) const = default;
};

struct RowGroup {
  std::vector<ColumnChunk> columns{};
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  std::vector<SortingColumn> sorting_columns{};
  std::optional<int64_t> file_offset{}, total_compressed_size{};
  std::optional<int16_t> ordinal{};

  bool operator==(const RowGroup&) const = default;
};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema{};
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups{};
  std::vector<KeyValue> key_value_metadata{};
  std::optional<std::string> created_by{};
  // ColumnOrder union per leaf column: true for TYPE_ORDER (field 1, an empty struct), false for
  // any other member (written back as an empty union). Empty when the file has no column_orders.
  std::vector<bool> column_orders_type_defined{};

  bool operator==(const FileMetaData&) const = default;
};

struct DataPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::PLAIN;
  Encoding definition_level_encoding = Encoding::RLE;
  Encoding repetition_level_encoding = Encoding::RLE;
  std::optional<Statistics> statistics{};

  bool operator==(const DataPageHeader&) const = default;
};

struct DictionaryPageHeader {
  int32_t num_values = 0;
  Encoding encoding = Encoding::PLAIN;
  std::optional<bool> is_sorted{};

  bool operator==(const DictionaryPageHeader&) const = default;
};

struct DataPageHeaderV2 {
  int32_t num_values = 0, num_nulls = 0, num_rows = 0;
  Encoding encoding = Encoding::PLAIN;
  int32_t definition_levels_byte_length = 0, repetition_levels_byte_length = 0;
  bool is_compressed = true;  // the thrift default when the field is absent
  std::optional<Statistics> statistics{};

  bool operator==(const DataPageHeaderV2&) const = default;
};

struct PageHeader {
  PageType type = PageType::DATA_PAGE;
  int32_t uncompressed_page_size = 0, compressed_page_size = 0;
  std::optional<int32_t> crc{};
  std::optional<DataPageHeader> data_page_header{};
  std::optional<DictionaryPageHeader> dictionary_page_header{};
  std::optional<DataPageHeaderV2> data_page_header_v2{};

  bool operator==(const PageHeader&) const = default;
};

// Appends the compact encoding of `md` (the footer body, without length or magic) to *out.
void SerializeFileMetaData(const FileMetaData& md, std::string* out);

// Parses a footer body. Bytes after the FileMetaData struct are ignored.
Result<FileMetaData> ParseFileMetaData(const uint8_t* data, size_t size);

// Appends the compact encoding of `h` to *out.
void SerializePageHeader(const PageHeader& h, std::string* out);

// Parses the page header at the start of data[0, size); *header_size receives the bytes it took
// (the page body follows). Called once per page: allocates only for statistics values.
Result<PageHeader> ParsePageHeader(const uint8_t* data, size_t size, size_t* header_size);

}  // namespace financelake::parquet
