// Quantizing through a transform (analysis/quant/quantize_transformed): x̂ mapped back to
// the original space, metrics against x, clipped/codes from the quantizer on x′, the
// bits/weight additions, params.transform, and the lossless round trips of the issue.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

#include "analysis/numeric/float_formats.h"
#include "analysis/quant/quantize.h"
#include "analysis/transforms/hadamard.h"
#include "analysis/transforms/low_rank.h"

namespace qs {
namespace {

Scheme spec(const std::string& s) {
  auto r = parse_spec(s);
  EXPECT_TRUE(r.has_value()) << s;
  return r ? *r : Scheme{};
}

QuantizeResult run(std::span<const float> x, std::span<const int64_t> shape, const std::string& s,
                   const TransformInputs* in = nullptr, bool ref = false) {
  QuantizeOptions o;
  o.keep_dequant = true;
  o.keep_transformed = true;
  o.transform = in;
  return ref ? quantize_ref(x, shape, spec(s), o) : quantize(x, shape, spec(s), o);
}

// Within 1 ulp of float32.
void expect_within_ulp(std::span<const float> a, std::span<const float> b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_LE(std::fabs(double(a[i]) - double(b[i])), std::fabs(std::nextafter(a[i], INFINITY) - a[i])) << i;
}

std::vector<float> random_matrix(int64_t n, uint32_t seed, double outlier = 0) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> x(static_cast<size_t>(n));
  for (auto& v : x) v = d(g);
  if (outlier > 0) x[size_t(n / 3)] = float(outlier);
  return x;
}

TEST(QuantizeTransformed, RotationRoundTripIsLosslessOnItsOwnGrid) {
  // x = H⁻¹(integers with amax 32767): the 16-bit absmax grid of x′ = H(x) has step 1, so
  // x̂′ = the integers and x̂ = H⁻¹(x̂′) = x, bit for bit.
  const int64_t shape[] = {4, 8};
  const MatrixShape m{4, 8};
  std::vector<float> ints(32);
  for (int i = 0; i < 32; ++i) ints[size_t(i)] = float((i * 37 % 61) - 30);
  ints[5] = 32767;
  for (const char* s : {"absmax:bits=16,rot=hadamard", "absmax:bits=16,rot=hadamard,rot_seed=9"}) {
    const Scheme sc = spec(s);
    const std::optional<uint64_t> seed = sc.transform.has_seed ? std::optional<uint64_t>(9) : std::nullopt;
    std::vector<float> x(32);
    hadamard_inverse_ref(ints, m, seed, x);
    const QuantizeResult r = run(x, shape, s);
    ASSERT_TRUE(r.error.empty()) << r.error;
    expect_within_ulp(r.dequant, x);
    EXPECT_EQ(r.metrics.n, 32);
    EXPECT_EQ(r.metrics.clipped_fraction, 0.0);
    ASSERT_TRUE(r.transform);
    EXPECT_EQ(r.transform->block, 8);
    EXPECT_EQ(r.transform->seed, seed);
  }
}

TEST(QuantizeTransformed, KeepRoundTripAndItsCounts) {
  // Integers with amax 32767 outside the kept column: 16-bit absmax is lossless there,
  // the kept column is fp16(x) (exact for these integers).
  const int64_t shape[] = {3, 4};
  std::vector<float> x = {1, -2, 3, 4,  //
                          5, 6, -40000, 8,  // column 2 holds the largest |x|: kept
                          9, 10, 11, 32767};
  const QuantizeResult r = run(x, shape, "absmax:bits=16,keep=1");
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.dequant, x);
  ASSERT_TRUE(r.transform);
  EXPECT_EQ(r.transform->columns, std::vector<int64_t>{2});
  // x′: column 2 zeroed; the quantizer's range is column 3's 32767 → s = 1.
  EXPECT_EQ(r.transformed, (std::vector<float>{1, -2, 0, 4, 5, 6, 0, 8, 9, 10, 0, 32767}));
  EXPECT_FLOAT_EQ(r.groups[0].scale, 1.0f);
  // codes over the other columns only: 1,-2,4,5,6,8,9,10,32767 (9 distinct, the kept zeros not counted).
  EXPECT_EQ(r.metrics.codes_used, 9);
  // 16 bits + one f32 scale over 12 elements + the kept column (16·3 + 32)/12.
  EXPECT_DOUBLE_EQ(*r.metrics.bits_per_weight, 16.0 + 32.0 / 12 + (16.0 * 3 + 32) / 12);
  EXPECT_EQ(r.metrics.mse, 0.0);
  // A kept value beyond fp16 overflows to Inf: it counts as clipped (1 of 12).
  std::vector<float> big = x;
  big[6] = 1e5f;
  const QuantizeResult b = run(big, shape, "absmax:bits=16,keep=1");
  EXPECT_DOUBLE_EQ(*b.metrics.clipped_fraction, 1.0 / 12);
  EXPECT_TRUE(std::isinf(b.dequant[6]));
}

