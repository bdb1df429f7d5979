#pragma once
// The passes of quantize() before the fused one, and what they share with it: threads
// (a dynamically scheduled parallel_for whose callers reduce in item order), the range
// pass per group, and the params per group (range or calibration). Internal to
// quantize.cpp and quantize_passes.cpp.
#include <algorithm>
#include <atomic>
#include <functional>
#include <span>
#include <thread>
#include <vector>

#include "analysis/quant/quantize.h"

namespace qs::detail {

constexpr int64_t kChunk = 1 << 14;  // elements per work item (64 KB of input)

inline int resolve_threads(int t) {
  if (t > 0) return t;
  const unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : int(std::min(hc, 64u));
}

// Runs job(t) for t in [0, threads) at once: t = 0 on the caller, the others on a
// process-wide pool of workers started on first use and reused by later calls (waking a
// sleeping worker costs far less than starting a thread, twice per quantize call). When
// the pool is busy (another caller, or a nested call) it starts threads for this call.
void run_on_threads(int threads, const std::function<void(int)>& job);

// Calls fn(item, thread) for item in [0, n_items), dynamically scheduled. Which thread
// runs an item never changes a result: callers reduce per item, in item order.
template <class F>
void parallel_for(int64_t n_items, int threads, F&& fn) {
  threads = int(std::min<int64_t>(threads, n_items));
  if (threads <= 1) {
    for (int64_t i = 0; i < n_items; ++i) fn(i, 0);
    return;
  }
  std::atomic<int64_t> next{0};
  run_on_threads(threads, [&](int t) {
    for (int64_t i = next.fetch_add(1); i < n_items; i = next.fetch_add(1)) fn(i, t);
  });
}

// Channel groups with a short inner run (e.g. axis = -1) are handled per "period":
// one row of dim·inner elements whose position decides the group.
inline bool use_periodic(const GroupLayout& L) {
  return L.granularity == Granularity::Channel && L.inner < 16;
}

inline int64_t group_size(const GroupLayout& L, int64_t g) {
  switch (L.granularity) {
    case Granularity::Tensor: return L.numel;
    case Granularity::Channel: return L.numel / L.dim;
    case Granularity::Block: {
      const int64_t b = g % L.blocks_per_row;
      return std::min(L.block, L.cols - b * L.block);
    }
  }
  return 0;
}

inline bool is_int_simd(const Scheme& s) {
  return (s.kind == Kind::Absmax || s.kind == Kind::Minmax) &&
         s.rounding == Rounding::NearestEven;
}

struct GroupRanges {
  std::vector<float> mn, mx;
  std::vector<int64_t> nonfinite;
  int64_t total_nonfinite = 0;
};

// Each group's finite min/max and non-finite count, over threads.
GroupRanges range_pass(std::span<const float> x, const GroupLayout& L, int threads);

// Params per group from the ranges, or by calibration on each group's finite values.
std::vector<GroupParams> choose_all_params(std::span<const float> x, const GroupLayout& L,
                                           const Scheme& s, const GroupRanges& r, int threads);

}  // namespace qs::detail
