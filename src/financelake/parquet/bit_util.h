// Bit-level helpers shared by the Parquet encodings: bit widths, little-endian loads and stores,
// ULEB128 / zigzag varints (Encodings.md "varint-encode"), and LSB-first bit packing as used by
// the RLE/bit-packing hybrid and DELTA_BINARY_PACKED.
//
// Everything here is header-only, allocation-free and thread-safe. Readers take an explicit end
// pointer and report truncation instead of reading past it.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

namespace financelake::parquet::bit_util {

// Number of bits needed to represent `max_value`: 0 for 0, 1 for 1, 2 for 2..3, ...
constexpr int BitWidth(uint64_t max_value) {
  return static_cast<int>(std::bit_width(max_value));
}

// Bytes needed to hold `bits` bits.
constexpr uint64_t BytesForBits(uint64_t bits) {
  return (bits >> 3) + ((bits & 7) != 0);
}

// All-ones mask of the low `bits` bits, for bits in [0, 64].
constexpr uint64_t LowMask(int bits) {
  return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
}

template <typename T>
inline T ToLittleEndian(T v) {
  static_assert(std::is_unsigned_v<T>);
  if constexpr (std::endian::native == std::endian::big && sizeof(T) == 8) {
    return __builtin_bswap64(v);
  } else if constexpr (std::endian::native == std::endian::big && sizeof(T) == 4) {
    return __builtin_bswap32(v);
  } else if constexpr (std::endian::native == std::endian::big && sizeof(T) == 2) {
    return __builtin_bswap16(v);
  } else {
    return v;
  }
}

inline uint32_t LoadLE32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return ToLittleEndian(v);
}
inline uint64_t LoadLE64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return ToLittleEndian(v);
}
inline void StoreLE32(uint32_t v, uint8_t* p) {
  v = ToLittleEndian(v);
  std::memcpy(p, &v, sizeof(v));
}
inline void StoreLE64(uint64_t v, uint8_t* p) {
  v = ToLittleEndian(v);
  std::memcpy(p, &v, sizeof(v));
}

// Reads the low `nbytes` (0..8) bytes of a little-endian integer.
inline uint64_t LoadLEBytes(const uint8_t* p, int nbytes) {
  uint64_t v = 0;
  for (int i = 0; i < nbytes; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

// ---- Varints ----------------------------------------------------------------------------------

constexpr int kMaxUleb128Bytes = 10;

// Writes `v` as ULEB128 into `out` (room for kMaxUleb128Bytes) and returns the bytes written.
inline int WriteUleb128(uint64_t v, uint8_t* out) {
  int n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<uint8_t>(v);
  return n;
}

inline void PutUleb128(uint64_t v, std::string* out) {
  uint8_t buf[kMaxUleb128Bytes];
  out->append(reinterpret_cast<const char*>(buf), WriteUleb128(v, buf));
}

// Reads a ULEB128 from [*p, end) and advances *p. Returns false, leaving *p unchanged, when the
// varint is truncated or does not fit in 64 bits.
inline bool ReadUleb128(const uint8_t** p, const uint8_t* end, uint64_t* v) {
  const uint8_t* q = *p;
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (q == end) return false;
    uint8_t byte = *q++;
    // The tenth byte may carry only the top bit of a 64-bit value.
    if (shift == 63 && byte > 1) return false;
    result |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) {
      *p = q;
      *v = result;
      return true;
    }
  }
  return false;
}

