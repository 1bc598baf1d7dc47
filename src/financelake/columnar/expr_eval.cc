// Expr::Evaluate: one pass per node over all rows into a three-valued byte vector. Each
// comparison switches on the column type and the operator once, then runs a tight loop over
// the column's buffer; nulls are patched in afterwards from the validity bitmap.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "financelake/columnar/expr.h"

namespace financelake::columnar {

namespace {

using Kind = ExprNode::Kind;

template <CompareOp O>
using OpTag = std::integral_constant<CompareOp, O>;

// Calls f(OpTag<op>) so that loops are compiled once per operator.
template <typename F>
void ForOp(CompareOp op, F&& f) {
  switch (op) {
    case CompareOp::kEq: f(OpTag<CompareOp::kEq>()); break;
    case CompareOp::kNe: f(OpTag<CompareOp::kNe>()); break;
    case CompareOp::kLt: f(OpTag<CompareOp::kLt>()); break;
    case CompareOp::kLe: f(OpTag<CompareOp::kLe>()); break;
    case CompareOp::kGt: f(OpTag<CompareOp::kGt>()); break;
    case CompareOp::kGe: f(OpTag<CompareOp::kGe>()); break;
  }
}

// a op b for totally ordered types.
template <CompareOp O, typename T>
inline bool Holds(const T& a, const T& b) {
  if constexpr (O == CompareOp::kEq) return a == b;
  if constexpr (O == CompareOp::kNe) return a != b;
  if constexpr (O == CompareOp::kLt) return a < b;
  if constexpr (O == CompareOp::kLe) return a <= b;
  if constexpr (O == CompareOp::kGt) return a > b;
  if constexpr (O == CompareOp::kGe) return a >= b;
}

// Spark's order of floating point: NaN equals NaN and is above everything else.
template <typename F>
inline bool FloatLess(F a, F b) {
  return a < b || (a == a && b != b);
}
template <CompareOp O, typename F>
inline bool FloatHolds(F a, F b) {
  const bool eq = a == b || (a != a && b != b);
  if constexpr (O == CompareOp::kEq) return eq;
  if constexpr (O == CompareOp::kNe) return !eq;
  if constexpr (O == CompareOp::kLt) return FloatLess(a, b);
  if constexpr (O == CompareOp::kLe) return !FloatLess(b, a);
  if constexpr (O == CompareOp::kGt) return FloatLess(b, a);
  if constexpr (O == CompareOp::kGe) return !FloatLess(a, b);
}

int CompareBytes(std::string_view a, std::string_view b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

void ApplyNulls(const Column& c, int64_t n, uint8_t* out) {
  const uint8_t* bits = c.validity_bits();
  if (bits == nullptr) return;
  for (int64_t b = 0; b < (n + 7) / 8; ++b) {
    const uint8_t byte = bits[b];
    if (byte == 0xFF) continue;
    const int64_t end = std::min<int64_t>(8, n - b * 8);
    for (int64_t j = 0; j < end; ++j) {
      if (!((byte >> j) & 1)) out[b * 8 + j] = kTriUnknown;
    }
  }
}

// --- column op literal ---

template <typename T>
void CompareFixed(const Column& c, int64_t n, T lit, CompareOp op, uint8_t* __restrict out) {
  const T* __restrict v = c.values<T>();
  ForOp(op, [&](auto tag) {
    for (int64_t i = 0; i < n; ++i) out[i] = Holds<decltype(tag)::value>(v[i], lit);
  });
}

template <typename F>
void CompareFloat(const Column& c, int64_t n, F lit, CompareOp op, uint8_t* __restrict out) {
  const F* __restrict v = c.values<F>();
  if (lit != lit) {
    ForOp(op, [&](auto tag) {
      for (int64_t i = 0; i < n; ++i) out[i] = FloatHolds<decltype(tag)::value>(v[i], lit);
    });
    return;
  }
  // With a non-NaN literal, NaN rows are only "greater": > and >= are the negations of <= and <.
  switch (op) {
    case CompareOp::kEq:
      for (int64_t i = 0; i < n; ++i) out[i] = v[i] == lit;
      break;
    case CompareOp::kNe:
      for (int64_t i = 0; i < n; ++i) out[i] = v[i] != lit;
      break;
    case CompareOp::kLt:
      for (int64_t i = 0; i < n; ++i) out[i] = v[i] < lit;
      break;
    case CompareOp::kLe:
      for (int64_t i = 0; i < n; ++i) out[i] = v[i] <= lit;
      break;
    case CompareOp::kGt:
      for (int64_t i = 0; i < n; ++i) out[i] = !(v[i] <= lit);
      break;
    case CompareOp::kGe:
      for (int64_t i = 0; i < n; ++i) out[i] = !(v[i] < lit);
      break;
  }
}

void CompareString(const Column& c, int64_t n, std::string_view lit, CompareOp op, uint8_t* out) {
  const int64_t* off = c.offsets().data();
  const char* chars = c.chars().data();
  if (op == CompareOp::kEq || op == CompareOp::kNe) {
    const uint8_t want = op == CompareOp::kEq;
    for (int64_t i = 0; i < n; ++i) {
      const auto len = static_cast<size_t>(off[i + 1] - off[i]);
      const bool eq = len == lit.size() && std::memcmp(chars + off[i], lit.data(), len) == 0;
      out[i] = eq == want;
    }
    return;
  }
  ForOp(op, [&](auto tag) {
    for (int64_t i = 0; i < n; ++i) {
      const std::string_view s(chars + off[i], static_cast<size_t>(off[i + 1] - off[i]));
      out[i] = Holds<decltype(tag)::value>(CompareBytes(s, lit), 0);
    }
  });
}

void EvalCompare(const ExprNode& node, const Column& c, int64_t n, uint8_t* out) {
  const Value& lit = node.literal;
  if (lit.is_null()) {
    if (n > 0)
      std::memset(out, kTriUnknown, static_cast<size_t>(n));  // (out may be null when empty)
    return;
  }
  const CompareOp op = node.op;
  switch (c.type().kind()) {
    case TypeKind::kBoolean: CompareFixed<uint8_t>(c, n, lit.as_bool() ? 1 : 0, op, out); break;
    case TypeKind::kByte:
      CompareFixed<int8_t>(c, n, static_cast<int8_t>(lit.as_int()), op, out);
      break;
    case TypeKind::kShort:
      CompareFixed<int16_t>(c, n, static_cast<int16_t>(lit.as_int()), op, out);
      break;
    case TypeKind::kInteger:
    case TypeKind::kDate:
      CompareFixed<int32_t>(c, n, static_cast<int32_t>(lit.as_int()), op, out);
      break;
    case TypeKind::kLong:
    case TypeKind::kTimestamp: CompareFixed<int64_t>(c, n, lit.as_int(), op, out); break;
    case TypeKind::kFloat:
      CompareFloat<float>(c, n, static_cast<float>(lit.as_double()), op, out);
      break;
    case TypeKind::kDouble: CompareFloat<double>(c, n, lit.as_double(), op, out); break;
    case TypeKind::kDecimal: CompareFixed<int128_t>(c, n, lit.as_decimal(), op, out); break;
    case TypeKind::kString:
    case TypeKind::kBinary: CompareString(c, n, lit.as_bytes(), op, out); break;
    default: std::memset(out, kTriUnknown, static_cast<size_t>(n)); return;
  }
  ApplyNulls(c, n, out);
}

// --- column [NOT] IN (list) ---

template <typename T, typename Less>
void InFixed(const Column& c, int64_t n, std::vector<T> set, Less less, uint8_t hit, uint8_t miss,
             uint8_t* out) {
  std::sort(set.begin(), set.end(), less);
  const T* v = c.values<T>();
  if (set.size() <= 8) {
    for (int64_t i = 0; i < n; ++i) {
      bool found = false;
      for (const T& s : set) found |= !less(v[i], s) && !less(s, v[i]);
      out[i] = found ? hit : miss;
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    out[i] = std::binary_search(set.begin(), set.end(), v[i], less) ? hit : miss;
  }
}

template <typename T, typename Get>
std::vector<T> ListAs(const std::vector<Value>& list, Get get) {
  std::vector<T> out;
  for (const Value& v : list) {
    if (!v.is_null()) out.push_back(static_cast<T>(get(v)));
  }
  return out;
}

void EvalIn(const ExprNode& node, const Column& c, int64_t n, uint8_t* out) {
  bool has_null = false;
  for (const Value& v : node.list) has_null |= v.is_null();
  const uint8_t hit = node.negated ? kTriFalse : kTriTrue;
  const uint8_t miss = has_null ? kTriUnknown : node.negated ? kTriTrue : kTriFalse;
  const auto as_int = [](const Value& v) { return v.as_int(); };
  const auto as_real = [](const Value& v) { return v.as_double(); };
  const auto less = [](const auto& a, const auto& b) { return a < b; };
  const auto fless = [](const auto& a, const auto& b) { return FloatLess(a, b); };
  switch (c.type().kind()) {
    case TypeKind::kBoolean:
      InFixed(c, n, ListAs<uint8_t>(node.list, [](const Value& v) { return v.as_bool(); }), less,
              hit, miss, out);
      break;
    case TypeKind::kByte:
      InFixed(c, n, ListAs<int8_t>(node.list, as_int), less, hit, miss, out);
      break;
    case TypeKind::kShort:
      InFixed(c, n, ListAs<int16_t>(node.list, as_int), less, hit, miss, out);
      break;
    case TypeKind::kInteger:
    case TypeKind::kDate:
      InFixed(c, n, ListAs<int32_t>(node.list, as_int), less, hit, miss, out);
      break;
    case TypeKind::kLong:
    case TypeKind::kTimestamp:
      InFixed(c, n, ListAs<int64_t>(node.list, as_int), less, hit, miss, out);
      break;
    case TypeKind::kFloat:
      InFixed(c, n, ListAs<float>(node.list, as_real), fless, hit, miss, out);
      break;
    case TypeKind::kDouble:
      InFixed(c, n, ListAs<double>(node.list, as_real), fless, hit, miss, out);
      break;
    case TypeKind::kDecimal:
      InFixed(c, n, ListAs<int128_t>(node.list, [](const Value& v) { return v.as_decimal(); }),
              less, hit, miss, out);
      break;
    case TypeKind::kString:
    case TypeKind::kBinary: {
      std::vector<std::string_view> set;
      for (const Value& v : node.list) {
        if (!v.is_null()) set.emplace_back(v.as_bytes());
      }
      std::sort(set.begin(), set.end());
      for (int64_t i = 0; i < n; ++i) {
        out[i] = std::binary_search(set.begin(), set.end(), c.StringAt(i)) ? hit : miss;
      }
      break;
    }
    default: std::memset(out, kTriUnknown, static_cast<size_t>(n)); return;
  }
  ApplyNulls(c, n, out);
}

// --- column op column: both sides widened to a common representation ---

bool IsFloating(TypeKind k) {
  return k == TypeKind::kFloat || k == TypeKind::kDouble;
}

// Integers, booleans, dates and timestamps as int64 (dates as µs when `date_as_micros`).
std::vector<int64_t> AsInt64(const Column& c, int64_t n, bool date_as_micros) {
  std::vector<int64_t> out(static_cast<size_t>(n));
  const auto fill = [&]<typename T>(const T* v, int64_t mul) {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int64_t>(v[i]) * mul;
  };
  switch (c.type().kind()) {
    case TypeKind::kBoolean: fill(c.values<uint8_t>(), 1); break;
    case TypeKind::kByte: fill(c.values<int8_t>(), 1); break;
    case TypeKind::kShort: fill(c.values<int16_t>(), 1); break;
    case TypeKind::kInteger: fill(c.values<int32_t>(), 1); break;
    case TypeKind::kDate: fill(c.values<int32_t>(), date_as_micros ? 86400000000LL : 1); break;
    default: fill(c.values<int64_t>(), 1); break;
  }
  return out;
}

int128_t Pow10(int k) {
  int128_t p = 1;
  for (int i = 0; i < k; ++i) p *= 10;
  return p;
}

// Numbers as decimals of `scale` (saturating: a value beyond int128 compares correctly with
// the other side, whose scale needs no widening).
std::vector<int128_t> AsDecimal(const Column& c, int64_t n, int scale) {
  std::vector<int128_t> out(static_cast<size_t>(n));
  const int own = c.type().kind() == TypeKind::kDecimal ? c.type().scale() : 0;
  const int128_t mul = Pow10(scale - own);
  const int128_t kMax = ~(static_cast<int128_t>(1) << 127);
  if (c.type().kind() == TypeKind::kDecimal) {
    const int128_t* v = c.values<int128_t>();
    for (int64_t i = 0; i < n; ++i) {
      int128_t r;
      out[i] = __builtin_mul_overflow(v[i], mul, &r) ? (v[i] < 0 ? -kMax : kMax) : r;
    }
  } else {
    const std::vector<int64_t> ints = AsInt64(c, n, false);
    for (int64_t i = 0; i < n; ++i) {
      int128_t r;
      out[i] = __builtin_mul_overflow(static_cast<int128_t>(ints[i]), mul, &r)
                   ? (ints[i] < 0 ? -kMax : kMax)
                   : r;
    }
  }
  return out;
}

std::vector<double> AsDouble(const Column& c, int64_t n) {
  std::vector<double> out(static_cast<size_t>(n));
  switch (c.type().kind()) {
    case TypeKind::kFloat:
      for (int64_t i = 0; i < n; ++i) out[i] = c.values<float>()[i];
      break;
    case TypeKind::kDouble:
      std::memcpy(out.data(), c.values<double>(), out.size() * sizeof(double));
      break;
    case TypeKind::kDecimal: {
      const double div = std::pow(10.0, c.type().scale());
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<double>(c.values<int128_t>()[i]) / div;
      break;
    }
    default: {
      const std::vector<int64_t> ints = AsInt64(c, n, false);
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<double>(ints[i]);
    }
  }
  return out;
}

template <typename T, typename Pred>
void CompareVectors(const std::vector<T>& a, const std::vector<T>& b, CompareOp op, Pred,
                    uint8_t* out) {
  ForOp(op, [&](auto tag) {
    for (size_t i = 0; i < a.size(); ++i)
      out[i] = Pred::template Apply<decltype(tag)::value>(a[i], b[i]);
  });
}

struct NativePred {
  template <CompareOp O, typename T>
  static bool Apply(const T& a, const T& b) {
    return Holds<O>(a, b);
  }
};
struct FloatPred {
  template <CompareOp O>
  static bool Apply(double a, double b) {
    return FloatHolds<O>(a, b);
  }
};
struct BytesPred {
  template <CompareOp O>
  static bool Apply(std::string_view a, std::string_view b) {
    return Holds<O>(CompareBytes(a, b), 0);
  }
};

void EvalCompareColumns(const ExprNode& node, const Column& a, const Column& b, int64_t n,
                        uint8_t* out) {
  const TypeKind ka = a.type().kind(), kb = b.type().kind();
  if (a.type().is_binary_like()) {
    std::vector<std::string_view> va(static_cast<size_t>(n)), vb(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      va[i] = a.StringAt(i);
      vb[i] = b.StringAt(i);
    }
    CompareVectors(va, vb, node.op, BytesPred(), out);
  } else if (IsFloating(ka) || IsFloating(kb)) {
    CompareVectors(AsDouble(a, n), AsDouble(b, n), node.op, FloatPred(), out);
  } else if (ka == TypeKind::kDecimal || kb == TypeKind::kDecimal) {
    const int scale = std::max(a.type().scale(), b.type().scale());
    CompareVectors(AsDecimal(a, n, scale), AsDecimal(b, n, scale), node.op, NativePred(), out);
  } else {
    const bool micros = ka == TypeKind::kTimestamp || kb == TypeKind::kTimestamp;
    CompareVectors(AsInt64(a, n, micros), AsInt64(b, n, micros), node.op, NativePred(), out);
  }
  ApplyNulls(a, n, out);
  ApplyNulls(b, n, out);
}

// --- tree ---

constexpr uint8_t kAndTable[9] = {0, 0, 0, 0, 1, 2, 0, 2, 2};
constexpr uint8_t kOrTable[9] = {0, 1, 2, 1, 1, 1, 2, 1, 2};
constexpr uint8_t kNotTable[3] = {1, 0, 2};

Result<const Column*> Resolve(const RecordBatch& batch, const ExprColumn& c) {
  const Column* col = batch.ColumnByName(c.name);
  if (col == nullptr) {
    return Status::InvalidArgument(fmt::format("where: column '{}' is not in the batch", c.name));
  }
  if (!(col->type() == c.type)) {
    return Status::InvalidArgument(fmt::format("where: column '{}' is {} in the batch, expected {}",
                                               c.name, col->type().ToString(), c.type.ToString()));
  }
  return col;
}

Status CheckColumns(const ExprNode& node, const RecordBatch& batch) {
  switch (node.kind) {
    case Kind::kConst: return Status::OK();
    case Kind::kCompareColumns:
      FL_RETURN_NOT_OK(Resolve(batch, node.right).status());
      [[fallthrough]];
    case Kind::kCompare:
    case Kind::kIn:
    case Kind::kIsNull: return Resolve(batch, node.column).status();
    default:
      for (const auto& c : node.children) FL_RETURN_NOT_OK(CheckColumns(*c, batch));
      return Status::OK();
  }
}

// Columns were checked by CheckColumns.
void EvalNode(const ExprNode& node, const RecordBatch& batch, int64_t n, uint8_t* out) {
  const auto col = [&batch](const ExprColumn& c) -> const Column& {
    return *batch.ColumnByName(c.name);
  };
  switch (node.kind) {
    case Kind::kConst: std::memset(out, node.truth, static_cast<size_t>(n)); return;
    case Kind::kCompare: EvalCompare(node, col(node.column), n, out); return;
    case Kind::kCompareColumns:
      EvalCompareColumns(node, col(node.column), col(node.right), n, out);
      return;
    case Kind::kIn: EvalIn(node, col(node.column), n, out); return;
    case Kind::kIsNull: {
      const Column& c = col(node.column);
      const uint8_t null_value = node.negated ? kTriFalse : kTriTrue;
      for (int64_t i = 0; i < n; ++i) out[i] = c.IsNull(i) ? null_value : !null_value;
      return;
    }
    case Kind::kNot:
      EvalNode(*node.children[0], batch, n, out);
      for (int64_t i = 0; i < n; ++i) out[i] = kNotTable[out[i]];
      return;
    case Kind::kAnd:
    case Kind::kOr: {
      const bool is_and = node.kind == Kind::kAnd;
      const uint8_t* table = is_and ? kAndTable : kOrTable;
      // Once every row is decided (false for AND, true for OR) the rest cannot change it.
      const uint8_t decided = is_and ? kTriFalse : kTriTrue;
      EvalNode(*node.children[0], batch, n, out);
      std::vector<uint8_t> tmp(static_cast<size_t>(n));
      for (size_t k = 1; k < node.children.size(); ++k) {
        if (std::all_of(out, out + n, [decided](uint8_t t) { return t == decided; })) return;
        EvalNode(*node.children[k], batch, n, tmp.data());
        for (int64_t i = 0; i < n; ++i) out[i] = table[out[i] * 3 + tmp[i]];
      }
      return;
    }
  }
}

}  // namespace

Result<std::vector<uint8_t>> Expr::Evaluate(const RecordBatch& batch) const {
  FL_RETURN_NOT_OK(CheckColumns(*root_, batch));
  const int64_t n = batch.num_rows();
  std::vector<uint8_t> out(static_cast<size_t>(n));
  EvalNode(*root_, batch, n, out.data());
  for (auto& t : out) t = t == kTriTrue;
  return out;
}

}  // namespace financelake::columnar
