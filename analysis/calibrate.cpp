// Clip-range estimation for one group (DESIGN.md "Numeric conventions" → clipping).
//
// Input: one group's finite values x (non-empty; callers handle empty groups and filter
// NaN/Inf). calibrate(x, s) returns the clamp range [lo, hi] the quantizer hands to
// choose_params(s, lo, hi, clipping). "absmax-like" kinds (Absmax, NF4, Float — with or
// without scale=absmax) get a symmetric [-T, T]; Minmax gets [lo, hi].
//
//   None        absmax-like: T = max|x|;  minmax: [min x, max x].
//   Range       [clip.lo, clip.hi] as given.
//   Percentile  P is NumPy's default ('linear') percentile: r = p/100·(n-1), k = ⌊r⌋,
//               t = r - k, a = v[k], b = v[k+1] (sorted, in double), and the value is
//               NumPy's _lerp bit for bit: t == 0 → a; t < 0.5 → a + (b-a)·t;
//               else b - (b-a)·(1-t). (Mathematically a + t·(b-a); the two-sided form
//               is what np.percentile evaluates, so float64 results match NumPy exactly.)
//               absmax-like: T = P_p(|x|); minmax: [P_{100-p}(x), P_p(x)] (ordered, so
//               p < 50 gives the same range as 100-p). Results are rounded to float.
//   Sigma k     μ, σ (population) in double. minmax: [max(μ-kσ, min), min(μ+kσ, max)];
//               absmax-like: T = min(max(|μ-kσ|, |μ+kσ|), max|x|). A threshold wider
//               than the data would only waste levels, so it is intersected with them.
//   Mse         the range minimizing the group's MSE after quantize→dequantize with
//               choose_params + quantize_element (the scheme's own arithmetic; stochastic
//               rounding is evaluated as nearest-even, u = 0). Candidates are shrink
//               factors α of the full range: absmax-like [-α·amax, α·amax], minmax
//               [α·min, α·max]. Coarse α = i/128, i = 1..128; then 32 evenly spaced α in
//               [α_{i-1}, α_{i+1}] around the best i, clamped to (0, 1]. The smallest MSE
//               wins, ties → the larger α (fewer clipped values). Each MSE is exact over
//               the elements in double — for n > 2^18 over a deterministic strided
//               subsample of 2^18 elements x[⌊j·n/2^18⌋], j = 0..2^18-1 (amax, min and
//               max still come from all n). amax == 0 → [0, 0].
//               mse_optimal_threshold returns max(|lo|, |hi|) of that range (= T).
//   Kl          TensorRT entropy calibration (Migacz, "8-bit inference with TensorRT",
//               GTC 2017): histogram of |x| with 2048 bins over [0, amax] (NumPy bins,
//               the last one closed); L = 2^(bits-1) target levels (absmax/minmax: the
//               scheme's bits; nf4: 8; float kinds: 128), capped at 2048. For i in
//               [L, 2048]: P = hist[0:i] with the outliers Σ hist[i:] added to P[i-1];
//               Q = hist[0:i] (as in the paper's pseudo-code: before the outliers are
//               folded in) merged into L buckets (bin j → bucket ⌊j·L/i⌋), each bucket's
//               mass spread evenly over its non-empty bins (empty bins stay 0). P and Q
//               are normalized; KL(P‖Q) skips P = 0 terms; where P > 0 but Q = 0 (only
//               possible at bin i-1, when it is empty but outliers were folded into it) Q
//               is taken as ε = 1e-10, below the mass of a single element for any
//               realistic n, so the term is always a penalty. argmin i (ties → larger i),
//               T = min((i + 0.5)·amax/2048, amax) (capped like sigma: at i = 2048 the
//               half-bin would reach past the data). amax == 0 → T = 0.
//               absmax-like → [-T, T]; minmax → [max(min, -T), min(max, T)]; if the data
//               lie entirely on one side beyond T that intersection is empty and the
//               range collapses to the data end nearest to [-T, T].
//
// percentile(): exact and fast. Floats are mapped to order-preserving uint32 keys (the
// IEEE total order: -0 < +0, so ties between ±0 resolve the same way everywhere). Pass 1
// counts the top 16 key bits (65536 bins — scale-free, so heavy tails or data packed into
// a narrow range cost nothing extra); the bin holding rank k is found by a prefix scan.
// Pass 2 counts the low 16 key bits of that bin's elements only, which pins down the k-th
// key exactly — the "selection inside the one bin" needs no copy at all. When t > 0 the
// (k+1)-th value is either in the same bin or the minimum of the next non-empty bin
// (tracked in the same pass). Small groups (n <= 2^15) copy keys and nth_element
// instead, which beats clearing and scanning a 256 KiB histogram twice. percentile_ref
// sorts a copy with the same total order and applies the same formula: the two agree bit
// for bit. Key computation, the pass-2 bin filter (compress-store of the few matching
// keys), min/max and the KL bin indices are Highway kernels (runtime dispatch); the
// histogram increments stay scalar. Everything is a pure function of its input: no
// threads, no state, so results never depend on the machine's SIMD width.
//
// Empty input (outside the contract) gives a NaN percentile (as does p = NaN) and a
// [0, 0] range.
#include "analysis/calibrate.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "analysis/quant_math.h"

