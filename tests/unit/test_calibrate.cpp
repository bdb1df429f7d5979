// Tests for analysis/calibrate: percentiles against hand-computed NumPy values, against
// the sorting oracle (bit for bit, thousands of arrays) and against np.percentile itself;
// every clip method on a case whose answer follows from its definition; the MSE search
// against an MSE written here from DESIGN.md's formula (not via quant_math); the KL
// divergence of hand-made histograms worked out on paper. Schemes are built field by
// field (not parsed), so only calibrate and quant_math are under test here.
#include <gtest/gtest.h>
#include <unistd.h>
#include <hwy/targets.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "analysis/quant/calibrate.h"
#include "analysis/quant/scheme.h"
#include "tests/unit/calibrate_test_util.h"
#include "tests/unit/fixture_files.h"

namespace qs {
namespace {

using test::normals;
using test::with_clip;

uint64_t bits_of(double v) {
  return std::bit_cast<uint64_t>(v);
}

// Bitwise equality of two doubles (so -0 != +0 and no tolerance).
#define EXPECT_SAME_DOUBLE(a, b) EXPECT_EQ(bits_of(a), bits_of(b)) << (a) << " vs " << (b)

// [SECTION] Percentile: hand-computed NumPy values
//
// np.percentile, method='linear': r = p/100·(n-1), v[⌊r⌋] + (r-⌊r⌋)(v[⌊r⌋+1]-v[⌊r⌋]).

TEST(Percentile, HandValues) {
  const std::vector<float> a = {5, 3, 1, 4, 2};  // sorted 1..5
  for (auto* fn : {&percentile, &percentile_ref}) {
    EXPECT_DOUBLE_EQ(fn(a, 90), 4.6);   // r = 3.6: 4 + 0.6·1
    EXPECT_DOUBLE_EQ(fn(a, 25), 2.0);   // r = 1.0 exactly
    EXPECT_DOUBLE_EQ(fn(a, 50), 3.0);   // r = 2
    EXPECT_DOUBLE_EQ(fn(a, 0), 1.0);    // the minimum
    EXPECT_DOUBLE_EQ(fn(a, 100), 5.0);  // the maximum
    EXPECT_DOUBLE_EQ(fn(a, 10), 1.4);   // r = 0.4
    const std::vector<float> b = {-3, 10, 0.5};
    EXPECT_DOUBLE_EQ(fn(b, 50), 0.5);   // the middle one
    EXPECT_DOUBLE_EQ(fn(b, 75), 5.25);  // r = 1.5: 0.5 + 0.5·9.5
    EXPECT_DOUBLE_EQ(fn(b, 0), -3.0);
    std::vector<float> c(1000);
    for (int i = 0; i < 1000; ++i) c[size_t(i)] = float(999 - i);
    EXPECT_NEAR(fn(c, 99.9), 998.001, 1e-9);  // r = 998.001
    EXPECT_NEAR(fn(c, 0.1), 0.999, 1e-9);     // r = 0.999
    const std::vector<float> one = {-7.25f};
    EXPECT_DOUBLE_EQ(fn(one, 0), -7.25);
    EXPECT_DOUBLE_EQ(fn(one, 37.5), -7.25);
    EXPECT_DOUBLE_EQ(fn(one, 100), -7.25);
    const std::vector<float> same(777, 0.125f);
    EXPECT_DOUBLE_EQ(fn(same, 99.9), 0.125);
    // Two values: r = p/100, so the result is linear in p between them.
    const std::vector<float> two = {-1.0f, 3.0f};
    EXPECT_DOUBLE_EQ(fn(two, 25), 0.0);
    EXPECT_DOUBLE_EQ(fn(two, 80), 2.2);
  }
}

TEST(Percentile, SignedZerosAndDenormals) {
  const float dmin = std::numeric_limits<float>::denorm_min();
  // Sorted: -2·dmin, -dmin, -0, +0, dmin, 3·dmin.
  const std::vector<float> x = {0.0f, -dmin, 3 * dmin, -0.0f, dmin, -2 * dmin};
  for (auto* fn : {&percentile, &percentile_ref}) {
    EXPECT_DOUBLE_EQ(fn(x, 0), -2.0 * double(dmin));
    EXPECT_DOUBLE_EQ(fn(x, 100), 3.0 * double(dmin));
    EXPECT_DOUBLE_EQ(fn(x, 20), -double(dmin));  // r = 1
    EXPECT_EQ(fn(x, 40), 0.0);                   // r = 2: the -0
    EXPECT_TRUE(std::signbit(fn(x, 40)));
    EXPECT_FALSE(std::signbit(fn(x, 60)));            // r = 3: the +0
    EXPECT_DOUBLE_EQ(fn(x, 90), 2.0 * double(dmin));  // r = 4.5: dmin + 0.5·2dmin
  }
}

// A mix of the distributions that stress a histogram: heavy duplicates, narrow ranges,
// heavy tails, single outliers, signed zeros, denormals, all-equal.
std::vector<float> random_array(std::mt19937_64& rng, size_t n, int kind) {
  std::vector<float> x(n);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> unif(-1.0f, 1.0f);
  std::exponential_distribution<float> expo(1.0f);
  std::uniform_int_distribution<int> small_int(-3, 3);
  for (size_t i = 0; i < n; ++i) {
    switch (kind) {
      case 0:
        x[i] = normal(rng) * 0.02f;
        break;
      case 1:
        x[i] = float(small_int(rng)) * 0.5f;
        break;  // heavy duplicates
      case 2:
        x[i] = (rng() & 1 ? 1.0f : -1.0f) * expo(rng);
        break;  // laplace
      case 3:
        x[i] = normal(rng);
        break;
      case 4:
        x[i] = 1.0f + unif(rng) * 1e-6f;
        break;  // everything in one radix bin
      case 5:
        x[i] = (rng() % 3 == 0) ? -0.0f : ((rng() & 1) ? 0.0f : unif(rng) * 1e-39f);
        break;
      case 6:
        x[i] = 2.5f;
        break;  // all equal
      case 7:
        x[i] = std::pow(normal(rng), 5.0f);
        break;  // very heavy tails
      default:
        x[i] = unif(rng) * 1000.0f;
        break;
    }
  }
  if (kind == 3 && n > 1) x[rng() % n] = 1e30f;    // one huge outlier
  if (kind == 0 && n > 2) x[rng() % n] = -300.0f;  // one negative outlier
  return x;
}

const double kPs[] = {0, 0.1, 1, 5, 25, 33.3, 49.99, 50, 50.01, 75, 90, 99, 99.9, 99.99, 100};

TEST(Percentile, EqualsOracleOnThousandsOfSmallArrays) {
  std::mt19937_64 rng(12345);
  std::uniform_int_distribution<size_t> size(1, 5000);
  std::uniform_real_distribution<double> anyp(0.0, 100.0);
  int checked = 0;
  for (int a = 0; a < 3000; ++a) {
    const size_t n = a < 50 ? size_t(a + 1) : size(rng);
    const std::vector<float> x = random_array(rng, n, a % 9);
    for (double p : kPs) {
      EXPECT_SAME_DOUBLE(percentile(x, p), percentile_ref(x, p));
      ++checked;
    }
    const double p = anyp(rng);
    EXPECT_SAME_DOUBLE(percentile(x, p), percentile_ref(x, p));
  }
  EXPECT_EQ(checked, 3000 * 15);
}

TEST(Percentile, EqualsOracleOnLargeArrays) {
  // Above the small-group cutoff: the two-pass radix selection.
  std::mt19937_64 rng(777);
  std::uniform_int_distribution<size_t> size(20000, 300000);
  std::uniform_real_distribution<double> anyp(0.0, 100.0);
  for (int a = 0; a < 27; ++a) {
    const std::vector<float> x = random_array(rng, size(rng), a % 9);
    for (double p : kPs) EXPECT_SAME_DOUBLE(percentile(x, p), percentile_ref(x, p));
    for (int j = 0; j < 3; ++j) {
      const double p = anyp(rng);
      EXPECT_SAME_DOUBLE(percentile(x, p), percentile_ref(x, p));
    }
  }
}

TEST(Percentile, NextOrderStatisticInALaterBin) {
  // Ranks k and k+1 fall in different (and non-adjacent) radix bins: 100000 values at
  // -1, then a gap, then 100000 values at 1e20. p = 50 on n = 200000: r = 99999.5.
  std::vector<float> x(200000, -1.0f);
  std::fill(x.begin() + 100000, x.end(), 1e20f);
  EXPECT_DOUBLE_EQ(percentile(x, 50), percentile_ref(x, 50));
  EXPECT_DOUBLE_EQ(percentile(x, 50), 0.5 * double(1e20f));  // -0.5 is below one ulp
}

TEST(Percentile, EverySimdTargetAgrees) {
  // The radix passes, min/max and the KL histogram run Highway kernels picked at run
  // time; each target this machine supports (AVX-512, AVX2, SSE4, ..., scalar emulation)
  // must give the oracle's answer.
  std::mt19937_64 rng(31);
  std::vector<std::vector<float>> arrays;
  for (int kind = 0; kind < 9; ++kind)
    arrays.push_back(random_array(rng, 40000 + size_t(kind) * 7, kind));
  std::vector<float> want_kl;
  for (const auto& x : arrays) want_kl.push_back(kl_threshold(x, 8));
  int targets = 0;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    ++targets;
    for (size_t a = 0; a < arrays.size(); ++a) {
      for (double p : {0.0, 0.1, 50.0, 99.9, 100.0}) {
        EXPECT_SAME_DOUBLE(percentile(arrays[a], p), percentile_ref(arrays[a], p));
      }
      EXPECT_EQ(kl_threshold(arrays[a], 8), want_kl[a]) << hwy::TargetName(target);
      const ClipRange r = calibrate(arrays[a], with_clip(Kind::Minmax, 8, ClipMethod::None));
      EXPECT_EQ(r.lo, *std::min_element(arrays[a].begin(), arrays[a].end()));
      EXPECT_EQ(r.hi, *std::max_element(arrays[a].begin(), arrays[a].end()));
    }
  }
  hwy::SetSupportedTargetsForTest(0);
  EXPECT_GE(targets, 1);
}

// [SECTION] Percentile against NumPy itself

using test::have_numpy;

TEST(Percentile, MatchesNumpy) {
  if (!have_numpy()) GTEST_SKIP() << QS_PYTHON << " has no numpy";
  std::mt19937_64 rng(99);
  const std::string dir = ::testing::TempDir();
  for (int a = 0; a < 9; ++a) {
    const size_t n = a % 2 ? 100003 : 4097;
    const std::vector<float> x = random_array(rng, n, a);
    // The pid keeps two test runs at once (two build trees) from sharing a file.
    const std::string file = dir + "/calib_percentile_" + std::to_string(::getpid()) + "_" + std::to_string(a) + ".f32";
    {
      std::ofstream f(file, std::ios::binary);
      f.write(reinterpret_cast<const char*>(x.data()), std::streamsize(x.size() * 4));
    }
    std::string cmd =
        std::string(QS_PYTHON) + " " + QS_TEST_SCRIPTS_DIR + "/calib_percentile.py " + file;
    // (append piecewise: `"lit" + std::string&&` trips a g++ 12 -Wrestrict false positive)
    for (double p : kPs) cmd.append(" ").append(std::to_string(p));
    for (double p : {99.9, 50.0, 0.0}) cmd.append(" a").append(std::to_string(p));
    FILE* pipe = ::popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::vector<double> np;
    char line[128];
    while (std::fgets(line, sizeof line, pipe)) np.push_back(std::strtod(line, nullptr));
    ASSERT_EQ(::pclose(pipe), 0) << cmd;
    ASSERT_EQ(np.size(), std::size(kPs) + 3);
    size_t i = 0;
    for (double p : kPs) {
      // std::to_string printed p with 6 decimals: every p in kPs survives that exactly.
      EXPECT_EQ(percentile(x, p), np[i]) << "kind " << a << " p " << p;
      ++i;
    }
    // |x|: through calibrate (absmax, percentile clip), rounded to float.
    for (double p : {99.9, 50.0, 0.0}) {
      Scheme s = with_clip(Kind::Absmax, 8, ClipMethod::Percentile);
      s.clip.p = p;
      const ClipRange r = calibrate(x, s);
      EXPECT_EQ(r.hi, float(np[i])) << "kind " << a << " |x| p " << p;
      EXPECT_EQ(r.lo, -float(np[i]));
      ++i;
    }
    std::filesystem::remove(file);
  }
}

// [SECTION] calibrate: none, range, percentile, sigma

TEST(Calibrate, NoneIsTheDataRange) {
  const std::vector<float> x = {-0.5f, 2.0f, -3.0f, 1.0f};
  const ClipRange a = calibrate(x, with_clip(Kind::Absmax, 8, ClipMethod::None));
  EXPECT_EQ(a.lo, -3.0f);
  EXPECT_EQ(a.hi, 3.0f);
  const ClipRange m = calibrate(x, with_clip(Kind::Minmax, 8, ClipMethod::None));
  EXPECT_EQ(m.lo, -3.0f);
  EXPECT_EQ(m.hi, 2.0f);
  const ClipRange f = calibrate(x, with_clip(Kind::NF4, 4, ClipMethod::None));
  EXPECT_EQ(f.lo, -3.0f);
  EXPECT_EQ(f.hi, 3.0f);
}

TEST(Calibrate, RangeIsReturnedAsGiven) {
  const std::vector<float> x = {-10.0f, 0.0f, 10.0f};
  Scheme a = with_clip(Kind::Minmax, 8, ClipMethod::Range);
  a.clip.lo = -5;
  a.clip.hi = 2.5;
  const ClipRange r = calibrate(x, a);
  EXPECT_EQ(r.lo, -5.0f);
  EXPECT_EQ(r.hi, 2.5f);
  Scheme b = with_clip(Kind::Absmax, 4, ClipMethod::Range);
  b.clip.lo = -0.75;
  b.clip.hi = 0.75;
  const ClipRange q = calibrate(x, b);
  EXPECT_EQ(q.lo, -0.75f);
  EXPECT_EQ(q.hi, 0.75f);
}

TEST(Calibrate, PercentileAbsmaxUsesAbsoluteValues) {
  // |x| = 1..10 (signs alternate). P90(|x|): r = 8.1 → 9 + 0.1 = 9.1.
  // P90 of x itself would be 8.2 (sorted -9,-7,...,-1,2,4,...,10; r = 8.1 → 8 + 0.1·2).
  std::vector<float> x;
  for (int i = 1; i <= 10; ++i) x.push_back(i % 2 ? -float(i) : float(i));
  Scheme s = with_clip(Kind::Absmax, 8, ClipMethod::Percentile);
  s.clip.p = 90;
  const ClipRange r = calibrate(x, s);
  EXPECT_FLOAT_EQ(r.hi, 9.1f);
  EXPECT_FLOAT_EQ(r.lo, -9.1f);
  EXPECT_NEAR(percentile(x, 90), 8.2, 1e-12);
}

TEST(Calibrate, PercentileMinmaxUsesBothTails) {
  // 0..100: P_{1} = 1, P_{99} = 99.
  std::vector<float> x(101);
  for (int i = 0; i <= 100; ++i) x[size_t(i)] = float(i);
  Scheme s = with_clip(Kind::Minmax, 8, ClipMethod::Percentile);
  s.clip.p = 99;
  ClipRange r = calibrate(x, s);
  EXPECT_EQ(r.lo, 1.0f);
  EXPECT_EQ(r.hi, 99.0f);
  s.clip.p = 99.5;  // r = 99.5 and 0.5
  r = calibrate(x, s);
  EXPECT_EQ(r.lo, 0.5f);
  EXPECT_EQ(r.hi, 99.5f);
  s.clip.p = 10;  // below 50: the same, ordered, range as p = 90
  r = calibrate(x, s);
  EXPECT_EQ(r.lo, 10.0f);
  EXPECT_EQ(r.hi, 90.0f);
}

TEST(Calibrate, SigmaHandCases) {
  const std::vector<float> x = {-1, 1, -1, 1};  // μ = 0, σ = 1
  for (Kind kind : {Kind::Absmax, Kind::Minmax}) {
    Scheme s = with_clip(kind, 8, ClipMethod::Sigma);
    s.clip.k = 0.5;
    ClipRange r = calibrate(x, s);
    EXPECT_EQ(r.lo, -0.5f);
    EXPECT_EQ(r.hi, 0.5f);
    s.clip.k = 3;  // ±3 is wider than the data: clamped to [-1, 1]
    r = calibrate(x, s);
    EXPECT_EQ(r.lo, -1.0f);
    EXPECT_EQ(r.hi, 1.0f);
  }
  // Shifted data: x = {1, 3, 1, 3}: μ = 2, σ = 1. k = 0.5: minmax [1.5, 2.5];
  // absmax T = max(|1.5|, |2.5|) = 2.5.
  const std::vector<float> y = {1, 3, 1, 3};
  Scheme m = with_clip(Kind::Minmax, 8, ClipMethod::Sigma);
  m.clip.k = 0.5;
  ClipRange r = calibrate(y, m);
  EXPECT_EQ(r.lo, 1.5f);
  EXPECT_EQ(r.hi, 2.5f);
  Scheme a = with_clip(Kind::Absmax, 8, ClipMethod::Sigma);
  a.clip.k = 0.5;
  r = calibrate(y, a);
  EXPECT_EQ(r.lo, -2.5f);
  EXPECT_EQ(r.hi, 2.5f);
  a.clip.k = 2;  // μ+2σ = 4 > amax = 3: T = 3
  r = calibrate(y, a);
  EXPECT_EQ(r.hi, 3.0f);
}

// [SECTION] MSE-optimal threshold

// DESIGN.md absmax b bits with clip range [-T, T], float32 arithmetic:
// qmax = 2^(b-1)-1, s = T/qmax, inv = 1/s, q = clamp(rne(clamp(x)·inv)), x̂ = q·s.
double absmax_mse(const std::vector<float>& x, int bits, float t) {
  const float qmax = float((1 << (bits - 1)) - 1);
  const float s = t == 0.0f ? 1.0f : t / qmax;
  const float inv = 1.0f / s;
  double acc = 0.0;
  for (float v : x) {
    const float xc = std::clamp(v, -t, t);
    const float q = std::clamp(std::nearbyint(xc * inv), -qmax, qmax);
    const double e = double(v) - double(q * s);
    acc += e * e;
  }
  return acc / double(x.size());
}

TEST(Mse, ModerateOutlierIsClipped) {
  // 10000 N(0,1) + one 50. Keeping 50 (T = 50, s = 7.1) rounds every normal value to 0:
  // MSE ≈ E[x²] = 1. Clipping at T ≈ 3-4 costs (50-T)²/10001 ≈ 0.22 for the outlier
  // plus ≈ (T/7)²/12 ≈ 0.02 rounding: far cheaper. So 2 < T < 10.
  std::vector<float> x = normals(10000, 1);
  x.push_back(50.0f);
  const Scheme s = with_clip(Kind::Absmax, 4, ClipMethod::Mse);
  const float t = mse_optimal_threshold(x, s);
  EXPECT_GT(t, 2.0f);
  EXPECT_LT(t, 10.0f);
  EXPECT_LT(absmax_mse(x, 4, t), 0.5 * absmax_mse(x, 4, 50.0f));
  const ClipRange r = calibrate(x, s);
  EXPECT_EQ(r.hi, t);
  EXPECT_EQ(r.lo, -t);
}

TEST(Mse, HugeOutlierDominatesTheMeanAndIsKept) {
  // 10000 N(0,1) + one 1000, 4 bits (qmax = 7). Keeping it (T = 1000, s = 142.9): every
  // normal value (|x| < 5 < s/2) rounds to 0 and the outlier is exact, MSE ≈ E[x²] ≈ 1.
  // Any T < 1000 adds (1000-T)²/10001 for the outlier, and the normal values cost ≈ 1
  // until s/2 drops below ~3 (T < 42), where the outlier alone costs ≥ 958²/10001 ≈ 92.
  // So the optimum keeps the outlier: T = amax.
  std::vector<float> x = normals(10000, 2);
  x.push_back(1000.0f);
  EXPECT_EQ(mse_optimal_threshold(x, with_clip(Kind::Absmax, 4, ClipMethod::Mse)), 1000.0f);
}

TEST(Mse, UniformDataKeepsNearlyTheWholeRange) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(20000);
  for (float& v : x) v = u(rng);
  for (int bits : {4, 8}) {
    const float t = mse_optimal_threshold(x, with_clip(Kind::Absmax, bits, ClipMethod::Mse));
    EXPECT_GE(t, 0.9f) << bits;
    EXPECT_LE(t, 1.0f) << bits;
  }
}

