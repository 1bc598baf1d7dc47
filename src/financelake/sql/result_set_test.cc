#include "financelake/sql/result_set.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <limits>

namespace financelake::sql {
namespace {

ResultSet OneRow(std::vector<std::string> columns, std::vector<Cell> row) {
  ResultSet r;
  r.columns = std::move(columns);
  r.rows.push_back(std::move(row));
  return r;
}

// CSV and the table print the shortest text that reads back as the same double, as JSON lines
// do (15 significant digits lost 9007199254740992 and 0.1 + 0.2).
TEST(ResultSetTest, RealsRoundTripInEveryFormat) {
  const ResultSet r =
      OneRow({"a", "b", "c", "d", "e", "f"},
             {Cell::Real(9007199254740992.0), Cell::Real(0.1 + 0.2), Cell::Real(100.0),
              Cell::Real(-0.0), Cell::Real(1e-7), Cell::Real(149539716.5499995)});
  EXPECT_EQ(
      FormatResult(r, OutputFormat::kCsv),
      "a,b,c,d,e,f\n9007199254740992.0,0.30000000000000004,100.0,-0.0,1e-07,149539716.5499995\n");
  EXPECT_EQ(
      FormatResult(r, OutputFormat::kJsonl),
      "{\"a\":9007199254740992.0,\"b\":0.30000000000000004,\"c\":100.0,\"d\":-0.0,\"e\":1e-07,"
      "\"f\":149539716.5499995}\n");
  const std::string table = FormatResult(r, OutputFormat::kTable);
  EXPECT_NE(table.find(
                "9007199254740992.0  0.30000000000000004  100.0  -0.0  1e-07  149539716.5499995\n"),
            std::string::npos)
      << table;
  for (double d : {0.1, 1.0 / 3, 1e300, 5e-324, 123456789.123456789}) {
    EXPECT_EQ(std::strtod(Cell::Real(d).ToText().c_str(), nullptr), d) << Cell::Real(d).ToText();
  }
  EXPECT_EQ(Cell::Real(std::numeric_limits<double>::infinity()).ToText(), "Infinity");
}

// JSON objects cannot hold a key twice: a repeated column name gets _2, _3, ... (never a name
// another column has), so that no column is lost.
TEST(ResultSetTest, JsonKeysAreUnique) {
  const ResultSet r =
      OneRow({"id", "id", "id_2", "x", "id"},
             {Cell::Int(1), Cell::Int(2), Cell::Int(3), Cell::Int(4), Cell::Int(5)});
  EXPECT_EQ(FormatResult(r, OutputFormat::kJsonl),
            "{\"id\":1,\"id_3\":2,\"id_2\":3,\"x\":4,\"id_4\":5}\n");
  EXPECT_EQ(FormatResult(r, OutputFormat::kCsv),
            "id,id,id_2,x,id\n1,2,3,4,5\n");  // CSV keeps the names
}

// The table keeps each row on one line: control characters in values and names are escaped as
// `table scan` prints them; CSV and JSON lines keep the text as it is (quoted / escaped there).
TEST(ResultSetTest, TheTableKeepsARowOnOneLine) {
  const ResultSet r = OneRow({"x\ty", "b"}, {Cell::Text("line1\nline2\r\x01"), Cell::Int(7)});
  EXPECT_EQ(FormatResult(r, OutputFormat::kTable),
            "x\\ty                b\n"
            "------------------  -\n"
            "line1\\nline2\\r\\x01  7\n"
            "(1 row)\n");
  EXPECT_EQ(FormatResult(r, OutputFormat::kCsv), "x\ty,b\n\"line1\nline2\r\x01\",7\n");
}

}  // namespace
}  // namespace financelake::sql
