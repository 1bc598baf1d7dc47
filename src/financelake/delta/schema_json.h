// Delta's schema serialization (PROTOCOL.md "Schema Serialization Format": Spark SQL's JSON
// schema) to and from columnar::Schema, and partition values (PROTOCOL.md "Partition Value
// Serialization") to and from columnar::Value.
//
// Types: string, long, integer, short, byte, float, double, boolean, binary, date, timestamp,
// decimal(p,s), struct, array (elementType, containsNull), map (keyType, valueType,
// valueContainsNull). Field metadata is accepted and dropped (we write `{}`). timestamp_ntz,
// variant, void, interval and anything else are Unimplemented ("unsupported type ...").
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "financelake/base/json.h"
#include "financelake/base/result.h"
#include "financelake/columnar/schema.h"
#include "financelake/columnar/value.h"

namespace financelake::delta {

// metaData.schemaString -> Schema. InvalidArgument for malformed JSON or structure,
// Unimplemented for types we do not support; messages name the field path ("a.b").
Result<columnar::Schema> SchemaFromJson(std::string_view schema_string);
Result<columnar::Schema> SchemaFromJson(const Json& schema);
// One type: a primitive name ("long", "decimal(10,2)") or a struct/array/map object.
Result<columnar::DataType> DataTypeFromJson(const Json& type);

// Schema -> metaData.schemaString, compact as Spark writes it (nullable, metadata {}).
std::string SchemaToJson(const columnar::Schema& schema);
Json SchemaToJsonValue(const columnar::Schema& schema);
Json DataTypeToJson(const columnar::DataType& type);

// The partition value `text` (nullopt and "" are null) of a column of primitive `type`.
// Accepted: integers; decimal/scientific floats, NaN, Infinity; true/false; dates YYYY-MM-DD;
// timestamps 'YYYY-MM-DD HH:MM:SS[.ffffff]' (read as UTC) or ISO 8601 with Z or an offset;
// decimals with at most `scale` fraction digits; strings and binary as is. Float values are
// rounded to float precision (as the column would hold them). InvalidArgument otherwise.
Result<columnar::Value> ParsePartitionValue(const std::optional<std::string>& text,
                                            const columnar::DataType& type);

// The inverse, for writers: nullopt for null (and for the empty string, which Delta cannot
// tell from null). Timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC, floats as Java prints
// them ("1.0", "NaN", "Infinity"), decimals with exactly `scale` fraction digits.
std::optional<std::string> SerializePartitionValue(const columnar::Value& value,
                                                   const columnar::DataType& type);

}  // namespace financelake::delta
