// Serialization of the metadata structs. Field ids are those of parquet.thrift.
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "financelake/base/check.h"
#include "financelake/parquet/metadata.h"
#include "financelake/parquet/thrift_compact.h"

namespace financelake::parquet {
namespace {

using CT = CompactType;

template <typename E>
int32_t EnumValue(E e) {
  static_assert(std::is_enum_v<E>);
  return static_cast<int32_t>(e);
}

// Optional fields are written only when set.
void Opt(CompactWriter& w, int16_t id, const std::optional<int16_t>& v) {
  if (v) w.FieldI16(id, *v);
}
void Opt(CompactWriter& w, int16_t id, const std::optional<int32_t>& v) {
  if (v) w.FieldI32(id, *v);
}
void Opt(CompactWriter& w, int16_t id, const std::optional<int64_t>& v) {
  if (v) w.FieldI64(id, *v);
}
void Opt(CompactWriter& w, int16_t id, const std::optional<bool>& v) {
  if (v) w.FieldBool(id, *v);
}
void Opt(CompactWriter& w, int16_t id, const std::optional<std::string>& v) {
  if (v) w.FieldBinary(id, *v);
}
template <typename E, typename = std::enable_if_t<std::is_enum_v<E>>>
void Opt(CompactWriter& w, int16_t id, const std::optional<E>& v) {
  if (v) w.FieldI32(id, EnumValue(*v));
}

uint32_t ListSize(size_t n) {
  FL_CHECK(n <= static_cast<size_t>(INT32_MAX));
  return static_cast<uint32_t>(n);
}

// A list<struct> field; `write` writes one element.
template <typename T, typename F>
void StructList(CompactWriter& w, int16_t id, const std::vector<T>& items, F write) {
  w.WriteFieldHeader(id, CT::kList);
  w.WriteListHeader(CT::kStruct, ListSize(items.size()));
  for (const T& item : items) write(w, item);
}

// A field holding an empty struct: the members of unions like LogicalType and ColumnOrder.
void EmptyStructField(CompactWriter& w, int16_t id) {
  w.WriteFieldHeader(id, CT::kStruct);
  w.BeginStruct();
  w.EndStruct();
}

void WriteTimeLike(CompactWriter& w, const LogicalType& t) {
  w.BeginStruct();
  w.FieldBool(1, t.is_adjusted_to_utc);
  w.WriteFieldHeader(2, CT::kStruct);  // union TimeUnit
  w.BeginStruct();
  switch (t.unit) {
    case TimeUnit::kMillis: EmptyStructField(w, 1); break;
    case TimeUnit::kMicros: EmptyStructField(w, 2); break;
    case TimeUnit::kNanos: EmptyStructField(w, 3); break;
  }
  w.EndStruct();
  w.EndStruct();
}

void WriteLogicalType(CompactWriter& w, const LogicalType& t) {
  using K = LogicalType::Kind;
  w.BeginStruct();
  switch (t.kind) {
    case K::kNone: break;
    case K::kString: EmptyStructField(w, 1); break;
    case K::kMap: EmptyStructField(w, 2); break;
    case K::kList: EmptyStructField(w, 3); break;
    case K::kEnum: EmptyStructField(w, 4); break;
    case K::kDecimal:
      w.WriteFieldHeader(5, CT::kStruct);
      w.BeginStruct();
      w.FieldI32(1, t.scale);
      w.FieldI32(2, t.precision);
      w.EndStruct();
      break;
    case K::kDate: EmptyStructField(w, 6); break;
    case K::kTime:
      w.WriteFieldHeader(7, CT::kStruct);
      WriteTimeLike(w, t);
      break;
    case K::kTimestamp:
      w.WriteFieldHeader(8, CT::kStruct);
      WriteTimeLike(w, t);
      break;
    case K::kInteger:
      w.WriteFieldHeader(10, CT::kStruct);
      w.BeginStruct();
      w.FieldI8(1, t.bit_width);
      w.FieldBool(2, t.is_signed);
      w.EndStruct();
      break;
    case K::kUnknown: EmptyStructField(w, 11); break;
    case K::kJson: EmptyStructField(w, 12); break;
    case K::kBson: EmptyStructField(w, 13); break;
    case K::kUuid: EmptyStructField(w, 14); break;
    case K::kFloat16: EmptyStructField(w, 15); break;
  }
  w.EndStruct();
}

void WriteSchemaElement(CompactWriter& w, const SchemaElement& e) {
  w.BeginStruct();
  Opt(w, 1, e.type);
  Opt(w, 2, e.type_length);
  Opt(w, 3, e.repetition_type);
  w.FieldBinary(4, e.name);
  Opt(w, 5, e.num_children);
  Opt(w, 6, e.converted_type);
  Opt(w, 7, e.scale);
  Opt(w, 8, e.precision);
  Opt(w, 9, e.field_id);
  if (e.logical_type) {
    w.WriteFieldHeader(10, CT::kStruct);
    WriteLogicalType(w, *e.logical_type);
  }
  w.EndStruct();
}

void WriteStatistics(CompactWriter& w, const Statistics& s) {
  w.BeginStruct();
  Opt(w, 1, s.max);
  Opt(w, 2, s.min);
  Opt(w, 3, s.null_count);
  Opt(w, 4, s.distinct_count);
  Opt(w, 5, s.max_value);
  Opt(w, 6, s.min_value);
  Opt(w, 7, s.is_max_value_exact);
  Opt(w, 8, s.is_min_value_exact);
  w.EndStruct();
}

void OptStatistics(CompactWriter& w, int16_t id, const std::optional<Statistics>& s) {
  if (!s) return;
  w.WriteFieldHeader(id, CT::kStruct);
  WriteStatistics(w, *s);
}

void WriteKeyValue(CompactWriter& w, const KeyValue& kv) {
  w.BeginStruct();
  w.FieldBinary(1, kv.key);
  Opt(w, 2, kv.value);
  w.EndStruct();
}

void WritePageEncodingStats(CompactWriter& w, const PageEncodingStats& s) {
  w.BeginStruct();
  w.FieldI32(1, EnumValue(s.page_type));
  w.FieldI32(2, EnumValue(s.encoding));
  w.FieldI32(3, s.count);
  w.EndStruct();
}

void WriteColumnMetaData(CompactWriter& w, const ColumnMetaData& m) {
  w.BeginStruct();
  w.FieldI32(1, EnumValue(m.type));
  w.WriteFieldHeader(2, CT::kList);
  w.WriteListHeader(CT::kI32, ListSize(m.encodings.size()));
  for (Encoding e : m.encodings) w.WriteI32(EnumValue(e));
  w.WriteFieldHeader(3, CT::kList);
  w.WriteListHeader(CT::kBinary, ListSize(m.path_in_schema.size()));
  for (const std::string& p : m.path_in_schema) w.WriteBinary(p);
  w.FieldI32(4, EnumValue(m.codec));
  w.FieldI64(5, m.num_values);
  w.FieldI64(6, m.total_uncompressed_size);
  w.FieldI64(7, m.total_compressed_size);
  if (!m.key_value_metadata.empty()) StructList(w, 8, m.key_value_metadata, WriteKeyValue);
  w.FieldI64(9, m.data_page_offset);
  Opt(w, 10, m.index_page_offset);
  Opt(w, 11, m.dictionary_page_offset);
  OptStatistics(w, 12, m.statistics);
  if (!m.encoding_stats.empty()) StructList(w, 13, m.encoding_stats, WritePageEncodingStats);
  w.EndStruct();
}

void WriteColumnChunk(CompactWriter& w, const ColumnChunk& c) {
  w.BeginStruct();
  Opt(w, 1, c.file_path);
  w.FieldI64(2, c.file_offset);
  if (c.meta_data) {
    w.WriteFieldHeader(3, CT::kStruct);
    WriteColumnMetaData(w, *c.meta_data);
  }
  w.EndStruct();
}

void WriteSortingColumn(CompactWriter& w, const SortingColumn& s) {
  w.BeginStruct();
  w.FieldI32(1, s.column_idx);
  w.FieldBool(2, s.descending);
  w.FieldBool(3, s.nulls_first);
  w.EndStruct();
}

void WriteRowGroup(CompactWriter& w, const RowGroup& g) {
  w.BeginStruct();
  StructList(w, 1, g.columns, WriteColumnChunk);
  w.FieldI64(2, g.total_byte_size);
  w.FieldI64(3, g.num_rows);
  if (!g.sorting_columns.empty()) StructList(w, 4, g.sorting_columns, WriteSortingColumn);
  Opt(w, 5, g.file_offset);
  Opt(w, 6, g.total_compressed_size);
  Opt(w, 7, g.ordinal);
  w.EndStruct();
}

void WriteColumnOrder(CompactWriter& w, bool type_defined) {
  w.BeginStruct();
  if (type_defined) EmptyStructField(w, 1);  // TYPE_ORDER
  w.EndStruct();
}

}  // namespace

void SerializeFileMetaData(const FileMetaData& md, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, md.version);
  StructList(w, 2, md.schema, WriteSchemaElement);
  w.FieldI64(3, md.num_rows);
  StructList(w, 4, md.row_groups, WriteRowGroup);
  if (!md.key_value_metadata.empty()) StructList(w, 5, md.key_value_metadata, WriteKeyValue);
  Opt(w, 6, md.created_by);
  if (!md.column_orders_type_defined.empty()) {
    w.WriteFieldHeader(7, CT::kList);
    w.WriteListHeader(CT::kStruct, ListSize(md.column_orders_type_defined.size()));
    for (bool type_defined : md.column_orders_type_defined) WriteColumnOrder(w, type_defined);
  }
  w.EndStruct();
}

