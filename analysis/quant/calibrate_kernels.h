#pragma once
// calibrate.cpp's SIMD kernels (analysis/calibrate_kernels.cpp), best target at run time.
#include <cstddef>
#include <cstdint>

namespace qs::calib_kernels {

// out[i] = order-preserving key of x[i] (or of |x[i]|) >> 16: the radix bin of pass 1.
using TopBinsFn = void (*)(const float*, size_t, bool, uint32_t*);
// Keys of the elements whose radix bin is b0 or b1, compacted into out (capacity
// n + 64); returns how many.
using CollectBinsFn = size_t (*)(const float*, size_t, bool, uint32_t, uint32_t, uint32_t*);
TopBinsFn top_bins();
CollectBinsFn collect_bins();
// KL bins: out[i] = min(trunc(double(|x[i]|)·scale), bins − 1).
void abs_bins(const float* x, size_t n, double scale, uint32_t bins, uint32_t* out);
// min and max of n >= 1 finite values.
void min_max(const float* x, size_t n, float* lo, float* hi);

}  // namespace qs::calib_kernels
