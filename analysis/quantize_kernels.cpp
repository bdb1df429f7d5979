// Highway kernels for quantize(): compiled once per SIMD target and dispatched at run
// time (foreach_target). They work at double's lane count so that every float lane
// promotes 1:1 into the float64 error sums that DESIGN.md requires.
#include "analysis/quantize_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "analysis/quantize_kernels.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

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

// One element, scalar: the same operations in the same order as the vector body (and as
// quantize_element in quant_math.cpp).
// One finite element's contribution to the float64 error sums (the scalar paths).
// NaN-propagating max: a non-saturating cast's NaN x̂ must not vanish.
inline void AddScalar(float v, float xh, bool clipped, ErrorSums* acc, double* max_err) {
  const double xd = v, yd = xh, e = xd - yd;
  acc->n += 1;
  acc->n_clipped += clipped ? 1 : 0;
  acc->sum_x2 += xd * xd;
  acc->sum_y2 += yd * yd;
  acc->sum_xy += xd * yd;
  acc->sum_err2 += e * e;
  acc->sum_abs_err += std::fabs(e);
  if (std::isnan(e) || std::fabs(e) > *max_err) *max_err = std::fabs(e);
}

// The same sums over vectors of float64 lanes (x and x̂ promoted 1:1).
template <class D>
struct VecSums {
  hn::Vec<D> x2, y2, xy, e2, ae, mx;
  explicit VecSums(D d)
      : x2(hn::Zero(d)), y2(hn::Zero(d)), xy(hn::Zero(d)), e2(hn::Zero(d)), ae(hn::Zero(d)), mx(hn::Zero(d)) {}
  void add(hn::Vec<D> xd, hn::Vec<D> yd) {
    const auto e = hn::Sub(xd, yd);
    x2 = hn::MulAdd(xd, xd, x2);
    y2 = hn::MulAdd(yd, yd, y2);
    xy = hn::MulAdd(xd, yd, xy);
    e2 = hn::MulAdd(e, e, e2);
    const auto a = hn::Abs(e);
    ae = hn::Add(ae, a);
    mx = hn::Max(mx, a);
  }
  // Adds the lanes' totals into `out` (n and n_clipped are the caller's).
  void reduce(D d, ErrorSums* out, double* max_err) const {
    out->sum_x2 += hn::GetLane(hn::SumOfLanes(d, x2));
    out->sum_y2 += hn::GetLane(hn::SumOfLanes(d, y2));
    out->sum_xy += hn::GetLane(hn::SumOfLanes(d, xy));
    out->sum_err2 += hn::GetLane(hn::SumOfLanes(d, e2));
    out->sum_abs_err += hn::GetLane(hn::SumOfLanes(d, ae));
    *max_err = std::max(*max_err, hn::GetLane(hn::MaxOfLanes(d, mx)));
  }
};

inline void IntQuantizeOne(const IntKernelArgs& a, int64_t i, float s, float inv, float zp,
                           float lo, float hi, ErrorSums* acc, double* max_err) {
  const float v = a.x[i];
  if (!std::isfinite(v)) {
    a.q[i] = 0;
    a.xhat[i] = v;
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
  a.xhat[i] = xh;
  AddScalar(v, xh, clipped, acc, max_err);
}

template <bool kArrayParams>
void IntQuantizeT(const IntKernelArgs& a, ErrorSums* acc) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const hn::Rebind<int32_t, decltype(dd)> di;
  const int64_t L = int64_t(hn::Lanes(dd));

  VecSums<decltype(dd)> sums(dd);
  int64_t n_clipped = 0, n_finite = 0;
  const auto qmin = hn::Set(df, a.qmin), qmax = hn::Set(df, a.qmax);
  auto scale = hn::Set(df, a.scale), inv = hn::Set(df, a.inv),
       zp = hn::Set(df, a.zero_point), lo = hn::Set(df, a.clip_lo), hi = hn::Set(df, a.clip_hi);

  int64_t i = 0;
  for (; i + L <= a.n; i += L) {
    if constexpr (kArrayParams) {
      scale = hn::LoadU(df, a.scale_arr + i);
      inv = hn::LoadU(df, a.inv_arr + i);
      zp = hn::LoadU(df, a.zp_arr + i);
      lo = hn::LoadU(df, a.lo_arr + i);
      hi = hn::LoadU(df, a.hi_arr + i);
    }
    const auto v = hn::LoadU(df, a.x + i);
    const auto fin = hn::IsFinite(v);
    auto xc = v;
    auto clipped = hn::Lt(qmax, qmin);  // all false
    if (a.clipping) {
      clipped = hn::Or(hn::Lt(v, lo), hn::Gt(v, hi));
      xc = hn::Min(hn::Max(v, lo), hi);
    }
    auto q = a.float_zp ? hn::Round(hn::Mul(hn::Sub(xc, zp), inv)) : hn::Round(hn::Mul(xc, inv));
    if (a.has_zp) q = hn::Add(q, zp);
    clipped = hn::Or(clipped, hn::Or(hn::Lt(q, qmin), hn::Gt(q, qmax)));
    q = hn::Min(hn::Max(q, qmin), qmax);
    auto xh = a.float_zp ? hn::Add(hn::Mul(q, scale), zp)
                         : (a.has_zp ? hn::Mul(hn::Sub(q, zp), scale) : hn::Mul(q, scale));
    const bool all_finite = hn::AllTrue(df, fin);
    if (!all_finite) {
      q = hn::IfThenElseZero(fin, q);
      xh = hn::IfThenElse(fin, xh, v);
      clipped = hn::And(clipped, fin);
    }
    hn::StoreU(hn::ConvertTo(di, q), di, a.q + i);
    hn::StoreU(xh, df, a.xhat + i);
    if (!hn::AllFalse(df, clipped)) n_clipped += int64_t(hn::CountTrue(df, clipped));
    n_finite += all_finite ? L : int64_t(hn::CountTrue(df, fin));

    sums.add(hn::PromoteTo(dd, all_finite ? v : hn::IfThenElseZero(fin, v)),
             hn::PromoteTo(dd, all_finite ? xh : hn::IfThenElseZero(fin, xh)));
  }
  ErrorSums local;
  local.n = n_finite;
  local.n_clipped = n_clipped;
  double max_err = 0;
  sums.reduce(dd, &local, &max_err);
  for (; i < a.n; ++i) {
    if constexpr (kArrayParams) {
      IntQuantizeOne(a, i, a.scale_arr[i], a.inv_arr[i], a.zp_arr[i], a.lo_arr[i], a.hi_arr[i],
                     &local, &max_err);
    } else {
      IntQuantizeOne(a, i, a.scale, a.inv, a.zero_point, a.clip_lo, a.clip_hi, &local,
                     &max_err);
    }
  }
  local.max_abs_err = max_err;
  acc->merge(local);
}

