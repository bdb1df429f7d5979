// The per-column transforms (analysis/transforms/smooth.h, keep_columns.h): SmoothQuant's
// scales and kept fp16 columns on small matrices worked by hand.
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "analysis/transforms/keep_columns.h"
#include "analysis/transforms/smooth.h"

namespace {

using qs::MatrixShape;
constexpr float kInf = std::numeric_limits<float>::infinity();

uint32_t bits(float v) {
  return std::bit_cast<uint32_t>(v);
}

// x = [[ 1, −4, 0.5 ],     column maxima w = [2, 4, 0.5]
//      [−2,  2, 0.25]]     activation maxima a = [4, 1, 9]
const std::vector<float> kX = {1, -4, 0.5f, -2, 2, 0.25f};
const MatrixShape kM{2, 3};
const std::vector<float> kA = {4, 1, 9};

std::vector<float> smooth(const std::vector<float>& x, MatrixShape m, const std::vector<float>& s,
                          bool forward, int threads = 0) {
  std::vector<float> out(x.size());
  if (forward)
    qs::smooth_forward(x, m, s, out, threads);
  else
    qs::smooth_inverse(x, m, s, out, threads);
  return out;
}

TEST(Smooth, ColumnMaximaOverFiniteValues) {
  EXPECT_EQ(qs::column_absmax(kX, kM), (std::vector<float>{2, 4, 0.5f}));
  const std::vector<float> x = {1, std::nanf(""), -kInf, -3, 2, 0.5f};
  EXPECT_EQ(qs::column_absmax(x, kM), (std::vector<float>{3, 2, 0.5f}));
  EXPECT_EQ(qs::column_absmax_ref(x, kM), (std::vector<float>{3, 2, 0.5f}));
  const std::vector<float> none = {std::nanf(""), kInf};
  EXPECT_EQ(qs::column_absmax(none, {2, 1}),
            (std::vector<float>{0}));  // a column with no finite value
}

TEST(Smooth, ColumnMaximaFastEqualsRefAnyThreads) {
  const MatrixShape m{301, 77};
  std::mt19937 g(4);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> x(size_t(m.numel()));
  for (float& v : x) v = d(g);
  x[5] = std::nanf("");
  x[77 * 200 + 3] = kInf;
  const std::vector<float> ref = qs::column_absmax_ref(x, m);
  for (int t : {1, 2, 7}) EXPECT_EQ(qs::column_absmax(x, m, t), ref) << t << " threads";
}

TEST(Smooth, HalfAlphaIsSqrtAsPyTorchComputesIt) {
  // torch's pow(x, 0.5) is sqrt; glibc's powf(x, 0.5f) is an ulp off for some floats.
  // Find one and check that s = sqrtf(a)/sqrtf(1) is what smooth_scales gives.
  float a = 1.0f;
  while (::powf(a, 0.5f) == std::sqrt(a) && a < 4.0f) a = std::nextafter(a, 4.0f);
  ASSERT_LT(a, 4.0f) << "no float in [1, 4) where powf(x, 0.5) != sqrt(x)";
  const std::vector<float> w = {1.0f}, act = {a};
  const qs::SmoothScales s = qs::smooth_scales(w, act, 0.5);
  EXPECT_EQ(s.s[0], std::sqrt(a));
  EXPECT_NE(s.s[0], ::powf(a, 0.5f));
}

TEST(Smooth, HalfAlphaByHand) {
  // s_j = √a_j / √w_j = [√4/√2, √1/√4, √9/√0.5] = [√2, 0.5, 3√2].
  const qs::SmoothScales s = qs::smooth_scales(qs::column_absmax(kX, kM), kA, 0.5);
  ASSERT_EQ(s.s.size(), 3u);
  EXPECT_FLOAT_EQ(s.s[0], 1.41421356f);
  EXPECT_EQ(s.s[1], 0.5f);  // powf(1, 0.5) / powf(4, 0.5) = 1/2 exactly
  EXPECT_FLOAT_EQ(s.s[2], 4.24264069f);
  // a/s = √(a·w) = [√8, 2, √4.5]: the largest is √8.
  EXPECT_DOUBLE_EQ(s.act_absmax_before, 9.0);
  EXPECT_NEAR(s.act_absmax_after, std::sqrt(8.0), 1e-6);
  EXPECT_EQ(s.scale_min, 0.5);
  EXPECT_EQ(s.scale_max, double(s.s[2]));
  // x′ = float32(x·s): [√2, −2, 1.5√2], [−2√2, 1, 0.75√2].
  const std::vector<float> y = smooth(kX, kM, s.s, true);
  EXPECT_EQ(y[0], s.s[0]);
  EXPECT_EQ(y[1], -2.0f);
  EXPECT_EQ(y[2], 0.5f * s.s[2]);  // halving is exact
  EXPECT_EQ(y[3], -2.0f * s.s[0]);
  EXPECT_EQ(y[4], 1.0f);
  EXPECT_FLOAT_EQ(y[5], 1.06066017f);
  // x̂ = float32(x̂′/s) in double: the one rounding of x·s undone up to half an ulp of x.
  const std::vector<float> back = smooth(y, kM, s.s, false);
  for (size_t i = 0; i < kX.size(); ++i)
    EXPECT_NEAR(back[i], kX[i], std::ldexp(std::fabs(kX[i]), -24)) << i;
  EXPECT_EQ(back[1], -4.0f);
  EXPECT_EQ(back[4], 2.0f);
}

TEST(Smooth, AlphaZeroDividesByTheWeightMaxima) {
  // α = 0: s = a⁰ / w¹ = 1/w = [0.5, 0.25, 2] (exact), so every column's max |x′| is 1.
  const qs::SmoothScales s = qs::smooth_scales(qs::column_absmax(kX, kM), kA, 0.0);
  EXPECT_EQ(s.s, (std::vector<float>{0.5f, 0.25f, 2.0f}));
  EXPECT_EQ(smooth(kX, kM, s.s, true), (std::vector<float>{0.5f, -1, 1, -1, 0.5f, 0.5f}));
  EXPECT_EQ(s.act_absmax_after, 8.0);  // a/s = [8, 4, 4.5]
  EXPECT_EQ(s.scale_min, 0.25);
  EXPECT_EQ(s.scale_max, 2.0);
  EXPECT_EQ(smooth(smooth(kX, kM, s.s, true), kM, s.s, false), kX);
}

TEST(Smooth, AlphaOneTakesTheActivationMaxima) {
  // α = 1: s = a¹ / w⁰ = a, and every a_j/s_j = 1.
  const qs::SmoothScales s = qs::smooth_scales(qs::column_absmax(kX, kM), kA, 1.0);
  EXPECT_EQ(s.s, kA);
  EXPECT_EQ(smooth(kX, kM, s.s, true), (std::vector<float>{4, -4, 4.5f, -8, 2, 2.25f}));
  EXPECT_EQ(s.act_absmax_before, 9.0);
  EXPECT_EQ(s.act_absmax_after, 1.0);
}

TEST(Smooth, ClampsAt1eMinus5) {
  // An all-zero column: w = 1e-5f, α = 0 → s = 1/1e-5f (rounds to 100000 in float32).
  // A zero activation with α = 0.5: powf(0, 0.5) = 0 → s clamped to 1e-5f.
  const std::vector<float> w = {0, 1};
  EXPECT_EQ(qs::smooth_scales(w, std::vector<float>{3, 1}, 0.0).s[0], 1.0f / 1e-5f);
  EXPECT_EQ(qs::smooth_scales(w, std::vector<float>{3, 1}, 0.0).s[0], 100000.0f);
  EXPECT_EQ(qs::smooth_scales(w, std::vector<float>{0, 1}, 0.5).s[0], 1e-5f);
}

TEST(Smooth, NonFinitePassThroughBitForBit) {
  const float payload_nan = std::bit_cast<float>(0x7FC01234u);
  const std::vector<float> x = {payload_nan, 2, -kInf, -2, kInf, 1};
  const std::vector<float> s = {3, 0.5f, 4};
  const std::vector<float> y = smooth(x, kM, s, true);
  EXPECT_EQ(bits(y[0]), 0x7FC01234u);
  EXPECT_EQ(y[1], 1.0f);
  EXPECT_EQ(y[2], -kInf);
  EXPECT_EQ(y[3], -6.0f);
  EXPECT_EQ(y[4], kInf);
  EXPECT_EQ(y[5], 4.0f);
  const std::vector<float> back = smooth(y, kM, s, false);
  EXPECT_EQ(bits(back[0]), 0x7FC01234u);
  EXPECT_EQ(std::vector<float>(back.begin() + 1, back.end()),
            (std::vector<float>{2, -kInf, -2, kInf, 1}));
}

TEST(Smooth, AnyThreadCountSameBits) {
  const MatrixShape m{200, 333};
  std::mt19937 g(9);
  std::uniform_real_distribution<float> d(-3.0f, 3.0f), pos(0.01f, 10.0f);
  std::vector<float> x(size_t(m.numel())), a(size_t(m.cols));
  for (float& v : x) v = d(g);
  for (float& v : a) v = pos(g);
  const std::vector<float> s = qs::smooth_scales(qs::column_absmax(x, m), a, 0.8).s;
  const std::vector<float> one = smooth(x, m, s, true, 1);
  EXPECT_EQ(smooth(x, m, s, true, 2), one);
  EXPECT_EQ(smooth(x, m, s, true, 7), one);
  EXPECT_EQ(smooth(one, m, s, false, 7), smooth(one, m, s, false, 1));
  std::vector<float> in_place = x;  // out may alias the input
  qs::smooth_forward(in_place, m, s, in_place, 2);
  EXPECT_EQ(in_place, one);
  qs::smooth_inverse(in_place, m, s, in_place, 2);
  EXPECT_EQ(in_place, smooth(one, m, s, false));
  // Element by element: x·s in float32, and x̂′/s in double rounded once.
  const std::vector<float> back = smooth(one, m, s, false);
  for (size_t i = 0; i < x.size(); i += 97) {
    EXPECT_EQ(one[i], x[i] * s[i % size_t(m.cols)]);
    EXPECT_EQ(back[i], float(double(one[i]) / double(s[i % size_t(m.cols)])));
  }
}

// The SIMD kernel on every target this machine runs, against the scalar definition, with
// non-finite values and a row length that leaves a tail.
TEST(Smooth, EveryTargetMatchesTheDefinition) {
  const MatrixShape m{3, 37};
  std::mt19937 g(12);
  std::uniform_real_distribution<float> d(-5.0f, 5.0f), pos(1e-3f, 30.0f);
  std::vector<float> x(size_t(m.numel())), s(size_t(m.cols));
  for (float& v : x) v = d(g);
  for (float& v : s) v = pos(g);
  x[4] = std::nanf("");
  x[40] = kInf;
  x[77] = -kInf;
  int targets = 0;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    ++targets;
    const std::vector<float> y = smooth(x, m, s, true), back = smooth(x, m, s, false);
    for (size_t i = 0; i < x.size(); ++i) {
      const float sj = s[i % size_t(m.cols)];
      const bool finite = std::isfinite(x[i]);
      EXPECT_EQ(bits(y[i]), bits(finite ? x[i] * sj : x[i])) << hwy::TargetName(target) << " " << i;
      EXPECT_EQ(bits(back[i]), bits(finite ? float(double(x[i]) / double(sj)) : x[i]))
          << hwy::TargetName(target);
    }
  }
  hwy::SetSupportedTargetsForTest(0);
  EXPECT_GE(targets, 1);
}

