// Highway kernels for quantize(): compiled once per SIMD target and dispatched at run
// time (foreach_target). Full float lanes; the error sums are float32 partial sums carried
// into float64 (kernel_sums-inl.h). The float casts live in quantize_cast_kernel.cpp.
#include "analysis/quant/quantize_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "analysis/quant/quantize_kernels.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "analysis/quant/kernel_sums-inl.h"

HWY_BEFORE_NAMESPACE();
namespace qs::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

int64_t RangeFinite(const float* x, int64_t n, float* mn, float* mx) {
  const hn::ScalableTag<float> df;
  const int64_t L = int64_t(hn::Lanes(df));
  auto vmin = hn::Set(df, std::numeric_limits<float>::infinity());
  auto vmax = hn::Set(df, -std::numeric_limits<float>::infinity());
  int64_t nonfinite = 0;
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    const auto v = hn::LoadU(df, x + i);
    const auto fin = hn::IsFinite(v);
    if (hn::AllTrue(df, fin)) {
      vmin = hn::Min(vmin, v);
      vmax = hn::Max(vmax, v);
    } else {
      vmin = hn::IfThenElse(fin, hn::Min(vmin, v), vmin);
      vmax = hn::IfThenElse(fin, hn::Max(vmax, v), vmax);
      nonfinite += L - int64_t(hn::CountTrue(df, fin));
    }
  }
  float lo = std::min(*mn, hn::GetLane(hn::MinOfLanes(df, vmin)));
  float hi = std::max(*mx, hn::GetLane(hn::MaxOfLanes(df, vmax)));
  for (; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      ++nonfinite;
      continue;
    }
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  *mn = lo;
  *mx = hi;
  return nonfinite;
}

int64_t RangeFinitePositions(const float* x, int64_t n, float* mn, float* mx) {
  const hn::ScalableTag<float> df;
  const int64_t L = int64_t(hn::Lanes(df));
  int64_t nonfinite = 0;
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    const auto v = hn::LoadU(df, x + i);
    const auto fin = hn::IsFinite(v);
    const auto lo = hn::LoadU(df, mn + i), hi = hn::LoadU(df, mx + i);
    hn::StoreU(hn::IfThenElse(fin, hn::Min(lo, v), lo), df, mn + i);
    hn::StoreU(hn::IfThenElse(fin, hn::Max(hi, v), hi), df, mx + i);
    if (!hn::AllTrue(df, fin)) nonfinite += L - int64_t(hn::CountTrue(df, fin));
  }
  for (; i < n; ++i) {
    if (!std::isfinite(x[i])) {
      ++nonfinite;
      continue;
    }
    mn[i] = std::min(mn[i], x[i]);
    mx[i] = std::max(mx[i], x[i]);
  }
  return nonfinite;
}

void BlockRanges(const float* x, int64_t n, int64_t block, float* mn, float* mx, int64_t* nf) {
  const float inf = std::numeric_limits<float>::infinity();
  for (int64_t j = 0, b = 0; b < n; ++j, b += block) {
    float lo = inf, hi = -inf;
    nf[j] = RangeFinite(x + b, std::min(block, n - b), &lo, &hi);
    mn[j] = lo;
    mx[j] = hi;
  }
}

// One element, scalar: the same operations in the same order as the vector body (and as
// quantize_element in quant_math.h).
template <class Marker>
inline void IntQuantizeOne(const IntKernelArgs& a, int64_t i, float s, float inv, float zp,
                           float lo, float hi, ErrorSums* acc, double* max_err, Marker& marker) {
  const float v = a.x[i];
  if (!std::isfinite(v)) {
    a.q[i] = 0;
    if (a.xhat) a.xhat[i] = v;
    return;
  }
  bool clipped = false;
  float xc = v;
  if (a.clipping) {
    if (v < lo) { xc = lo; clipped = true; }
    else if (v > hi) { xc = hi; clipped = true; }
  }
  // q = rne(x·inv), inv = 1.0f/s: a multiply, never a division (DESIGN.md, torch).
  float q = a.float_zp ? std::nearbyint((xc - zp) * inv) : std::nearbyint(xc * inv);
  if (a.has_zp) q = q + zp;
  if (q > a.qmax) { q = a.qmax; clipped = true; }
  else if (q < a.qmin) { q = a.qmin; clipped = true; }
  const float xh = a.float_zp ? q * s + zp : (a.has_zp ? (q - zp) * s : q * s);
  a.q[i] = int32_t(q);
  if (a.xhat) a.xhat[i] = xh;
  marker.one(int32_t(q));
  AddScalar(v, xh, clipped, acc, max_err);
}

