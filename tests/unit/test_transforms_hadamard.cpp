// The Hadamard rotation (analysis/transforms/hadamard.h): small cases worked by hand,
// the splitmix64 signs, orthogonality bounds, fast == ref bit for bit, thread counts.
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cmath>
#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "analysis/transforms/hadamard.h"

namespace {

using qs::MatrixShape;

std::vector<float> forward(const std::vector<float>& x, MatrixShape m,
                           std::optional<uint64_t> seed = std::nullopt, int threads = 0) {
  std::vector<float> out(x.size(), -99.0f);
  qs::hadamard_forward(x, m, seed, out, threads);
  return out;
}

std::vector<float> inverse(const std::vector<float>& x, MatrixShape m,
                           std::optional<uint64_t> seed = std::nullopt, int threads = 0) {
  std::vector<float> out(x.size(), -99.0f);
  qs::hadamard_inverse(x, m, seed, out, threads);
  return out;
}

std::vector<float> normal(size_t n, uint32_t seed, float sd = 1.0f) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d(0.0f, sd);
  std::vector<float> x(n);
  for (float& v : x) v = d(g);
  return x;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(HadamardBlock, LargestPowerOfTwoDividingCols) {
  EXPECT_EQ(qs::hadamard_block(12), 4);
  EXPECT_EQ(qs::hadamard_block(7), 1);
  EXPECT_EQ(qs::hadamard_block(4096), 4096);
  EXPECT_EQ(qs::hadamard_block(11008), 256);  // 11008 = 43·256
  EXPECT_EQ(qs::hadamard_block(6), 2);
  EXPECT_EQ(qs::hadamard_block(1), 1);
  EXPECT_EQ(qs::hadamard_block(0), 1);
}

TEST(HadamardSigns, Splitmix64FromSeedZero) {
  const std::vector<uint64_t> z = qs::splitmix64_outputs(0, 4);
  ASSERT_EQ(z.size(), 4u);
  EXPECT_EQ(z[0], 0xE220A8397B1DCDAFull);
  EXPECT_EQ(z[1], 0x6E789E6AA1B965F4ull);
  EXPECT_EQ(z[2], 0x06C45D188009454Full);
  EXPECT_EQ(z[3], 0xF88BB8A8724C81ECull);  // the 4th, by an independent 64-bit computation
  // Top bits 1, 0, 0, 1 → d = −1, +1, +1, −1; no seed → all +1.
  EXPECT_EQ(qs::hadamard_signs(4, 0), (std::vector<float>{-1, 1, 1, -1}));
  EXPECT_EQ(qs::hadamard_signs(3, std::nullopt), (std::vector<float>{1, 1, 1}));
  // Another seed gives another stream (state starts at the seed).
  EXPECT_NE(qs::splitmix64_outputs(1, 1)[0], z[0]);
}

TEST(HadamardForward, H2ByHand) {
  // [1, 2]·H_2 = [1 + 2, 1 − 2] = [3, −1], over √2.
  const std::vector<float> y = forward({1, 2}, {1, 2});
  EXPECT_EQ(y[0], float(3.0 / std::sqrt(2.0)));
  EXPECT_EQ(y[1], float(-1.0 / std::sqrt(2.0)));
  EXPECT_FLOAT_EQ(y[0], 2.1213203f);
  EXPECT_FLOAT_EQ(y[1], -0.70710677f);
}

TEST(HadamardForward, H4TwoRowsByHand) {
  // H_4 rows: [1 1 1 1], [1 −1 1 −1], [1 1 −1 −1], [1 −1 −1 1]; √4 = 2.
  // [1 2 3 4]·H_4 = [10, −2, −4, 0] → [5, −1, −2, 0]; [1 0 0 0] → [1 1 1 1]/2.
  const std::vector<float> y = forward({1, 2, 3, 4, 1, 0, 0, 0}, {2, 4});
  EXPECT_EQ(y, (std::vector<float>{5, -1, -2, 0, 0.5f, 0.5f, 0.5f, 0.5f}));
  EXPECT_EQ(inverse(y, {2, 4}), (std::vector<float>{1, 2, 3, 4, 1, 0, 0, 0}));
}

TEST(HadamardForward, SeededH4ByHand) {
  // Seed 0: d = [−1, 1, 1, −1]; v ⊙ d = [−1, 2, 3, −4]; ·H_4 = [0, 4, 2, −10]; /2.
  const std::vector<float> y = forward({1, 2, 3, 4}, {1, 4}, 0);
  EXPECT_EQ(y, (std::vector<float>{0, 2, 1, -5}));
  // Inverse: [0 2 1 −5]·H_4/2 = [−1, 2, 3, −4], then ⊙ d = [1, 2, 3, 4].
  EXPECT_EQ(inverse(y, {1, 4}, 0), (std::vector<float>{1, 2, 3, 4}));
}

TEST(HadamardForward, TwelveColumnsRotateInBlocksOfFour) {
  // cols = 12 → b = 4, three blocks per row; [0 0 0 2]·H_4 = [2, −2, −2, 2] → /2.
  const std::vector<float> y = forward({1, 2, 3, 4, 1, 0, 0, 0, 0, 0, 0, 2}, {1, 12});
  EXPECT_EQ(y, (std::vector<float>{5, -1, -2, 0, 0.5f, 0.5f, 0.5f, 0.5f, 1, -1, -1, 1}));
}

TEST(HadamardForward, OddColumnsOnlySignsAct) {
  // cols = 7 → b = 1: x′ = x ⊙ d exactly; d from seed 0 = [−1 1 1 −1 1 1 1].
  const std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f};
  EXPECT_EQ(forward(x, {2, 7}, 0), (std::vector<float>{-1, 2, 3, -4, 5, 6, 7, -0.1f, 0.2f, 0.3f,
                                                       -0.4f, 0.5f, 0.6f, 0.7f}));
  EXPECT_EQ(forward(x, {2, 7}), x);  // no seed, b = 1: the identity
  EXPECT_EQ(inverse(forward(x, {2, 7}, 0), {2, 7}, 0), x);
}