constexpr uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
constexpr int64_t ZigZagDecode(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

inline void PutZigZag(int64_t v, std::string* out) {
  PutUleb128(ZigZagEncode(v), out);
}

inline bool ReadZigZag(const uint8_t** p, const uint8_t* end, int64_t* v) {
  uint64_t u;
  if (!ReadUleb128(p, end, &u)) return false;
  *v = ZigZagDecode(u);
  return true;
}

// ---- LSB-first bit packing --------------------------------------------------------------------
//
// Values are packed from the least significant bit of each byte upwards, value bits in their
// natural order; 8 values of width w occupy exactly w bytes.

// Packs `n` values of `bit_width` (0..64) bits into `out`, writing exactly
// BytesForBits(n * bit_width) bytes. Bits of a value above bit_width are ignored.
template <typename T>
inline void PackBits(const T* in, size_t n, int bit_width, uint8_t* out) {
  static_assert(std::is_unsigned_v<T>);
  const uint64_t mask = LowMask(bit_width);
  uint64_t acc = 0;
  int filled = 0;  // bits used in acc, always < 64 between values
  for (size_t i = 0; i < n; ++i) {
    uint64_t v = static_cast<uint64_t>(in[i]) & mask;
    acc |= v << filled;
    filled += bit_width;
    if (filled >= 64) {
      StoreLE64(acc, out);
      out += 8;
      filled -= 64;
      acc = filled == 0 ? 0 : v >> (bit_width - filled);
    }
  }
  for (int i = 0; filled > 0; ++i, filled -= 8) *out++ = static_cast<uint8_t>(acc >> (8 * i));
}

namespace internal {

// Extracts the value at bit offset kOffset; the caller guarantees readable bytes up to
// kOffset / 8 + 9.
template <typename T, int kWidth, int kOffset>
inline T ExtractBits(const uint8_t* in) {
  if constexpr (kWidth == 0) {
    return 0;
  } else {
    constexpr int kByte = kOffset / 8;
    constexpr int kShift = kOffset % 8;
    uint64_t w = LoadLE64(in + kByte) >> kShift;
    if constexpr (kWidth + kShift > 64) w |= uint64_t{in[kByte + 8]} << (64 - kShift);
    return static_cast<T>(w & LowMask(kWidth));
  }
}

template <typename T, int kWidth, size_t... kI>
inline void Unpack8(const uint8_t* in, T* out, std::index_sequence<kI...>) {
  ((out[kI] = ExtractBits<T, kWidth, static_cast<int>(kI) * kWidth>(in)), ...);
}

// Bytes a fast group decode may touch beyond its own kWidth bytes.
constexpr size_t kUnpackSlack = 16;

// Unpacks `groups` groups of 8 values; needs groups * kWidth + kUnpackSlack readable bytes.
template <typename T, int kWidth>
void UnpackGroups(const uint8_t* in, T* out, size_t groups) {
  for (size_t g = 0; g < groups; ++g) {
    Unpack8<T, kWidth>(in, out, std::make_index_sequence<8>());
    in += kWidth;
    out += 8;
  }
}

template <typename T>
using UnpackGroupsFn = void (*)(const uint8_t*, T*, size_t);

template <typename T, size_t... kW>
constexpr std::array<UnpackGroupsFn<T>, sizeof...(kW)> MakeUnpackTable(std::index_sequence<kW...>) {
  return {&UnpackGroups<T, static_cast<int>(kW)>...};
}

template <typename T>
inline constexpr auto kUnpackTable =
    MakeUnpackTable<T>(std::make_index_sequence<sizeof(T) * 8 + 1>());

}  // namespace internal

// Unpacks `n` values of `bit_width` bits (0..8*sizeof(T)) from `in`, which has `in_size` readable
// bytes; the caller guarantees in_size >= BytesForBits(n * bit_width). Extra readable bytes past
// the packed data let more of the work take the fast path; they are never interpreted.
template <typename T>
void UnpackBits(const uint8_t* in, size_t in_size, int bit_width, size_t n, T* out) {
  static_assert(std::is_unsigned_v<T>);
  const auto fn = internal::kUnpackTable<T>[bit_width];
  const size_t width = static_cast<size_t>(bit_width);
  size_t groups = n / 8;
  size_t fast = groups;
  if (width > 0) {
    size_t safe =
        in_size >= internal::kUnpackSlack ? (in_size - internal::kUnpackSlack) / width : 0;
    if (safe < fast) fast = safe;
  }
  fn(in, out, fast);
  in += fast * width;
  in_size -= fast * width;
  out += fast * 8;
  n -= fast * 8;
  // The last few groups go through a zero-padded copy so no load crosses in + in_size.
  while (n > 0) {
    uint8_t buf[64 + internal::kUnpackSlack] = {};
    size_t take = in_size < width ? in_size : width;
    if (take > 0) std::memcpy(buf, in, take);
    T vals[8];
    fn(buf, vals, 1);
    size_t k = n < 8 ? n : 8;
    std::memcpy(out, vals, k * sizeof(T));
    in += take;
    in_size -= take;
    out += k;
    n -= k;
  }
}

}  // namespace financelake::parquet::bit_util
