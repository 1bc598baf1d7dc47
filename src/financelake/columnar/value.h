// Value: one scalar of any primitive type, for statistics, partition values and literals.
// Integers of every width, dates (days) and timestamps (µs) are held as int64; the DataType that
// goes with the value says how to read it. Decimals hold their unscaled 128-bit integer.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "financelake/columnar/types.h"

namespace financelake::columnar {

using int128_t = __int128;

struct Value {
  std::variant<std::monostate, bool, int64_t, double, std::string, int128_t> v;

  Value() = default;
  static Value Null() { return Value(); }
  static Value Bool(bool b) { return Value(b); }
  static Value Int(int64_t i) { return Value(i); }
  static Value Real(double d) { return Value(d); }
  static Value Bytes(std::string s) { return Value(std::move(s)); }
  static Value Decimal(int128_t unscaled) { return Value(unscaled); }

  bool is_null() const { return std::holds_alternative<std::monostate>(v); }
  bool as_bool() const { return std::get<bool>(v); }
  int64_t as_int() const { return std::get<int64_t>(v); }
  double as_double() const { return std::get<double>(v); }
  const std::string& as_bytes() const { return std::get<std::string>(v); }
  int128_t as_decimal() const { return std::get<int128_t>(v); }

  bool operator==(const Value& o) const { return v == o.v; }

 private:
  template <typename T>
  explicit Value(T x) : v(std::move(x)) {}
};

// Formats a value of `type` for humans and CSV: dates "2024-01-31", timestamps
// "2024-01-31T09:30:00.000000Z", decimals "-12.340", binary as base64.
std::string FormatValue(const Value& value, const DataType& type);

// Calendar helpers (proleptic Gregorian, UTC).
int32_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);
std::string FormatDate(int32_t days);
std::string FormatTimestampMicros(int64_t micros);
std::string FormatDecimal(int128_t unscaled, int scale);
std::string Base64Encode(std::string_view bytes);
// Standard base64 with padding (as Base64Encode writes it); false on anything else.
bool Base64Decode(std::string_view text, std::string* bytes);

}  // namespace financelake::columnar
