// Resume check for replayed files: a CSV stream resumes by its records' ordinal in replay order,
// which is only meaningful if the files still hold the same records. Before skipping what a
// table already has, the ingest looks up the Bronze row its stream recorded at the table's txn
// version (the row with that offset in the files of the commit that set the txn) and, during
// the replay, compares it with the record the files now give at that ordinal.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

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

// The Bronze rows of Kafka records, each added by the commit that set the group's txn for its
// partition to the record's offset: their exact payload bytes and Kafka timestamps, by
// position. A record is left out when that commit set another version or is older than
// `max_commits` commits or was cleaned from the log, or its files are gone (compacted, then
// vacuumed: another group's copy of the record could not be told apart).
struct RecordedKafkaRow {
  std::string payload;
  std::optional<int64_t> kafka_timestamp_us;
};
struct WantedKafkaRow {
  std::string app_id;    // the group's txn app id for the record's partition
  std::string position;  // "topic/partition/offset", the source_position column
  int64_t version = -1;  // the record's offset
};
Result<std::map<std::string, RecordedKafkaRow>> FindRecordedKafkaRows(
    delta::Table& bronze, const std::vector<WantedKafkaRow>& wanted, int max_commits = 1000);

}  // namespace financelake::pipeline
