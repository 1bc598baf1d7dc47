#include "financelake/sql/statement.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace financelake::sql {
namespace {

bool IsIdent(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

// Index just past the quoted run or comment starting at i, or i when none starts there.
size_t SkipQuoted(std::string_view s, size_t i) {
  const char c = s[i];
  if (c == '\'' || c == '"' || c == '`') {
    size_t j = i + 1;
    while (j < s.size()) {
      if (s[j] == c) {
        if (j + 1 < s.size() && s[j + 1] == c) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      ++j;
    }
    return s.size();
  }
  if (c == '[') {
    const size_t j = s.find(']', i);
    return j == std::string_view::npos ? s.size() : j + 1;
  }
  if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
    const size_t j = s.find('\n', i);
    return j == std::string_view::npos ? s.size() : j + 1;
  }
  if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
    const size_t j = s.find("*/", i + 2);
    return j == std::string_view::npos ? s.size() : j + 2;
  }
  return i;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

bool IsComment(std::string_view s, size_t i) {
  return i + 1 < s.size() && ((s[i] == '-' && s[i + 1] == '-') || (s[i] == '/' && s[i + 1] == '*'));
}

// Words separated by whitespace and comments, outside quotes (quoted runs stay whole, quotes
// kept; comments are dropped, as SQLite drops them).
std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) {
      ++i;
      continue;
    }
    if (IsComment(s, i)) {
      i = SkipQuoted(s, i);
      continue;
    }
    size_t j = i;
    while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && !IsComment(s, j)) {
      const size_t q = SkipQuoted(s, j);
      j = q > j ? q : j + 1;
    }
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

struct Cursor {
  std::string_view s;
  size_t i = 0;
  void Space() {
    while (i < s.size()) {
      if (std::isspace(static_cast<unsigned char>(s[i]))) {
        ++i;
      } else if (IsComment(s, i)) {
        i = SkipQuoted(s, i);
      } else {
        break;
      }
    }
  }
  bool Eat(char c) {
    Space();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool EatArrow() {
    Space();
    if (s.substr(i, 2) == "=>") {
      i += 2;
      return true;
    }
    return false;
  }
  std::string Word() {
    Space();
    const size_t b = i;
    while (i < s.size() && IsIdent(s[i])) ++i;
    return std::string(s.substr(b, i - b));
  }
  // A single-quoted string ('' escapes); nullopt if none here.
  std::optional<std::string> String() {
    Space();
    if (i >= s.size() || s[i] != '\'') return std::nullopt;
    std::string out;
    size_t j = i + 1;
    while (j < s.size()) {
      if (s[j] == '\'') {
        if (j + 1 < s.size() && s[j + 1] == '\'') {
          out += '\'';
          j += 2;
          continue;
        }
        i = j + 1;
        return out;
      }
      out += s[j++];
    }
    return std::nullopt;
  }
  // An integer literal's text ([-]digits, any length); nullopt if none here.
  std::optional<std::string_view> Integer() {
    Space();
    const size_t b = i;
    if (i < s.size() && s[i] == '-') ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == b || (i == b + 1 && s[b] == '-')) {
      i = b;
      return std::nullopt;
    }
    return s.substr(b, i - b);
  }
};

}  // namespace

namespace {

std::string QuoteWith(std::string_view s, char q) {
  std::string out(1, q);
  for (char c : s) {
    out += c;
    if (c == q) out += q;
  }
  return out + q;
}

}  // namespace

std::string SqlIdentifier(std::string_view name) {
  return QuoteWith(name, '"');
}
std::string SqlString(std::string_view text) {
  return QuoteWith(text, '\'');
}

std::vector<std::string> SplitStatements(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0, i = 0;
  auto flush = [&](size_t end) {
    std::string st = Trim(text.substr(start, end - start));
    // Only comments left: nothing to run.
    bool content = false;
    for (size_t k = 0; k < st.size();) {
      if (IsComment(st, k)) {
        k = SkipQuoted(st, k);
      } else if (std::isspace(static_cast<unsigned char>(st[k]))) {
        ++k;
      } else {
        content = true;
        break;
      }
    }
    if (content) out.push_back(std::move(st));
  };
  while (i < text.size()) {
    const size_t q = SkipQuoted(text, i);
    if (q > i) {
      i = q;
    } else if (text[i] == ';') {
      flush(i);
      start = ++i;
    } else {
      ++i;
    }
  }
  flush(text.size());
  return out;
}

