// A statement's result as `financelake sql` prints it: column names and rows of SQLite values,
// or a message for statements that return no rows. Printing: an aligned table (numbers right,
// text left, NULL as NULL), CSV (RFC 4180, NULL empty) or JSON lines (one object per row; a
// repeated column name is keyed name_2, name_3, ...).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "financelake/base/json.h"

namespace financelake::sql {

struct Cell {
  enum class Kind : uint8_t { kNull, kInteger, kReal, kText, kBlob } kind = Kind::kNull;
  int64_t i = 0;
  double d = 0;
  std::string s;  // text, or the blob's bytes

  static Cell Null() { return {}; }
  static Cell Int(int64_t v) { return {Kind::kInteger, v, 0, {}}; }
  static Cell Real(double v) { return {Kind::kReal, 0, v, {}}; }
  static Cell Text(std::string v) { return {Kind::kText, 0, 0, std::move(v)}; }
  // The value as the table and CSV show it ("" for NULL; reals in the shortest form that reads
  // back as the same double, with ".0" when whole, as JSON lines print them).
  std::string ToText() const;
};

struct ResultSet {
  std::vector<std::string> columns;
  std::vector<std::vector<Cell>> rows;
  std::string message;  // statements without rows: "OPTIMIZE gold.daily_prices: v12, ..."
};

// The value as JSON: numbers as numbers (NaN/Infinity as their text), everything else text.
Json CellToJson(const Cell& c);

enum class OutputFormat : uint8_t { kTable, kCsv, kJsonl };

std::string FormatResult(const ResultSet& r, OutputFormat format);

}  // namespace financelake::sql
