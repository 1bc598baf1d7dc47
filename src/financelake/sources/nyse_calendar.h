// The NYSE trading calendar, computed for any year from the exchange's rules (Rule 7.2):
// regular session 09:30-16:00 America/New_York on weekdays that are not holidays; early close
// at 13:00 on July 3 (when a trading day), the day after Thanksgiving, and December 24 (when a
// trading day).
//
// Holidays: New Year's Day, Martin Luther King Jr. Day (third Monday of January, from 1998),
// Washington's Birthday (third Monday of February), Good Friday (Easter computus), Memorial Day
// (last Monday of May), Juneteenth (June 19, from 2022), Independence Day, Labor Day (first
// Monday of September), Thanksgiving (fourth Thursday of November), Christmas. A holiday on a
// Saturday is observed the Friday before, on a Sunday the Monday after, except that New Year's
// Day on a Saturday is not observed (the exchange stays open on December 31).
// Not modelled: one-off closures (9/11 2001, Hurricane Sandy 2012, national days of mourning
// such as 2018-12-05 and 2025-01-09), and rules before 1971 (fixed-date Washington's Birthday
// and Memorial Day). Pure functions with a small thread-local cache; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace financelake::sources {

struct NyseHoliday {
  int32_t day = 0;        // observed date, days since 1970-01-01
  std::string_view name;  // "Good Friday"
};

// The holidays observed in `year` (by observed date), in date order.
std::vector<NyseHoliday> NyseHolidays(int year);

bool IsNyseHoliday(int32_t day);
// A weekday that is not a holiday.
bool IsNyseTradingDay(int32_t day);

// The first trading day after `day` (Friday -> Monday; skips holidays such as Good Friday).
int32_t NextNyseTradingDay(int32_t day);

// One regular trading session; times are UTC micros.
struct NyseSession {
  int32_t day = 0;  // the New York date
  int64_t open_utc = 0;
  int64_t close_utc = 0;
  bool early_close = false;
};

// The session on `day`, or false if the exchange is closed that day.
bool NyseSessionOn(int32_t day, NyseSession* session);

// The session in progress at `utc_micros`, or else the next one to open after it.
NyseSession NextNyseSession(int64_t utc_micros);

// True if `utc_micros` falls in [open, close) of a session.
bool IsInNyseSession(int64_t utc_micros);

// The UTC instant of 16:00 New York time on `day` (a daily bar's close stamp, whatever the
// session: CSV replay uses it for every row).
int64_t NyseRegularCloseUtc(int32_t day);

}  // namespace financelake::sources