// The x histogram's bins (bin_indices_fast's rule) computed in the int kernel's loop,
// while x is in registers: out[i] = bin + 1, or 0 outside, as uint16 (the counting loop
// then takes four from one 64-bit load: fewer memory operations per increment).
template <class DF>
struct XBins {
  using VF = hn::Vec<DF>;
  using DI = hn::RebindToSigned<DF>;
  const FastBins* fb;
  const float* x;
  uint16_t* out;
  VF in_lo, in_hi, lo, norm, eps, one_m_eps, one, top;
  XBins(DF df, const FastBins* f, const float* xs, uint16_t* o)
      : fb(f), x(xs), out(o), in_lo(hn::Set(df, f ? f->in_lo : 0.0f)), in_hi(hn::Set(df, f ? f->in_hi : 0.0f)),
        lo(hn::Set(df, f ? f->lo : 0.0f)), norm(hn::Set(df, f ? f->norm : 0.0f)), eps(hn::Set(df, f ? f->eps : 0.0f)),
        one_m_eps(hn::Set(df, f ? 1.0f - f->eps : 0.0f)), one(hn::Set(df, 1.0f)),
        top(hn::Set(df, f ? float(f->spec.bins) : 0.0f)) {}
  HWY_INLINE void vec(DF df, VF v, int64_t i) {
    const DI di;
    const hn::Rebind<uint16_t, DI> d16;
    const auto inside = hn::And(hn::Ge(v, in_lo), hn::Le(v, in_hi));  // false for NaN
    const auto t = hn::Mul(hn::Sub(v, lo), norm);
    const auto f = hn::Floor(t);
    const auto fr = hn::Sub(t, f);
    const auto sure = hn::And(hn::Gt(fr, eps), hn::Lt(fr, one_m_eps));
    const auto g = hn::IfThenElseZero(inside, hn::Min(hn::Max(hn::Add(f, one), one), top));  // bin + 1
    hn::StoreU(hn::DemoteTo(d16, hn::ConvertTo(di, g)), d16, out + i);
    if (HWY_UNLIKELY(!hn::AllTrue(df, hn::Or(hn::Not(inside), sure)))) {
      for (int64_t k = 0; k < int64_t(hn::Lanes(df)); ++k) this->at(i + k);
    }
  }
  void at(int64_t i) { out[i] = uint16_t(histogram_bin(fb->spec, double(x[i])) + 1); }
};

enum ParamMode { kScalarParams, kBlockParams, kElementParams };