// [SECTION] SIMD kernels (Highway, compiled per target, dispatched at run time)
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "analysis/calibrate.cpp"
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

// The best target's kernels, chosen once per call site by the caller.
using TopBinsFn = void (*)(const float*, size_t, bool, uint32_t*);
using CollectBinsFn = size_t (*)(const float*, size_t, bool, uint32_t, uint32_t, uint32_t*);
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

namespace qs {

namespace {

// [SECTION] Ranks and NumPy's interpolation

struct Rank {
  std::size_t k = 0;  // lower order statistic
  double t = 0.0;     // interpolation weight toward k+1 (0 when k is the last)
};

Rank rank_of(std::size_t n, double p) {
  p = std::clamp(p, 0.0, 100.0);
  const double r = double(n - 1) * (p / 100.0);  // NumPy: (n-1) * (q/100)
  const double fl = std::floor(r);
  Rank rk;
  rk.k = std::size_t(fl);
  if (rk.k >= n - 1) return {n - 1, 0.0};
  rk.t = r - fl;
  return rk;
}

// numpy.lib.function_base._lerp, evaluated the same way.
double numpy_lerp(double a, double b, double t) {
  if (t == 0.0) return a;  // the order statistic itself (keeps the sign of a zero)
  const double d = b - a;
  return t < 0.5 ? a + d * t : b - d * (1.0 - t);
}

// [SECTION] Order-preserving keys

// Finite floats → uint32 in IEEE total order (negatives reversed, sign bit flipped).
inline uint32_t key_of(float v) {
  const uint32_t u = std::bit_cast<uint32_t>(v);
  return u ^ (uint32_t(int32_t(u) >> 31) | 0x80000000u);
}
// Key of |v|: |v| is non-negative, so its key is its bits with the sign bit set.
inline uint32_t abs_key_of(float v) {
  return std::bit_cast<uint32_t>(v) | 0x80000000u;
}

inline float float_of_key(uint32_t k) {
  const uint32_t mask = uint32_t(~(int32_t(k) >> 31)) | 0x80000000u;
  return std::bit_cast<float>(k ^ mask);
}

template <bool Abs>
inline uint32_t key(float v) {
  if constexpr (Abs) {
    return abs_key_of(v);
  } else {
    return key_of(v);
  }
}

// [SECTION] Exact order statistics

struct KeyPair {
  uint32_t k0 = 0, k1 = 0;  // keys of order statistics k and k+1 (k1 valid if requested)
};

inline constexpr std::size_t kSmallN = std::size_t(1) << 15;
inline constexpr std::size_t kRadixBins = std::size_t(1) << 16;

template <bool Abs>
KeyPair select_small(std::span<const float> x, std::size_t k, bool need_next) {
  std::vector<uint32_t> keys(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) keys[i] = key<Abs>(x[i]);
  std::nth_element(keys.begin(), keys.begin() + std::ptrdiff_t(k), keys.end());
  KeyPair r;
  r.k0 = keys[k];
  if (need_next) r.k1 = *std::min_element(keys.begin() + std::ptrdiff_t(k + 1), keys.end());
  return r;
}

// Finds the bin holding rank `rank` in counts (prefix scan); returns {bin, rank in bin}.
template <class Count>
std::pair<std::size_t, uint64_t> locate(const std::vector<Count>& counts, uint64_t rank) {
  std::size_t b = 0;
  uint64_t cum = 0;
  while (cum + counts[b] <= rank) cum += counts[b++];
  return {b, rank - cum};
}

inline constexpr std::size_t kBlock = 4096;  // elements per SIMD kernel call

template <bool Abs, class Count>
KeyPair select_radix(std::span<const float> x, std::size_t k, bool need_next) {
  const float* p = x.data();
  const std::size_t n = x.size();
  std::vector<Count> hist(kRadixBins, 0);
  std::vector<uint32_t> buf(kBlock + 64);  // + room for a whole vector past the end

  // Pass 1: top 16 key bits. SIMD computes the bins of a block, the counting is scalar.
  const auto top_bins = calib_kernels::top_bins();
  for (std::size_t off = 0; off < n; off += kBlock) {
    const std::size_t len = std::min(kBlock, n - off);
    top_bins(p + off, len, Abs, buf.data());
    std::size_t j = 0;
    for (; j + 4 <= len; j += 4) {
      ++hist[buf[j]];
      ++hist[buf[j + 1]];
      ++hist[buf[j + 2]];
      ++hist[buf[j + 3]];
    }
    for (; j < len; ++j) ++hist[buf[j]];
  }

  const auto [bin, r0] = locate(hist, k);
  // Is order statistic k+1 in the same bin, or the smallest key of the next non-empty one?
  const bool next_in_bin = !need_next || r0 + 1 < uint64_t(hist[bin]);
  std::size_t next_bin = bin;
  if (!next_in_bin) {
    next_bin = bin + 1;
    while (hist[next_bin] == 0) ++next_bin;  // exists: k+1 < n
  }

  // Pass 2: SIMD picks out the keys in `bin` (and `next_bin`); the low 16 bits of those
  // in `bin` are counted (reusing the buffer), those in `next_bin` give their minimum.
  std::fill(hist.begin(), hist.end(), Count(0));
  uint32_t next_min = std::numeric_limits<uint32_t>::max();
  const uint32_t hb = uint32_t(bin), hn = uint32_t(next_bin);
  const auto collect = calib_kernels::collect_bins();
  for (std::size_t off = 0; off < n; off += kBlock) {
    const std::size_t len = std::min(kBlock, n - off);
    const std::size_t m = collect(p + off, len, Abs, hb, hn, buf.data());
    for (std::size_t j = 0; j < m; ++j) {
      const uint32_t kk = buf[j];
      if ((kk >> 16) == hb) {
        ++hist[kk & 0xFFFFu];
      } else {
        next_min = std::min(next_min, kk);
      }
    }
  }

  KeyPair r;
  r.k0 = (hb << 16) | uint32_t(locate(hist, r0).first);
  if (need_next) {
    r.k1 = next_in_bin ? (hb << 16) | uint32_t(locate(hist, r0 + 1).first) : next_min;
  }
  return r;
}

template <bool Abs>
double percentile_impl(std::span<const float> x, double p) {
  const Rank rk = rank_of(x.size(), p);
  const bool need_next = rk.t != 0.0;
  KeyPair kp;
  if (x.size() <= kSmallN) {
    kp = select_small<Abs>(x, rk.k, need_next);
  } else if (x.size() <= std::numeric_limits<uint32_t>::max()) {
    kp = select_radix<Abs, uint32_t>(x, rk.k, need_next);
  } else {
    kp = select_radix<Abs, uint64_t>(x, rk.k, need_next);
  }
  const double a = float_of_key(kp.k0);
  const double b = need_next ? double(float_of_key(kp.k1)) : a;
  return numpy_lerp(a, b, rk.t);
}

// [SECTION] Plain statistics

struct MinMax {
  float lo = 0, hi = 0;
  float amax() const { return std::max(std::fabs(lo), std::fabs(hi)); }
};

MinMax min_max(std::span<const float> x) {
  MinMax mm;
  calib_kernels::min_max(x.data(), x.size(), &mm.lo, &mm.hi);
  return mm;
}

bool absmax_like(const Scheme& s) {
  return s.kind != Kind::Minmax;
}

ClipRange symmetric(float t) {
  return {-t, t};
}

// [SECTION] Sigma

ClipRange sigma_range(std::span<const float> x, const Scheme& s, const MinMax& mm) {
  double sum = 0.0;
  for (float v : x) sum += v;
  const double mu = sum / double(x.size());
  double ss = 0.0;
  for (float v : x) ss += (double(v) - mu) * (double(v) - mu);
  const double sigma = std::sqrt(ss / double(x.size()));
  const double k = s.clip.k;
  const double lo = mu - k * sigma, hi = mu + k * sigma;
  if (absmax_like(s)) {
    const double t = std::min(std::max(std::fabs(lo), std::fabs(hi)), double(mm.amax()));
    return symmetric(float(t));
  }
  // Clamp after rounding to float so the range never leaves [min, max].
  const float l = std::clamp(float(lo), mm.lo, mm.hi);
  const float h = std::clamp(float(hi), mm.lo, mm.hi);
  return {std::min(l, h), std::max(l, h)};
}

// [SECTION] MSE-optimal range

ClipRange shrink(const Scheme& s, const MinMax& mm, double alpha) {
  if (absmax_like(s)) return symmetric(float(alpha * double(mm.amax())));
  return {float(alpha * double(mm.lo)), float(alpha * double(mm.hi))};
}

double range_mse(std::span<const float> xs, const Scheme& s, const ClipRange& r) {
  const GroupParams gp = choose_params(s, r.lo, r.hi, true);
  double acc = 0.0;
  for (float v : xs) {
    const double e = double(v) - double(quantize_element(s, gp, v, 0.0f).xhat);
    acc += e * e;
  }
  return acc / double(xs.size());
}

// [SECTION] KL (entropy) calibration

inline constexpr double kKlEpsilon = 1e-10;

// Per-histogram prefix sums so one candidate costs O(levels), not O(i):
// H = Σ h, A = Σ h·ln h, C = #non-empty bins.
struct KlPrefix {
  std::vector<double> h, H, A, C;
  double total = 0.0;
  explicit KlPrefix(std::span<const double> hist)
      : h(hist.begin(), hist.end()),
        H(hist.size() + 1, 0.0),
        A(hist.size() + 1, 0.0),
        C(hist.size() + 1, 0.0) {
    for (std::size_t j = 0; j < hist.size(); ++j) {
      const double v = hist[j];
      H[j + 1] = H[j] + v;
      A[j + 1] = A[j] + (v > 0.0 ? v * std::log(v) : 0.0);
      C[j + 1] = C[j] + (v > 0.0 ? 1.0 : 0.0);
    }
    total = H[hist.size()];
  }
};

// KL(P‖Q) for keeping the first i bins, Q with `levels` buckets (see the header comment).
//   KL = Σ_j P_j (ln P_j - ln Q_j), P_j = h_j/N (j < i-1), Q_j = (m_b/c_b)/S for h_j > 0
// so a bucket's bins j < i-1 contribute (1/N)[Σ h ln h - Σ h·(ln N + ln m_b - ln c_b - ln S)].
double kl_candidate(const KlPrefix& pf, std::size_t i, std::size_t levels) {
  const double n = pf.total;
  if (n <= 0.0) return 0.0;
  const double log_n = std::log(n);
  const double s_mass = pf.H[i];  // Σ hist[0:i]: Q's normalization
  const double log_s = s_mass > 0.0 ? std::log(s_mass) : 0.0;
  double kl = 0.0;
  for (std::size_t b = 0; b < levels; ++b) {
    const std::size_t start = (b * i + levels - 1) / levels;  // first j with ⌊jL/i⌋ = b
    const std::size_t end = ((b + 1) * i + levels - 1) / levels;
    const double m = pf.H[end] - pf.H[start];
    if (m <= 0.0) continue;  // empty bucket: all its P terms are 0 (bin i-1 handled below)
    const double c = pf.C[end] - pf.C[start];
    const std::size_t e = std::min(end, i - 1);  // bin i-1 carries the outliers: separate
    if (e <= start) continue;
    const double sum_hlogh = pf.A[e] - pf.A[start];
    const double sum_h = pf.H[e] - pf.H[start];
    kl += (sum_hlogh - sum_h * (log_n + std::log(m) - std::log(c) - log_s)) / n;
  }
  // Bin i-1: P gets the outliers; Q is its bucket's share, or ε if the bin is empty.
  const double p_last = (pf.h[i - 1] + (pf.total - pf.H[i])) / n;
  if (p_last > 0.0) {
    double log_q = std::log(kKlEpsilon);
    if (pf.h[i - 1] > 0.0) {
      const std::size_t b = (i - 1) * levels / i;
      const std::size_t start = (b * i + levels - 1) / levels;
      const double m = pf.H[i] - pf.H[start];
      const double c = pf.C[i] - pf.C[start];
      log_q = std::log(m) - std::log(c) - log_s;
    }
    kl += p_last * (std::log(p_last) - log_q);
  }
  return kl;
}

std::size_t kl_levels(int bits) {
  const int b = std::clamp(bits, 1, 12);  // 2^11 = 2048 levels: no merge left to judge
  return std::min(std::size_t(1) << (b - 1), kKlBins);
}

int kl_bits_for(const Scheme& s) {
  switch (s.kind) {
    case Kind::Absmax:
    case Kind::Minmax:
      return s.bits;
    case Kind::NF4:
      return 4;  // 8 levels per sign
    case Kind::Float:
    case Kind::Preset:
      return 8;
  }
  return 8;
}

float kl_threshold_with_amax(std::span<const float> x, int bits, float amax) {
  if (amax == 0.0f) return 0.0f;
  std::vector<double> hist(kKlBins, 0.0);
  {
    std::vector<uint64_t> counts(kKlBins, 0);
    std::vector<uint32_t> buf(kBlock);
    const double scale = double(kKlBins) / double(amax);
    // |x| = amax lands in bin 2048 and is moved into the last (closed) bin.
    for (std::size_t off = 0; off < x.size(); off += kBlock) {
      const std::size_t len = std::min(kBlock, x.size() - off);
      calib_kernels::abs_bins(x.data() + off, len, scale, uint32_t(kKlBins), buf.data());
      for (std::size_t j = 0; j < len; ++j) ++counts[buf[j]];
    }
    for (std::size_t j = 0; j < kKlBins; ++j) hist[j] = double(counts[j]);
  }
  const KlPrefix pf(hist);
  const std::size_t levels = kl_levels(bits);
  std::size_t best_i = kKlBins;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = levels; i <= kKlBins; ++i) {
    const double d = kl_candidate(pf, i, levels);
    if (d <= best) {  // ties → the larger i
      best = d;
      best_i = i;
    }
  }
  const double t = (double(best_i) + 0.5) * (double(amax) / double(kKlBins));
  return std::min(float(t), amax);
}

}  // namespace

