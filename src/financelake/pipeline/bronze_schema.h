// The Bronze layer's table layout: one table per topic under <lake>/bronze/<topic with '_'>,
// every message kept raw with best-effort key fields (docs/events.md, "Bronze").
//
// Columns (all nullable except payload, topic, offset, ingest_time, ingest_date):
//   event_id        string     payload "event_id" (null when absent or the payload is not JSON)
//   event_key       string     payload ticker / symbol / account_id, per topic
//   event_time      timestamp  payload "event_time" parsed (ISO-8601 or epoch ms), else null
//   source          string     payload "source"
//   payload         string     the message as received, byte for byte when it is UTF-8 text;
//                              otherwise with each invalid byte replaced by U+FFFD
//   kafka_key       string     the Kafka record key (or the source's key in-process), likewise
//   topic           string
//   partition       integer    Kafka partition; null for in-process sources
//   offset          long       Kafka offset; the source's record ordinal in-process
//   kafka_timestamp timestamp  the Kafka record timestamp (producer create time); null in-process
//   source_position string     "topic/partition/offset", or the source's position ("file:line")
//   ingest_time     timestamp  when the row was buffered by ingest
//   ingest_date     date       UTC date of ingest_time; the partition column
//   payload_bytes   binary     the message's exact bytes when they are not UTF-8; else null
//   kafka_key_bytes binary     the key's exact bytes when they are not UTF-8; else null
// Parquet strings must be UTF-8 (readers such as DuckDB refuse a file holding one that is not),
// so bytes that are not go to the binary columns and nothing is lost. The two binary columns
// came after the first release: a Bronze table without them gets them on open (a metadata
// commit; older files read them as null).
// Partitioned by ingest_date so retention and reprocessing can work day by day; Silver reads
// Bronze incrementally by table version, not by partition.
#pragma once

#include <string>
#include <string_view>

#include "financelake/columnar/schema.h"
#include "financelake/pipeline/exactly_once_table.h"

namespace financelake::pipeline {

const columnar::Schema& BronzeSchema();
// The schema, the partition column and a description, for ExactlyOnceTable::OpenOrCreate.
ExactlyOnceTable::Layout BronzeLayout();
inline constexpr std::string_view kBronzePartitionColumn = "ingest_date";

// Column positions in BronzeSchema().
enum BronzeColumn : int {
  kEventId = 0,
  kEventKey,
  kEventTime,
  kSource,
  kPayload,
  kKafkaKey,
  kTopic,
  kPartition,
  kOffset,
  kKafkaTimestamp,
  kSourcePosition,
  kIngestTime,
  kIngestDate,
  kPayloadBytes,
  kKafkaKeyBytes,
  kBronzeColumnCount,
};

// "stock-trades" -> "stock_trades": the table's folder name under <lake>/bronze/.
std::string BronzeTableName(std::string_view topic);
// <lake>/bronze/<BronzeTableName(topic)>
std::string BronzeTablePath(std::string_view lake, std::string_view topic);

// The payload field holding the entity key for a topic: "ticker", "symbol", "account_id"; for
// other topics the first of those present.
std::string_view EntityKeyField(std::string_view topic);

}  // namespace financelake::pipeline
