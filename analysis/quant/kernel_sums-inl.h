// What the fused kernels share: the error sums over full float lanes (TileSums) and the
// codes-used marks (CodeMarker). A Highway per-target header: included once per SIMD
// target from quantize_kernels.cpp and quantize_cast_kernel.cpp.
//
// DESIGN.md allows float32 partial sums over tiles of at most 1024 elements, carried into
// float64. Here each float lane sums at most kFlushVectors = 16 terms in float32 (FMA, so
// each product is rounded once, inside the add), then the lanes are added into float64
// accumulators in a fixed order. Bound: a float32 sum of k ≤ 16 non-negative terms has a
// relative error ≤ (k-1)·2^-24 from the adds, plus 2^-24 from x - x̂ (exact whenever
// x̂ is within a factor 2 of x, Sterbenz) and the float64 carry adds ~2^-52 per term, so
// every sum of non-negative terms (Σx², Σx̂², Σ(x-x̂)², Σ|x-x̂|) is within
// 17·2^-24 ≈ 1.02e-6 of the exact float64 sum, relatively; Σx·x̂ within the same
// fraction of Σ|x·x̂|. max |x-x̂| is exact up to the one rounding of x - x̂ (2^-24).
// The grouping depends only on the element positions inside the tile, never on the
// thread that runs it, so results do not depend on the thread count.
#if defined(QS_ANALYSIS_KERNEL_SUMS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef QS_ANALYSIS_KERNEL_SUMS_INL_H_
#undef QS_ANALYSIS_KERNEL_SUMS_INL_H_
#else
#define QS_ANALYSIS_KERNEL_SUMS_INL_H_
#endif

#include <algorithm>
#include <cmath>
#include <limits>

#include <hwy/highway.h>

#include "analysis/quant/metrics.h"
#include "analysis/quant/quantize_kernels.h"

HWY_BEFORE_NAMESPACE();
namespace qs::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One finite element's contribution to the float64 sums (scalar paths and tails).
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

template <class DF>
class TileSums {
 public:
  static constexpr int kFlushVectors = 16;
  using VF = hn::Vec<DF>;
  using DD = hn::Repartition<double, DF>;

  // The float64 accumulators live in memory the caller owns (kAccDoubles doubles, aligned):
  // touched once per kFlushVectors vectors, in registers they would hold five vectors
  // through the kernels' loops (and spill); inside this object they kept it, float
  // accumulators included, in memory.
  static constexpr size_t kMaxD = 64 / sizeof(double) * 4;  // ≥ Lanes(DD) on every target
  static constexpr size_t kAccDoubles = 5 * kMaxD;
  TileSums(DF df, double* acc) : x2_(hn::Zero(df)), y2_(x2_), xy_(x2_), e2_(x2_), ae_(x2_), mx_(x2_), acc_(acc) {
    for (size_t k = 0; k < kAccDoubles; ++k) acc_[k] = 0.0;
  }

  // x and x̂ of one vector (zero in lanes that must not count).
  HWY_INLINE void add(DF df, VF x, VF y) {
    const VF e = hn::Sub(x, y);
    x2_ = hn::MulAdd(x, x, x2_);
    y2_ = hn::MulAdd(y, y, y2_);
    xy_ = hn::MulAdd(x, y, xy_);
    e2_ = hn::MulAdd(e, e, e2_);
    const VF a = hn::Abs(e);
    ae_ = hn::Add(ae_, a);
    mx_ = hn::Max(mx_, a);
    if (HWY_UNLIKELY(++count_ == kFlushVectors)) flush(df);
  }

  // The end of every kernel: the vector lanes' sums (n, n_clipped given) merged with the
  // scalar tail's `tail` (its max in tail_max), in that order, into *acc.
  void merge_into(DF df, int64_t n, int64_t n_clipped, ErrorSums tail, double tail_max, ErrorSums* acc) {
    ErrorSums vec;
    vec.n = n;
    vec.n_clipped = n_clipped;
    double vec_max = 0;
    finish(df, &vec, &vec_max);
    vec.max_abs_err = vec_max;
    tail.max_abs_err = tail_max;
    vec.merge(tail);
    acc->merge(vec);
  }

  // Adds the totals into *out (n and n_clipped are the caller's) and the max into *max_err.
  void finish(DF df, ErrorSums* out, double* max_err) {
    flush(df);
    const DD dd;
    double* sums[5] = {&out->sum_x2, &out->sum_y2, &out->sum_xy, &out->sum_err2, &out->sum_abs_err};
    for (int k = 0; k < 5; ++k) *sums[k] += hn::GetLane(hn::SumOfLanes(dd, hn::Load(dd, acc_ + k * kMaxD)));
    *max_err = std::max(*max_err, double(hn::GetLane(hn::MaxOfLanes(df, mx_))));
  }

