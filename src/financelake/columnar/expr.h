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
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  // Conjunction of `column = value` for each pair (used by MERGE/replaceWhere builders).
  static Expr Equals(const Schema& schema, const std::vector<std::pair<std::string, Value>>& eqs);

  // One flag per row: true where the expression is true (false for false or unknown).
  Result<std::vector<uint8_t>> Evaluate(const RecordBatch& batch) const;

  // Statistics of one column of one data file (or row group); any part may be unknown.
  struct ColumnRange {
    std::optional<Value> min;
    std::optional<Value> max;
    std::optional<int64_t> null_count;
    std::optional<int64_t> num_records;
  };
  // Looks up the range of a column by name; nullptr when unknown.
  using RangeLookup = std::function<const ColumnRange*(const std::string& column)>;
  // False only when no row of a file with these ranges can satisfy the expression.
  bool MayMatch(const RangeLookup& ranges) const;

  // Column names the expression reads.
  std::vector<std::string> Columns() const;
  std::string ToString() const;

  Expr();
  ~Expr();
  Expr(const Expr&);
  Expr& operator=(const Expr&);
  Expr(Expr&&) noexcept;
  Expr& operator=(Expr&&) noexcept;

 private:
  explicit Expr(std::shared_ptr<const ExprNode> root);
  std::shared_ptr<const ExprNode> root_;
};

}  // namespace financelake::columnar
