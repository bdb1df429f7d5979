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
// keys), min/max and the KL bin indices are Highway kernels (calibrate_kernels.cpp,
// runtime dispatch); the histogram increments stay scalar. Everything is a pure function
// of its input, so results never depend on the machine's SIMD width, nor on the thread
// count: groups of 2^18 values or more are cut into fixed items of 2^16; histograms are
// counted per worker (integers: any order sums the same), float64 sums are added item
// by item in item order, and each MSE candidate is one thread's sequential sum.
// The MSE candidates of absmax/minmax with nearest-even rounding go through a
// branch-free tile loop doing quantize_element's float32 operations in its order.
//
// Empty input (outside the contract) gives a NaN percentile (as does p = NaN) and a
// [0, 0] range.
#include "analysis/quant/calibrate.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "analysis/base/parallel.h"
#include "analysis/quant/calibrate_internal.h"
#include "analysis/quant/calibrate_kernels.h"
#include "analysis/quant/quant_math.h"

namespace qs {

using namespace calib_detail;

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



template <bool Abs, class Count>
KeyPair select_radix(std::span<const float> x, std::size_t k, bool need_next, int threads) {
  const float* p = x.data();
  const std::size_t n = x.size();
  threads = threads_for(n, threads);
  const int64_t items = items_of(n);
  // One histogram and one key buffer per worker; counts add up the same in any order.
  std::vector<std::vector<Count>> hists(static_cast<size_t>(threads));
  std::vector<std::vector<uint32_t>> bufs(static_cast<size_t>(threads));
  auto worker_state = [&](int w) -> std::pair<std::vector<Count>&, std::vector<uint32_t>&> {
    auto& h = hists[size_t(w)];
    auto& b = bufs[size_t(w)];
    if (h.empty()) h.assign(kRadixBins, 0);
    if (b.empty()) b.resize(kBlock + 64);  // + room for a whole vector past the end
    return {h, b};
  };
  auto merged = [&]() {
    std::vector<Count> all(kRadixBins, 0);
    for (auto& h : hists)
      if (!h.empty())
        for (std::size_t j = 0; j < kRadixBins; ++j) all[j] += h[j];
    return all;
  };

  // Pass 1: top 16 key bits. SIMD computes the bins of a block, the counting is scalar.
  const auto top_bins = calib_kernels::top_bins();
  parallel_for(items, threads, [&](int64_t item, int w) {
    auto [hist, buf] = worker_state(w);
    const std::size_t end = std::min(n, std::size_t(item + 1) * kItem);
    for (std::size_t off = std::size_t(item) * kItem; off < end; off += kBlock) {
      const std::size_t len = std::min(kBlock, end - off);
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
  });
  std::vector<Count> hist = merged();

  const auto [bin, r0] = locate(hist, k);
  // Is order statistic k+1 in the same bin, or the smallest key of the next non-empty one?
  const bool next_in_bin = !need_next || r0 + 1 < uint64_t(hist[bin]);
  std::size_t next_bin = bin;
  if (!next_in_bin) {
    next_bin = bin + 1;
    while (hist[next_bin] == 0) ++next_bin;  // exists: k+1 < n
  }

  // Pass 2: SIMD picks out the keys in `bin` (and `next_bin`); the low 16 bits of those
  // in `bin` are counted, those in `next_bin` give their minimum (order-free too).
  for (auto& h : hists) std::fill(h.begin(), h.end(), Count(0));
  std::vector<uint32_t> next_mins(static_cast<size_t>(threads), std::numeric_limits<uint32_t>::max());
  const uint32_t hb = uint32_t(bin), hn = uint32_t(next_bin);
  const auto collect = calib_kernels::collect_bins();
  parallel_for(items, threads, [&](int64_t item, int w) {
    auto [low, buf] = worker_state(w);
    uint32_t& next_min = next_mins[size_t(w)];
    const std::size_t end = std::min(n, std::size_t(item + 1) * kItem);
    for (std::size_t off = std::size_t(item) * kItem; off < end; off += kBlock) {
      const std::size_t len = std::min(kBlock, end - off);
      const std::size_t m = collect(p + off, len, Abs, hb, hn, buf.data());
      for (std::size_t j = 0; j < m; ++j) {
        const uint32_t kk = buf[j];
        if ((kk >> 16) == hb) {
          ++low[kk & 0xFFFFu];
        } else {
          next_min = std::min(next_min, kk);
        }
      }
    }
  });
  hist = merged();
  const uint32_t next_min = *std::min_element(next_mins.begin(), next_mins.end());

  KeyPair r;
  r.k0 = (hb << 16) | uint32_t(locate(hist, r0).first);
  if (need_next) {
    r.k1 = next_in_bin ? (hb << 16) | uint32_t(locate(hist, r0 + 1).first) : next_min;
  }
  return r;
}

template <bool Abs>
double percentile_impl(std::span<const float> x, double p, int threads) {
  const Rank rk = rank_of(x.size(), p);
  const bool need_next = rk.t != 0.0;
  KeyPair kp;
  if (x.size() <= kSmallN) {
    kp = select_small<Abs>(x, rk.k, need_next);
  } else if (x.size() <= std::numeric_limits<uint32_t>::max()) {
    kp = select_radix<Abs, uint32_t>(x, rk.k, need_next, threads);
  } else {
    kp = select_radix<Abs, uint64_t>(x, rk.k, need_next, threads);
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

// Per item, merged in item order (so even which zero, −0 or +0, is kept never depends on
// the thread count).
MinMax min_max(std::span<const float> x, int threads) {
  const std::size_t n = x.size();
  return parallel_reduce(
      items_of(n), threads_for(n, threads), MinMax{x[0], x[0]},
      [&](int64_t item) {
        MinMax mm;
        const std::size_t off = std::size_t(item) * kItem;
        calib_kernels::min_max(x.data() + off, std::min(kItem, n - off), &mm.lo, &mm.hi);
        return mm;
      },
      [](MinMax& acc, const MinMax& m) {
        acc.lo = std::min(acc.lo, m.lo);
        acc.hi = std::max(acc.hi, m.hi);
      });
}

bool absmax_like(const Scheme& s) {
  return s.kind != Kind::Minmax;
}

ClipRange symmetric(float t) {
  return {-t, t};
}

// [SECTION] Sigma

// Σ f(x) in float64: a sum per item of 2^16 elements, the items' sums added in order.
template <class F>
double item_sum(std::span<const float> x, int threads, F&& f) {
  const std::size_t n = x.size();
  return parallel_reduce(
      items_of(n), threads_for(n, threads), 0.0,
      [&](int64_t item) {
        double acc = 0.0;
        const std::size_t end = std::min(n, std::size_t(item + 1) * kItem);
        for (std::size_t i = std::size_t(item) * kItem; i < end; ++i) acc += f(x[i]);
        return acc;
      },
      [](double& acc, double v) { acc += v; });
}

ClipRange sigma_range(std::span<const float> x, const Scheme& s, const MinMax& mm, int threads) {
  const double sum = item_sum(x, threads, [](float v) { return double(v); });
  const double mu = sum / double(x.size());
  const double ss = item_sum(x, threads, [mu](float v) { return (double(v) - mu) * (double(v) - mu); });
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

// std::nearbyint without the libm call: |v| < 2^22 rounds through ±1.5·2^23 (ties to
// even); larger floats are integers already. (−0.3 gives +0, not −0: x̂ = ±0 leaves every
// error, v − x̂, the same.)
inline float rne_fast(float v) {
  return std::fabs(v) < 4194304.0f ? (v + 12582912.0f) - 12582912.0f : v;
}

// quantize_element's x̂ for absmax and minmax with nearest-even rounding, for a tile of
// elements at once (branch-free, so it vectorizes): the same float32 operations in the
// same order — clamp into [clip_lo, clip_hi], divide by s, round, clamp the code, scale.
template <Kind K, bool FloatZp>
void xhat_tile(const float* x, std::size_t n, const GroupParams& gp, float qmin, float qmax, float* out) {
  for (std::size_t i = 0; i < n; ++i) {
    const float xc = std::min(std::max(x[i], gp.clip_lo), gp.clip_hi);
    if constexpr (K == Kind::Absmax) {
      const float q = std::min(std::max(rne_fast(xc / gp.scale), qmin), qmax);
      out[i] = q * gp.scale;
    } else if constexpr (!FloatZp) {
      const float q = std::min(std::max(rne_fast(xc / gp.scale) + gp.zero_point, qmin), qmax);
      out[i] = (q - gp.zero_point) * gp.scale;
    } else {
      const float q = std::min(std::max(rne_fast((xc - gp.zero_point) / gp.scale), qmin), qmax);
      out[i] = q * gp.scale + gp.zero_point;
    }
  }
}

template <Kind K, bool FloatZp>
double range_mse_fast(std::span<const float> xs, const GroupParams& gp, float qmin, float qmax) {
  constexpr std::size_t kTile = 1024;
  float xhat[kTile];
  double acc = 0.0;
  for (std::size_t off = 0; off < xs.size(); off += kTile) {
    const std::size_t len = std::min(kTile, xs.size() - off);
    xhat_tile<K, FloatZp>(xs.data() + off, len, gp, qmin, qmax, xhat);
    for (std::size_t i = 0; i < len; ++i) {  // in element order, as the generic loop
      const double e = double(xs[off + i]) - double(xhat[i]);
      acc += e * e;
    }
  }
  return acc / double(xs.size());
}

double range_mse(std::span<const float> xs, const Scheme& s, const ClipRange& r) {
  const GroupParams gp = choose_params(s, r.lo, r.hi, true);
  if (s.rounding == Rounding::NearestEven && gp.clip_lo <= gp.clip_hi && gp.scale != 0.0f) {
    if (s.kind == Kind::Absmax) {
      const CodeRange cr = code_range(s);
      return range_mse_fast<Kind::Absmax, false>(xs, gp, float(cr.qmin), float(cr.qmax));
    }
    if (s.kind == Kind::Minmax) {
      const float levels = float((int32_t(1) << s.bits) - 1);
      if (s.zero_point == ZeroPointKind::Int) return range_mse_fast<Kind::Minmax, false>(xs, gp, 0.0f, levels);
      return range_mse_fast<Kind::Minmax, true>(xs, gp, 0.0f, levels);
    }
  }
  double acc = 0.0;
  for (float v : xs) {
    const double e = double(v) - double(quantize_element(s, gp, v, 0.0f).xhat);
    acc += e * e;
  }
  return acc / double(xs.size());
}

}  // namespace

// [SECTION] Public API

double percentile(std::span<const float> x, double p) { return percentile(x, p, 0); }

double percentile(std::span<const float> x, double p, int threads) {
  if (x.empty() || std::isnan(p)) return std::numeric_limits<double>::quiet_NaN();
  return percentile_impl<false>(x, p, threads);
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

ClipRange mse_optimal_range(std::span<const float> x, const Scheme& scheme, int threads) {
  if (x.empty()) return {0.0f, 0.0f};
  const MinMax mm = min_max(x, threads);
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

  // Each candidate's MSE is one sequential float64 sum over the sample, computed by one
  // thread; the candidates are then judged in order, as one thread would.
  threads = threads_for(x.size(), threads);
  auto mses = [&](const std::vector<double>& alphas) {
    std::vector<double> e(alphas.size());
    parallel_for(int64_t(alphas.size()), threads,
                 [&](int64_t i, int) { e[size_t(i)] = range_mse(xs, s, shrink(s, mm, alphas[size_t(i)])); });
    return e;
  };
  double best_alpha = 1.0;
  double best_mse = std::numeric_limits<double>::infinity();
  int best_i = kMseGridSteps;
  std::vector<double> coarse(kMseGridSteps);
  for (int i = 1; i <= kMseGridSteps; ++i) coarse[size_t(i - 1)] = double(i) / kMseGridSteps;
  const std::vector<double> ce = mses(coarse);
  for (int i = 1; i <= kMseGridSteps; ++i) {
    const double e = ce[size_t(i - 1)];
    if (e <= best_mse) {  // ascending α: `<=` keeps the larger one on ties
      best_mse = e;
      best_alpha = coarse[size_t(i - 1)];
      best_i = i;
    }
  }
  const double a = double(best_i - 1) / kMseGridSteps;
  const double b = std::min(double(best_i + 1) / kMseGridSteps, 1.0);
  std::vector<double> fine;
  for (int j = 0; j < kMseRefineSteps; ++j) {
    const double alpha = a + (b - a) * double(j) / double(kMseRefineSteps - 1);
    if (alpha <= 0.0) continue;  // (0, 1]: a zero range is no candidate
    fine.push_back(std::min(alpha, 1.0));
  }
  const std::vector<double> fe = mses(fine);
  for (size_t j = 0; j < fine.size(); ++j) {
    if (fe[j] < best_mse || (fe[j] == best_mse && fine[j] > best_alpha)) {
      best_mse = fe[j];
      best_alpha = fine[j];
    }
  }
  return shrink(s, mm, best_alpha);
}

float mse_optimal_threshold(std::span<const float> x, const Scheme& s, int threads) {
  const ClipRange r = mse_optimal_range(x, s, threads);
  return std::max(std::fabs(r.lo), std::fabs(r.hi));
}

float kl_threshold(std::span<const float> x, int bits, int threads) {
  if (x.empty()) return 0.0f;
  return kl_threshold_with_amax(x, bits, min_max(x, threads).amax(), threads);
}

ClipRange calibrate(std::span<const float> x, const Scheme& s, int threads) {
  const Clip& c = s.clip;
  if (c.method == ClipMethod::Range) return {float(c.lo), float(c.hi)};
  if (x.empty()) return {0.0f, 0.0f};
  if (c.method == ClipMethod::Percentile) {
    if (absmax_like(s)) return symmetric(float(percentile_impl<true>(x, c.p, threads)));
    const float a = float(percentile_impl<false>(x, 100.0 - c.p, threads));
    const float b = float(percentile_impl<false>(x, c.p, threads));
    return {std::min(a, b), std::max(a, b)};
  }
  if (c.method == ClipMethod::Mse) return mse_optimal_range(x, s, threads);

  const MinMax mm = min_max(x, threads);
  switch (c.method) {
    case ClipMethod::Sigma:
      return sigma_range(x, s, mm, threads);
    case ClipMethod::Kl: {
      const float t = kl_threshold_with_amax(x, kl_bits_for(s), mm.amax(), threads);
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
