// Parsing of the metadata structs. Field ids are those of parquet.thrift.
#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "financelake/parquet/metadata.h"
#include "financelake/parquet/thrift_compact.h"

namespace financelake::parquet {
namespace {

using CT = CompactType;

// Lists reserve at most this many elements up front; longer ones grow as elements actually parse,
// so a lying size costs no memory.
constexpr uint32_t kMaxReserve = 1024;

template <typename T>
constexpr CT WireType() {
  if constexpr (std::is_same_v<T, bool>) {
    return CT::kBoolTrue;
  } else if constexpr (std::is_same_v<T, int8_t>) {
    return CT::kByte;
  } else if constexpr (std::is_same_v<T, int16_t>) {
    return CT::kI16;
  } else if constexpr (std::is_same_v<T, int32_t> || std::is_enum_v<T>) {
    return CT::kI32;  // thrift enums are i32
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return CT::kI64;
  } else {
    static_assert(std::is_same_v<T, std::string>);
    return CT::kBinary;
  }
}

// Reads one scalar. For a bool field (`in_collection` false) the value is the header's type.
template <typename T>
Status ReadScalar(CompactReader& r, CT wire, bool in_collection, T* out) {
  if constexpr (std::is_same_v<T, bool>) {
    if (in_collection) return r.ReadBool(out);
    *out = CompactReader::BoolFieldValue(wire);
    return Status::OK();
  } else if constexpr (std::is_same_v<T, int8_t>) {
    return r.ReadI8(out);
  } else if constexpr (std::is_same_v<T, int16_t>) {
    return r.ReadI16(out);
  } else if constexpr (std::is_same_v<T, int32_t>) {
    return r.ReadI32(out);
  } else if constexpr (std::is_enum_v<T>) {
    int32_t v;
    FL_RETURN_NOT_OK(r.ReadI32(&v));
    *out = static_cast<T>(v);  // the enums are open: keep values we do not know
    return Status::OK();
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return r.ReadI64(out);
  } else {
    return r.ReadBinary(out);
  }
}

struct Required {
  int16_t id;
  const char* name;
};

// One field of the struct being read. Each Read*() reads the value into the given member if the
// wire type is the declared one and marks the field seen; otherwise it skips the value (what
// thrift-generated readers do), leaving the member as it was.
class Field {
 public:
  Field(CompactReader& r, const FieldHeader& h, uint64_t* seen) : r_(r), h_(h), seen_(seen) {}

  int16_t id() const { return h_.id; }
  Status Skip() { return r_.Skip(h_.type); }

  template <typename T>
  Status Read(T* out) {
    if (!Matches(WireType<T>())) return Skip();
    FL_RETURN_NOT_OK(ReadScalar(r_, h_.type, /*in_collection=*/false, out));
    Mark();
    return Status::OK();
  }

  template <typename T>
  Status Read(std::optional<T>* out) {
    if (!Matches(WireType<T>())) return Skip();
    FL_RETURN_NOT_OK(ReadScalar(r_, h_.type, /*in_collection=*/false, &out->emplace()));
    Mark();
    return Status::OK();
  }

  // A struct field; read() consumes the struct.
  template <typename F>
  Status Struct(F&& read) {
    if (h_.type != CT::kStruct) return Skip();
    FL_RETURN_NOT_OK(read());
    Mark();
    return Status::OK();
  }

  template <typename T>
  Status Struct(std::optional<T>* out, Status (*read)(CompactReader&, T*)) {
    return Struct([&] { return read(r_, &out->emplace()); });
  }

  // A list (or set) field of `elem`-typed elements; append(out) reads one element onto *out.
  template <typename V, typename F>
  Status List(V* out, CT elem, F&& append) {
    if (h_.type != CT::kList && h_.type != CT::kSet) return Skip();
    ListHeader header;
    FL_RETURN_NOT_OK(r_.ReadListHeader(&header));
    if (header.size > 0 && header.elem != elem) return r_.SkipListElements(header);
    out->clear();
    out->reserve(std::min(header.size, kMaxReserve));
    for (uint32_t i = 0; i < header.size; ++i) FL_RETURN_NOT_OK(append(out));
    Mark();
    return Status::OK();
  }

  template <typename T>
  Status StructList(std::vector<T>* out, Status (*read)(CompactReader&, T*)) {
    return List(out, CT::kStruct, [&](std::vector<T>* v) { return read(r_, &v->emplace_back()); });
  }

  template <typename T>
  Status ScalarList(std::vector<T>* out) {
    return List(out, WireType<T>(), [&](std::vector<T>* v) {
      return ReadScalar(r_, WireType<T>(), /*in_collection=*/true, &v->emplace_back());
    });
  }

