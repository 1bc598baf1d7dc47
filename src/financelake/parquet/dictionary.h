// Dictionary builders for dictionary encoding: value -> dense index, open addressing.
// One per column chunk; not thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/hash.h"

namespace financelake::parquet {

inline uint64_t HashBytes(const char* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xFF51AFD7ED558CCDULL);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
  h ^= h >> 32;
  return h;
}

// The first min(n, 8) bytes as a little-endian word, zero-padded. Built from overlapping loads
// rather than a variable-length memcpy, which stalls store-to-load forwarding.
inline uint64_t LoadPrefix(const char* p, size_t n) {
  if (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  }
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return uint64_t{lo} | (uint64_t{hi} << ((n - 4) * 8));
  }
  if (n == 0) return 0;
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint64_t{u[0]} | (uint64_t{u[n / 2]} << (n / 2 * 8)) | (uint64_t{u[n - 1]} << ((n - 1) * 8));
}

inline uint64_t HashWord(uint64_t x) {
  return MixBits64(x);
}

// Fixed-width values (int32, int64, float, double), keyed by bit pattern so NaN and -0.0 are
// distinct entries (their plain encoding differs). A slot holds the bits and the index, so a
// probe touches one cache line.
template <typename T>
class FixedDictionary {
 public:
  FixedDictionary() { slots_.assign(1024, Slot{}); }

  // Index of v, inserting it if new; *inserted tells which.
  uint32_t GetOrInsert(T v, bool* inserted) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    const size_t mask = slots_.size() - 1;
    size_t pos = HashWord(bits) & mask;
    while (true) {
      const Slot& s = slots_[pos];
      if (s.index < 0) break;
      if (s.bits == bits) {
        *inserted = false;
        return static_cast<uint32_t>(s.index);
      }
      pos = (pos + 1) & mask;
    }
    const auto idx = static_cast<int32_t>(values_.size());
    values_.push_back(v);
    slots_[pos] = Slot{bits, idx};
    *inserted = true;
    if (values_.size() * 2 > slots_.size()) Grow();
    return static_cast<uint32_t>(idx);
  }

  size_t size() const { return values_.size(); }
  size_t plain_bytes() const { return values_.size() * sizeof(T); }
  const std::vector<T>& values() const { return values_; }
  void Clear() {
    values_.clear();
    slots_.assign(1024, Slot{});
  }

 private:
  struct Slot {
    uint64_t bits = 0;
    int32_t index = -1;
  };
  void Grow() {
    std::vector<Slot> bigger(slots_.size() * 2);
    const size_t mask = bigger.size() - 1;
    for (const Slot& s : slots_) {
      if (s.index < 0) continue;
      size_t pos = HashWord(s.bits) & mask;
      while (bigger[pos].index >= 0) pos = (pos + 1) & mask;
      bigger[pos] = s;
    }
    slots_.swap(bigger);
  }

  std::vector<T> values_;
  std::vector<Slot> slots_;
};

// Byte strings; entries are kept in one arena. A slot caches the hash, the length and the
// first 8 bytes, so most probes (short tickers, codes) are decided without touching the arena.
class BinaryDictionary {
 public:
  BinaryDictionary() { slots_.assign(1024, Slot{}); }

  uint32_t GetOrInsert(std::string_view v, bool* inserted) {
    const uint64_t prefix = LoadPrefix(v.data(), v.size());
    const uint64_t h = v.size() <= 8 ? HashWord(prefix ^ (v.size() << 59)) : HashBytes(v.data(), v.size());
    const size_t mask = slots_.size() - 1;
    size_t pos = h & mask;
    const auto len = static_cast<uint32_t>(v.size());
    while (true) {
      const Slot& s = slots_[pos];
      if (s.index < 0) break;
      if (s.hash == h && s.len == len && s.prefix == prefix &&
          (len <= 8 || std::memcmp(arena_.data() + offsets_[static_cast<size_t>(s.index)] + 8,
                                   v.data() + 8, len - 8) == 0)) {
        *inserted = false;
        return static_cast<uint32_t>(s.index);
      }
      pos = (pos + 1) & mask;
    }
    const auto idx = static_cast<int32_t>(offsets_.size() - 1);
    arena_.append(v.data(), v.size());
    offsets_.push_back(arena_.size());
    slots_[pos] = Slot{h, prefix, idx, len};
    *inserted = true;
    if (static_cast<size_t>(idx + 1) * 2 > slots_.size()) Grow();
    return static_cast<uint32_t>(idx);
  }

  size_t size() const { return offsets_.size() - 1; }
  // PLAIN size of the dictionary page: 4-byte length + bytes per entry.
  size_t plain_bytes() const { return arena_.size() + 4 * size(); }
  std::string_view Get(size_t i) const {
    return std::string_view(arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  void Clear() {
    arena_.clear();
    offsets_.assign(1, 0);
    slots_.assign(1024, Slot{});
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint64_t prefix = 0;
    int32_t index = -1;
    uint32_t len = 0;
  };
  void Grow() {
    std::vector<Slot> bigger(slots_.size() * 2);
    const size_t mask = bigger.size() - 1;
    for (const Slot& s : slots_) {
      if (s.index < 0) continue;
      size_t pos = s.hash & mask;
      while (bigger[pos].index >= 0) pos = (pos + 1) & mask;
      bigger[pos] = s;
    }
    slots_.swap(bigger);
  }

  std::string arena_;
  std::vector<size_t> offsets_{0};
  std::vector<Slot> slots_;
};

}  // namespace financelake::parquet