TEST(HadamardForward, SpikeSpreadsEvenly) {
  // e_0·H_8/√8: every entry 1/√8 (the incoherence the rotation is for).
  std::vector<float> x(8, 0.0f);
  x[0] = 1;
  for (float v : forward(x, {1, 8})) EXPECT_EQ(v, float(1.0 / std::sqrt(8.0)));
}

// Round trip bound, by hand: x′ = H̃x + e with |e_k| ≤ 2^-24·|x′_k| (one float32 rounding;
// H̃ = diag(d)·H_b/√b is orthogonal), so H̃ᵀx′ = x + H̃ᵀe and |(H̃ᵀe)_i| ≤ ‖e‖₂ ≤
// 2^-24·‖x_block‖₂ (each row of H̃ᵀ has unit norm); x̂ adds its own half ulp. The float64
// butterflies add ~log2(b)·2^-53 relative, 2^-40 of the bound's scale: covered by 1.01.
TEST(HadamardRoundTrip, WithinOneRoundingOfTheBlockNorm) {
  for (const MatrixShape m :
       {MatrixShape{16, 256}, MatrixShape{3, 4096}, MatrixShape{5, 24}, MatrixShape{1, 1 << 15}}) {
    const std::vector<float> x = normal(size_t(m.numel()), 7);
    const std::vector<float> y = forward(x, m, 12345);
    const std::vector<float> back = inverse(y, m, 12345);
    const int64_t b = qs::hadamard_block(m.cols);
    double worst = 0;
    for (int64_t r = 0; r < m.rows; ++r)
      for (int64_t j0 = 0; j0 < m.cols; j0 += b) {
        double n2 = 0;
        for (int64_t k = 0; k < b; ++k)
          n2 += double(x[size_t(r * m.cols + j0 + k)]) * x[size_t(r * m.cols + j0 + k)];
        for (int64_t k = 0; k < b; ++k) {
          const size_t i = size_t(r * m.cols + j0 + k);
          const double bound =
              1.01 * (std::ldexp(std::sqrt(n2), -24) + 0.5 * std::ldexp(std::fabs(x[i]), -23));
          const double err = std::fabs(double(back[i]) - x[i]);
          ASSERT_LE(err, bound) << m.rows << "x" << m.cols << " at " << i;
          worst = std::max(worst, err / bound);
        }
      }
    EXPECT_GT(worst, 0.0);  // the bound is not vacuous: some element did round
  }
}

// Σx′² = Σx² up to the float32 roundings: |x′_k² − (H̃x)_k²| ≤ (2·2^-24 + 2^-48)·x′_k².
TEST(HadamardRoundTrip, PreservesSumOfSquares) {
  const MatrixShape m{64, 1024};
  const std::vector<float> x = normal(size_t(m.numel()), 3, 0.02f);
  const std::vector<float> y = forward(x, m, 99);
  double sx = 0, sy = 0;
  for (size_t i = 0; i < x.size(); ++i) sx += double(x[i]) * x[i], sy += double(y[i]) * y[i];
  EXPECT_LE(std::fabs(sy - sx), 2.01 * std::ldexp(sx, -24));
  EXPECT_NE(sy, sx);  // and it is a rounding, not a copy
}

