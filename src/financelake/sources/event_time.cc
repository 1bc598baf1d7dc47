#include "financelake/sources/event_time.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

#include "financelake/columnar/value.h"
#include "financelake/sources/json_writer.h"

namespace financelake::sources {
namespace {

// Reads exactly `n` digits at text[*pos]; advances *pos.
bool Digits(std::string_view text, size_t* pos, int n, int* value) {
  if (*pos + static_cast<size_t>(n) > text.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = text[*pos + static_cast<size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += static_cast<size_t>(n);
  *value = v;
  return true;
}

bool IsLeap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

Status Invalid(std::string_view text) {
  return Status::InvalidArgument("event time '" + std::string(text) +
                                 "': expected ISO-8601 like 2024-01-02T14:30:00Z or epoch "
                                 "milliseconds");
}

}  // namespace

std::optional<Result<int64_t>> ParseEpochMillis(std::string_view text, bool allow_exponent) {
  size_t i = 0;
  if (i < text.size() && text[i] == '-') ++i;
  if (i == text.size()) return std::nullopt;
  for (size_t j = i; j < text.size(); ++j) {
    const char c = text[j];
    const bool exponent_char = c == 'e' || c == 'E' || c == '+' || c == '-';
    if ((c < '0' || c > '9') && c != '.' && !(allow_exponent && exponent_char)) {
      return std::nullopt;
    }
  }
  // Whole milliseconds exactly (a double holds microseconds exactly only up to 2^53).
  int64_t whole = 0;
  const auto w = std::from_chars(text.data(), text.data() + text.size(), whole);
  if (w.ec == std::errc() && w.ptr == text.data() + text.size() && whole >= kFirstEventTimeMillis &&
      whole < kEndEventTimeMillis) {
    return Result<int64_t>(whole * 1000);
  }
  double ms = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (r.ec == std::errc::result_out_of_range) {
    ms = std::strtod(std::string(text).c_str(), nullptr);  // +-HUGE_VAL, or 0 for an underflow
  } else if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  if (!std::isfinite(ms) || ms < static_cast<double>(kFirstEventTimeMillis) ||
      ms >= static_cast<double>(kEndEventTimeMillis)) {
    return Result<int64_t>(
        Status::InvalidArgument("event time '" + std::string(text.substr(0, 64)) +
                                "': epoch milliseconds outside the years 1..9999"));
  }
  return Result<int64_t>(static_cast<int64_t>(std::llround(ms * 1000.0)));
}

Result<int64_t> ParseEventTime(std::string_view text) {
  if (std::optional<Result<int64_t>> epoch = ParseEpochMillis(text, false))
    return *std::move(epoch);
  size_t pos = 0;
  int y, mo, d;
  if (!Digits(text, &pos, 4, &y) || pos >= text.size() || text[pos++] != '-' ||
      !Digits(text, &pos, 2, &mo) || pos >= text.size() || text[pos++] != '-' ||
      !Digits(text, &pos, 2, &d)) {
    return Invalid(text);
  }
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo)) return Invalid(text);
  if (pos == text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return Invalid(text);  // a date alone is not an event time (see ParseTimeOption)
  }
  ++pos;
  int hh, mm, ss = 0;
  if (!Digits(text, &pos, 2, &hh) || pos >= text.size() || text[pos++] != ':' ||
      !Digits(text, &pos, 2, &mm)) {
    return Invalid(text);
  }
  int64_t frac_us = 0;
  if (pos < text.size() && text[pos] == ':') {
    ++pos;
    if (!Digits(text, &pos, 2, &ss)) return Invalid(text);
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      int ndigits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (ndigits < 6) frac_us = frac_us * 10 + (text[pos] - '0');
        ++ndigits;
        ++pos;
      }
      if (ndigits == 0 || ndigits > 9) return Invalid(text);
      for (int i = ndigits; i < 6; ++i) frac_us *= 10;
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return Invalid(text);
  int offset_s = 0;
  if (pos < text.size()) {
    const char c = text[pos++];
    if (c == 'Z' || c == 'z') {
      // UTC
    } else if (c == '+' || c == '-') {
      int oh, om = 0;
      if (!Digits(text, &pos, 2, &oh)) return Invalid(text);
      if (pos < text.size() && text[pos] == ':') {
        ++pos;
        if (!Digits(text, &pos, 2, &om)) return Invalid(text);  // "+05:" lacks its minutes
      } else if (pos < text.size() && !Digits(text, &pos, 2, &om)) {
        return Invalid(text);
      }
      if (oh > 23 || om > 59) return Invalid(text);
      offset_s = (oh * 3600 + om * 60) * (c == '-' ? -1 : 1);
    } else {
      return Invalid(text);
    }
  }
  if (pos != text.size()) return Invalid(text);
  // A leap second is the 61st second of the last UTC minute of a day (23:59:60Z, or its local
  // time with an offset); it lands on the next day's midnight.
  if (ss == 60 && ((hh * 60 + mm - offset_s / 60) % 1440 + 1440) % 1440 != 1439)
    return Invalid(text);
  const int64_t days =
      columnar::DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - offset_s;
  return secs * kMicrosPerSecond + frac_us;
}

Result<int64_t> ParseTimeOption(std::string_view text, int64_t now_micros) {
  if (text == "now") return now_micros;
  if (text.size() == 10) {
    size_t pos = 0;
    int y, mo, d;
    if (Digits(text, &pos, 4, &y) && text[pos++] == '-' && Digits(text, &pos, 2, &mo) &&
        text[pos++] == '-' && Digits(text, &pos, 2, &d) && y >= 1 && mo >= 1 && mo <= 12 &&
        d >= 1 && d <= DaysInMonth(y, mo)) {
      return columnar::DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) *
             kMicrosPerDay;
    }
  }
  auto parsed = ParseEventTime(text);
  if (!parsed.ok()) {
    return Status::InvalidArgument("time '" + std::string(text) +
                                   "': expected 'now', a date YYYY-MM-DD, an ISO-8601 time like "
                                   "2024-01-02T14:30:00Z, or epoch milliseconds");
  }
  return parsed;
}

std::string FormatEventTime(int64_t micros) {
  std::string out(TimestampFormatter::kLength, ' ');
  TimestampFormatter f;
  f.Format(micros, out.data());
  return out;
}

}  // namespace financelake::sources
