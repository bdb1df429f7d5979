// quantize() and quantize_ref(): hand-derived cases from DESIGN.md's conventions, the
// bits/weight accounting, and the fast kernels against the scalar reference twin.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "analysis/numeric/float_formats.h"
#include "analysis/quant/quantize.h"
#include "analysis/quant/scheme.h"
#include "analysis/base/tensor.h"

namespace qs {
namespace {

Scheme spec(const char* s) {
  auto r = parse_spec(s);
  EXPECT_TRUE(r.has_value()) << s << ": " << (r ? "" : r.error().message);
  return r ? *r : Scheme{};
}

QuantizeOptions keep_all(int threads = 0) {
  QuantizeOptions o;
  o.keep_codes = true;
  o.keep_dequant = true;
  o.threads = threads;
  return o;
}

// x = [-1.2, 0.5, 3.4, -0.1], absmax int8 (DESIGN.md):
//   amax = 3.4, qmax = 127, s = 3.4/127 = 0.026771654
//   x·inv = [-44.82, 18.68, 127.0, -3.74] (inv = fl(1/s)) → q = [-45, 19, 127, -4]
//   x̂ = q·s = [-1.2047244, 0.5086614, 3.4, -0.1070866]
//   err = x - x̂ = [0.0047244, -0.0086614, 0, 0.0070866]
//   MSE = (0.0047244² + 0.0086614² + 0 + 0.0070866²)/4 = 1.4756e-4/4 = 3.6890e-5
//   SQNR = 10·log10(Σx²/Σerr²) = 10·log10(13.1/1.4756e-4) = 49.54 dB
TEST(QuantizeHand, AbsmaxInt8FourValues) {
  const std::vector<float> x = {-1.2f, 0.5f, 3.4f, -0.1f};
  const std::vector<int64_t> shape = {4};
  for (auto* fn : {&quantize, &quantize_ref}) {
    const QuantizeResult r = fn(x, shape, spec("absmax:bits=8"), keep_all());
    ASSERT_EQ(r.groups.size(), 1u);
    EXPECT_FLOAT_EQ(r.groups[0].scale, 3.4f / 127.0f);
    EXPECT_EQ(r.codes, (std::vector<int32_t>{-45, 19, 127, -4}));
    const double s = 3.4 / 127.0;
    EXPECT_NEAR(r.dequant[0], -45 * s, 1e-6);
    EXPECT_NEAR(r.dequant[1], 19 * s, 1e-6);
    EXPECT_FLOAT_EQ(r.dequant[2], 3.4f);
    EXPECT_NEAR(r.dequant[3], -4 * s, 1e-6);
    const double e0 = -1.2 + 45 * s, e1 = 0.5 - 19 * s, e3 = -0.1 + 4 * s;
    const double mse = (e0 * e0 + e1 * e1 + e3 * e3) / 4;
    EXPECT_NEAR(*r.metrics.mse, mse, mse * 1e-4);
    EXPECT_NEAR(*r.metrics.mse, 3.689e-5, 0.001e-5);
    EXPECT_NEAR(*r.metrics.sqnr_db, 49.536, 0.01);
    EXPECT_NEAR(*r.metrics.max_abs_error, 0.0086614, 1e-6);
    EXPECT_EQ(r.metrics.codes_used, 4);
    EXPECT_DOUBLE_EQ(*r.metrics.clipped_fraction, 0.0);
    EXPECT_DOUBLE_EQ(*r.metrics.bits_per_weight, 8.0 + 32.0 / 4.0);
  }
}

// minmax uint8 with an exact power-of-two scale so every tie is exact:
//   lo = -0.5, hi = 1.4921875 → s = 1.9921875/255 = 2^-7, z = rne(0.5·128) = 64
//   x = 1.5·2^-7 → x·inv = 1.5 (inv = 128, exact) → rne 2 (tie to even) → q = 66
//   x = 2.5·2^-7 → 2.5 → rne 2 → q = 66;  x = -0.5 → -64 + 64 = 0;  hi → 191 + 64 = 255
TEST(QuantizeHand, MinmaxUint8TiesToEven) {
  const float u = 1.0f / 128.0f;
  const std::vector<float> x = {-0.5f, 1.5f * u, 2.5f * u, 1.4921875f, 0.0f};
  const std::vector<int64_t> shape = {5};
  for (auto* fn : {&quantize, &quantize_ref}) {
    const QuantizeResult r = fn(x, shape, spec("minmax:bits=8"), keep_all());
    EXPECT_EQ(r.groups[0].scale, u);
    EXPECT_EQ(r.groups[0].zero_point, 64.0f);
    EXPECT_EQ(r.codes, (std::vector<int32_t>{0, 66, 66, 255, 64}));
    EXPECT_EQ(r.dequant[1], 2 * u);
    EXPECT_EQ(r.dequant[2], 2 * u);
    EXPECT_EQ(r.dequant[4], 0.0f);  // zero is exactly representable
    // signed shifts codes by 128, same values
    const QuantizeResult rs = fn(x, shape, spec("minmax:bits=8,signed=true"), keep_all());
    EXPECT_EQ(rs.codes, (std::vector<int32_t>{-128, -62, -62, 127, -64}));
    EXPECT_EQ(rs.dequant, r.dequant);
    // half_away rounds the ties up: 1.5 → 2, 2.5 → 3
    const QuantizeResult rh = fn(x, shape, spec("minmax:bits=8,rounding=half_away"), keep_all());
    EXPECT_EQ(rh.codes, (std::vector<int32_t>{0, 66, 67, 255, 64}));
  }
}

// Integer zero point widens the range to include 0; float zero point does not.
//   x = [2, 3, 4, 6], 2 bits: int zp: lo = 0, hi = 6, s = 2, z = 0 → q = [1,2,2,3] (3/2 = 1.5 → 2)
//   float zp: lo = 2, s = 4/3, q = rne((x-2)·0.75) = [0, 1 (0.75), 2 (1.5), 3] → x̂ = [2, 3.333, 4.667, 6]
TEST(QuantizeHand, MinmaxZeroPointKinds) {
  const std::vector<float> x = {2, 3, 4, 6};
  const std::vector<int64_t> shape = {4};
  for (auto* fn : {&quantize, &quantize_ref}) {
    const QuantizeResult ri = fn(x, shape, spec("minmax:bits=2"), keep_all());
    EXPECT_EQ(ri.groups[0].scale, 2.0f);
    EXPECT_EQ(ri.groups[0].zero_point, 0.0f);
    EXPECT_EQ(ri.codes, (std::vector<int32_t>{1, 2, 2, 3}));
    const QuantizeResult rf = fn(x, shape, spec("minmax:bits=2,zp=float"), keep_all());
    EXPECT_FLOAT_EQ(rf.groups[0].scale, 4.0f / 3.0f);
    EXPECT_EQ(rf.groups[0].zero_point, 2.0f);
    EXPECT_EQ(rf.codes, (std::vector<int32_t>{0, 1, 2, 3}));
    EXPECT_FLOAT_EQ(rf.dequant[1], 2.0f + 4.0f / 3.0f);
    EXPECT_FLOAT_EQ(rf.dequant[3], 6.0f);
    // bits/weight: int zp stores b bits of zp, float zp stores a 32-bit minimum
    EXPECT_DOUBLE_EQ(*ri.metrics.bits_per_weight, 2.0 + (32.0 + 2.0) / 4.0);
    EXPECT_DOUBLE_EQ(*rf.metrics.bits_per_weight, 2.0 + (32.0 + 32.0) / 4.0);
  }
}

TEST(QuantizeHand, DegenerateGroups) {
  const std::vector<int64_t> shape = {3};
  for (auto* fn : {&quantize, &quantize_ref}) {
    // all zero: s = 1, q = 0, x̂ = 0, sqnr and cosine null (Σx² = 0)
    const QuantizeResult z = fn(std::vector<float>{0, 0, 0}, shape, spec("absmax:bits=8"), keep_all());
    EXPECT_EQ(z.groups[0].scale, 1.0f);
    EXPECT_EQ(z.codes, (std::vector<int32_t>{0, 0, 0}));
    EXPECT_FALSE(z.metrics.sqnr_db.has_value());
    EXPECT_FALSE(z.metrics.cosine.has_value());
    EXPECT_EQ(*z.metrics.mse, 0.0);
    // constant group with a float minimum reproduces exactly: sqnr = inf
    const QuantizeResult c = fn(std::vector<float>{0.7f, 0.7f, 0.7f}, shape,
                                spec("minmax:bits=4,zp=float"), keep_all());
    EXPECT_EQ(c.groups[0].scale, 1.0f);
    EXPECT_EQ(c.dequant, (std::vector<float>{0.7f, 0.7f, 0.7f}));
    EXPECT_TRUE(std::isinf(*c.metrics.sqnr_db));
    EXPECT_DOUBLE_EQ(*c.metrics.cosine, 1.0);
  }
  // empty tensor: not an error, metrics null
  const std::vector<int64_t> empty_shape = {0, 5};
  const QuantizeResult e = quantize(std::vector<float>{}, empty_shape, spec("absmax:bits=8"));
  EXPECT_EQ(e.metrics.numel, 0);
  EXPECT_FALSE(e.metrics.mse.has_value());
  EXPECT_FALSE(e.metrics.bits_per_weight.has_value());
}

TEST(QuantizeHand, NonFinitePassThrough) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {nan, 1.0f, -inf, -0.5f, inf, 0.25f};
  const std::vector<int64_t> shape = {6};
  for (auto* fn : {&quantize, &quantize_ref}) {
    const QuantizeResult r = fn(x, shape, spec("absmax:bits=4"), keep_all());
    EXPECT_EQ(r.metrics.n_nonfinite, 3);
    EXPECT_EQ(r.metrics.n, 3);
    EXPECT_EQ(r.groups[0].scale, 1.0f / 7.0f);  // amax over finite values only
    EXPECT_TRUE(std::isnan(r.dequant[0]));
    EXPECT_EQ(r.dequant[2], -inf);
    EXPECT_EQ(r.dequant[4], inf);
    EXPECT_EQ(r.codes[1], 7);
    // s = fl(1/7) = 0.14285715 > 1/7, inv = fl(1/s) = 6.9999995, so -0.5·inv = -3.4999998
    // in float32 (NumPy agrees): -3
    EXPECT_EQ(r.codes[3], -3);
    EXPECT_EQ(r.codes[5], 2);   // 1.75 → 2
    EXPECT_TRUE(std::isfinite(*r.metrics.mse));
    // bits/weight counts non-finite elements in N
    EXPECT_DOUBLE_EQ(*r.metrics.bits_per_weight, 4.0 + 32.0 / 6.0);
  }
}

// Clip range: values beyond it saturate and count as clipped.
//   minmax:clip=range,lo=-5,hi=5 on [-10, -2, 0, 3, 10]: s = fl(10/255) = 0.039215688,
//   inv = fl(1/s) = 25.5 exactly, so -lo·inv = 127.5 and z = rne(127.5) = 128 (a division
//   would give np.float32(5)/s = 127.49999 and z = 127). -10 clips to -5: rne(-127.5) + 128
//   = 0; 10 clips to 5: 128 + 128 = 256, clamped to 255.
TEST(QuantizeHand, ClipRangeSaturates) {
  const std::vector<float> x = {-10, -2, 0, 3, 10};
  const std::vector<int64_t> shape = {5};
  for (auto* fn : {&quantize, &quantize_ref}) {
    const QuantizeResult r = fn(x, shape, spec("minmax:clip=range,lo=-5,hi=5"), keep_all());
    EXPECT_FLOAT_EQ(r.groups[0].scale, 10.0f / 255.0f);
    EXPECT_EQ(r.groups[0].zero_point, 128.0f);
    EXPECT_EQ(r.codes[0], 0);
    EXPECT_EQ(r.codes[4], 255);                 // rne(5·inv) + z = 128 + 128, clamped
    EXPECT_NEAR(r.dequant[0], -5.01961, 1e-4);  // (0 - 128)·s
    EXPECT_NEAR(r.dequant[4], 4.98039, 1e-4);   // (255 - 128)·s
    EXPECT_DOUBLE_EQ(*r.metrics.clipped_fraction, 2.0 / 5.0);
    // absmax with a range: s = max(|lo|,|hi|)/127
    const QuantizeResult a = fn(x, shape, spec("absmax:clip=range,lo=-5,hi=5"), keep_all());
    EXPECT_FLOAT_EQ(a.groups[0].scale, 5.0f / 127.0f);
    EXPECT_EQ(a.codes[0], -127);
    EXPECT_EQ(a.codes[4], 127);
    EXPECT_DOUBLE_EQ(*a.metrics.clipped_fraction, 2.0 / 5.0);
  }
}

// DESIGN.md: q = rne(x·inv) with inv = 1.0f/s in float32, never rne(x/s). Two values
// (found by a search over the ties k + 0.5 of absmax int8 and their float32 neighbours)
// where the two rules round to different codes, in both directions:
//   amax = 1: s = fl(1/127) = 0x1.020408p-7, inv = fl(1/s) = 127 exactly;
//     x = 0x1.62c58ap-5 (0.0433070846): x/s = 5.5 exactly → 6, x·inv = 5.4999995 → 5.
//   amax = 3.4f: s = 0x1.b6a074p-6, inv = 0x1.2ad2d2p+5 (37.35294);
//     x = 0x1.12244ap-4 (0.0669291392): x/s = 2.5000002 → 3, x·inv = 2.5 exactly → 2 (even).
// NumPy agrees: np.rint(np.float32(x) * (np.float32(1) / s)) gives 5 and 2.
TEST(QuantizeHand, MultipliesByTheFloat32Inverse) {
  const std::vector<int64_t> shape = {2};
  const float x1 = 0x1.62c58ap-5f, x2 = 0x1.12244ap-4f;
  // The premise: the two rules really differ on these values in float32.
  const float s1 = 1.0f / 127.0f, s2 = 3.4f / 127.0f;
  ASSERT_EQ(std::nearbyint(x1 / s1), 6.0f);
  ASSERT_EQ(std::nearbyint(x1 * (1.0f / s1)), 5.0f);
  ASSERT_EQ(std::nearbyint(x2 / s2), 3.0f);
  ASSERT_EQ(std::nearbyint(x2 * (1.0f / s2)), 2.0f);
  for (auto* fn : {&quantize, &quantize_ref}) {
    const QuantizeResult a = fn(std::vector<float>{1.0f, x1}, shape, spec("absmax:bits=8"), keep_all());
    EXPECT_EQ(a.groups[0].scale, s1);
    EXPECT_EQ(a.groups[0].inv, 127.0f);
    EXPECT_EQ(a.codes, (std::vector<int32_t>{127, 5}));
    EXPECT_EQ(a.dequant[1], 5.0f * s1);
    const QuantizeResult b = fn(std::vector<float>{3.4f, x2}, shape, spec("absmax:bits=8"), keep_all());
    EXPECT_EQ(b.groups[0].inv, 1.0f / s2);
    EXPECT_EQ(b.codes, (std::vector<int32_t>{127, 2}));
  }
  // quantize_element itself, and the per-element SIMD path (a channel layout, many lanes).
  const Scheme s = spec("absmax:bits=8");
  const GroupParams p = choose_params(s, -1.0f, 1.0f, false);
  EXPECT_EQ(quantize_element(s, p, x1, 0.0f).code, 5);
  EXPECT_EQ(quantize_element(s, p, -x1, 0.0f).code, -5);
  std::vector<float> many(64, x1);
  many[0] = 1.0f;
  const QuantizeResult m = quantize(many, std::vector<int64_t>{64}, s, keep_all(2));
  EXPECT_EQ(m.codes[63], 5);
}

// bits/weight = 8 + 32·G/N: per tensor, per row channel, per column channel, blocks.
TEST(QuantizeAccounting, BitsPerWeightByGranularity) {
  const int64_t rows = 8, cols = 64;
  std::vector<float> x(size_t(rows * cols));
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i) * 0.37f);
  const std::vector<int64_t> shape = {rows, cols};
  const double N = double(rows * cols);
  auto bpw = [&](const char* s) { return *quantize(x, shape, spec(s)).metrics.bits_per_weight; };
  EXPECT_DOUBLE_EQ(bpw("absmax:bits=8"), 8 + 32 / N);
  EXPECT_DOUBLE_EQ(bpw("absmax:bits=8,gran=channel,axis=0"), 8 + 32.0 / cols);
  EXPECT_DOUBLE_EQ(bpw("absmax:bits=8,gran=channel,axis=-1"), 8 + 32.0 / rows);
  EXPECT_DOUBLE_EQ(bpw("absmax:bits=8,gran=block,block=32,scale_dtype=f16"), 8.5);
  EXPECT_DOUBLE_EQ(bpw("absmax:bits=4,gran=block,block=32"), 5.0);
  EXPECT_DOUBLE_EQ(bpw("nf4"), 4.5);               // 64-element blocks, f32 absmax
  EXPECT_DOUBLE_EQ(bpw("minmax:bits=4,gran=block,block=32,scale_dtype=f16"), 4 + (16 + 4) / 32.0);
  EXPECT_DOUBLE_EQ(bpw("bf16"), 16.0);
  EXPECT_DOUBLE_EQ(bpw("fp8_e4m3"), 8.0);
  EXPECT_DOUBLE_EQ(bpw("fp8_e4m3:gran=channel,scale=absmax"), 8 + 32.0 / cols);
}

