// The sorted-values cache: a parallel LSD radix sort on the float's total-order key
// (three passes of 11/11/10 bits), then double-double prefix sums every 64 elements.
#include "analysis/quant/sorted_values.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

namespace qs {

// ---------------------------------------------------------------- [SECTION] DD arithmetic
// Knuth's TwoSum and an FMA-exact product; -ffp-contract=off keeps the compiler from
// fusing the error terms away.
namespace {
inline DD two_sum(double a, double b) {
  const double s = a + b;
  const double bb = s - a;
  const double e = (a - (s - bb)) + (b - bb);
  return {s, e};
}
inline DD quick_two_sum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}
}  // namespace

DD dd_add(DD a, double b) {
  DD s = two_sum(a.hi, b);
  s.lo += a.lo;
  return quick_two_sum(s.hi, s.lo);
}
DD dd_add(DD a, DD b) {
  DD s = two_sum(a.hi, b.hi);
  const DD t = two_sum(a.lo, b.lo);
  s.lo += t.hi;
  s = quick_two_sum(s.hi, s.lo);
  s.lo += t.lo;
  return quick_two_sum(s.hi, s.lo);
}
DD dd_neg(DD a) { return {-a.hi, -a.lo}; }
DD dd_mul(DD a, double b) {
  const double p = a.hi * b;
  double e = std::fma(a.hi, b, -p);
  e += a.lo * b;
  return quick_two_sum(p, e);
}

// ---------------------------------------------------------------- [SECTION] prefix queries
namespace {
template <bool kSquare>
DD prefix(const SortedValues& s, const std::vector<DD>& p, int64_t i) {
  constexpr int64_t S = SortedValues::kStride;
  const float* v = s.v.data();
  const int64_t z = s.zero, k = i / S;
  auto term = [&](int64_t j) {
    const double d = v[j];
    return kSquare ? d * d : d;  // d·d is exact: a float squared fits in 48 bits
  };
  // Add v[b, i) to a sum at b ≤ i, or take v[i, e) off a sum at e ≥ i.
  auto up = [&](DD acc, int64_t b) {
    for (int64_t j = b; j < i; ++j) acc = dd_add(acc, term(j));
    return acc;
  };
  auto down = [&](DD acc, int64_t e) {
    for (int64_t j = i; j < e; ++j) acc = dd_add(acc, -term(j));
    return acc;
  };
  if (i >= z) {
    // The sample above i when it is near and its values no larger than 2·v[i], else the
    // one at or below i (or the anchor itself).
    const int64_t e = (k + 1) * S;
    if (i - k * S > S / 2 && e <= s.n() && double(v[e - 1]) <= 2.0 * double(v[i])) return down(p[size_t(k + 1)], e);
    return k * S >= z ? up(p[size_t(k)], k * S) : up(DD{}, z);
  }
  // Below the anchor (negative values): mirrored.
  const int64_t e = (k + 1) * S;
  if (e - i > S / 2 && -double(v[k * S]) <= -2.0 * double(v[i])) return up(p[size_t(k)], k * S);
  return e <= z ? down(p[size_t(k + 1)], e) : down(DD{}, z);
}
}  // namespace

DD SortedValues::prefix_x(int64_t i) const { return prefix<false>(*this, px, i); }
DD SortedValues::prefix_x2(int64_t i) const { return prefix<true>(*this, px2, i); }

