// The seeds' toolchain presets: optimum-quanto (quanto_qint8, quanto_qint4), gemmlowp
// (gemmlowp_uint8) and HQQ (hqq_4bit). Each rule is worked out by hand below on a small
// input from the upstream code quoted in analysis/presets/{quanto,gemmlowp,hqq}.cpp; each
// test also states the number a nearby rule (x·(1/s), round half to even, float instead
// of double, 15/d instead of (1/d)·15) would give, so it fails if the port drifts to it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <span>

#include "analysis/quant/levels.h"
#include "analysis/presets/hqq.h"
#include "analysis/presets/preset.h"
#include "analysis/presets/quanto.h"
#include "analysis/quant/quantize.h"
#include "analysis/quant/scheme.h"

namespace qs {
namespace {

QuantizeResult run(const std::string& spec, const std::vector<float>& x, std::vector<int64_t> shape) {
  auto s = parse_spec(spec);
  EXPECT_TRUE(s.has_value()) << spec;
  QuantizeOptions o;
  o.keep_codes = true;
  o.keep_dequant = true;
  return quantize(x, shape, *s, o);
}

// [SECTION] optimum-quanto

// qint8 per output channel, s = amax/127. Row 0: amax 127 → s = 1, q = round(x/1) half to
// even: −63.5 → −64, 2.5 → 2, 0.5 → 0 (half away from zero would give −64, 3, 1). Row 1:
// amax 254 → s = 2: 3/2 = 1.5 → 2, 5/2 = 2.5 → 2, 1/2 = 0.5 → 0, −254/2 = −127.
TEST(PresetsSeeds, QuantoQint8RoundsHalfToEvenPerChannel) {
  const auto r = run("quanto_qint8", {127, -63.5f, 2.5f, 0.5f, -254, 3, 5, 1}, {2, 4});
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].scale, 1.0f);
  EXPECT_EQ(r.groups[1].scale, 2.0f);
  EXPECT_EQ(r.codes, (std::vector<int32_t>{127, -64, 2, 0, -127, 2, 2, 0}));
  EXPECT_EQ(r.dequant, (std::vector<float>{127, -64, 2, 0, -254, 4, 4, 0}));
  EXPECT_EQ(*r.metrics.bits_per_weight, 8.0 + 32.0 * 2 / 8);  // an fp32 scale per channel
}

// quantize_symmetric divides: data = base / scale. amax 2.1 → s = 2.1f/127 and
// 1.05f/s = 63.4999962 → 63, where a multiply by the float inverse gives exactly 63.5 → 64.
TEST(PresetsSeeds, QuantoQint8DividesByTheScale) {
  const float s = 2.1f / 127.0f;
  ASSERT_EQ(1.05f * (1.0f / s), 63.5f);  // the rule this preset must not follow
  const auto r = run("quanto_qint8", {2.1f, 1.05f}, {1, 2});
  EXPECT_EQ(r.groups[0].scale, s);
  EXPECT_EQ(r.codes, (std::vector<int32_t>{127, 63}));
  EXPECT_EQ(r.dequant[1], s * 63.0f);
}

