// Expr::MayMatch: file and row-group skipping from min/max/null-count statistics.
//
// The rule throughout: answer false only when no value the statistics allow could make the
// expression true. NOT is pushed down to the leaves (De Morgan and negated comparisons hold in
// three-valued logic because a comparison with null is neither true nor false), so a leaf is
// asked either "may this be true" or "may this be false for a non-null value".
#include <algorithm>
#include <cmath>
#include <limits>

#include "financelake/columnar/expr.h"

namespace financelake::columnar {

namespace {

using Kind = ExprNode::Kind;

// What the statistics say about the values of one column.
struct Bounds {
  bool known = false;           // statistics were found
  bool all_null = false;        // every row is null (or there are no rows)
  std::optional<Value> lo, hi;  // bounds of the non-null, non-NaN values; nullopt = unbounded
  bool nan_possible = false;    // float/double: NaN values may exist beyond hi
};

bool IsFloating(TypeKind k) {
  return k == TypeKind::kFloat || k == TypeKind::kDouble;
}

// A statistics bound in the representation CompareValuesOfType expects, or nullopt when it is
// missing or of another representation. `dir` is -1 for a lower bound, +1 for an upper bound.
std::optional<Value> Normalize(const std::optional<Value>& b, const DataType& type, int dir,
                               bool* nan_bound) {
  if (!b || b->is_null()) return std::nullopt;
  const auto& v = b->v;
  switch (type.kind()) {
    case TypeKind::kBoolean:
      if (std::holds_alternative<bool>(v)) return *b;
      return std::nullopt;
    case TypeKind::kFloat:
    case TypeKind::kDouble: {
      double d;
      if (std::holds_alternative<double>(v)) {
        d = b->as_double();
      } else if (std::holds_alternative<int64_t>(v)) {
        d = static_cast<double>(b->as_int());
      } else {
        return std::nullopt;
      }
      if (std::isnan(d)) {
        *nan_bound = true;
        return std::nullopt;
      }
      // Rounding is monotonic, so a rounded bound still bounds the (float) values; and a float
      // max printed in shortest form and read back as a double may sit just below the value.
      if (type.kind() == TypeKind::kFloat) d = static_cast<float>(d);
      return Value::Real(d);
    }
    case TypeKind::kDecimal:
      if (std::holds_alternative<int128_t>(v)) return *b;
      return std::nullopt;
    case TypeKind::kString:
    case TypeKind::kBinary:
      if (std::holds_alternative<std::string>(v)) return *b;
      return std::nullopt;
    case TypeKind::kTimestamp: {
      if (!std::holds_alternative<int64_t>(v)) return std::nullopt;
      // Delta writes timestamp statistics in milliseconds (truncated): widen by just under 1 ms.
      constexpr int64_t kSlack = 999;
      const int64_t x = b->as_int();
      if (dir < 0)
        return Value::Int(x < std::numeric_limits<int64_t>::min() + kSlack ? x : x - kSlack);
      return Value::Int(x > std::numeric_limits<int64_t>::max() - kSlack ? x : x + kSlack);
    }
    default:
      if (std::holds_alternative<int64_t>(v)) return *b;
      return std::nullopt;
  }
}

Bounds MakeBounds(const ExprColumn& c, const Expr::RangeLookup& ranges) {
  Bounds b;
  const Expr::ColumnRange* r = ranges ? ranges(c.name) : nullptr;
  if (r == nullptr) return b;
  b.known = true;
  b.all_null = r->null_count && r->num_records && *r->null_count >= *r->num_records;
  bool nan_bound = false;
  b.lo = Normalize(r->min, c.type, -1, &nan_bound);
  b.hi = Normalize(r->max, c.type, +1, &nan_bound);
  b.nan_possible = IsFloating(c.type.kind()) && (nan_bound || !r->nan_count || *r->nan_count != 0);
  return b;
}

bool OpHolds(CompareOp op, int c) {
  switch (op) {
    case CompareOp::kEq: return c == 0;
    case CompareOp::kNe: return c != 0;
    case CompareOp::kLt: return c < 0;
    case CompareOp::kLe: return c <= 0;
    case CompareOp::kGt: return c > 0;
    case CompareOp::kGe: return c >= 0;
  }
  return true;
}

// A string max may be a truncated prefix of the real max, possibly followed by a tie-breaker
// that is not above every continuation (U+FFFF is below 4-byte UTF-8). Anything that starts
// with the max minus its last character may exist.
std::string_view Stem(std::string_view max, TypeKind kind) {
  if (max.empty()) return max;
  size_t end = max.size() - 1;
  if (kind == TypeKind::kString) {
    while (end > 0 && (static_cast<unsigned char>(max[end]) & 0xC0) == 0x80) --end;
  }
  return max.substr(0, end);
}

// May some value v' allowed by the upper bound satisfy v' > v (v' >= v when inclusive)?
bool UpperAllows(const Value& v, bool inclusive, const Bounds& b, TypeKind kind) {
  if (!b.hi) return true;
  const int c = CompareValuesOfType(v, *b.hi, kind);
  if (inclusive ? c <= 0 : c < 0) return true;
  if (kind == TypeKind::kString || kind == TypeKind::kBinary) {
    return v.as_bytes().starts_with(Stem(b.hi->as_bytes(), kind));
  }
  return false;
}

// May some value v' allowed by the lower bound satisfy v' < v (v' <= v when inclusive)?
bool LowerAllows(const Value& v, bool inclusive, const Bounds& b, TypeKind kind) {
  if (!b.lo) return true;
  const int c = CompareValuesOfType(*b.lo, v, kind);
  return inclusive ? c <= 0 : c < 0;
}

// May `column op v` be true for some row?
bool MayCompare(CompareOp op, const Value& v, const Bounds& b, TypeKind kind) {
  if (v.is_null() || b.all_null) return false;
  if (!b.known) return true;
  bool in_range = true;
  switch (op) {
    case CompareOp::kEq:
      in_range = LowerAllows(v, true, b, kind) && UpperAllows(v, true, b, kind);
      break;
    case CompareOp::kNe:
      // Only a range that is the single point v excludes every row; never trust that for
      // strings, whose bounds may be truncated.
      in_range = kind == TypeKind::kString || kind == TypeKind::kBinary || !b.lo || !b.hi ||
                 CompareValuesOfType(*b.lo, v, kind) != 0 ||
                 CompareValuesOfType(*b.hi, v, kind) != 0;
      break;
    case CompareOp::kLt: in_range = LowerAllows(v, false, b, kind); break;
    case CompareOp::kLe: in_range = LowerAllows(v, true, b, kind); break;
    case CompareOp::kGt: in_range = UpperAllows(v, false, b, kind); break;
    case CompareOp::kGe: in_range = UpperAllows(v, true, b, kind); break;
  }
  if (in_range) return true;
  if (!b.nan_possible) return false;
  const int c = CompareValuesOfType(Value::Real(std::nan("")), v, TypeKind::kDouble);
  return OpHolds(op, c);
}

// May `node` be true (negated: false, i.e. NOT node true) for some row?
bool May(const ExprNode& node, bool negated, const Expr::RangeLookup& ranges) {
  switch (node.kind) {
    case Kind::kConst: {
      const uint8_t t = node.truth;
      return negated ? t == kTriFalse : t == kTriTrue;
    }
    case Kind::kCompare: {
      const CompareOp op = negated ? NegateOp(node.op) : node.op;
      return MayCompare(op, node.literal, MakeBounds(node.column, ranges), node.column.type.kind());
    }
    case Kind::kIn: {
      const Bounds b = MakeBounds(node.column, ranges);
      const TypeKind kind = node.column.type.kind();
      if (node.negated == negated) {  // IN: some element may be equal
        return std::any_of(node.list.begin(), node.list.end(),
                           [&](const Value& v) { return MayCompare(CompareOp::kEq, v, b, kind); });
      }
      // NOT IN: a matching row differs from every element, so each `!=` must be possible (and
      // a NULL element makes NOT IN never true).
      return std::all_of(node.list.begin(), node.list.end(),
                         [&](const Value& v) { return MayCompare(CompareOp::kNe, v, b, kind); });
    }
    case Kind::kIsNull: {
      const Expr::ColumnRange* r = ranges ? ranges(node.column.name) : nullptr;
      if (r == nullptr || !r->null_count) return true;
      if (node.negated == negated) return *r->null_count > 0;  // IS NULL
      return !r->num_records || *r->null_count < *r->num_records;
    }
    case Kind::kCompareColumns:
      return !MakeBounds(node.column, ranges).all_null && !MakeBounds(node.right, ranges).all_null;
    case Kind::kNot: return May(*node.children[0], !negated, ranges);
    case Kind::kAnd:
    case Kind::kOr: {
      const auto may = [&](const std::shared_ptr<const ExprNode>& c) {
        return May(*c, negated, ranges);
      };
      // NOT (a AND b) = NOT a OR NOT b, and the other way round.
      if ((node.kind == Kind::kAnd) != negated) {
        return std::all_of(node.children.begin(), node.children.end(), may);
      }
      return std::any_of(node.children.begin(), node.children.end(), may);
    }
  }
  return true;
}

}  // namespace

bool Expr::MayMatch(const RangeLookup& ranges) const {
  return May(*root_, false, ranges);
}

}  // namespace financelake::columnar
