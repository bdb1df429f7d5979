// The low-rank split (analysis/transforms/low_rank.h): an exactly rank-1 matrix worked by
// hand, the randomized SVD against Eigen's BDCSVD (the optimum, Eckart–Young) on spectra
// that decay slowly and fast, determinism, cancellation.
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "analysis/transforms/low_rank.h"
#include "analysis/transforms/skinny_gemm.h"

namespace {

using qs::MatrixShape;
using RowMatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// rows × n with orthonormal columns: the Q of a Gaussian matrix.
Eigen::MatrixXd random_orthonormal(int64_t rows, int64_t n, std::mt19937_64& g) {
  std::normal_distribution<double> d;
  Eigen::MatrixXd a(rows, n);
  for (int64_t i = 0; i < a.size(); ++i) a.data()[i] = d(g);
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  return qr.householderQ() * Eigen::MatrixXd::Identity(rows, n);
}

// float32(U·diag(σ)·Vᵀ), row-major, for a given spectrum (length min(rows, cols)).
std::vector<float> with_spectrum(MatrixShape m, const std::vector<double>& sigma, uint64_t seed) {
  std::mt19937_64 g(seed);
  const int64_t n = int64_t(sigma.size());
  const Eigen::MatrixXd u = random_orthonormal(m.rows, n, g), v = random_orthonormal(m.cols, n, g);
  const Eigen::MatrixXd x =
      u * Eigen::Map<const Eigen::VectorXd>(sigma.data(), n).asDiagonal() * v.transpose();
  std::vector<float> out(size_t(m.numel()));
  Eigen::Map<RowMatF>(out.data(), m.rows, m.cols) = x.cast<float>();
  return out;
}

double norm(const std::vector<float>& x) {
  double s = 0;
  for (float v : x) s += double(v) * v;
  return std::sqrt(s);
}

std::vector<float> subtract(const std::vector<float>& x, const qs::LowRankFactors& f, int64_t r,
                            int threads = 0) {
  std::vector<float> out(x.size());
  qs::low_rank_subtract(x, f, r, out, threads);
  return out;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// max |UᵀU − I| and |VᵀV − I|: the factors' columns are orthonormal.
double orthonormality_error(const qs::LowRankFactors& f) {
  const Eigen::Map<const Eigen::MatrixXd> u(f.u.data(), f.m.rows, f.rank),
      v(f.v.data(), f.m.cols, f.rank);
  const Eigen::MatrixXd i = Eigen::MatrixXd::Identity(f.rank, f.rank);
  return std::max((u.transpose() * u - i).cwiseAbs().maxCoeff(),
                  (v.transpose() * v - i).cwiseAbs().maxCoeff());
}

// x = u·vᵀ with small integers (exact in float32): u = 1..40, v_j = (j mod 7) − 3.
// ‖u‖² = Σi² = 40·41·81/6 = 22140; ‖v‖² over 30 columns: j mod 7 runs 0..6 four times
// (9+4+1+0+1+4+9 = 28 each) then 0, 1 (9 + 4): 4·28 + 13 = 125. So σ₁ = √(22140·125),
// ‖x‖² = σ₁², energy(1) = 1 and x − L = 0 up to the float64 arithmetic.
TEST(LowRank, RankOneIsExact) {
  const MatrixShape m{40, 30};
  std::vector<float> x(size_t(m.numel()));
  for (int64_t i = 0; i < m.rows; ++i)
    for (int64_t j = 0; j < m.cols; ++j) x[size_t(i * m.cols + j)] = float((i + 1) * (j % 7 - 3));
  const double sigma1 = std::sqrt(22140.0 * 125.0);
  for (int64_t rank : {1, 3}) {
    const qs::LowRankFactors f = qs::low_rank_factors(x, m, rank);
    ASSERT_FALSE(f.cancelled);
    ASSERT_EQ(f.sigma.size(), size_t(rank));
    ASSERT_EQ(f.u.size(), size_t(m.rows * rank));
    ASSERT_EQ(f.v.size(), size_t(m.cols * rank));
    EXPECT_EQ(f.x_norm2, 22140.0 * 125.0);  // integers: exact in float64
    EXPECT_NEAR(f.sigma[0], sigma1, 1e-12 * sigma1);
    for (int64_t i = 1; i < rank; ++i) EXPECT_LT(f.sigma[size_t(i)], 1e-12 * sigma1);
    EXPECT_NEAR(f.energy(1), 1.0, 1e-12);
    EXPECT_LE(norm(subtract(x, f, 1)), 1e-6 * sigma1);
    // u and v are unit vectors along the integer ones (up to one shared sign).
    const double s = f.u[0] > 0 ? 1 : -1;
    EXPECT_NEAR(s * f.u[0], 1.0 / std::sqrt(22140.0), 1e-12);
    EXPECT_NEAR(s * f.v[0], -3.0 / std::sqrt(125.0), 1e-12);
    EXPECT_LT(orthonormality_error(f), 1e-12);  // the extra directions too (x has none)
  }
  const qs::LowRankFactors ref = qs::low_rank_factors_ref(x, m, 1);
  EXPECT_NEAR(ref.sigma[0], sigma1, 1e-12 * sigma1);
}

// Every singular value of x (float64 BDCSVD of the float32 matrix), descending.
Eigen::VectorXd all_sigma(const std::vector<float>& x, MatrixShape m) {
  const Eigen::MatrixXd xd = Eigen::Map<const RowMatF>(x.data(), m.rows, m.cols).cast<double>();
  return Eigen::BDCSVD<Eigen::MatrixXd>(xd).singularValues();
}

// The optimum ‖x − L_r‖_F = √(Σ_{i≥r} σ_i²) (Eckart–Young), summed smallest first.
double optimum(const Eigen::VectorXd& sigma, int64_t r) {
  double t = 0;
  for (int64_t i = sigma.size(); i-- > r;) t += sigma[i] * sigma[i];
  return std::sqrt(t);
}

enum class Spectrum { Slow, Flat, Fast, Gaussian };

struct Case {
  MatrixShape m;
  Spectrum kind;
};

std::vector<float> make_case(const Case& c, uint64_t seed) {
  const int64_t n = std::min(c.m.rows, c.m.cols);
  if (c.kind ==
      Spectrum::Gaussian) {  // a trained layer's bulk: Marchenko–Pastur, crowded at the top
    std::mt19937_64 g(seed);
    std::normal_distribution<float> d(0.0f, 0.02f);
    std::vector<float> x(size_t(c.m.numel()));
    for (float& v : x) v = d(g);
    return x;
  }
  std::vector<double> sigma(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    sigma[size_t(i)] = c.kind == Spectrum::Slow   ? 1.0 / std::sqrt(i + 1.0)
                       : c.kind == Spectrum::Flat ? 1.0 - 0.5 * double(i) / double(n)
                                                  : std::ldexp(1.0, -int(i));
  return with_spectrum(c.m, sigma, seed);
}

// The contract: ‖x − L‖_F within 0.1 % of the optimum for every r, on spectra that decay
// slowly (σ_i = 1/√(i+1): the tail holds most of the energy), hardly (σ_i from 1 down to
// 0.5: no gap anywhere), not at all in any structured way (Gaussian), and fast (σ_i =
// 0.5^i: L is nearly x and the residual reaches float32's own rounding noise for large r).
TEST(LowRank, WithinATenthPercentOfTheOptimum) {
  const std::vector<Case> cases = {{{512, 512}, Spectrum::Slow}, {{512, 512}, Spectrum::Fast},
                                   {{300, 512}, Spectrum::Slow}, {{512, 200}, Spectrum::Fast},
                                   {{257, 130}, Spectrum::Slow}, {{64, 1000}, Spectrum::Fast},
                                   {{512, 512}, Spectrum::Flat}, {{384, 1032}, Spectrum::Gaussian}};
  uint64_t seed = 0;
  double worst = 0;
  for (const Case& c : cases) {
    const int64_t n = std::min(c.m.rows, c.m.cols);
    const std::vector<float> x = make_case(c, ++seed);
    const Eigen::VectorXd all = all_sigma(x, c.m);
    const int64_t kr = std::min<int64_t>(64, n - 1);
    const qs::LowRankFactors ref = qs::low_rank_factors_ref(x, c.m, kr);
    for (int64_t i = 0; i < kr; ++i)
      ASSERT_NEAR(ref.sigma[size_t(i)], all[i], 1e-13 * all[0]);  // the same SVD
    for (int64_t r : {1, 2, 8, 16, 20, 24, 32, 63}) {
      if (r >= n) continue;
      const qs::LowRankFactors f = qs::low_rank_factors(x, c.m, r);
      const double got = norm(subtract(x, f, r)), best = optimum(all, r);
      EXPECT_LE(got, 1.001 * best) << c.m.rows << "x" << c.m.cols << " kind " << int(c.kind)
                                   << " r=" << r << " got " << got << " optimum " << best;
      // energy: ‖L_r‖²/‖x‖² against the reference's, to the same 0.1 % of the residual's.
      const double want = 1.0 - (best * best) / ref.x_norm2;
      EXPECT_NEAR(f.energy(r), want, 2.1e-3 * best * best / ref.x_norm2 + 1e-12) << r;
      // Ritz values from a subspace never exceed the true ones (Cauchy interlacing; both
      // SVDs are accurate to ~1e-16·σ₁ absolutely). Where σ₁ stands apart (σ₂/σ₁ ≤ 0.71) it
      // converges fastest; in a crowd (flat, Gaussian) only the energy is pinned down.
      for (int64_t i = 0; i < r && i < kr; ++i)
        EXPECT_LE(f.sigma[size_t(i)], ref.sigma[size_t(i)] + 1e-13 * ref.sigma[0]) << i;
      if (c.kind == Spectrum::Slow || c.kind == Spectrum::Fast) {
        EXPECT_GE(f.sigma[0], ref.sigma[0] * (1 - 1e-5));
      }
      EXPECT_LT(orthonormality_error(f), 1e-12);
      worst = std::max(worst, got / best);
    }
  }
  std::printf("worst ||x - L|| / optimum over every case: %.6f\n", worst);
}

TEST(LowRank, TruncatingTheFactorsIsTheSmallerRank) {
  // Factors of rank 8 used at r = 3: the residual is within 0.1 % of the rank-3 optimum.
  const MatrixShape m{200, 150};
  std::vector<double> sigma(150);
  for (size_t i = 0; i < sigma.size(); ++i) sigma[i] = 1.0 / (1.0 + double(i));
  const std::vector<float> x = with_spectrum(m, sigma, 77);
  const qs::LowRankFactors f = qs::low_rank_factors(x, m, 8);
  EXPECT_LE(norm(subtract(x, f, 3)), 1.001 * optimum(all_sigma(x, m), 3));
  EXPECT_EQ(subtract(x, f, 0), x);  // r = 0: nothing removed
  // energy sums σ_i² of the first r: energy(8) − energy(3) = (σ₃² + … + σ₇²)/‖x‖².
  double tail = 0;
  for (int i = 3; i < 8; ++i) tail += f.sigma[size_t(i)] * f.sigma[size_t(i)];
  EXPECT_NEAR(f.energy(8) - f.energy(3), tail / f.x_norm2, 1e-15);
}

TEST(LowRank, AddUndoesSubtract) {
  const MatrixShape m{96, 80};
  std::vector<double> sigma(80);
  for (size_t i = 0; i < sigma.size(); ++i) sigma[i] = std::pow(0.9, double(i));
  const std::vector<float> x = with_spectrum(m, sigma, 5);
  const qs::LowRankFactors f = qs::low_rank_factors(x, m, 6);
  const std::vector<float> residual = subtract(x, f, 6);
  std::vector<float> back(x.size());
  qs::low_rank_add(residual, f, 6, back);
  // x′ = fl(x − L), x̂ = fl(L + x′): two roundings, each within half an ulp of its result,
  // so |x̂ − x| ≤ ulp(x′)/2 + ulp(x̂)/2 ≤ 2^-24·(|x′| + |x̂|) (×1.01 for the float64 L).
  for (size_t i = 0; i < x.size(); ++i)
    ASSERT_LE(std::fabs(back[i] - x[i]),
              1.01 * std::ldexp(std::fabs(residual[i]) + std::fabs(back[i]), -24))
        << i;
  // Non-finite x̂′ passes through.
  std::vector<float> q = residual;
  q[3] = std::nanf("");
  q[4] = -INFINITY;
  qs::low_rank_add(q, f, 6, back);
  EXPECT_TRUE(std::isnan(back[3]));
  EXPECT_EQ(back[4], -INFINITY);
}

// L_r element by element in float64 from the factors, rounded once: what subtract promises.
TEST(LowRank, SubtractIsTheFloat64ProductRoundedOnce) {
  const MatrixShape m{70, 600};  // column chunks of 512 and a short one; a short row tile
  std::vector<double> sigma(70);
  for (size_t i = 0; i < sigma.size(); ++i) sigma[i] = 1.0 / (1.0 + double(i));
  const std::vector<float> x = with_spectrum(m, sigma, 11);
  const qs::LowRankFactors f = qs::low_rank_factors(x, m, 5);
  const std::vector<float> y = subtract(x, f, 5);
  int differ = 0;
  for (int64_t i = 0; i < m.rows; ++i)
    for (int64_t j = 0; j < m.cols; ++j) {
      double l = 0;
      for (int64_t k = 0; k < 5; ++k)
        l += f.u[size_t(k * m.rows + i)] * f.sigma[size_t(k)] * f.v[size_t(k * m.cols + j)];
      const size_t e = size_t(i * m.cols + j);
      const float want = float(double(x[e]) - l);
      // The GEMM sums in another order: the double results differ by a few 2^-53, which
      // moves the float32 rounding only when x − L lies that close to a rounding boundary.
      ASSERT_LE(std::fabs(y[e] - want), std::ldexp(std::fabs(want), -23)) << i << "," << j;
      differ += y[e] != want;
    }
  EXPECT_LT(differ, 10);
}

TEST(LowRank, DeterministicAcrossRunsAndThreads) {
  const MatrixShape m{700, 333};  // several row and column tiles, short last ones
  std::vector<double> sigma(333);
  for (size_t i = 0; i < sigma.size(); ++i) sigma[i] = 1.0 / std::sqrt(1.0 + double(i));
  const std::vector<float> x = with_spectrum(m, sigma, 3);
  const qs::LowRankFactors a = qs::low_rank_factors(x, m, 12, 1);
  const qs::LowRankFactors b = qs::low_rank_factors(x, m, 12, 1);
  const qs::LowRankFactors c = qs::low_rank_factors(x, m, 12, 2);
  const qs::LowRankFactors d = qs::low_rank_factors(x, m, 12, 7);
  for (const qs::LowRankFactors* o : {&b, &c, &d}) {
    EXPECT_TRUE(same_bits(a.u, o->u));
    EXPECT_TRUE(same_bits(a.v, o->v));
    EXPECT_TRUE(same_bits(a.sigma, o->sigma));
    EXPECT_EQ(a.x_norm2, o->x_norm2);
  }
  const std::vector<float> one = subtract(x, a, 12, 1);
  EXPECT_EQ(subtract(x, a, 12, 2), one);
  EXPECT_EQ(subtract(x, a, 12, 7), one);
  std::vector<float> in_place = x;  // out may alias the input
  qs::low_rank_subtract(in_place, a, 12, in_place, 2);
  EXPECT_EQ(in_place, one);
  std::vector<float> back(x.size());
  qs::low_rank_add(one, a, 12, back, 1);
  qs::low_rank_add(in_place, a, 12, in_place, 7);
  EXPECT_EQ(in_place, back);
}

TEST(LowRank, CancelReturnsMarkedAndProgressCountsPasses) {
  const MatrixShape m{300, 200};
  std::vector<double> sigma(200, 1.0);
  const std::vector<float> x = with_spectrum(m, sigma, 9);
  qs::RunControl run;
  const qs::LowRankFactors f = qs::low_rank_factors(x, m, 4, 2, &run);
  EXPECT_FALSE(f.cancelled);
  EXPECT_GT(run.total.load(), 0);
  EXPECT_EQ(run.done.load(), run.total.load());
  qs::RunControl stop;
  stop.cancel = true;
  const qs::LowRankFactors g = qs::low_rank_factors(x, m, 4, 2, &stop);
  EXPECT_TRUE(g.cancelled);
  EXPECT_EQ(stop.done.load(), 0);
}

// The power steps continue while they still gain: a fast-decaying spectrum stops after the
// minimum 2 (6 passes over x), a Gaussian one (no gap near r) needs more; the progress
// total grows with them and ends equal to done.
TEST(LowRank, AdaptiveStepsFollowTheSpectrum) {
  const Case fast{{256, 300}, Spectrum::Fast}, crowd{{384, 1032}, Spectrum::Gaussian};
  qs::RunControl a, b;
  qs::low_rank_factors(make_case(fast, 1), fast.m, 8, 2, &a);
  qs::low_rank_factors(make_case(crowd, 2), crowd.m, 32, 2, &b);
  EXPECT_EQ(a.total.load(), 6 * fast.m.numel());
  EXPECT_GT(b.total.load(), 6 * crowd.m.numel());
  EXPECT_LE(b.total.load(), 14 * crowd.m.numel());
  EXPECT_EQ(b.done.load(), b.total.load());
}

// The passes' kernel against the plain sum, both ways of reading A, float and double A,
// on every SIMD target: C += A·B to within the float64 rounding of the k terms.
TEST(SkinnyGemm, EveryTargetMatchesThePlainSum) {
  const int64_t m = 7, k = 131, ldx = 140, l = 5;
  std::mt19937_64 g(8);
  std::normal_distribution<double> d;
  std::vector<double> xd(size_t(ldx * std::max(m, k)));
  for (double& v : xd) v = d(g);
  const std::vector<float> xf(xd.begin(), xd.end());
  int targets = 0;
  for (int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    ++targets;
    const int64_t width = (l + qs::transforms::skinny_panel_width() - 1) /
                          qs::transforms::skinny_panel_width() *
                          qs::transforms::skinny_panel_width();
    std::vector<double> b(size_t(k * width), 0.0);
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < l; ++j) b[size_t(i * width + j)] = d(g);
    for (bool by_rows : {true, false})
      for (bool f32 : {true, false}) {
        std::vector<double> c(size_t(8 * width), 1.0);  // accumulates onto 1
        if (f32)
          qs::transforms::skinny_gemm(xf.data(), ldx, by_rows, m, k, b.data(), width, width,
                                      c.data(), width);
        else
          qs::transforms::skinny_gemm(xd.data(), ldx, by_rows, m, k, b.data(), width, width,
                                      c.data(), width);
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < l; ++j) {
            double want = 1.0, scale = 1.0;
            for (int64_t t = 0; t < k; ++t) {
              const double a = f32 ? double(xf[size_t(by_rows ? i * ldx + t : t * ldx + i)])
                                   : xd[size_t(by_rows ? i * ldx + t : t * ldx + i)];
              want += a * b[size_t(t * width + j)];
              scale += std::fabs(a * b[size_t(t * width + j)]);
            }
            EXPECT_NEAR(c[size_t(i * width + j)], want, 1e-14 * scale) << hwy::TargetName(target);
          }
      }
    // And the whole method keeps its contract on every target.
    const Case slow{{300, 512}, Spectrum::Slow};
    const std::vector<float> x = make_case(slow, 4);
    const qs::LowRankFactors f = qs::low_rank_factors(x, slow.m, 16);
    EXPECT_LE(norm(subtract(x, f, 16)), 1.001 * optimum(all_sigma(x, slow.m), 16))
        << hwy::TargetName(target);
    EXPECT_LT(orthonormality_error(f), 1e-12) << hwy::TargetName(target);
  }
  hwy::SetSupportedTargetsForTest(0);
  EXPECT_GE(targets, 1);
}

TEST(LowRank, AllZeroMatrix) {
  const MatrixShape m{20, 30};
  const std::vector<float> x(600, 0.0f);
  const qs::LowRankFactors f = qs::low_rank_factors(x, m, 2);
  EXPECT_EQ(f.x_norm2, 0.0);
  EXPECT_EQ(f.energy(2), 0.0);
  for (double s : f.sigma) EXPECT_EQ(s, 0.0);
  EXPECT_EQ(subtract(x, f, 2), x);
  EXPECT_LT(orthonormality_error(f), 1e-12);
}

}  // namespace