// qint4 with rows of 8 (≤ 128 inputs: no group size, one group per row). s = (max −
// min)/15, shift = −min, q = clamp(round((x + shift)/s), 0, 15), x̂ = s·q − shift.
// Row 0 [0, 15]: s = 1, shift = −0: 0.5 → 0, 2.5 → 2, 7.5 → 8, 14.5 → 14 (half to even).
// Row 1 [−0.25, 14.75]: s = 1, shift = 0.25: 0 → 0.25 → 0 → x̂ = −0.25 (the float shift
// does not keep 0 exact), 1 → 1.25 → 1 → 0.75, 7.25 → 7.5 → 8 → 7.75, 2.25 → 2.5 → 2 → 1.75.
TEST(PresetsSeeds, QuantoQint4FloatShift) {
  const auto r = run("quanto_qint4",
                     {0, 15, 0.5f, 2.5f, 7.5f, 14.5f, 3, 1.5f,  //
                      -0.25f, 14.75f, 0, 1, 7.25f, 3.75f, 2.25f, 0.75f},
                     {2, 8});
  ASSERT_EQ(r.groups.size(), 2u);
  EXPECT_EQ(r.groups[0].scale, 1.0f);
  EXPECT_EQ(r.groups[1].scale, 1.0f);
  EXPECT_EQ(r.groups[1].zero_point, -0.25f);  // min (= −shift)
  EXPECT_EQ(r.codes, (std::vector<int32_t>{0, 15, 0, 2, 8, 14, 3, 2, 0, 15, 0, 1, 8, 4, 2, 1}));
  EXPECT_EQ(r.dequant, (std::vector<float>{0, 15, 0, 2, 8, 14, 3, 2,  //
                                           -0.25f, 14.75f, -0.25f, 0.75f, 7.75f, 3.75f, 1.75f, 0.75f}));
  EXPECT_EQ(*r.metrics.bits_per_weight, 4.0 + 64.0 * 2 / 16);  // fp32 scale + fp32 shift per group
  // A constant row: s = 0, (x + shift)/0 = 0/0 → code 0, and x̂ = 0·0 − shift = x exactly.
  const auto c = run("quanto_qint4", {3, 3, 3, 3, -1, 2, 0, 1}, {2, 4});
  EXPECT_EQ(c.groups[0].scale, 0.0f);
  EXPECT_EQ(c.dequant[0], 3.0f);
  EXPECT_EQ(c.codes[0], 0);
  // Row 1 [−1, 2]: s = 3/15 = 0.2f, shift 1: 0 → 1/0.2f = 5 → x̂ = 0.2f·5 − 1.
  EXPECT_EQ(c.codes[6], 5);
  EXPECT_EQ(c.dequant[6], 0.2f * 5.0f - 1.0f);
}

// QModuleMixin's group size: 128 lowered by 32 while it does not divide a row longer
// than 128: 320 → 64 (320 = 2.5·128 = 3.33·96 = 5·64), 160 → 32, 384 → 128; none for
// 200 (not a multiple of 32), 129, or 128 itself (not longer than 128).
TEST(PresetsSeeds, QuantoQint4GroupSizeFollowsTheRowLength) {
  EXPECT_EQ(quanto_group_size(320), 64);
  EXPECT_EQ(quanto_group_size(160), 32);
  EXPECT_EQ(quanto_group_size(384), 128);
  EXPECT_EQ(quanto_group_size(4096), 128);
  EXPECT_EQ(quanto_group_size(200), 0);
  EXPECT_EQ(quanto_group_size(129), 0);
  EXPECT_EQ(quanto_group_size(128), 0);
  const Scheme q4 = *parse_spec("quanto_qint4");
  auto groups = [&](std::vector<int64_t> shape) { return make_layout(shape, q4)->groups; };
  EXPECT_EQ(groups({2, 320}), 10);     // 5 groups of 64 per row
  EXPECT_EQ(groups({3, 200}), 3);      // per row
  EXPECT_EQ(groups({2, 128}), 2);      // per row (= one group of 128)
  EXPECT_EQ(groups({2, 64, 2, 2}), 4);  // a Conv2d weight: rows of 256 = 2 groups of 128
  EXPECT_EQ(preset_block(Preset::QuantoQint4, std::vector<int64_t>{2, 64, 2, 2}), 128);
  // Groups run over the flattened row (grouped.py: reshape([-1, group_size])), across the
  // kernel's last axes: an outlier in element 130 sets group 1's range only.
  std::vector<float> x(512);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i % 16) / 15.0f;  // each group spans [0, 1]
  x[130] = 16.0f;
  const auto r = run("quanto_qint4", x, {2, 64, 2, 2});
  ASSERT_EQ(r.groups.size(), 4u);
  EXPECT_EQ(r.groups[0].scale, 1.0f / 15.0f);
  EXPECT_EQ(r.groups[1].scale, 16.0f / 15.0f);
  EXPECT_EQ(r.groups[2].scale, 1.0f / 15.0f);
  EXPECT_EQ(*r.metrics.bits_per_weight, 4.0 + 64.0 * 4 / 512);
}

