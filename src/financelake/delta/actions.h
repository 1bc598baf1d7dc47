// Delta Lake log actions (delta-io/delta PROTOCOL.md, "Actions"), as plain structs, and their
// JSON form: one action per line of a commit file `_delta_log/%020d.json`.
//
// Reader version 1 / writer version 2 is what we implement; newer protocol fields that a
// protocol-(1,2) table never carries (deletionVector, baseRowId, ...) are recognised only to
// refuse the table.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/base/result.h"

namespace financelake::delta {

struct Protocol {
  int32_t min_reader_version = 1;
  int32_t min_writer_version = 2;
  std::vector<std::string> reader_features;  // only with reader version 3
  std::vector<std::string> writer_features;  // only with writer version 7
  bool operator==(const Protocol&) const = default;
};

struct Format {
  std::string provider = "parquet";
  std::map<std::string, std::string> options;
  bool operator==(const Format&) const = default;
};

struct Metadata {
  std::string id;  // a UUID
  std::optional<std::string> name;
  std::optional<std::string> description;
  Format format;
  std::string schema_string;  // Delta schema JSON (see schema_json.h)
  std::vector<std::string> partition_columns;
  std::map<std::string, std::string> configuration;
  std::optional<int64_t> created_time;  // ms since epoch
  bool operator==(const Metadata&) const = default;
};

// Partition values as strings; nullopt is a null partition value.
using PartitionValues = std::map<std::string, std::optional<std::string>>;

struct AddFile {
  std::string path;  // relative to the table root, URL-encoded as in the log
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;  // ms
  bool data_change = true;
  std::optional<std::string> stats;  // JSON text (see stats.h)
  std::map<std::string, std::string> tags;
  bool has_deletion_vector = false;  // set by the parser; such tables are refused
  bool operator==(const AddFile&) const = default;
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;  // ms
  bool data_change = true;
  bool extended_file_metadata = false;
  PartitionValues partition_values;
  std::optional<int64_t> size;
  bool operator==(const RemoveFile&) const = default;
};

struct Txn {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;  // ms
  bool operator==(const Txn&) const = default;
};

// Free-form; we write timestamp, operation, operationParameters, operationMetrics,
// isBlindAppend, readVersion, engineInfo.
struct CommitInfo {
  Json value;
  std::optional<int64_t> timestamp() const;
  // The writer's commit time where the table has in-commit timestamps (PROTOCOL.md "In-Commit
  // Timestamps"): then the version's timestamp, not the file's modification time.
  std::optional<int64_t> in_commit_timestamp() const;
  std::string operation() const;
  bool operator==(const CommitInfo&) const = default;
};

// Actions we read but do not use (cdc, domainMetadata, checkpointMetadata, sidecar, ...).
struct OtherAction {
  std::string name;
  bool operator==(const OtherAction&) const = default;
};

using Action = std::variant<Protocol, Metadata, AddFile, RemoveFile, Txn, CommitInfo, OtherAction>;

// One line of a commit file. InvalidArgument/DataLoss naming the action on malformed input.
Result<Action> ParseAction(const Json& line);
Json ActionToJson(const Action& action);

// A whole commit file: one action per non-empty line. `where` names the file in errors.
Result<std::vector<Action>> ParseCommit(std::string_view text, std::string_view where);
std::string SerializeCommit(const std::vector<Action>& actions);

}  // namespace financelake::delta
