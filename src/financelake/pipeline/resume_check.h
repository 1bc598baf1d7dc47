// Resume check for replayed files: a CSV stream resumes by its records' ordinal in replay order,
// which is only meaningful if the files still hold the same records. Before skipping what a
// table already has, the ingest looks up the Bronze row its stream recorded at the table's txn
// version (the row with that offset in the files of the commit that set the txn) and, during
// the replay, compares it with the record the files now give at that ordinal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "financelake/base/result.h"
#include "financelake/delta/table.h"

namespace financelake::pipeline {

struct RecordedRow {
  int64_t offset = 0;
  std::string event_id;  // "" when the row had none
  std::string position;  // the source position ("file:line")
};

// The Bronze row with offset `version` added by the latest commit that set `app_id`'s txn,
// nullopt when that commit added no such row (it recorded the position only, or the row went
// to another table) or was cleaned from the log. Looks at most `max_commits` commits back.
// When that commit's data files are gone (OPTIMIZE, then VACUUM), the row is looked up in the
// live files instead (in-process rows of that offset in the partitions the commit wrote); if
// none or several different rows are there, nullopt with `*warning` set (when given).
Result<std::optional<RecordedRow>> FindRecordedRow(delta::Table& bronze, const std::string& app_id,
                                                   int64_t version, int max_commits = 1000,
                                                   std::string* warning = nullptr);

// The Bronze row of Kafka record `position` ("topic/partition/offset", the source_position
// column) that the commit setting `app_id`'s txn to `version` added: its exact payload bytes and
// Kafka timestamp. nullopt when that commit set another version, was cleaned from the log, or
// its files are gone (compacted, then vacuumed: another group's copy of the record could not be
// told apart).
struct RecordedKafkaRow {
  std::string payload;
  std::optional<int64_t> kafka_timestamp_us;
};
Result<std::optional<RecordedKafkaRow>> FindRecordedKafkaRow(delta::Table& bronze,
                                                             const std::string& app_id,
                                                             const std::string& position,
                                                             int64_t version,
                                                             int max_commits = 1000);

}  // namespace financelake::pipeline
