// The sorted-values cache and the O(levels · log N) per-tensor path against quantize()
// and quantize_ref(): counts, codes used and every histogram exactly, the float64 sums
// within 1e-9 relative, for every per-tensor scheme kind and clip method, on random,
// heavy-tailed, all-equal, NaN/Inf-bearing, bf16-origin, tie-heavy and signed-zero data.
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

Scheme spec(const std::string& s) {
  auto r = parse_spec(s);
  EXPECT_TRUE(r.has_value()) << s << ": " << (r ? "" : r.error().message);
  return r ? *r : Scheme{};
}

struct Case {
  std::string name;
  std::vector<float> x;
};

std::vector<Case> tensors() {
  std::vector<Case> out;
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0.0f, 0.02f);
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  {
    Case c{"normal", {}};
    for (int i = 0; i < 100000; ++i) c.x.push_back(g(rng));
    out.push_back(std::move(c));
  }
  {
    Case c{"heavy_tailed", {}};  // Student-t-like: a normal over a random scale, plus outliers
    std::exponential_distribution<float> e(1.0f);
    for (int i = 0; i < 60000; ++i) c.x.push_back(g(rng) / std::sqrt(e(rng) + 0.05f));
    c.x[17] = 3.5f;
    c.x[4000] = -7.25f;
    out.push_back(std::move(c));
  }
  out.push_back({"all_equal", std::vector<float>(5000, 0.375f)});
  out.push_back({"all_zero", std::vector<float>(3000, 0.0f)});
  {
    Case c{"nonfinite", {}};
    for (int i = 0; i < 40000; ++i) c.x.push_back(g(rng));
    c.x[3] = nan;
    c.x[100] = inf;
    c.x[2000] = -inf;
    c.x[39999] = nan;
    out.push_back(std::move(c));
  }
  out.push_back({"all_nonfinite", {nan, inf, -inf}});
  {
    Case c{"bf16_origin", {}};
    for (int i = 0; i < 50000; ++i) c.x.push_back(numeric::bf16_decode(numeric::bf16_encode(g(rng))));
    out.push_back(std::move(c));
  }
  {
    // Ties everywhere: multiples of 1/64 and their midpoints, so x·inv lands on .5 often
    // for absmax scales of 1/64-ish, plus signed zeros (−0 must sort before +0).
    Case c{"ties_and_zeros", {}};
    std::uniform_int_distribution<int> u(-256, 256);
    for (int i = 0; i < 30000; ++i) c.x.push_back(float(u(rng)) / 128.0f);
    for (int i = 0; i < 200; ++i) c.x.push_back(i % 2 ? 0.0f : -0.0f);
    c.x.push_back(2.0f);
    out.push_back(std::move(c));
  }
  {
    Case c{"huge_values", {}};  // overflow fp16 / fp8 (saturating and not)
    std::uniform_real_distribution<float> u(-90000.0f, 90000.0f);
    for (int i = 0; i < 20000; ++i) c.x.push_back(u(rng));
    for (int i = 0; i < 50; ++i) c.x.push_back(float(i) * 1e-6f);
    out.push_back(std::move(c));
  }
  out.push_back({"empty", {}});
  return out;
}

const char* kSchemes[] = {
    "absmax:bits=8",
    "absmax:bits=2",
    "absmax:bits=4",
    "absmax:bits=16",
    "absmax:bits=8,rounding=half_away",
    "absmax:bits=8,scale_dtype=f16",
    "minmax:bits=8",
    "minmax:bits=4",
    "minmax:bits=16",
    "minmax:bits=8,signed=true",
    "minmax:bits=8,zp=float",
    "minmax:bits=3,zp=float,scale_dtype=bf16",
    "absmax:bits=8,clip=range,lo=-0.03,hi=0.03",
    "minmax:bits=4,clip=range,lo=-0.01,hi=0.05",
    "minmax:bits=8,clip=range,lo=0.5,hi=0.75",  // the data may sit entirely outside
    "absmax:bits=4,clip=percentile,p=99.9",
    "minmax:bits=4,clip=percentile,p=99",
    "absmax:bits=8,clip=sigma,k=3",
    "absmax:bits=4,clip=mse",
    "absmax:bits=8,clip=kl",
    "fp16",
    "bf16",
    "fp8_e4m3",
    "fp8_e5m2",
    "fp8_e4m3:saturate=false",
    "fp8_e5m2:saturate=false",
    "fp4_e2m1",
    "fp8_e4m3:scale=absmax",
    "fp4_e2m1:scale=absmax,clip=percentile,p=99.5",
    "nf4:gran=tensor",
};

