// MurmurHash3's 64-bit finaliser (fmix64): every input bit affects every output bit, so a hash
// table may index by the low bits even when the keys' low bits are all zero (whole-number
// doubles, widened floats, shifted integers).
#pragma once

#include <cstdint>

namespace financelake {

inline uint64_t MixBits64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace financelake
