// Snapshot: the state of a Delta table at one version, rebuilt from the log per PROTOCOL.md
// "Action Reconciliation" (last protocol/metaData win; live files keyed by path; tombstones
// kept for vacuum; the latest txn version per appId). Immutable; share as
// shared_ptr<const Snapshot> across threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "financelake/base/strong_id.h"
#include "financelake/columnar/schema.h"
#include "financelake/delta/actions.h"

namespace financelake::delta {

class Snapshot {
 public:
  DeltaVersion version() const { return version_; }
  // Commit timestamp of this version (ms), as Spark computes it without in-commit timestamps:
  // the commit file's modification time, made strictly increasing over versions (log.h).
  int64_t timestamp_ms() const { return timestamp_ms_; }
  const Protocol& protocol() const { return protocol_; }
  const Metadata& metadata() const { return metadata_; }
  // The table schema (partition columns included, in schema order).
  const columnar::Schema& schema() const { return schema_; }
  const std::vector<std::string>& partition_columns() const { return metadata_.partition_columns; }
  // Live files, sorted by path.
  const std::vector<AddFile>& files() const { return files_; }
  // Remove actions still in the log, sorted by path.
  const std::vector<RemoveFile>& tombstones() const { return tombstones_; }
  const std::map<std::string, Txn>& txns() const { return txns_; }
  // Last committed version for an application id (exactly-once writers), or nullopt.
  std::optional<int64_t> TxnVersion(const std::string& app_id) const;
  // Table property with a default (`delta.checkpointInterval`, ...).
  std::string Property(const std::string& key, const std::string& fallback) const;

  int64_t total_bytes() const;
  // Sum of numRecords over files whose stats carry it; nullopt if any file lacks it.
  std::optional<int64_t> num_records() const;

  // Built by the log reader (log.h) and the transaction.
  struct Parts {
    DeltaVersion version;
    int64_t timestamp_ms = 0;
    Protocol protocol;
    Metadata metadata;
    columnar::Schema schema;
    std::vector<AddFile> files;
    std::vector<RemoveFile> tombstones;
    std::map<std::string, Txn> txns;
  };
  explicit Snapshot(Parts parts);

 private:
  DeltaVersion version_;
  int64_t timestamp_ms_;
  Protocol protocol_;
  Metadata metadata_;
  columnar::Schema schema_;
  std::vector<AddFile> files_;
  std::vector<RemoveFile> tombstones_;
  std::map<std::string, Txn> txns_;
};

using SnapshotPtr = std::shared_ptr<const Snapshot>;

}  // namespace financelake::delta