// Per-group params: block layout with a short last block, channel along axis 1 of a
// 3-D tensor.
TEST(QuantizeLayout, GroupsAndShortBlocks) {
  const std::vector<int64_t> shape = {2, 5};  // blocks of 2: [0,1] [2,3] [4] per row
  const std::vector<float> x = {1, -2, 3, 4, -5, 6, 7, 8, 9, -10};
  const QuantizeResult r = quantize(x, shape, spec("absmax:bits=8,gran=block,block=2"), keep_all());
  ASSERT_EQ(r.layout.groups, 6);
  const float amax[6] = {2, 4, 5, 7, 9, 10};
  for (int g = 0; g < 6; ++g) EXPECT_FLOAT_EQ(r.groups[size_t(g)].scale, amax[g] / 127.0f) << g;
  EXPECT_EQ(r.codes[4], -127);
  EXPECT_EQ(r.codes[9], -127);

  const std::vector<int64_t> shape3 = {2, 3, 2};
  std::vector<float> y(12);
  for (int i = 0; i < 12; ++i) y[size_t(i)] = float(i + 1);  // channel c holds i with (i/2)%3 == c
  const QuantizeResult c = quantize(y, shape3, spec("absmax:bits=8,gran=channel,axis=1"), keep_all());
  ASSERT_EQ(c.layout.groups, 3);
  EXPECT_FLOAT_EQ(c.groups[0].scale, 8.0f / 127.0f);   // {1,2,7,8}
  EXPECT_FLOAT_EQ(c.groups[1].scale, 10.0f / 127.0f);  // {3,4,9,10}
  EXPECT_FLOAT_EQ(c.groups[2].scale, 12.0f / 127.0f);  // {5,6,11,12}

  EXPECT_FALSE(make_layout(shape3, spec("absmax:gran=channel,axis=3")).has_value());
  EXPECT_FALSE(make_layout(shape3, spec("absmax:gran=channel,axis=-4")).has_value());
  EXPECT_TRUE(make_layout(shape3, spec("absmax:gran=channel,axis=-3")).has_value());
}