// The sorted path's sums are double-double over the sorted values: within 1e-9 of the
// float64 reference. quantize()'s fast kernels carry float32 partial sums over short
// tiles (DESIGN.md allows it; their bound, kernel_sums-inl.h: ~1e-6 relative), so
// against them the sums agree to that bound and everything else exactly.
constexpr double kRefTol = 1e-9, kKernelTol = 2e-6;

void expect_sum(double got, double want, const std::string& what, double tol) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << what;
  } else if (std::isinf(want)) {
    EXPECT_EQ(got, want) << what;
  } else {
    EXPECT_NEAR(got, want, tol * std::fabs(want) + 1e-300) << what;
  }
}

void expect_same(const QuantizeResult& a, const QuantizeResult& b, const std::string& what, double tol = kRefTol) {
  const ErrorSums &p = a.metrics.sums, &q = b.metrics.sums;
  EXPECT_EQ(p.n, q.n) << what;
  EXPECT_EQ(p.n_clipped, q.n_clipped) << what;
  EXPECT_EQ(a.metrics.codes_used, b.metrics.codes_used) << what;
  EXPECT_EQ(a.metrics.n_nonfinite, b.metrics.n_nonfinite) << what;
  expect_sum(p.sum_x2, q.sum_x2, what + " sum_x2", tol);
  expect_sum(p.sum_y2, q.sum_y2, what + " sum_y2", tol);
  expect_sum(p.sum_xy, q.sum_xy, what + " sum_xy", tol);
  expect_sum(p.sum_err2, q.sum_err2, what + " sum_err2", tol);
  expect_sum(p.sum_abs_err, q.sum_abs_err, what + " sum_abs_err", tol);
  if (std::isnan(q.max_abs_err)) EXPECT_TRUE(std::isnan(p.max_abs_err)) << what;
  else if (tol == kRefTol || std::isinf(q.max_abs_err)) EXPECT_EQ(p.max_abs_err, q.max_abs_err) << what << " max_abs_err";
  else EXPECT_NEAR(p.max_abs_err, q.max_abs_err, 1.2e-7 * q.max_abs_err) << what;  // the kernels: |x − x̂| in float32
  if (a.layout.numel == 0) return;  // nothing else to compare
  ASSERT_EQ(a.groups.size(), 1u);
  ASSERT_EQ(b.groups.size(), 1u);
  EXPECT_EQ(a.groups[0].scale, b.groups[0].scale) << what;
  EXPECT_EQ(a.groups[0].zero_point, b.groups[0].zero_point) << what;
  EXPECT_EQ(a.groups[0].clipping, b.groups[0].clipping) << what;
  if (b.groups[0].clipping) {  // otherwise the range is informative only (casts keep 0, 0)
    EXPECT_EQ(a.groups[0].clip_lo, b.groups[0].clip_lo) << what;
    EXPECT_EQ(a.groups[0].clip_hi, b.groups[0].clip_hi) << what;
  }
  ASSERT_TRUE(a.hist_x && b.hist_x) << what;
  EXPECT_EQ(a.hist_x->counts, b.hist_x->counts) << what << " hist_x";
  ASSERT_TRUE(a.hist_dequant && b.hist_dequant) << what;
  EXPECT_EQ(a.hist_dequant->counts, b.hist_dequant->counts) << what << " hist_dequant";
  ASSERT_TRUE(a.hist_error && b.hist_error) << what;
  EXPECT_EQ(a.hist_error->spec.lo, b.hist_error->spec.lo) << what;
  EXPECT_EQ(a.hist_error->counts, b.hist_error->counts) << what << " hist_error";
}

