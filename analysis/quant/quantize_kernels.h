#pragma once
// SIMD kernels (Highway, runtime dispatch to the best target: AVX-512, AVX2, SSE4, NEON)
// for the hot loops of quantize(). They work at float32's full lane count; error sums are
// float32 partial sums of at most 16 terms per lane, carried into float64 (DESIGN.md
// allows tiles of up to 1024; the bound is in kernel_sums-inl.h). Each has a plain scalar
// twin in quantize_ref.cpp or quant_math.h; tests compare them bit for bit (codes, x̂) and
// within 2e-6 relative (sums: twice the bound).
#include <cstdint>

#include "analysis/quant/metrics.h"
#include "analysis/quant/quant_math.h"

namespace qs::kernels {

// min/max over the finite values of x[0..n) merged into *mn/*mx; returns the number of
// non-finite values. (min/max start at +inf/-inf.)
int64_t range_finite(const float* x, int64_t n, float* mn, float* mx);

// Element-wise min/max over finite values into per-position arrays (periodic layouts:
// one row of a per-channel-last-axis tensor). Returns non-finite count.
int64_t range_finite_positions(const float* x, int64_t n, float* mn, float* mx);

// Per-block ranges: block j covers x[j·block, min((j+1)·block, n)); mn[j]/mx[j] are the
// finite min/max (+inf/-inf when none) and nf[j] its non-finite count.
void block_ranges(const float* x, int64_t n, int64_t block, float* mn, float* mx, int64_t* nf);

struct FastBins;  // below

// Codes used, marked by the kernels as they go: seen[code + offset] = 1 for every finite
// element, except that a vector whose slots all lie in one of the two fully-seen intervals
// [lo_k, lo_k + width_k] (kept by the caller; lo_k = kEmpty for none) skips the stores:
// nearly every vector once the dense middle of the distribution has been seen. `last` is
// the last slot stored (-1 for none), for the caller to grow its intervals.
struct CodeMarks {
  static constexpr int32_t kEmpty = 0x40000000;  // slot - kEmpty < 0: outside as unsigned
  uint8_t* seen = nullptr;
  int32_t offset = 0;
  int32_t lo[2] = {kEmpty, kEmpty};
  uint32_t width[2] = {0, 0};
  int32_t last = -1;
};

// Integer (absmax / minmax) quantization with round-half-to-even, q = rne(x·inv) (+ z),
// for one run of elements. Params: the scalars (block = 0), one GroupParams per block of
// `block` consecutive elements (block > 0, `params` set; the last block may be short),
// or per element (the *_arr pointers set). Writes q (before any signed shift) and, unless
// xhat is null, x̂ for every element (non-finite x: q = 0, x̂ = x) and accumulates the
// error sums over the finite elements.
struct IntKernelArgs {
  const float* x = nullptr;
  int64_t n = 0;
  float scale = 1, inv = 1, zero_point = 0, clip_lo = 0, clip_hi = 0;  // inv = 1.0f/scale
  int64_t block = 0;
  const GroupParams* params = nullptr;  // per block
  const float* scale_arr = nullptr;     // per element (all five set, or none)
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
  CodeMarks* marks = nullptr;  // codes used (codes before the signed shift), or none
  // The x histogram's bins (bin_indices_fast's rule, bins->usable, at most 65534 bins)
  // into bin_out[0..n) as bin + 1 (0: outside or non-finite), or none.
  const FastBins* bins = nullptr;
  uint16_t* bin_out = nullptr;
};
void int_quantize(const IntKernelArgs& a, ErrorSums* acc);

// Float-format casts (Kind::Float: fp16, bf16, fp8 e4m3/e5m2, fp4 e2m1, optionally scaled)
// for one run of elements sharing params (quantize_cast_kernel.cpp). Round to nearest even
// by exact power-of-two arithmetic: ulp = 2^(max(e, emin) - M), x̂ = rne(|y|/ulp)·ulp,
// code from x̂'s bits (bf16: the float32 bit pattern rounded to its top half). Any vector
// with a lane the arithmetic does not cover (a non-finite input, an overflow past the
// largest finite value) goes through quantize_element instead, so codes and x̂ equal the
// scalar path's.
struct FloatKernelArgs {
  const float* x = nullptr;
  int64_t n = 0;
  const Scheme* scheme = nullptr;       // kind Float
  const GroupParams* params = nullptr;  // the run's params (scale, clip range)
  int32_t* q = nullptr;
  float* xhat = nullptr;
  CodeMarks* marks = nullptr;
};
void float_quantize(const FloatKernelArgs& a, ErrorSums* acc);

// NF4 (quantize_nf4_kernel.cpp): u = x_c·inv (x_c: x clamped into the clip range when
// the params clip), code = #{k : u > t_k} over the code book's 15 ascending midpoints
// (what nf4_encode's binary tree computes), x̂ = codebook[code]·s: 15 lane-wise compares
// instead of a tree per element, the same bits as quantize_element. Params: one
// GroupParams for the whole run (block = 0) or one per block of `block` elements (the
// last may be short). Non-finite x: code 0, x̂ = x (xhat may be null: no x̂ stores).
struct Nf4KernelArgs {
  const float* x = nullptr;
  int64_t n = 0;
  int64_t block = 0;
  const GroupParams* params = nullptr;
  int32_t* q = nullptr;
  float* xhat = nullptr;
  CodeMarks* marks = nullptr;
};
void nf4_quantize(const Nf4KernelArgs& a, ErrorSums* acc);

// The error sums of a run whose x̂ is already known (the presets' metrics): over the
// finite x only, n_clipped counting clipped[i] != 0 (clipped may be null).
void error_sums(const float* x, const float* xhat, const uint8_t* clipped, int64_t n, ErrorSums* acc);

// Histogram bin index (NumPy rule, see histogram_bin) of each v[i], or of
// a[i] - b[i] when b != nullptr (computed in double); -1 when outside or non-finite.
void bin_indices(const float* v, const float* b, int64_t n, const HistogramSpec& spec,
                 int32_t* out);

// The same bins for float32 values without the float64 arithmetic: a float32 first guess
// (x - lo)·(bins/(hi-lo)) is taken when its fractional part is farther than `eps` from a
// bin edge (eps bounds the float32 error, so the floor is NumPy's bin); otherwise that
// vector takes histogram_bin. make_fast_bins says whether the spec allows it (eps < 0.05).
struct FastBins {
  HistogramSpec spec;
  float in_lo = 0, in_hi = 0;  // smallest / largest float32 inside [lo, hi] (in double)
  float lo = 0, norm = 0, eps = 0;
  bool usable = false;
};
FastBins make_fast_bins(const HistogramSpec& spec);
void bin_indices_fast(const float* v, int64_t n, const FastBins& fb, int32_t* out);

// Codes used: seen[q[i] + offset] = 1 for i < n, skipping vectors whose slots all lie in
// the fully-seen intervals [iv[0], iv[1]] and [iv[2], iv[3]] (kept by the caller; empty
// when lo > hi). Returns the last slot it marked, or -1.
int32_t mark_codes(const int32_t* q, int64_t n, int32_t offset, uint8_t* seen, const int32_t iv[4]);

}  // namespace qs::kernels
