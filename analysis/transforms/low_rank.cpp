// The low-rank factors (low_rank.h): a seeded randomized SVD for the fast path and Eigen's
// BDCSVD for the reference. Applying L lives in low_rank_apply.cpp.
//
// The randomized SVD is a randomized block Krylov method (Musco & Musco, NeurIPS 2015): the
// range finder and power iterations of Halko, Martinsson & Tropp (2011), keeping every
// iterate in the basis. With l = rank + 10 and Ω a Gaussian cols × l sketch:
//   P₀ = orth(X·Ω);  then for j = 0, 1, …
//   Z_j = Xᵀ·P_j                 the new rows of B = Pᵀ·X (Bᵀ = [Z₀ … Z_j] = Q_b·R_b, kept as
//                                its QR, extended block by block)
//   P_{j+1} = the part of X·Q_new orthogonal to P₀..P_j   (Q_new: Q_b's new columns)
// so P = [P₀ … P_j] spans the Krylov space {XΩ, (XXᵀ)XΩ, …, (XXᵀ)^j XΩ}; at the end
// B = R_bᵀ·Q_bᵀ, the SVD of the small R_b gives U = P·V_R and V = Q_b·U_R.
//
// Why Krylov, and why adaptive. The contract is ‖x − L‖_F within 0.1 % of the optimum.
// Plain subspace iteration with 2 power steps misses it by 0.5–1.5 % on a slowly decaying
// spectrum (σ_i = 1/√i) and on Gaussian-like matrices (a trained layer's bulk); keeping the
// iterates fixes the first, and the second needs more steps the closer the singular values
// crowd: a 4096×11008 N(0, 0.02) matrix at r = 32 is 0.108 % off after 2 steps, 0.06 %
// after 3, 0.035 % after 4 (against 12). So the steps continue (at least kMinSteps, at
// most kMaxSteps) until one adds less than kGainStop of the residual energy to the top-r
// Ritz energy (read off R_b, which the QR keeps up to date at no extra pass). If the
// energy converges geometrically with a ratio below 3/4, the later steps together gain at
// most 3× the last one, so what is still missing is < 3·kGainStop ≈ 0.2 % of the residual
// energy, 0.1 % of its norm. A heuristic, not a bound: the tests measure it on slow, flat,
// Gaussian and fast spectra (worst seen 0.04 %).
//
// Precision: every product with X is float64 (skinny_gemm: float32 X packed as float64,
// FMA). A float32 product is not enough: its ~1e-7 relative error tilts the basis by
// 1e-7·σ₁/σ_k in direction k, which costs far more than 0.1 % once σ_r/σ₁ nears 1e-6 (a
// fast-decaying spectrum at r ≈ 20). Orthogonalization is Gram–Schmidt twice against the
// whole basis, then CholeskyQR2 of what is left (Householder QR when that is badly
// conditioned), then one more round on the unit columns (extend_basis): the basis stays
// orthonormal to ~1e-15 even when a block lies nearly inside it, as for a low-rank x.
// Tiles have fixed sizes and each writes its own rows, or partial sums are added in tile
// order, so 1 or 64 threads give the same bits.
#include "analysis/transforms/low_rank.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numbers>

#include "analysis/base/parallel.h"
#include "analysis/transforms/hadamard.h"  // splitmix64_outputs: the sketch's generator
#include "analysis/transforms/skinny_gemm.h"

namespace qs {

namespace {

using MatD = Eigen::MatrixXd;
using RowMatF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr int64_t kOversample = 10;
constexpr int kMinSteps = 2;          // power iterations (Krylov blocks after the first), at least
constexpr int kMaxSteps = 6;          // and at most: 2 + 2·6 = 14 passes over X
constexpr double kGainStop = 6.5e-4;  // of the residual energy, see above
constexpr uint64_t kSketchSeed =
    0x5EED0F5CE7C4ull;  // any fixed value: the sketch is part of the result
// An item of X·B owns kRowTile rows of the result, one of Xᵀ·Q kColTile rows; the tall
// float64 products of the orthogonalization go kTallTile rows at a time.
constexpr int64_t kRowTile = 64;
constexpr int64_t kColTile = 128;
constexpr int64_t kTallTile = 1024;

int64_t round_up(int64_t n, int64_t to) {
  return (n + to - 1) / to * to;
}

// s (k × b) row-major, its width padded with zero columns to whole panels of the kernel.
RowMatD padded(const MatD& s, int64_t panel) {
  RowMatD p = RowMatD::Zero(s.rows(), round_up(std::max<int64_t>(s.cols(), 1), panel));
  p.leftCols(s.cols()) = s;
  return p;
}

// The passes over X: X·B (rows × l) or Xᵀ·B (cols × l) for a skinny float64 B.
struct Passes {
  const float* x;
  MatrixShape m;
  int threads;
  RunControl* control;
  int64_t panel = transforms::skinny_panel_width();

