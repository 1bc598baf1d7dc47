#include "financelake/pipeline/bronze_schema.h"

#include <algorithm>

#include "financelake/io/path.h"

namespace financelake::pipeline {

using columnar::DataType;
using columnar::Field;

const columnar::Schema& BronzeSchema() {
  static const columnar::Schema kSchema({
      Field{"event_id", DataType::String(), true},
      Field{"event_key", DataType::String(), true},
      Field{"event_time", DataType::Timestamp(), true},
      Field{"source", DataType::String(), true},
      Field{"payload", DataType::String(), false},
      Field{"kafka_key", DataType::String(), true},
      Field{"topic", DataType::String(), false},
      Field{"partition", DataType::Integer(), true},
      Field{"offset", DataType::Long(), false},
      Field{"kafka_timestamp", DataType::Timestamp(), true},
      Field{"source_position", DataType::String(), true},
      Field{"ingest_time", DataType::Timestamp(), false},
      Field{"ingest_date", DataType::Date(), false},
      Field{"payload_bytes", DataType::Binary(), true},
      Field{"kafka_key_bytes", DataType::Binary(), true},
  });
  return kSchema;
}

ExactlyOnceTable::Layout BronzeLayout() {
  return {BronzeSchema(),
          {std::string(kBronzePartitionColumn)},
          "FinanceLake Bronze: raw events, exactly once per source position"};
}

std::string BronzeTableName(std::string_view topic) {
  std::string name(topic);
  std::replace(name.begin(), name.end(), '-', '_');
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

std::string BronzeTablePath(std::string_view lake, std::string_view topic) {
  return io::JoinPath(io::JoinPath(std::string(lake), "bronze"), BronzeTableName(topic));
}

std::string_view EntityKeyField(std::string_view topic) {
  if (topic.find("crypto") != std::string_view::npos) return "symbol";
  if (topic.find("bank") != std::string_view::npos ||
      topic.find("transaction") != std::string_view::npos) {
    return "account_id";
  }
  return "ticker";
}

}  // namespace financelake::pipeline
