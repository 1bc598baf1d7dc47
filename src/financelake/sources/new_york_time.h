// America/New_York local time from the US daylight-saving rules, computed for any year (no tz
// database needed): EST = UTC-5, EDT = UTC-4, with the change at 02:00 local time on
//   2007 onwards: second Sunday of March -> first Sunday of November;
//   1987-2006:    first Sunday of April  -> last Sunday of October;
//   1967-1986:    last Sunday of April   -> last Sunday of October.
// The 1974-75 energy-crisis exceptions are not modelled; before 1967 standard time is assumed.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>

namespace financelake::sources {

// [start, end) of daylight time in UTC micros for `year`; start == end when there is none.
struct DstWindow {
  int64_t start_utc = 0;
  int64_t end_utc = 0;
};
DstWindow NewYorkDstWindow(int year);

// True if daylight time is in force at the UTC instant.
bool IsNewYorkDst(int64_t utc_micros);

// -4 * 3600 or -5 * 3600.
int NewYorkUtcOffsetSeconds(int64_t utc_micros);

// The UTC instant of a New York wall-clock time: `local_day` (days since 1970-01-01 of the local
// date) and `local_seconds` into that day. In the spring-forward gap the time is read as
// standard time; in the repeated autumn hour the first (daylight) occurrence is taken. Market
// hours are never in either.
int64_t NewYorkLocalToUtc(int32_t local_day, int64_t local_seconds);

// The local date (days since 1970-01-01) and seconds into it of a UTC instant.
void UtcToNewYorkLocal(int64_t utc_micros, int32_t* local_day, int64_t* local_seconds);

}  // namespace financelake::sources
