#pragma once
// HQQ, half-quadratic quantization, rule for rule (mobiusml/hqq at
// e0b1d00e095653359da9de1d7dbb35a994aa6b96): hqq/core/quantize.py Quantizer.quantize with
// BaseQuantizeConfig's 4-bit defaults (nbits 4, group_size 64, axis 1, round_zero True,
// optimize True), and hqq/core/optimize.py optimize_weights_proximal (=
// optimize_weights_proximal_legacy) with its defaults: lp_norm 0.7, beta 10, iters 20
// (kappa 1.01 is in the defaults but this commit's legacy loop no longer multiplies beta
// by it), early stop when the whole tensor's mean |W − W_r| stops falling.
//
// Arithmetic: float32 throughout, as HQQ runs on a float32 CPU tensor (the legacy solver
// picks float16 only on CUDA) with compute_dtype float32, so the stored scale and zero
// and the dequantization (W_q − z)·s are float32 too. HQQ keeps the *inverse* scale while
// it optimizes (W_q = round(W·inv + z)) and stores s = 1/inv: GroupParams::inv holds inv,
// ::scale holds s and ::zero_point holds z.
//
// The two means (the zero-point update over a group, the error over the tensor) are
// taken with float64 sums rounded once to float32, where torch sums float32 in its own
// (SIMD-width dependent) order; x^(−0.3) is std::pow in float, where torch's vectorized
// pow is Sleef's (≤ 1 ulp). Either can move z by an ulp; codes follow unless an element
// sits on a rounding boundary.
#include <cstdint>
#include <span>
#include <vector>

#include "analysis/quant/quant_math.h"
#include "analysis/base/run_control.h"

namespace qs {

inline constexpr int64_t kHqqGroup = 64;
inline constexpr int kHqqIters = 20;

// The starting point: inv = 15/(max − min) (as torch's 15 / t, = (1/t)·15), 1 when
// |max − min| ≤ 1e-4, at most 2e4; z = round(−min·inv) (round_zero). scale = 1/inv.
GroupParams hqq_init_params(float lo, float hi);

// One optimize_weights_proximal_legacy_step on one group of n elements (non-finite ones
// left out): W_q = clamp(round(W·inv + z), 0, 15), W_r = (W_q − z)/inv, W_e =
// shrink_lp(W − W_r, β = 10, p = 0.7), z ← mean(W_q − (W − W_e)·inv). Returns
// Σ|W − W_r| over the group's finite elements (with z before the update) and their count.
struct HqqStepSums {
  double abs_err = 0;
  int64_t n = 0;
};
HqqStepSums hqq_step(const float* w, int64_t n, float inv, float& zero);
// Its readable twin, element by element (hqq_step runs most groups through a vectorized
// loop; the tests check the two agree bit for bit).
HqqStepSums hqq_step_ref(const float* w, int64_t n, float inv, float& zero);

// HQQ on a whole tensor cut into flat groups of `group` elements (the last may be short
// here; HQQ itself asserts numel % group == 0): groups[k] gets the optimized (s, inv, z).
// `iterations` counts the steps run (the update of the step that stopped the loop is
// kept, as upstream), `errors` the tensor's mean |W − W_r| each step saw (float32).
// Threads split fixed runs of groups and the error sums are merged in order, so nothing
// depends on the thread count. Stops early (groups incomplete) when control is cancelled.
struct HqqRun {
  int iterations = 0;
  std::vector<float> errors;
};
HqqRun hqq_optimize(std::span<const float> x, int64_t group, int threads, RunControl* control,
                    std::vector<GroupParams>& groups);

// The stored quantization: q = clamp(round(x·inv + z), 0, 15), x̂ = (q − z)·s.
void hqq_quantize(const GroupParams& gp, const float* x, int64_t n, float* xhat, int32_t* code,
                  uint8_t* clipped);
inline float hqq_value(const GroupParams& gp, int32_t q) { return (float(q) - gp.zero_point) * gp.scale; }

}  // namespace qs
