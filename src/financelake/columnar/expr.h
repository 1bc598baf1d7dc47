// Expr: boolean filter expressions over a table's columns, for `--where`, replaceWhere, delete
// and file skipping. Grammar (SQL-like, case-insensitive keywords):
//   expr    := or
//   or      := and (OR and)*
//   and     := not (AND not)*
//   not     := NOT not | cmp
//   cmp     := operand (= | == | != | <> | < | <= | > | >=) operand
//            | operand [NOT] IN ( literal, ... ) | operand IS [NOT] NULL
//            | ( expr ) | TRUE | FALSE
//   operand := column name (letters, digits, _ ; or `quoted`) | literal
//   literal := 'string' | number | TRUE | FALSE | NULL
// Literals are cast to the column's type when compared with a column ('2024-01-31' to a date,
// 10 to a double, ...); a literal that does not cast is an InvalidArgument naming it.
// Comparisons with null are unknown (SQL three-valued logic); a row passes a filter only when
// the expression is true.
//
// Details of the implementation (expr_parser.cc, expr_eval.cc, expr_skip.cc, expr.cc):
//  - Also accepted: NULL alone (unknown), a boolean column alone (`flag` = `flag = TRUE`),
//    identifiers quoted with backquotes (`` doubles a backquote), strings with '' escaping,
//    numbers like -1, 2.5, 1e-3. Comparisons between two literals are folded to a constant.
//  - Casting: a string literal is parsed as the column's type with ParseValue (text_values.h),
//    so '2024-01-31' compares with a date, '12.5' with a decimal and 'NaN' with a double; a
//    number casts to integer (in range, no fraction), decimal (no more fraction digits than the
//    scale), float (rounded to float) and double columns only. Two columns compare when both
//    are numbers (promoted to a common type), both dates/timestamps, both strings/binary or
//    both booleans. Struct, array and map columns only take IS [NOT] NULL.
//  - Order: strings and binary bytewise unsigned; decimals exactly; floats as in Spark: NaN
//    equals NaN and is greater than every other value, -0.0 equals 0.0.
//  - Errors are InvalidArgument starting with "where: " and, for syntax and casting, the
//    1-based byte position: "where: position 14: expected a value after '='".
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/columnar/value.h"

namespace financelake::columnar {

struct ExprNode;

class Expr {
 public:
  // Parses and binds to `schema` (unknown columns -> InvalidArgument naming them).
  static Result<Expr> Parse(std::string_view text, const Schema& schema);
  // Conjunction of `column = value` for each pair (used by MERGE/replaceWhere builders). A null
  // value gives `column IS NULL` (a null partition value matches null rows); a value must be in
  // the column's representation (value.h; an int is accepted for float/double columns), and the
  // column must exist and be primitive: a caller bug otherwise (checked). No pairs: TRUE.
  static Expr Equals(const Schema& schema, const std::vector<std::pair<std::string, Value>>& eqs);

  // One flag per row: true where the expression is true (false for false or unknown). Columns
  // are found in `batch` by name and must have the types the expression was bound to.
  Result<std::vector<uint8_t>> Evaluate(const RecordBatch& batch) const;

  // Statistics of one column of one data file (or row group); any part may be unknown.
  // min/max bound the non-null, non-NaN values, in the column's Value representation (a bound
  // of another representation, or NaN, is ignored). They may be loose the way Delta writes
  // them: a string max may be truncated (with or without a tie-breaker suffix), so it is
  // trusted only as "<= max or starts with max minus its last character"; timestamps may be
  // truncated to milliseconds, so both bounds are widened by 999 µs. Float bounds are rounded
  // to float precision before use.
  struct ColumnRange {
    std::optional<Value> min;
    std::optional<Value> max;
    std::optional<int64_t> null_count;
    std::optional<int64_t> num_records;
    // Float/double: NaN values (not in min/max, as Parquet writers leave them out). Unknown
    // means NaN may be present, and NaN satisfies `x > v`, so only 0 lets max skip a file.
    std::optional<int64_t> nan_count;
  };
  // Looks up the range of a column by name; nullptr when unknown.
  using RangeLookup = std::function<const ColumnRange*(const std::string& column)>;
  // False only when no row of a file with these ranges can satisfy the expression. A column
  // with no range (nullptr) may hold anything. Comparisons of two columns are not judged.
  bool MayMatch(const RangeLookup& ranges) const;

