// quantize() for one group from the sorted-values cache: walk the runs of equal codes,
// take each run's sums from the prefix sums. See quantize_sorted.h for why it is exact.
#include "analysis/quant/quantize_sorted.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "analysis/quant/calibrate.h"

namespace qs {

namespace {

// histogram_bin() made monotone (below the range −1, above it `bins`), with its
// per-call division hoisted: the same double operations, so the same bin for every v.
struct BinKey {
  explicit BinKey(const HistogramSpec& h)
      : lo(h.lo), hi(h.hi), k(h.bins / (h.hi - h.lo)), step((h.hi - h.lo) / h.bins), bins(h.bins) {}
  int operator()(double v) const {
    if (v < lo) return -1;
    if (v > hi) return bins;
    // NaN (x̂ = NaN: the whole run is) or a NaN range: never binned, and no NaN → int.
    if (!(v >= lo && v <= hi)) return -2;
    const int last = bins - 1;
    int b = int((v - lo) * k);
    if (b > last) b = last;
    if (b < 0) b = 0;
    if (v < lo + b * step) --b;
    else if (b != last && v >= (b + 1 == bins ? hi : lo + (b + 1) * step)) ++b;
    return b;
  }
  double lo, hi, k, step;
  int bins;
};

// The first index in [lo, hi) where pred fails, given pred holds on a prefix of it (hi
// when it never fails). Two levels: a binary search over the cache-resident samples
// (every 64th value), then one inside the 64-element block that holds the boundary.
template <class Pred>
int64_t first_false(const SortedValues& sv, int64_t lo, int64_t hi, Pred pred) {
  constexpr int64_t S = SortedValues::kStride;
  const float* v = sv.v.data();
  if (hi - lo > 2 * S) {
    // Samples strictly inside (lo, hi): indices k·S with klo ≤ k ≤ khi.
    const int64_t klo = lo / S + 1, khi = (hi - 1) / S;
    const float* smp = sv.samples.data();
    int64_t a = klo, b = khi + 1;
    while (a < b) {
      const int64_t mid = a + (b - a) / 2;
      if (pred(smp[mid])) a = mid + 1;
      else b = mid;
    }
    // pred holds at sample a−1 (or at lo when a == klo) and fails at sample a (if any).
    const int64_t new_lo = a == klo ? lo : (a - 1) * S + 1;
    hi = a <= khi ? a * S : hi;
    lo = new_lo;
  }
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (pred(v[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// The end of the run that starts at `i`: the first j in (i, end] with j == end or
// !same(v[j]), given that same() holds on a prefix of [i, end). Galloping, so a run of
// m elements costs O(log m): first over the values near i (most runs of a fine grid are
// short and stay in the cache lines at hand), then over the cache-resident samples, and
// last a binary search inside one 64-element block.
template <class Same>
int64_t run_end(const SortedValues& sv, int64_t i, int64_t end, Same same) {
  constexpr int64_t S = SortedValues::kStride;
  const float* v = sv.v.data();
  int64_t ok = i, step = 1;  // same(v[ok]) holds
  while (step <= S) {
    if (ok + step >= end) return first_false(sv, ok + 1, end, same);
    if (!same(v[ok + step])) return first_false(sv, ok + 1, ok + step, same);
    ok += step;
    step *= 2;
  }
  // Samples after ok: indices k·S for k in [k0, kend].
  const float* smp = sv.samples.data();
  const int64_t k0 = ok / S + 1, kend = (end - 1) / S;
  int64_t good = k0 - 1;  // a sample index whose block start is ≤ ok
  step = 1;
  while (good + step <= kend && same(smp[good + step])) {
    good += step;
    step *= 2;
  }
  int64_t bad = std::min(good + step, kend + 1);  // kend + 1: no failing sample before end
  while (bad - good > 1) {
    const int64_t mid = good + (bad - good) / 2;
    if (same(smp[mid])) good = mid;
    else bad = mid;
  }
  int64_t lo = std::max(ok + 1, good * S + 1), hi = bad <= kend ? bad * S : end;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (same(v[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Runs at most this long take Σ(x−x̂)² and Σ|x−x̂| element by element (see below).
constexpr int64_t kDirectRun = 32;

// A code as a key that grows with x: integer codes and NF4 indices already do; a float
// format's sign-magnitude bit pattern is turned into −1 − magnitude for negative signs
// (so −0 sits just below +0, and NaN/Inf from an overflow at the ends).
struct KeyOf {
  bool is_float = false;
  uint32_t sign = 0;
  int64_t operator()(const ElementResult& e) const {
    if (!is_float) return e.code;
    const uint32_t c = uint32_t(e.code);
    return (c & sign) ? -1 - int64_t(c & (sign - 1)) : int64_t(c & (sign - 1));
  }
};

GroupParams tensor_params(const SortedValues& sv, const Scheme& s, const QuantizeOptions& opt) {
  const bool cast_only = s.kind == Kind::Float && s.scale == ScaleMode::None && s.clip.method == ClipMethod::None;
  if (cast_only || sv.n() == 0) return choose_params(s, 0.0f, 0.0f, false);
  switch (s.clip.method) {
    case ClipMethod::None: return choose_params(s, sv.v.front(), sv.v.back(), false);
    case ClipMethod::Range: return choose_params(s, float(s.clip.lo), float(s.clip.hi), true);
    default:
      if (opt.tensor_clip) return choose_params(s, opt.tensor_clip->lo, opt.tensor_clip->hi, true);
      return params_for_group(s, sv.v);
  }
}

}  // namespace

bool sorted_path_applies(const Scheme& s) {
  return s.kind != Kind::Preset && !has_transform(s) && s.granularity == Granularity::Tensor && s.rounding != Rounding::Stochastic;
}

QuantizeResult quantize_maybe_sorted(const SortedValues* sorted, std::span<const float> x,
                                     std::span<const int64_t> shape, const Scheme& s, const QuantizeOptions& opt) {
  return sorted && sorted_path_applies(s) ? quantize_sorted(*sorted, shape, s, opt) : quantize(x, shape, s, opt);
}

Histogram sorted_histogram(const SortedValues& sv, const HistogramSpec& spec_in) {
  Histogram h;
  h.spec = sanitize(spec_in);
  h.counts.assign(size_t(h.spec.bins), 0);
  const float* v = sv.v.data();
  const int64_t n = sv.n();
  // Skip what lies below the range in one binary search, then walk the bins.
  const BinKey key(h.spec);
  int64_t i = first_false(sv, 0, n, [&](float f) { return double(f) < h.spec.lo; });
  while (i < n && double(v[i]) <= h.spec.hi) {
    const int b = key(v[i]);
    const int64_t j = run_end(sv, i, n, [&](float f) { return key(f) == b; });
    h.counts[size_t(b)] += uint64_t(j - i);
    i = j;
  }
  return h;
}

QuantizeResult quantize_sorted(const SortedValues& sv, std::span<const int64_t> shape, const Scheme& s,
                               const QuantizeOptions& opt) {
  QuantizeResult R;
  R.scheme = s;
  R.layout = *make_layout(shape, s);
  const GroupParams p = tensor_params(sv, s, opt);
  R.groups.assign(1, p);

  std::optional<HistogramSpec> hd, he;
  if (opt.hist_x) R.hist_x = sorted_histogram(sv, *opt.hist_x);
  if (opt.hist_dequant) hd = sanitize(*opt.hist_dequant);
  if (opt.hist_error) he = sanitize(*opt.hist_error);
  if (opt.hist_error_from_params)
    if (auto spec = opt.hist_error_from_params(R.groups)) he = sanitize(*spec);
  Histogram hist_d, hist_e;
  if (hd) hist_d = Histogram{*hd, std::vector<uint64_t>(size_t(hd->bins), 0)};
  if (he) hist_e = Histogram{*he, std::vector<uint64_t>(size_t(he->bins), 0)};

  KeyOf key_of;
  if (s.kind == Kind::Float) {
    key_of.is_float = true;
    key_of.sign = uint32_t(1) << (numeric::traits(s.format).bits - 1);
  }
  auto classify = [&](float f) { return quantize_element(s, p, f, 0.0f); };

  const float* v = sv.v.data();
  const int64_t n = sv.n();
  DD e2, y2, xy, ae;                 // Σ(x−x̂)², Σx̂², Σx·x̂, Σ|x−x̂| over runs with a finite x̂
  double special_e2 = 0, special_y2 = 0, special_xy = 0, special_ae = 0;  // runs with x̂ = ±Inf/NaN
  double max_err = 0;
  bool max_nan = false;
  int64_t codes_used = 0;
  const BinKey ekey(he ? *he : HistogramSpec{});
  // Clipped by the range: a prefix [0, a_end) below clip_lo and a suffix [b_begin, n)
  // above clip_hi. In between, the quantizer's own clamp or a cast's overflow clips; that
  // is counted run by run below (not as one prefix and suffix: a scaled cast whose x/s
  // overflows float32 to ±Inf is not flagged by quantize_element, while a finite x/s
  // just below it that rounds to Inf is).
  int64_t a_end = 0, b_begin = n, n_clipped = 0;
  if (p.clipping && n > 0) {
    a_end = first_false(sv, 0, n, [&](float f) { return f < p.clip_lo; });
    b_begin = first_false(sv, a_end, n, [&](float f) { return !(f > p.clip_hi); });
  }
  auto clipped = [&](float f) { return classify(f).clipped; };
  std::vector<std::pair<float, uint64_t>> values;  // one per run: a code and its x̂
  DD px_i = sv.prefix_x(0), px2_i = sv.prefix_x2(0);
  for (int64_t i = 0; i < n;) {
    const ElementResult first = classify(v[i]);
    const int64_t k = key_of(first);
    const int64_t j = run_end(sv, i, n, [&](float f) { return key_of(classify(f)) == k; });
    const double c = first.xhat;
    const int64_t m = j - i;
    ++codes_used;
    const DD px_j = sv.prefix_x(j), px2_j = sv.prefix_x2(j);
    // The run's elements inside the clip range: within one code, the clamped or
    // overflowing ones are a prefix (x̂ = ±Inf: finite x/s first, then x/s = Inf) or a
    // suffix (the top code: x/s rounding to it, then beyond it).
    if (const int64_t ri = std::max(i, a_end), rj = std::min(j, b_begin); ri < rj) {
      const bool c0 = clipped(v[ri]), c1 = rj - ri == 1 ? c0 : clipped(v[rj - 1]);
      if (c0 && c1) n_clipped += rj - ri;
      else if (c0) n_clipped += first_false(sv, ri, rj, clipped) - ri;
      else if (c1) n_clipped += rj - first_false(sv, ri, rj, [&](float f) { return !clipped(f); });
    }
    if (hd) {
      const int b = histogram_bin(*hd, c);
      if (b >= 0) hist_d.counts[size_t(b)] += uint64_t(m);
    }
    if (opt.dequant_values && std::isfinite(c)) values.emplace_back(float(c), uint64_t(m));
    // max |x − x̂| sits at one of the run's ends (x − x̂ is monotone in the run).
    for (const float end : {v[i], v[j - 1]}) {
      const double err = std::fabs(double(end) - c);
      if (std::isnan(err)) max_nan = true;
      else if (err > max_err) max_err = err;
    }
    if (std::isfinite(c)) {
      const DD sx = dd_add(px_j, dd_neg(px_i));
      const DD nc2 = dd_mul(DD{double(m), 0}, c * c);  // c² is exact: c is a float
      y2 = dd_add(y2, nc2);
      xy = dd_add(xy, dd_mul(sx, c));
      if (v[i] == v[j - 1]) {
        // One value (all of a cast's exactly representable x, a tensor's duplicates): the
        // error is m·(x − c)², exactly 0 when x̂ = x, whatever the prefix sums' rounding.
        const double d = double(v[i]) - c;
        e2 = dd_add(e2, dd_mul(DD{d * d, 0}, double(m)));
        ae = dd_add(ae, dd_mul(DD{std::fabs(d), 0}, double(m)));
      } else if (m <= kDirectRun) {
        // A short run: element by element. The formulas below cancel terms of the size of
        // m·c², so their rounding (≈ 2⁻¹⁰⁵·m·c², plus that of the prefix sums they start
        // from) can exceed the run's error when c is far from 0 and the error is tiny.
        for (int64_t a = i; a < j; ++a) {
          const double d = double(v[a]) - c;
          e2 = dd_add(e2, d * d);
          ae = dd_add(ae, std::fabs(d));
        }
      } else {
        // Σ(x−c)² = Σx² − 2cΣx + m·c², carried in double-double (see sorted_values.h).
        const DD sx2 = dd_add(px2_j, dd_neg(px2_i));
        e2 = dd_add(e2, dd_add(dd_add(sx2, dd_mul(sx, -2.0 * c)), nc2));
        // Σ|x−c| = (Σ_{x≥c} x − Σ_{x<c} x) + c·(n_below − n_above).
        const int64_t split = first_false(sv, i, j, [&](float f) { return double(f) < c; });
        const DD px_s = sv.prefix_x(split);
        const DD above = dd_add(px_j, dd_neg(px_s)), below = dd_add(px_s, dd_neg(px_i));
        ae = dd_add(ae, dd_add(dd_add(above, dd_neg(below)), dd_mul(DD{double((split - i) - (j - split)), 0}, c)));
      }
    } else {
      // x̂ = ±Inf or NaN (a non-saturating cast's overflow, an f16 minimum beyond ±65504):
      // every element of the run adds the same Inf or NaN to Σ(x−x̂)², Σx̂² and Σ|x−x̂|.
      // x·x̂ takes the sign of x, and 0·Inf is NaN: the run's two ends give every sign
      // that occurs (a zero inside the run means the ends straddle it: +Inf + −Inf).
      const double err = double(v[i]) - c;
      special_e2 += err * err;
      special_y2 += c * c;
      special_xy += double(v[i]) * c;
      if (m > 1) special_xy += double(v[j - 1]) * c;
      special_ae += std::fabs(err);
    }
    if (he) {
      // The error bins inside the run: x − c grows with x, so each bin is a sub-run.
      // A run with few elements per bin is cheaper to walk element by element.
      auto ebin = [&](float f) { return ekey(double(f) - c); };
      const int spanned = ebin(v[j - 1]) - ebin(v[i]) + 1;
      if (m <= 8 * int64_t(spanned)) {
        for (int64_t a = i; a < j; ++a) {
          const int b = ebin(v[a]);
          if (b >= 0 && b < he->bins) ++hist_e.counts[size_t(b)];
        }
      } else {
        for (int64_t a = i; a < j;) {
          const int b = ebin(v[a]);
          const int64_t z = run_end(sv, a, j, [&](float f) { return ebin(f) == b; });
          if (b >= 0 && b < he->bins) hist_e.counts[size_t(b)] += uint64_t(z - a);
          a = z;
        }
      }
    }
    px_i = px_j;
    px2_i = px2_j;
    i = j;
  }

  n_clipped += a_end + (n - b_begin);

  ErrorSums sums;
  sums.n = n;
  sums.n_clipped = n_clipped;
  sums.sum_x2 = dd_add(sv.prefix_x2(n), dd_neg(sv.prefix_x2(0))).value();
  sums.sum_err2 = e2.value() + special_e2;
  sums.sum_y2 = y2.value() + special_y2;
  sums.sum_xy = xy.value() + special_xy;
  sums.sum_abs_err = ae.value() + special_ae;
  sums.max_abs_err = max_nan ? std::numeric_limits<double>::quiet_NaN() : max_err;
  if (sums.sum_err2 < 0) sums.sum_err2 = 0;  // rounding of an exactly-zero error
  if (sums.sum_abs_err < 0) sums.sum_abs_err = 0;
  if (hd) R.hist_dequant = std::move(hist_d);
  if (he) R.hist_error = std::move(hist_e);
  if (opt.dequant_values) set_dequant_values(R, std::move(values));
  R.metrics = finalize_metrics(sums, sv.numel, sv.numel - n, codes_used, bits_per_weight(s, sv.numel, 1));
  return R;
}

}  // namespace qs
