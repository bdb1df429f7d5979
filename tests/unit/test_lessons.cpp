// Learn mode's numbers (issue #8), worked out by hand on the lessons' example vector
// x = {0.5, −1.2, 3.1, −0.7, 2.4, 0, −2.9, 1.6}.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/explore/lessons.h"
#include "analysis/numeric/float_formats.h"
#include "analysis/presets/preset_tables.h"

namespace qs {
namespace {

// 7 B parameters: 28 GB in FP32, 14 GB in FP16/BF16, 7 GB in FP8, 3.5 GB in FP4.
TEST(Lessons, ModelMemory) {
  EXPECT_DOUBLE_EQ(model_memory_bytes(7e9, 32), 28e9);
  EXPECT_DOUBLE_EQ(model_memory_bytes(7e9, 16), 14e9);
  EXPECT_DOUBLE_EQ(model_memory_bytes(7e9, 8), 7e9);
  EXPECT_DOUBLE_EQ(model_memory_bytes(7e9, 4), 3.5e9);
}

// int8 absmax: s = 3.1/127 = 0.0244094; x/s = 20.48, −49.16, 127, −28.68, 98.32, 0,
// −118.81, 65.55 → codes 20, −49, 127, −29, 98, 0, −119, 66; nothing clips.
TEST(Lessons, AbsmaxOnTheExampleVector) {
  const auto x = lesson_example_vector();
  const AbsmaxStep a = absmax_walkthrough(x, 8, false);
  EXPECT_FLOAT_EQ(float(a.absmax), 3.1f);
  EXPECT_FLOAT_EQ(float(a.scale), 3.1f / 127);
  EXPECT_EQ(a.codes, (std::vector<int>{20, -49, 127, -29, 98, 0, -119, 66}));
  EXPECT_EQ(a.qmin, -127);
  EXPECT_EQ(a.clipped, 0);
  EXPECT_NEAR(a.scaled[1], -1.2 * 127 / 3.1, 1e-4);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(a.xhat[i], float(a.codes[i]) * float(a.scale));
    EXPECT_LE(std::fabs(a.error[i]), a.scale / 2 + 1e-9);  // rounding error ≤ s/2
  }
  // [−128, 127] with s = 3.1/128: one level finer, but 3.1/s = 128 clips to 127.
  const AbsmaxStep b = absmax_walkthrough(x, 8, true);
  EXPECT_FLOAT_EQ(float(b.scale), 3.1f / 128);
  EXPECT_EQ(b.codes, (std::vector<int>{21, -50, 127, -29, 99, 0, -120, 66}));
  EXPECT_EQ(b.qmin, -128);
  EXPECT_EQ(b.clipped, 1);
  EXPECT_NEAR(b.error[2], 3.1 - 127 * (3.1 / 128), 1e-6);
  // 4 bits: s = 3.1/7; codes 1, −3, 7, −2, 5, 0, −7, 4.
  EXPECT_EQ(absmax_walkthrough(x, 4, false).codes, (std::vector<int>{1, -3, 7, -2, 5, 0, -7, 4}));
}

// uint8 min/max: lo −2.9, hi 3.1, s = 6/255; zp = round(2.9/s = 123.25) = 123;
// q = round(x/s) + 123 = 144, 72, 255, 93, 225, 123, 0, 191; signed: −128 each and
// zp −5. Zero maps to code 123 and back to exactly 0.
TEST(Lessons, MinmaxOnTheExampleVector) {
  const MinmaxStep m = minmax_walkthrough(lesson_example_vector(), 8);
  EXPECT_FLOAT_EQ(float(m.scale), 6.0f / 255);
  EXPECT_EQ(m.zero_point, 123);
  EXPECT_EQ(m.zero_point_signed, -5);
  EXPECT_EQ(m.codes, (std::vector<int>{144, 72, 255, 93, 225, 123, 0, 191}));
  EXPECT_EQ(m.codes_signed, (std::vector<int>{16, -56, 127, -35, 97, -5, -128, 63}));
  EXPECT_EQ(m.xhat[5], 0.0f);
  EXPECT_EQ(m.zero_xhat, 0.0f);
}

// One outlier (3.1 → 20): s = 20/127 = 0.157, so the other seven values round on a grid
// 6.5 times coarser. Clipping to ±3.5 costs (20 − 3.5)²/8 = 34.03 in clipping error and
// gives the rest s = 3.5/127 back.
TEST(Lessons, OutlierAndClipping) {
  const auto x = lesson_example_vector();
  const OutlierStep base = outlier_walkthrough(x, 2, 3.1f, 8, 100.0);
  const OutlierStep o = outlier_walkthrough(x, 2, 20.0f, 8, 3.5);
  EXPECT_FLOAT_EQ(float(o.scale), 20.0f / 127);
  EXPECT_GT(o.mse_others, 20 * base.mse_others);
  EXPECT_FLOAT_EQ(float(o.clipped_scale), 3.5f / 127);
  EXPECT_NEAR(o.clip_mse, 16.5 * 16.5 / 8, 1e-4);
  EXPECT_LT(o.round_mse, (3.5 / 127) * (3.5 / 127) / 4);  // each rounding error ≤ s/2
}

TEST(Lessons, CalibrationMethodsCompared) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0, 1);
  std::vector<float> x(20000);
  for (float& v : x) v = g(rng);
  x[10] = 40.0f;  // one outlier
  const auto rows = compare_calibrations(x, 4);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0].threshold, 40.0);
  EXPECT_LT(rows[1].threshold, 5.0);  // percentile 99.9 ignores the outlier
  for (const auto& r : rows) EXPECT_LE(r.sqnr_db, rows[3].sqnr_db + 0.05) << r.method;  // MSE-optimal is the best
  EXPECT_GT(rows[3].sqnr_db, rows[0].sqnr_db + 6);
}

