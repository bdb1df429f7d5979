// The SIMD kernels of calibrate.cpp (Highway: compiled per target, dispatched at run
// time): order-preserving keys for the percentile's radix passes, the compaction of one
// radix bin, the KL histogram's bin indices, and min/max. Pure functions of their input.
#include "analysis/quant/calibrate_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "analysis/quant/calibrate_kernels.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace qs::calib_kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Order-preserving uint32 key of a finite float (see key_of below), or of |x|.
template <class DU, class V>
HWY_INLINE hn::Vec<DU> Keys(DU du, V v, bool abs) {
  const hn::RebindToSigned<DU> di;
  const auto u = hn::BitCast(du, v);
  const auto top = hn::Set(du, 0x80000000u);
  if (abs) return hn::Or(u, top);
  const auto sign = hn::BitCast(du, hn::ShiftRight<31>(hn::BitCast(di, v)));
  return hn::Xor(u, hn::Or(sign, top));
}

HWY_INLINE uint32_t ScalarKey(float v, bool abs) {
  uint32_t u;
  std::memcpy(&u, &v, sizeof u);
  if (abs) return u | 0x80000000u;
  return u ^ (uint32_t(int32_t(u) >> 31) | 0x80000000u);
}

// out[i] = key(x[i]) >> 16 (the radix bin of pass 1).
void TopBins(const float* HWY_RESTRICT x, size_t n, bool abs, uint32_t* HWY_RESTRICT out) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const size_t L = hn::Lanes(df);
  size_t i = 0;
  for (; i + L <= n; i += L) {
    hn::StoreU(hn::ShiftRight<16>(Keys(du, hn::LoadU(df, x + i), abs)), du, out + i);
  }
  for (; i < n; ++i) out[i] = ScalarKey(x[i], abs) >> 16;
}

// Keys of the elements whose radix bin is b0 or b1, compacted into out (capacity
// n + lanes); returns how many.
size_t CollectBins(const float* HWY_RESTRICT x, size_t n, bool abs, uint32_t b0, uint32_t b1,
                   uint32_t* HWY_RESTRICT out) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const size_t L = hn::Lanes(df);
  const auto v0 = hn::Set(du, b0), v1 = hn::Set(du, b1);
  size_t i = 0, count = 0;
  for (; i + L <= n; i += L) {
    const auto k = Keys(du, hn::LoadU(df, x + i), abs);
    const auto t = hn::ShiftRight<16>(k);
    const auto m = hn::Or(hn::Eq(t, v0), hn::Eq(t, v1));
    if (!hn::AllFalse(du, m)) count += hn::CompressStore(k, m, du, out + count);
  }
  for (; i < n; ++i) {
    const uint32_t k = ScalarKey(x[i], abs);
    if ((k >> 16) == b0 || (k >> 16) == b1) out[count++] = k;
  }
  return count;
}

// KL histogram bins of |x|: out[i] = min(trunc(double(|x[i]|)·scale), bins - 1), in double
// like the scalar definition (double lanes, each float promoted 1:1).
void AbsBins(const float* HWY_RESTRICT x, size_t n, double scale, uint32_t bins,
             uint32_t* HWY_RESTRICT out) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const hn::Rebind<int32_t, decltype(dd)> di;
  const size_t L = hn::Lanes(dd);
  const auto vscale = hn::Set(dd, scale);
  const auto vlast = hn::Set(di, int32_t(bins - 1));
  size_t i = 0;
  for (; i + L <= n; i += L) {
    const auto a = hn::Abs(hn::PromoteTo(dd, hn::LoadU(df, x + i)));
    const auto j = hn::Min(hn::DemoteTo(di, hn::Mul(a, vscale)), vlast);
    hn::StoreU(j, di, reinterpret_cast<int32_t*>(out + i));
  }
  for (; i < n; ++i) {
    const size_t j = size_t(double(std::fabs(x[i])) * scale);
    out[i] = uint32_t(std::min(j, size_t(bins - 1)));
  }
}

// min and max of n >= 1 finite values.
void MinMax(const float* HWY_RESTRICT x, size_t n, float* lo, float* hi) {
  const hn::ScalableTag<float> df;
  const size_t L = hn::Lanes(df);
  float mn = x[0], mx = x[0];
  size_t i = 0;
  if (n >= 2 * L) {
    auto a0 = hn::LoadU(df, x), a1 = hn::LoadU(df, x + L);
    auto b0 = a0, b1 = a1;
    for (i = 2 * L; i + 2 * L <= n; i += 2 * L) {
      const auto v0 = hn::LoadU(df, x + i), v1 = hn::LoadU(df, x + i + L);
      a0 = hn::Min(a0, v0);
      a1 = hn::Min(a1, v1);
      b0 = hn::Max(b0, v0);
      b1 = hn::Max(b1, v1);
    }
    mn = hn::GetLane(hn::MinOfLanes(df, hn::Min(a0, a1)));
    mx = hn::GetLane(hn::MaxOfLanes(df, hn::Max(b0, b1)));
  }
  for (; i < n; ++i) {
    mn = std::min(mn, x[i]);
    mx = std::max(mx, x[i]);
  }
  *lo = mn;
  *hi = mx;
}

}  // namespace HWY_NAMESPACE
}  // namespace qs::calib_kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qs::calib_kernels {
HWY_EXPORT(TopBins);
HWY_EXPORT(CollectBins);
HWY_EXPORT(MinMax);
HWY_EXPORT(AbsBins);

TopBinsFn top_bins() {
  return HWY_DYNAMIC_DISPATCH(TopBins);
}
CollectBinsFn collect_bins() {
  return HWY_DYNAMIC_DISPATCH(CollectBins);
}
void abs_bins(const float* x, size_t n, double scale, uint32_t bins, uint32_t* out) {
  HWY_DYNAMIC_DISPATCH(AbsBins)(x, n, scale, bins, out);
}
void min_max(const float* x, size_t n, float* lo, float* hi) {
  HWY_DYNAMIC_DISPATCH(MinMax)(x, n, lo, hi);
}
}  // namespace qs::calib_kernels
#endif  // HWY_ONCE
