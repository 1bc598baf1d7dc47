// IdSet: which event ids have been seen, for Silver's deduplication. Ids are not copied: each
// entry is (column, row) into string columns the caller keeps alive, in an open-addressing table
// of 8-byte slots (a 32-bit hash tag and a 32-bit reference), sized once for the ids to come.
// Five million ids take 64 MiB and no per-id allocation (a std::unordered_set<std::string> of
// them took ~100 bytes and two allocations each).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "financelake/columnar/column.h"

namespace financelake::pipeline {

class IdSet {
 public:
  // Room for `expected` ids across at most two columns (0 and 1); each holds < 2^31 rows.
  explicit IdSet(int64_t expected) {
    size_t cap = 16;
    while (cap < static_cast<size_t>(expected) + static_cast<size_t>(expected) / 2 + 1) cap <<= 1;
    slots_.assign(cap, kEmpty);
    mask_ = cap - 1;
  }

  // Adds row `row` of `column` (source `which`, 0 or 1); false when an equal id is already in.
  bool Insert(const columnar::Column& column, int which, int64_t row) {
    const std::string_view id = column.StringAt(row);
    const uint64_t h = std::hash<std::string_view>{}(id);
    const uint32_t tag = static_cast<uint32_t>(h >> 32) | 1u;  // never 0 (0 marks empty slots)
    size_t i = static_cast<size_t>(h) & mask_;
    while (slots_[i] != kEmpty) {
      const uint64_t s = slots_[i];
      if (static_cast<uint32_t>(s >> 32) == tag) {
        const uint32_t ref = static_cast<uint32_t>(s);
        const columnar::Column* other = columns_[ref >> 31];
        if (other->StringAt(ref & 0x7fffffffu) == id) return false;
      }
      i = (i + 1) & mask_;
    }
    columns_[which] = &column;
    slots_[i] = (uint64_t{tag} << 32) | (static_cast<uint32_t>(which) << 31) | static_cast<uint32_t>(row);
    return true;
  }

 private:
  static constexpr uint64_t kEmpty = 0;
  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
  const columnar::Column* columns_[2] = {nullptr, nullptr};
};

}  // namespace financelake::pipeline
