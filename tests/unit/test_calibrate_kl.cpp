// KL (TensorRT-style entropy) calibration: hand-made merges, the divergence against its
// definition, and the thresholds it picks on uniform, Gaussian and degenerate data.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "analysis/quant/calibrate.h"
#include "analysis/quant/scheme.h"
#include "tests/unit/calibrate_test_util.h"

namespace qs {
namespace {

using test::normals;
using test::with_clip;

// [SECTION] KL (entropy) calibration

constexpr double kEps = 1e-10;  // Q where P > 0 but Q = 0 (calibrate.cpp)

TEST(Kl, HandMadeMerges) {
  // hist = [2,0,1,1], keep i = 4, L = 2 buckets {0,1}, {2,3}:
  //   P = [2,0,1,1]/4; Q: bucket 0 mass 2 on its one non-empty bin, bucket 1 mass 2
  //   spread over 2 bins → [2,0,1,1]/4 = P, KL = 0.
  EXPECT_NEAR(kl_divergence(std::vector<double>{2, 0, 1, 1}, 4, 2), 0.0, 1e-15);

  // hist = [1,2,3], i = 3, L = 2: bin j → bucket ⌊2j/3⌋ = 0,0,1.
  //   P = [1,2,3]/6; Q = [1.5,1.5,3]/6.
  //   KL = 1/6·ln(1/1.5) + 2/6·ln(2/1.5) + 3/6·ln(1) = 0.0282...
  const double k1 = 1.0 / 6 * std::log(1 / 1.5) + 2.0 / 6 * std::log(2 / 1.5);
  EXPECT_NEAR(kl_divergence(std::vector<double>{1, 2, 3}, 3, 2), k1, 1e-14);

  // hist = [1,3,2,0,2], i = 4, L = 2: outliers Σhist[4:] = 2 go to P[3].
  //   P = [1,3,2,2]/8; Q from [1,3,2,0]: bucket 0 (bins 0,1) mass 4 → 2,2;
  //   bucket 1 (bins 2,3) mass 2 on bin 2 only → Q = [2,2,2,0]/6.
  //   P[3] > 0 = Q[3] → ε.
  const double k2 =
      1.0 / 8 * std::log((1.0 / 8) / (1.0 / 3)) + 3.0 / 8 * std::log((3.0 / 8) / (1.0 / 3)) +
      2.0 / 8 * std::log((2.0 / 8) / (1.0 / 3)) + 2.0 / 8 * std::log((2.0 / 8) / kEps);
  EXPECT_NEAR(kl_divergence(std::vector<double>{1, 3, 2, 0, 2}, 4, 2), k2, 1e-12);

  // hist = [3,1,4,2], i = 4, L = 4: no merging, the only difference is nothing: KL = 0.
  EXPECT_NEAR(kl_divergence(std::vector<double>{3, 1, 4, 2}, 4, 4), 0.0, 1e-15);
  // Same with i = 2, L = 2: P = [3, 1+6]/10, Q = [3,1]/4.
  const double k3 = 0.3 * std::log(0.3 / 0.75) + 0.7 * std::log(0.7 / 0.25);
  EXPECT_NEAR(kl_divergence(std::vector<double>{3, 1, 4, 2}, 2, 2), k3, 1e-14);
}

// KL written directly from the definition, bin by bin.
double kl_direct(const std::vector<double>& h, size_t i, size_t levels) {
  double total = 0, kept = 0;
  for (double v : h) total += v;
  for (size_t j = 0; j < i; ++j) kept += h[j];
  std::vector<double> p(h.begin(), h.begin() + std::ptrdiff_t(i));
  p[i - 1] += total - kept;
  std::vector<double> mass(levels, 0.0), nonempty(levels, 0.0), q(i, 0.0);
  for (size_t j = 0; j < i; ++j) {
    mass[j * levels / i] += h[j];
    nonempty[j * levels / i] += h[j] > 0 ? 1 : 0;
  }
  for (size_t j = 0; j < i; ++j)
    if (h[j] > 0) q[j] = mass[j * levels / i] / nonempty[j * levels / i] / kept;
  double kl = 0;
  for (size_t j = 0; j < i; ++j) {
    if (p[j] == 0) continue;
    const double pj = p[j] / total;
    kl += pj * std::log(pj / (q[j] > 0 ? q[j] : kEps));
  }
  return kl;
}

TEST(Kl, DivergenceMatchesTheDefinitionOnRandomHistograms) {
  std::mt19937_64 rng(21);
  std::uniform_int_distribution<int> count(0, 50);
  for (int a = 0; a < 200; ++a) {
    const size_t bins = 8 + size_t(rng() % 300);
    std::vector<double> h(bins);
    for (double& v : h) v = (rng() % 4 == 0) ? 0.0 : double(count(rng));
    h[0] += 1;  // never all empty
    const size_t levels = 1 + rng() % 8;
    const size_t i = levels + rng() % (bins - levels + 1);
    const double want = kl_direct(h, i, levels);
    EXPECT_NEAR(kl_divergence(h, i, levels), want, 1e-9 * (1 + std::fabs(want)))
        << "bins " << bins << " i " << i << " L " << levels;
  }
}

TEST(Kl, UniformDataKeepsTheWholeRange) {
  // |x| spread evenly over all 2048 bins: at i = 2048 P = Q (every bucket's bins hold the
  // same count), KL = 0; any i < 2048 folds outliers into bin i-1 and KL > 0. So
  // T = min(2048.5·w, amax) = amax.
  std::vector<float> x;
  for (int j = 0; j < 2048 * 8; ++j) x.push_back((float(j) + 0.5f) / float(2048 * 8));
  x.push_back(1.0f);
  EXPECT_EQ(kl_threshold(x, 8), 1.0f);
}

TEST(Kl, GaussianEightBitThresholdBounds) {
  // For N(0,1), 8 bits: clipping below 2σ folds > 4.5% of the mass into one bin (a large
  // KL) while the far tail beyond 6σ holds no samples at all here, so 2 < T <= amax (< 6).
  const std::vector<float> x = normals(200000, 7);
  float amax = 0;
  for (float v : x) amax = std::max(amax, std::fabs(v));
  ASSERT_LT(amax, 6.0f);
  const float t = kl_threshold(x, 8);
  EXPECT_GT(t, 2.0f);
  EXPECT_LE(t, amax);
  // One huge outlier: the threshold stays with the bulk, far below it.
  std::vector<float> y = x;
  y.push_back(1000.0f);
  const float ty = kl_threshold(y, 8);
  EXPECT_LT(ty, 100.0f);
  EXPECT_GT(ty, 1.0f);
  // calibrate: absmax symmetric, minmax intersected with the data.
  const ClipRange r = calibrate(y, with_clip(Kind::Absmax, 8, ClipMethod::Kl));
  EXPECT_EQ(r.hi, ty);
  EXPECT_EQ(r.lo, -ty);
  const ClipRange m = calibrate(y, with_clip(Kind::Minmax, 8, ClipMethod::Kl));
  const float mn = *std::min_element(y.begin(), y.end());
  EXPECT_EQ(m.lo, std::max(mn, -ty));
  EXPECT_EQ(m.hi, ty);
}

TEST(Kl, DegenerateInputs) {
  EXPECT_EQ(kl_threshold(std::vector<float>(10, 0.0f), 8), 0.0f);
  const ClipRange z =
      calibrate(std::vector<float>(10, 0.0f), with_clip(Kind::Absmax, 8, ClipMethod::Kl));
  EXPECT_EQ(z.lo, 0.0f);
  EXPECT_EQ(z.hi, 0.0f);
  // All values equal: all mass in the last bin; only i = 2048 keeps it unfolded → amax.
  EXPECT_EQ(kl_threshold(std::vector<float>(10, -3.0f), 8), 3.0f);
  // 16 bits: more levels than bins → no merging → the whole range.
  EXPECT_EQ(kl_threshold(normals(1000, 8), 16), [] {
    float m = 0;
    for (float v : normals(1000, 8)) m = std::max(m, std::fabs(v));
    return m;
  }());
}

}  // namespace
}  // namespace qs
