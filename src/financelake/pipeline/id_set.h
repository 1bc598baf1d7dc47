// IdSet: which event ids have been seen, for Silver's deduplication. Ids are not copied: each
// entry references a row of a string column the caller keeps alive, from an open-addressing
// table of 8-byte slots (a 32-bit hash tag and a 32-bit reference = the row's number across
// the registered columns, in registration order). Five million ids take 64 MiB and no per-id
// allocation (a std::unordered_set<std::string> of them took ~100 bytes and two allocations
// each). The table doubles when two thirds full.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "financelake/base/check.h"
#include "financelake/columnar/column.h"

namespace financelake::pipeline {

class IdSet {
 public:
  // Sized for `expected` ids (more are fine: the table grows).
  explicit IdSet(int64_t expected) {
    size_t cap = 16;
    while (cap < static_cast<size_t>(expected) + static_cast<size_t>(expected) / 2 + 1) cap <<= 1;
    slots_.assign(cap, kEmpty);
  }

  // Registers a complete string column whose rows will be inserted; returns its number for
  // Insert. It must stay alive and unchanged (re-pointed with Rebind after a move).
  int AddColumn(const columnar::Column& column) {
    const int64_t start = starts_.empty() ? 0 : starts_.back() + columns_.back()->length();
    FL_CHECK(start + column.length() <= int64_t{0xffffffff} && "IdSet: too many ids");
    columns_.push_back(&column);
    starts_.push_back(start);
    return static_cast<int>(columns_.size()) - 1;
  }
  // The column registered as `which` now lives at `column` (same rows).
  void Rebind(int which, const columnar::Column& column) { columns_[which] = &column; }

  // Adds row `row` of column `which` under `salt` (Silver: the event date); false when an
  // equal id with the same salt is already in.
  bool Insert(int which, int64_t row, int32_t salt = 0) {
    if (static_cast<size_t>(size_ + 1) * 3 > slots_.size() * 2) Grow();
    const std::string_view id = columns_[which]->StringAt(row);
    const uint64_t h = Hash(id, salt);
    const uint32_t tag = Tag(h);
    const size_t mask = slots_.size() - 1;
    size_t i = static_cast<size_t>(h) & mask;
    while (slots_[i] != kEmpty) {
      const uint64_t s = slots_[i];
      const uint32_t ref = static_cast<uint32_t>(s);
      if (static_cast<uint32_t>(s >> 32) == tag && salts_[ref] == salt && IdAt(ref) == id) {
        return false;
      }
      i = (i + 1) & mask;
    }
    const uint32_t ref = static_cast<uint32_t>(starts_[which] + row);
    if (salts_.size() <= ref) salts_.resize(std::max<size_t>(ref + 1, salts_.size() * 2));
    salts_[ref] = salt;
    slots_[i] = (uint64_t{tag} << 32) | ref;
    ++size_;
    return true;
  }

  int64_t size() const { return size_; }
  // Rows of the registered columns (inserted or not): references are 32-bit.
  int64_t rows_registered() const {
    return starts_.empty() ? 0 : starts_.back() + columns_.back()->length();
  }

 private:
  static constexpr uint64_t kEmpty = 0;
  static uint32_t Tag(uint64_t h) { return static_cast<uint32_t>(h >> 32) | 1u; }  // never 0
  static uint64_t Hash(std::string_view id, int32_t salt) {
    return std::hash<std::string_view>{}(id) ^
           (static_cast<uint64_t>(static_cast<uint32_t>(salt)) * 0x9E3779B97F4A7C15ull);
  }

  std::string_view IdAt(uint32_t ref) const {
    const size_t k = static_cast<size_t>(
        std::upper_bound(starts_.begin(), starts_.end(), static_cast<int64_t>(ref)) -
        starts_.begin() - 1);
    return columns_[k]->StringAt(static_cast<int64_t>(ref) - starts_[k]);
  }

  void Grow() {
    std::vector<uint64_t> old(slots_.size() * 2, kEmpty);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (uint64_t s : old) {
      if (s == kEmpty) continue;
      const uint32_t ref = static_cast<uint32_t>(s);
      size_t i = static_cast<size_t>(Hash(IdAt(ref), salts_[ref])) & mask;
      while (slots_[i] != kEmpty) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<uint64_t> slots_;
  int64_t size_ = 0;
  std::vector<const columnar::Column*> columns_;
  std::vector<int64_t> starts_;  // the first reference of each column
  std::vector<int32_t> salts_;   // by reference (rows never inserted hold anything)
};

}  // namespace financelake::pipeline
