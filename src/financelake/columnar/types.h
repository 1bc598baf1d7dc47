// Logical data types of FinanceLake columns: Delta Lake's primitive types plus struct, array and
// map. A DataType is a value (copyable, comparable); nested types own their child fields.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"

namespace financelake::columnar {

enum class TypeKind : uint8_t {
  kBoolean,
  kByte,       // int8
  kShort,      // int16
  kInteger,    // int32
  kLong,       // int64
  kFloat,
  kDouble,
  kString,     // UTF-8
  kBinary,
  kDate,       // int32 days since 1970-01-01
  kTimestamp,  // int64 microseconds since the epoch, UTC
  kDecimal,    // __int128 unscaled value, precision <= 38
  kStruct,
  kArray,
  kMap,
};

// byte, short, integer or long (not boolean, not decimal).
inline bool IsIntegerKind(TypeKind k) {
  return k == TypeKind::kByte || k == TypeKind::kShort || k == TypeKind::kInteger ||
         k == TypeKind::kLong;
}

struct Field;

class DataType {
 public:
  // Special members are defined after Field (below), where the element type is complete.
  DataType();
  explicit DataType(TypeKind kind);
  DataType(const DataType&);
  DataType(DataType&&) noexcept;
  DataType& operator=(const DataType&);
  DataType& operator=(DataType&&) noexcept;
  ~DataType();

  static DataType Boolean() { return DataType(TypeKind::kBoolean); }
  static DataType Byte() { return DataType(TypeKind::kByte); }
  static DataType Short() { return DataType(TypeKind::kShort); }
  static DataType Integer() { return DataType(TypeKind::kInteger); }
  static DataType Long() { return DataType(TypeKind::kLong); }
  static DataType Float() { return DataType(TypeKind::kFloat); }
  static DataType Double() { return DataType(TypeKind::kDouble); }
  static DataType String() { return DataType(TypeKind::kString); }
  static DataType Binary() { return DataType(TypeKind::kBinary); }
  static DataType Date() { return DataType(TypeKind::kDate); }
  static DataType Timestamp() { return DataType(TypeKind::kTimestamp); }
  static DataType Decimal(int precision, int scale);
  static DataType Struct(std::vector<Field> fields);
  static DataType Array(DataType element, bool contains_null = true);
  static DataType Map(DataType key, DataType value, bool value_contains_null = true);

  TypeKind kind() const { return kind_; }
  int precision() const { return precision_; }
  int scale() const { return scale_; }
  // Struct: its fields. Array: one field "element". Map: fields "key" and "value".
  const std::vector<Field>& children() const { return children_; }
  bool is_nested() const {
    return kind_ == TypeKind::kStruct || kind_ == TypeKind::kArray || kind_ == TypeKind::kMap;
  }
  bool is_binary_like() const { return kind_ == TypeKind::kString || kind_ == TypeKind::kBinary; }
  // byte, short, integer, long, float, double, decimal.
  bool is_numeric() const {
    return (kind_ >= TypeKind::kByte && kind_ <= TypeKind::kDouble) || kind_ == TypeKind::kDecimal;
  }
  // Bytes per value in a fixed-width buffer; 0 for variable-width and nested types.
  int fixed_width() const;

  // Delta / Spark simple-string form: "long", "decimal(10,2)", "struct<a:int,b:string>",
  // "array<string>", "map<string,long>".
  std::string ToString() const;
  // Parses the ToString() form; also accepts the aliases int, bigint, tinyint, smallint, str.
  static Result<DataType> Parse(std::string_view text);

  bool operator==(const DataType& other) const;

 private:
  TypeKind kind_ = TypeKind::kLong;
  int precision_ = 0;
  int scale_ = 0;
  std::vector<Field> children_;
};

struct Field {
  std::string name;
  DataType type;
  bool nullable = true;

  bool operator==(const Field& other) const {
    return name == other.name && type == other.type && nullable == other.nullable;
  }
};

inline DataType::DataType() = default;
inline DataType::DataType(TypeKind kind) : kind_(kind) {}
inline DataType::DataType(const DataType&) = default;
inline DataType::DataType(DataType&&) noexcept = default;
inline DataType& DataType::operator=(const DataType&) = default;
inline DataType& DataType::operator=(DataType&&) noexcept = default;
inline DataType::~DataType() = default;

std::string_view TypeKindName(TypeKind kind);

}  // namespace financelake::columnar
