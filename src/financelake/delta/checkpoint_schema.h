// The classic (V1 spec) Delta checkpoint: a Parquet file with one nullable struct column per
// action kind and one action per row (PROTOCOL.md "Checkpoints", "Checkpoint Schema").
//
// The schema we write is the one Spark 3.x / Delta 2.x+ writes for a protocol-(1,2) table,
// field for field (compare `financelake parquet schema` on the fixtures' checkpoints):
//   txn:        struct<appId:string, version:long, lastUpdated:long>
//   add:        struct<path:string, partitionValues:map<string,string>, size:long,
//                      modificationTime:long, dataChange:boolean, tags:map<string,string>,
//                      stats:string>
//   remove:     struct<path:string, deletionTimestamp:long, dataChange:boolean,
//                      extendedFileMetadata:boolean, partitionValues:map<string,string>,
//                      size:long, tags:map<string,string>>
//   metaData:   struct<id:string, name:string, description:string,
//                      format:struct<provider:string, options:map<string,string>>,
//                      schemaString:string, partitionColumns:array<string>,
//                      configuration:map<string,string>, createdTime:long>
//   protocol:   struct<minReaderVersion:integer, minWriterVersion:integer,
//                      readerFeatures:array<string>, writerFeatures:array<string>>
//   commitInfo: struct<version:long, timestamp:timestamp, operation:string,
//                      operationParameters:map<string,string>, readVersion:long,
//                      isBlindAppend:boolean>   (always null: checkpoints keep no commitInfo;
//                      present, as in older Spark checkpoints, for readers that expect it)
// Reading accepts any checkpoint Spark or delta-rs writes: columns and struct fields are found
// by name; extra ones (deletionVector, baseRowId, partitionValues_parsed, stats_parsed,
// domainMetadata, cdc, commitInfo, ...) are ignored, missing optional ones take defaults.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/delta/actions.h"
#include "financelake/delta/snapshot.h"

namespace financelake::delta {

// The schema CheckpointBatch() produces.
const columnar::Schema& CheckpointSchema();

// The top-level columns ActionsFromCheckpoint() reads (project a checkpoint file to these).
const std::vector<std::string>& CheckpointActionColumns();

// The actions of the rows of a checkpoint batch (protocol, metaData, txn, add, remove), in row
// order. DataLoss naming the row and field for a malformed action ("row 3: add: missing
// 'path'"); add rows with a deletionVector come back with has_deletion_vector set.
Result<std::vector<Action>> ActionsFromCheckpoint(const columnar::RecordBatch& batch);

// One row per action of `snapshot`: protocol, metaData, each txn, each live add (dataChange
// false, as Spark writes them in checkpoints), each tombstone whose deletionTimestamp is at or
// after `min_tombstone_timestamp_ms` (when given; expired tombstones are left out) — in that
// order. Used by the checkpoint writer.
columnar::RecordBatch CheckpointBatch(
    const Snapshot& snapshot, std::optional<int64_t> min_tombstone_timestamp_ms = std::nullopt);

}  // namespace financelake::delta