 private:
  bool Matches(CT expected) const {
    return h_.type == expected || (expected == CT::kBoolTrue && CompactReader::IsBool(h_.type));
  }
  void Mark() {
    if (h_.id >= 0 && h_.id < 64) *seen_ |= uint64_t{1} << h_.id;
  }

  CompactReader& r_;
  // A reference: copying the header whole right after its two narrow stores stalls the CPU.
  const FieldHeader& h_;
  uint64_t* seen_;
};

// Reads one struct, handing each field to on_field(Field&), then checks the required fields.
template <typename F>
Status ReadStruct(CompactReader& r, const char* name, std::span<const Required> required,
                  F&& on_field) {
  FL_RETURN_NOT_OK(r.BeginStruct());
  uint64_t seen = 0;
  while (true) {
    FieldHeader header;
    FL_RETURN_NOT_OK(r.ReadFieldHeader(&header));
    if (header.type == CT::kStop) break;
    Field field(r, header, &seen);
    FL_RETURN_NOT_OK(on_field(field));
  }
  FL_RETURN_NOT_OK(r.EndStruct());
  for (const Required& req : required) {
    if ((seen & (uint64_t{1} << req.id)) == 0) {
      return r.Error(std::string(name) + ": missing required field " + req.name);
    }
  }
  return Status::OK();
}

Status ReadTimeLike(CompactReader& r, const char* name, LogicalType::Kind kind, LogicalType* t) {
  static constexpr Required kRequired[] = {{1, "isAdjustedToUTC"}, {2, "unit"}};
  std::optional<TimeUnit> unit;
  FL_RETURN_NOT_OK(ReadStruct(r, name, kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&t->is_adjusted_to_utc);
      case 2:
        return f.Struct([&] {
          return ReadStruct(r, "TimeUnit", {}, [&](Field& u) {
            switch (u.id()) {
              case 1: unit = TimeUnit::kMillis; break;
              case 2: unit = TimeUnit::kMicros; break;
              case 3: unit = TimeUnit::kNanos; break;
              default: break;
            }
            return u.Skip();  // the members are empty structs
          });
        });
      default: return f.Skip();
    }
  }));
  // A unit we do not know makes the whole annotation one we do not know.
  t->kind = unit ? kind : LogicalType::Kind::kNone;
  if (unit) t->unit = *unit;
  return Status::OK();
}

Status ReadLogicalType(CompactReader& r, LogicalType* t) {
  using K = LogicalType::Kind;
  *t = LogicalType{};
  return ReadStruct(r, "LogicalType", {}, [&](Field& f) -> Status {
    // Members without parameters are empty structs; skipping also passes over any fields a
    // newer format version adds to them.
    auto empty = [&](K kind) {
      return f.Struct([&] {
        t->kind = kind;
        return r.Skip(CT::kStruct);
      });
    };
    switch (f.id()) {
      case 1: return empty(K::kString);
      case 2: return empty(K::kMap);
      case 3: return empty(K::kList);
      case 4: return empty(K::kEnum);
      case 5:
        return f.Struct([&] {
          t->kind = K::kDecimal;
          static constexpr Required kRequired[] = {{1, "scale"}, {2, "precision"}};
          return ReadStruct(r, "DecimalType", kRequired, [&](Field& d) {
            switch (d.id()) {
              case 1: return d.Read(&t->scale);
              case 2: return d.Read(&t->precision);
              default: return d.Skip();
            }
          });
        });
      case 6: return empty(K::kDate);
      case 7: return f.Struct([&] { return ReadTimeLike(r, "TimeType", K::kTime, t); });
      case 8: return f.Struct([&] { return ReadTimeLike(r, "TimestampType", K::kTimestamp, t); });
      case 10:
        return f.Struct([&] {
          t->kind = K::kInteger;
          static constexpr Required kRequired[] = {{1, "bitWidth"}, {2, "isSigned"}};
          return ReadStruct(r, "IntType", kRequired, [&](Field& i) {
            switch (i.id()) {
              case 1: return i.Read(&t->bit_width);
              case 2: return i.Read(&t->is_signed);
              default: return i.Skip();
            }
          });
        });
      case 11: return empty(K::kUnknown);
      case 12: return empty(K::kJson);
      case 13: return empty(K::kBson);
      case 14: return empty(K::kUuid);
      case 15: return empty(K::kFloat16);
      default: return f.Skip();  // a member newer than us
    }
  });
}