TEST(PresetsSeeds, QuantoNeedsAWeightShape) {
  const Scheme q8 = *parse_spec("quanto_qint8"), q4 = *parse_spec("quanto_qint4");
  const std::vector<int64_t> vec = {512}, row = {1, 100}, long_row = {1, 256}, one_out = {1, 4};
  auto l = make_layout(vec, q8);
  ASSERT_FALSE(l.has_value());
  EXPECT_NE(l.error().message.find("at least 2 axes"), std::string::npos) << l.error().message;
  EXPECT_FALSE(make_layout(vec, q4).has_value());
  // One output row and no group size: quanto's MaxOptimizer would give every element its
  // own scale; refused. With a group size (256 → 128) it is an ordinary weight.
  EXPECT_FALSE(make_layout(row, q4).has_value());
  EXPECT_EQ(make_layout(long_row, q4)->groups, 2);
  EXPECT_EQ(make_layout(one_out, q8)->groups, 1);  // qint8 falls back to per tensor: the same
}

// [SECTION] gemmlowp

// ChooseQuantizationParams(−1, 2): s = (2 − (−1))/255 in float = 3.0f/255; the initial
// zero point 0 − (−1)/s in double is 84.9999983 → round → 85. Quantize: q = round(85 +
// x/s): −1 → 85 − 85.0000017 → clamped to 0 (then rounds to 0); 0.5 → 127.5 → 128;
// 2 → 255; 0 → 85 exactly. x̂ = s·(q − 85).
TEST(PresetsSeeds, GemmlowpNudgedZeroPoint) {
  const float s = 3.0f / 255.0f;
  ASSERT_LT(0.0 - (-1.0) / double(s), 85.0);  // the unrounded zero point is not an integer
  const auto r = run("gemmlowp_uint8", {-1, 0.5f, 2, 0}, {4});
  EXPECT_EQ(r.groups[0].scale, s);
  EXPECT_EQ(r.groups[0].zero_point, 85.0f);
  EXPECT_EQ(r.codes, (std::vector<int32_t>{0, 128, 255, 85}));
  EXPECT_EQ(r.dequant, (std::vector<float>{s * -85.0f, s * 43.0f, s * 170.0f, 0.0f}));
  EXPECT_NEAR(*r.metrics.bits_per_weight, 8.0 + 40.0 / 4, 1e-12);  // float scale + uint8 zero point
}

// std::round rounds half away from zero, after the zero point is added. Range [−1,
// 2.984375]: s = 3.984375/255 = 1/64 exactly, zero point 64. 1/128 → 64 + 0.5 → 65 and
// −1.5/64 → 62.5 → 63 (half to even would give 64 and 62).
TEST(PresetsSeeds, GemmlowpRoundsHalfAwayFromZero) {
  const auto r = run("gemmlowp_uint8", {-1, 2.984375f, 0.0078125f, -0.0234375f}, {4});
  EXPECT_EQ(r.groups[0].scale, 1.0f / 64);
  EXPECT_EQ(r.groups[0].zero_point, 64.0f);
  EXPECT_EQ(r.codes, (std::vector<int32_t>{0, 255, 65, 63}));
  EXPECT_EQ(r.dequant[2], 1.0f / 64);
  EXPECT_EQ(r.dequant[3], -1.0f / 64);
}