// The fast kernel (Highway, butterflies in registers and L1 sub-blocks) performs the
// reference's float64 operations in the reference's order: same bits.
TEST(HadamardFast, EqualsRefBitForBit) {
  const std::vector<MatrixShape> shapes = {{1, 1},     {3, 2},       {4, 4},       {2, 6},
                                           {5, 7},     {7, 8},       {3, 12},      {2, 16},
                                           {9, 96},    {4, 1000},    {3, 4096},    {2, 6144},
                                           {2, 24576}, {1, 1 << 20}, {1, 3 << 13}, {33, 11008}};
  uint32_t k = 0;
  for (const MatrixShape m : shapes)
    for (const std::optional<uint64_t> seed :
         {std::optional<uint64_t>(), std::optional<uint64_t>(0),
          std::optional<uint64_t>(0xFFFFFFFFFFFFFFFFull)}) {
      const std::vector<float> x = normal(size_t(m.numel()), ++k);
      std::vector<float> ref(x.size()), inv_ref(x.size());
      qs::hadamard_forward_ref(x, m, seed, ref);
      EXPECT_TRUE(same_bits(forward(x, m, seed), ref)) << m.rows << "x" << m.cols;
      qs::hadamard_inverse_ref(x, m, seed, inv_ref);
      EXPECT_TRUE(same_bits(inverse(x, m, seed), inv_ref)) << m.rows << "x" << m.cols;
    }
}

// Every SIMD target this machine runs (AVX-512, AVX2, SSE4, ..., emulation), each with its
// own lane count and so its own split between register and memory stages.
TEST(HadamardFast, EveryTargetEqualsRef) {
  const std::vector<MatrixShape> shapes = {{3, 2},  {2, 4},    {2, 8},      {3, 16},
                                           {5, 96}, {2, 8192}, {1, 3 << 12}};
  int targets = 0;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    ++targets;
    for (const MatrixShape m : shapes) {
      const std::vector<float> x = normal(size_t(m.numel()), uint32_t(m.cols));
      std::vector<float> ref(x.size()), inv_ref(x.size());
      qs::hadamard_forward_ref(x, m, 5, ref);
      qs::hadamard_inverse_ref(x, m, 5, inv_ref);
      EXPECT_TRUE(same_bits(forward(x, m, 5), ref))
          << hwy::TargetName(target) << " " << m.rows << "x" << m.cols;
      EXPECT_TRUE(same_bits(inverse(x, m, 5), inv_ref))
          << hwy::TargetName(target) << " " << m.rows << "x" << m.cols;
    }
  }
  hwy::SetSupportedTargetsForTest(0);
  EXPECT_GE(targets, 1);
}

TEST(HadamardFast, InPlaceAndAnyThreadCount) {
  const MatrixShape m{37, 3072};  // b = 1024, several row tiles
  const std::vector<float> x = normal(size_t(m.numel()), 5);
  const std::vector<float> one = forward(x, m, 42, 1);
  EXPECT_TRUE(same_bits(forward(x, m, 42, 2), one));
  EXPECT_TRUE(same_bits(forward(x, m, 42, 7), one));
  EXPECT_TRUE(same_bits(inverse(one, m, 42, 7), inverse(one, m, 42, 1)));
  std::vector<float> in_place = x;
  qs::hadamard_forward(in_place, m, 42, in_place, 2);
  EXPECT_TRUE(same_bits(in_place, one));
  qs::hadamard_inverse(in_place, m, 42, in_place, 2);
  EXPECT_TRUE(same_bits(in_place, inverse(one, m, 42, 1)));
}

TEST(HadamardFast, ControlCountsRowsAndCancels) {
  const MatrixShape m{100, 64};
  const std::vector<float> x = normal(size_t(m.numel()), 8);
  qs::RunControl c;
  std::vector<float> out(x.size());
  qs::hadamard_forward(x, m, std::nullopt, out, 2, &c);
  EXPECT_EQ(c.total.load(), 100);
  EXPECT_EQ(c.done.load(), 100);
  qs::RunControl stop;
  stop.cancel = true;
  std::vector<float> untouched(x.size(), -99.0f);
  qs::hadamard_forward(x, m, std::nullopt, untouched, 2, &stop);
  EXPECT_EQ(stop.done.load(), 0);
  EXPECT_EQ(untouched, std::vector<float>(x.size(), -99.0f));
}

TEST(HadamardFast, EmptyMatrixIsANoOp) {
  std::vector<float> none;
  qs::RunControl c;
  qs::hadamard_forward(none, {0, 0}, 1, none, 0, &c);
  qs::hadamard_inverse(none, {0, 5}, std::nullopt, none);
  EXPECT_EQ(c.total.load(), 0);
  EXPECT_EQ(c.done.load(), 0);
}

}  // namespace