void IntQuantize(const IntKernelArgs& a, ErrorSums* acc) {
  if (a.scale_arr) {
    IntQuantizeT<true>(a, acc);
  } else {
    IntQuantizeT<false>(a, acc);
  }
}

// One element of float_quantize, scalar (the fallback for special lanes and the tail).
inline void FloatQuantizeOne(const FloatKernelArgs& a, int64_t i, ErrorSums* acc, double* max_err) {
  const float v = a.x[i];
  if (!std::isfinite(v)) {
    a.q[i] = 0;
    a.xhat[i] = v;
    return;
  }
  const ElementResult r = quantize_element(*a.scheme, *a.params, v, 0.0f);
  a.q[i] = r.code;
  a.xhat[i] = r.xhat;
  AddScalar(v, r.xhat, r.clipped, acc, max_err);
}

void FloatQuantize(const FloatKernelArgs& a, ErrorSums* acc) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const hn::Rebind<int32_t, decltype(dd)> di;
  const hn::Rebind<uint32_t, decltype(dd)> du;
  const int64_t L = int64_t(hn::Lanes(dd));
  const Scheme& s = *a.scheme;
  const GroupParams& p = *a.params;
  const numeric::FormatTraits& t = numeric::traits(s.format);
  const bool bf16 = s.format == numeric::FloatFormat::BF16;
  const bool scaled = s.scale == ScaleMode::Absmax;
  const int M = t.mantissa_bits, emin = 1 - t.bias;

  const auto scale = hn::Set(df, p.scale), inv = hn::Set(df, p.inv);
  const auto lo = hn::Set(df, p.clip_lo), hi = hn::Set(df, p.clip_hi);
  const auto maxf = hn::Set(df, float(t.max)), min_normal = hn::Set(df, float(t.min_normal));
  const auto inv_min_sub = hn::Set(df, float(1.0 / t.min_subnormal));
  const auto sign_mask = hn::Set(du, 0x80000000u), abs_mask = hn::Set(du, 0x7FFFFFFFu);
  const auto code_sign = hn::Set(du, uint32_t(1) << (t.bits - 1));
  const auto v_emin = hn::Set(di, emin), v_127 = hn::Set(di, 127), v_M = hn::Set(di, M);
  const auto v_bias_shift = hn::Set(di, t.bias - 127);

  VecSums<decltype(dd)> sums(dd);
  ErrorSums local;
  double max_err = 0;
  int64_t n_clipped = 0, n_fast = 0;

  int64_t i = 0;
  for (; i + L <= a.n; i += L) {
    const auto v = hn::LoadU(df, a.x + i);
    auto xc = v;
    auto clipped = hn::Lt(scale, hn::Zero(df));  // all false
    if (p.clipping) {
      clipped = hn::Or(hn::Lt(v, lo), hn::Gt(v, hi));
      xc = hn::Min(hn::Max(v, lo), hi);
    }
    const auto y = scaled ? hn::Mul(xc, inv) : xc;
    const auto uy = hn::BitCast(du, y);
    const auto sign = hn::And(uy, sign_mask);
    hn::Vec<decltype(df)> yh;
    hn::Vec<decltype(du)> code;
    if (bf16) {
      // Round the float32 pattern to its top 16 bits, ties to even (carries into the
      // exponent are the right answer, including to Inf: caught as special below).
      const auto lsb = hn::And(hn::ShiftRight<16>(uy), hn::Set(du, 1u));
      const auto r = hn::And(hn::Add(hn::Add(uy, hn::Set(du, 0x7FFFu)), lsb), hn::Set(du, 0xFFFF0000u));
      yh = hn::BitCast(df, r);
      code = hn::ShiftRight<16>(r);
    } else {
      const auto ua = hn::And(uy, abs_mask);
      const auto a_abs = hn::BitCast(df, ua);
      // Exponent of |y| (float32 subnormals count as below emin), clamped to the
      // format's subnormal range; ulp and 1/ulp are exact powers of two.
      const auto e = hn::Max(hn::Sub(hn::BitCast(di, hn::ShiftRight<23>(ua)), v_127), v_emin);
      const auto ulp_e = hn::Sub(e, v_M);
      const auto ulp = hn::BitCast(df, hn::ShiftLeft<23>(hn::Add(ulp_e, v_127)));
      const auto inv_ulp = hn::BitCast(df, hn::ShiftLeft<23>(hn::Sub(v_127, ulp_e)));
      const auto mag = hn::Mul(hn::Round(hn::Mul(a_abs, inv_ulp)), ulp);  // exact
      const auto umag = hn::BitCast(du, mag);
      // Normal x̂: the format's exponent and the top M mantissa bits of x̂'s float32
      // pattern; subnormal x̂: its multiple of the smallest subnormal.
      const auto e_fmt = hn::BitCast(du, hn::Add(hn::BitCast(di, hn::ShiftRight<23>(umag)), v_bias_shift));
      const auto m_fmt = hn::ShiftRightSame(hn::And(umag, hn::Set(du, 0x007FFFFFu)), 23 - M);
      const auto normal_code = hn::Or(hn::ShiftLeftSame(e_fmt, M), m_fmt);
      const auto sub_code = hn::BitCast(du, hn::ConvertTo(di, hn::Mul(mag, inv_min_sub)));
      const auto mag_code = hn::IfThenElse(hn::RebindMask(du, hn::Ge(mag, min_normal)), normal_code, sub_code);
      code = hn::IfThenElse(hn::RebindMask(du, hn::Ne(sign, hn::Zero(du))), hn::Or(mag_code, code_sign), mag_code);
      yh = hn::BitCast(df, hn::Or(umag, sign));
    }
    // Lanes the arithmetic does not cover: non-finite input or y, and x̂ past the
    // largest finite value (saturation and the Inf/NaN rules live in the scalar codec).
    const auto special = hn::Or(hn::Not(hn::And(hn::IsFinite(v), hn::IsFinite(y))),
                                hn::Gt(hn::Abs(yh), maxf));
    if (!hn::AllFalse(df, special)) {
      for (int64_t k = 0; k < L; ++k) FloatQuantizeOne(a, i + k, &local, &max_err);
      continue;
    }
    const auto xh = scaled ? hn::Mul(yh, scale) : yh;
    hn::StoreU(hn::BitCast(di, code), di, a.q + i);
    hn::StoreU(xh, df, a.xhat + i);
    if (!hn::AllFalse(df, clipped)) n_clipped += int64_t(hn::CountTrue(df, clipped));
    n_fast += L;
    sums.add(hn::PromoteTo(dd, v), hn::PromoteTo(dd, xh));
  }
  for (; i < a.n; ++i) FloatQuantizeOne(a, i, &local, &max_err);
  ErrorSums fast;
  fast.n = n_fast;
  fast.n_clipped = n_clipped;
  sums.reduce(dd, &fast, &fast.max_abs_err);
  local.max_abs_err = max_err;
  fast.merge(local);
  acc->merge(fast);
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

}  // namespace HWY_NAMESPACE
}  // namespace qs::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qs::kernels {
HWY_EXPORT(RangeFinite);
HWY_EXPORT(RangeFinitePositions);
HWY_EXPORT(IntQuantize);
HWY_EXPORT(BinIndices);
HWY_EXPORT(FloatQuantize);

int64_t range_finite(const float* x, int64_t n, float* mn, float* mx) {
  return HWY_DYNAMIC_DISPATCH(RangeFinite)(x, n, mn, mx);
}
int64_t range_finite_positions(const float* x, int64_t n, float* mn, float* mx) {
  return HWY_DYNAMIC_DISPATCH(RangeFinitePositions)(x, n, mn, mx);
}
void int_quantize(const IntKernelArgs& a, ErrorSums* acc) {
  HWY_DYNAMIC_DISPATCH(IntQuantize)(a, acc);
}
void bin_indices(const float* v, const float* b, int64_t n, const HistogramSpec& spec,
                 int32_t* out) {
  HWY_DYNAMIC_DISPATCH(BinIndices)(v, b, n, spec, out);
}
void float_quantize(const FloatKernelArgs& a, ErrorSums* acc) {
  HWY_DYNAMIC_DISPATCH(FloatQuantize)(a, acc);
}
}  // namespace qs::kernels
#endif
