#include "financelake/columnar/text_values.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "financelake/base/json.h"

namespace financelake::columnar {

namespace {

Status Bad(std::string_view text, std::string_view expected) {
  return Status::InvalidArgument(fmt::format("'{}' is not {}", text, expected));
}

bool ParseInt64(std::string_view t, int64_t* out) {
  if (!t.empty() && t[0] == '+') {
    t.remove_prefix(1);
    if (t.empty() || !std::isdigit(static_cast<unsigned char>(t[0]))) return false;  // "+-5"
  }
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), *out);
  return ec == std::errc() && p == t.data() + t.size() && !t.empty();
}

bool Digits(std::string_view t, size_t pos, size_t n, int* out) {
  if (pos + n > t.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
    v = v * 10 + (t[i] - '0');
  }
  *out = v;
  return true;
}

bool ValidDate(int y, int m, int d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool ParseDate(std::string_view t, int32_t* days) {
  int y, m, d;
  if (t.size() != 10 || t[4] != '-' || t[7] != '-' || !Digits(t, 0, 4, &y) ||
      !Digits(t, 5, 2, &m) || !Digits(t, 8, 2, &d) || !ValidDate(y, m, d)) {
    return false;
  }
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

bool ParseTimestamp(std::string_view t, int64_t* micros) {
  int32_t days;
  if (t.size() < 10 || !ParseDate(t.substr(0, 10), &days)) return false;
  int64_t us = static_cast<int64_t>(days) * 86400000000LL;
  size_t pos = 10;
  if (pos == t.size()) {
    *micros = us;
    return true;
  }
  if (t[pos] != 'T' && t[pos] != ' ') return false;
  int hh, mm, ss = 0;
  if (!Digits(t, pos + 1, 2, &hh) || pos + 3 >= t.size() || t[pos + 3] != ':' ||
      !Digits(t, pos + 4, 2, &mm) || hh > 23 || mm > 59) {
    return false;
  }
  pos += 6;
  if (pos < t.size() && t[pos] == ':') {
    // No leap second: 23:59:60 would silently become the next day's 00:00:00.
    if (!Digits(t, pos + 1, 2, &ss) || ss > 59) return false;
    pos += 3;
  }
  int64_t frac = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < t.size() && std::isdigit(static_cast<unsigned char>(t[pos]))) {
      if (n < 6) frac = frac * 10 + (t[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return false;
    for (int i = n; i < 6; ++i) frac *= 10;
  }
  us += (static_cast<int64_t>(hh) * 3600 + mm * 60 + ss) * 1000000LL + frac;
  if (pos < t.size()) {
    if (t[pos] == 'Z' && pos + 1 == t.size()) {
      pos += 1;
    } else if ((t[pos] == '+' || t[pos] == '-') && pos + 6 == t.size() && t[pos + 3] == ':') {
      int oh, om;
      if (!Digits(t, pos + 1, 2, &oh) || !Digits(t, pos + 4, 2, &om) || oh > 18 || om > 59) {
        return false;  // offsets span -18:00..+18:00 (as java.time's ZoneOffset)
      }
      const int64_t off = (static_cast<int64_t>(oh) * 3600 + om * 60) * 1000000LL;
      us += t[pos] == '+' ? -off : off;
      pos = t.size();
    } else {
      return false;
    }
  }
  *micros = us;
  return pos == t.size();
}

Result<int128_t> ParseDecimal(std::string_view t, int precision, int scale) {
  const std::string_view orig = t;
  const std::string expected = fmt::format("a decimal({},{})", precision, scale);
  bool neg = false;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  int128_t v = 0;
  int int_digits = 0, frac_digits = 0;
  bool dot = false, any = false;
  for (char c : t) {
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) return Bad(orig, expected);
    any = true;
    if (dot) {
      if (++frac_digits > scale) return Bad(orig, expected + " (too many fraction digits)");
    } else if (v != 0 || c != '0') {
      ++int_digits;
    }
    // Before the digit is added: 39 digits of decimal(38,0) overflowed int128 (the csv_table
    // fuzz target under UBSan).
    if (int_digits + scale > precision) return Bad(orig, expected + " (too many digits)");
    v = v * 10 + (c - '0');
  }
  if (!any) return Bad(orig, expected);
  for (int i = frac_digits; i < scale; ++i) v *= 10;
  return neg ? -v : v;
}

}  // namespace

Result<Value> ParseValue(std::string_view t, const DataType& type) {
  switch (type.kind()) {
    case TypeKind::kBoolean: {
      std::string l(t);
      for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (l == "true" || l == "1") return Value::Bool(true);
      if (l == "false" || l == "0") return Value::Bool(false);
      return Bad(t, "a boolean (true/false)");
    }
    case TypeKind::kByte:
    case TypeKind::kShort:
    case TypeKind::kInteger:
    case TypeKind::kLong: {
      int64_t v;
      if (!ParseInt64(t, &v)) return Bad(t, fmt::format("a {}", type.ToString()));
      const int bits = type.fixed_width() * 8;
      if (bits < 64 && (v < -(int64_t{1} << (bits - 1)) || v >= (int64_t{1} << (bits - 1)))) {
        return Bad(t, fmt::format("a {} (out of range)", type.ToString()));
      }
      return Value::Int(v);
    }
    case TypeKind::kFloat:
    case TypeKind::kDouble: {
      if (t == "NaN" || t == "nan") return Value::Real(std::nan(""));
      if (t == "Infinity" || t == "inf" || t == "+Infinity") {
        return Value::Real(std::numeric_limits<double>::infinity());
      }
      if (t == "-Infinity" || t == "-inf") {
        return Value::Real(-std::numeric_limits<double>::infinity());
      }
      std::string s(t);
      char* end = nullptr;
      const double d = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size() ||
          std::isspace(static_cast<unsigned char>(s[0]))) {
        return Bad(t, fmt::format("a {}", type.ToString()));
      }
      // Only the words above mean infinity; a number beyond the type's range is an error.
      const bool word = s.find_first_of("0123456789") == std::string::npos;
      // (Rounded as the column stores it: 3.4028235e38 is a float's largest value, not beyond.)
      const bool overflows =
          type.kind() == TypeKind::kFloat ? std::isinf(static_cast<float>(d)) : std::isinf(d);
      if (!word && overflows) {
        return Bad(t, fmt::format("a {} (out of range)", type.ToString()));
      }
      return Value::Real(d);
    }
    case TypeKind::kDate: {
      int32_t d;
      if (!ParseDate(t, &d)) return Bad(t, "a date (YYYY-MM-DD)");
      return Value::Int(d);
    }
    case TypeKind::kTimestamp: {
      int64_t us;
      if (!ParseTimestamp(t, &us)) return Bad(t, "a timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff][Z])");
      return Value::Int(us);
    }
    case TypeKind::kDecimal: {
      FL_ASSIGN_OR_RETURN(int128_t v, ParseDecimal(t, type.precision(), type.scale()));
      return Value::Decimal(v);
    }
    case TypeKind::kString:
    case TypeKind::kBinary: return Value::Bytes(std::string(t));
    default:
      return Status::InvalidArgument(fmt::format("cannot parse a {} from text", type.ToString()));
  }
}

