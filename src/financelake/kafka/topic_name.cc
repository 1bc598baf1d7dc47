#include "financelake/kafka/topic_name.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace financelake::kafka {

Status CheckTopicName(std::string_view topic) {
  const bool legal =
      !topic.empty() && topic.size() <= 249 && topic != "." && topic != ".." &&
      std::all_of(topic.begin(), topic.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
      });
  if (legal) return Status::OK();
  return Status::InvalidArgument("'" + std::string(topic.substr(0, 300)) +
                                 "' is not a legal Kafka topic name (1-249 characters of a-z, "
                                 "A-Z, 0-9, '.', '_', '-')");
}

}  // namespace financelake::kafka