// ---------------------------------------------------------------------------------
// The fast quantizer against the scalar reference on random data and many schemes.

struct Rng {
  uint64_t s;
  uint64_t next() {
    s += 0x9E3779B97F4A7C15ull;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
  double normal() {
    const double u1 = uniform() + 1e-300, u2 = uniform();
    return std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
};

std::vector<float> random_tensor(size_t n, uint64_t seed, bool nonfinite) {
  Rng r{seed};
  std::vector<float> x(n);
  for (auto& v : x) v = float(0.02 * r.normal());
  if (n > 10) {
    x[n / 3] = 0.9f;  // an outlier
    if (nonfinite) {
      x[n / 5] = std::numeric_limits<float>::quiet_NaN();
      x[n / 7] = std::numeric_limits<float>::infinity();
      x[n / 2] = -std::numeric_limits<float>::infinity();
    }
  }
  return x;
}

void expect_same(const QuantizeResult& a, const QuantizeResult& b, const std::string& what) {
  ASSERT_EQ(a.groups.size(), b.groups.size()) << what;
  for (size_t g = 0; g < a.groups.size(); ++g) {
    ASSERT_EQ(a.groups[g].scale, b.groups[g].scale) << what << " group " << g;
    ASSERT_EQ(a.groups[g].zero_point, b.groups[g].zero_point) << what << " group " << g;
    ASSERT_EQ(a.groups[g].inv, b.groups[g].inv) << what << " group " << g;
    ASSERT_EQ(a.groups[g].clipping, b.groups[g].clipping) << what << " group " << g;
    if (a.groups[g].clipping) {  // the clip range means something (is reported) only then
      ASSERT_EQ(a.groups[g].clip_lo, b.groups[g].clip_lo) << what << " group " << g;
      ASSERT_EQ(a.groups[g].clip_hi, b.groups[g].clip_hi) << what << " group " << g;
    }
  }
  ASSERT_EQ(a.codes.size(), b.codes.size());
  for (size_t i = 0; i < a.codes.size(); ++i) {
    ASSERT_EQ(a.codes[i], b.codes[i]) << what << " element " << i;
    const float u = a.dequant[i], v = b.dequant[i];
    ASSERT_TRUE(u == v || (std::isnan(u) && std::isnan(v))) << what << " element " << i;
  }
  const Metrics &m = a.metrics, &n = b.metrics;
  EXPECT_EQ(m.n, n.n) << what;
  EXPECT_EQ(m.n_nonfinite, n.n_nonfinite) << what;
  EXPECT_EQ(m.codes_used, n.codes_used) << what;
  EXPECT_EQ(m.sums.n_clipped, n.sums.n_clipped) << what;
  // Overflowing casts make sums infinite and non-saturating ones NaN: equal outcomes.
  auto same = [](double p, double q) { return p == q || (std::isnan(p) && std::isnan(q)); };
  // The fast kernels take x - x̂ in float32 (exact when x̂ is within a factor 2 of x,
  // else one rounding: 2^-24 relative), so the max error may differ by that rounding.
  EXPECT_TRUE(same(m.sums.max_abs_err, n.sums.max_abs_err) ||
              std::fabs(m.sums.max_abs_err - n.sums.max_abs_err) <= 0x1p-23 * n.sums.max_abs_err)
      << what << " max_abs_err " << m.sums.max_abs_err << " vs " << n.sums.max_abs_err;
  // Sums: the fast kernels add at most 16 terms per lane in float32 before carrying into
  // float64 (kernel_sums-inl.h): relative error ≤ 17·2^-24 ≈ 1.02e-6 for sums of
  // non-negative terms; 2e-6 leaves room for the reference's own float64 rounding.
  // Σx·x̂ has terms of both signs only where x and x̂ differ in sign (tiny terms).
  auto near = [&](double p, double q, const char* name) {
    if (same(p, q)) return;
    EXPECT_NEAR(p, q, 2e-6 * std::max(std::fabs(p), std::fabs(q)) + 1e-300) << what << " " << name;
  };
  near(m.sums.sum_x2, n.sums.sum_x2, "sum_x2");
  near(m.sums.sum_y2, n.sums.sum_y2, "sum_y2");
  near(m.sums.sum_xy, n.sums.sum_xy, "sum_xy");
  near(m.sums.sum_err2, n.sums.sum_err2, "sum_err2");
  near(m.sums.sum_abs_err, n.sums.sum_abs_err, "sum_abs_err");
  EXPECT_EQ(m.bits_per_weight, n.bits_per_weight) << what;
  for (auto [h1, h2] : {std::pair{&a.hist_x, &b.hist_x}, std::pair{&a.hist_dequant, &b.hist_dequant},
                        std::pair{&a.hist_error, &b.hist_error}}) {
    ASSERT_EQ(h1->has_value(), h2->has_value()) << what;
    if (*h1) {
      EXPECT_EQ((*h1)->counts, (*h2)->counts) << what;
    }
  }
}

TEST(QuantizeFastVsRef, ManySchemesAndLayouts) {
  const std::vector<const char*> specs = {
      "absmax:bits=8", "absmax:bits=4", "absmax:bits=2", "absmax:bits=16",
      "minmax:bits=8", "minmax:bits=3,zp=float", "minmax:bits=8,signed=true",
      "absmax:bits=8,gran=channel,axis=0", "absmax:bits=8,gran=channel,axis=-1",
      "minmax:bits=4,gran=channel,axis=-1,zp=float", "absmax:bits=4,gran=block,block=32",
      "minmax:bits=4,gran=block,block=7", "absmax:bits=8,gran=block,block=32,scale_dtype=f16",
      "minmax:bits=8,scale_dtype=bf16", "absmax:bits=4,clip=percentile,p=99.9",
      "minmax:bits=4,clip=percentile,p=99", "absmax:bits=4,clip=sigma,k=3",
      "minmax:clip=range,lo=-0.03,hi=0.05", "absmax:bits=4,clip=mse",
      "absmax:bits=8,clip=kl", "absmax:bits=4,gran=block,block=16,clip=percentile,p=95",
      "absmax:bits=8,rounding=half_away", "absmax:bits=4,rounding=stochastic,seed=7",
      "minmax:bits=4,rounding=stochastic,seed=3,signed=true",
      "fp16", "bf16", "fp8_e4m3", "fp8_e5m2", "fp8_e4m3:saturate=false", "fp4_e2m1",
      "fp8_e4m3:gran=channel,scale=absmax", "fp4_e2m1:gran=block,block=32,scale=absmax",
      "nf4", "nf4:block=32", "nf4:gran=channel,axis=-1", "nf4:gran=tensor", "nf4:gran=block,block=7",
      "nf4:gran=block,block=64,clip=range,lo=-0.03,hi=0.02", "nf4:clip=percentile,p=99.9",
      "nf4:gran=channel,axis=0", "absmax:bits=8,gran=block,block=16",
      "minmax:bits=8,gran=block,block=32,zp=float", "absmax:bits=8,gran=block,block=5,clip=range,lo=-0.02,hi=0.03"};
  const std::vector<std::vector<int64_t>> shapes = {{3000}, {37, 53}, {4, 3, 130}, {1, 1}};
  uint64_t seed = 1;
  for (const auto& shape : shapes) {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    for (bool nonfinite : {false, true}) {
      const std::vector<float> x = random_tensor(size_t(n), seed++, nonfinite);
      for (const char* sp : specs) {
        const Scheme s = spec(sp);
        QuantizeOptions o = keep_all(3);
        o.hist_x = HistogramSpec{-0.1, 0.1, 64};
        o.hist_dequant = HistogramSpec{-0.1, 0.1, 33};
        o.hist_error = HistogramSpec{-0.01, 0.01, 50};
        const std::string what = std::string(sp) + " shape " + shape_string(shape) +
                                 (nonfinite ? " +nonfinite" : "");
        expect_same(quantize(x, shape, s, o), quantize_ref(x, shape, s, o), what);
      }
    }
  }
}

// The SIMD cast kernel rounds by power-of-two arithmetic and builds codes from x̂'s bits;
// the reference encodes with the numeric codecs (themselves checked on every code). Feed
// both every representable value of each format, every midpoint between neighbours (the
// ties), the float32 neighbours of each midpoint, values past the largest finite one,
// float32 subnormals and signed zeros, with and without an absmax scale and a clip range.
TEST(QuantizeFastVsRef, FloatCastsOnEveryCodeMidpointAndNeighbour) {
  using numeric::FloatFormat;
  for (FloatFormat f : {FloatFormat::FP16, FloatFormat::BF16, FloatFormat::FP8_E4M3, FloatFormat::FP8_E5M2,
                        FloatFormat::FP4_E2M1}) {
    const numeric::FormatTraits& t = numeric::traits(f);
    std::vector<float> pos;  // the positive finite values, ascending
    for (uint32_t c = 0; c < (uint32_t(1) << (t.bits - 1)); ++c) {
      const float v = numeric::decode(f, c);
      if (std::isfinite(v) && v > 0) pos.push_back(v);
    }
    std::sort(pos.begin(), pos.end());
    std::vector<float> x = {0.0f, -0.0f, std::numeric_limits<float>::denorm_min(), -1e-40f, 1e-38f};
    for (size_t k = 0; k < pos.size(); ++k) {
      const float lo = k ? pos[k - 1] : 0.0f, mid = lo + (pos[k] - lo) / 2;
      for (float v : {pos[k], mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1e30f)}) {
        x.push_back(v);
        x.push_back(-v);
      }
    }
    const float mx = pos.back();
    for (float v : {mx * 1.01f, mx * 1.5f, mx * 4.0f, std::nextafter(mx, 1e30f), 3.0e38f}) {
      x.push_back(v);
      x.push_back(-v);
    }
    x.push_back(std::numeric_limits<float>::infinity());
    x.push_back(std::numeric_limits<float>::quiet_NaN());
    const std::vector<int64_t> shape = {int64_t(x.size())};
    const std::string name(t.name);
    for (const std::string extra : {"", ":saturate=false", ":scale=absmax", ":clip=range,lo=-3,hi=0.5"}) {
      if (extra == ":saturate=false" && f != FloatFormat::FP8_E4M3 && f != FloatFormat::FP8_E5M2) continue;
      const Scheme s = spec((name + extra).c_str());
      expect_same(quantize(x, shape, s, keep_all(1)), quantize_ref(x, shape, s, keep_all(1)), name + extra);
    }
  }
}

// Chunks reduce in a fixed order, and the float32 partial sums group elements by their
// position in a tile, never by thread: every result is bit-identical at 1, 2 and 3 threads
// (and 8), codes, x̂, params, all sums, codes used and the histograms.
TEST(QuantizeFastVsRef, ThreadCountDoesNotChangeResults) {
  const std::vector<float> x = random_tensor(200000, 99, true);
  const std::vector<int64_t> shape = {400, 500};
  const std::vector<float> wide = random_tensor(3 * 20000, 7, false);  // rows longer than a chunk
  const std::vector<int64_t> wide_shape = {3, 20000};
  auto bits = [](double v) { uint64_t u; std::memcpy(&u, &v, 8); return u; };
  for (const char* sp : {"absmax:bits=8", "minmax:bits=4,gran=block,block=32", "bf16", "fp8_e4m3",
                         "absmax:bits=8,gran=channel,axis=-1", "absmax:bits=8,gran=block,block=32",
                         "minmax:bits=8,gran=block,block=7,clip=range,lo=-0.03,hi=0.02",
                         "absmax:bits=4,clip=percentile,p=99.9", "minmax:bits=8,zp=float"}) {
    const Scheme s = spec(sp);
    for (const auto& io : {std::pair{&x, &shape}, std::pair{&wide, &wide_shape}}) {
      const std::vector<float>* in = io.first;  // (clang 14 cannot capture structured bindings)
      const std::vector<int64_t>* shp = io.second;
      auto run = [&](int t) {
        QuantizeOptions o = keep_all(t);
        o.hist_x = HistogramSpec{-0.1, 0.1, 256};
        o.hist_dequant = HistogramSpec{-0.1, 0.1, 64};
        o.hist_error = HistogramSpec{-0.002, 0.002, 50};
        return quantize(*in, *shp, s, o);
      };
      const QuantizeResult r1 = run(1);
      for (int t : {2, 3, 8}) {
        const QuantizeResult rt = run(t);
        const std::string what = std::string(sp) + " threads " + std::to_string(t);
        const ErrorSums &a = r1.metrics.sums, &b = rt.metrics.sums;
        EXPECT_EQ(a.n, b.n) << what;
        EXPECT_EQ(a.n_clipped, b.n_clipped) << what;
        for (auto [p, q] : {std::pair{a.sum_x2, b.sum_x2}, std::pair{a.sum_y2, b.sum_y2},
                            std::pair{a.sum_xy, b.sum_xy}, std::pair{a.sum_err2, b.sum_err2},
                            std::pair{a.sum_abs_err, b.sum_abs_err}, std::pair{a.max_abs_err, b.max_abs_err}})
          EXPECT_EQ(bits(p), bits(q)) << what;
        EXPECT_EQ(r1.metrics.codes_used, rt.metrics.codes_used) << what;
        EXPECT_EQ(r1.codes, rt.codes) << what;
        EXPECT_EQ(r1.dequant.size(), rt.dequant.size()) << what;
        EXPECT_EQ(0, std::memcmp(r1.dequant.data(), rt.dequant.data(), r1.dequant.size() * 4)) << what;
        ASSERT_EQ(r1.groups.size(), rt.groups.size()) << what;
        for (size_t g = 0; g < r1.groups.size(); ++g) {
          EXPECT_EQ(r1.groups[g].scale, rt.groups[g].scale) << what;
          EXPECT_EQ(r1.groups[g].inv, rt.groups[g].inv) << what;
          EXPECT_EQ(r1.groups[g].zero_point, rt.groups[g].zero_point) << what;
        }
        EXPECT_EQ(r1.hist_x->counts, rt.hist_x->counts) << what;
        EXPECT_EQ(r1.hist_dequant->counts, rt.hist_dequant->counts) << what;
        EXPECT_EQ(r1.hist_error->counts, rt.hist_error->counts) << what;
      }
    }
  }
}

// The x histogram's float32 fast path (a float guess, float64 for lanes near an edge)
// against the reference's float64 rule, on every bin edge's float32 neighbours, the range
// ends, values just outside and non-finite ones, for specs with and without a wide offset.
TEST(QuantizeFastVsRef, HistogramOfXOnEveryEdge) {
  for (HistogramSpec hs : {HistogramSpec{-0.1, 0.1, 256}, HistogramSpec{0.0, 1.0, 10},
                             HistogramSpec{1000.0, 1000.5, 7}, HistogramSpec{-3.0, 5.0, 1000}}) {
    std::vector<float> x;
    const double step = (hs.hi - hs.lo) / hs.bins;
    for (int k = 0; k <= hs.bins; ++k) {
      const float e = float(hs.lo + k * step);
      float v = e;
      for (int j = 0; j < 3; ++j) v = std::nextafter(v, -1e30f);
      for (int j = 0; j < 7; ++j, v = std::nextafter(v, 1e30f)) x.push_back(v);
      x.push_back(float(hs.lo + (k + 0.5) * step));
    }
    x.push_back(std::numeric_limits<float>::quiet_NaN());
    x.push_back(std::numeric_limits<float>::infinity());
    const std::vector<int64_t> shape = {int64_t(x.size())};
    QuantizeOptions o;
    o.hist_x = hs;
    o.threads = 2;
    const QuantizeResult f = quantize(x, shape, spec("absmax:bits=8"), o);
    const QuantizeResult r = quantize_ref(x, shape, spec("absmax:bits=8"), o);
    EXPECT_EQ(f.hist_x->counts, r.hist_x->counts) << hs.lo << ".." << hs.hi << " / " << hs.bins;
  }
}

// The NF4 kernel (15 lane-wise threshold compares) against quantize_element's tree on
// every decision threshold, its float32 neighbours, every code value, ±0 and values past
// ±1 (clipped by a range), in blocks whose absmax is 1 (s = inv = 1: u = x exactly) and
// in blocks scaled by 0.02 (u = x·inv rounded), on the one-pass block path and the
// per-tensor path, with random data too.
TEST(QuantizeFastVsRef, Nf4OnEveryThresholdAndNeighbour) {
  std::vector<float> vals = {0.0f, -0.0f, 1e-30f, -1e-30f};
  for (float t : numeric::nf4_thresholds())
    for (float v : {t, std::nextafter(t, 2.0f), std::nextafter(t, -2.0f), std::nextafter(std::nextafter(t, 2.0f), 2.0f)})
      vals.push_back(v);
  for (float c : numeric::nf4_codebook()) vals.push_back(c);
  for (float scale : {1.0f, 0.02f, 3.0f}) {
    std::vector<float> x;
    for (size_t k = 0; k < vals.size(); ++k) {
      if (x.size() % 64 == 0) x.push_back(scale);  // each block's absmax
      x.push_back(vals[k] * scale);
    }
    while (x.size() % 64 != 0) x.push_back(-0.5f * scale);
    const std::vector<int64_t> shape = {int64_t(x.size())};
    for (const char* sp : {"nf4", "nf4:gran=tensor", "nf4:clip=range,lo=-0.7,hi=0.6", "nf4:block=16"}) {
      const Scheme s = spec(sp);
      expect_same(quantize(x, shape, s, keep_all(1)), quantize_ref(x, shape, s, keep_all(1)),
                  std::string(sp) + " scale " + std::to_string(scale));
    }
  }
  const std::vector<float> r = random_tensor(64 * 1000 + 37, 5, true);
  const std::vector<int64_t> rs = {int64_t(r.size())};
  for (int t : {1, 2}) expect_same(quantize(r, rs, spec("nf4"), keep_all(t)), quantize_ref(r, rs, spec("nf4"), keep_all(t)), "random");
}

// The one-pass block path on degenerate blocks: all non-finite, all zero, a subnormal
// range (s underflows to the smallest subnormal), a short last block per row.
TEST(QuantizeFastVsRef, DegenerateBlocks) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const float tiny = std::numeric_limits<float>::denorm_min();
  const std::vector<float> x = {nan, inf, -inf, nan, 0, 0, -0.0f, 0, tiny, -tiny, 3 * tiny, 0, 0.5f, -1, 2, 7,
                                1, 2, 3, 4, nan, 0.25f, -0.75f, 1e-3f, 5, 6, 7, 8, 9, 10, 11, 12, 0.1f, 0.2f};
  const std::vector<int64_t> shape = {2, 17};
  for (const char* sp : {"absmax:bits=8,gran=block,block=4", "minmax:bits=4,gran=block,block=4",
                         "absmax:bits=4,gran=block,block=4,scale_dtype=f16", "minmax:bits=8,gran=block,block=3,zp=float"}) {
    for (int t : {1, 2}) expect_same(quantize(x, shape, spec(sp), keep_all(t)), quantize_ref(x, shape, spec(sp), keep_all(t)), sp);
  }
}

TEST(QuantizeControl, CancelledBeforeStart) {
  const std::vector<float> x = random_tensor(100000, 5, false);
  const std::vector<int64_t> shape = {100000};
  RunControl ctl;
  ctl.cancel = true;
  QuantizeOptions o;
  o.control = &ctl;
  EXPECT_TRUE(quantize(x, shape, spec("absmax:bits=8"), o).cancelled);
  RunControl ok;
  o.control = &ok;
  const QuantizeResult r = quantize(x, shape, spec("absmax:bits=8"), o);
  EXPECT_FALSE(r.cancelled);
  EXPECT_DOUBLE_EQ(ok.progress(), 1.0);
}

}  // namespace
}  // namespace qs
