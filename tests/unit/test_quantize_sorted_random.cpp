// quantize_sorted against quantize_ref on random one-group schemes and random tensors
// (an adversarial differential test; QS_FUZZ_SEED / QS_FUZZ_SEEDS / QS_FUZZ_MAXFAIL /
// QS_FUZZ_DUMP / QS_FUZZ_SELF_CALIBRATE replay and widen it).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "analysis/quant/calibrate.h"
#include "analysis/numeric/float_formats.h"
#include "analysis/quant/quantize_sorted.h"
#include "analysis/quant/sorted_values.h"
#include "analysis/quant/quantize.h"
#include "tests/unit/quantize_sorted_options.h"

namespace qs {
namespace {

float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

struct FuzzTensor {
  std::string kind;
  std::vector<float> x;
};

FuzzTensor fuzz_tensor(std::mt19937_64& rng) {
  auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  auto pick = [&](int n) { return int(std::uniform_int_distribution<int>(0, n - 1)(rng)); };
  const float fmax = std::numeric_limits<float>::max();
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  // Sizes: 0..5000, with the sample stride's neighbourhoods over-represented.
  static const int kSizes[] = {0, 1, 2, 3, 5, 31, 63, 64, 65, 127, 128, 129, 191, 192, 193, 255, 256, 257};
  int n;
  switch (pick(3)) {
    case 0: n = kSizes[pick(int(std::size(kSizes)))]; break;
    case 1: n = 64 * (1 + pick(78)) + (pick(3) - 1); break;
    default: n = pick(5001); break;
  }
  FuzzTensor t;
  std::vector<float>& x = t.x;
  x.resize(size_t(n));
  const double sigma = std::pow(10.0, uni(-6, 4));
  std::normal_distribution<double> g(0.0, 1.0);
  switch (pick(12)) {
    case 0:
      t.kind = "normal";
      for (float& v : x) v = float(g(rng) * sigma);
      break;
    case 1: {
      t.kind = "uniform";
      double a = uni(-1, 1) * sigma, b = uni(-1, 1) * sigma;
      if (a > b) std::swap(a, b);
      if (pick(3) == 0) a = std::fabs(a), b = std::fabs(b) + a;  // all positive
      else if (pick(3) == 0) b = -std::fabs(a) * 0.5, a = b - sigma;  // all negative
      for (float& v : x) v = float(uni(a, b));
      break;
    }
    case 2:
      t.kind = "heavy_tailed";
      for (float& v : x) v = float(g(rng) * sigma / std::pow(uni(1e-6, 1), 1.5));
      break;
    case 3:
      t.kind = "subnormals";
      for (float& v : x) {
        const uint32_t mant = uint32_t(rng()) & 0x7FFFFFu;
        const uint32_t sign = pick(2) ? 0x80000000u : 0u;
        v = pick(8) == 0 ? float(g(rng) * 1e-37) : bits_to_float(sign | mant);
      }
      break;
    case 4:
      t.kind = "near_flt_max";
      for (float& v : x) {
        switch (pick(4)) {
          case 0: v = fmax; break;
          case 1: v = -fmax; break;
          case 2: v = float(uni(-1, 1) * fmax); break;
          default: v = float(g(rng) * sigma); break;
        }
      }
      break;
    case 5: {
      // Exact ties: (k/2)·2^e for a grid that absmax/minmax at `b` bits puts on scale 2^e.
      t.kind = "half_step_ties";
      const int b = 2 + pick(15);
      const double step = std::ldexp(1.0, pick(40) - 20);
      const int64_t qmax = (int64_t(1) << (b - 1)) - 1;
      for (float& v : x) v = float(double(std::uniform_int_distribution<int64_t>(-2 * qmax, 2 * qmax)(rng)) * 0.5 * step);
      if (n > 0) x[size_t(pick(n))] = float(double(qmax) * step);
      if (n > 1 && pick(2)) x[size_t(pick(n))] = float(-double(qmax + 1) * step);
      break;
    }
    case 6: {
      t.kind = "duplicates";
      std::vector<float> pool(size_t(1 + pick(6)));
      for (float& p : pool) p = float(g(rng) * sigma);
      if (pick(2)) pool.push_back(0.0f);
      for (float& v : x) v = pool[size_t(pick(int(pool.size())))];
      break;
    }
    case 7:
      t.kind = "signed_zeros";
      for (float& v : x) v = pick(4) == 0 ? float(g(rng) * sigma) : (pick(2) ? 0.0f : -0.0f);
      break;
    case 8:
      t.kind = "random_bits";  // any finite float: the whole dynamic range at once
      for (float& v : x) {
        do v = bits_to_float(uint32_t(rng())); while (!std::isfinite(v));
      }
      break;
    case 9: {
      t.kind = "format_exact";  // exactly representable in a cast format: zero errors
      const int f = pick(3);
      for (float& v : x) {
        const float r = float(g(rng) * sigma);
        v = f == 0 ? numeric::cast(numeric::FloatFormat::BF16, r)
            : f == 1 ? numeric::cast(numeric::FloatFormat::FP16, r)
                     : numeric::cast(numeric::FloatFormat::FP8_E4M3, r);
      }
      break;
    }
    case 10:
      t.kind = "all_nonfinite";
      for (float& v : x) v = pick(3) == 0 ? nan : pick(2) ? inf : -inf;
      break;
    default: {
      t.kind = "wide_mix";  // clusters many decades apart
      const double s2 = sigma * std::pow(10.0, uni(3, 30));
      for (float& v : x) v = float(pick(2) ? g(rng) * sigma : g(rng) * s2);
      break;
    }
  }
  // Non-finite values sprinkled in.
  if (n > 0 && pick(3) == 0) {
    const int k = 1 + pick(std::max(1, n / 50));
    for (int i = 0; i < k; ++i) x[size_t(pick(n))] = pick(3) == 0 ? nan : pick(2) ? inf : -inf;
    t.kind += "+nonfinite";
  }
  return t;
}

Scheme fuzz_scheme(std::mt19937_64& rng, const std::vector<float>& x) {
  auto uni = [&](double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); };
  auto pick = [&](int n) { return int(std::uniform_int_distribution<int>(0, n - 1)(rng)); };
  Scheme s;
  switch (pick(7)) {
    case 0:
    case 1: s.kind = Kind::Absmax; break;
    case 2:
    case 3: s.kind = Kind::Minmax; break;
    case 4:
    case 5: s.kind = Kind::Float; break;
    default: s.kind = Kind::NF4; break;
  }
  s.granularity = Granularity::Tensor;
  s.bits = 2 + pick(15);
  if (s.kind == Kind::NF4) s.bits = 4;
  if (s.kind == Kind::Float) {
    s.format = numeric::kAllFloatFormats[size_t(pick(6))];  // fp32 fails validate(): skipped
    s.bits = numeric::traits(s.format).bits;
    s.saturate = pick(2) == 0;
    s.scale = pick(2) ? ScaleMode::Absmax : ScaleMode::None;
  }
  s.zero_point = pick(2) ? ZeroPointKind::Int : ZeroPointKind::Float;
  s.is_signed = pick(2) == 0;
  s.scale_dtype = std::array{ScaleDType::F32, ScaleDType::F16, ScaleDType::BF16}[size_t(pick(3))];
  if (s.kind == Kind::Absmax || s.kind == Kind::Minmax) s.rounding = pick(3) ? Rounding::NearestEven : Rounding::HalfAway;
  // Clip ranges relative to the data.
  double lo = 0, hi = 0;
  bool any = false;
  for (float v : x)
    if (std::isfinite(v)) lo = any ? std::min(lo, double(v)) : v, hi = any ? std::max(hi, double(v)) : v, any = true;
  const double w = any && hi > lo ? hi - lo : 1.0;
  switch (pick(8)) {
    case 0:
    case 1: s.clip.method = ClipMethod::None; break;
    case 2: {
      s.clip.method = ClipMethod::Range;
      switch (pick(7)) {
        case 0: s.clip.lo = lo + uni(0, 0.5) * w, s.clip.hi = hi - uni(0, 0.5) * w; break;  // inside
        case 1: s.clip.lo = hi + w * uni(0.1, 2), s.clip.hi = s.clip.lo + w; break;           // above the data
        case 2: s.clip.hi = lo - w * uni(0.1, 2), s.clip.lo = s.clip.hi - w; break;           // below it
        case 3: {                                                                             // lo == hi as floats
          const float f = float(lo + uni(0, 1) * w);
          s.clip.lo = f;
          s.clip.hi = double(f) + std::fabs(double(f)) * 1e-12 + 1e-300;
          break;
        }
        case 4: s.clip.lo = -uni(1, 3) * w, s.clip.hi = -uni(0.01, 0.9) * w; break;  // negative only
        case 5: s.clip.lo = -uni(0, 1) * 1e-30, s.clip.hi = uni(0.01, 1) * 1e-30; break;  // tiny
        default: s.clip.lo = -1e39, s.clip.hi = pick(2) ? 1e39 : uni(0, 1) * w; break;  // beyond float
      }
      break;
    }
    case 3: {
      s.clip.method = ClipMethod::Percentile;
      const double ps[] = {100.0, 99.99, 99.9, 99.0, 90.0, 50.0, 0.1, 1e-9};
      s.clip.p = pick(2) ? ps[pick(8)] : uni(0.001, 100);
      break;
    }
    case 4:
      s.clip.method = ClipMethod::Sigma;
      s.clip.k = pick(2) ? uni(0.01, 6) : double(1 + pick(4));
      break;
    case 5: s.clip.method = ClipMethod::Mse; break;
    case 6: s.clip.method = ClipMethod::Kl; break;
    default: s.clip.method = ClipMethod::None; break;
  }
  return s;
}

QuantizeOptions fuzz_options(std::mt19937_64& rng, const std::vector<float>& x, const Scheme& s) {
  auto pick = [&](int n) { return int(std::uniform_int_distribution<int>(0, n - 1)(rng)); };
  QuantizeOptions o = options(x, s);
  double lo = 0, hi = 0;
  bool any = false;
  for (float v : x)
    if (std::isfinite(v)) lo = any ? std::min(lo, double(v)) : v, hi = any ? std::max(hi, double(v)) : v, any = true;
  switch (pick(3)) {
    case 0: break;                                                    // the existing test's specs
    case 1: o.hist_x = HistogramSpec{lo, hi, 1 + pick(300)}; break;  // the maximum on hi
    default: {
      // Bin edges on the values: edges at multiples of a power of two near the spread.
      const double step = std::ldexp(1.0, std::ilogb(std::max(hi - lo, 1e-300)) - 4);
      const double a = std::floor(lo / step) * step;
      const int bins = 1 + pick(40);
      o.hist_x = HistogramSpec{a, a + bins * step, bins};
      o.hist_dequant = HistogramSpec{a, a + bins * step, bins};
      break;
    }
  }
  const double f = std::array{0.5, 0.6, 1.0, 2.5}[size_t(pick(4))];
  const int eb = 1 + pick(200);
  o.hist_error_from_params = [f, eb](const std::vector<GroupParams>& g) -> std::optional<HistogramSpec> {
    if (g.empty()) return std::nullopt;
    const double half = f * double(g[0].scale);
    return HistogramSpec{-half, half, eb};
  };
  return o;
}


// expect_same's rules, as a list of what differs (empty when the results agree).
// xy_slack: what float64 summation in element order may lose of Σx·x̂ (its terms have both
// signs: x = ±FLT_MAX clipped to one x̂ cancel, and the reference keeps only noise).
std::string differences(const QuantizeResult& a, const QuantizeResult& b, double xy_slack = 0) {
  std::string out;
  auto num = [](double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return std::string(buf);
  };
  auto sum = [&](double got, double want, const char* what, double slack = 0) {
    const bool ok = std::isnan(want)   ? std::isnan(got)
                    : std::isinf(want) ? got == want
                                       : std::fabs(got - want) <= 1e-9 * std::fabs(want) + slack + 1e-300;
    if (!ok) out += std::string(" ") + what + " " + num(got) + " vs " + num(want);
  };
  auto same = [&](auto got, auto want, const char* what) {
    if (!(got == want)) out += std::string(" ") + what;
  };
  const ErrorSums &p = a.metrics.sums, &q = b.metrics.sums;
  same(p.n, q.n, "n");
  if (p.n_clipped != q.n_clipped) out += " n_clipped " + std::to_string(p.n_clipped) + " vs " + std::to_string(q.n_clipped);
  if (a.metrics.codes_used != b.metrics.codes_used)
    out += " codes_used " + std::to_string(a.metrics.codes_used) + " vs " + std::to_string(b.metrics.codes_used);
  same(a.metrics.n_nonfinite, b.metrics.n_nonfinite, "n_nonfinite");
  sum(p.sum_x2, q.sum_x2, "sum_x2");
  sum(p.sum_y2, q.sum_y2, "sum_y2");
  sum(p.sum_xy, q.sum_xy, "sum_xy", xy_slack);
  sum(p.sum_err2, q.sum_err2, "sum_err2");
  sum(p.sum_abs_err, q.sum_abs_err, "sum_abs_err");
  if (std::isnan(q.max_abs_err) ? !std::isnan(p.max_abs_err) : p.max_abs_err != q.max_abs_err)
    out += " max_abs_err " + num(p.max_abs_err) + " vs " + num(q.max_abs_err);
  if (a.layout.numel == 0) return out;
  if (a.groups.size() != 1 || b.groups.size() != 1) return out + " groups";
  const GroupParams &g = a.groups[0], &h = b.groups[0];
  auto same_or_nan = [&](float u, float v, const char* what) {
    if (!(u == v || (std::isnan(u) && std::isnan(v)))) out += std::string(" ") + what;
  };
  same_or_nan(g.scale, h.scale, "scale");
  same_or_nan(g.zero_point, h.zero_point, "zero_point");
  same(g.clipping, h.clipping, "clipping");
  if (h.clipping) {
    same_or_nan(g.clip_lo, h.clip_lo, "clip_lo");
    same_or_nan(g.clip_hi, h.clip_hi, "clip_hi");
  }
  if (!a.hist_x || !b.hist_x || a.hist_x->counts != b.hist_x->counts) out += " hist_x";
  if (!a.hist_dequant || !b.hist_dequant || a.hist_dequant->counts != b.hist_dequant->counts) out += " hist_dequant";
  // (a NaN scale — a clip range beyond float — gives a NaN error range on both sides)
  if (!a.hist_error || !b.hist_error ||
      !(a.hist_error->spec.lo == b.hist_error->spec.lo || (std::isnan(a.hist_error->spec.lo) && std::isnan(b.hist_error->spec.lo))) ||
      a.hist_error->counts != b.hist_error->counts)
    out += " hist_error";
  return out;
}

TEST(QuantizeSorted, RandomizedAgainstReference) {
  uint64_t first = 1, last = 400;
  if (const char* e = std::getenv("QS_FUZZ_SEED")) first = last = std::strtoull(e, nullptr, 10);
  if (const char* e = std::getenv("QS_FUZZ_SEEDS")) last = first + std::strtoull(e, nullptr, 10) - 1;
  int failures = 0, compared = 0, skipped = 0, max_failures = 10;
  if (const char* e = std::getenv("QS_FUZZ_MAXFAIL")) max_failures = std::atoi(e);
  for (uint64_t seed = first; seed <= last && failures < max_failures; ++seed) {
    std::mt19937_64 rng(seed);
    const FuzzTensor t = fuzz_tensor(rng);
    const std::vector<int64_t> shape = {int64_t(t.x.size())};
    const SortedValues sv = build_sorted_values(t.x, 1 + int(seed % 3));
    std::vector<float> fin;
    for (float v : t.x)
      if (std::isfinite(v)) fin.push_back(v);
    for (int k = 0; k < 8 && failures < max_failures; ++k) {
      const Result<Scheme> vs = validate(fuzz_scheme(rng, t.x));
      if (!vs) {
        ++skipped;
        continue;
      }
      const Scheme& s = *vs;
      if (!sorted_path_applies(s)) {
        ++skipped;
        continue;
      }
      QuantizeOptions o = fuzz_options(rng, t.x, s);
      // QS_FUZZ_SELF_CALIBRATE: no cached tensor_clip, quantize_sorted calibrates on the
      // sorted values (the reference on the values in file order).
      if (std::getenv("QS_FUZZ_SELF_CALIBRATE")) o.tensor_clip.reset();
      const std::string what = "seed " + std::to_string(seed) + " #" + std::to_string(k) + " " + t.kind + " n=" +
                               std::to_string(t.x.size()) + " / " + print_spec(s);
      const QuantizeResult got = quantize_sorted(sv, shape, s, o);
      QuantizeOptions ro = o;
      ro.keep_dequant = true;
      const QuantizeResult want = quantize_ref(t.x, shape, s, ro);
      double abs_xy = 0;  // Σ|x·x̂|: the reference's own rounding of Σx·x̂ is within n·2⁻⁵³ of it
      for (size_t i = 0; i < t.x.size(); ++i)
        if (std::isfinite(t.x[i])) abs_xy += std::fabs(double(t.x[i]) * double(want.dequant[i]));
      std::string diff = differences(got, want, double(t.x.size()) * 0x1p-53 * abs_xy);
      if (!fin.empty() && sorted_histogram(sv, *o.hist_x).counts != want.hist_x->counts) diff += " sorted_histogram";
      ++compared;
      if (!diff.empty()) {
        ADD_FAILURE() << what << ":" << diff;
        if (std::getenv("QS_FUZZ_DUMP")) {
          for (float v : t.x) std::printf("%a ", double(v));
          std::printf("\nscale %a zp %a clip [%a, %a] %d\n", double(want.groups[0].scale), double(want.groups[0].zero_point),
                      double(want.groups[0].clip_lo), double(want.groups[0].clip_hi), int(want.groups[0].clipping));
        }
        ++failures;
      }
    }
  }
  EXPECT_EQ(failures, 0);
  std::printf("compared %d, skipped %d invalid schemes\n", compared, skipped);
}

}  // namespace
}  // namespace qs
