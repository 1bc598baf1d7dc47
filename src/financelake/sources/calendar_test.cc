// NYSE calendar and New York time: holidays of whole years against the exchange's published
// lists, observance rules, Easter, DST transitions, session bounds.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "financelake/columnar/value.h"
#include "financelake/sources/calendar_math.h"
#include "financelake/sources/event_time.h"
#include "financelake/sources/new_york_time.h"
#include "financelake/sources/nyse_calendar.h"

namespace financelake::sources {
namespace {

std::vector<std::string> HolidayDates(int year) {
  std::vector<std::string> out;
  for (const NyseHoliday& h : NyseHolidays(year)) out.push_back(columnar::FormatDate(h.day));
  return out;
}

int64_t At(const char* iso) {
  return *ParseEventTime(iso);
}

TEST(NyseCalendarTest, Holidays2024MatchTheExchangeList) {
  EXPECT_EQ(HolidayDates(2024),
            (std::vector<std::string>{"2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29",
                                      "2024-05-27", "2024-06-19", "2024-07-04", "2024-09-02",
                                      "2024-11-28", "2024-12-25"}));
}

TEST(NyseCalendarTest, Holidays2025MatchTheExchangeList) {
  EXPECT_EQ(HolidayDates(2025),
            (std::vector<std::string>{"2025-01-01", "2025-01-20", "2025-02-17", "2025-04-18",
                                      "2025-05-26", "2025-06-19", "2025-07-04", "2025-09-01",
                                      "2025-11-27", "2025-12-25"}));
}

TEST(NyseCalendarTest, WeekendObservance) {
  // 2022: New Year on a Saturday is not observed; Juneteenth (Sunday) -> Monday June 20;
  // Christmas (Sunday) -> Monday December 26.
  EXPECT_EQ(HolidayDates(2022),
            (std::vector<std::string>{"2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30",
                                      "2022-06-20", "2022-07-04", "2022-09-05", "2022-11-24",
                                      "2022-12-26"}));
  EXPECT_FALSE(IsNyseHoliday(CivilDays(2021, 12, 31)));
  // 2021: no Juneteenth yet; Independence Day (Sunday) -> July 5; Christmas (Saturday) -> Dec 24.
  const auto y2021 = HolidayDates(2021);
  EXPECT_EQ(std::count(y2021.begin(), y2021.end(), "2021-06-18"), 0);
  EXPECT_EQ(std::count(y2021.begin(), y2021.end(), "2021-07-05"), 1);
  EXPECT_EQ(std::count(y2021.begin(), y2021.end(), "2021-12-24"), 1);
  // 2026: Independence Day (Saturday) -> Friday July 3. 2027: Juneteenth (Saturday) -> June 18.
  EXPECT_TRUE(IsNyseHoliday(CivilDays(2026, 7, 3)));
  EXPECT_TRUE(IsNyseHoliday(CivilDays(2027, 6, 18)));
  // 2023: New Year (Sunday) -> Monday January 2.
  EXPECT_TRUE(IsNyseHoliday(CivilDays(2023, 1, 2)));
}

int32_t DayOf(const char* iso) { return static_cast<int32_t>(At(iso) / 86400000000LL); }

TEST(NyseCalendarTest, NextTradingDaySkipsWeekendsAndHolidays) {
  auto next = [](const char* d) { return columnar::FormatDate(NextNyseTradingDay(DayOf(d))); };
  EXPECT_EQ(next("2024-11-20T00:00:00Z"), "2024-11-21");  // Wednesday -> Thursday
  EXPECT_EQ(next("2024-11-22T00:00:00Z"), "2024-11-25");  // Friday -> Monday
  EXPECT_EQ(next("2024-03-28T00:00:00Z"), "2024-04-01");  // Thursday before Good Friday -> Monday
  EXPECT_EQ(next("2024-12-24T00:00:00Z"), "2024-12-26");  // Christmas Eve -> after Christmas
  EXPECT_EQ(next("2022-12-30T00:00:00Z"), "2023-01-03");  // New Year's Day observed on Monday
  EXPECT_EQ(next("2024-11-23T00:00:00Z"), "2024-11-25");  // from a Saturday
}

TEST(NyseCalendarTest, MlkDayOnlyFrom1998) {
  EXPECT_FALSE(IsNyseHoliday(NthWeekday(1997, 1, kMonday, 3)));
  EXPECT_TRUE(IsNyseHoliday(NthWeekday(1998, 1, kMonday, 3)));
}

TEST(NyseCalendarTest, EasterComputus) {
  EXPECT_EQ(columnar::FormatDate(EasterSunday(2024)), "2024-03-31");
  EXPECT_EQ(columnar::FormatDate(EasterSunday(2025)), "2025-04-20");
  EXPECT_EQ(columnar::FormatDate(EasterSunday(2019)), "2019-04-21");
  EXPECT_EQ(columnar::FormatDate(EasterSunday(2038)), "2038-04-25");  // latest possible
  EXPECT_EQ(columnar::FormatDate(EasterSunday(2285)), "2285-03-22");  // earliest possible
  EXPECT_EQ(columnar::FormatDate(EasterSunday(2000)), "2000-04-23");
}

TEST(NewYorkTimeTest, DstTransitions) {
  // 2024: second Sunday of March, 2:00 EST = 07:00Z; first Sunday of November, 2:00 EDT = 06:00Z.
  const DstWindow w2024 = NewYorkDstWindow(2024);
  EXPECT_EQ(FormatEventTime(w2024.start_utc), "2024-03-10T07:00:00.000000Z");
  EXPECT_EQ(FormatEventTime(w2024.end_utc), "2024-11-03T06:00:00.000000Z");
  const DstWindow w2025 = NewYorkDstWindow(2025);
  EXPECT_EQ(FormatEventTime(w2025.start_utc), "2025-03-09T07:00:00.000000Z");
  EXPECT_EQ(FormatEventTime(w2025.end_utc), "2025-11-02T06:00:00.000000Z");
  // The 1987-2006 rule: first Sunday of April to last Sunday of October.
  const DstWindow w2006 = NewYorkDstWindow(2006);
  EXPECT_EQ(FormatEventTime(w2006.start_utc), "2006-04-02T07:00:00.000000Z");
  EXPECT_EQ(FormatEventTime(w2006.end_utc), "2006-10-29T06:00:00.000000Z");

  EXPECT_FALSE(IsNewYorkDst(w2024.start_utc - 1));
  EXPECT_TRUE(IsNewYorkDst(w2024.start_utc));
  EXPECT_TRUE(IsNewYorkDst(w2024.end_utc - 1));
  EXPECT_FALSE(IsNewYorkDst(w2024.end_utc));
  EXPECT_EQ(NewYorkUtcOffsetSeconds(At("2024-07-01T12:00:00Z")), -4 * 3600);
  EXPECT_EQ(NewYorkUtcOffsetSeconds(At("2024-12-01T12:00:00Z")), -5 * 3600);
}

TEST(NewYorkTimeTest, LocalToUtcAndBack) {
  const int32_t day = CivilDays(2024, 7, 1);
  const int64_t utc = NewYorkLocalToUtc(day, 9 * 3600 + 30 * 60);
  EXPECT_EQ(FormatEventTime(utc), "2024-07-01T13:30:00.000000Z");
  int32_t d;
  int64_t s;
  UtcToNewYorkLocal(utc, &d, &s);
  EXPECT_EQ(d, day);
  EXPECT_EQ(s, 9 * 3600 + 30 * 60);
  // Late evening in New York is the next UTC day.
  UtcToNewYorkLocal(At("2024-01-03T03:00:00Z"), &d, &s);
  EXPECT_EQ(columnar::FormatDate(d), "2024-01-02");
  EXPECT_EQ(s, 22 * 3600);
}

TEST(NyseCalendarTest, SessionsFollowDst) {
  NyseSession s;
  // Friday before the 2024 spring change: EST; the Monday after: EDT.
  ASSERT_TRUE(NyseSessionOn(CivilDays(2024, 3, 8), &s));
  EXPECT_EQ(FormatEventTime(s.open_utc), "2024-03-08T14:30:00.000000Z");
  EXPECT_EQ(FormatEventTime(s.close_utc), "2024-03-08T21:00:00.000000Z");
  ASSERT_TRUE(NyseSessionOn(CivilDays(2024, 3, 11), &s));
  EXPECT_EQ(FormatEventTime(s.open_utc), "2024-03-11T13:30:00.000000Z");
  EXPECT_EQ(FormatEventTime(s.close_utc), "2024-03-11T20:00:00.000000Z");
  EXPECT_FALSE(NyseSessionOn(CivilDays(2024, 3, 9), &s));   // Saturday
  EXPECT_FALSE(NyseSessionOn(CivilDays(2024, 3, 29), &s));  // Good Friday
}

TEST(NyseCalendarTest, EarlyCloses) {
  NyseSession s;
  ASSERT_TRUE(NyseSessionOn(CivilDays(2024, 11, 29), &s));  // day after Thanksgiving
  EXPECT_TRUE(s.early_close);
  EXPECT_EQ(FormatEventTime(s.close_utc), "2024-11-29T18:00:00.000000Z");
  ASSERT_TRUE(NyseSessionOn(CivilDays(2024, 12, 24), &s));
  EXPECT_TRUE(s.early_close);
  ASSERT_TRUE(NyseSessionOn(CivilDays(2024, 7, 3), &s));
  EXPECT_TRUE(s.early_close);
  EXPECT_EQ(FormatEventTime(s.close_utc), "2024-07-03T17:00:00.000000Z");
  ASSERT_TRUE(NyseSessionOn(CivilDays(2024, 7, 5), &s));
  EXPECT_FALSE(s.early_close);
}

TEST(NyseCalendarTest, NextSession) {
  // Friday evening -> Monday (2024-01-12 Friday; Monday 2024-01-15 is MLK Day -> Tuesday).
  NyseSession s = NextNyseSession(At("2024-01-12T22:00:00Z"));
  EXPECT_EQ(columnar::FormatDate(s.day), "2024-01-16");
  // During a session: that session.
  s = NextNyseSession(At("2024-01-12T15:00:00Z"));
  EXPECT_EQ(columnar::FormatDate(s.day), "2024-01-12");
  EXPECT_TRUE(IsInNyseSession(At("2024-01-12T15:00:00Z")));
  EXPECT_FALSE(IsInNyseSession(At("2024-01-12T21:00:00Z")));  // close is exclusive
  EXPECT_TRUE(IsInNyseSession(At("2024-01-12T14:30:00Z")));
  EXPECT_FALSE(IsInNyseSession(At("2024-01-12T14:29:59Z")));
}

TEST(NyseCalendarTest, TradingDaysPerYearArePlausible) {
  for (int year = 2000; year <= 2030; ++year) {
    int days = 0;
    for (int32_t d = CivilDays(year, 1, 1); d < CivilDays(year + 1, 1, 1); ++d) {
      days += IsNyseTradingDay(d) ? 1 : 0;
    }
    EXPECT_GE(days, 250) << year;
    EXPECT_LE(days, 254) << year;
  }
}

}  // namespace
}  // namespace financelake::sources
