// Expr: construction, Equals, Columns and the canonical printer. The parser is in
// expr_parser.cc, evaluation in expr_eval.cc, file skipping in expr_skip.cc.
#include "financelake/columnar/expr.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace financelake::columnar {

namespace {

std::shared_ptr<const ExprNode> ConstNode(uint8_t truth) {
  auto n = std::make_shared<ExprNode>();
  n->kind = ExprNode::Kind::kConst;
  n->truth = truth;
  return n;
}

bool IsBareIdentifier(std::string_view s) {
  if (s.empty()) return false;
  const auto alpha = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  if (!alpha(s[0])) return false;
  for (char c : s) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  static constexpr std::string_view kKeywords[] = {"AND", "OR",   "NOT",  "IN",
                                                   "IS",  "NULL", "TRUE", "FALSE"};
  for (std::string_view k : kKeywords) {
    if (s.size() == k.size() && std::equal(s.begin(), s.end(), k.begin(), [](char a, char b) {
          return (a >= 'a' && a <= 'z' ? static_cast<char>(a - 32) : a) == b;
        })) {
      return false;
    }
  }
  return true;
}

void AppendQuoted(std::string_view s, char quote, std::string* out) {
  out->push_back(quote);
  for (char c : s) {
    if (c == quote) out->push_back(quote);
    out->push_back(c);
  }
  out->push_back(quote);
}

void AppendColumn(const ExprColumn& c, std::string* out) {
  if (IsBareIdentifier(c.name)) {
    out->append(c.name);
  } else {
    AppendQuoted(c.name, '`', out);
  }
}

template <typename F>
void AppendFloating(F f, std::string* out) {
  if (std::isnan(f)) {
    out->append("'NaN'");
  } else if (std::isinf(f)) {
    out->append(f > 0 ? "'Infinity'" : "'-Infinity'");
  } else {
    out->append(fmt::format("{}", f));
  }
}

void AppendLiteral(const Value& v, const DataType& type, std::string* out) {
  if (v.is_null()) {
    out->append("NULL");
    return;
  }
  switch (type.kind()) {
    case TypeKind::kBoolean: out->append(v.as_bool() ? "TRUE" : "FALSE"); return;
    case TypeKind::kFloat: AppendFloating(static_cast<float>(v.as_double()), out); return;
    case TypeKind::kDouble: AppendFloating(v.as_double(), out); return;
    case TypeKind::kDecimal: out->append(FormatDecimal(v.as_decimal(), type.scale())); return;
    case TypeKind::kDate:
    case TypeKind::kTimestamp:
    case TypeKind::kString:
    case TypeKind::kBinary:
      AppendQuoted(type.kind() == TypeKind::kBinary ? v.as_bytes() : FormatValue(v, type), '\'',
                   out);
      return;
    default: out->append(fmt::format("{}", v.as_int())); return;
  }
}

void AppendNode(const ExprNode& n, std::string* out) {
  using Kind = ExprNode::Kind;
  switch (n.kind) {
    case Kind::kConst:
      out->append(n.truth == kTriTrue ? "TRUE" : n.truth == kTriFalse ? "FALSE" : "NULL");
      return;
    case Kind::kCompare:
    case Kind::kCompareColumns:
      AppendColumn(n.column, out);
      out->push_back(' ');
      out->append(CompareOpText(n.op));
      out->push_back(' ');
      if (n.kind == Kind::kCompare) {
        AppendLiteral(n.literal, n.column.type, out);
      } else {
        AppendColumn(n.right, out);
      }
      return;
    case Kind::kIn:
      AppendColumn(n.column, out);
      out->append(n.negated ? " NOT IN (" : " IN (");
      for (size_t i = 0; i < n.list.size(); ++i) {
        if (i > 0) out->append(", ");
        AppendLiteral(n.list[i], n.column.type, out);
      }
      out->push_back(')');
      return;
    case Kind::kIsNull:
      AppendColumn(n.column, out);
      out->append(n.negated ? " IS NOT NULL" : " IS NULL");
      return;
    case Kind::kNot: {
      const ExprNode& c = *n.children[0];
      const bool parens = c.kind != Kind::kConst && c.kind != Kind::kNot;
      out->append(parens ? "NOT (" : "NOT ");
      AppendNode(c, out);
      if (parens) out->push_back(')');
      return;
    }
    case Kind::kAnd:
    case Kind::kOr:
      for (size_t i = 0; i < n.children.size(); ++i) {
        if (i > 0) out->append(n.kind == Kind::kAnd ? " AND " : " OR ");
        const bool parens = n.kind == Kind::kAnd && n.children[i]->kind == Kind::kOr;
        if (parens) out->push_back('(');
        AppendNode(*n.children[i], out);
        if (parens) out->push_back(')');
      }
      return;
  }
}

void CollectColumns(const ExprNode& n, std::vector<std::string>* out) {
  const auto add = [out](const ExprColumn& c) {
    if (std::find(out->begin(), out->end(), c.name) == out->end()) out->push_back(c.name);
  };
  switch (n.kind) {
    case ExprNode::Kind::kConst: break;
    case ExprNode::Kind::kCompareColumns:
      add(n.column);
      add(n.right);
      break;
    case ExprNode::Kind::kCompare:
    case ExprNode::Kind::kIn:
    case ExprNode::Kind::kIsNull: add(n.column); break;
    default:
      for (const auto& c : n.children) CollectColumns(*c, out);
  }
}

// `v` in the representation of `type` (value.h); checked, as Equals's callers pass typed values.
Value NormalizeEqualsValue(const Value& v, const DataType& type) {
  switch (type.kind()) {
    case TypeKind::kBoolean: FL_CHECK(std::holds_alternative<bool>(v.v)); return v;
    case TypeKind::kFloat:
    case TypeKind::kDouble: {
      const bool is_int = std::holds_alternative<int64_t>(v.v);
      FL_CHECK(is_int || std::holds_alternative<double>(v.v));
      double d = is_int ? static_cast<double>(v.as_int()) : v.as_double();
      if (type.kind() == TypeKind::kFloat) d = static_cast<float>(d);
      return Value::Real(d);
    }
    case TypeKind::kDecimal: FL_CHECK(std::holds_alternative<int128_t>(v.v)); return v;
    case TypeKind::kString:
    case TypeKind::kBinary: FL_CHECK(std::holds_alternative<std::string>(v.v)); return v;
    default: FL_CHECK(std::holds_alternative<int64_t>(v.v)); return v;
  }
}

}  // namespace