// The zero point is computed in double: for [−0.01, 0.05], s = 0.06f/255 (a float) and
// 0 − (−0.01f)/s = 42.4999981 in double → 42, where the same in float is exactly 42.5 →
// 43. Then −0.01 → 42 − 42.5 = −0.5 → clamped to 0 (counted as clipped: round gives −1),
// 0.05 → 42 + 212.5 = 254.5 → 255, 0.02 → 42 + 85 = 127.
TEST(PresetsSeeds, GemmlowpZeroPointInDouble) {
  const float lo = -0.01f, hi = 0.05f;
  const float s = (hi - lo) / 255.0f;
  ASSERT_EQ(0.0f - lo / s, 42.5f);  // float arithmetic would nudge to 43
  const auto r = run("gemmlowp_uint8", {lo, hi, 0, 0.02f}, {2, 2});
  EXPECT_EQ(r.groups[0].scale, s);
  EXPECT_EQ(r.groups[0].zero_point, 42.0f);
  EXPECT_EQ(r.codes, (std::vector<int32_t>{0, 255, 42, 127}));
  EXPECT_EQ(r.metrics.sums.n_clipped, 1);
  EXPECT_EQ(r.dequant[0], s * -42.0f);
  EXPECT_EQ(r.dequant[1], s * 213.0f);
}

// The range always holds 0: all-positive data get zero point 0, all-negative 255; an
// all-zero tensor has s = 0 and 0/0 = NaN in the source: its zero point converts to 0
// (x86) and std::min(255.f, NaN) returns 255.f, so every code is 255 and x̂ = 0·255 = 0.
TEST(PresetsSeeds, GemmlowpRangeHoldsZero) {
  auto r = run("gemmlowp_uint8", {0.5f, 2, 1}, {3});
  EXPECT_EQ(r.groups[0].zero_point, 0.0f);
  EXPECT_EQ(r.groups[0].scale, 2.0f / 255.0f);
  // s = fl(2/255) lies just above 2/255: x/s = 63.7499962, 254.999985, 127.499992.
  EXPECT_EQ(r.codes, (std::vector<int32_t>{64, 255, 127}));
  r = run("gemmlowp_uint8", {-2, -0.5f}, {2});
  EXPECT_EQ(r.groups[0].zero_point, 255.0f);
  EXPECT_EQ(r.codes[0], 0);
  r = run("gemmlowp_uint8", {0, 0, 0}, {3});
  EXPECT_EQ(r.groups[0].scale, 0.0f);
  EXPECT_EQ(r.codes, (std::vector<int32_t>{255, 255, 255}));
  EXPECT_EQ(r.dequant, (std::vector<float>{0, 0, 0}));
}

// [SECTION] HQQ

// The starting point: inv = (1/denom)·15 (torch's 15 / t is t.reciprocal() * 15), 1 for
// |denom| ≤ 1e-4, at most 2e4; z = round(−min·inv); the stored scale is 1/inv.
TEST(PresetsSeeds, HqqInitialScaleAndZero) {
  // denom 15: fl(1/15) = 0.0666666701, ·15 = 1.00000005 → 1; z = round(3.25) = 3.
  GroupParams g = hqq_init_params(-3.25f, 11.75f);
  EXPECT_EQ(g.inv, 1.0f);
  EXPECT_EQ(g.zero_point, 3.0f);
  EXPECT_EQ(g.scale, 1.0f);
  // denom 0.015: (1/0.015f)·15 = 1000.00006 (0x1.f40002p+9), where 15/0.015f is 1000.
  g = hqq_init_params(0.0f, 0.015f);
  EXPECT_EQ(g.inv, 0x1.f40002p+9f);
  EXPECT_NE(g.inv, 15.0f / 0.015f);
  EXPECT_EQ(g.scale, 1.0f / 0x1.f40002p+9f);
  EXPECT_EQ(hqq_init_params(1.0f, 1.00005f).inv, 1.0f);  // denom ≤ 1e-4
  EXPECT_EQ(hqq_init_params(0.0f, 5e-4f).inv, 2e4f);     // 30000 clamped
  EXPECT_EQ(hqq_init_params(0.0f, 5e-4f).zero_point, 0.0f);
  // z = round(−min·inv) half to even: min −2.5, max 12.5 → inv 1, z = round(2.5) = 2.
  EXPECT_EQ(hqq_init_params(-2.5f, 12.5f).zero_point, 2.0f);
}