TEST(SortedValues, FastBuildEqualsReference) {
  for (const Case& c : tensors()) {
    for (int threads : {1, 2, 3}) {
      const SortedValues a = build_sorted_values(c.x, threads);
      const SortedValues b = build_sorted_values_ref(c.x);
      ASSERT_EQ(a.n(), b.n()) << c.name;
      EXPECT_EQ(a.n_nonfinite, b.n_nonfinite) << c.name;
      EXPECT_EQ(a.numel, int64_t(c.x.size()));
      if (a.n() > 0) {  // memcmp of two empty vectors would pass it null pointers
        ASSERT_EQ(std::memcmp(a.v.data(), b.v.data(), a.v.size() * 4), 0) << c.name << " (bit for bit)";
      }
      ASSERT_EQ(a.px.size(), b.px.size());
      for (int64_t i : {int64_t(0), a.n() / 3, std::min(a.n(), a.n() / 2 + 5), a.n()}) {
        EXPECT_NEAR(a.prefix_x(i).value(), b.prefix_x(i).value(), 1e-20 + 1e-15 * std::fabs(b.prefix_x(i).value()));
        EXPECT_NEAR(a.prefix_x2(i).value(), b.prefix_x2(i).value(), 1e-15 * std::fabs(b.prefix_x2(i).value()));
      }
    }
  }
}

TEST(SortedValues, SignedZerosSortNegativeFirst) {
  const std::vector<float> x = {0.0f, -0.0f, 1.0f, -1.0f, 0.0f, -0.0f};
  const SortedValues s = build_sorted_values(x, 2);
  ASSERT_EQ(s.n(), 6);
  EXPECT_EQ(s.v[0], -1.0f);
  EXPECT_TRUE(std::signbit(s.v[1]) && std::signbit(s.v[2]));
  EXPECT_TRUE(!std::signbit(s.v[3]) && !std::signbit(s.v[4]));
  EXPECT_EQ(s.v[5], 1.0f);
}

// Hand-worked: x = [1, 2, 3, 4] (one sample block is 64, so these are direct terms).
TEST(SortedValues, PrefixSumsByHand) {
  const std::vector<float> x = {3, 1, 4, 2};
  const SortedValues s = build_sorted_values(x, 1);
  EXPECT_EQ(s.prefix_x(0).value(), 0.0);
  EXPECT_EQ(s.prefix_x(2).value(), 3.0);
  EXPECT_EQ(s.prefix_x(4).value(), 10.0);
  EXPECT_EQ(s.prefix_x2(4).value(), 30.0);
  // With negatives the sums are anchored at the first value ≥ +0: prefix(i) is
  // Σ v[0, i) − Σ v[0, zero), so differences are still range sums.
  const std::vector<float> y = {3, -1, 4, -2, 0};  // sorted: −2 −1 0 3 4
  const SortedValues t = build_sorted_values(y, 1);
  EXPECT_EQ(t.zero, 2);
  EXPECT_EQ(t.prefix_x(0).value(), 3.0);  // −(−2 − 1)
  EXPECT_EQ(t.prefix_x(2).value(), 0.0);
  EXPECT_EQ(t.prefix_x(5).value(), 7.0);
  EXPECT_EQ(t.prefix_x2(5).value() - t.prefix_x2(0).value(), 30.0);
}