TEST(SmoothActivations, LengthColsIsTakenAsGiven) {
  const std::vector<int64_t> shape = {2, 3};
  const auto a = qs::activation_maxima_for(kA, shape);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  EXPECT_EQ(*a, kA);
  const std::vector<int64_t> vec = {5};  // a 1-D tensor is one row of 5 columns
  EXPECT_TRUE(qs::activation_maxima_for(std::vector<float>{1, 2, 3, 4, 5}, vec).has_value());
}

TEST(SmoothActivations, ErrorsNameSmoothAndTheLength) {
  const std::vector<int64_t> shape = {2, 3};
  for (const std::vector<float>& bad : {std::vector<float>{1, 2}, std::vector<float>{1, -1, 2},
                                        std::vector<float>{1, std::nanf(""), 2},
                                        std::vector<float>{kInf, 1, 2}, std::vector<float>{}}) {
    const auto r = qs::activation_maxima_for(bad, shape);
    ASSERT_FALSE(r.has_value()) << bad.size();
    EXPECT_NE(r.error().message.find("smooth"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find("length 3"), std::string::npos) << r.error().message;
  }
}

TEST(SmoothActivations, ConvRepeatsEachInputChannelOverItsTaps) {
  // OIHW [4, 2, 3, 3]: cols = 2·3·3 = 18, input channel c owns columns [9c, 9c + 9).
  const std::vector<int64_t> shape = {4, 2, 3, 3};
  const auto a = qs::activation_maxima_for(std::vector<float>{1.5f, 7}, shape);
  ASSERT_TRUE(a.has_value()) << a.error().message;
  std::vector<float> want(9, 1.5f);
  want.resize(18, 7.0f);
  EXPECT_EQ(*a, want);
  EXPECT_TRUE(qs::activation_maxima_for(want, shape).has_value());  // per column also works
  const auto bad = qs::activation_maxima_for(std::vector<float>{1, 2, 3, 4}, shape);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("smooth"), std::string::npos);
  EXPECT_NE(bad.error().message.find("18"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("or 2"), std::string::npos) << bad.error().message;
  // A divisor of cols that is not the input-channel count is refused, not repeated.
  EXPECT_FALSE(qs::activation_maxima_for(std::vector<float>{1, 2, 3}, shape).has_value());
}

// x = [[ 1, −5,   2, 0.5 ],    max|x| per column = [3, 5, 5, 7]
//      [−3, 1/3,  5, 0.1 ],    priority: 3 (7), then 1 and 2 (5, the lower index first), 0
//      [ 2,  0,  −1, 7   ]]
const std::vector<float> kKx = {1, -5, 2, 0.5f, -3, 1.0f / 3, 5, 0.1f, 2, 0, -1, 7};
const MatrixShape kKm{3, 4};

TEST(Keep, PriorityAndTiesToTheLowerIndex) {
  const std::vector<float> w = qs::column_absmax(kKx, kKm);
  EXPECT_EQ(w, (std::vector<float>{3, 5, 5, 7}));
  EXPECT_EQ(qs::keep_priority(w), (std::vector<int64_t>{3, 1, 2, 0}));
  EXPECT_EQ(qs::choose_kept_columns(w, 1), (std::vector<int64_t>{3}));
  EXPECT_EQ(qs::choose_kept_columns(w, 2), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(qs::choose_kept_columns(w, 3), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(qs::keep_priority(std::vector<float>{2, 2, 2}), (std::vector<int64_t>{0, 1, 2}));
}

TEST(Keep, ForwardZeroesAndInverseRestoresFp16) {
  const std::vector<int64_t> kept = {1, 3};
  std::vector<float> y(kKx.size());
  qs::keep_forward(kKx, kKm, kept, y);
  EXPECT_EQ(y, (std::vector<float>{1, 0, 2, 0, -3, 0, 5, 0, 2, 0, -1, 0}));
  for (size_t i : {1u, 3u, 5u, 7u, 9u, 11u}) EXPECT_EQ(bits(y[i]), 0u) << i;  // +0, not −0
  // x̂ at the kept columns = fp16(x): fp16(1/3) = 0.333251953125 (1365/4096), fp16(0.1) =
  // 0.0999755859375 (1638·2^-14); −5, 0, 0.5 and 7 are fp16 values already.
  const std::vector<float> xq(kKx.size(), 9.0f);
  std::vector<float> back(kKx.size());
  qs::keep_inverse(kKx, xq, kKm, kept, back);
  EXPECT_EQ(back, (std::vector<float>{9, -5, 9, 0.5f, 9, 0.333251953125f, 9, 0.0999755859375f, 9, 0,
                                      9, 7}));
  std::vector<float> in_place = y;
  qs::keep_forward(in_place, kKm, kept, in_place);
  EXPECT_EQ(in_place, y);
  std::vector<float> xq_alias = xq;
  qs::keep_inverse(kKx, xq_alias, kKm, kept, xq_alias);
  EXPECT_EQ(xq_alias, back);
}

TEST(Keep, NonFiniteAndOverflow) {
  // A NaN does not win the column ranking; kept NaN/Inf pass through; 70000 overflows
  // fp16 (max 65504) to +Inf; 65519 rounds down to 65504 (below the midpoint 65520).
  const std::vector<float> x = {std::nanf(""), 1, 70000, -kInf, 2, 65519};
  const MatrixShape m{2, 3};
  const std::vector<float> w = qs::column_absmax(x, m);
  EXPECT_EQ(w, (std::vector<float>{0, 2, 70000}));
  EXPECT_EQ(qs::choose_kept_columns(w, 1), (std::vector<int64_t>{2}));
  const std::vector<int64_t> kept = {0, 2};
  std::vector<float> back(x.size());
  qs::keep_inverse(x, std::vector<float>(x.size(), 0.25f), m, kept, back);
  EXPECT_TRUE(std::isnan(back[0]));
  EXPECT_EQ(back[1], 0.25f);
  EXPECT_EQ(back[2], kInf);
  EXPECT_EQ(back[3], -kInf);
  EXPECT_EQ(back[5], 65504.0f);
}

}  // namespace