  // Column names the expression reads, each once, in order of first use.
  std::vector<std::string> Columns() const;
  // Canonical text that Parse reads back to the same expression: keywords upper case, `==`/`<>`
  // as `=`/`!=`, `literal op column` turned around, literals in the column's type ('2024-01-31',
  // 12.50, 'NaN'), AND/OR lists flattened, parentheses only where needed. Default: "TRUE".
  std::string ToString() const;

  Expr();
  ~Expr();
  Expr(const Expr&);
  Expr& operator=(const Expr&);
  Expr(Expr&&) noexcept;
  Expr& operator=(Expr&&) noexcept;

 private:
  explicit Expr(std::shared_ptr<const ExprNode> root);
  // Never null; a default Expr holds the constant TRUE. Immutable, shared between copies.
  std::shared_ptr<const ExprNode> root_;
};

// --- The bound expression tree (internal to expr*.cc; exposed only so that the parser,
// evaluator and skipper can live in separate files) ---

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

// The operator that holds when `op` does not (for non-null operands): < becomes >=.
CompareOp NegateOp(CompareOp op);
// The operator with operands swapped: `5 < x` is `x > 5`.
CompareOp FlipOp(CompareOp op);
std::string_view CompareOpText(CompareOp op);

// Three-valued truth, one byte per row inside Evaluate.
inline constexpr uint8_t kTriFalse = 0;
inline constexpr uint8_t kTriTrue = 1;
inline constexpr uint8_t kTriUnknown = 2;

struct ExprColumn {
  std::string name;
  DataType type;
};

struct ExprNode {
  enum class Kind : uint8_t {
    kConst,           // constant: truth (TRUE, FALSE, NULL)
    kCompare,         // column op literal (a null literal: always unknown)
    kCompareColumns,  // column op right
    kIn,              // column [NOT] IN (list)
    kIsNull,          // column IS [NOT] NULL
    kNot,             // NOT children[0]
    kAnd,             // children[0] AND children[1] AND ...
    kOr,
  };
  Kind kind = Kind::kConst;
  uint8_t truth = kTriTrue;       // kConst
  CompareOp op = CompareOp::kEq;  // kCompare, kCompareColumns
  bool negated = false;           // kIn: NOT IN; kIsNull: IS NOT NULL
  ExprColumn column;              // every column node
  ExprColumn right;               // kCompareColumns
  Value literal;                  // kCompare, in column.type's representation
  std::vector<Value> list;        // kIn, in text order, nulls included
  std::vector<std::shared_ptr<const ExprNode>> children;
};

// Total order of two non-null values of the same primitive type (bytewise strings, NaN
// greatest): <0, 0, >0.
int CompareValuesOfType(const Value& a, const Value& b, TypeKind kind);

namespace expr_internal {

// A literal as written, before it is cast to a column's type.
struct Literal {
  enum Kind : uint8_t { kNull, kBool, kNumber, kString };
  Kind kind = kNull;
  bool boolean = false;
  std::string text;  // number as written, or the decoded string
  size_t pos = 0;    // 0-based byte offset in the expression text
};

// InvalidArgument "where: position <pos + 1>: <message>".
Status PositionError(size_t pos, std::string_view message);
// `lit` in the representation of `column`'s type (value.h), or an error naming both.
Result<Value> CastLiteral(const Literal& lit, const Field& column);
// Compares two literals of the same kind (numbers as doubles); nullopt when either is NULL.
// Literals of different kinds are an error at `pos`.
Result<std::optional<int>> CompareLiterals(const Literal& a, const Literal& b, size_t pos);

}  // namespace expr_internal

}  // namespace financelake::columnar