template <int kMode, bool kBins>
void IntQuantizeT(const IntKernelArgs& a, ErrorSums* acc) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  using VF = hn::Vec<decltype(df)>;
  const int64_t L = int64_t(hn::Lanes(df));
  // Locals, not a.*: the code and x̂ stores could alias the argument struct.
  const float* HWY_RESTRICT x = a.x;
  int32_t* HWY_RESTRICT qo = a.q;
  float* HWY_RESTRICT xo = a.xhat;
  const bool clipping = a.clipping, has_zp = a.has_zp, float_zp = a.float_zp;
  const VF qmin = hn::Set(df, a.qmin), qmax = hn::Set(df, a.qmax);

  HWY_ALIGN double sum_acc[TileSums<decltype(df)>::kAccDoubles];
  TileSums<decltype(df)> sums(df, sum_acc);
  CodeMarker<decltype(di)> marker(di, a.marks);
  XBins<decltype(df)> xbins(df, kBins ? a.bins : nullptr, a.x, a.bin_out);
  ErrorSums local;  // scalar elements go straight into float64
  double max_err = 0;
  int64_t n_clipped = 0, n_finite = 0;
  // Span of the unclamped q over the all-finite vectors: the codes used (clamped span)
  // and, without a clip method, whether any lane was clamped at all (then recounted).
  VF q_lo = hn::Set(df, std::numeric_limits<float>::infinity()), q_hi = hn::Neg(q_lo);

  // q before the clamp, and the clip-range mask (all false without a clip method).
  auto raw_q = [&](VF v, VF inv, VF zp, VF lo, VF hi, hn::Mask<decltype(df)>* clipped) HWY_ATTR
      __attribute__((always_inline)) {
    VF xc = v;
    if (clipping) {
      *clipped = hn::Or(hn::Lt(v, lo), hn::Gt(v, hi));
      xc = hn::Min(hn::Max(v, lo), hi);
    }
    VF q = hn::Round(float_zp ? hn::Mul(hn::Sub(xc, zp), inv) : hn::Mul(xc, inv));
    if (has_zp) q = hn::Add(q, zp);
    return q;
  };
  auto body = [&](int64_t i, VF scale, VF inv, VF zp, VF lo, VF hi) HWY_ATTR __attribute__((always_inline)) {
    const VF v = hn::LoadU(df, x + i);
    if constexpr (kBins) xbins.vec(df, v, i);
    const auto fin = hn::IsFinite(v);
    auto clipped = hn::Lt(qmax, qmin);  // all false
    const VF qr = raw_q(v, inv, zp, lo, hi, &clipped);
    VF q = hn::Min(hn::Max(qr, qmin), qmax);
    // Two roundings (q·s, then + zp), as the scalar rule: no fused multiply-add.
    VF xh = float_zp ? hn::Add(hn::Mul(q, scale), zp) : (has_zp ? hn::Mul(hn::Sub(q, zp), scale) : hn::Mul(q, scale));
    VF vs = v, xs = xh;  // what the sums see: 0 in non-finite lanes
    const bool all_finite = hn::AllTrue(df, fin);
    if (HWY_LIKELY(all_finite)) {
      n_finite += L;
      q_lo = hn::Min(q_lo, qr);
      q_hi = hn::Max(q_hi, qr);
      if (clipping) {
        clipped = hn::Or(clipped, hn::Or(hn::Lt(qr, qmin), hn::Gt(qr, qmax)));
        if (!hn::AllFalse(df, clipped)) n_clipped += int64_t(hn::CountTrue(df, clipped));
      }
    } else {  // rare: exact per-lane bookkeeping
      clipped = hn::And(hn::Or(clipped, hn::Or(hn::Lt(qr, qmin), hn::Gt(qr, qmax))), fin);
      n_clipped += int64_t(hn::CountTrue(df, clipped));
      q = hn::IfThenElseZero(fin, q);
      vs = hn::IfThenElseZero(fin, v);
      xs = hn::IfThenElseZero(fin, xh);
      xh = hn::IfThenElse(fin, xh, v);
      n_finite += int64_t(hn::CountTrue(df, fin));
    }
    const auto qi = hn::ConvertTo(di, q);
    hn::StoreU(qi, di, qo + i);
    if (xo) hn::StoreU(xh, df, xo + i);
    if (HWY_UNLIKELY(!all_finite)) {
      for (int64_t k = 0; k < L; ++k)
        if (std::isfinite(x[i + k])) marker.one(qo[i + k]);
    }
    sums.add(df, vs, xs);
  };
  // Without a clip method, an all-finite vector's clamped lanes counted only when the
  // span shows there are some (rare: x·inv beyond qmax ± 0.5 needs a rounded scale).
  auto recount = [&](int64_t i, VF, VF inv, VF zp, VF lo, VF hi) HWY_ATTR __attribute__((always_inline)) {
    const VF v = hn::LoadU(df, x + i);
    if (!hn::AllTrue(df, hn::IsFinite(v))) return;  // counted exactly in body
    auto clipped = hn::Lt(qmax, qmin);
    const VF qr = raw_q(v, inv, zp, lo, hi, &clipped);
    n_clipped += int64_t(hn::CountTrue(df, hn::Or(hn::Lt(qr, qmin), hn::Gt(qr, qmax))));
  };

  // Walks the run: vec(i, params...) for whole vectors, one(i, params...) for the rest.
  const int64_t n = a.n;
  auto walk = [&](auto&& vec, auto&& one) HWY_ATTR __attribute__((always_inline)) {
    if constexpr (kMode == kScalarParams) {
      const VF scale = hn::Set(df, a.scale), inv = hn::Set(df, a.inv), zp = hn::Set(df, a.zero_point),
               lo = hn::Set(df, a.clip_lo), hi = hn::Set(df, a.clip_hi);
      int64_t i = 0;
      for (; i + L <= n; i += L) vec(i, scale, inv, zp, lo, hi);
      for (; i < n; ++i) one(i, a.scale, a.inv, a.zero_point, a.clip_lo, a.clip_hi);
    } else if constexpr (kMode == kBlockParams) {
      const int64_t B = a.block;
      for (int64_t j = 0, b0 = 0; b0 < n; ++j, b0 += B) {
        const GroupParams& g = a.params[j];
        const VF scale = hn::Set(df, g.scale), inv = hn::Set(df, g.inv), zp = hn::Set(df, g.zero_point),
                 lo = hn::Set(df, g.clip_lo), hi = hn::Set(df, g.clip_hi);
        const int64_t b1 = std::min(n, b0 + B);
        int64_t i = b0;
        for (; i + L <= b1; i += L) vec(i, scale, inv, zp, lo, hi);
        for (; i < b1; ++i) one(i, g.scale, g.inv, g.zero_point, g.clip_lo, g.clip_hi);
      }
    } else {
      int64_t i = 0;
      for (; i + L <= n; i += L) {
        vec(i, hn::LoadU(df, a.scale_arr + i), hn::LoadU(df, a.inv_arr + i), hn::LoadU(df, a.zp_arr + i),
            hn::LoadU(df, a.lo_arr + i), hn::LoadU(df, a.hi_arr + i));
      }
      for (; i < n; ++i) one(i, a.scale_arr[i], a.inv_arr[i], a.zp_arr[i], a.lo_arr[i], a.hi_arr[i]);
    }
  };
  walk(body, [&](int64_t i, float sc, float inv, float zp, float lo, float hi) {
    IntQuantizeOne(a, i, sc, inv, zp, lo, hi, &local, &max_err, marker);
    if constexpr (kBins) xbins.at(i);
  });
  const float span_lo = hn::GetLane(hn::MinOfLanes(df, q_lo)), span_hi = hn::GetLane(hn::MaxOfLanes(df, q_hi));
  if (!clipping && (span_lo < a.qmin || span_hi > a.qmax)) walk(recount, [](int64_t, float, float, float, float, float) {});
  if (span_lo <= span_hi) {
    marker.settle(di, x, qo, n, int32_t(std::clamp(span_lo, a.qmin, a.qmax)),
                  int32_t(std::clamp(span_hi, a.qmin, a.qmax)));
  }
  marker.finish();
  sums.merge_into(df, n_finite, n_clipped, local, max_err, acc);
}