TEST(QuantizeTransformed, KeepTakesBackTheZerosAClipRangeCuts) {
  // minmax with clip=range lo=1,hi=5: the kept column's zeros lie below the range, but they
  // are not the quantizer's elements: only the other columns' clips count.
  const int64_t shape[] = {2, 3};
  const std::vector<float> x = {2, 9, 100, 3, 0.5f, -100};  // column 2 kept; 9 and 0.5 clip
  const QuantizeResult r = run(x, shape, "minmax:bits=8,clip=range,lo=1,hi=5,keep=1");
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_DOUBLE_EQ(*r.metrics.clipped_fraction, 2.0 / 6);
  EXPECT_EQ(r.dequant[2], 100.0f);
  EXPECT_EQ(r.dequant[5], -100.0f);
}

TEST(QuantizeTransformed, SmoothRoundTripWithPowerOfTwoScales) {
  // α = 1: s_j = a_j. With a_j powers of two and x′ = x·s_j integers of amax 32767, the
  // 16-bit grid has step 1: x̂′ = x′ and x̂ = x̂′/s_j = x exactly.
  const int64_t shape[] = {2, 3};
  TransformInputs in;
  in.act_max = {2.0f, 0.5f, 4.0f};
  const std::vector<float> x = {3, 64, -0.25f, 16383.5f, -10, 8191.75f};  // x′ = 6, 32, -1, 32767, -5, 32767
  const QuantizeResult r = run(x, shape, "absmax:bits=16,smooth=1", &in);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.transformed, (std::vector<float>{6, 32, -1, 32767, -5, 32767}));
  EXPECT_EQ(r.dequant, x);
  ASSERT_TRUE(r.transform);
  EXPECT_DOUBLE_EQ(r.transform->act_absmax_before, 4.0);
  EXPECT_DOUBLE_EQ(r.transform->act_absmax_after, 1.0);  // a_j/s_j = 1 for α = 1
  EXPECT_DOUBLE_EQ(r.transform->scale_min, 0.5);
  EXPECT_DOUBLE_EQ(r.transform->scale_max, 4.0);
  // Missing or mis-sized maxima: an error naming smooth and the length needed.
  const QuantizeResult none = run(x, shape, "absmax:bits=16,smooth=1");
  EXPECT_NE(none.error.find("smooth"), std::string::npos);
  EXPECT_NE(none.error.find("length 3"), std::string::npos);
  TransformInputs wrong;
  wrong.act_max = {1, 2};
  EXPECT_NE(run(x, shape, "absmax:bits=16,smooth=1", &wrong).error.find("smooth"), std::string::npos);
}

