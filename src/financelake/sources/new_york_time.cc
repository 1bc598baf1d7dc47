#include "financelake/sources/new_york_time.h"

#include "financelake/sources/calendar_math.h"
#include "financelake/sources/event_time.h"

namespace financelake::sources {
namespace {

constexpr int64_t kEst = -5 * 3600;
constexpr int64_t kEdt = -4 * 3600;

// The local dates on which daylight time starts and ends; false if there is none that year.
bool DstDates(int year, int32_t* start, int32_t* end) {
  if (year >= 2007) {
    *start = NthWeekday(year, 3, kSunday, 2);
    *end = NthWeekday(year, 11, kSunday, 1);
  } else if (year >= 1987) {
    *start = NthWeekday(year, 4, kSunday, 1);
    *end = LastWeekday(year, 10, kSunday);
  } else if (year >= 1967) {
    *start = LastWeekday(year, 4, kSunday);
    *end = LastWeekday(year, 10, kSunday);
  } else {
    return false;
  }
  return true;
}

}  // namespace

DstWindow NewYorkDstWindow(int year) {
  int32_t start, end;
  if (!DstDates(year, &start, &end)) return {};
  // 02:00 EST = 07:00 UTC starts it; 02:00 EDT = 06:00 UTC ends it.
  return DstWindow{(start * 86400LL + 2 * 3600 - kEst) * kMicrosPerSecond,
                   (end * 86400LL + 2 * 3600 - kEdt) * kMicrosPerSecond};
}

bool IsNewYorkDst(int64_t utc_micros) {
  const DstWindow w = NewYorkDstWindow(YearOfDays(DayOfMicros(utc_micros)));
  return utc_micros >= w.start_utc && utc_micros < w.end_utc;
}

int NewYorkUtcOffsetSeconds(int64_t utc_micros) {
  return static_cast<int>(IsNewYorkDst(utc_micros) ? kEdt : kEst);
}

int64_t NewYorkLocalToUtc(int32_t local_day, int64_t local_seconds) {
  int32_t start, end;
  bool dst = false;
  if (DstDates(YearOfDays(local_day), &start, &end)) {
    if (local_day > start && local_day < end) {
      dst = true;
    } else if (local_day == start) {
      dst = local_seconds >= 3 * 3600;  // 02:00-03:00 does not exist: read as standard time
    } else if (local_day == end) {
      dst = local_seconds < 2 * 3600;  // 01:00-02:00 happens twice: take the daylight one
    }
  }
  return (local_day * 86400LL + local_seconds - (dst ? kEdt : kEst)) * kMicrosPerSecond;
}

void UtcToNewYorkLocal(int64_t utc_micros, int32_t* local_day, int64_t* local_seconds) {
  const int64_t local_us = utc_micros + NewYorkUtcOffsetSeconds(utc_micros) * kMicrosPerSecond;
  const int64_t day = DayOfMicros(local_us);
  *local_day = static_cast<int32_t>(day);
  *local_seconds = (local_us - day * kMicrosPerDay) / kMicrosPerSecond;
}

}  // namespace financelake::sources
