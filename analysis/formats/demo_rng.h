#pragma once
// The demo models' random numbers: the same values on every machine and standard library
// (own generators, no <random> distributions). Seeded by a tensor's name.
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string_view>

namespace qs::demo {

inline uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

inline uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : s) h = (h ^ uint8_t(c)) * 0x100000001b3ull;
  return h;
}

// xoshiro256** (Blackman & Vigna), state filled by splitmix64 as its authors recommend.
class Rng {
 public:
  explicit Rng(std::string_view name) {
    uint64_t seed = fnv1a(name);
    for (uint64_t& w : s_) w = splitmix64(seed);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in (0, 1): 53 random bits, offset by half a step so log() never sees 0.
  double uniform() { return (double(next() >> 11) + 0.5) * 0x1.0p-53; }
  // Box-Muller; uses both outputs of each pair.
  double normal() {
    if (have_spare_) {
      have_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double a = 2.0 * std::numbers::pi * uniform();
    spare_ = r * std::sin(a);
    have_spare_ = true;
    return r * std::cos(a);
  }
  // Inverse CDF of Laplace(0, b).
  double laplace(double b) {
    const double u = uniform() - 0.5;
    return u < 0 ? b * std::log(1.0 + 2.0 * u) : -b * std::log(1.0 - 2.0 * u);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  double spare_ = 0;
  bool have_spare_ = false;
};

}  // namespace qs::demo
