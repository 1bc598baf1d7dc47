#include "financelake/pipeline/event_time_field.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

#include "financelake/sources/event_time.h"

namespace financelake::pipeline {

Result<int64_t> JsonEventTime(const JsonField& field) {
  if (!field.present) return Status::NotFound("no event_time");
  if (field.is_string) return sources::ParseEventTime(field.value);
  const std::string_view v = field.value;
  const bool number = !v.empty() && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9'));
  if (!number) return Status::InvalidArgument("expected a string or epoch milliseconds");
  double ms = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), ms);
  if (r.ec == std::errc::result_out_of_range) {
    ms = std::strtod(std::string(v).c_str(), nullptr);  // +-HUGE_VAL, or 0 for an underflow
    r.ec = std::errc();
  }
  if (r.ec != std::errc() || !std::isfinite(ms) ||
      ms < static_cast<double>(sources::kFirstEventTimeMillis) ||
      ms >= static_cast<double>(sources::kEndEventTimeMillis)) {
    return Status::InvalidArgument(fmt::format(
        "event time {}: epoch milliseconds outside the years 1..9999", v.substr(0, 64)));
  }
  return static_cast<int64_t>(std::llround(ms * 1000));
}

}  // namespace financelake::pipeline
