#include "financelake/server/api_util.h"

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <regex>

#include "financelake/columnar/text_values.h"
#include "financelake/sql/statement.h"

namespace financelake::server {

HttpResponse JsonResponse(int status, const Json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.Dump() + "\n";
  return r;
}

HttpResponse ErrorResponse(int status, const std::string& message) {
  Json j = Json::Object();
  j.Set("error", Json::String(message));
  return JsonResponse(status, j);
}

std::string WithoutLakePath(std::string text, const std::string& lake) {
  std::vector<std::string> prefixes;
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(lake, ec);
  if (!ec) prefixes.push_back(absolute.lexically_normal().string());
  if (!lake.empty() && lake.front() == '/') prefixes.push_back(lake);
  for (std::string& p : prefixes) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    if (p.size() < 2) continue;  // "/" alone: nothing to hide
    auto name_char = [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    };
    for (size_t at = text.find(p); at != std::string::npos; at = text.find(p, at + 1)) {
      const char next = at + p.size() < text.size() ? text[at + p.size()] : '\0';
      // A longer name that starts like the lake's, or a path that ends like it: another one.
      if (name_char(next) || (at > 0 && (name_char(text[at - 1]) || text[at - 1] == '/'))) continue;
      // "<lake>/gold/x" -> "gold/x"; the lake itself -> "lake".
      text.replace(at, p.size() + (next == '/' ? 1 : 0), next == '/' ? "" : "lake");
    }
  }
  return text;
}

HttpResponse StatusResponse(const Status& st) {
  return ErrorResponse(st.IsNotFound() || st.IsInvalidArgument() ? 400 : 500, st.message());
}

namespace {

// "gold.daily_prices" -> "gold"."daily_prices".
std::string QuoteSqlName(const std::string& sql_name) {
  const size_t dot = sql_name.find('.');
  if (dot == std::string::npos) return sql::SqlIdentifier(sql_name);
  return sql::SqlIdentifier(sql_name.substr(0, dot)) + "." + sql::SqlIdentifier(sql_name.substr(dot + 1));
}

}  // namespace

Json RowsJson(const sql::ResultSet& rs) {
  Json rows = Json::Array();
  for (const auto& row : rs.rows) {
    Json o = Json::Object();
    for (size_t c = 0; c < row.size(); ++c) o.Set(rs.columns[c], sql::CellToJson(row[c]));
    rows.Push(std::move(o));
  }
  return rows;
}

Json ColumnsJson(const sql::ResultSet& rs) {
  Json cols = Json::Array();
  for (const std::string& c : rs.columns) cols.Push(Json::String(c));
  return cols;
}

std::string FormatParam(const HttpRequest& r) {
  const std::string f = r.Param("format");
  if (!f.empty() && f != "csv" && f != "json") throw ApiInvalid{fmt::format("format: '{}' is not json or csv", f.substr(0, 20))};
  return f.empty() ? "json" : f;
}

HttpResponse CsvResponse(const sql::ResultSet& rs, const std::string& stem) {
  HttpResponse r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = sql::FormatResult(rs, sql::OutputFormat::kCsv);
  r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}.csv\"", stem));
  return r;
}

int64_t IntParam(const HttpRequest& r, const std::string& name, int64_t fallback, int64_t lo, int64_t hi) {
  if (!r.Has(name)) return fallback;
  const std::string v = r.Param(name);
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  const bool digits = !v.empty() && (std::isdigit(static_cast<unsigned char>(v[0])) ||
                                     (v[0] == '-' && v.size() > 1 && std::isdigit(static_cast<unsigned char>(v[1]))));
  if (!digits || end != v.c_str() + v.size() || errno != 0 || n < lo || n > hi) {
    throw ApiInvalid{fmt::format("{}: '{}' is not an integer in {}..{}", name, v.substr(0, 40), lo, hi)};
  }
  return n;
}

std::string TickerParam(const HttpRequest& r, bool required) {
  // Silver's tickers may start with ^ (indexes: ^GSPC).
  static const std::regex kTicker("^[A-Za-z0-9^][A-Za-z0-9.^=_-]{0,19}$");
  const std::string t = r.Param("ticker");
  if (t.empty()) {
    if (required) throw ApiInvalid{"ticker is required"};
    return "";
  }
  if (!std::regex_match(t, kTicker)) throw ApiInvalid{fmt::format("ticker: '{}' is not a ticker", t.substr(0, 40))};
  return t;
}

std::string AssetClassParam(const HttpRequest& r) {
  const std::string a = r.Param("asset_class");
  if (a.empty() || a == "stock" || a == "crypto") return a;
  throw ApiInvalid{fmt::format("asset_class: '{}' is not stock or crypto", a.substr(0, 40))};
}

std::string DateParam(const HttpRequest& r, const std::string& name) {
  const std::string d = r.Param(name);
  if (d.empty()) return "";
  static const std::regex kDate("^[0-9]{4}-[0-9]{2}-[0-9]{2}$");
  if (!std::regex_match(d, kDate) || !columnar::ParseValue(d, columnar::DataType::Date()).ok()) {
    throw ApiInvalid{fmt::format("{}: '{}' is not a date (YYYY-MM-DD)", name, d.substr(0, 40))};
  }
  return d;
}

void CheckTimeTravel(const HttpRequest& r) {
  if (r.Has("version") && r.Has("timestamp")) throw ApiInvalid{"give version or timestamp, not both"};
  if (r.Has("version")) IntParam(r, "version", 0, 0, int64_t{1} << 50);
  if (r.Has("timestamp")) {
    const std::string ts = r.Param("timestamp");
    if (ts.find('\'') != std::string::npos || !columnar::ParseValue(ts, columnar::DataType::Timestamp()).ok()) {
      throw ApiInvalid{fmt::format("timestamp: '{}' is not a time (e.g. 2026-11-20T10:00:00Z)", ts.substr(0, 40))};
    }
  }
}

std::string FromItem(const TableState& t, const HttpRequest& r) {
  CheckTimeTravel(r);
  if (r.Has("version")) {
    const int64_t v = IntParam(r, "version", 0, 0, int64_t{1} << 50);
    if (v > t.version) throw ApiInvalid{fmt::format("version: {} is at version {}", t.name, t.version)};
    return fmt::format("delta({}, version => {})", sql::SqlString(t.rel), v);
  }
  if (r.Has("timestamp")) {
    return fmt::format("delta({}, timestamp => {})", sql::SqlString(t.rel), sql::SqlString(r.Param("timestamp")));
  }
  return LatestFromItem(t);
}

std::string LatestFromItem(const TableState& t) {
  if (!t.has_sql_name) return fmt::format("delta({})", sql::SqlString(t.rel));
  return QuoteSqlName(t.name);
}

std::string FileStem(const std::string& rel) {
  std::string s = rel;
  for (char& c : s) {
    if (c == '/') c = '_';
  }
  return s;
}

}  // namespace financelake::server
