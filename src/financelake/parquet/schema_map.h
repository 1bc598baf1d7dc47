// Mapping between FinanceLake's columnar schema and the Parquet schema, and the per-leaf
// descriptors (definition/repetition levels, path through nested columns) that the writer's
// shredding and the reader's assembly share.
//
// Writing: every field becomes a Parquet node; arrays use the standard 3-level LIST form
// (`<name> (LIST) { repeated group list { element } }`), maps the MAP form
// (`<name> (MAP) { repeated group key_value { required key; value } }`).
// Reading: also the legacy 2-level lists and bare repeated fields that parquet-mr and older
// writers produce, INT96 timestamps, millisecond/nanosecond timestamps and unsigned integers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/schema.h"
#include "financelake/parquet/metadata.h"

namespace financelake::parquet {

// How a leaf's physical values become columnar values.
enum class LeafConversion : uint8_t {
  kNone,              // same representation (BOOLEAN->uint8 handled by the codec)
  kInt32ToInt8,       // INT32 -> byte
  kInt32ToInt16,      // INT32 -> short
  kUInt32ToInt64,     // INT32 holding uint32 -> long
  kUInt64ToDecimal,   // INT64 holding uint64 -> decimal(20,0), exact (as Spark reads it)
  kInt96ToMicros,     // INT96 (Julian day + nanos) -> timestamp
  kMillisToMicros,    // INT64 TIMESTAMP(MILLIS) -> timestamp
  kNanosToMicros,     // INT64 TIMESTAMP(NANOS) -> timestamp
  kDecimalFromInt32,  // INT32 DECIMAL -> int128
  kDecimalFromInt64,  // INT64 DECIMAL -> int128
  kDecimalFromBytes,  // FIXED_LEN_BYTE_ARRAY / BYTE_ARRAY big-endian two's complement -> int128
  kFloat16ToFloat,    // FIXED_LEN_BYTE_ARRAY(2) FLOAT16 -> float
};

// One node on the path from a top-level field down to a leaf.
struct PathNode {
  enum class Kind : uint8_t { kPrimitive, kStruct, kList, kMap };
  Kind kind = Kind::kPrimitive;
  // Which child of the parent columnar column this node is (-1 for a top-level field). For a
  // map, child 0 is the keys and child 1 the values.
  int child_index = -1;
  // A slot of this node exists for a level entry with def >= slot_def and starts a new slot
  // when rep <= slot_rep.
  int16_t slot_def = 0;
  int16_t slot_rep = 0;
  // def reached when this node's slot is non-null.
  int16_t def_defined = 0;
  // List/map only: def reached when the list has at least one element; rep of its elements.
  int16_t def_elem = 0;
  int16_t rep_elem = 0;
  // True when this leaf is the first leaf under the node: it owns the node's slots, offsets
  // and validity (other leaves under the node only fill their own sub-columns).
  bool owner = false;
};

struct LeafDescriptor {
  std::vector<std::string> path;  // path_in_schema
  size_t schema_index = 0;        // index of the leaf's SchemaElement
  Type physical_type = Type::INT32;
  int32_t type_length = 0;        // FIXED_LEN_BYTE_ARRAY width
  columnar::DataType type;        // the columnar type of the leaf values
  LeafConversion conversion = LeafConversion::kNone;
  // An unsigned integer (UINT_8..UINT_64, INTEGER(bits, false)): its min_value/max_value are in
  // unsigned order and the deprecated min/max (signed order) cannot be trusted.
  bool is_unsigned = false;
  int16_t max_def = 0;
  int16_t max_rep = 0;
  size_t top_field = 0;           // index of the top-level field
  std::vector<PathNode> nodes;    // top-level field first, the leaf last
};

struct ParquetSchema {
  columnar::Schema schema;
  std::vector<LeafDescriptor> leaves;  // in file column order
  // For each top-level field, the range [first, last) of its leaves.
  std::vector<std::pair<size_t, size_t>> field_leaves;
};

// Flattens a columnar schema into Parquet SchemaElements (root first).
Result<std::vector<SchemaElement>> ToParquetSchema(const columnar::Schema& schema);
// Interprets a Parquet schema; Unimplemented for types we cannot represent.
Result<ParquetSchema> FromParquetSchema(const std::vector<SchemaElement>& elements);

}  // namespace financelake::parquet
