// A payload's `event_time` field as Bronze and Silver both read it (docs/events.md): a string
// (ISO-8601 or epoch milliseconds, sources::ParseEventTime) or a JSON number of epoch
// milliseconds in any JSON number form (1704205800000, 1.7042058e12). Years 1..9999. One rule,
// so a row Silver accepts never has a null event_time in Bronze.
#pragma once

#include <cstdint>

#include "financelake/base/result.h"
#include "financelake/pipeline/json_fields.h"

namespace financelake::pipeline {

// InvalidArgument says why (for Silver's reason); NotFound when the field is absent or null.
Result<int64_t> JsonEventTime(const JsonField& field);

}  // namespace financelake::pipeline
