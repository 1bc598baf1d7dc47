// StrongId<Tag, Rep>: a distinct integer type per meaning, so a Kafka offset cannot be passed
// where a Delta version is expected. Explicit construction, ordered, hashable, printable.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>

namespace financelake {

template <typename Tag, typename Rep = int64_t>
class StrongId {
 public:
  using rep_type = Rep;
  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep v) : value_(v) {}
  constexpr Rep value() const { return value_; }
  constexpr auto operator<=>(const StrongId&) const = default;
  constexpr StrongId next() const { return StrongId(value_ + 1); }
  friend std::ostream& operator<<(std::ostream& os, const StrongId& id) { return os << id.value_; }

 private:
  Rep value_{};
};

struct DeltaVersionTag {};
struct KafkaOffsetTag {};
struct KafkaPartitionTag {};
struct TimestampMicrosTag {};

using DeltaVersion = StrongId<DeltaVersionTag, int64_t>;
using KafkaOffset = StrongId<KafkaOffsetTag, int64_t>;
using KafkaPartition = StrongId<KafkaPartitionTag, int32_t>;
// Microseconds since the Unix epoch, UTC.
using TimestampMicros = StrongId<TimestampMicrosTag, int64_t>;

}  // namespace financelake

template <typename Tag, typename Rep>
struct std::hash<financelake::StrongId<Tag, Rep>> {
  size_t operator()(const financelake::StrongId<Tag, Rep>& id) const noexcept {
    return std::hash<Rep>()(id.value());
  }
};