void ErrorSumsOf(const float* x, const float* xhat, const uint8_t* clipped, int64_t n, ErrorSums* acc) {
  const hn::ScalableTag<float> df;
  const int64_t L = int64_t(hn::Lanes(df));
  HWY_ALIGN double sum_acc[TileSums<decltype(df)>::kAccDoubles];
  TileSums<decltype(df)> sums(df, sum_acc);
  ErrorSums local;
  double max_err = 0;
  int64_t n_vec = 0, n_clipped = 0;
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    const auto v = hn::LoadU(df, x + i), xh = hn::LoadU(df, xhat + i);
    const auto fin = hn::IsFinite(v);
    if (HWY_LIKELY(hn::AllTrue(df, fin))) {
      sums.add(df, v, xh);
      n_vec += L;
    } else {
      sums.add(df, hn::IfThenElseZero(fin, v), hn::IfThenElseZero(fin, xh));
      n_vec += int64_t(hn::CountTrue(df, fin));
    }
  }
  for (; i < n; ++i)
    if (std::isfinite(x[i])) AddScalar(x[i], xhat[i], false, &local, &max_err);
  if (clipped)
    for (int64_t k = 0; k < n; ++k) n_clipped += clipped[k] != 0 && std::isfinite(x[k]) ? 1 : 0;
  sums.merge_into(df, n_vec, n_clipped, local, max_err, acc);
}

template <bool kBins>
void IntQuantizeB(const IntKernelArgs& a, ErrorSums* acc) {
  if (a.scale_arr) {
    IntQuantizeT<kElementParams, kBins>(a, acc);
  } else if (a.block > 0) {
    IntQuantizeT<kBlockParams, kBins>(a, acc);
  } else {
    IntQuantizeT<kScalarParams, kBins>(a, acc);
  }
}

void IntQuantize(const IntKernelArgs& a, ErrorSums* acc) {
  if (a.bins && a.bin_out) {
    IntQuantizeB<true>(a, acc);
  } else {
    IntQuantizeB<false>(a, acc);
  }
}

