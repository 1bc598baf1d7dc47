#include "financelake/sql/pushdown.h"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

namespace financelake::sql {
namespace {

using columnar::TypeKind;

const char* OpText(PushOp op) {
  switch (op) {
    case PushOp::kEq: return "=";
    case PushOp::kLt: return "<";
    case PushOp::kLe: return "<=";
    case PushOp::kGt: return ">";
    case PushOp::kGe: return ">=";
  }
  return "=";
}

// 'YYYY-MM-DD' (digits and dashes in place; the parser checks the calendar).
bool IsDateText(const std::string& s) {
  if (s.size() != 10) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 4 || i == 7;
    if (dash ? s[i] != '-' : !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// 'YYYY-MM-DDTHH:MM:SS.ffffffZ', the form the table shows.
bool IsTimestampText(const std::string& s) {
  if (s.size() != 27 || !IsDateText(s.substr(0, 10)) || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != '.' || s[26] != 'Z') {
    return false;
  }
  for (size_t i : {11, 12, 14, 15, 17, 18, 20, 21, 22, 23, 24, 25}) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool PushableType(TypeKind k) {
  return columnar::IsIntegerKind(k) || k == TypeKind::kFloat || k == TypeKind::kDouble ||
         k == TypeKind::kString || k == TypeKind::kDate || k == TypeKind::kTimestamp;
}

bool ShownAsText(TypeKind k) {
  return k == TypeKind::kString || k == TypeKind::kDate || k == TypeKind::kTimestamp;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string Column(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

}  // namespace

bool MayPushDown(const columnar::DataType& type, PushOp, std::string_view collation) {
  if (!PushableType(type.kind())) return false;
  // Numbers compare as numbers whatever the collation; text (strings, dates and timestamps as
  // SQLite sees them) compares bytewise in the Delta filter, which only BINARY agrees with.
  return !ShownAsText(type.kind()) || EqualsIgnoringCase(collation, "BINARY");
}

std::optional<std::string> PushDownTerm(const std::string& column, const columnar::DataType& type,
                                        PushOp op, const SqlValue& v) {
  const TypeKind k = type.kind();
  if (!PushableType(k)) return std::nullopt;
  std::string literal;
  if (columnar::IsIntegerKind(k) || k == TypeKind::kFloat || k == TypeKind::kDouble) {
    if (v.kind == SqlValue::Kind::kInteger) {
      if (k == TypeKind::kFloat)
        return std::nullopt;  // the float column's values are not the doubles SQLite sees
      // SQLite compares an integer with a double exactly; the Delta filter converts the
      // integer to a double, which is exact only up to 2^53 (d < 2^53 + 1 would drop d = 2^53).
      constexpr int64_t kExactInDouble = int64_t{1} << 53;
      if (k == TypeKind::kDouble && (v.i > kExactInDouble || v.i < -kExactInDouble))
        return std::nullopt;
      literal = std::to_string(v.i);
    } else if (v.kind == SqlValue::Kind::kReal && std::isfinite(v.d) && k != TypeKind::kFloat) {
      if (columnar::IsIntegerKind(k)) {
        // col op 2.5 on an integer column: widen to the integers that keep every matching row.
        if (op == PushOp::kEq) {
          if (v.d != std::floor(v.d)) return std::string("FALSE");
        }
        const double r =
            (op == PushOp::kGt || op == PushOp::kGe) ? std::floor(v.d) : std::ceil(v.d);
        if (std::abs(r) > 9e18) return std::nullopt;
        const PushOp widened =
            op == PushOp::kGt ? PushOp::kGe : (op == PushOp::kLt ? PushOp::kLe : op);
        return fmt::format("{} {} {}", Column(column), OpText(widened), static_cast<int64_t>(r));
      }
      literal = fmt::format("{}", v.d);
      if (literal.find_first_of(".eE") == std::string::npos &&
          literal.find("inf") == std::string::npos)
        literal += ".0";
    } else {
      return std::nullopt;
    }
  } else if (v.kind != SqlValue::Kind::kText) {
    return std::nullopt;
  } else if (k == TypeKind::kString) {
    // Against a value of numeric affinity (another table's INTEGER column holding text, say)
    // SQLite compares the column's number-like values ('1', ' 2', '-3', '.5') as numbers, which
    // sort before every text: `s < v` keeps them. Bytewise that holds only when v starts above
    // '9' (every number-like text starts with whitespace, a sign, '.' or a digit).
    if ((op == PushOp::kLt || op == PushOp::kLe) &&
        (v.s.empty() || static_cast<unsigned char>(v.s[0]) <= '9')) {
      return std::nullopt;
    }
    literal = Quote(v.s);
  } else if (k == TypeKind::kDate) {
    if (!IsDateText(v.s)) return std::nullopt;
    literal = Quote(v.s);
  } else {  // timestamp
    if (IsTimestampText(v.s)) {
      literal = Quote(v.s);
    } else if (IsDateText(v.s) && op != PushOp::kEq) {
      // Text order: '2024-01-01T..' > '2024-01-01', so > and >= both mean from midnight on,
      // and < and <= both mean before midnight.
      op = (op == PushOp::kGt || op == PushOp::kGe) ? PushOp::kGe : PushOp::kLt;
      literal = Quote(v.s);
    } else {
      return std::nullopt;
    }
  }
  return fmt::format("{} {} {}", Column(column), OpText(op), literal);
}

}  // namespace financelake::sql
