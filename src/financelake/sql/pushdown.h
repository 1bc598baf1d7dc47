// Which of SQLite's WHERE constraints on a Delta table can be handed to the Delta scan (for
// partition pruning, file and row-group skipping by stats, and row filtering), and their Expr
// text. A constraint is pushed down only when the Delta filter keeps every row SQLite's own
// comparison would keep (SQLite re-checks every constraint; pushdown only saves reading):
//   - integer and floating columns compared with a number (a double column with an integer
//     only within +-2^53, where converting it to a double is exact);
//   - string columns compared with text (both bytewise), under SQLite's BINARY collation only
//     (NOCASE or RTRIM match text the bytewise filter would drop);
//   - date columns (shown as 'YYYY-MM-DD') compared with a text date in exactly that form;
//   - timestamp columns (shown as 'YYYY-MM-DDTHH:MM:SS.ffffffZ') compared with text in exactly
//     that form, or with a plain 'YYYY-MM-DD' for <, <=, >, >= (text order = time order there).
// Anything else (booleans, decimals, nested columns, mixed types, other operators) is left to
// SQLite alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/columnar/types.h"

namespace financelake::sql {

enum class PushOp : uint8_t { kEq, kLt, kLe, kGt, kGe };

// The value SQLite hands over for a constraint.
struct SqlValue {
  enum class Kind : uint8_t { kNull, kInteger, kReal, kText, kBlob } kind = Kind::kNull;
  int64_t i = 0;
  double d = 0;
  std::string s;

  static SqlValue Int(int64_t v) { return {Kind::kInteger, v, 0, {}}; }
  static SqlValue Real(double v) { return {Kind::kReal, 0, v, {}}; }
  static SqlValue Text(std::string v) { return {Kind::kText, 0, 0, std::move(v)}; }
};

// Whether a constraint of this operator on a column of this type, compared under `collation`
// (SQLite's name: "BINARY", "NOCASE", "RTRIM", ...), could be pushed down once its value is
// known (used when planning, before values exist).
bool MayPushDown(const columnar::DataType& type, PushOp op, std::string_view collation);

// The Expr text for `column op value`, or nullopt when it cannot be pushed down safely (for a
// constraint MayPushDown accepted: the collation is not looked at again).
std::optional<std::string> PushDownTerm(const std::string& column, const columnar::DataType& type,
                                        PushOp op, const SqlValue& value);

}  // namespace financelake::sql
