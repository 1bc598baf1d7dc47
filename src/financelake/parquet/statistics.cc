#include "financelake/parquet/statistics.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstring>
#include <string>
#include <utility>

namespace financelake::parquet {

using columnar::DataType;
using columnar::int128_t;
using columnar::TypeKind;
using columnar::Value;

columnar::int128_t DecimalFromBigEndian(const uint8_t* p, size_t n) {
  if (n == 0) return 0;
  unsigned __int128 v = (p[0] & 0x80) ? ~static_cast<unsigned __int128>(0) : 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return static_cast<int128_t>(v);
}

void DecimalToBigEndian(columnar::int128_t v, uint8_t* out, size_t n) {
  auto u = static_cast<unsigned __int128>(v);
  for (size_t i = 0; i < n; ++i) {
    out[n - 1 - i] = static_cast<uint8_t>(u & 0xFF);
    u >>= 8;
  }
}

int64_t FloorDiv1000(int64_t v) {
  int64_t q = v / 1000;
  if (v % 1000 < 0) --q;
  return q;
}

int CompareValues(const Value& a, const Value& b, const DataType& type) {
  switch (type.kind()) {
    case TypeKind::kBoolean: return int(a.as_bool()) - int(b.as_bool());
    case TypeKind::kFloat:
    case TypeKind::kDouble: {
      const double x = a.as_double(), y = b.as_double();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    case TypeKind::kString:
    case TypeKind::kBinary: {
      const int c = a.as_bytes().compare(b.as_bytes());  // char_traits<char> compares unsigned
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case TypeKind::kDecimal: {
      const int128_t x = a.as_decimal(), y = b.as_decimal();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    default: {
      const int64_t x = a.as_int(), y = b.as_int();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
  }
}

void ColumnStatistics::Merge(const ColumnStatistics& o, const DataType& type) {
  num_values += o.num_values;
  if (null_count && o.null_count) {
    *null_count += *o.null_count;
  } else {
    null_count.reset();
  }
  if (o.min && (!min || CompareValues(*o.min, *min, type) < 0)) min = o.min;
  if (o.max && (!max || CompareValues(*o.max, *max, type) > 0)) max = o.max;
}

namespace {

template <typename T>
std::string Raw(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}

template <typename T>
Result<T> Load(std::string_view b, const LeafDescriptor& leaf) {
  if (b.size() != sizeof(T)) {
    return Status::DataLoss(fmt::format("parquet: statistics of '{}': {} bytes for a {}-byte value",
                                        fmt::join(leaf.path, "."), b.size(), sizeof(T)));
  }
  T v;
  std::memcpy(&v, b.data(), sizeof(T));
  return v;
}

}  // namespace

std::string EncodeStatValue(const Value& v, const LeafDescriptor& leaf) {
  switch (leaf.physical_type) {
    case Type::BOOLEAN: return std::string(1, v.as_bool() ? '\1' : '\0');
    case Type::INT32:
      if (leaf.type.kind() == TypeKind::kDecimal) return Raw<int32_t>(static_cast<int32_t>(v.as_decimal()));
      return Raw<int32_t>(static_cast<int32_t>(v.as_int()));
    case Type::INT64:
      if (leaf.type.kind() == TypeKind::kDecimal) return Raw<int64_t>(static_cast<int64_t>(v.as_decimal()));
      return Raw<int64_t>(v.as_int());
    case Type::FLOAT: return Raw<float>(static_cast<float>(v.as_double()));
    case Type::DOUBLE: return Raw<double>(v.as_double());
    case Type::FIXED_LEN_BYTE_ARRAY:
      if (leaf.type.kind() == TypeKind::kDecimal) {
        std::string s(static_cast<size_t>(leaf.type_length), '\0');
        DecimalToBigEndian(v.as_decimal(), reinterpret_cast<uint8_t*>(s.data()), s.size());
        return s;
      }
      return v.as_bytes();
    default: return v.as_bytes();
  }
}

Result<Value> DecodeStatValue(std::string_view b, const LeafDescriptor& leaf) {
  const TypeKind k = leaf.type.kind();
  switch (leaf.physical_type) {
    case Type::BOOLEAN: {
      if (b.size() != 1) return Status::DataLoss("parquet: boolean statistics must be 1 byte");
      return Value::Bool(b[0] != 0);
    }
    case Type::INT32: {
      FL_ASSIGN_OR_RETURN(int32_t x, Load<int32_t>(b, leaf));
      if (k == TypeKind::kDecimal) return Value::Decimal(x);
      if (leaf.conversion == LeafConversion::kUInt32ToInt64) {
        return Value::Int(static_cast<int64_t>(static_cast<uint32_t>(x)));
      }
      return Value::Int(x);
    }
    case Type::INT64: {
      FL_ASSIGN_OR_RETURN(int64_t x, Load<int64_t>(b, leaf));
      if (leaf.conversion == LeafConversion::kUInt64ToDecimal) {
        return Value::Decimal(static_cast<int128_t>(static_cast<uint64_t>(x)));
      }
      if (k == TypeKind::kDecimal) return Value::Decimal(x);
      if (leaf.conversion == LeafConversion::kMillisToMicros) {
        // The values themselves wrap past the microsecond range (ConvertPhysical): a wrapped
        // bound would not bound them, so there is none.
        int64_t micros;
        if (__builtin_mul_overflow(x, int64_t{1000}, &micros)) {
          return Status::Unimplemented(fmt::format(
              "parquet: statistics of '{}': {} ms is past the microsecond range, not used",
              fmt::join(leaf.path, "."), x));
        }
        return Value::Int(micros);
      }
      if (leaf.conversion == LeafConversion::kNanosToMicros) return Value::Int(FloorDiv1000(x));
      return Value::Int(x);
    }
    case Type::FLOAT: {
      FL_ASSIGN_OR_RETURN(float x, Load<float>(b, leaf));
      return Value::Real(x);
    }
    case Type::DOUBLE: {
      FL_ASSIGN_OR_RETURN(double x, Load<double>(b, leaf));
      return Value::Real(x);
    }
    case Type::INT96:
      return Status::Unimplemented("parquet: INT96 statistics are not trusted");
    case Type::BYTE_ARRAY:
    case Type::FIXED_LEN_BYTE_ARRAY:
      if (k == TypeKind::kDecimal) {
        if (b.size() > 16 || b.empty()) return Status::DataLoss("parquet: bad decimal statistics");
        return Value::Decimal(DecimalFromBigEndian(reinterpret_cast<const uint8_t*>(b.data()), b.size()));
      }
      if (leaf.conversion == LeafConversion::kFloat16ToFloat) {
        return Status::Unimplemented("parquet: FLOAT16 statistics are not used");
      }
      return Value::Bytes(std::string(b));
  }
  return Status::DataLoss("parquet: statistics of an unknown physical type");
}

Result<ColumnStatistics> DecodeStatistics(const ColumnMetaData& md, const LeafDescriptor& leaf) {
  ColumnStatistics s;
  s.num_values = md.num_values;
  if (!md.statistics) return s;
  const Statistics& st = *md.statistics;
  s.null_count = st.null_count;
  const std::string *lo = nullptr, *hi = nullptr;
  if (st.min_value && st.max_value) {
    lo = &*st.min_value;
    hi = &*st.max_value;
  } else if (st.min && st.max) {
    // Legacy fields were written in signed order (signed bytes for strings): trust them only
    // for signed numbers, dates and timestamps, where that order is the natural one.
    const TypeKind k = leaf.type.kind();
    const bool numeric =
        !(k == TypeKind::kString || k == TypeKind::kBinary || k == TypeKind::kDecimal) &&
        !leaf.is_unsigned;
    if (numeric) {
      lo = &*st.min;
      hi = &*st.max;
    }
  }
  if (lo && hi && leaf.physical_type != Type::INT96 &&
      leaf.conversion != LeafConversion::kFloat16ToFloat) {
    auto a = DecodeStatValue(*lo, leaf);
    auto b = DecodeStatValue(*hi, leaf);
    if (a.ok() && b.ok()) {
      s.min = std::move(a).value();
      s.max = std::move(b).value();
    }
  }
  return s;
}

Statistics EncodeStatistics(const ColumnStatistics& s, const LeafDescriptor& leaf) {
  Statistics st;
  st.null_count = s.null_count;
  if (s.min && s.max) {
    // A bound longer than this (Arrow's default limit) leaves both out: a long string would be
    // copied into the footer every reader parses (a 3 MB value: 6 MB). `s` keeps them.
    constexpr size_t kMaxFooterBoundBytes = 4096;
    std::string min = EncodeStatValue(*s.min, leaf);
    std::string max = EncodeStatValue(*s.max, leaf);
    if (min.size() <= kMaxFooterBoundBytes && max.size() <= kMaxFooterBoundBytes) {
      st.min_value = std::move(min);
      st.max_value = std::move(max);
    }
  }
  return st;
}

}  // namespace financelake::parquet