// 4096 weights at 4 bits in blocks of 32: 2048 code bytes + 128 fp16 scales (256 B) =
// 2304 B, 4.5 bits/weight; with a zero point too, 2560 B and 5 bits/weight.
TEST(Lessons, BlockStorage) {
  BlockStorage b = block_storage(4096, 4, 32, false);
  EXPECT_EQ(b.code_bytes, 2048);
  EXPECT_EQ(b.scale_bytes, 256);
  EXPECT_EQ(b.bits_per_weight, 4.5);
  b = block_storage(4096, 4, 32, true);
  EXPECT_EQ(b.total_bytes, 2560);
  EXPECT_EQ(b.bits_per_weight, 5.0);
  EXPECT_EQ(block_storage(100, 8, 64, false).scale_bytes, 4);  // 2 blocks, the last short
}

// Smaller blocks: higher SQNR and more bits (k + 32/B with an fp32 scale), on the
// lesson's heavy-tailed sample; per-row blocks of 512 = per channel.
TEST(Lessons, BlockSizeAgainstError) {
  const auto x = lesson_block_sample();
  const int64_t blocks[] = {16, 32, 64, 128, 512};
  const auto rows = block_size_errors(x, 512, 4, blocks);
  ASSERT_EQ(rows.size(), 5u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_DOUBLE_EQ(rows[i].bits_per_weight, 4.0 + 32.0 / double(blocks[i]));
    if (i > 0) {
      EXPECT_GT(rows[i - 1].sqnr_db, rows[i].sqnr_db) << blocks[i];
    }
  }
  EXPECT_GT(rows[0].sqnr_db - rows[4].sqnr_db, 3.0);  // outliers make per-row scales costly
}

// 0.3 on a grid of step 1: nearest rounding always gives 0 (bias −0.3); stochastic
// rounding gives 1 with probability 0.3, so its mean tends to 0.3 and the residuals
// take only the values 0.3 and −0.7.
TEST(Lessons, StochasticRoundingIsUnbiased) {
  const RoundingStep r = rounding_walkthrough(0.3, 1.0, 20000, 11);
  EXPECT_EQ(r.nearest, 0.0);
  EXPECT_NEAR(r.stochastic_mean, 0.3, 3 * std::sqrt(0.21 / 20000) + 1e-9);
  int ups = 0;
  for (double e : r.residuals) {
    EXPECT_TRUE(std::fabs(e - 0.3) < 1e-6 || std::fabs(e + 0.7) < 1e-6) << e;
    ups += e < 0;
  }
  EXPECT_NEAR(ups / 20000.0, 0.3, 0.011);
}

