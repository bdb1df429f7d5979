#pragma once
// What calibrate.cpp and calibrate_kl.cpp share (not part of the API).
#include <cstddef>
#include <cstdint>
#include <span>

#include "analysis/base/parallel.h"
#include "analysis/quant/scheme.h"

namespace qs::calib_detail {

inline constexpr std::size_t kBlock = 4096;  // elements per SIMD kernel call
// Elements per work item of the threaded passes: fixed, so the items (and anything
// merged from them) never depend on the thread count. Groups below kParallelMin run on
// the caller's thread (they are usually one of many groups already spread over threads).
inline constexpr std::size_t kItem = std::size_t(1) << 16;
inline constexpr std::size_t kParallelMin = std::size_t(1) << 18;

inline int threads_for(std::size_t n, int threads) { return n < kParallelMin ? 1 : resolve_threads(threads); }
inline int64_t items_of(std::size_t n) { return chunk_count(int64_t(n), int64_t(kItem)); }

// KL (entropy) threshold for |x| ≤ amax (calibrate_kl.cpp), and the bits it targets.
float kl_threshold_with_amax(std::span<const float> x, int bits, float amax, int threads);
int kl_bits_for(const Scheme& s);

}  // namespace qs::calib_detail
