#pragma once
// What the calibration tests share: a scheme with a clip method, and N(0, 1) samples.
#include <cstdint>
#include <random>
#include <vector>

#include "analysis/quant/scheme.h"

namespace qs::test {

inline Scheme with_clip(Kind kind, int bits, ClipMethod m) {
  Scheme s;
  s.kind = kind;
  s.bits = bits;
  s.clip.method = m;
  return s;
}

inline std::vector<float> normals(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = d(rng);
  return x;
}

}  // namespace qs::test
