#pragma once
// The one product the low-rank passes need (low_rank.cpp): a block of the float32 matrix X
// times a skinny float64 factor, accumulated into float64. Highway, runtime dispatch: a
// register-blocked float64 FMA kernel (X converted once into a packed panel), since
// Eigen's GEMM only gets the SIMD width the translation unit is compiled for (SSE2 here).
//
//   C[i, :width] += Σ_k A(i, k) · B[k, :width]   for i < m, k < k_dim
//   A(i, k) = x[i·ldx + k] (rows of X: Y = X·B)  or  x[k·ldx + i] (columns of X: Z = Xᵀ·Q)
//
// For every element of C the k terms are added one after the other, in k order (one FMA
// each), whatever the blocking: the result depends on the data and the SIMD target only.
#include <cstdint>

namespace qs::transforms {

// The width of one panel of B and C in doubles for the dispatched target; `width`, ldb and
// ldc must be multiples of it (pad B with zero columns).
int64_t skinny_panel_width();
// Rows of C the kernel writes at a time: C must hold round_up(m, skinny_row_group()) rows
// (the extra rows receive zeros' products and are ignored).
constexpr int64_t skinny_row_group() {
  return 4;
}

// a_by_rows: A(i, k) = x[i·ldx + k]; otherwise A(i, k) = x[k·ldx + i].
void skinny_gemm(const float* x, int64_t ldx, bool a_by_rows, int64_t m, int64_t k_dim,
                 const double* b, int64_t ldb, int64_t width, double* c, int64_t ldc);
// The same with a float64 A (the tall products of the orthogonalization: basisᵀ·Y, basis·C).
void skinny_gemm(const double* x, int64_t ldx, bool a_by_rows, int64_t m, int64_t k_dim,
                 const double* b, int64_t ldb, int64_t width, double* c, int64_t ldc);

}  // namespace qs::transforms