TEST(QuantizeTransformed, LowRankOfARankOneMatrixIsExact) {
  // x = u·vᵀ: L_1 = x, x′ ≈ 0 (float rounding of x − L), x̂ = L + x̂′ returns x within 1 ulp.
  const int64_t shape[] = {6, 5};
  std::vector<float> x(30);
  const float u[6] = {1, -2, 3, 0.5f, 4, -1}, v[5] = {2, 1, -1, 0.25f, 3};
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 5; ++j) x[size_t(i * 5 + j)] = u[i] * v[j];
  for (bool ref : {false, true}) {
    const QuantizeResult r = run(x, shape, "absmax:bits=16,lowrank=1", nullptr, ref);
    ASSERT_TRUE(r.error.empty()) << r.error;
    expect_within_ulp(r.dequant, x);
    ASSERT_TRUE(r.transform);
    EXPECT_NEAR(r.transform->energy, 1.0, 1e-9);
    EXPECT_DOUBLE_EQ(*r.metrics.bits_per_weight, 16.0 + 32.0 / 30 + 16.0 * 1 * 11 / 30);
  }
}

TEST(QuantizeTransformed, MetricsAreInTheOriginalSpace) {
  const int64_t shape[] = {16, 64};
  const std::vector<float> x = random_matrix(16 * 64, 7, 25.0);
  TransformInputs in;
  in.act_max.assign(64, 1.0f);
  for (int j = 0; j < 64; j += 7) in.act_max[size_t(j)] = 30.0f;
  for (const char* s : {"absmax:bits=4,gran=channel,rot=hadamard", "absmax:bits=4,gran=channel,rot=hadamard,rot_seed=1",
                        "minmax:bits=4,gran=block,block=16,smooth=0.5", "nf4:lowrank=3", "absmax:bits=4,keep=2",
                        "fp8_e4m3:scale=absmax,gran=channel,keep=1", "absmax:bits=3,clip=mse,rot=hadamard"}) {
    QuantizeOptions o;
    o.keep_dequant = true;
    o.transform = &in;
    o.hist_error = HistogramSpec{-0.5, 0.5, 10};
    const QuantizeResult r = quantize(x, shape, spec(s), o);
    ASSERT_TRUE(r.error.empty()) << s << ": " << r.error;
    double se = 0, sx = 0, mx = 0;
    std::vector<uint64_t> hist(10, 0);
    for (size_t i = 0; i < x.size(); ++i) {
      const double e = double(x[i]) - double(r.dequant[i]);
      se += e * e;
      sx += double(x[i]) * x[i];
      mx = std::max(mx, std::fabs(e));
      const int b = histogram_bin(HistogramSpec{-0.5, 0.5, 10}, e);
      if (b >= 0) ++hist[size_t(b)];
    }
    EXPECT_NEAR(*r.metrics.mse, se / double(x.size()), 1e-12 * sx) << s;
    EXPECT_NEAR(*r.metrics.sqnr_db, 10 * std::log10(sx / se), 1e-9) << s;
    EXPECT_DOUBLE_EQ(*r.metrics.max_abs_error, mx) << s;
    ASSERT_TRUE(r.hist_error) << s;
    EXPECT_EQ(r.hist_error->counts, hist) << s;
    // The fast transforms and the _ref twins agree. Low rank: the randomized SVD's
    // residual ‖x − L‖ is within 0.1 % of the exact one, but on this flat spectrum its
    // subspace is another one, so x′ and the quantization error differ by a few %.
    const QuantizeResult q = quantize_ref(x, shape, spec(s), o);
    if (spec(s).transform.kind == TransformKind::LowRank) {
      ASSERT_TRUE(q.transform && r.transform);
      const double resid_ref = 1 - q.transform->energy, resid = 1 - r.transform->energy;
      EXPECT_LE(std::sqrt(resid / resid_ref), 1.001) << s;
      EXPECT_GE(resid, resid_ref * (1 - 1e-12)) << s;  // the exact SVD is optimal
      EXPECT_NEAR(*q.metrics.mse, *r.metrics.mse, 0.1 * *r.metrics.mse) << s;
    } else {
      EXPECT_NEAR(*q.metrics.mse, *r.metrics.mse, 1e-9 * *r.metrics.mse) << s;
      EXPECT_EQ(q.metrics.codes_used, r.metrics.codes_used) << s;
    }
  }
}

