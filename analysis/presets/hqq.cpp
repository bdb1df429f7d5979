// HQQ's 4-bit quantizer (mobiusml/hqq e0b1d00), on a float32 CPU tensor; the Python each
// line follows is quoted beside it (hqq/core/quantize.py, hqq/core/optimize.py).
#include "analysis/presets/hqq.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/base/parallel.h"
#include "analysis/presets/torch_round.h"

namespace qs {

namespace {

constexpr float kMaxV = 15.0f;  // max_v = round(2**nbits - 1); min_max = [0, 15]
// shrink_lp_op(x, beta, lp_norm) with beta = 1e1 and lp_norm = 0.7: the Python floats
// 1.0 / beta and lp_norm - 1 (= −0.30000000000000004) meet float32 tensors, so torch
// uses them as float32 (0.1f, −0.3f).
constexpr float kInvBeta = float(1.0 / 1e1);
constexpr float kPowExp = float(0.7 - 1.0);

}  // namespace

GroupParams hqq_init_params(float lo, float hi) {
  // Quantizer.quantize (channel_wise, axis 1: one min/max per row of W.reshape([-1, 64]))
  //   denom = (_max - _min)
  //   scale = (max_v / denom)            — int / Tensor is Tensor.__rdiv__:
  //                                        denom.reciprocal() * 15
  //   scale = torch.where(denom.abs() <= 1e-4, torch.full_like(scale, 1.0), scale)
  //   scale = scale.clamp(max=2e4)
  //   zero = -_min * scale
  //   if round_zero: zero = torch.round(zero)
  const float denom = hi - lo;
  float inv = (1.0f / denom) * kMaxV;
  if (std::fabs(denom) <= 1e-4f) inv = 1.0f;
  inv = std::min(inv, 2e4f);
  GroupParams gp;
  gp.inv = inv;
  gp.zero_point = torch_rne(-lo * inv);
  gp.scale = 1.0f / inv;  // meta["scale"] = 1.0 / scale (reciprocal · 1.0)
  return gp;
}

namespace {

// The step's per-element terms in full (non-finite elements skipped): Σ (W_q − (W − W_e)·inv)
// into sum_m, Σ |W − W_r| and the count into s.
void step_elements(const float* w, int64_t n, float inv, float zero, double& sum_m, HqqStepSums& s) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = w[i];
    if (!std::isfinite(v)) continue;
    const float q = std::clamp(torch_rne(v * inv + zero), 0.0f, kMaxV);
    const float r = (q - zero) / inv;
    const float d = v - r;
    // shrink_lp_op: out = |x|; out.sub_((1.0 / beta) * out.pow(lp_norm - 1)).clamp_min_(0.0);
    // out.mul_(torch.sign(x))   (|x| = 0: 0^−0.3 = inf, 0 − inf clamps to 0)
    // Below |x| = 0.16 (the threshold is 0.1^(1/1.3) = 0.1701), 0.1·|x|^−0.3 > 0.173 > |x|:
    // the result is 0 without the pow (the same float: typical weights never reach it,
    // the shrink works in the weights' own units).
    const float a = std::fabs(d);
    const float o = a < 0.16f ? 0.0f : std::max(a - kInvBeta * std::pow(a, kPowExp), 0.0f);
    const float e = d > 0 ? o : d < 0 ? -o : 0.0f;
    sum_m += double(q - (v - e) * inv);
    s.abs_err += double(a);
    ++s.n;
  }
}

}  // namespace

HqqStepSums hqq_step_ref(const float* w, int64_t n, float inv, float& zero) {
  HqqStepSums s;
  double sum_m = 0;
  step_elements(w, n, inv, zero, sum_m, s);
  if (s.n > 0) zero = float(sum_m / double(s.n));
  return s;
}