TEST(Mse, NearOptimalAgainstAFineIndependentSweep) {
  // The 128+32 candidate search must be at least as good as 1000 evenly spaced thresholds
  // (up to 1% — the MSE curve is jagged at the scale of one step).
  for (uint64_t seed : {11u, 12u, 13u}) {
    std::vector<float> x = normals(5000, seed);
    x[0] = 8.0f;  // an outlier to make clipping worthwhile
    const float amax = 8.0f;
    for (int bits : {3, 4, 6}) {
      const float t = mse_optimal_threshold(x, with_clip(Kind::Absmax, bits, ClipMethod::Mse));
      const double got = absmax_mse(x, bits, t);
      double best = std::numeric_limits<double>::infinity();
      for (int j = 1; j <= 1000; ++j)
        best = std::min(best, absmax_mse(x, bits, amax * float(j) / 1000.0f));
      EXPECT_LE(got, best * 1.01) << "seed " << seed << " bits " << bits << " T " << t;
    }
  }
}

TEST(Mse, MinmaxShrinksBothEnds) {
  // Minmax: the range is [α·min, α·max]; with one outlier on the high side the optimum
  // shrinks α well below 1 and the range stays inside the data.
  std::vector<float> x = normals(10000, 4);
  x.push_back(50.0f);
  const Scheme s = with_clip(Kind::Minmax, 4, ClipMethod::Mse);
  const ClipRange r = mse_optimal_range(x, s);
  const float mn = *std::min_element(x.begin(), x.end());
  EXPECT_LT(r.hi, 25.0f);
  EXPECT_GT(r.hi, 2.0f);
  EXPECT_LT(r.lo, 0.0f);
  EXPECT_GE(r.lo, mn);
  // Same α at both ends.
  EXPECT_NEAR(double(r.lo) / double(mn), double(r.hi) / 50.0, 1e-6);
  EXPECT_EQ(mse_optimal_threshold(x, s), std::max(std::fabs(r.lo), std::fabs(r.hi)));
}