Status ReadSchemaElement(CompactReader& r, SchemaElement* e) {
  static constexpr Required kRequired[] = {{4, "name"}};
  return ReadStruct(r, "SchemaElement", kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&e->type);
      case 2: return f.Read(&e->type_length);
      case 3: return f.Read(&e->repetition_type);
      case 4: return f.Read(&e->name);
      case 5: return f.Read(&e->num_children);
      case 6: return f.Read(&e->converted_type);
      case 7: return f.Read(&e->scale);
      case 8: return f.Read(&e->precision);
      case 9: return f.Read(&e->field_id);
      case 10: return f.Struct(&e->logical_type, ReadLogicalType);
      default: return f.Skip();
    }
  });
}

Status ReadStatistics(CompactReader& r, Statistics* s) {
  return ReadStruct(r, "Statistics", {}, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&s->max);
      case 2: return f.Read(&s->min);
      case 3: return f.Read(&s->null_count);
      case 4: return f.Read(&s->distinct_count);
      case 5: return f.Read(&s->max_value);
      case 6: return f.Read(&s->min_value);
      case 7: return f.Read(&s->is_max_value_exact);
      case 8: return f.Read(&s->is_min_value_exact);
      default: return f.Skip();
    }
  });
}

Status ReadKeyValue(CompactReader& r, KeyValue* kv) {
  static constexpr Required kRequired[] = {{1, "key"}};
  return ReadStruct(r, "KeyValue", kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&kv->key);
      case 2: return f.Read(&kv->value);
      default: return f.Skip();
    }
  });
}

Status ReadPageEncodingStats(CompactReader& r, PageEncodingStats* s) {
  static constexpr Required kRequired[] = {{1, "page_type"}, {2, "encoding"}, {3, "count"}};
  return ReadStruct(r, "PageEncodingStats", kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&s->page_type);
      case 2: return f.Read(&s->encoding);
      case 3: return f.Read(&s->count);
      default: return f.Skip();
    }
  });
}

Status ReadColumnMetaData(CompactReader& r, ColumnMetaData* m) {
  static constexpr Required kRequired[] = {{1, "type"},
                                           {2, "encodings"},
                                           {3, "path_in_schema"},
                                           {4, "codec"},
                                           {5, "num_values"},
                                           {6, "total_uncompressed_size"},
                                           {7, "total_compressed_size"},
                                           {9, "data_page_offset"}};
  return ReadStruct(r, "ColumnMetaData", kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&m->type);
      case 2: return f.ScalarList(&m->encodings);
      case 3: return f.ScalarList(&m->path_in_schema);
      case 4: return f.Read(&m->codec);
      case 5: return f.Read(&m->num_values);
      case 6: return f.Read(&m->total_uncompressed_size);
      case 7: return f.Read(&m->total_compressed_size);
      case 8: return f.StructList(&m->key_value_metadata, ReadKeyValue);
      case 9: return f.Read(&m->data_page_offset);
      case 10: return f.Read(&m->index_page_offset);
      case 11: return f.Read(&m->dictionary_page_offset);
      case 12: return f.Struct(&m->statistics, ReadStatistics);
      case 13: return f.StructList(&m->encoding_stats, ReadPageEncodingStats);
      default: return f.Skip();
    }
  });
}

Status ReadColumnChunk(CompactReader& r, ColumnChunk* c) {
  static constexpr Required kRequired[] = {{2, "file_offset"}};
  return ReadStruct(r, "ColumnChunk", kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&c->file_path);
      case 2: return f.Read(&c->file_offset);
      case 3: return f.Struct(&c->meta_data, ReadColumnMetaData);
      default: return f.Skip();
    }
  });
}

Status ReadSortingColumn(CompactReader& r, SortingColumn* s) {
  static constexpr Required kRequired[] = {
      {1, "column_idx"}, {2, "descending"}, {3, "nulls_first"}};
  return ReadStruct(r, "SortingColumn", kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&s->column_idx);
      case 2: return f.Read(&s->descending);
      case 3: return f.Read(&s->nulls_first);
      default: return f.Skip();
    }
  });
}

Status ReadRowGroup(CompactReader& r, RowGroup* g) {
  static constexpr Required kRequired[] = {{1, "columns"}, {2, "total_byte_size"}, {3, "num_rows"}};
  return ReadStruct(r, "RowGroup", kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.StructList(&g->columns, ReadColumnChunk);
      case 2: return f.Read(&g->total_byte_size);
      case 3: return f.Read(&g->num_rows);
      case 4: return f.StructList(&g->sorting_columns, ReadSortingColumn);
      case 5: return f.Read(&g->file_offset);
      case 6: return f.Read(&g->total_compressed_size);
      case 7: return f.Read(&g->ordinal);
      default: return f.Skip();
    }
  });
}