void BinIndices(const float* v, const float* b, int64_t n, const HistogramSpec& spec,
                int32_t* out) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const hn::Rebind<int32_t, decltype(dd)> di;
  const int64_t L = int64_t(hn::Lanes(dd));
  const auto lo = hn::Set(dd, spec.lo), hi = hn::Set(dd, spec.hi);
  const auto norm = hn::Set(dd, spec.bins / (spec.hi - spec.lo));
  const auto step = hn::Set(dd, (spec.hi - spec.lo) / spec.bins);
  const auto last = hn::Set(dd, double(spec.bins - 1));
  const auto zero = hn::Zero(dd), one = hn::Set(dd, 1.0), minus1 = hn::Set(dd, -1.0);
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    auto x = hn::PromoteTo(dd, hn::LoadU(df, v + i));
    if (b) x = hn::Sub(x, hn::PromoteTo(dd, hn::LoadU(df, b + i)));
    const auto inside = hn::And(hn::Ge(x, lo), hn::Le(x, hi));
    auto f = hn::Floor(hn::Mul(hn::Sub(x, lo), norm));
    f = hn::Min(hn::Max(f, zero), last);
    const auto dec = hn::Lt(x, hn::Add(lo, hn::Mul(f, step)));
    const auto f1 = hn::Add(f, one);
    const auto inc = hn::And(hn::Ge(x, hn::Add(lo, hn::Mul(f1, step))), hn::Lt(f, last));
    f = hn::IfThenElse(dec, hn::Sub(f, one), hn::IfThenElse(inc, f1, f));
    f = hn::IfThenElse(inside, f, minus1);
    hn::StoreU(hn::DemoteTo(di, f), di, out + i);
  }
  for (; i < n; ++i) {
    const double x = b ? double(v[i]) - double(b[i]) : double(v[i]);
    out[i] = histogram_bin(spec, x);
  }
}

void BinIndicesFast(const float* v, int64_t n, const FastBins& fb, int32_t* out) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const int64_t L = int64_t(hn::Lanes(df));
  const auto in_lo = hn::Set(df, fb.in_lo), in_hi = hn::Set(df, fb.in_hi);
  const auto lo = hn::Set(df, fb.lo), norm = hn::Set(df, fb.norm);
  const auto eps = hn::Set(df, fb.eps), one_m_eps = hn::Set(df, 1.0f - fb.eps);
  const auto zero = hn::Zero(df), last = hn::Set(df, float(fb.spec.bins - 1));
  const auto minus1 = hn::Set(di, -1);
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    const auto x = hn::LoadU(df, v + i);
    const auto inside = hn::And(hn::Ge(x, in_lo), hn::Le(x, in_hi));  // false for NaN
    const auto t = hn::Mul(hn::Sub(x, lo), norm);
    const auto f = hn::Floor(t);
    const auto fr = hn::Sub(t, f);
    const auto sure = hn::And(hn::Gt(fr, eps), hn::Lt(fr, one_m_eps));
    if (HWY_LIKELY(hn::AllTrue(df, hn::Or(hn::Not(inside), sure)))) {
      const auto g = hn::ConvertTo(di, hn::Min(hn::Max(f, zero), last));
      hn::StoreU(hn::IfThenElse(hn::RebindMask(di, inside), g, minus1), di, out + i);
    } else {
      for (int64_t k = 0; k < L; ++k) out[i + k] = histogram_bin(fb.spec, double(v[i + k]));
    }
  }
  for (; i < n; ++i) out[i] = histogram_bin(fb.spec, double(v[i]));
}

