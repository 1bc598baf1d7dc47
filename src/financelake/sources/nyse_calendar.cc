#include "financelake/sources/nyse_calendar.h"

#include <algorithm>

#include "financelake/sources/calendar_math.h"
#include "financelake/sources/event_time.h"
#include "financelake/sources/new_york_time.h"

namespace financelake::sources {
namespace {

constexpr int64_t kOpenSeconds = 9 * 3600 + 30 * 60;
constexpr int64_t kCloseSeconds = 16 * 3600;
constexpr int64_t kEarlyCloseSeconds = 13 * 3600;

// Saturday -> Friday, Sunday -> Monday.
int32_t Observed(int32_t day) {
  const int w = WeekdayOfDays(day);
  if (w == kSaturday) return day - 1;
  if (w == kSunday) return day + 1;
  return day;
}

// The holidays of `year`, at their observed dates. Observance never leaves the year: New Year's
// Day moves only forward (a Saturday one is dropped), and a Saturday Christmas moves to Dec 24.
void AddHolidays(int year, std::vector<NyseHoliday>* out) {
  auto add = [&](int32_t day, std::string_view name) { out->push_back({day, name}); };
  const int32_t new_year = CivilDays(year, 1, 1);
  // A Saturday New Year's Day is not observed on the Friday before (NYSE Rule 7.2).
  if (WeekdayOfDays(new_year) != kSaturday) add(Observed(new_year), "New Year's Day");
  if (year >= 1998) add(NthWeekday(year, 1, kMonday, 3), "Martin Luther King Jr. Day");
  add(NthWeekday(year, 2, kMonday, 3), "Washington's Birthday");
  add(EasterSunday(year) - 2, "Good Friday");
  add(LastWeekday(year, 5, kMonday), "Memorial Day");
  if (year >= 2022) add(Observed(CivilDays(year, 6, 19)), "Juneteenth National Independence Day");
  add(Observed(CivilDays(year, 7, 4)), "Independence Day");
  add(NthWeekday(year, 9, kMonday, 1), "Labor Day");
  add(NthWeekday(year, 11, kThursday, 4), "Thanksgiving Day");
  add(Observed(CivilDays(year, 12, 25)), "Christmas Day");
}

// Holidays of one year, cached per thread (the simulator asks about the same year repeatedly).
const std::vector<NyseHoliday>& CachedHolidays(int year) {
  thread_local int cached_year = INT32_MIN;
  thread_local std::vector<NyseHoliday> cached;
  if (year != cached_year) {
    cached = NyseHolidays(year);
    cached_year = year;
  }
  return cached;
}

bool IsEarlyClose(int32_t day) {
  const int year = YearOfDays(day);
  if (day == NthWeekday(year, 11, kThursday, 4) + 1) return true;  // day after Thanksgiving
  // July 3 and December 24 close early when they are trading days (a Friday July 3 or December
  // 24 is itself the observed holiday).
  return day == CivilDays(year, 7, 3) || day == CivilDays(year, 12, 24);
}

}  // namespace

std::vector<NyseHoliday> NyseHolidays(int year) {
  std::vector<NyseHoliday> all;
  AddHolidays(year, &all);
  std::sort(all.begin(), all.end(),
            [](const NyseHoliday& a, const NyseHoliday& b) { return a.day < b.day; });
  return all;
}

bool IsNyseHoliday(int32_t day) {
  for (const NyseHoliday& h : CachedHolidays(YearOfDays(day))) {
    if (h.day == day) return true;
  }
  return false;
}

bool IsNyseTradingDay(int32_t day) {
  const int w = WeekdayOfDays(day);
  return w != kSaturday && w != kSunday && !IsNyseHoliday(day);
}

int32_t NextNyseTradingDay(int32_t day) {
  do {
    ++day;
  } while (!IsNyseTradingDay(day));
  return day;
}

bool NyseSessionOn(int32_t day, NyseSession* session) {
  if (!IsNyseTradingDay(day)) return false;
  session->day = day;
  session->early_close = IsEarlyClose(day);
  session->open_utc = NewYorkLocalToUtc(day, kOpenSeconds);
  session->close_utc =
      NewYorkLocalToUtc(day, session->early_close ? kEarlyCloseSeconds : kCloseSeconds);
  return true;
}

NyseSession NextNyseSession(int64_t utc_micros) {
  int32_t local_day;
  int64_t local_seconds;
  UtcToNewYorkLocal(utc_micros, &local_day, &local_seconds);
  NyseSession s;
  for (int32_t day = local_day;; ++day) {
    if (NyseSessionOn(day, &s) && utc_micros < s.close_utc) return s;
  }
}

bool IsInNyseSession(int64_t utc_micros) {
  const NyseSession s = NextNyseSession(utc_micros);
  return utc_micros >= s.open_utc && utc_micros < s.close_utc;
}

int64_t NyseRegularCloseUtc(int32_t day) {
  return NewYorkLocalToUtc(day, kCloseSeconds);
}

}  // namespace financelake::sources
