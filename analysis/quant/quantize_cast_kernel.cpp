// The float-format cast kernel of quantize() (kernels::float_quantize, see
// quantize_kernels.h): full float lanes, exact power-of-two rounding, codes from x̂'s bits,
// float32 partial error sums carried into float64 (kernel_sums-inl.h). Vectors with a
// lane the arithmetic does not cover go through quantize_element, the scalar reference.
#include "analysis/quant/quantize_kernels.h"

#include <cmath>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "analysis/quant/quantize_cast_kernel.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "analysis/quant/kernel_sums-inl.h"

HWY_BEFORE_NAMESPACE();
namespace qs::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One element of float_quantize, scalar (the fallback for special lanes and the tail).
template <class Marker>
inline void FloatQuantizeOne(const FloatKernelArgs& a, int64_t i, ErrorSums* acc, double* max_err,
                             Marker& marker) {
  const float v = a.x[i];
  if (!std::isfinite(v)) {
    a.q[i] = 0;
    a.xhat[i] = v;
    return;
  }
  const ElementResult r = quantize_element(*a.scheme, *a.params, v, 0.0f);
  a.q[i] = r.code;
  a.xhat[i] = r.xhat;
  marker.one(r.code);
  AddScalar(v, r.xhat, r.clipped, acc, max_err);
}

void FloatQuantize(const FloatKernelArgs& a, ErrorSums* acc) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::RebindToUnsigned<decltype(df)> du;
  const int64_t L = int64_t(hn::Lanes(df));
  const Scheme& s = *a.scheme;
  const GroupParams& p = *a.params;
  const numeric::FormatTraits& t = numeric::traits(s.format);
  const bool bf16 = s.format == numeric::FloatFormat::BF16;
  const bool scaled = s.scale == ScaleMode::Absmax;
  const bool clipping = p.clipping;
  const int M = t.mantissa_bits, emin = 1 - t.bias;
  const float* HWY_RESTRICT x = a.x;
  int32_t* HWY_RESTRICT qo = a.q;
  float* HWY_RESTRICT xo = a.xhat;

  const auto scale = hn::Set(df, p.scale), inv = hn::Set(df, p.inv);
  const auto lo = hn::Set(df, p.clip_lo), hi = hn::Set(df, p.clip_hi);
  const auto maxf = hn::Set(df, float(t.max)), min_normal = hn::Set(df, float(t.min_normal));
  const auto inv_min_sub = hn::Set(df, float(1.0 / t.min_subnormal));
  const auto sign_mask = hn::Set(du, 0x80000000u), abs_mask = hn::Set(du, 0x7FFFFFFFu);
  const auto code_sign = hn::Set(du, uint32_t(1) << (t.bits - 1));
  // Bit patterns: exponent field of 2^emin, M in the exponent field, 2^127·2^127, and
  // the offset between x̂'s float32 pattern (>> 23-M) and the format's normal code.
  const auto exp_mask = hn::Set(di, 0x7F800000), emin_bits = hn::Set(di, (emin + 127) << 23);
  const auto m_bits = hn::Set(di, M << 23), two254 = hn::Set(di, 254 << 23);
  const auto code_shift = hn::Set(du, uint32_t(127 - t.bias) << M);

  HWY_ALIGN double sum_acc[TileSums<decltype(df)>::kAccDoubles];
  TileSums<decltype(df)> sums(df, sum_acc);
  CodeMarker<decltype(di)> marker(di, a.marks);
  ErrorSums local;
  double max_err = 0;
  int64_t n_clipped = 0, n_fast = 0;

  int64_t i = 0;
  for (; i + L <= a.n; i += L) {
    const auto v = hn::LoadU(df, x + i);
    auto xc = v;
    auto clipped = hn::Lt(scale, hn::Zero(df));  // all false
    if (clipping) {
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
      // ulp = 2^(max(e, emin) - M) and 1/ulp built on the exponent field directly.
      const auto ulp_bits = hn::Sub(hn::Max(hn::And(hn::BitCast(di, ua), exp_mask), emin_bits), m_bits);
      const auto ulp = hn::BitCast(df, ulp_bits);
      const auto inv_ulp = hn::BitCast(df, hn::Sub(two254, ulp_bits));
      const auto mag = hn::Mul(hn::Round(hn::Mul(a_abs, inv_ulp)), ulp);  // exact
      const auto umag = hn::BitCast(du, mag);
      // Normal x̂: the format's exponent and the top M mantissa bits of x̂'s float32
      // pattern; subnormal x̂: its multiple of the smallest subnormal.
      // (x̂'s low mantissa bits are zero: it is a value of the format.)
      const auto normal_code = hn::Sub(hn::ShiftRightSame(umag, 23 - M), code_shift);
      const auto sub_code = hn::BitCast(du, hn::ConvertTo(di, hn::Mul(mag, inv_min_sub)));
      const auto mag_code = hn::IfThenElse(hn::RebindMask(du, hn::Ge(mag, min_normal)), normal_code, sub_code);
      code = hn::IfThenElse(hn::RebindMask(du, hn::Ne(sign, hn::Zero(du))), hn::Or(mag_code, code_sign), mag_code);
      yh = hn::BitCast(df, hn::Or(umag, sign));
    }
    // Lanes the arithmetic does not cover: non-finite input or y, and x̂ past the
    // largest finite value (saturation and the Inf/NaN rules live in the scalar codec).
    // Without clipping one test covers them all: a NaN or infinite x or y gives a NaN or
    // infinite x̂ (bf16: its own pattern; others: Round(±inf)·ulp or NaN), and
    // !(|x̂| <= max) holds for those. Clipping maps ±inf (and NaN) into the range.
    auto special = hn::Not(hn::Le(hn::Abs(yh), maxf));
    if (clipping) special = hn::Or(special, hn::Not(hn::IsFinite(v)));
    if (HWY_UNLIKELY(!hn::AllFalse(df, special))) {
      for (int64_t k = 0; k < L; ++k) FloatQuantizeOne(a, i + k, &local, &max_err, marker);
      continue;
    }
    const auto xh = scaled ? hn::Mul(yh, scale) : yh;
    const auto ci = hn::BitCast(di, code);
    hn::StoreU(ci, di, qo + i);
    hn::StoreU(xh, df, xo + i);
    marker.vec(ci, qo + i, L);
    if (clipping && !hn::AllFalse(df, clipped)) n_clipped += int64_t(hn::CountTrue(df, clipped));
    n_fast += L;
    sums.add(df, v, xh);
  }
  for (; i < a.n; ++i) FloatQuantizeOne(a, i, &local, &max_err, marker);
  marker.finish();
  sums.merge_into(df, n_fast, n_clipped, local, max_err, acc);
}

}  // namespace HWY_NAMESPACE
}  // namespace qs::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qs::kernels {
HWY_EXPORT(FloatQuantize);
void float_quantize(const FloatKernelArgs& a, ErrorSums* acc) {
  HWY_DYNAMIC_DISPATCH(FloatQuantize)(a, acc);
}
}  // namespace qs::kernels
#endif
