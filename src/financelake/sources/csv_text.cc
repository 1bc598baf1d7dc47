#include "financelake/sources/csv_text.h"

#include <charconv>
#include <cmath>

#include "financelake/sources/calendar_math.h"

namespace financelake::sources {
namespace {

std::string Quote(std::string_view s) {
  constexpr size_t kMax = 60;
  if (s.size() > kMax) return "'" + std::string(s.substr(0, kMax)) + "...'";
  return "'" + std::string(s) + "'";
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int ToInt(std::string_view s) {
  int v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// True for "HH" two digits no greater than `max`.
bool TwoDigits(std::string_view s, int max) {
  return s.size() == 2 && AllDigits(s) && ToInt(s) <= max;
}

// A midnight as exporters write it after a daily date: "00:00", "00:00:00", a zero fraction
// (".000"), then optionally "Z" or a UTC offset ("-05:00", "+0900", "+09"), as yfinance writes
// its index ("2024-01-02 00:00:00-05:00"). The offset only says where the midnight was: the
// date stays the date as written.
bool IsMidnight(std::string_view t) {
  if (t.substr(0, 5) != "00:00") return false;
  t.remove_prefix(5);
  if (t.substr(0, 3) == ":00") t.remove_prefix(3);
  if (!t.empty() && t.front() == '.') {
    t.remove_prefix(1);
    size_t zeros = 0;
    while (zeros < t.size() && t[zeros] == '0') ++zeros;
    if (zeros == 0 || zeros > 9 || (zeros < t.size() && t[zeros] >= '0' && t[zeros] <= '9')) {
      return false;
    }
    t.remove_prefix(zeros);
  }
  t = TrimSpaces(t);
  if (t.empty() || t == "Z") return true;
  if (t.front() != '+' && t.front() != '-') return false;
  t.remove_prefix(1);
  if (t.size() == 2) return TwoDigits(t, 18);
  if (t.size() == 4) return TwoDigits(t.substr(0, 2), 18) && TwoDigits(t.substr(2), 59);
  return t.size() == 5 && t[2] == ':' && TwoDigits(t.substr(0, 2), 18) &&
         TwoDigits(t.substr(3), 59);
}

// Removes thousands separators if they form valid groups of three ("1,234,567.8"); returns
// false if commas appear anywhere else.
bool StripThousands(std::string_view s, std::string* out) {
  out->clear();
  const size_t dot = s.find_first_of(".eE");
  const std::string_view whole = s.substr(0, dot);
  size_t start = (!whole.empty() && (whole[0] == '-' || whole[0] == '+')) ? 1 : 0;
  const size_t first_comma = whole.find(',');
  if (first_comma == start || first_comma > start + 3) return false;
  size_t group_start = first_comma + 1;
  while (group_start <= whole.size()) {
    const size_t next = whole.find(',', group_start);
    const size_t end = next == std::string_view::npos ? whole.size() : next;
    if (end - group_start != 3) return false;
    if (next == std::string_view::npos) break;
    group_start = next + 1;
  }
  if (dot != std::string_view::npos && s.find(',', dot) != std::string_view::npos) return false;
  for (char c : s) {
    if (c != ',') out->push_back(c);
  }
  return true;
}

}  // namespace

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

CsvRecordReader::CsvRecordReader(std::string_view text) : text_(text) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // UTF-8 byte-order mark
}

bool CsvRecordReader::Next(CsvRecord* record) {
  // Skip blank lines (they are not records).
  // A line ends at \n, \r\n or a lone \r (old Mac files): each counts once.
  auto ends_line = [&](size_t i) {
    return text_[i] == '\n' ||
           (text_[i] == '\r' && (i + 1 >= text_.size() || text_[i + 1] != '\n'));
  };
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (ends_line(pos_)) ++line_;
    ++pos_;
  }
  if (pos_ >= text_.size()) return false;
  record->line = line_;
  record->unterminated_quote = false;
  size_t nfields = 0;
  auto field = [&]() -> std::string& {
    if (record->fields.size() <= nfields) record->fields.emplace_back();
    std::string& f = record->fields[nfields++];
    f.clear();
    return f;
  };
  const size_t start = pos_;
  std::string* cur = &field();
  bool quoted = false;
  size_t end = text_.size();
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (quoted) {
      if (c == '"') {
        if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
          cur->push_back('"');
          pos_ += 2;
          continue;
        }
        quoted = false;
      } else {
        if (ends_line(pos_)) ++line_;
        cur->push_back(c);
      }
      ++pos_;
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cur = &field();
    } else if (c == '\n' || c == '\r') {
      end = pos_;
      if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
      ++pos_;
      ++line_;
      break;
    } else {
      cur->push_back(c);
    }
    ++pos_;
  }
  if (quoted) record->unterminated_quote = true;
  std::string_view raw = text_.substr(start, (end == text_.size() ? pos_ : end) - start);
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) raw.remove_suffix(1);
  record->raw = raw;
  record->fields.resize(nfields);
  return true;
}

