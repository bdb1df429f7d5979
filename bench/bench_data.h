#pragma once
// What the benchmark programs share: the input, float32 N(0, 0.02) (a typical weight
// distribution), seed 42, built once per size on first use; the bytes counter; and the
// memcpy floor.
#include <cstddef>
#include <cstring>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

namespace qs::bench {

inline std::vector<float> make_weights(size_t n) {
  std::mt19937_64 rng(42);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> x(n);
  for (float& v : x) v = d(rng);
  return x;
}

// N = 2^20 or 2^24 (any other n gets 2^24).
inline const std::vector<float>& weights(size_t n) {
  static const std::vector<float> small = make_weights(size_t(1) << 20);
  static const std::vector<float> large = make_weights(size_t(1) << 24);
  return n == small.size() ? small : large;
}

// bytes_per_second counts the N·4 input bytes per call.
inline void set_bytes(benchmark::State& state, size_t n) {
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(n * sizeof(float)));
}

// A copy of the same bytes as the kernels read: the floor a one-pass kernel can reach.
inline void memcpy_floor(benchmark::State& state) {
  const std::vector<float>& x = weights(size_t(state.range(0)));
  std::vector<float> y(x.size());
  for (auto _ : state) {
    std::memcpy(y.data(), x.data(), x.size() * sizeof(float));
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_bytes(state, x.size());
}

}  // namespace qs::bench