void SerializePageHeader(const PageHeader& h, std::string* out) {
  CompactWriter w(out);
  w.BeginStruct();
  w.FieldI32(1, EnumValue(h.type));
  w.FieldI32(2, h.uncompressed_page_size);
  w.FieldI32(3, h.compressed_page_size);
  Opt(w, 4, h.crc);
  if (const auto& d = h.data_page_header) {
    w.WriteFieldHeader(5, CT::kStruct);
    w.BeginStruct();
    w.FieldI32(1, d->num_values);
    w.FieldI32(2, EnumValue(d->encoding));
    w.FieldI32(3, EnumValue(d->definition_level_encoding));
    w.FieldI32(4, EnumValue(d->repetition_level_encoding));
    OptStatistics(w, 5, d->statistics);
    w.EndStruct();
  }
  if (const auto& d = h.dictionary_page_header) {
    w.WriteFieldHeader(7, CT::kStruct);
    w.BeginStruct();
    w.FieldI32(1, d->num_values);
    w.FieldI32(2, EnumValue(d->encoding));
    Opt(w, 3, d->is_sorted);
    w.EndStruct();
  }
  if (const auto& d = h.data_page_header_v2) {
    w.WriteFieldHeader(8, CT::kStruct);
    w.BeginStruct();
    w.FieldI32(1, d->num_values);
    w.FieldI32(2, d->num_nulls);
    w.FieldI32(3, d->num_rows);
    w.FieldI32(4, EnumValue(d->encoding));
    w.FieldI32(5, d->definition_levels_byte_length);
    w.FieldI32(6, d->repetition_levels_byte_length);
    w.FieldBool(7, d->is_compressed);
    OptStatistics(w, 8, d->statistics);
    w.EndStruct();
  }
  w.EndStruct();
}

}  // namespace financelake::parquet