void StatementBoundary::Feed(std::string_view text) {
  for (const char c : text) {
    if (state_ == State::kQuoted) {
      if (!quote_ended_) {
        quote_ended_ = c == close_;
        continue;
      }
      quote_ended_ = false;
      if (c == close_ && close_ != ']') continue;  // a doubled quote: still quoted
      state_ = State::kCode;                       // and `c` is code
    } else if (state_ == State::kLineComment) {
      if (c == '\n') state_ = State::kCode;
      continue;
    } else if (state_ == State::kBlockComment) {
      if (star_ && c == '/') state_ = State::kCode;
      star_ = c == '*';
      continue;
    }
    const bool dash = dash_, slash = slash_;
    dash_ = slash_ = false;
    if (dash && c == '-') {
      state_ = State::kLineComment;
      continue;
    }
    if (slash && c == '*') {
      state_ = State::kBlockComment;
      star_ = false;
      continue;
    }
    if (dash || slash) pending_ = true;  // a lone '-' or '/' is statement text
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
      state_ = State::kQuoted;
      close_ = c == '[' ? ']' : c;
      pending_ = true;
    } else if (c == '-') {
      dash_ = true;
    } else if (c == '/') {
      slash_ = true;
    } else if (c == ';') {
      pending_ = false;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      pending_ = true;
    }
  }
}

Result<LakeStatement> ParseLakeStatement(std::string_view statement) {
  const std::vector<std::string> w = Words(statement);
  LakeStatement st;
  if (w.empty()) return st;
  const std::string first = Upper(w[0]);
  if (first == "SHOW" && w.size() == 2 && Upper(w[1]) == "TABLES") {
    st.kind = LakeStatement::Kind::kShowTables;
    return st;
  }
  if (first == "OPTIMIZE") {
    if (w.size() != 2) return Status::InvalidArgument("usage: OPTIMIZE <table>");
    st.kind = LakeStatement::Kind::kOptimize;
    st.table = w[1];
    return st;
  }
  if (first == "VACUUM") {
    // SQLite's VACUUM [schema] INTO 'file' would write a database file.
    if ((w.size() > 1 && Upper(w[1]) == "INTO") || (w.size() > 2 && Upper(w[2]) == "INTO")) {
      return Status::InvalidArgument(
          "not allowed: VACUUM INTO writes a database file (VACUUM <table> cleans a lake table)");
    }
    if (w.size() < 2) {
      return Status::InvalidArgument(
          "VACUUM needs a table: VACUUM <table> [RETAIN <n> HOURS] [DRY RUN] [FORCE]");
    }
    st.kind = LakeStatement::Kind::kVacuum;
    st.table = w[1];
    size_t k = 2;
    if (k < w.size() && Upper(w[k]) == "RETAIN") {
      if (k + 2 >= w.size() || Upper(w[k + 2]) != "HOURS") {
        return Status::InvalidArgument(
            "usage: VACUUM <table> [RETAIN <n> HOURS] [DRY RUN] [FORCE]");
      }
      // A decimal number (strtod alone also takes hex, "inf" and "nan").
      const std::string& text = w[k + 1];
      char* end = nullptr;
      const double h = std::strtod(text.c_str(), &end);
      const size_t digit = text.size() > 1 && text[0] == '.' ? 1 : 0;  // .5 is half an hour
      const bool decimal = !text.empty() &&
                           std::isdigit(static_cast<unsigned char>(text[digit])) != 0 &&
                           text.find_first_not_of("0123456789.eE+-") == std::string::npos;
      if (!decimal || end == text.c_str() || *end != '\0' || !(h >= 0) || !std::isfinite(h)) {
        return Status::InvalidArgument(
            fmt::format("VACUUM: '{}' is not a number of hours (a decimal number >= 0)", text));
      }
      st.retain_hours = h;
      k += 3;
    }
    if (k + 1 < w.size() && Upper(w[k]) == "DRY" && Upper(w[k + 1]) == "RUN") {
      st.dry_run = true;
      k += 2;
    }
    if (k < w.size() && Upper(w[k]) == "FORCE") {
      st.force = true;
      ++k;
    }
    if (k != w.size())
      return Status::InvalidArgument("usage: VACUUM <table> [RETAIN <n> HOURS] [DRY RUN] [FORCE]");
    return st;
  }
  if (first == "DESCRIBE" || first == "DESC") {
    if (w.size() == 3 && Upper(w[1]) == "HISTORY") {
      st.kind = LakeStatement::Kind::kDescribeHistory;
      st.table = w[2];
      return st;
    }
    if (w.size() == 3 && Upper(w[1]) == "TABLE") {
      st.kind = LakeStatement::Kind::kDescribe;
      st.table = w[2];
      return st;
    }
    if (w.size() == 2) {
      st.kind = LakeStatement::Kind::kDescribe;
      st.table = w[1];
      return st;
    }
    return Status::InvalidArgument("usage: DESCRIBE [HISTORY] <table>");
  }
  return st;
}