std::string NormalizeHeader(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    }
  }
  return out;
}

bool ParseCsvNumber(std::string_view text, double* value, std::string* reason) {
  std::string_view s = TrimSpaces(text);
  if (s.empty()) {
    *reason = "empty value";
    return false;
  }
  std::string stripped;
  if (s.find(',') != std::string_view::npos) {
    if (!StripThousands(s, &stripped)) {
      *reason = Quote(text) + " is not a number (misplaced ',')";
      return false;
    }
    s = stripped;
  }
  if (s.front() == '+') s.remove_prefix(1);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *value);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
    *reason = Quote(text) + " is not a number";
    return false;
  }
  // from_chars accepts "nan" and "inf"; a price or amount never is either.
  if (!std::isfinite(*value)) {
    *reason = Quote(text) + " is not a finite number";
    return false;
  }
  return true;
}

bool ParseCsvDate(std::string_view text, int32_t* days, std::string* reason) {
  std::string_view s = TrimSpaces(text);
  // A trailing midnight time is fine for a daily row; any other time of day is not.
  const size_t space = s.find_first_of(" T");
  if (space != std::string_view::npos) {
    const std::string_view time = TrimSpaces(s.substr(space + 1));
    if (!IsMidnight(time)) {
      *reason = Quote(text) + " has a time of day; expected a daily date";
      return false;
    }
    s = s.substr(0, space);
  }
  int y = 0, m = 0, d = 0;
  const char sep = s.find('-') != std::string_view::npos ? '-' : '/';
  const size_t a = s.find(sep);
  const size_t b = a == std::string_view::npos ? a : s.find(sep, a + 1);
  if (a != std::string_view::npos && b != std::string_view::npos &&
      s.find(sep, b + 1) == std::string_view::npos) {
    const std::string_view p1 = s.substr(0, a), p2 = s.substr(a + 1, b - a - 1),
                           p3 = s.substr(b + 1);
    if (AllDigits(p1) && AllDigits(p2) && AllDigits(p3)) {
      if (p1.size() == 4 && p2.size() <= 2 && p3.size() <= 2) {  // YYYY-MM-DD, YYYY/MM/DD
        y = ToInt(p1), m = ToInt(p2), d = ToInt(p3);
      } else if (sep == '/' && p3.size() == 4 && p1.size() <= 2 && p2.size() <= 2) {  // M/D/Y
        m = ToInt(p1), d = ToInt(p2), y = ToInt(p3);
      }
    }
  }
  if (y == 0) {
    if (s.find(':') != std::string_view::npos) {
      *reason = Quote(text) + " is a time of day without a date (an intraday row)";
    } else {
      *reason = Quote(text) + " is not a date (expected YYYY-MM-DD, YYYY/MM/DD or M/D/YYYY)";
    }
    return false;
  }
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) {
    *reason = Quote(text) + " is not a valid calendar date";
    return false;
  }
  *days = CivilDays(y, m, d);
  return true;
}

}  // namespace financelake::sources