CompareOp NegateOp(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return CompareOp::kNe;
    case CompareOp::kNe: return CompareOp::kEq;
    case CompareOp::kLt: return CompareOp::kGe;
    case CompareOp::kLe: return CompareOp::kGt;
    case CompareOp::kGt: return CompareOp::kLe;
    case CompareOp::kGe: return CompareOp::kLt;
  }
  return op;
}

CompareOp FlipOp(CompareOp op) {
  switch (op) {
    case CompareOp::kLt: return CompareOp::kGt;
    case CompareOp::kLe: return CompareOp::kGe;
    case CompareOp::kGt: return CompareOp::kLt;
    case CompareOp::kGe: return CompareOp::kLe;
    default: return op;
  }
}

std::string_view CompareOpText(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "=";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
  }
  return "?";
}

int CompareValuesOfType(const Value& a, const Value& b, TypeKind kind) {
  const auto cmp = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  switch (kind) {
    case TypeKind::kBoolean: return cmp(a.as_bool(), b.as_bool());
    case TypeKind::kFloat:
    case TypeKind::kDouble: {
      const double x = a.as_double(), y = b.as_double();
      if (std::isnan(x)) return std::isnan(y) ? 0 : 1;
      if (std::isnan(y)) return -1;
      return cmp(x, y);
    }
    case TypeKind::kDecimal: return cmp(a.as_decimal(), b.as_decimal());
    case TypeKind::kString:
    case TypeKind::kBinary: {
      const std::string& x = a.as_bytes();
      const std::string& y = b.as_bytes();
      const int c = std::memcmp(x.data(), y.data(), std::min(x.size(), y.size()));
      return c != 0 ? (c < 0 ? -1 : 1) : cmp(x.size(), y.size());
    }
    default: return cmp(a.as_int(), b.as_int());
  }
}

namespace {
// Shared by every default and moved-from Expr, so that root_ is never null.
const std::shared_ptr<const ExprNode>& TrueRoot() {
  static const std::shared_ptr<const ExprNode> root = ConstNode(kTriTrue);
  return root;
}
}  // namespace

Expr::Expr() : root_(TrueRoot()) {}
Expr::~Expr() = default;
Expr::Expr(const Expr&) = default;
Expr& Expr::operator=(const Expr&) = default;
// A moved-from Expr is TRUE (copying a shared_ptr does not throw).
Expr::Expr(Expr&& other) noexcept : root_(std::exchange(other.root_, TrueRoot())) {}
Expr& Expr::operator=(Expr&& other) noexcept {
  if (this != &other) root_ = std::exchange(other.root_, TrueRoot());
  return *this;
}
Expr::Expr(std::shared_ptr<const ExprNode> root) : root_(std::move(root)) {}

Expr Expr::Equals(const Schema& schema, const std::vector<std::pair<std::string, Value>>& eqs) {
  std::vector<std::shared_ptr<const ExprNode>> terms;
  for (const auto& [name, value] : eqs) {
    const auto idx = schema.FieldIndex(name);
    FL_CHECK(idx.has_value() && "Expr::Equals: unknown column");
    const Field& f = schema.field(*idx);
    FL_CHECK(!f.type.is_nested() && "Expr::Equals: nested column");
    auto n = std::make_shared<ExprNode>();
    n->column = ExprColumn{f.name, f.type};
    if (value.is_null()) {
      n->kind = ExprNode::Kind::kIsNull;
    } else {
      n->kind = ExprNode::Kind::kCompare;
      n->op = CompareOp::kEq;
      n->literal = NormalizeEqualsValue(value, f.type);
    }
    terms.push_back(std::move(n));
  }
  if (terms.empty()) return Expr();
  if (terms.size() == 1) return Expr(std::move(terms[0]));
  auto conj = std::make_shared<ExprNode>();
  conj->kind = ExprNode::Kind::kAnd;
  conj->children = std::move(terms);
  return Expr(std::move(conj));
}

std::vector<std::string> Expr::Columns() const {
  std::vector<std::string> out;
  CollectColumns(*root_, &out);
  return out;
}

std::string Expr::ToString() const {
  std::string out;
  AppendNode(*root_, &out);
  return out;
}

}  // namespace financelake::columnar