bool CreatesView(std::string_view statement) {
  const std::vector<std::string> w = Words(statement);
  if (w.size() < 2 || Upper(w[0]) != "CREATE") return false;
  const std::string second = Upper(w[1]);
  if (second == "VIEW") return true;
  return (second == "TEMP" || second == "TEMPORARY") && w.size() > 2 && Upper(w[2]) == "VIEW";
}

namespace {

// After `delta(`: a column list closed by `) AS (` (or `AS [NOT] MATERIALIZED`), so
// `WITH delta(a, b) AS (...)` names a common table expression delta rather than calling the
// time-travel function (`SELECT delta(x) AS y` is still a call, refused with its message).
bool CteColumnList(Cursor c) {
  do {
    if (c.Word().empty()) return false;
  } while (c.Eat(','));
  if (!c.Eat(')') || Upper(c.Word()) != "AS") return false;
  const size_t at = c.i;
  if (c.Eat('(')) return true;
  c.i = at;
  const std::string next = Upper(c.Word());
  return next == "MATERIALIZED" || next == "NOT";
}

}  // namespace

Result<std::string> RewriteTimeTravel(std::string_view s, int* counter,
                                      std::vector<TimeTravel>* calls) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    const size_t q = SkipQuoted(s, i);
    if (q > i) {
      out.append(s.substr(i, q - i));
      i = q;
      continue;
    }
    const bool boundary = i == 0 || !IsIdent(s[i - 1]);
    if (boundary && s.size() - i >= 5 && Upper(std::string(s.substr(i, 5))) == "DELTA" &&
        (i + 5 == s.size() || !IsIdent(s[i + 5]))) {
      Cursor c{s, i + 5};
      if (c.Eat('(') && !CteColumnList(c)) {
        TimeTravel tt;
        auto table = c.String();
        if (!table)
          return Status::InvalidArgument(
              "delta(): the first argument is the table, as a string: delta('silver/stock_trades', "
              "version => 0)");
        tt.table = *table;
        while (c.Eat(',')) {
          const std::string key = Upper(c.Word());
          if (!c.EatArrow())
            return Status::InvalidArgument(fmt::format("delta(): expected '=>' after '{}'", key));
          if ((key == "VERSION" && tt.version) || (key == "TIMESTAMP" && tt.timestamp)) {
            return Status::InvalidArgument(fmt::format("delta(): {} given twice", Lower(key)));
          }
          if (key == "VERSION") {
            const auto text = c.Integer();
            int64_t v = -1;
            if (text && std::from_chars(text->data(), text->data() + text->size(), v).ec ==
                            std::errc::result_out_of_range) {
              return Status::InvalidArgument(
                  fmt::format("delta(): version {} is out of range", *text));
            }
            if (!text || v < 0)
              return Status::InvalidArgument("delta(): version => takes a version number >= 0");
            tt.version = v;
          } else if (key == "TIMESTAMP") {
            auto t = c.String();
            if (!t)
              return Status::InvalidArgument(
                  "delta(): timestamp => takes a quoted time, e.g. '2026-11-20T10:00:00Z'");
            tt.timestamp = *t;
          } else {
            return Status::InvalidArgument(
                fmt::format("delta(): unknown argument '{}' (version or timestamp)", key));
          }
        }
        if (!c.Eat(')')) return Status::InvalidArgument("delta(): expected ')'");
        if (tt.version && tt.timestamp)
          return Status::InvalidArgument("delta(): give version or timestamp, not both");
        tt.alias = fmt::format("__delta_tt{}", (*counter)++);
        out += "temp.\"" + tt.alias + "\"";
        calls->push_back(std::move(tt));
        i = c.i;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

}  // namespace financelake::sql