TEST(QuantizeTransformed, RotationSpreadsAnOutlier) {
  // One outlier of 40σ: per-tensor int4 spends its grid on it; rotated, it spreads over a
  // block of 64 and the error drops.
  const int64_t shape[] = {64, 64};
  const std::vector<float> x = random_matrix(64 * 64, 3, 40.0);
  const QuantizeResult plain = run(x, shape, "absmax:bits=4");
  const QuantizeResult rot = run(x, shape, "absmax:bits=4,rot=hadamard,rot_seed=0");
  EXPECT_GT(*rot.metrics.sqnr_db, *plain.metrics.sqnr_db + 3.0);
  EXPECT_EQ(*rot.metrics.bits_per_weight, *plain.metrics.bits_per_weight);
}

TEST(QuantizeTransformed, NonFiniteAndEmptyInputs) {
  const int64_t shape[] = {2, 4};
  std::vector<float> x = {1, 2, NAN, 4, 5, INFINITY, 7, 8};
  EXPECT_EQ(run(x, shape, "int8:rot=hadamard").error.rfind("rot:", 0), 0u);
  EXPECT_EQ(run(x, shape, "int8:lowrank=1").error.rfind("lowrank:", 0), 0u);
  // keep passes them through and takes column maxima over finite values.
  const QuantizeResult k = run(x, shape, "int8:keep=1");
  ASSERT_TRUE(k.error.empty()) << k.error;
  EXPECT_TRUE(std::isnan(k.dequant[2]));
  EXPECT_TRUE(std::isinf(k.dequant[5]));
  EXPECT_EQ(k.metrics.n, 6);
  EXPECT_EQ(k.metrics.n_nonfinite, 2);
  EXPECT_EQ(k.transform->columns, std::vector<int64_t>{3});  // max|x| over finite: col 3 (8)
  // An empty tensor: metrics and params.transform null.
  const int64_t empty[] = {0, 4};
  const QuantizeResult e = run({}, empty, "int8:rot=hadamard");
  EXPECT_TRUE(e.error.empty());
  EXPECT_FALSE(e.transform);
  EXPECT_FALSE(e.metrics.mse);
  EXPECT_TRUE(params_to_json(e)["transform"].is_null());
}

TEST(QuantizeTransformed, ParamsTransformJson) {
  const int64_t shape[] = {4, 12};
  const std::vector<float> x = random_matrix(48, 11);
  nlohmann::json h = params_to_json(run(x, shape, "int8:rot=hadamard"))["transform"];
  EXPECT_EQ(h, (nlohmann::json{{"kind", "hadamard"}, {"block", 4}, {"seed", nullptr}}));
  h = params_to_json(run(x, shape, "int8:rot=hadamard,rot_seed=5"))["transform"];
  EXPECT_EQ(h["seed"], 5);
  const nlohmann::json lr = params_to_json(run(x, shape, "int8:lowrank=2"))["transform"];
  EXPECT_EQ(lr["kind"], "lowrank");
  EXPECT_EQ(lr["rank"], 2);
  EXPECT_GT(lr["energy"].get<double>(), 0.0);
  EXPECT_LT(lr["energy"].get<double>(), 1.0);
  const nlohmann::json kp = params_to_json(run(x, shape, "int8:keep=3"))["transform"];
  EXPECT_EQ(kp["kind"], "keep");
  EXPECT_EQ(kp["count"], 3);
  EXPECT_EQ(kp["columns"].size(), 3u);
  EXPECT_FALSE(params_to_json(run(x, shape, "int8")).contains("transform"));
}

}  // namespace
}  // namespace qs