// One half-quadratic step on the group w = [−3.25, 11.75, 0.75, 2.75] (min −3.25, max
// 11.75: inv 1, z 3 after round_zero), by hand:
//   W_q = clamp(round(w + 3), 0, 15) = [0 (−0.25), 15 (14.75), 4 (3.75), 6 (5.75)]
//   W_r = W_q − 3 = [−3, 12, 1, 3];  W − W_r = −0.25 everywhere: Σ|·| = 1
//   shrink: |d| − 0.1·|d|^−0.3 = 0.25 − 0.1·4^0.3 = 0.25 − 0.15157166 = 0.09842834,
//   W_e = −0.09842834;  W_q − (W − W_e)·1 = 3.25 − 0.09842834 for every element, so
//   z ← 3.15157166.
// Step 2: w + z rounds to the same codes, W − W_r = −0.09842834 (Σ = 0.3937134); now
// 0.1·|d|^−0.3 = 0.2005 > |d|, the shrink gives 0, and z ← mean(W_q − W) = 3.25 exactly.
// Step 3: w + 3.25 = [0, 15, 4, 6] exactly: error 0, z stays 3.25.
TEST(PresetsSeeds, HqqStepsByHand) {
  const float w[4] = {-3.25f, 11.75f, 0.75f, 2.75f};
  const GroupParams g = hqq_init_params(-3.25f, 11.75f);
  float z = g.zero_point;
  HqqStepSums s = hqq_step(w, 4, g.inv, z);
  EXPECT_EQ(s.n, 4);
  EXPECT_EQ(s.abs_err, 1.0);
  EXPECT_NEAR(z, 3.25 - (0.25 - 0.1 * std::pow(0.25, -0.3)), 3e-7);  // within a float ulp
  EXPECT_NEAR(z, 3.15157166, 3e-7);
  s = hqq_step(w, 4, g.inv, z);
  EXPECT_NEAR(s.abs_err, 4 * 0.09842834, 1e-6);
  EXPECT_EQ(z, 3.25f);
  s = hqq_step(w, 4, g.inv, z);
  EXPECT_EQ(s.abs_err, 0.0);
  EXPECT_EQ(z, 3.25f);
}

// The whole solver on that group: mean errors 0.25, 0.0984, 0, then 0 again, which is not
// below the best: the loop stops after 4 steps with z = 3.25, the zero point at which
// every element is exact. Through the preset (the 4 values 16 times: one group of 64) the
// codes are [0, 15, 4, 6] and x̂ = x, where the min/max start (z = 3) is off by 0.25.
TEST(PresetsSeeds, HqqFindsTheExactZeroPoint) {
  std::vector<float> x;
  for (int k = 0; k < 16; ++k) x.insert(x.end(), {-3.25f, 11.75f, 0.75f, 2.75f});
  std::vector<GroupParams> groups;
  const HqqRun hr = hqq_optimize(std::span<const float>(x.data(), 4), 4, 1, nullptr, groups);
  EXPECT_EQ(hr.iterations, 4);
  ASSERT_EQ(hr.errors.size(), 4u);
  EXPECT_EQ(hr.errors[0], 0.25f);
  EXPECT_NEAR(hr.errors[1], 0.09842834, 1e-6);
  EXPECT_EQ(hr.errors[2], 0.0f);
  EXPECT_EQ(hr.errors[3], 0.0f);
  EXPECT_EQ(groups[0].zero_point, 3.25f);
  const auto r = run("hqq_4bit", x, {4, 16});
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(r.groups[0].scale, 1.0f);
  EXPECT_EQ(r.groups[0].zero_point, 3.25f);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(r.codes[i], (std::vector<int32_t>{0, 15, 4, 6})[i % 4]) << i;
    EXPECT_EQ(r.dequant[i], x[i]) << i;
  }
  EXPECT_EQ(*r.metrics.mse, 0.0);
  EXPECT_EQ(*r.metrics.bits_per_weight, 5.0);  // 4 bits + fp32 scale + fp32 zero per 64
  // The start it improved on: z = 3 puts every element 0.25 off.
  std::vector<float> xh(4);
  std::vector<int32_t> c(4);
  std::vector<uint8_t> cl(4);
  hqq_quantize(hqq_init_params(-3.25f, 11.75f), x.data(), 4, xh.data(), c.data(), cl.data());
  EXPECT_EQ(xh, (std::vector<float>{-3.0f, 12.0f, 1.0f, 3.0f}));
}