void AppendJsonValue(const Column& c, int64_t i, std::string* out) {
  if (c.IsNull(i)) {
    out->append("null");
    return;
  }
  const DataType& t = c.type();
  switch (t.kind()) {
    case TypeKind::kBoolean: out->append(c.ValueAt<uint8_t>(i) ? "true" : "false"); return;
    case TypeKind::kByte:
      fmt::format_to(std::back_inserter(*out), "{}", c.ValueAt<int8_t>(i));
      return;
    case TypeKind::kShort:
      fmt::format_to(std::back_inserter(*out), "{}", c.ValueAt<int16_t>(i));
      return;
    case TypeKind::kInteger:
      fmt::format_to(std::back_inserter(*out), "{}", c.ValueAt<int32_t>(i));
      return;
    case TypeKind::kLong:
      fmt::format_to(std::back_inserter(*out), "{}", c.ValueAt<int64_t>(i));
      return;
    case TypeKind::kFloat:
    case TypeKind::kDouble: {
      const double d = t.kind() == TypeKind::kFloat ? c.ValueAt<float>(i) : c.ValueAt<double>(i);
      if (std::isnan(d)) {
        out->append("\"NaN\"");
      } else if (std::isinf(d)) {
        out->append(d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
      } else if (t.kind() == TypeKind::kFloat) {
        fmt::format_to(std::back_inserter(*out), "{}", c.ValueAt<float>(i));
      } else {
        fmt::format_to(std::back_inserter(*out), "{}", d);
      }
      return;
    }
    case TypeKind::kString: AppendJsonString(c.StringAt(i), out); return;
    case TypeKind::kBinary: AppendJsonString(Base64Encode(c.StringAt(i)), out); return;
    case TypeKind::kDate: AppendJsonString(FormatDate(c.ValueAt<int32_t>(i)), out); return;
    case TypeKind::kTimestamp:
      AppendJsonString(FormatTimestampMicros(c.ValueAt<int64_t>(i)), out);
      return;
    case TypeKind::kDecimal:
      AppendJsonString(FormatDecimal(c.ValueAt<int128_t>(i), t.scale()), out);
      return;
    case TypeKind::kStruct: {
      out->push_back('{');
      for (size_t f = 0; f < c.num_children(); ++f) {
        if (f) out->push_back(',');
        AppendJsonString(t.children()[f].name, out);
        out->push_back(':');
        AppendJsonValue(c.child(f), i, out);
      }
      out->push_back('}');
      return;
    }
    case TypeKind::kArray: {
      out->push_back('[');
      for (int64_t j = c.offsets()[i]; j < c.offsets()[i + 1]; ++j) {
        if (j != c.offsets()[i]) out->push_back(',');
        AppendJsonValue(c.child(0), j, out);
      }
      out->push_back(']');
      return;
    }
    case TypeKind::kMap: {
      out->push_back('{');
      for (int64_t j = c.offsets()[i]; j < c.offsets()[i + 1]; ++j) {
        if (j != c.offsets()[i]) out->push_back(',');
        const Column& k = c.child(0);
        if (k.type().kind() == TypeKind::kString) {
          AppendJsonString(k.StringAt(j), out);
        } else {
          std::string key;
          AppendJsonValue(k, j, &key);
          if (key.size() >= 2 && key.front() == '"') key = key.substr(1, key.size() - 2);
          AppendJsonString(key, out);
        }
        out->push_back(':');
        AppendJsonValue(c.child(1), j, out);
      }
      out->push_back('}');
      return;
    }
  }
}

void AppendCsvField(std::string_view s, std::string* out) {
  const bool quote = s.empty() || s.find_first_of(",\"\r\n") != std::string_view::npos ||
                     s.front() == ' ' || s.back() == ' ';
  if (!quote) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendJsonRow(const RecordBatch& batch, int64_t row, std::string* out) {
  out->push_back('{');
  for (size_t f = 0; f < batch.num_columns(); ++f) {
    if (f) out->push_back(',');
    AppendJsonString(batch.schema().field(f).name, out);
    out->push_back(':');
    AppendJsonValue(batch.column(f), row, out);
  }
  out->push_back('}');
}

void AppendCsvHeader(const Schema& schema, std::string* out) {
  for (size_t f = 0; f < schema.num_fields(); ++f) {
    if (f) out->push_back(',');
    AppendCsvField(schema.field(f).name, out);
  }
  out->push_back('\n');
}

void AppendCsvRow(const RecordBatch& batch, int64_t row, std::string* out) {
  for (size_t f = 0; f < batch.num_columns(); ++f) {
    if (f) out->push_back(',');
    const Column& c = batch.column(f);
    if (c.IsNull(row)) continue;
    const DataType& t = c.type();
    if (t.is_nested()) {
      std::string json;
      AppendJsonValue(c, row, &json);
      AppendCsvField(json, out);
    } else if (t.kind() == TypeKind::kString) {
      AppendCsvField(c.StringAt(row), out);
    } else {
      AppendCsvField(FormatValue(c.GetValue(row), t), out);
    }
  }
  out->push_back('\n');
}

}  // namespace financelake::columnar