// [SECTION] Public API

double percentile(std::span<const float> x, double p) {
  if (x.empty() || std::isnan(p)) return std::numeric_limits<double>::quiet_NaN();
  return percentile_impl<false>(x, p);
}

double percentile_ref(std::span<const float> x, double p) {
  if (x.empty() || std::isnan(p)) return std::numeric_limits<double>::quiet_NaN();
  std::vector<float> v(x.begin(), x.end());
  // IEEE total order on finite values: -0 sorts before +0.
  std::sort(v.begin(), v.end(), [](float a, float b) {
    return a < b || (a == b && std::signbit(a) && !std::signbit(b));
  });
  const std::size_t n = v.size();
  const double r = double(n - 1) * (std::clamp(p, 0.0, 100.0) / 100.0);
  const double fl = std::floor(r);
  const std::size_t k = std::size_t(fl);
  if (k >= n - 1) return v[n - 1];
  const double t = r - fl;
  if (t == 0.0) return v[k];
  const double a = v[k], b = v[k + 1], d = b - a;
  return t < 0.5 ? a + d * t : b - d * (1.0 - t);
}

ClipRange mse_optimal_range(std::span<const float> x, const Scheme& scheme) {
  if (x.empty()) return {0.0f, 0.0f};
  const MinMax mm = min_max(x);
  if (mm.amax() == 0.0f) return {0.0f, 0.0f};
  Scheme s = scheme;
  if (s.rounding == Rounding::Stochastic) s.rounding = Rounding::NearestEven;

  // Deterministic strided subsample for large groups: x[⌊j·n/M⌋].
  std::vector<float> sample;
  std::span<const float> xs = x;
  if (x.size() > kMseMaxSamples) {
    const std::size_t n = x.size(), m = kMseMaxSamples, q = n / m, rem = n % m;
    sample.resize(m);
    for (std::size_t j = 0; j < m; ++j) sample[j] = x[j * q + (j * rem) / m];
    xs = sample;
  }

  double best_alpha = 1.0;
  double best_mse = std::numeric_limits<double>::infinity();
  auto consider = [&](double alpha) {
    const double e = range_mse(xs, s, shrink(s, mm, alpha));
    if (e < best_mse || (e == best_mse && alpha > best_alpha)) {
      best_mse = e;
      best_alpha = alpha;
    }
  };
  int best_i = kMseGridSteps;
  for (int i = 1; i <= kMseGridSteps; ++i) {
    const double alpha = double(i) / kMseGridSteps;
    const double e = range_mse(xs, s, shrink(s, mm, alpha));
    if (e <= best_mse) {  // ascending α: `<=` keeps the larger one on ties
      best_mse = e;
      best_alpha = alpha;
      best_i = i;
    }
  }
  const double a = double(best_i - 1) / kMseGridSteps;
  const double b = std::min(double(best_i + 1) / kMseGridSteps, 1.0);
  for (int j = 0; j < kMseRefineSteps; ++j) {
    const double alpha = a + (b - a) * double(j) / double(kMseRefineSteps - 1);
    if (alpha <= 0.0) continue;  // (0, 1]: a zero range is no candidate
    consider(std::min(alpha, 1.0));
  }
  return shrink(s, mm, best_alpha);
}