namespace qs {
namespace {

// Random shapes (scalar, vector, odd and power-of-two columns, 3-D, a conv filter) and
// random schemes under every transform: the fast path and the _ref path agree, and
// nothing crashes on the edges (1 column, 1 row, NaN where a transform passes it).
TEST(QuantizeTransformed, RandomShapesAndSchemesFastEqualsRef) {
  std::mt19937 g(2024);
  const std::vector<std::vector<int64_t>> shapes = {{}, {7}, {1, 9}, {5, 1}, {6, 12}, {3, 5, 8}, {4, 3, 3, 3}, {17, 64}};
  const char* bases[] = {"absmax:bits=4", "minmax:bits=3,gran=channel", "absmax:bits=8,gran=block,block=4",
                         "nf4:block=8", "fp8_e4m3:scale=absmax,gran=channel", "minmax:bits=5,zp=float,clip=mse",
                         "absmax:bits=6,clip=percentile,p=99"};
  int ran = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const std::vector<int64_t>& shape = shapes[size_t(trial) % shapes.size()];
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    std::vector<float> x = random_matrix(n, uint32_t(trial), trial % 3 == 0 ? 20.0 : 0.0);
    const MatrixShape m = matrix_view(shape);
    const int t = int(g() % 5);
    std::string key;
    if (t == 0) key = ",rot=hadamard";
    else if (t == 1) key = ",rot=hadamard,rot_seed=" + std::to_string(g());
    else if (t == 2) key = ",smooth=" + std::to_string(double(g() % 11) / 10);
    else if (t == 3) key = ",keep=" + std::to_string(1 + int64_t(g()) % std::max<int64_t>(1, m.cols - 1));
    else key = ",lowrank=" + std::to_string(1 + int64_t(g()) % std::max<int64_t>(1, std::min(m.rows, m.cols) - 1));
    if ((t == 2 || t == 3) && n > 2 && trial % 4 == 1) x[size_t(n / 2)] = NAN;  // passed through
    auto s = parse_spec(std::string(bases[size_t(trial) % std::size(bases)]) + key);
    ASSERT_TRUE(s.has_value()) << key;
    if (!make_layout(shape, *s)) continue;  // a shape the transform does not fit (checked elsewhere)
    TransformInputs in;
    in.act_max.assign(size_t(shape.size() >= 3 ? shape[1] : m.cols), 1.0f);
    for (size_t j = 0; j < in.act_max.size(); j += 3) in.act_max[j] = 10.0f;
    QuantizeOptions o;
    o.transform = &in;
    o.keep_dequant = true;
    const QuantizeResult a = quantize(x, shape, *s, o), b = quantize_ref(x, shape, *s, o);
    const std::string what = print_spec(*s) + " on " + std::to_string(m.rows) + "×" + std::to_string(m.cols);
    ASSERT_EQ(a.error, b.error) << what;
    if (!a.error.empty()) continue;
    ++ran;
    EXPECT_EQ(a.metrics.n, b.metrics.n) << what;
    EXPECT_EQ(a.metrics.n_nonfinite, b.metrics.n_nonfinite) << what;
    EXPECT_EQ(a.metrics.bits_per_weight, b.metrics.bits_per_weight) << what;
    if (t == 4) continue;  // randomized vs exact SVD: other subspaces (contract tested above)
    EXPECT_EQ(a.metrics.codes_used, b.metrics.codes_used) << what;
    EXPECT_EQ(a.metrics.sums.n_clipped, b.metrics.sums.n_clipped) << what;
    ASSERT_EQ(a.dequant.size(), b.dequant.size());
    for (size_t i = 0; i < a.dequant.size(); ++i) {
      if (!(std::isnan(a.dequant[i]) && std::isnan(b.dequant[i]))) {
        ASSERT_EQ(a.dequant[i], b.dequant[i]) << what << " element " << i;
      }
    }
    if (a.metrics.mse && b.metrics.mse) {
      EXPECT_NEAR(*a.metrics.mse, *b.metrics.mse, 1e-12 + 1e-9 * *b.metrics.mse) << what;
    }
  }
  EXPECT_GT(ran, 150);
}

}  // namespace
}  // namespace qs