// ColumnOrder union: true for TYPE_ORDER, false for any other (or no) member.
Status ReadColumnOrder(CompactReader& r, bool* type_defined) {
  *type_defined = false;
  return ReadStruct(r, "ColumnOrder", {}, [&](Field& f) {
    if (f.id() == 1) {
      return f.Struct([&] {
        *type_defined = true;
        return r.Skip(CT::kStruct);
      });
    }
    return f.Skip();
  });
}

Status ReadFileMetaData(CompactReader& r, FileMetaData* md) {
  static constexpr Required kRequired[] = {
      {1, "version"}, {2, "schema"}, {3, "num_rows"}, {4, "row_groups"}};
  auto append_column_order = [&](std::vector<bool>* v) {
    bool type_defined;
    FL_RETURN_NOT_OK(ReadColumnOrder(r, &type_defined));
    v->push_back(type_defined);
    return Status::OK();
  };
  return ReadStruct(r, "FileMetaData", kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&md->version);
      case 2: return f.StructList(&md->schema, ReadSchemaElement);
      case 3: return f.Read(&md->num_rows);
      case 4: return f.StructList(&md->row_groups, ReadRowGroup);
      case 5: return f.StructList(&md->key_value_metadata, ReadKeyValue);
      case 6: return f.Read(&md->created_by);
      case 7: return f.List(&md->column_orders_type_defined, CT::kStruct, append_column_order);
      default: return f.Skip();
    }
  });
}

Status ReadDataPageHeader(CompactReader& r, DataPageHeader* d) {
  static constexpr Required kRequired[] = {{1, "num_values"},
                                           {2, "encoding"},
                                           {3, "definition_level_encoding"},
                                           {4, "repetition_level_encoding"}};
  return ReadStruct(r, "DataPageHeader", kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&d->num_values);
      case 2: return f.Read(&d->encoding);
      case 3: return f.Read(&d->definition_level_encoding);
      case 4: return f.Read(&d->repetition_level_encoding);
      case 5: return f.Struct(&d->statistics, ReadStatistics);
      default: return f.Skip();
    }
  });
}

Status ReadDictionaryPageHeader(CompactReader& r, DictionaryPageHeader* d) {
  static constexpr Required kRequired[] = {{1, "num_values"}, {2, "encoding"}};
  return ReadStruct(r, "DictionaryPageHeader", kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&d->num_values);
      case 2: return f.Read(&d->encoding);
      case 3: return f.Read(&d->is_sorted);
      default: return f.Skip();
    }
  });
}

Status ReadDataPageHeaderV2(CompactReader& r, DataPageHeaderV2* d) {
  static constexpr Required kRequired[] = {{1, "num_values"},
                                           {2, "num_nulls"},
                                           {3, "num_rows"},
                                           {4, "encoding"},
                                           {5, "definition_levels_byte_length"},
                                           {6, "repetition_levels_byte_length"}};
  return ReadStruct(r, "DataPageHeaderV2", kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&d->num_values);
      case 2: return f.Read(&d->num_nulls);
      case 3: return f.Read(&d->num_rows);
      case 4: return f.Read(&d->encoding);
      case 5: return f.Read(&d->definition_levels_byte_length);
      case 6: return f.Read(&d->repetition_levels_byte_length);
      case 7: return f.Read(&d->is_compressed);
      case 8: return f.Struct(&d->statistics, ReadStatistics);
      default: return f.Skip();
    }
  });
}

Status ReadPageHeader(CompactReader& r, PageHeader* h) {
  static constexpr Required kRequired[] = {
      {1, "type"}, {2, "uncompressed_page_size"}, {3, "compressed_page_size"}};
  return ReadStruct(r, "PageHeader", kRequired, [&](Field& f) {
    switch (f.id()) {
      case 1: return f.Read(&h->type);
      case 2: return f.Read(&h->uncompressed_page_size);
      case 3: return f.Read(&h->compressed_page_size);
      case 4: return f.Read(&h->crc);
      case 5: return f.Struct(&h->data_page_header, ReadDataPageHeader);
      case 7: return f.Struct(&h->dictionary_page_header, ReadDictionaryPageHeader);
      case 8: return f.Struct(&h->data_page_header_v2, ReadDataPageHeaderV2);
      default: return f.Skip();  // includes 6, index_page_header
    }
  });
}

}  // namespace

Result<FileMetaData> ParseFileMetaData(const uint8_t* data, size_t size) {
  CompactReader r(data, size);
  FileMetaData md;
  FL_RETURN_NOT_OK(ReadFileMetaData(r, &md));
  return md;
}

Result<PageHeader> ParsePageHeader(const uint8_t* data, size_t size, size_t* header_size) {
  CompactReader r(data, size);
  PageHeader h;
  FL_RETURN_NOT_OK(ReadPageHeader(r, &h));
  *header_size = r.position();
  return h;
}

}  // namespace financelake::parquet
