#include "financelake/sql/result_set.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "financelake/base/json.h"
#include "financelake/base/utf8.h"
#include "financelake/columnar/text_values.h"
#include "financelake/columnar/value.h"

namespace financelake::sql {
namespace {

// A cell as a CSV field: NULL is an empty unquoted field (columnar's CSV convention).
std::string CsvField(const Cell& c) {
  std::string out;
  if (c.kind != Cell::Kind::kNull) columnar::AppendCsvField(c.ToText(), &out);
  return out;
}

// The JSON keys of the columns: a name seen before gets the first free _2, _3, ... (a name
// no column has), so that no column overwrites another.
std::vector<std::string> JsonKeys(const std::vector<std::string>& columns) {
  std::set<std::string> taken(columns.begin(), columns.end());
  std::set<std::string> seen;
  std::vector<std::string> keys;
  for (const std::string& c : columns) {
    if (seen.insert(c).second) {
      keys.push_back(c);
      continue;
    }
    int n = 2;
    while (!taken.insert(fmt::format("{}_{}", c, n)).second) ++n;
    keys.push_back(fmt::format("{}_{}", c, n));
  }
  return keys;
}

// Display width of UTF-8 text (code points; good enough for aligned columns).
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::string Cell::ToText() const {
  switch (kind) {
    case Kind::kNull: return "";
    case Kind::kInteger: return std::to_string(i);
    case Kind::kReal: {
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      std::string t = fmt::format("{}", d);  // the shortest text that reads back as d
      if (t.find_first_of(".eEn") == std::string::npos) t += ".0";
      return t;
    }
    case Kind::kText: return s;
    case Kind::kBlob: return columnar::Base64Encode(s);
  }
  return "";
}

Json CellToJson(const Cell& c) {
  switch (c.kind) {
    case Cell::Kind::kNull: return Json::Null();
    case Cell::Kind::kInteger: return Json::Int(c.i);
    case Cell::Kind::kReal:
      return std::isfinite(c.d) ? Json::Double(c.d) : Json::String(c.ToText());
    default: return Json::String(c.ToText());
  }
}

std::string FormatResult(const ResultSet& r, OutputFormat format) {
  std::string out;
  if (r.columns.empty()) return r.message.empty() ? "" : r.message + "\n";
  if (format == OutputFormat::kCsv) {
    for (size_t c = 0; c < r.columns.size(); ++c)
      out += (c ? "," : "") + CsvField(Cell::Text(r.columns[c]));
    out += "\n";
    for (const auto& row : r.rows) {
      for (size_t c = 0; c < row.size(); ++c) out += (c ? "," : "") + CsvField(row[c]);
      out += "\n";
    }
    return out;
  }
  if (format == OutputFormat::kJsonl) {
    const std::vector<std::string> keys = JsonKeys(r.columns);
    for (const auto& row : r.rows) {
      Json o = Json::Object();
      for (size_t c = 0; c < row.size(); ++c) o.Set(keys[c], CellToJson(row[c]));
      out += o.Dump() + "\n";
    }
    return out;
  }
  std::vector<size_t> w(r.columns.size());
  std::vector<bool> numeric(r.columns.size(), true);
  std::vector<std::string> head;
  for (const std::string& name : r.columns) head.push_back(EscapeControl(name));
  for (size_t c = 0; c < r.columns.size(); ++c) w[c] = Width(head[c]);
  std::vector<std::vector<std::string>> text;
  for (const auto& row : r.rows) {
    std::vector<std::string> t;
    for (size_t c = 0; c < row.size(); ++c) {
      t.push_back(row[c].kind == Cell::Kind::kNull ? "NULL" : EscapeControl(row[c].ToText()));
      w[c] = std::max(w[c], Width(t.back()));
      if (row[c].kind == Cell::Kind::kText || row[c].kind == Cell::Kind::kBlob) numeric[c] = false;
    }
    text.push_back(std::move(t));
  }
  auto cell = [&](const std::string& s, size_t c, bool right) {
    const std::string pad(w[c] - Width(s), ' ');
    return right ? pad + s : s + pad;
  };
  std::string line;
  for (size_t c = 0; c < r.columns.size(); ++c)
    line += (c ? "  " : "") + cell(head[c], c, numeric[c]);
  while (!line.empty() && line.back() == ' ') line.pop_back();
  out += line + "\n";
  line.clear();
  for (size_t c = 0; c < r.columns.size(); ++c) line += (c ? "  " : "") + std::string(w[c], '-');
  out += line + "\n";
  for (const auto& t : text) {
    line.clear();
    for (size_t c = 0; c < t.size(); ++c) line += (c ? "  " : "") + cell(t[c], c, numeric[c]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  out += fmt::format("({} row{})\n", r.rows.size(), r.rows.size() == 1 ? "" : "s");
  return out;
}

}  // namespace financelake::sql
