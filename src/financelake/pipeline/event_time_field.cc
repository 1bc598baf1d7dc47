#include "financelake/pipeline/event_time_field.h"

#include <optional>

#include "financelake/sources/event_time.h"

namespace financelake::pipeline {

Result<int64_t> JsonEventTime(const JsonField& field) {
  if (!field.present) return Status::NotFound("no event_time");
  if (field.is_string) return sources::ParseEventTime(field.value);
  std::optional<Result<int64_t>> ms = sources::ParseEpochMillis(field.value, true);
  if (!ms) return Status::InvalidArgument("expected a string or epoch milliseconds");
  return *std::move(ms);
}

}  // namespace financelake::pipeline