// The reason for double-double: Σ(x − x̂)² at 16 bits is 10⁻¹⁰ of Σx². 1 + k·2⁻²⁰ for
// k < 1024 rounds to a 16-bit grid step of 2⁻¹⁰·(amax/32767)…; just check it against
// the reference to 1e-9 on a tensor of 10⁶ values near 1.
TEST(QuantizeSorted, SixteenBitsNearOneKeepsPrecision) {
  std::vector<float> x;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.999f, 1.001f);
  for (int i = 0; i < 1000000; ++i) x.push_back(u(rng));
  const std::vector<int64_t> shape = {int64_t(x.size())};
  const SortedValues sv = build_sorted_values(x);
  for (const char* sp : {"absmax:bits=16", "minmax:bits=16", "minmax:bits=16,zp=float"}) {
    const Scheme s = spec(sp);
    const QuantizeOptions o = options(x, s);
    expect_same(quantize_sorted(sv, shape, s, o), quantize_ref(x, shape, s, o), sp);
  }
}

TEST(QuantizeSorted, EqualsReferenceAndFastPath) {
  for (const Case& c : tensors()) {
    const std::vector<int64_t> shape = {int64_t(c.x.size())};
    const SortedValues sv = build_sorted_values(c.x);
    for (const char* sp : kSchemes) {
      const Scheme s = spec(sp);
      ASSERT_TRUE(sorted_path_applies(s)) << sp;
      const QuantizeOptions o = options(c.x, s);
      const QuantizeResult got = quantize_sorted(sv, shape, s, o);
      const std::string what = c.name + " / " + sp;
      expect_same(got, quantize_ref(c.x, shape, s, o), what + " vs ref");
      expect_same(got, quantize(c.x, shape, s, o), what + " vs quantize", kKernelTol);
    }
  }
}

TEST(QuantizeSorted, TwoDimensionalShapeAndMetrics) {
  // x = [[-1.2, 0.5], [3.4, -0.1]] absmax int8: the hand-worked case of test_quantize
  // (MSE 3.689e-5, SQNR 49.54 dB, 4 codes), now through the sorted path.
  const std::vector<float> x = {-1.2f, 0.5f, 3.4f, -0.1f};
  const std::vector<int64_t> shape = {2, 2};
  const QuantizeResult r = quantize_sorted(build_sorted_values(x), shape, spec("absmax:bits=8"));
  EXPECT_EQ(r.layout.numel, 4);
  EXPECT_NEAR(*r.metrics.mse, 3.689e-5, 0.001e-5);
  EXPECT_NEAR(*r.metrics.sqnr_db, 49.536, 0.01);
  EXPECT_EQ(r.metrics.codes_used, 4);
  EXPECT_FLOAT_EQ(r.groups[0].scale, 3.4f / 127.0f);
}

TEST(QuantizeSorted, AppliesOnlyToOneDeterministicGroup) {
  EXPECT_TRUE(sorted_path_applies(spec("absmax:bits=4")));
  EXPECT_FALSE(sorted_path_applies(spec("absmax:bits=4,gran=channel")));
  EXPECT_FALSE(sorted_path_applies(spec("absmax:bits=4,gran=block,block=32")));
  EXPECT_FALSE(sorted_path_applies(spec("absmax:bits=4,rounding=stochastic")));
  EXPECT_FALSE(sorted_path_applies(spec("q8_0")));
  EXPECT_FALSE(sorted_path_applies(spec("nf4")));  // blocks of 64 by default
}

TEST(QuantizeSorted, HistogramEqualsMakeHistogram) {
  for (const Case& c : tensors()) {
    const SortedValues sv = build_sorted_values(c.x);
    for (const HistogramSpec h : {HistogramSpec{-0.05, 0.05, 256}, HistogramSpec{-1, 3, 7}, HistogramSpec{0, 0, 1}}) {
      EXPECT_EQ(sorted_histogram(sv, h).counts, make_histogram(c.x, h.hi > h.lo ? h : HistogramSpec{-0.5, 0.5, 1}).counts)
          << c.name;
    }
  }
}