 private:
  // Carries one float vector into acc_[k]: lanes in order, half a vector at a time.
  HWY_INLINE void carry(DF df, int k, VF v) {
    (void)df;
    const DD dd;
    double* p = acc_ + k * kMaxD;
#if HWY_TARGET == HWY_SCALAR
    hn::Store(hn::Add(hn::Load(dd, p), hn::PromoteTo(dd, v)), dd, p);
#else
    const hn::Half<DF> dh;
    auto a = hn::Add(hn::Load(dd, p), hn::PromoteTo(dd, hn::LowerHalf(dh, v)));
    a = hn::Add(a, hn::PromoteTo(dd, hn::UpperHalf(dh, v)));
    hn::Store(a, dd, p);
#endif
  }
  HWY_INLINE void flush(DF df) {
    if (count_ == 0) return;
    carry(df, 0, x2_);
    carry(df, 1, y2_);
    carry(df, 2, xy_);
    carry(df, 3, e2_);
    carry(df, 4, ae_);
    x2_ = y2_ = xy_ = e2_ = ae_ = hn::Zero(df);
    count_ = 0;
  }

  VF x2_, y2_, xy_, e2_, ae_, mx_;
  int count_ = 0;
  double* acc_;
};

// Codes used (CodeMarks in quantize_kernels.h) from inside a kernel: one unsigned compare
// per interval for a vector of codes; stores only for vectors with a code outside both.
template <class DI>
class CodeMarker {
 public:
  using VI = hn::Vec<DI>;
  using DU = hn::RebindToUnsigned<DI>;
  CodeMarker(DI di, CodeMarks* m)
      : m_(m), seen_(m ? m->seen : nullptr), offset_(m ? m->offset : 0),
        off_(hn::Set(di, offset_)),
        lo0_(hn::Set(di, m ? m->lo[0] : CodeMarks::kEmpty)), lo1_(hn::Set(di, m ? m->lo[1] : CodeMarks::kEmpty)),
        w0_(hn::Set(DU(), m ? m->width[0] : 0u)), w1_(hn::Set(DU(), m ? m->width[1] : 0u)) {}

  // All lanes finite; `q` holds the same codes, already stored.
  HWY_INLINE void vec(VI codes, const int32_t* q, int64_t L) {
    if (!seen_) return;
    const DU du;
    const auto slot = hn::Add(codes, off_);
    const auto out0 = hn::Gt(hn::BitCast(du, hn::Sub(slot, lo0_)), w0_);
    const auto out1 = hn::Gt(hn::BitCast(du, hn::Sub(slot, lo1_)), w1_);
    const auto out = hn::And(out0, out1);
    if (HWY_LIKELY(hn::AllFalse(du, out))) return;
    // Only the lanes outside (usually one): walk the mask's bits.
    uint8_t bytes[8] = {};
    hn::StoreMaskBits(du, out, bytes);
    for (int64_t b = 0; b * 8 < L; ++b) {
      for (unsigned m = bytes[b]; m != 0; m &= m - 1) one(q[b * 8 + __builtin_ctz(m)]);
    }
  }
  // After a kernel that tracked the span [code_lo, code_hi] of its all-finite vectors'
  // codes: if it lies inside one interval, nothing to store; else every finite element's
  // code of q[0..n) goes through the vector test.
  void settle(DI di, const float* x, const int32_t* q, int64_t n, int32_t code_lo, int32_t code_hi) {
    if (!seen_) return;
    const int32_t lo = code_lo + offset_, hi = code_hi + offset_;
    for (int k = 0; k < 2; ++k) {
      if (m_->lo[k] != CodeMarks::kEmpty && lo >= m_->lo[k] && int64_t(hi) <= int64_t(m_->lo[k]) + m_->width[k]) return;
    }
    const hn::Rebind<float, DI> df;
    const int64_t L = int64_t(hn::Lanes(di));
    int64_t i = 0;
    for (; i + L <= n; i += L) {
      const auto fin = hn::RebindMask(di, hn::IsFinite(hn::LoadU(df, x + i)));
      if (hn::AllTrue(di, fin)) {
        vec(hn::LoadU(di, q + i), q + i, L);
      } else {
        for (int64_t k = 0; k < L; ++k)
          if (std::isfinite(x[i + k])) one(q[i + k]);
      }
    }
    for (; i < n; ++i)
      if (std::isfinite(x[i])) one(q[i]);
  }
  HWY_INLINE void one(int32_t code) {
    if (!seen_) return;
    last_ = code + offset_;
    seen_[last_] = 1;
  }
  void finish() {
    if (m_ && last_ >= 0) m_->last = last_;
  }

 private:
  CodeMarks* m_;
  uint8_t* seen_;
  int32_t offset_;
  int32_t last_ = -1;
  VI off_, lo0_, lo1_;
  hn::Vec<DU> w0_, w1_;
};

}  // namespace HWY_NAMESPACE
}  // namespace qs::kernels
HWY_AFTER_NAMESPACE();

#endif  // QS_ANALYSIS_KERNEL_SUMS_INL_H_