TEST(Mse, AllZeroAndLargeGroups) {
  const std::vector<float> zeros(100, 0.0f);
  const ClipRange z = calibrate(zeros, with_clip(Kind::Absmax, 4, ClipMethod::Mse));
  EXPECT_EQ(z.lo, 0.0f);
  EXPECT_EQ(z.hi, 0.0f);
  // n > 2^18: subsampled, still a sensible threshold (uniform data: near amax), and
  // deterministic.
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  std::vector<float> x((size_t(1) << 18) + 12345);
  for (float& v : x) v = u(rng);
  x[0] = 2.0f;  // amax, and x[0] is in the subsample
  const Scheme s = with_clip(Kind::Absmax, 4, ClipMethod::Mse);
  const float t = mse_optimal_threshold(x, s);
  EXPECT_GE(t, 1.8f);
  EXPECT_LE(t, 2.0f);
  // The documented subsample: x[⌊j·n/2^18⌋], j < 2^18. With the same amax, searching it
  // directly gives the same threshold.
  std::vector<float> sub(size_t(1) << 18);
  for (size_t j = 0; j < sub.size(); ++j)
    sub[j] = x[size_t(double(j) * double(x.size()) / double(sub.size()))];
  EXPECT_EQ(mse_optimal_threshold(sub, s), t);
  // Stochastic rounding is evaluated as nearest-even: same answer.
  Scheme st = s;
  st.rounding = Rounding::Stochastic;
  EXPECT_EQ(mse_optimal_threshold(x, st), t);
}

}  // namespace
}  // namespace qs
