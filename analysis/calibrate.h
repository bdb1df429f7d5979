#pragma once
// Clip-range estimation for one group: percentile, sigma, MSE-optimal, KL (entropy).
// Inputs are one group's finite values (callers filter NaN/Inf). The answer is the range
// [lo, hi] the quantizer will use; values beyond it saturate.
#include <span>

#include "analysis/scheme.h"

namespace qs {

struct ClipRange {
  float lo = 0, hi = 0;
};

// NumPy's default percentile (linear interpolation between order statistics),
// p in [0, 100]. Exact: a fine histogram finds the bin that holds the rank, then a
// selection inside that bin only (no full sort, no whole-array copy).
double percentile(std::span<const float> x, double p);
double percentile_ref(std::span<const float> x, double p);  // sorts a copy: the oracle

// Range for the scheme's clip method (ClipMethod::None: [min, max]).
// absmax kinds get a symmetric range [-T, T]; minmax kinds a [lo, hi].
ClipRange calibrate(std::span<const float> x, const Scheme& s);

// Individual methods (exposed for tests and the sweeps view).
float mse_optimal_threshold(std::span<const float> x, const Scheme& s);
float kl_threshold(std::span<const float> x, int bits);

}  // namespace qs
