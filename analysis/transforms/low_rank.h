#pragma once
// `lowrank=r` (SVDQuant / LoRC-style), DESIGN.md "Beyond clipping": L = the best rank-r
// approximation of the matrix, used unrounded (float64); x′ = float32(x − L);
// x̂ = float32(L + x̂′). bits/weight += 16·r·(rows + cols)/numel.
//
// L comes from a seeded (deterministic) randomized SVD — range finder on a Gaussian
// sketch with oversampling (l = rank + 10), power iterations whose every iterate is kept
// (randomized block Krylov), re-orthonormalized against the basis, at least 2 and more
// while a step still gains (at most 6; see low_rank.cpp), then Eigen's SVD of the small
// projected matrix — that lands within 0.1 % of the optimal ‖x − L‖_F. The products with X
// are float64 (a Highway kernel, skinny_gemm.h) on fixed tiles spread over threads, so the
// result does not depend on the thread count (it may on the SIMD target: FMA or not). The
// `_ref` twin is Eigen's exact BDCSVD of the whole matrix (small matrices only: the tests).
#include <cstdint>
#include <span>
#include <vector>

#include "analysis/base/run_control.h"
#include "analysis/transforms/matrix_view.h"

namespace qs {

// The leading `rank` singular triplets: x ≈ U·diag(sigma)·Vᵀ. Any r ≤ rank truncates.
struct LowRankFactors {
  MatrixShape m;
  int64_t rank = 0;
  std::vector<double> u;      // rows × rank, column-major (u[j·rows + i])
  std::vector<double> sigma;  // rank, descending
  std::vector<double> v;      // cols × rank, column-major (v[j·cols + c])
  double x_norm2 = 0;         // ‖x‖²_F (float64)
  bool cancelled = false;
  // ‖L_r‖²/‖x‖² for the first r triplets (0 when x is all zero).
  double energy(int64_t r) const;
};

// Preconditions: x finite, 1 ≤ rank < min(rows, cols). control: progress in elements of x
// read over the passes (total = 6·numel to start with, +2·numel for each step past the
// second; done = total at the end); when cancelled, returns with `cancelled` set and the
// factors unusable.
LowRankFactors low_rank_factors(std::span<const float> x, MatrixShape m, int64_t rank, int threads = 0,
                                RunControl* control = nullptr);
LowRankFactors low_rank_factors_ref(std::span<const float> x, MatrixShape m, int64_t rank);

// out = float32(x − L_r), L_r from the first r ≤ f.rank triplets, computed in float64 (out
// may alias x; likewise below).
void low_rank_subtract(std::span<const float> x, const LowRankFactors& f, int64_t r, std::span<float> out,
                       int threads = 0);
// out = float32(L_r + xq) (non-finite xq pass through).
void low_rank_add(std::span<const float> xq, const LowRankFactors& f, int64_t r, std::span<float> out,
                  int threads = 0);

}  // namespace qs
