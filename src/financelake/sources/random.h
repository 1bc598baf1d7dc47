// Deterministic random numbers for the simulator: xoshiro256++ (Blackman & Vigna, public
// domain) seeded through SplitMix64, with the few distributions the models need. The standard
// library's distributions are avoided on purpose: their algorithms are implementation-defined,
// so the same seed would give different events with another standard library. Results are
// reproducible for the same binary (they go through libm's log/exp/sqrt).
// Thread-compatible: one generator per stream.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "financelake/sources/murmur3.h"

namespace financelake::sources {

inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A seed for one named stream of a run ("AAPL", "account/17"), so that each instrument's path
// depends only on the run seed and its own name, not on which other instruments are simulated.
inline uint64_t StreamSeed(uint64_t seed, std::string_view name) {
  const Hash128 h = MurmurHash3X64_128(name, static_cast<uint32_t>(seed ^ (seed >> 32)));
  return h.h1 ^ (seed * 0x9e3779b97f4a7c15ULL);
}

class Rng {
 public:
  explicit Rng(uint64_t seed = 1) { Seed(seed); }

  void Seed(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t& w : s_) w = SplitMix64(&sm);
    has_spare_ = false;
  }

  uint64_t NextU64() {
    const uint64_t result = Rotl(s_[0] + s_[3], 23) + s_[0];
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1]: safe to take the log of.
  double UniformPositive() { return 1.0 - Uniform(); }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; the bias is < n / 2^64).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(NextU64()) * n) >> 64);
  }
  bool Bernoulli(double p) { return Uniform() < p; }
  // Exponential with mean 1.
  double Exponential() { return -std::log(UniformPositive()); }

  // Standard normal (Marsaglia's polar method; the second value is kept for the next call).
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * Uniform() - 1.0;
      v = 2.0 * Uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }

  // exp(N(mu, sigma^2)).
  double LogNormal(double mu, double sigma) { return std::exp(mu + sigma * Normal()); }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace financelake::sources