// ---------------------------------------------------------------- [SECTION] the build
namespace {

// IEEE total order as an unsigned key: negative floats reversed, positives above them.
inline uint32_t to_key(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
inline float from_key(uint32_t k) {
  const uint32_t u = (k & 0x80000000u) ? (k & 0x7FFFFFFFu) : ~k;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint32_t load_u32(const float* p) {
  uint32_t u;
  std::memcpy(&u, p, 4);
  return u;
}
inline void store_u32(float* p, uint32_t u) { std::memcpy(p, &u, 4); }

int resolve(int threads) {
  if (threads > 0) return threads;
  const unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : int(std::min(hc, 64u));
}

// fn(t) on threads 0..T-1 (0 on the caller's thread).
template <class F>
void on_threads(int T, F&& fn) {
  if (T <= 1) {
    fn(0);
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 1; t < T; ++t) pool.emplace_back(fn, t);
  fn(0);
  for (auto& th : pool) th.join();
}

inline int64_t seg_begin(int64_t n, int T, int t) { return n * t / T; }

constexpr int kPasses = 4;
constexpr int kDigitBits[kPasses] = {8, 8, 8, 8};
constexpr int kDigitShift[kPasses] = {0, 8, 16, 24};

// Block sums of x and x² for blocks [b0, b1), each to about twice float64's precision:
// Ogita–Rump–Oishi's Sum2 (TwoSum, the rounding errors summed apart) over 8 lanes that
// the compiler vectorizes, then the lanes added in double-double. d·d is exact.
void block_sums(const float* v, int64_t n, int64_t b0, int64_t b1, DD* sx, DD* sx2) {
  constexpr int64_t S = SortedValues::kStride;
  constexpr int kLanes = 8;
  for (int64_t b = b0; b < b1; ++b) {
    const float* p = v + b * S;
    const int64_t len = std::min(S, n - b * S);
    double sh[kLanes] = {}, sl[kLanes] = {}, qh[kLanes] = {}, ql[kLanes] = {};
    int64_t k = 0;
    for (; k + kLanes <= len; k += kLanes) {
      for (int l = 0; l < kLanes; ++l) {
        const double d = p[k + l], d2 = d * d;
        const double s1 = sh[l] + d, z1 = s1 - sh[l];
        sl[l] += (sh[l] - (s1 - z1)) + (d - z1);
        sh[l] = s1;
        const double s2 = qh[l] + d2, z2 = s2 - qh[l];
        ql[l] += (qh[l] - (s2 - z2)) + (d2 - z2);
        qh[l] = s2;
      }
    }
    DD a, q;
    for (int l = 0; l < kLanes; ++l) {
      a = dd_add(a, DD{sh[l], 0});
      a = dd_add(a, sl[l]);
      q = dd_add(q, DD{qh[l], 0});
      q = dd_add(q, ql[l]);
    }
    for (; k < len; ++k) {
      const double d = p[k];
      a = dd_add(a, d);
      q = dd_add(q, d * d);
    }
    sx[b] = a;
    sx2[b] = q;
  }
}

void fill_samples(SortedValues& s) {
  constexpr int64_t S = SortedValues::kStride;
  s.samples.resize(size_t((s.n() + S - 1) / S));
  for (size_t k = 0; k < s.samples.size(); ++k) s.samples[k] = s.v[k * S];
}

// The prefix sums' anchor: the first value ≥ +0 (−0 sorts with the negatives).
int64_t anchor_index(const SortedValues& s) {
  return std::partition_point(s.v.begin(), s.v.end(), [](float f) { return std::signbit(f); }) - s.v.begin();
}

// px/px2 from the sorted values: block sums in parallel, then one sequential scan (so
// the sums do not depend on the thread count).
void build_prefix(SortedValues& s, int T) {
  constexpr int64_t S = SortedValues::kStride;
  const int64_t n = s.n(), blocks = n / S;  // a trailing partial block is summed on demand
  s.px.assign(size_t(blocks + 1), DD{});
  s.px2.assign(size_t(blocks + 1), DD{});
  on_threads(T, [&](int t) {
    block_sums(s.v.data(), n, seg_begin(blocks, T, t), seg_begin(blocks, T, t + 1), s.px.data() + 1,
               s.px2.data() + 1);
  });
  // px[b + 1] holds block b's sum; turn it into the anchored prefix sums. Below the
  // anchor first (it reads px[kz], block kz − 1's sum, before the anchor's side writes
  // it), each step from the anchor outwards.
  const int64_t z = s.zero = anchor_index(s), kz = z / S, k0 = (z + S - 1) / S;
  const float* v = s.v.data();
  for (auto* p : {&s.px, &s.px2}) {
    const bool sq = p == &s.px2;
    auto term = [&](int64_t j) { return sq ? double(v[j]) * double(v[j]) : double(v[j]); };
    std::vector<DD>& P = *p;
    DD acc;
    for (int64_t j = kz * S; j < z; ++j) acc = dd_add(acc, -term(j));
    DD block = P[size_t(kz)];  // block kz − 1's sum (px[0]: unused)
    P[size_t(kz)] = acc;
    for (int64_t k = kz - 1; k >= 0; --k) {
      const DD b = block;
      block = P[size_t(k)];
      acc = dd_add(acc, dd_neg(b));
      P[size_t(k)] = acc;
    }
    if (k0 > blocks) continue;
    acc = DD{};
    for (int64_t j = z; j < k0 * S; ++j) acc = dd_add(acc, term(j));
    P[size_t(k0)] = acc;
    for (int64_t k = k0; k < blocks; ++k) P[size_t(k + 1)] = dd_add(P[size_t(k)], P[size_t(k + 1)]);
  }
  fill_samples(s);
}

}  // namespace

SortedValues build_sorted_values(std::span<const float> x, int threads, RunControl* control) {
  SortedValues s;
  s.numel = int64_t(x.size());
  const int T = int(std::max<int64_t>(1, std::min<int64_t>(resolve(threads), s.numel / 65536 + 1)));
  const int64_t N = s.numel;
  if (control) control->total.store(N * (kPasses + 1));

  // Extract the finite keys, in input order, into `a` (per-thread counts, then offsets).
  std::vector<int64_t> finite(static_cast<size_t>(T), 0);
  on_threads(T, [&](int t) {
    int64_t c = 0;
    for (int64_t i = seg_begin(N, T, t), e = seg_begin(N, T, t + 1); i < e; ++i) c += std::isfinite(x[size_t(i)]) ? 1 : 0;
    finite[size_t(t)] = c;
  });
  std::vector<int64_t> out0(size_t(T) + 1, 0);
  for (int t = 0; t < T; ++t) out0[size_t(t) + 1] = out0[size_t(t)] + finite[size_t(t)];
  const int64_t n = out0[size_t(T)];
  s.n_nonfinite = N - n;
  // Not zero-filled: every element is written before it is read.
  FloatBuffer a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
  on_threads(T, [&](int t) {
    float* dst = a.data() + out0[size_t(t)];
    for (int64_t i = seg_begin(N, T, t), e = seg_begin(N, T, t + 1); i < e; ++i) {
      const float f = x[size_t(i)];
      if (std::isfinite(f)) store_u32(dst++, to_key(f));
    }
  });
  if (control) control->done.store(N);

  // Stable counting-sort passes, a → b → a → …
  float* src = a.data();
  float* dst = b.data();
  std::vector<std::vector<int64_t>> count(static_cast<size_t>(T));
  for (int pass = 0; pass < kPasses; ++pass) {
    if (control && control->cancelled()) {
      s.cancelled = true;
      return s;
    }
    const int bits = kDigitBits[pass], shift = kDigitShift[pass];
    const size_t R = size_t(1) << bits;
    const uint32_t mask = uint32_t(R - 1);
    on_threads(T, [&](int t) {
      auto& c = count[size_t(t)];
      c.assign(R, 0);
      for (int64_t i = seg_begin(n, T, t), e = seg_begin(n, T, t + 1); i < e; ++i) ++c[(load_u32(src + i) >> shift) & mask];
    });
    // Offsets: digit-major, then thread (segment) order: stable.
    int64_t run = 0;
    for (size_t d = 0; d < R; ++d) {
      for (int t = 0; t < T; ++t) {
        const int64_t c = count[size_t(t)][d];
        count[size_t(t)][d] = run;
        run += c;
      }
    }
    on_threads(T, [&](int t) {
      auto& off = count[size_t(t)];
      for (int64_t i = seg_begin(n, T, t), e = seg_begin(n, T, t + 1); i < e; ++i) {
        const uint32_t k = load_u32(src + i);
        store_u32(dst + off[(k >> shift) & mask]++, k);
      }
    });
    std::swap(src, dst);
    if (control) control->done.fetch_add(N);
  }
  // The keys sit in `src` after the last pass; turn them back into floats in place.
  on_threads(T, [&](int t) {
    for (int64_t i = seg_begin(n, T, t), e = seg_begin(n, T, t + 1); i < e; ++i) src[i] = from_key(load_u32(src + i));
  });
  if (src == a.data()) std::swap(a, b);
  s.v = std::move(b);
  FloatBuffer().swap(a);
  build_prefix(s, T);
  if (control) control->done.store(N * (kPasses + 1));
  return s;
}

SortedValues build_sorted_values_ref(std::span<const float> x) {
  SortedValues s;
  s.numel = int64_t(x.size());
  for (float f : x)
    if (std::isfinite(f)) s.v.push_back(f);
  s.n_nonfinite = s.numel - s.n();
  std::sort(s.v.begin(), s.v.end(), [](float p, float q) { return to_key(p) < to_key(q); });
  constexpr int64_t S = SortedValues::kStride;
  const int64_t blocks = s.n() / S;
  s.px.assign(size_t(blocks + 1), DD{});
  s.px2.assign(size_t(blocks + 1), DD{});
  // Element by element from the anchor outwards.
  const int64_t z = s.zero = anchor_index(s);
  DD a, q;
  for (int64_t i = z; i < blocks * S; ++i) {
    const double d = s.v[size_t(i)];
    a = dd_add(a, d);
    q = dd_add(q, d * d);
    if ((i + 1) % S == 0) {
      s.px[size_t((i + 1) / S)] = a;
      s.px2[size_t((i + 1) / S)] = q;
    }
  }
  a = q = DD{};
  for (int64_t i = z - 1; i >= 0; --i) {
    const double d = s.v[size_t(i)];
    a = dd_add(a, -d);
    q = dd_add(q, -(d * d));
    if (i % S == 0) {
      s.px[size_t(i / S)] = a;
      s.px2[size_t(i / S)] = q;
    }
  }
  fill_samples(s);
  return s;
}

}  // namespace qs