HqqStepSums hqq_step(const float* w, int64_t n, float inv, float& zero) {
  // optimize_weights_proximal_legacy_step(W_f, scale, zero, min_max, beta, lp_norm, axis):
  //   W_q = torch.round(W_f * scale + zero).clamp_(min_max[0], min_max[1])
  //   W_r = (W_q - zero) / scale
  //   W_e = shrink_lp_op(W_f - W_r, beta, lp_norm)
  //   zero = torch.mean(W_q - (W_f - W_e) * scale, axis=axis, keepdim=True)
  // and the caller's current_error = torch.abs(W_f - W_r).mean()
  HqqStepSums s;
  double sum_m = 0;
  // By runs of 64: the float terms of a run without non-finite values and without a
  // shrink (every |W − W_r| < 0.16, so W_e = ±0) in a loop the compiler vectorizes (this
  // file is built with -fno-trapping-math so that it may compute both sides of a select),
  // then summed in element order: the same values and sums as step_elements, which does
  // any other run.
  constexpr int64_t kRun = 64;
  float m[kRun], ad[kRun];
  for (int64_t first = 0; first < n; first += kRun) {
    const int64_t len = std::min(kRun, n - first);
    const float* wr = w + first;
    int full = 0;  // a run that needs step_elements (NaN |d| counts too)
    for (int64_t i = 0; i < len; ++i) {
      const float v = wr[i];
      const float u = v * inv + zero;
      const float rounded = (u + 12582912.0f) - 12582912.0f;  // torch_rne as a select
      const float t = std::fabs(u) < 4194304.0f ? rounded : u;
      const float q = t < 0.0f ? 0.0f : kMaxV < t ? kMaxV : t;                          // std::clamp
      const float d = v - (q - zero) / inv;
      const float e = d > 0 ? 0.0f : d < 0 ? -0.0f : 0.0f;  // the shrink's ±0
      m[i] = q - (v - e) * inv;
      ad[i] = std::fabs(d);
      full |= !(ad[i] < 0.16f);
    }
    if (full) {
      step_elements(wr, len, inv, zero, sum_m, s);
      continue;
    }
    for (int64_t i = 0; i < len; ++i) sum_m += double(m[i]), s.abs_err += double(ad[i]);
    s.n += len;
  }
  if (s.n > 0) zero = float(sum_m / double(s.n));
  return s;
}

HqqRun hqq_optimize(std::span<const float> x, int64_t group, int threads, RunControl* control,
                    std::vector<GroupParams>& groups) {
  const int64_t n = int64_t(x.size());
  const int64_t n_groups = chunk_count(n, group);
  groups.assign(size_t(n_groups), GroupParams{});
  constexpr int64_t kGroupsPerItem = 1024;  // fixed items: the sums never depend on the threads
  const int64_t items = chunk_count(n_groups, kGroupsPerItem);
  auto for_groups = [&](int64_t item, auto&& fn) {
    const int64_t k1 = std::min(n_groups, (item + 1) * kGroupsPerItem);
    for (int64_t k = item * kGroupsPerItem; k < k1; ++k) {
      const int64_t first = k * group;
      fn(groups[size_t(k)], x.data() + first, std::min(group, n - first));
    }
  };
  // _min, _max per group (over the finite values; 0, 0 for a group with none).
  parallel_for(items, threads, [&](int64_t item, int) {
    for_groups(item, [](GroupParams& gp, const float* w, int64_t len) {
      float lo = std::numeric_limits<float>::max(), hi = -lo;
      for (int64_t i = 0; i < len; ++i) {
        if (!std::isfinite(w[i])) continue;
        lo = std::min(lo, w[i]), hi = std::max(hi, w[i]);
      }
      if (lo > hi) lo = hi = 0.0f;
      gp = hqq_init_params(lo, hi);
    });
  });

  // optimize_weights_proximal_legacy:
  //   best_error = torch.tensor(torch.inf, dtype=float32)
  //   for i in range(iters):
  //       W_r, W_q, zero, scale = optimize_weights_proximal_legacy_step(...)   (zero updated)
  //       current_error = torch.abs(W_f - W_r).mean().float()
  //       if current_error < best_error: best_error = current_error
  //       else: break
  HqqRun run;
  float best_error = std::numeric_limits<float>::infinity();
  for (int i = 0; i < kHqqIters; ++i) {
    if (control && control->cancelled()) return run;
    const HqqStepSums sums = parallel_reduce(
        items, threads, HqqStepSums{},
        [&](int64_t item) {
          HqqStepSums part;
          for_groups(item, [&](GroupParams& gp, const float* w, int64_t len) {
            const HqqStepSums g = hqq_step(w, len, gp.inv, gp.zero_point);
            part.abs_err += g.abs_err, part.n += g.n;
          });
          return part;
        },
        [](HqqStepSums& acc, const HqqStepSums& part) { acc.abs_err += part.abs_err, acc.n += part.n; });
    ++run.iterations;
    if (sums.n == 0) break;  // nothing finite: nothing to optimize
    const float current_error = float(sums.abs_err / double(sums.n));
    run.errors.push_back(current_error);
    if (current_error < best_error) best_error = current_error;
    else break;
  }
  return run;
}

void hqq_quantize(const GroupParams& gp, const float* x, int64_t n, float* xhat, int32_t* code,
                  uint8_t* clipped) {
  // W_q = torch.round(tensor * scale + zero).clamp_(min_max[0], min_max[1])
  // Quantizer.dequantize: W_r = ((W_r - meta["zero"]) * meta["scale"])
  for (int64_t i = 0; i < n; ++i) {
    code[i] = torch_round_clamp(x[i] * gp.inv + gp.zero_point, 0, 15, clipped[i]);
    xhat[i] = (float(code[i]) - gp.zero_point) * gp.scale;
  }
}

}  // namespace qs
