// MurmurHash3_x64_128 (Austin Appleby's public-domain hash, SMHasher's reference algorithm),
// used for the deterministic event ids of docs/events.md. Chosen because every ecosystem has a
// compatible implementation (Python `mmh3.hash128`, Java Guava `murmur3_128`, Spark), so a
// consumer can recompute an id. Not a cryptographic hash. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace financelake::sources {

struct Hash128 {
  uint64_t h1 = 0;
  uint64_t h2 = 0;
  bool operator==(const Hash128&) const = default;
};

// The 128-bit hash of `data`; h1 and h2 are the two 64-bit output words in the reference
// implementation's order (its 16 output bytes are h1 then h2, each little-endian).
Hash128 MurmurHash3X64_128(std::string_view data, uint32_t seed = 0);

// Writes 32 lowercase hex digits to out[0..32): h1 then h2, each most significant digit first.
void FormatHash128Hex(Hash128 hash, char* out);
std::string Hash128Hex(Hash128 hash);

}  // namespace financelake::sources
