// Small proleptic-Gregorian helpers over "days since 1970-01-01" (columnar::DaysFromCivil), used
// by the New York time and NYSE calendar code. Pure inline functions; thread-safe.
#pragma once

#include <cstdint>

#include "financelake/columnar/value.h"

namespace financelake::sources {

enum Weekday : int { kSunday = 0, kMonday, kTuesday, kWednesday, kThursday, kFriday, kSaturday };

// 1970-01-01 was a Thursday.
inline int WeekdayOfDays(int64_t days) {
  const int64_t w = (days + 4) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

inline int32_t CivilDays(int year, int month, int day) {
  return columnar::DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

inline int YearOfDays(int64_t days) {
  int64_t y;
  unsigned m, d;
  columnar::CivilFromDays(days, &y, &m, &d);
  return static_cast<int>(y);
}

inline int DaysInMonth(int year, int month) {
  return CivilDays(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) -
         CivilDays(year, month, 1);
}

// The n-th (1-based) `weekday` of a month: NthWeekday(2024, 1, kMonday, 3) is MLK Day 2024.
inline int32_t NthWeekday(int year, int month, int weekday, int n) {
  const int32_t first = CivilDays(year, month, 1);
  const int offset = (weekday - WeekdayOfDays(first) + 7) % 7;
  return first + offset + 7 * (n - 1);
}

// The last `weekday` of a month: LastWeekday(2024, 5, kMonday) is Memorial Day 2024.
inline int32_t LastWeekday(int year, int month, int weekday) {
  const int32_t last = CivilDays(year, month, DaysInMonth(year, month));
  return last - (WeekdayOfDays(last) - weekday + 7) % 7;
}

// Easter Sunday (Gregorian), by the anonymous Gregorian algorithm ("Meeus/Jones/Butcher").
inline int32_t EasterSunday(int year) {
  const int a = year % 19;
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return CivilDays(year, month, day);
}

}  // namespace financelake::sources