// Against N(0, 0.4): NF4's 16 cells hold the mass far more evenly than 16 uniform levels
// on [−1, 1] (higher entropy, nearer the 4-bit maximum); masses sum to 1.
TEST(Lessons, NonLinearCodesAgainstANormal) {
  std::vector<float> nf4(numeric::nf4_codebook().begin(), numeric::nf4_codebook().end());
  std::vector<float> uniform;
  for (int i = 0; i < 16; ++i) uniform.push_back(-1.0f + 2.0f * float(i) / 15.0f);
  const auto m_nf4 = cell_mass(nf4, 0.4), m_uni = cell_mass(uniform, 0.4);
  double s = 0;
  for (double p : m_nf4) s += p;
  EXPECT_NEAR(s, 1.0, 1e-12);
  EXPECT_GT(mass_entropy_bits(m_nf4), mass_entropy_bits(m_uni) + 0.2);
  EXPECT_LE(mass_entropy_bits(m_nf4), 4.0);
  const auto& dyn = bnb_dynamic_map();
  const auto m_dyn = cell_mass(std::vector<float>(dyn.begin(), dyn.end()), 0.4);
  EXPECT_EQ(m_dyn.size(), 256u);
}

// Lesson 9: the outlier matrix and each idea through quantize(); bits/weight by hand.
TEST(Lessons, OutliersBeyondClipping) {
  const std::vector<float> x = lesson_outlier_matrix();
  ASSERT_EQ(x.size(), size_t(kLessonOutlierRows * kLessonOutlierCols));
  EXPECT_EQ(x, lesson_outlier_matrix());  // deterministic
  // Columns 3 and 11 are the outliers: the largest |x| of every row sits in one of them.
  for (int64_t r = 0; r < kLessonOutlierRows; ++r) {
    int64_t best = 0;
    for (int64_t c = 1; c < kLessonOutlierCols; ++c)
      if (std::fabs(x[size_t(r * 16 + c)]) > std::fabs(x[size_t(r * 16 + best)])) best = c;
    EXPECT_TRUE(best == 3 || best == 11) << r;
  }
  const std::vector<OutlierLessonRow> rows = outlier_lesson(2, 0.5, 2);
  ASSERT_EQ(rows.size(), 5u);
  for (const OutlierLessonRow& r : rows) EXPECT_TRUE(r.error.empty()) << r.name << ": " << r.error;
  // int4 with one fp32 scale per row of 16: 4 + 32/16 = 6 bits/weight; keep 2 columns adds
  // (16·8·2 + 32·2)/128 = 2.5; rank 2 adds 16·2·(8 + 16)/128 = 6; rotate and smooth add none.
  EXPECT_DOUBLE_EQ(rows[0].bits_per_weight, 6.0);
  EXPECT_DOUBLE_EQ(rows[1].bits_per_weight, 8.5);
  EXPECT_DOUBLE_EQ(rows[2].bits_per_weight, 6.0);
  EXPECT_DOUBLE_EQ(rows[3].bits_per_weight, 6.0);
  EXPECT_DOUBLE_EQ(rows[4].bits_per_weight, 12.0);
  EXPECT_EQ(rows[1].spec, "absmax:bits=4,gran=channel,axis=0,keep=2");
  // Keeping the two outlier columns zeroes them in x′, and the rest's grid is finer.
  for (int64_t r = 0; r < kLessonOutlierRows; ++r) {
    EXPECT_EQ(rows[1].xp[size_t(r * 16 + 3)], 0.0f);
    EXPECT_EQ(rows[1].xp[size_t(r * 16 + 11)], 0.0f);
  }
  EXPECT_GT(rows[1].sqnr_db, rows[0].sqnr_db + 6.0);
  // The rotation spreads the outliers: x′ is far less peaked than x.
  EXPECT_LT(rows[2].absmax_over_sigma, rows[0].absmax_over_sigma);
  EXPECT_LT(rows[2].excess_kurtosis, rows[0].excess_kurtosis);
  // Smoothing: the activations' largest maximum is a_5 = a_9 = 1.25 · 30 = 37.5.
  EXPECT_DOUBLE_EQ(rows[3].act_step_before, 37.5 / 127.0);
  EXPECT_LT(rows[3].act_step_after, rows[3].act_step_before);
  EXPECT_EQ(rows[0].act_step_before, 0.0);
  // x′ of the base row is x itself.
  EXPECT_EQ(rows[0].xp, x);
}

}  // namespace
}  // namespace qs
