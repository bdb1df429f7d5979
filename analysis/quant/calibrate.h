#pragma once
// Clip-range estimation for one group: percentile, sigma, MSE-optimal, KL (entropy).
// Inputs are one group's finite values (callers filter NaN/Inf). The answer is the range
// [lo, hi] the quantizer will use; values beyond it saturate.
// `threads` (0 = hardware concurrency) splits groups of 2^18 values or more over
// threads (radix and KL histograms per worker, MSE candidates per thread, sums per
// fixed item of 2^16 merged in item order); the answer is the same at any count.
#include <cstddef>
#include <span>

#include "analysis/quant/scheme.h"

namespace qs {

struct ClipRange {
  float lo = 0, hi = 0;
};

// NumPy's default percentile (linear interpolation between order statistics),
// p in [0, 100]. Exact: a fine histogram finds the bin that holds the rank, then a
// selection inside that bin only (no full sort, no whole-array copy).
double percentile(std::span<const float> x, double p);  // on every core
double percentile(std::span<const float> x, double p, int threads);
double percentile_ref(std::span<const float> x, double p);  // sorts a copy: the oracle

// Range for the scheme's clip method (ClipMethod::None: [min, max]).
// absmax kinds get a symmetric range [-T, T]; minmax kinds a [lo, hi].
ClipRange calibrate(std::span<const float> x, const Scheme& s, int threads = 0);

// Clip methods whose range comes from the data (calibrate() needs the values): percentile,
// σ, MSE-optimal and KL; none and range do not.
inline bool clip_needs_data(ClipMethod m) {
  return m == ClipMethod::Percentile || m == ClipMethod::Sigma || m == ClipMethod::Mse || m == ClipMethod::Kl;
}

// Individual methods (exposed for tests and the sweeps view).
float mse_optimal_threshold(std::span<const float> x, const Scheme& s, int threads = 0);
float kl_threshold(std::span<const float> x, int bits, int threads = 0);

// The whole MSE-optimal range (mse_optimal_threshold returns max(|lo|, |hi|) of it).
ClipRange mse_optimal_range(std::span<const float> x, const Scheme& s, int threads = 0);

// Search constants (documented in calibrate.cpp).
inline constexpr int kMseGridSteps = 128;             // coarse candidates i/128, i = 1..128
inline constexpr int kMseRefineSteps = 32;            // fine candidates around the best
inline constexpr std::size_t kMseMaxSamples = std::size_t(1) << 18;  // strided subsample
inline constexpr std::size_t kKlBins = 2048;          // histogram of |x| over [0, amax]

// KL(P || Q) of TensorRT's entropy calibration for one candidate: `hist` holds the
// |x| histogram (any length >= i), the first i bins are kept (the rest folded into bin
// i-1 of P) and Q merges hist[0:i] into `levels` buckets (levels <= i). Exposed so the
// tests can check the merge on hand-made histograms.
double kl_divergence(std::span<const double> hist, std::size_t i, std::size_t levels);

}  // namespace qs