  bool cancelled() const { return control && control->cancelled(); }

  MatD product(const MatD& b, bool by_rows) const {
    const int64_t out_rows = by_rows ? m.rows : m.cols, k_dim = by_rows ? m.cols : m.rows;
    const int64_t tile = by_rows ? kRowTile : kColTile, l = b.cols();
    const RowMatD bp = padded(b, panel);
    const int64_t width = bp.cols();
    MatD out(out_rows, l);
    parallel_for(chunk_count(out_rows, tile), threads, [&](int64_t item, int) {
      if (cancelled()) return;
      const int64_t i0 = item * tile, n = std::min(tile, out_rows - i0);
      RowMatD c = RowMatD::Zero(round_up(n, transforms::skinny_row_group()), width);
      const float* a = by_rows ? x + i0 * m.cols : x + i0;
      transforms::skinny_gemm(a, m.cols, by_rows, n, k_dim, bp.data(), width, width, c.data(),
                              width);
      out.middleRows(i0, n) = c.topLeftCorner(n, l);
      if (control) control->done.fetch_add(n * k_dim, std::memory_order_relaxed);
    });
    return out;
  }
};

// A·S for a tall A (n × a) and a small S (a × b): fixed row tiles.
MatD tall_times(const MatD& a, const MatD& s, int threads) {
  const int64_t n = a.rows(), b = s.cols();
  const RowMatD sp = padded(s, transforms::skinny_panel_width());
  const int64_t width = sp.cols();
  MatD out(n, b);
  parallel_for(chunk_count(n, kTallTile), threads, [&](int64_t t, int) {
    const int64_t r0 = t * kTallTile, nt = std::min(kTallTile, n - r0);
    RowMatD c = RowMatD::Zero(round_up(nt, transforms::skinny_row_group()), width);
    transforms::skinny_gemm(a.data() + r0, n, false, nt, a.cols(), sp.data(), width, width,
                            c.data(), width);
    out.middleRows(r0, nt) = c.topLeftCorner(nt, b);
  });
  return out;
}

// Aᵀ·B for tall A (n × a) and B (n × b): each fixed row tile's product, summed in tile order.
MatD tall_inner(const MatD& a, const MatD& b, int threads) {
  const int64_t n = a.rows(), ac = a.cols();
  const RowMatD bp = padded(b, transforms::skinny_panel_width());
  const int64_t width = bp.cols();
  const RowMatD sum = parallel_reduce(
      chunk_count(n, kTallTile), threads,
      RowMatD(RowMatD::Zero(round_up(ac, transforms::skinny_row_group()), width)),
      [&](int64_t t) {
        const int64_t r0 = t * kTallTile, nt = std::min(kTallTile, n - r0);
        RowMatD c = RowMatD::Zero(round_up(ac, transforms::skinny_row_group()), width);
        transforms::skinny_gemm(a.data() + r0, n, true, ac, nt, bp.data() + r0 * width, width,
                                width, c.data(), width);
        return c;
      },
      [](RowMatD& acc, const RowMatD& part) { acc += part; });
  return sum.topLeftCorner(ac, b.cols());
}

// An orthonormal basis of A's columns: the thin Q of a Householder QR.
MatD householder_q(const MatD& a) {
  const Eigen::HouseholderQR<MatD> qr(a);
  return qr.householderQ() * MatD::Identity(a.rows(), a.cols());
}

MatD upper_inverse(const MatD& r) {
  return r.triangularView<Eigen::Upper>().solve(MatD::Identity(r.rows(), r.cols()));
}

// An orthonormal basis of w's columns. CholeskyQR2 (w ← w·R⁻¹ with RᵀR = wᵀw, twice) is all
// GEMMs on the fast kernel; it needs cond(w) below ~1e7, so a badly conditioned w (a rank-
// deficient block, or a spectrum falling fast) goes through Householder QR instead.
MatD orthonormalize(const MatD& w, int threads) {
  MatD q = w;
  for (int round = 0; round < 2; ++round) {
    const Eigen::LLT<MatD> llt(tall_inner(q, q, threads));
    if (llt.info() != Eigen::Success) return householder_q(w);
    const MatD r = llt.matrixU();
    const bool fine = round == 0
                          ? r.diagonal().minCoeff() > 1e-6 * r.diagonal().maxCoeff()
                          : (r - MatD::Identity(r.rows(), r.cols())).cwiseAbs().maxCoeff() < 0.1;
    if (!fine) return householder_q(w);
    q = tall_times(q, upper_inverse(r), threads);
  }
  return q;
}

// Removes from w its components along the (orthonormal) basis, `passes` times; adds the
// coefficients removed to *c when c is given.
void project_out(const MatD& basis, MatD& w, int passes, int threads, MatD* c = nullptr) {
  for (int pass = 0; pass < passes && basis.cols() > 0; ++pass) {
    const MatD cp = tall_inner(basis, w, threads);
    w -= tall_times(basis, cp, threads);
    if (c) *c += cp;
  }
}

// y = basis·C + Q_new·R_new with Q_new (y.cols() columns) orthonormal and orthogonal to the
// orthonormal basis (C and R_new are filled when asked for). Gram–Schmidt twice, an orthonormal
// basis of what is left, then once more Gram–Schmidt and CholeskyQR on those unit columns: when y
// lies (numerically) inside the basis, the first residual is rounding noise that may still lean on
// the basis, and the second round sees unit vectors. If a direction is still mostly inside the
// basis (x of rank below the basis, or zero), one Householder QR of [basis W] gives the completion:
// its trailing columns are orthogonal to the leading ones by construction.
MatD extend_basis(const MatD& basis, const MatD& y, int threads, MatD* c, MatD* r_new) {
  MatD w = y;
  if (c) *c = MatD::Zero(basis.cols(), y.cols());
  project_out(basis, w, 2, threads, c);
  MatD q = orthonormalize(w, threads);
  if (basis.cols() > 0) {
    project_out(basis, q, 1, threads);
    const Eigen::LLT<MatD> llt(tall_inner(q, q, threads));
    const MatD r = llt.matrixU();
    if (llt.info() == Eigen::Success && r.diagonal().minCoeff() >= 0.5) {
      q = tall_times(q, upper_inverse(r), threads);
    } else {
      MatD k(basis.rows(), basis.cols() + w.cols());
      k << basis, w;
      q = householder_q(k).rightCols(w.cols());
    }
  }
  if (r_new) *r_new = tall_inner(q, w, threads);  // w ∈ span(q): y = basis·C + q·(qᵀw)
  return q;
}

// The sketch Ω (cols × l), standard normal: Box–Muller over splitmix64 outputs, filled
// column by column, so a larger l only appends columns.
MatD gaussian_sketch(int64_t cols, int64_t l) {
  const int64_t n = cols * l;
  const std::vector<uint64_t> z = splitmix64_outputs(kSketchSeed, n + (n & 1));
  MatD omega(cols, l);
  double* o = omega.data();
  // Uniform in (0, 1): the top 53 bits, offset by half a step so log() never sees 0.
  const auto uniform = [](uint64_t bits) { return (double(bits >> 11) + 0.5) * 0x1.0p-53; };
  for (int64_t i = 0; i < n; i += 2) {
    const double r = std::sqrt(-2.0 * std::log(uniform(z[size_t(i)])));
    const double t = 2.0 * std::numbers::pi * uniform(z[size_t(i + 1)]);
    o[i] = r * std::cos(t);
    if (i + 1 < n) o[i + 1] = r * std::sin(t);
  }
  return omega;
}

// ‖x‖²_F in float64 over fixed chunks in order; 8 interleaved partial sums per chunk keep
// the adds independent (and vectorizable) in a fixed grouping.
double norm2(std::span<const float> x, int threads) {
  constexpr int64_t kSumChunk = int64_t(1) << 16;
  const int64_t n = int64_t(x.size());
  return parallel_reduce(
      chunk_count(n, kSumChunk), threads, 0.0,
      [&](int64_t item) {
        double s[8] = {};
        const int64_t b = item * kSumChunk, e = std::min(n, b + kSumChunk);
        int64_t i = b;
        for (; i + 8 <= e; i += 8)
          for (int k = 0; k < 8; ++k) s[k] += double(x[size_t(i + k)]) * x[size_t(i + k)];
        for (; i < e; ++i) s[0] += double(x[size_t(i)]) * x[size_t(i)];
        return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
      },
      [](double& acc, double part) { acc += part; });
}

// Σ of the `rank` largest squared singular values of R (the Ritz energy of B = Rᵀ·Q_bᵀ).
double ritz_energy(const MatD& r, int64_t rank) {
  const Eigen::VectorXd s = Eigen::BDCSVD<MatD>(r).singularValues();
  return s.head(std::min<int64_t>(rank, s.size())).squaredNorm();
}

// Keeps the first `rank` columns of the factors (column-major: a prefix of the data).
void take_factors(LowRankFactors& f, const MatD& u, const Eigen::VectorXd& s, const MatD& v) {
  const int64_t k = f.rank;
  f.u.assign(u.data(), u.data() + f.m.rows * k);
  f.sigma.assign(s.data(), s.data() + k);
  f.v.assign(v.data(), v.data() + f.m.cols * k);
}

}  // namespace

double LowRankFactors::energy(int64_t r) const {
  if (!(x_norm2 > 0)) return 0;
  double e = 0;
  for (int64_t i = 0; i < std::min<int64_t>(r, int64_t(sigma.size())); ++i)
    e += sigma[size_t(i)] * sigma[size_t(i)];
  return e / x_norm2;
}

LowRankFactors low_rank_factors(std::span<const float> x, MatrixShape m, int64_t rank, int threads,
                                RunControl* control) {
  LowRankFactors f;
  f.m = m;
  f.rank = rank;
  const int64_t full = std::min(m.rows, m.cols);
  const int64_t l = std::min(rank + kOversample, full);
  // Progress counts elements of X read; the steps past the minimum are not known ahead.
  if (control) control->total.store(int64_t(2 + 2 * kMinSteps) * m.numel());
  f.x_norm2 = norm2(x, threads);
  const Passes p{x.data(), m, threads, control};
  const auto stop = [&] { return f.cancelled = p.cancelled(); };

  MatD basis = orthonormalize(p.product(gaussian_sketch(m.cols, l), true), threads);  // P₀
  if (stop()) return f;
  MatD block = basis;            // P_j, the newest columns of the basis
  MatD qb(m.cols, 0), rb(0, 0);  // Bᵀ = Xᵀ·basis = Q_b·R_b
  double energy = 0;
  for (int step = 0;; ++step) {
    // Z_j = Xᵀ·P_j extends Bᵀ by a block of columns: R_b gains [C; R_new] on the right.
    MatD c, r_new;
    const MatD z = p.product(block, false);
    if (stop()) return f;
    const MatD q_new = extend_basis(qb, z, threads, &c, &r_new);
    const int64_t w = rb.cols(), add = z.cols();
    MatD grown = MatD::Zero(w + add, w + add);
    grown.topLeftCorner(w, w) = rb;
    grown.topRightCorner(w, add) = c;
    grown.bottomRightCorner(add, add) = r_new;
    rb.swap(grown);
    qb.conservativeResize(Eigen::NoChange, w + add);
    qb.rightCols(add) = q_new;

    const double previous = energy;
    energy = ritz_energy(rb, rank);
    const double gain = energy - previous, residual = f.x_norm2 - energy;
    const int64_t room = std::min(l, full - basis.cols());
    if (room == 0 || step == kMaxSteps) break;  // the basis spans everything, or enough
    if (step >= kMinSteps && gain <= std::max(kGainStop * residual, 1e-14 * f.x_norm2)) break;
    if (step >= kMinSteps && control) control->total.fetch_add(2 * m.numel());
    // The next Krylov block: X·Q_new adds what X·Z_j adds (X·Q_b's older columns already
    // lie in the basis), and Q_new is orthonormal.
    const MatD y = p.product(q_new, true);
    if (stop()) return f;
    block = extend_basis(basis, y, threads, nullptr, nullptr).leftCols(room);
    basis.conservativeResize(Eigen::NoChange, basis.cols() + room);
    basis.rightCols(room) = block;
  }
  // B = R_bᵀ·Q_bᵀ and R_b = U_R·Σ·V_Rᵀ, so B = V_R·Σ·(Q_b·U_R)ᵀ.
  const Eigen::BDCSVD<MatD> svd(rb, Eigen::ComputeFullU | Eigen::ComputeFullV);
  const MatD u = tall_times(basis, svd.matrixV().leftCols(rank), threads);
  const MatD v = tall_times(qb, svd.matrixU().leftCols(rank), threads);
  take_factors(f, u, svd.singularValues(), v);
  if (control) control->done.store(control->total.load());
  return f;
}

LowRankFactors low_rank_factors_ref(std::span<const float> x, MatrixShape m, int64_t rank) {
  LowRankFactors f;
  f.m = m;
  f.rank = rank;
  f.x_norm2 = norm2(x, 1);
  const MatD xd = Eigen::Map<const RowMatF>(x.data(), m.rows, m.cols).cast<double>();
  const Eigen::BDCSVD<MatD> svd(xd, Eigen::ComputeThinU | Eigen::ComputeThinV);
  take_factors(f, svd.matrixU(), svd.singularValues(), svd.matrixV());
  return f;
}

}  // namespace qs
