// StringIndex: dense numbers 0, 1, 2, ... for distinct strings, in the order they were first
// added, with lookups in an open-addressing table of 8-byte slots (a 32-bit hash tag and the
// number). The bank history looks up an account per Silver row: with 50,000 accounts the table
// is 1 MiB and stays in cache, where a std::unordered_map<std::string, ...> chased a node per
// lookup (~170 ns a row on a whole-table read, 5x this). Strings are copied in. The table
// doubles when half full.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/check.h"

namespace financelake::pipeline {

class StringIndex {
 public:
  static constexpr uint32_t kNone = ~uint32_t{0};

  // The number of `s`, or kNone.
  uint32_t Find(std::string_view s) const {
    if (names_.empty()) return kNone;
    const uint64_t h = Hash(s);
    for (size_t i = Home(h);; i = (i + 1) & Mask()) {
      const uint64_t slot = slots_[i];
      if (slot == kEmpty) return kNone;
      if (Tag(slot) == Tag(h) && names_[Number(slot)] == s) return Number(slot);
    }
  }

  // The number of `s`, which is added (numbered size()) when absent; *added says which.
  uint32_t FindOrAdd(std::string_view s, bool* added) {
    if ((names_.size() + 1) * 2 > slots_.size()) Grow();
    const uint64_t h = Hash(s);
    size_t i = Home(h);
    for (; slots_[i] != kEmpty; i = (i + 1) & Mask()) {
      if (Tag(slots_[i]) == Tag(h) && names_[Number(slots_[i])] == s) {
        *added = false;
        return Number(slots_[i]);
      }
    }
    FL_CHECK(names_.size() < kNone - 1 && "StringIndex: too many strings");
    const auto n = static_cast<uint32_t>(names_.size());
    names_.emplace_back(s);
    slots_[i] = (h & kTagMask) | n;
    *added = true;
    return n;
  }

  const std::string& name(uint32_t n) const { return names_[n]; }
  size_t size() const { return names_.size(); }
  void Clear() {
    names_.clear();
    slots_.clear();
  }

 private:
  // A slot: the hash's upper 32 bits (the tag) over the number; an empty slot is all ones (no
  // string has number 2^32 - 1, so no occupied slot equals it).
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  static constexpr uint64_t kTagMask = ~uint64_t{0} << 32;
  static uint64_t Hash(std::string_view s) { return std::hash<std::string_view>{}(s); }
  static uint64_t Tag(uint64_t h) { return h & kTagMask; }
  static uint32_t Number(uint64_t slot) { return static_cast<uint32_t>(slot); }
  size_t Mask() const { return slots_.size() - 1; }
  size_t Home(uint64_t h) const { return static_cast<size_t>(h) & Mask(); }

  void Grow() {
    std::vector<uint64_t> old(slots_.empty() ? 16 : slots_.size() * 2, kEmpty);
    old.swap(slots_);
    for (uint64_t slot : old) {
      if (slot == kEmpty) continue;
      size_t i = Home(Hash(names_[Number(slot)]));
      while (slots_[i] != kEmpty) i = (i + 1) & Mask();
      slots_[i] = slot;
    }
  }

  std::vector<uint64_t> slots_;     // size a power of two, or empty
  std::vector<std::string> names_;  // by number
};

}  // namespace financelake::pipeline
