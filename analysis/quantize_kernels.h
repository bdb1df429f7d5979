#pragma once
// SIMD kernels (Highway, runtime dispatch to the best target: AVX-512, AVX2, SSE4, NEON)
// for the hot loops of quantize(). Each has a plain scalar twin in quantize_ref.cpp or
// quant_math.cpp; tests compare them bit for bit (codes, x̂) and to 1e-12 (sums).
#include <cstdint>

#include "analysis/metrics.h"
#include "analysis/quant_math.h"

namespace qs::kernels {

// min/max over the finite values of x[0..n) merged into *mn/*mx; returns the number of
// non-finite values. (min/max start at +inf/-inf.)
int64_t range_finite(const float* x, int64_t n, float* mn, float* mx);

// Element-wise min/max over finite values into per-position arrays (periodic layouts:
// one row of a per-channel-last-axis tensor). Returns non-finite count.
int64_t range_finite_positions(const float* x, int64_t n, float* mn, float* mx);

// Integer (absmax / minmax) quantization with round-half-to-even, for one run of
// elements that share params (scalars) or, with the *_arr pointers set, per-element
// params. Writes q (before any signed shift) and x̂ for every element (non-finite x:
// q = 0, x̂ = x) and accumulates the error sums over the finite elements.
struct IntKernelArgs {
  const float* x = nullptr;
  int64_t n = 0;
  float scale = 1, inv = 1, zero_point = 0, clip_lo = 0, clip_hi = 0;  // inv = 1.0f/scale
  const float* scale_arr = nullptr;  // per-element params (all five set, or none)
  const float* inv_arr = nullptr;
  const float* zp_arr = nullptr;
  const float* lo_arr = nullptr;
  const float* hi_arr = nullptr;
  bool clipping = false;
  bool float_zp = false;  // minmax with a float minimum: q = rne((x - zp)·inv), x̂ = q·s + zp
  bool has_zp = false;    // minmax with an integer zero point: q = rne(x·inv) + zp
  float qmin = 0, qmax = 0;
  int32_t* q = nullptr;
  float* xhat = nullptr;
};
void int_quantize(const IntKernelArgs& a, ErrorSums* acc);

// Float-format casts (Kind::Float: fp16, bf16, fp8 e4m3/e5m2, fp4 e2m1, optionally scaled)
// for one run of elements sharing params. Round to nearest even by exact power-of-two
// arithmetic: ulp = 2^(max(e, emin) - M), x̂ = rne(|y|/ulp)·ulp, code from x̂'s bits
// (bf16: the float32 bit pattern rounded to its top half). Any vector with a lane the
// arithmetic does not cover (a non-finite input, an overflow past the largest finite
// value) goes through quantize_element instead, so codes and x̂ equal the scalar path's.
struct FloatKernelArgs {
  const float* x = nullptr;
  int64_t n = 0;
  const Scheme* scheme = nullptr;       // kind Float
  const GroupParams* params = nullptr;  // the run's params (scale, clip range)
  int32_t* q = nullptr;
  float* xhat = nullptr;
};
void float_quantize(const FloatKernelArgs& a, ErrorSums* acc);

// Histogram bin index (NumPy rule, see histogram_bin) of each v[i], or of
// a[i] - b[i] when b != nullptr (computed in double); -1 when outside or non-finite.
void bin_indices(const float* v, const float* b, int64_t n, const HistogramSpec& spec,
                 int32_t* out);

}  // namespace qs::kernels
