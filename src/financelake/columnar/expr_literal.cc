// Casting expression literals to column types (the rules are listed in expr.h).
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

#include "financelake/columnar/expr.h"
#include "financelake/columnar/text_values.h"

namespace financelake::columnar::expr_internal {

namespace {

std::string Describe(const Literal& lit) {
  switch (lit.kind) {
    case Literal::kNull: return "NULL";
    case Literal::kBool: return lit.boolean ? "TRUE" : "FALSE";
    case Literal::kNumber: return lit.text;
    case Literal::kString: return fmt::format("'{}'", lit.text);
  }
  return lit.text;
}

// A number as written ("-1.5e3") as a plain decimal without exponent ("-1500"), with leading
// zeros and trailing fraction zeros removed; nullopt when its magnitude is far outside what an
// integer or decimal(38) column could hold.
std::optional<std::string> PlainDecimal(std::string_view t) {
  bool neg = false;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  std::string digits;
  int64_t point = 0;  // digits before the decimal point
  bool dot = false;
  size_t i = 0;
  for (; i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.'); ++i) {
    if (t[i] == '.') {
      dot = true;
      continue;
    }
    digits.push_back(t[i]);
    if (!dot) ++point;
  }
  if (i < t.size()) {  // exponent (the lexer checked its form)
    ++i;
    bool eneg = false;
    if (t[i] == '+' || t[i] == '-') eneg = t[i++] == '-';
    int64_t exp = 0;
    for (; i < t.size(); ++i) {
      exp = exp * 10 + (t[i] - '0');
      if (exp > 100000) return std::nullopt;
    }
    point += eneg ? -exp : exp;
  }
  size_t lead = 0;
  while (lead < digits.size() && digits[lead] == '0') ++lead;
  digits.erase(0, lead);
  point -= static_cast<int64_t>(lead);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  if (digits.empty()) return std::string("0");
  const auto n = static_cast<int64_t>(digits.size());
  if (point > 60 || point < -60) return std::nullopt;
  std::string out = neg ? "-" : "";
  if (point <= 0) {
    out += "0." + std::string(static_cast<size_t>(-point), '0') + digits;
  } else if (point >= n) {
    out += digits + std::string(static_cast<size_t>(point - n), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(point)) + "." +
           digits.substr(static_cast<size_t>(point));
  }
  return out;
}

}  // namespace

Status PositionError(size_t pos, std::string_view message) {
  return Status::InvalidArgument(fmt::format("where: position {}: {}", pos + 1, message));
}

Result<Value> CastLiteral(const Literal& lit, const Field& column) {
  if (lit.kind == Literal::kNull) return Value::Null();
  const DataType& type = column.type;
  const TypeKind kind = type.kind();
  const std::string what = fmt::format("cannot compare {} column '{}' with {}", type.ToString(),
                                       column.name, Describe(lit));
  const auto fail = [&](std::string_view why) {
    return PositionError(lit.pos, what + std::string(why));
  };
  const auto parse = [&](std::string_view text) -> Result<Value> {
    auto v = ParseValue(text, type);
    if (!v.ok()) return fail(": " + v.status().message());
    return v;
  };
  // Doubles parsed from text (ParseValue refuses what overflows the type): float columns get
  // float values.
  const auto floating = [&](const Value& v) -> Value {
    return kind == TypeKind::kDouble ? v : Value::Real(static_cast<float>(v.as_double()));
  };

  switch (lit.kind) {
    case Literal::kBool:
      if (kind == TypeKind::kBoolean) return Value::Bool(lit.boolean);
      return fail("");
    case Literal::kString: {
      if (type.is_binary_like()) return Value::Bytes(lit.text);
      FL_ASSIGN_OR_RETURN(Value v, parse(lit.text));
      if (kind == TypeKind::kFloat || kind == TypeKind::kDouble) return floating(v);
      return v;
    }
    case Literal::kNumber:
      switch (kind) {
        case TypeKind::kByte:
        case TypeKind::kShort:
        case TypeKind::kInteger:
        case TypeKind::kLong:
        case TypeKind::kDecimal: {
          const std::optional<std::string> plain = PlainDecimal(lit.text);
          if (!plain) return fail(": out of range");
          return parse(*plain);
        }
        case TypeKind::kFloat:
        case TypeKind::kDouble: {
          FL_ASSIGN_OR_RETURN(Value v, parse(lit.text));
          return floating(v);
        }
        case TypeKind::kDate: return fail(" (write a date as a string: '2024-01-31')");
        case TypeKind::kTimestamp:
          return fail(" (write a timestamp as a string: '2024-01-31T09:30:00Z')");
        case TypeKind::kString:
        case TypeKind::kBinary: return fail(fmt::format(" (quote it: '{}')", lit.text));
        default: return fail("");
      }
    case Literal::kNull: break;
  }
  return Value::Null();
}

Result<std::optional<int>> CompareLiterals(const Literal& a, const Literal& b, size_t pos) {
  if (a.kind == Literal::kNull || b.kind == Literal::kNull) return std::optional<int>();
  if (a.kind != b.kind) {
    return PositionError(pos, fmt::format("cannot compare {} with {}", Describe(a), Describe(b)));
  }
  const auto sign = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  switch (a.kind) {
    case Literal::kBool: return std::optional<int>(sign(a.boolean, b.boolean));
    case Literal::kNumber:
      return std::optional<int>(
          sign(std::strtod(a.text.c_str(), nullptr), std::strtod(b.text.c_str(), nullptr)));
    default: {
      const int c =
          std::memcmp(a.text.data(), b.text.data(), std::min(a.text.size(), b.text.size()));
      return std::optional<int>(c != 0 ? (c < 0 ? -1 : 1) : sign(a.text.size(), b.text.size()));
    }
  }
}

}  // namespace financelake::columnar::expr_internal