int32_t MarkCodes(const int32_t* q, int64_t n, int32_t offset, uint8_t* seen, const int32_t iv[4]) {
  const hn::ScalableTag<int32_t> di;
  const int64_t L = int64_t(hn::Lanes(di));
  const auto off = hn::Set(di, offset);
  const auto lo1 = hn::Set(di, iv[0]), hi1 = hn::Set(di, iv[1]);
  const auto lo2 = hn::Set(di, iv[2]), hi2 = hn::Set(di, iv[3]);
  uint8_t* HWY_RESTRICT s = seen;
  int32_t last = -1;
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    const auto slot = hn::Add(hn::LoadU(di, q + i), off);
    const auto out1 = hn::Or(hn::Lt(slot, lo1), hn::Gt(slot, hi1));
    const auto out2 = hn::Or(hn::Lt(slot, lo2), hn::Gt(slot, hi2));
    if (HWY_LIKELY(hn::AllFalse(di, hn::And(out1, out2)))) continue;
    for (int64_t k = 0; k < L; ++k) {
      last = q[i + k] + offset;
      s[last] = 1;
    }
  }
  for (; i < n; ++i) {
    last = q[i] + offset;
    s[last] = 1;
  }
  return last;
}

}  // namespace HWY_NAMESPACE
}  // namespace qs::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qs::kernels {
HWY_EXPORT(RangeFinite);
HWY_EXPORT(RangeFinitePositions);
HWY_EXPORT(BlockRanges);
HWY_EXPORT(IntQuantize);
HWY_EXPORT(BinIndices);
HWY_EXPORT(BinIndicesFast);
HWY_EXPORT(MarkCodes);
HWY_EXPORT(ErrorSumsOf);

void error_sums(const float* x, const float* xhat, const uint8_t* clipped, int64_t n, ErrorSums* acc) {
  HWY_DYNAMIC_DISPATCH(ErrorSumsOf)(x, xhat, clipped, n, acc);
}

int64_t range_finite(const float* x, int64_t n, float* mn, float* mx) {
  return HWY_DYNAMIC_DISPATCH(RangeFinite)(x, n, mn, mx);
}
int64_t range_finite_positions(const float* x, int64_t n, float* mn, float* mx) {
  return HWY_DYNAMIC_DISPATCH(RangeFinitePositions)(x, n, mn, mx);
}
void block_ranges(const float* x, int64_t n, int64_t block, float* mn, float* mx, int64_t* nf) {
  HWY_DYNAMIC_DISPATCH(BlockRanges)(x, n, block, mn, mx, nf);
}
void int_quantize(const IntKernelArgs& a, ErrorSums* acc) {
  HWY_DYNAMIC_DISPATCH(IntQuantize)(a, acc);
}
void bin_indices(const float* v, const float* b, int64_t n, const HistogramSpec& spec,
                 int32_t* out) {
  HWY_DYNAMIC_DISPATCH(BinIndices)(v, b, n, spec, out);
}
void bin_indices_fast(const float* v, int64_t n, const FastBins& fb, int32_t* out) {
  HWY_DYNAMIC_DISPATCH(BinIndicesFast)(v, n, fb, out);
}
int32_t mark_codes(const int32_t* q, int64_t n, int32_t offset, uint8_t* seen, const int32_t iv[4]) {
  return HWY_DYNAMIC_DISPATCH(MarkCodes)(q, n, offset, seen, iv);
}

// Float32 steps of the first guess t = (x - lo)·norm: lo and norm rounded (2^-24 each,
// relative), x - lo rounded (|x - lo| ≤ hi - lo inside), the product rounded: the error
// in t is ≤ 2^-24·(|lo|·norm + 3·bins) plus second-order terms; NumPy's float64 edges add
// ≤ 2^-50·(|lo| + |hi|)·norm. eps is twice that.
FastBins make_fast_bins(const HistogramSpec& spec) {
  FastBins fb;
  fb.spec = spec;
  if (!(spec.hi > spec.lo) || spec.bins < 1 || !std::isfinite(spec.lo) || !std::isfinite(spec.hi)) return fb;
  const double norm = spec.bins / (spec.hi - spec.lo);
  const double err = std::ldexp(std::fabs(spec.lo) * norm + 3.0 * spec.bins, -24) +
                     std::ldexp((std::fabs(spec.lo) + std::fabs(spec.hi)) * norm, -50);
  fb.eps = float(2.0 * err);
  fb.lo = float(spec.lo);
  fb.norm = float(norm);
  float a = float(spec.lo), b = float(spec.hi);
  if (double(a) < spec.lo) a = std::nextafter(a, std::numeric_limits<float>::infinity());
  if (double(b) > spec.hi) b = std::nextafter(b, -std::numeric_limits<float>::infinity());
  fb.in_lo = a;
  fb.in_hi = b;
  fb.usable = fb.eps < 0.05f && std::isfinite(fb.norm) && std::isfinite(fb.lo) && a <= b &&
              spec.bins < (1 << 22);
  return fb;
}
}  // namespace qs::kernels
#endif