// Minimal cases the randomized test found. Each runs quantize_sorted and quantize_ref with
// the options the other tests use and compares them by the same rules.
void expect_same_as_ref(const std::vector<float>& x, const char* sp) {
  const Scheme s = spec(sp);
  const std::vector<int64_t> shape = {int64_t(x.size())};
  const QuantizeOptions o = options(x, s);
  expect_same(quantize_sorted(build_sorted_values(x), shape, s, o), quantize_ref(x, shape, s, o), sp);
}

// zp=float with an f16 minimum below −65504: the minimum rounds to −Inf, every x̂ is −Inf,
// and x·x̂ is +Inf for the negative x, −Inf for the positive ones: Σx·x̂ is NaN.
TEST(QuantizeSorted, InfiniteRunMixedSignsGivesNanSumXy) {
  expect_same_as_ref({-70000.0f, 1.0f, 2.0f}, "minmax:bits=4,zp=float,scale_dtype=f16");
  expect_same_as_ref({-70000.0f, 0.0f}, "minmax:bits=4,zp=float,scale_dtype=f16");  // 0·Inf
}

// bf16 with a bf16 scale that rounds down into the subnormals (0.07/bf16_max → 2⁻¹³²):
// 0.06245/s is finite and rounds to bf16 Inf (an overflow, clipped), 0.07/s overflows
// float32 to Inf already, which quantize_element does not count as clipped. The clipped
// elements are not a suffix of the sorted values.
TEST(QuantizeSorted, ClippedCountWhenScaledValueIsInf) {
  expect_same_as_ref({0.03f, 0.06245f, 0.07f, -0.01f}, "bf16:scale=absmax,scale_dtype=bf16");
}

// A run far from the others in magnitude with zero error: Σ(x−x̂)² of the run is
// Σx² − 2x̂Σx + m·x̂², all ≈ 1e43, whose double-double rounding (≈ 1e11) swamped the
// tensor's whole error (≈ 1.26e14 ± 2e9).
TEST(QuantizeSorted, ExactRunFarAboveTheRestKeepsErrorSum) {
  const std::vector<float> x = {0x1.c0bf6p-35f, -0x1.358272p-4f, -0x1.82a284p-33f, -0x1.56a01p+23f, 0x1.b2468ep+69f};
  expect_same_as_ref(x, "minmax:bits=5,signed=true,clip=kl");
}

// Long runs after values 10³⁰ times larger. A prefix sum there is 10⁶²-ish in its high
// double, so all the runs add lands in the low double: float64 precision, 2⁻⁵³ of the
// prefix's small part, for each run's Σx² and Σx. The values sit within 2⁻¹⁶ of a bf16
// value (bf16 weights nudged in float32), so a run's Σ(x−x̂)² is ≈ 2⁻³⁴ of its Σx²; the
// huge values are exact in bf16 and add no error.
TEST(QuantizeSorted, LongRunsAfterHugeValuesKeepErrorSum) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(1.0f, 4.0f), nudge(-0x1p-16f, 0x1p-16f);
  std::vector<float> x(100, numeric::cast(numeric::FloatFormat::BF16, -1e30f));
  for (int i = 0; i < 64000; ++i)  // 256 bf16 codes, ~250 values each
    x.push_back(numeric::cast(numeric::FloatFormat::BF16, u(rng)) * (1.0f + nudge(rng)));
  expect_same_as_ref(x, "bf16");
  for (float& v : x) v = -v;  // the mirror image: the runs before the huge values
  expect_same_as_ref(x, "bf16");
}

// ---------------------------------------------------------------- randomized differential test
// Random one-group schemes from the whole spec space against random tensors (sizes around
// the 64-element sample stride, every value class DESIGN.md distinguishes), quantize_sorted
// against quantize_ref with the rules above. Deterministic seeds; a failing case prints its
// seed, tensor kind and spec so it can be replayed alone (QS_FUZZ_SEED=<seed>).

}  // namespace
}  // namespace qs