float mse_optimal_threshold(std::span<const float> x, const Scheme& s) {
  const ClipRange r = mse_optimal_range(x, s);
  return std::max(std::fabs(r.lo), std::fabs(r.hi));
}

double kl_divergence(std::span<const double> hist, std::size_t i, std::size_t levels) {
  i = std::min(i, hist.size());
  if (i == 0 || levels == 0) return 0.0;
  levels = std::min(levels, i);
  const KlPrefix pf(hist);
  return kl_candidate(pf, i, levels);
}

float kl_threshold(std::span<const float> x, int bits) {
  if (x.empty()) return 0.0f;
  return kl_threshold_with_amax(x, bits, min_max(x).amax());
}

ClipRange calibrate(std::span<const float> x, const Scheme& s) {
  const Clip& c = s.clip;
  if (c.method == ClipMethod::Range) return {float(c.lo), float(c.hi)};
  if (x.empty()) return {0.0f, 0.0f};
  if (c.method == ClipMethod::Percentile) {
    if (absmax_like(s)) return symmetric(float(percentile_impl<true>(x, c.p)));
    const float a = float(percentile_impl<false>(x, 100.0 - c.p));
    const float b = float(percentile_impl<false>(x, c.p));
    return {std::min(a, b), std::max(a, b)};
  }
  if (c.method == ClipMethod::Mse) return mse_optimal_range(x, s);

  const MinMax mm = min_max(x);
  switch (c.method) {
    case ClipMethod::Sigma:
      return sigma_range(x, s, mm);
    case ClipMethod::Kl: {
      const float t = kl_threshold_with_amax(x, kl_bits_for(s), mm.amax());
      if (absmax_like(s)) return symmetric(t);
      const float lo = std::max(mm.lo, -t), hi = std::min(mm.hi, t);
      if (lo <= hi) return {lo, hi};
      const float end = mm.lo > t ? mm.lo : mm.hi;  // all data on one side beyond T
      return {end, end};
    }
    default:
      break;  // None
  }
  if (absmax_like(s)) return symmetric(mm.amax());
  return {mm.lo, mm.hi};
}

}  // namespace qs
#endif  // HWY_ONCE
