// The NF4 kernel of quantize() (kernels::nf4_quantize, see quantize_kernels.h): full float
// lanes, the code as the count of the 15 ascending thresholds below u = x·inv (what
// nf4_encode's depth-4 tree of `u > t` tests computes, 15 compares per vector instead of
// four dependent loads per element), x̂ = codebook[code]·s, float32 partial error sums
// carried into float64 (kernel_sums-inl.h). Vectors with a non-finite lane (or a NaN u)
// take the scalar rule, written as quantize_element writes it.
#include "analysis/quant/quantize_kernels.h"

#include <algorithm>
#include <cmath>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "analysis/quant/quantize_nf4_kernel.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "analysis/quant/kernel_sums-inl.h"

HWY_BEFORE_NAMESPACE();
namespace qs::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One element, scalar: quantize_element's NF4 case (clip, u = x_c·inv, nf4_encode, x̂).
template <class Marker>
inline void Nf4QuantizeOne(const Nf4KernelArgs& a, const GroupParams& p, int64_t i, ErrorSums* acc,
                           double* max_err, Marker& marker) {
  const float v = a.x[i];
  if (!std::isfinite(v)) {
    a.q[i] = 0;
    if (a.xhat) a.xhat[i] = v;
    return;
  }
  float xc = v;
  bool clipped = false;
  if (p.clipping) {
    if (v < p.clip_lo) xc = p.clip_lo, clipped = true;
    else if (v > p.clip_hi) xc = p.clip_hi, clipped = true;
  }
  const uint8_t code = numeric::nf4_encode(xc * p.inv);
  const float xh = numeric::nf4_decode(code) * p.scale;
  a.q[i] = code;
  if (a.xhat) a.xhat[i] = xh;
  marker.one(code);
  AddScalar(v, xh, clipped, acc, max_err);
}

void Nf4Quantize(const Nf4KernelArgs& a, ErrorSums* acc) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  using VF = hn::Vec<decltype(df)>;
  const int64_t L = int64_t(hn::Lanes(df));
  const float* HWY_RESTRICT x = a.x;
  int32_t* HWY_RESTRICT qo = a.q;
  float* HWY_RESTRICT xo = a.xhat;
  const auto& th = numeric::nf4_thresholds();
  const auto& cb = numeric::nf4_codebook();
  VF t[15], level[16];
  for (int k = 0; k < 15; ++k) t[k] = hn::Set(df, th[size_t(k)]);
  for (int k = 0; k < 16; ++k) level[k] = hn::Set(df, cb[size_t(k)]);
  const VF one = hn::Set(df, 1.0f);

  HWY_ALIGN double sum_acc[TileSums<decltype(df)>::kAccDoubles];
  TileSums<decltype(df)> sums(df, sum_acc);
  CodeMarker<decltype(di)> marker(di, a.marks);
  ErrorSums local;
  double max_err = 0;
  int64_t n_clipped = 0, n_fast = 0;

  auto run = [&](const GroupParams& p, int64_t i0, int64_t i1) HWY_ATTR {
    const VF scale = hn::Set(df, p.scale), inv = hn::Set(df, p.inv);
    const VF lo = hn::Set(df, p.clip_lo), hi = hn::Set(df, p.clip_hi);
    const bool clipping = p.clipping;
    int64_t i = i0;
    for (; i + L <= i1; i += L) {
      const VF v = hn::LoadU(df, x + i);
      VF xc = v;
      if (clipping) xc = hn::Min(hn::Max(v, lo), hi);
      const VF u = hn::Mul(xc, inv);
      // Finite x with a finite u or ±inf u (x·inv overflowing) is covered; NaN u is not.
      if (HWY_UNLIKELY(!hn::AllTrue(df, hn::And(hn::IsFinite(v), hn::Eq(u, u))))) {
        for (int64_t k = i; k < i + L; ++k) Nf4QuantizeOne(a, p, k, &local, &max_err, marker);
        continue;
      }
      // Thresholds ascending: the masks are nested, so the last level taken is
      // codebook[count] and the count is the code.
      VF q = hn::Zero(df), lv = level[0];
      for (int k = 0; k < 15; ++k) {
        const auto m = hn::Gt(u, t[k]);
        q = hn::Add(q, hn::IfThenElseZero(m, one));
        lv = hn::IfThenElse(m, level[k + 1], lv);
      }
      const VF xh = hn::Mul(lv, scale);
      const auto qi = hn::ConvertTo(di, q);
      hn::StoreU(qi, di, qo + i);
      if (xo) hn::StoreU(xh, df, xo + i);
      marker.vec(qi, qo + i, L);
      if (clipping) n_clipped += int64_t(hn::CountTrue(df, hn::Or(hn::Lt(v, lo), hn::Gt(v, hi))));
      n_fast += L;
      sums.add(df, v, xh);
    }
    for (; i < i1; ++i) Nf4QuantizeOne(a, p, i, &local, &max_err, marker);
  };
  if (a.block > 0) {
    for (int64_t j = 0, b0 = 0; b0 < a.n; ++j, b0 += a.block) run(a.params[j], b0, std::min(a.n, b0 + a.block));
  } else {
    run(*a.params, 0, a.n);
  }
  marker.finish();
  sums.merge_into(df, n_fast, n_clipped, local, max_err, acc);
}

}  // namespace HWY_NAMESPACE
}  // namespace qs::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qs::kernels {
HWY_EXPORT(Nf4Quantize);
void nf4_quantize(const Nf4KernelArgs& a, ErrorSums* acc) {
  HWY_DYNAMIC_DISPATCH(Nf4Quantize)(a, acc);
}
}  // namespace qs::kernels
#endif