// HQQ needs numel to be whole groups of 64; groups run over the flattened tensor (axis=1
// reshape([-1, 64])), across rows.
TEST(PresetsSeeds, HqqGroupsAreFlatBlocksOf64) {
  const Scheme h = *parse_spec("hqq_4bit");
  const std::vector<int64_t> odd = {3, 40}, fits = {2, 96};
  auto l = make_layout(odd, h);
  ASSERT_FALSE(l.has_value());
  EXPECT_NE(l.error().message.find("multiple of group_size 64"), std::string::npos) << l.error().message;
  EXPECT_EQ(make_layout(fits, h)->groups, 3);
  std::vector<float> x(192, 0.5f);
  x[100] = 8.0f;  // row 1, group 1 (elements 64..127)
  x[64] = -1.0f;
  const auto r = run("hqq_4bit", x, fits);
  ASSERT_EQ(r.groups.size(), 3u);
  EXPECT_EQ(r.groups[0].inv, 1.0f);  // a constant group: denom 0 → inv 1
  EXPECT_EQ(r.groups[1].inv, (1.0f / 9.0f) * 15.0f);
  EXPECT_EQ(r.groups[2].inv, 1.0f);
}

// Properties on Gaussian weights with outliers: the early stop (every recorded error but
// the last strictly below the one before, at most 20 steps), the optimized zero points'
// mean |error| no worse than the min/max start's, the codes in [0, 15], every x̂ on its
// group's levels.
TEST(PresetsSeeds, HqqImprovesOnItsStart) {
  for (unsigned seed : {1u, 2u, 3u, 4u}) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, 0.02f);
    std::vector<float> x(64 * 64);
    for (float& v : x) v = g(rng);
    for (int k = 0; k < 8; ++k) x[size_t(rng() % x.size())] *= 20.0f;
    std::vector<GroupParams> groups;
    const HqqRun hr = hqq_optimize(x, 64, 2, nullptr, groups);
    ASSERT_GE(hr.iterations, 2);
    ASSERT_LE(hr.iterations, 20);
    for (size_t i = 1; i + 1 < hr.errors.size(); ++i) EXPECT_LT(hr.errors[i], hr.errors[i - 1]) << seed;
    if (hr.iterations < 20) {
      EXPECT_GE(hr.errors.back(), hr.errors[hr.errors.size() - 2]) << seed;
    }
    const auto r = run("hqq_4bit", x, {64, 64});
    double err_opt = 0, err_init = 0;
    std::vector<float> xh(64);
    std::vector<int32_t> c(64);
    std::vector<uint8_t> cl(64);
    for (size_t k = 0; k < 64; ++k) {
      EXPECT_EQ(r.groups[k].zero_point, groups[k].zero_point);
      const float* w = x.data() + 64 * k;
      const GroupParams init = hqq_init_params(*std::min_element(w, w + 64), *std::max_element(w, w + 64));
      hqq_quantize(init, w, 64, xh.data(), c.data(), cl.data());
      for (size_t i = 0; i < 64; ++i) {
        err_init += std::fabs(double(w[i]) - xh[i]);
        err_opt += std::fabs(double(w[i]) - r.dequant[64 * k + i]);
        EXPECT_GE(r.codes[64 * k + i], 0);
        EXPECT_LE(r.codes[64 * k + i], 15);
      }
      const auto L = preset_levels(Preset::Hqq4bit, r.groups[k]);
      EXPECT_TRUE(std::binary_search(L.begin(), L.end(), r.dequant[64 * k + 5])) << k;
    }
    EXPECT_LT(err_opt, err_init) << seed;
  }
}

