// Event-time text: the one format our producers write, and the forms consumers accept.
//
// Written: "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC, always 6 fraction digits; TimestampFormatter in
// json_writer.h). Accepted on input (ParseEventTime): ISO-8601 date-times with 'T' or ' ',
// optional seconds and 1-9 fraction digits (truncated to microseconds), and a 'Z', "+HH:MM",
// "+HHMM" or "+HH" offset (no offset means UTC); and epoch milliseconds as an integer or decimal
// number ("1704205800000", "1704205800000.5"). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "financelake/base/result.h"

namespace financelake::sources {

inline constexpr int64_t kMicrosPerSecond = 1000000;
inline constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;
// Event times are of the years 1..9999: [kFirstEventTimeMillis, kEndEventTimeMillis).
inline constexpr int64_t kFirstEventTimeMillis = -62135596800000;  // 0001-01-01T00:00:00Z
inline constexpr int64_t kEndEventTimeMillis = 253402300800000;    // 10000-01-01T00:00:00Z

// Microseconds since the Unix epoch. InvalidArgument names the text and what was expected.
// Years 1..9999 only.
Result<int64_t> ParseEventTime(std::string_view text);

// Microseconds of epoch milliseconds written as a number: an optional '-', digits and an optional
// fraction, plus an exponent when `allow_exponent` (JSON numbers). Whole milliseconds are exact.
// nullopt when `text` is no such number; InvalidArgument when it is but names no time of the
// years 1..9999. ParseEventTime's epoch form, and JSON numbers in event_time fields.
std::optional<Result<int64_t>> ParseEpochMillis(std::string_view text, bool allow_exponent);

// ParseEventTime plus a bare date "YYYY-MM-DD" (midnight UTC) and "now" (`now_micros`), for
// command-line options such as --start.
Result<int64_t> ParseTimeOption(std::string_view text, int64_t now_micros);

// "YYYY-MM-DDTHH:MM:SS.ffffffZ".
std::string FormatEventTime(int64_t micros);

// Days since 1970-01-01 of the UTC date containing `micros` (floor division).
inline int64_t DayOfMicros(int64_t micros) {
  return micros >= 0 ? micros / kMicrosPerDay : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
}

}  // namespace financelake::sources
