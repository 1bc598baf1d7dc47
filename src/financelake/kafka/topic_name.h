// Kafka's rule for topic names, checked before a name reaches librdkafka: there a leading '^'
// makes a regex subscription and other bytes are refused only later, or never (an ingest of
// '^crypto.*' took partitions and read nothing; '../../x' made a Bronze table outside bronze/).
#pragma once

#include <string_view>

#include "financelake/base/status.h"

namespace financelake::kafka {

// OK for 1-249 characters of [a-zA-Z0-9._-] other than "." and ".."; InvalidArgument
// "'<name>' is not a legal Kafka topic name (...)" otherwise.
Status CheckTopicName(std::string_view topic);

}  // namespace financelake::kafka
