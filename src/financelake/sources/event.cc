#include "financelake/sources/event.h"

#include <cstring>

#include "financelake/sources/json_writer.h"
#include "financelake/sources/murmur3.h"

namespace financelake::sources {

std::string_view TopicName(Topic topic) {
  switch (topic) {
    case Topic::kStockTrades: return "stock-trades";
    case Topic::kCryptoPrices: return "crypto-prices";
    case Topic::kBankTransactions: return "bank-transactions";
  }
  return "unknown";
}

Result<Topic> ParseTopic(std::string_view name) {
  for (int i = 0; i < kNumTopics; ++i) {
    if (TopicName(static_cast<Topic>(i)) == name) return static_cast<Topic>(i);
  }
  return Status::InvalidArgument("unknown topic '" + std::string(name) +
                                 "' (expected stock-trades, crypto-prices or bank-transactions)");
}

void ComputeEventId(Topic topic, std::string_view source, std::string_view key,
                    std::string_view discriminator, int64_t event_time_micros, char* out) {
  const std::string_view topic_name = TopicName(topic);
  const size_t needed = topic_name.size() + source.size() + key.size() + discriminator.size() + 24;
  // Ids are computed per event at 1M+/s: build the input on the stack when it fits.
  char stack[256];
  std::string heap;
  char* buf = stack;
  if (needed > sizeof(stack)) {
    heap.resize(needed);
    buf = heap.data();
  }
  size_t n = 0;
  auto put = [&](std::string_view s) {
    if (!s.empty()) std::memcpy(buf + n, s.data(), s.size());  // an empty view may hold null
    n += s.size();
    buf[n++] = '\x1f';
  };
  put(topic_name);
  put(source);
  put(key);
  put(discriminator);
  n += static_cast<size_t>(FormatInt64(event_time_micros, buf + n));
  FormatHash128Hex(MurmurHash3X64_128(std::string_view(buf, n), 0), out);
}

std::string ComputeEventId(Topic topic, std::string_view source, std::string_view key,
                           std::string_view discriminator, int64_t event_time_micros) {
  std::string out(32, '0');
  ComputeEventId(topic, source, key, discriminator, event_time_micros, out.data());
  return out;
}

}  // namespace financelake::sources
