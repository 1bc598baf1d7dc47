// Event: one message a source produces for a Kafka topic, and the deterministic event id.
//
// The payload is one JSON object following the topic's contract (docs/events.md). Events are
// plain values; a source reuses their strings' storage from batch to batch (see Source).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "financelake/base/result.h"
#include "financelake/base/strong_id.h"

namespace financelake::sources {

// One topic per asset class.
enum class Topic : uint8_t { kStockTrades = 0, kCryptoPrices = 1, kBankTransactions = 2 };
inline constexpr int kNumTopics = 3;

// "stock-trades", "crypto-prices", "bank-transactions".
std::string_view TopicName(Topic topic);
Result<Topic> ParseTopic(std::string_view name);

struct Event {
  Topic topic = Topic::kStockTrades;
  // The Kafka message key, so that one instrument or account stays in one partition: the
  // ticker, the crypto symbol, or the account_id (the transaction_id when the source knows no
  // account, as for labelled card CSVs).
  std::string key;
  // One JSON object, no trailing newline.
  std::string payload;
  // 32 lowercase hex digits, also the payload's "event_id".
  std::string event_id;
  TimestampMicros event_time;
  // 1-based and strictly increasing within one source run (the simulator's sequence number; a
  // CSV replay's ordinal in replay order, counting malformed records too). Suitable as the
  // version of a Delta `txn` action for exactly-once ingestion by source position.
  uint64_t offset = 0;
  // Human-readable source position, and the token to resume after this event: the sequence
  // number for the simulator ("42"), "<file>:<line>" for CSV replay.
  std::string position;
};

// A CSV row a source could not turn into an event. Reported, never silently dropped.
struct MalformedRecord {
  std::string file;
  int64_t line = 0;      // 1-based line where the record starts
  std::string reason;    // "column 'Date': '11:34' is a time of day without a date"
  std::string raw;       // the record's text, for the errors table's raw_payload
  uint64_t offset = 0;   // as Event::offset
  std::string position;  // as Event::position ("<file>:<line>")
};

// The event id recipe (docs/events.md, "Event ids"): MurmurHash3_x64_128 with seed 0 of
//   topic 0x1F source 0x1F key 0x1F discriminator 0x1F event_time_micros (decimal)
// printed as 32 lowercase hex digits (h1 then h2). `key` is the entity key (ticker, symbol,
// account_id, or empty); `discriminator` tells events of one source and key at the same instant
// apart ("seed=<n>" for the simulator, "bar:1d" for daily bars, the transaction_id for card
// CSVs). Writes the 32 digits to out[0..32).
void ComputeEventId(Topic topic, std::string_view source, std::string_view key,
                    std::string_view discriminator, int64_t event_time_micros, char* out);
std::string ComputeEventId(Topic topic, std::string_view source, std::string_view key,
                           std::string_view discriminator, int64_t event_time_micros);

}  // namespace financelake::sources
