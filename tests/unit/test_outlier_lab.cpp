// The outlier lab (analysis/explore/outlier_lab): x′'s spread worked out by hand, the rows
// equal to quantize() with the spec they print (what `quantscope-cli quantize --json`
// runs), the curves monotone where the arithmetic makes them so, the memo, cancel, and
// picking a weight's activation maxima among the open tensors.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "analysis/explore/activation_maxima.h"
#include "analysis/explore/outlier_lab.h"
#include "analysis/model/model_analysis.h"
#include "analysis/numeric/tensor_decode.h"
#include "analysis/quant/quantize.h"

namespace qs {
namespace {

// [SECTION] x′'s spread.

TEST(OutlierLab, SpreadOfSmallVectorsByHand) {
  // ±1: μ = 0, σ = 1, E[d⁴] = 1 → excess kurtosis 1 − 3 = −2; max|x|/σ = 1.
  const float pm[] = {1, -1, 1, -1};
  SpreadStats s = spread_stats(pm);
  EXPECT_EQ(s.n, 4);
  EXPECT_DOUBLE_EQ(s.mean, 0.0);
  EXPECT_DOUBLE_EQ(s.sigma, 1.0);
  EXPECT_DOUBLE_EQ(s.absmax_over_sigma, 1.0);
  EXPECT_DOUBLE_EQ(s.excess_kurtosis, -2.0);
  // Seven zeros and a 4: μ = 0.5; Σd² = 7·0.25 + 12.25 = 14 → σ² = 1.75;
  // Σd⁴ = 7·0.0625 + 150.0625 = 150.5 → m4 = 18.8125; m4/σ⁴ = 18.8125/3.0625 = 43/7,
  // excess 22/7; max|x|/σ = 4/√1.75. NaN and ±Inf take no part.
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const float spike[] = {0, 0, nan, 0, 0, 0, 0, inf, 0, 4, -inf};
  s = spread_stats(spike);
  EXPECT_EQ(s.n, 8);
  EXPECT_DOUBLE_EQ(s.mean, 0.5);
  EXPECT_DOUBLE_EQ(s.sigma, std::sqrt(1.75));
  EXPECT_DOUBLE_EQ(s.min, 0.0);
  EXPECT_DOUBLE_EQ(s.max, 4.0);
  EXPECT_NEAR(s.excess_kurtosis, 22.0 / 7.0, 1e-14);
  EXPECT_NEAR(s.absmax_over_sigma, 4.0 / std::sqrt(1.75), 1e-14);
  // A constant (σ = 0) and nothing finite: ratios 0, not NaN.
  const float flat[] = {2, 2, 2};
  s = spread_stats(flat);
  EXPECT_EQ(s.sigma, 0.0);
  EXPECT_EQ(s.absmax_over_sigma, 0.0);
  EXPECT_EQ(s.excess_kurtosis, 0.0);
  const float none[] = {nan, inf};
  EXPECT_EQ(spread_stats(none).n, 0);
  EXPECT_EQ(spread_stats(std::span<const float>()).n, 0);
}

TEST(OutlierLab, SpreadMatchesTheModelViewsKurtosisAtAnyThreadCount) {
  std::mt19937 rng(3);
  std::student_t_distribution<float> t(4.0f);
  std::vector<float> x(300000);  // several kDecodeChunk items
  for (float& v : x) v = 0.01f * t(rng) + 0.002f;
  const SpreadStats a = spread_stats(x, 1), b = spread_stats(x, 3);
  EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
  EXPECT_NEAR(a.excess_kurtosis, excess_kurtosis(x, 1), 1e-9 * std::fabs(a.excess_kurtosis));
  EXPECT_GT(a.excess_kurtosis, 1.0);  // Student t with 4 degrees of freedom: heavy tails
}

TEST(OutlierLab, GaussianCountsAddUpToTheMassInRange) {
  SpreadStats s;
  s.n = 100000;
  s.mean = 0.0;
  s.sigma = 1.0;
  const Histogram h = gaussian_counts(s, {-2.0, 2.0, 40});
  ASSERT_EQ(h.counts.size(), 40u);
  uint64_t total = 0;
  for (uint64_t c : h.counts) total += c;
  EXPECT_NEAR(double(total), 100000 * std::erf(2.0 / std::sqrt(2.0)), 40.0);  // 95 450, ± rounding
  for (size_t b = 0; b < 20; ++b) EXPECT_EQ(h.counts[b], h.counts[39 - b]) << b;  // symmetric
  EXPECT_GT(h.counts[19], h.counts[0]);
  s.sigma = 0;
  EXPECT_TRUE(gaussian_counts(s, {-1, 1, 8}).counts.empty());
}

// [SECTION] Rows equal quantize().

// 64 × 128 Gaussian weights, columns 5, 40 and 99 twelve times larger; activation maxima
// with outlier channels 7 and 70.
struct Lab {
  std::vector<int64_t> shape{64, 128};
  std::vector<float> x, act;
  Lab() {
    std::mt19937 rng(11);
    std::normal_distribution<float> n(0.0f, 0.02f);
    x.resize(64 * 128);
    for (float& v : x) v = n(rng);
    for (int r = 0; r < 64; ++r)
      for (int c : {5, 40, 99}) x[size_t(r * 128 + c)] *= 12.0f;
    act.resize(128);
    for (size_t j = 0; j < act.size(); ++j) act[j] = 0.5f + float(j % 5) * 0.1f;
    act[7] *= 40.0f;
    act[70] *= 40.0f;
  }
};

// What the CLI does: quantize(x, shape, parse_spec(spec)) with only the activation maxima.
QuantizeResult cli_like(const Lab& lab, const std::string& spec) {
  TransformInputs in;
  in.act_max = lab.act;
  QuantizeOptions o;
  o.transform = &in;
  return quantize(lab.x, lab.shape, *parse_spec(spec), o);
}

TEST(OutlierLab, RowsEqualQuantizeForTheirSpecs) {
  const Lab lab;
  const OutlierTensorCache tc = outlier_tensor_cache(lab.x, lab.shape);
  ASSERT_TRUE(tc.low_rank);
  EXPECT_EQ(tc.low_rank->rank, outlier_lab_max_rank(tc.m));
  EXPECT_EQ(outlier_lab_max_rank(tc.m), 63);  // min(64, min(64, 128) − 1)
  const TransformInputs in = outlier_transform_inputs(tc, lab.act);
  OutlierLabSettings s;
  s.keep = 4;
  s.rank = 3;
  s.alpha = 0.5;
  s.rot_seed = 7;
  const OutlierRows rows = outlier_rows(lab.x, lab.shape, s, in);
  ASSERT_FALSE(rows.cancelled);
  ASSERT_EQ(rows.rows.size(), size_t(kOutlierMethods));
  const char* expected[] = {"absmax:bits=4,gran=channel,axis=0",
                            "absmax:bits=4,gran=channel,axis=0,clip=mse",
                            "absmax:bits=4,gran=channel,axis=0,keep=4",
                            "absmax:bits=4,gran=channel,axis=0,rot=hadamard",
                            "absmax:bits=4,gran=channel,axis=0,rot=hadamard,rot_seed=7",
                            "absmax:bits=4,gran=channel,axis=0,smooth=0.5",
                            "absmax:bits=4,gran=channel,axis=0,lowrank=3"};
  for (int i = 0; i < 7; ++i) {
    const OutlierRow& row = rows.rows[size_t(i)];
    EXPECT_EQ(row.spec, expected[i]);
    ASSERT_TRUE(row.error.empty()) << row.spec << ": " << row.error;
    ASSERT_TRUE(row.eval);
    const QuantizeResult q = cli_like(lab, row.spec);
    const Metrics& a = row.eval->metrics;
    if (row.method == OutlierMethod::LowRank) {
      // Factors cached at rank 63 and truncated to 3, against a fresh rank-3 SVD: both
      // within 0.1 % of the optimal ‖x − L‖ (low_rank.h), so close, not equal.
      EXPECT_NEAR(row.eval->transform->energy, q.transform->energy, 1e-3);
      EXPECT_NEAR(*a.sqnr_db, *q.metrics.sqnr_db, 0.05);
      EXPECT_EQ(a.bits_per_weight, q.metrics.bits_per_weight);
      continue;
    }
    EXPECT_EQ(a.sqnr_db, q.metrics.sqnr_db) << row.spec;
    EXPECT_EQ(a.mse, q.metrics.mse) << row.spec;
    EXPECT_EQ(a.max_abs_error, q.metrics.max_abs_error) << row.spec;
    EXPECT_EQ(a.bits_per_weight, q.metrics.bits_per_weight) << row.spec;
    EXPECT_EQ(a.clipped_fraction, q.metrics.clipped_fraction) << row.spec;
    EXPECT_EQ(a.codes_used, q.metrics.codes_used) << row.spec;
  }
  // x′ is the quantizer's input: the base row's is x; a rotation tames the outlier columns.
  const OutlierEval& none = *rows.rows[0].eval;
  EXPECT_EQ(none.xp.absmax_over_sigma, spread_stats(lab.x).absmax_over_sigma);
  const OutlierEval& rot = *rows.rows[size_t(OutlierMethod::Rotate)].eval;
  EXPECT_LT(rot.xp.absmax_over_sigma, 0.5 * none.xp.absmax_over_sigma);
  EXPECT_LT(std::fabs(rot.xp.excess_kurtosis), 0.5);  // close to Gaussian
  EXPECT_GT(none.xp.excess_kurtosis, 10.0);
  EXPECT_GT(*rot.metrics.sqnr_db, *none.metrics.sqnr_db);
  // The levels shown are the largest-scale group's 15 int4 levels, on x′.
  EXPECT_EQ(rot.levels.size(), 15u);
  EXPECT_EQ(rot.groups, 64);
  uint64_t binned = 0;
  for (uint64_t c : rot.hist_xp.counts) binned += c;
  EXPECT_EQ(binned, lab.x.size());
  // The smoothing row reports the activations' absmax before and after.
  const OutlierEval& sm = *rows.rows[size_t(OutlierMethod::Smooth)].eval;
  ASSERT_TRUE(sm.transform);
  EXPECT_FLOAT_EQ(float(sm.transform->act_absmax_before), lab.act[7]);
  EXPECT_LT(sm.transform->act_absmax_after, sm.transform->act_absmax_before);
  // HQQ: the hqq_4bit preset whatever the base (its groups of 64, 4 bits + two fp32 per group).
  const OutlierRow& hqq = rows.rows[size_t(OutlierMethod::Hqq)];
  EXPECT_EQ(hqq.spec, "hqq_4bit");
  ASSERT_TRUE(hqq.eval) << hqq.error;
  EXPECT_EQ(hqq.eval->metrics.sqnr_db, cli_like(lab, "hqq_4bit").metrics.sqnr_db);
  EXPECT_EQ(hqq.eval->metrics.mse, cli_like(lab, "hqq_4bit").metrics.mse);
  EXPECT_DOUBLE_EQ(*hqq.eval->metrics.bits_per_weight, 5.0);
}

TEST(OutlierLab, RowsSayWhyTheyCannotRun) {
  Lab lab;
  OutlierLabSettings s;
  s.keep = 128;  // keep needs k < cols
  const OutlierTensorCache tc = outlier_tensor_cache(lab.x, lab.shape);
  OutlierRows rows = outlier_rows(lab.x, lab.shape, s, outlier_transform_inputs(tc, {}));
  EXPECT_NE(rows.rows[size_t(OutlierMethod::Keep)].error.find("keep=128"), std::string::npos);
  EXPECT_NE(rows.rows[size_t(OutlierMethod::Smooth)].error.find("needs activation maxima"), std::string::npos);
  EXPECT_NE(rows.rows[size_t(OutlierMethod::Smooth)].error.find("128"), std::string::npos);
  EXPECT_FALSE(rows.rows[size_t(OutlierMethod::Smooth)].spec.empty());  // the spec is shown all the same
  // Maxima of the wrong length: quantize's own message, naming smooth and the length.
  rows = outlier_rows(lab.x, lab.shape, OutlierLabSettings{}, outlier_transform_inputs(tc, {1, 2, 3}));
  EXPECT_NE(rows.rows[size_t(OutlierMethod::Smooth)].error.find("smooth"), std::string::npos);
  // NaN: rotation and low rank refuse the tensor, the rest run.
  lab.x[77] = std::numeric_limits<float>::quiet_NaN();
  const OutlierTensorCache nan_tc = outlier_tensor_cache(lab.x, lab.shape);
  EXPECT_FALSE(nan_tc.low_rank);
  EXPECT_NE(nan_tc.low_rank_note.find("NaN"), std::string::npos);
  rows = outlier_rows(lab.x, lab.shape, OutlierLabSettings{}, outlier_transform_inputs(nan_tc, lab.act));
  EXPECT_NE(rows.rows[size_t(OutlierMethod::Rotate)].error.find("rot"), std::string::npos);
  EXPECT_NE(rows.rows[size_t(OutlierMethod::LowRank)].error.find("lowrank"), std::string::npos);
  EXPECT_TRUE(rows.rows[size_t(OutlierMethod::None)].eval);
  EXPECT_TRUE(rows.rows[size_t(OutlierMethod::Keep)].eval);
  EXPECT_TRUE(rows.rows[size_t(OutlierMethod::Smooth)].eval);
  // A preset or a transform as the base is refused.
  EXPECT_FALSE(check_outlier_base(*parse_spec("q8_0")));
  EXPECT_FALSE(check_outlier_base(*parse_spec("absmax:bits=4,rot=hadamard")));
  EXPECT_TRUE(check_outlier_base(*parse_spec("nf4")));
}

// [SECTION] Curves, memo, cancel.

TEST(OutlierLab, CurvesMonotoneWhereTheyMustBe) {
  const Lab lab;
  const OutlierTensorCache tc = outlier_tensor_cache(lab.x, lab.shape);
  const TransformInputs in = outlier_transform_inputs(tc, lab.act);
  const Scheme base = outlier_lab_default_base();
  const OutlierCurves c = outlier_curves(lab.x, lab.shape, base, 63, in);
  ASSERT_FALSE(c.cancelled);
  const std::vector<int64_t> ks = {1, 2, 4, 8, 16, 32}, rs = {1, 2, 4, 8, 16, 32, 63};
  EXPECT_EQ(outlier_keep_values(tc.m), ks);  // up to cols/4
  EXPECT_EQ(outlier_rank_values(63), rs);
  ASSERT_EQ(c.keep.size(), ks.size());
  ASSERT_EQ(c.rank.size(), rs.size());
  ASSERT_EQ(c.alpha.size(), 11u);
  for (size_t i = 1; i < c.keep.size(); ++i) {
    // Each kept column costs (16·rows + 32) bits; zeroing more columns never raises max|x′|.
    EXPECT_NEAR(*c.keep[i].bits_per_weight - *c.keep[i - 1].bits_per_weight,
                (ks[i] - ks[i - 1]) * (16.0 * 64 + 32) / (64 * 128), 1e-12);
    EXPECT_LE(c.keep[i].xp_absmax, c.keep[i - 1].xp_absmax);
  }
  // Three outlier columns: once they are kept the grid fits the rest.
  EXPECT_GT(*c.keep[2].sqnr_db, *c.keep[0].sqnr_db + 6.0);
  for (size_t i = 1; i < c.rank.size(); ++i)
    EXPECT_NEAR(*c.rank[i].bits_per_weight - *c.rank[i - 1].bits_per_weight,
                16.0 * double(rs[i] - rs[i - 1]) * (64 + 128) / (64 * 128), 1e-12);
  // max_j (a_j·w_j)^(1−α) falls with α when every a_j·w_j > 1… here the largest is
  // 40·0.7·max|w| ≈ 2, so the activations' step shrinks as α grows.
  for (size_t i = 1; i < c.alpha.size(); ++i) EXPECT_LT(c.alpha[i].act_step, c.alpha[i - 1].act_step) << i;
  EXPECT_DOUBLE_EQ(c.act_step_before, double(lab.act[7]) / 127.0);
  // α = 0: s_j = max(a_j⁰ / w_j¹, 1e-5f) = 1/w_j in float32, so a_j/s_j = a_j·w_j, up to its rounding.
  double expect0 = 0;
  for (size_t j = 0; j < lab.act.size(); ++j)
    expect0 = std::max(expect0, double(lab.act[j]) / double(std::max(1.0f / (*tc.column_absmax)[j], 1e-5f)));
  EXPECT_NEAR(c.alpha[0].act_step, expect0 / 127.0, 1e-12 * expect0);
  // Every point is the quantization its spec says.
  for (const auto* curve : {&c.keep, &c.rank, &c.alpha})
    for (const OutlierCurvePoint& p : *curve) {
      ASSERT_TRUE(p.error.empty()) << p.spec;
      if (p.spec.find("lowrank") != std::string::npos) continue;  // cached factors (above)
      EXPECT_EQ(p.sqnr_db, cli_like(lab, p.spec).metrics.sqnr_db) << p.spec;
    }
  // No maxima, no α curve; no cached factors (NaN), no r curve.
  const OutlierCurves c2 = outlier_curves(lab.x, lab.shape, base, 63, outlier_transform_inputs(tc, {}));
  EXPECT_TRUE(c2.alpha.empty());
  EXPECT_EQ(c2.act_step_before, 0.0);
}

TEST(OutlierLab, MemoMakesASliderStepOneQuantization) {
  const Lab lab;
  const OutlierTensorCache tc = outlier_tensor_cache(lab.x, lab.shape);
  const TransformInputs in = outlier_transform_inputs(tc, lab.act);
  OutlierMemo memo;
  RunControl ctl;
  OutlierLabSettings s;
  const OutlierRows a = outlier_rows(lab.x, lab.shape, s, in, &ctl, 0, &memo);
  EXPECT_EQ(ctl.total.load(), 8);  // every row is one quantization
  const int64_t first = ctl.total.load();
  s.keep = 9;
  const OutlierRows b = outlier_rows(lab.x, lab.shape, s, in, &ctl, 0, &memo);
  EXPECT_EQ(ctl.total.load(), 1);
  EXPECT_EQ(a.rows[0].eval, b.rows[0].eval);  // the same evaluation, not a copy
  EXPECT_NE(a.rows[size_t(OutlierMethod::Keep)].eval, b.rows[size_t(OutlierMethod::Keep)].eval);
  EXPECT_EQ(memo.size(), size_t(first + 1));
  // A curve point without detail does not serve a row; a row's detailed entry serves a curve.
  const OutlierCurves c = outlier_curves(lab.x, lab.shape, s.base, 63, in, &ctl, 0, &memo);
  EXPECT_FALSE(c.cancelled);
  const size_t after = memo.size();
  outlier_curves(lab.x, lab.shape, s.base, 63, in, &ctl, 0, &memo);
  EXPECT_EQ(ctl.total.load(), 0);
  EXPECT_EQ(memo.size(), after);
  // A base whose clip row equals itself is quantized once.
  s.base = *parse_spec("absmax:bits=4,gran=channel,axis=0,clip=mse");
  OutlierMemo fresh;
  const OutlierRows d = outlier_rows(lab.x, lab.shape, s, in, &ctl, 0, &fresh);
  EXPECT_EQ(d.rows[0].eval, d.rows[1].eval);
}

TEST(OutlierLab, CancelStopsBeforeTheNextQuantization) {
  const Lab lab;
  RunControl ctl;
  ctl.cancel = true;
  const OutlierTensorCache tc = outlier_tensor_cache(lab.x, lab.shape, 0, &ctl);
  EXPECT_TRUE(tc.cancelled);
  const OutlierTensorCache ok = outlier_tensor_cache(lab.x, lab.shape);
  const TransformInputs in = outlier_transform_inputs(ok, lab.act);
  OutlierMemo memo;
  const OutlierRows rows = outlier_rows(lab.x, lab.shape, OutlierLabSettings{}, in, &ctl, 0, &memo);
  EXPECT_TRUE(rows.cancelled);
  EXPECT_TRUE(memo.empty());  // nothing half-done is kept
  EXPECT_TRUE(outlier_curves(lab.x, lab.shape, outlier_lab_default_base(), 63, in, &ctl).cancelled);
}

// [SECTION] Activation maxima among the open tensors.

TEST(OutlierLab, ActivationMaximaCandidatesAndTheDefault) {
  std::vector<float> bytes(4096, 1.0f);
  auto view = [&](std::string name, std::vector<int64_t> shape, DType dt = DType::F32) {
    TensorView t;
    t.name = std::move(name);
    t.dtype = dt;
    t.shape = std::move(shape);
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    t.bytes = std::as_bytes(std::span<const float>(bytes.data(), size_t(n)));
    return t;
  };
  Model m;
  m.tensors = {view("layers.0.attn.o_proj.weight", {16, 32}), view("layers.0.attn.o_proj.bias", {16}),
               view("layers.0.norm.weight", {32}),             view("layers.1.attn.o_proj.act_scales", {32}),
               view("layers.0.attn.o_proj.act_scales", {32}),   view("layers.0.attn.q_proj.act_scales", {16}),
               view("codes", {32}, DType::I32)};
  const std::vector<int64_t> shape = {16, 32};
  const std::vector<int> c = activation_maxima_candidates(m, shape);
  EXPECT_EQ(c, (std::vector<int>{2, 3, 4}));  // 1-D floats of length cols
  // Named like act_scales, and the layer's own (longest common prefix) before the first.
  EXPECT_EQ(default_activation_maxima(m, c, "layers.0.attn.o_proj.weight"), 4);
  EXPECT_EQ(default_activation_maxima(m, c, "other.weight"), 3);
  const std::vector<int> plain = {2};
  EXPECT_EQ(default_activation_maxima(m, plain, "layers.0.attn.o_proj.weight"), -1);
  EXPECT_TRUE(names_activation_maxima("model.decoder.layers.3.fc1.input_scale"));
  EXPECT_TRUE(names_activation_maxima("Smooth_Scales"));
  EXPECT_FALSE(names_activation_maxima("layers.0.norm.weight"));
  EXPECT_EQ(load_activation_maxima(m.tensors[4]), std::vector<float>(32, 1.0f));
}

}  // namespace
}  // namespace qs