// hqq_step (vectorized runs) and its element-by-element twin agree bit for bit: groups at
// weight scale (no shrink), at a scale where the shrink acts (|W − W_r| ≥ 0.16), with a
// NaN, and a short group.
TEST(PresetsSeeds, HqqStepEqualsItsReference) {
  std::mt19937 rng(9);
  std::normal_distribution<float> g(0.0f, 1.0f);
  for (float sigma : {0.02f, 1.0f, 30.0f}) {
    for (int64_t n : {int64_t(64), int64_t(200), int64_t(37)}) {
      std::vector<float> w(static_cast<size_t>(n));
      for (float& v : w) v = sigma * g(rng);
      if (n == 200) w[150] = NAN;
      const GroupParams init = hqq_init_params(-3 * sigma, 3 * sigma);
      float z_fast = init.zero_point, z_ref = init.zero_point;
      for (int step = 0; step < 5; ++step) {
        const HqqStepSums a = hqq_step(w.data(), n, init.inv, z_fast);
        const HqqStepSums b = hqq_step_ref(w.data(), n, init.inv, z_ref);
        ASSERT_EQ(z_fast, z_ref) << sigma << " " << n << " " << step;
        ASSERT_EQ(a.abs_err, b.abs_err) << sigma << " " << n << " " << step;
        ASSERT_EQ(a.n, b.n);
      }
    }
  }
}

// The legacy loop updates z inside the step and only then compares the error, so on a
// stop it keeps the update made by the step whose error did not improve (not the z of the
// best step), and after 20 improving steps the 20th update, which no step measured.
// Replaying hqq_step (checked by hand above) from the start: the final z of every group is
// the one after `iterations` steps. On this tensor the error rises at the 9th step
// (often it merely stops falling, z having reached a fixed point) and one group's z
// moves in it: the kept z is that moved one.
TEST(PresetsSeeds, HqqKeepsTheLastStepsUpdate) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.0f, 0.02f);
  std::vector<float> x(16 * 64);
  for (float& v : x) v = g(rng);
  for (int k = 0; k < 4; ++k) x[size_t(rng() % x.size())] *= 20.0f;
  std::vector<GroupParams> groups;
  const HqqRun hr = hqq_optimize(x, 64, 1, nullptr, groups);
  ASSERT_EQ(hr.iterations, 9);
  EXPECT_GT(hr.errors[8], hr.errors[7]);
  int moved = 0;
  for (size_t k = 0; k < 16; ++k) {
    const float* w = x.data() + 64 * k;
    const GroupParams init = hqq_init_params(*std::min_element(w, w + 64), *std::max_element(w, w + 64));
    float z = init.zero_point, before_last = z;
    for (int i = 0; i < hr.iterations; ++i) {
      before_last = z;
      hqq_step(w, 64, init.inv, z);
    }
    EXPECT_EQ(groups[k].zero_point, z) << k;
    moved += before_last != z;
  }
  EXPECT_GT(moved, 0);
}

// A NaN or Inf passes through and takes no part in the group's range or mean; the other
// elements quantize as they would without it.
TEST(PresetsSeeds, NonFiniteValuesPassThrough) {
  for (const char* name : {"quanto_qint8", "quanto_qint4", "gemmlowp_uint8", "hqq_4bit"}) {
    std::vector<float> x(128);
    for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i)) * 0.1f;
    const auto clean = run(name, x, {2, 64});
    x[3] = NAN, x[70] = INFINITY;
    const auto r = run(name, x, {2, 64});
    EXPECT_TRUE(std::isnan(r.dequant[3])) << name;
    EXPECT_TRUE(std::isinf(r.dequant[70])) << name;
    EXPECT_EQ(r.metrics.n_nonfinite, 2) << name;
    EXPECT_GT(*r.metrics.sqnr_db, 10.0) << name;
    if (std::string(name) != "hqq_4bit") {
      EXPECT_EQ(r.dequant[10], clean.dequant[10]) << name;  // the same range
    }
  }
}

}  // namespace
}  // namespace qs
