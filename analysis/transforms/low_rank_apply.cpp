// x′ = float32(x − L_r) and x̂ = float32(L_r + x̂′) (low_rank.h), L_r from the factors in
// float64, tile by tile.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "analysis/base/parallel.h"
#include "analysis/transforms/low_rank.h"
#include "analysis/transforms/skinny_gemm.h"

namespace qs {

namespace {

using MatD = Eigen::MatrixXd;
using RowMatD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// L's block is kRowTile × kChunk float64 (120 KB: in L2 while it is used); kChunk is a
// multiple of every target's panel width (48, 12, 6, 3 doubles). 32 rows, not 64: each
// tile reads and writes its rows' segments as separate streams, and with 64 of them per
// thread two threads ran no faster than one (4096×11008: 53 ms; 31 ms with 32 rows).
constexpr int64_t kRowTile = 32;
constexpr int64_t kChunk = 480;

int64_t round_up(int64_t n, int64_t to) {
  return (n + to - 1) / to * to;
}

// out = float32(in ∓ L_r) over fixed tiles; each block of L = (U_r·diag σ)·V_rᵀ comes from
// the float64 FMA kernel of the passes (skinny_gemm.h), the r terms of an element summed
// in order, so its value depends on neither the tile nor the thread.
void apply_low_rank(std::span<const float> in, const LowRankFactors& f, int64_t r,
                    std::span<float> out, int threads, bool add) {
  const MatrixShape m = f.m;
  if (m.numel() == 0) return;
  r = std::clamp<int64_t>(r, 0, f.rank);
  const Eigen::Map<const MatD> u(f.u.data(), m.rows, f.rank), v(f.v.data(), m.cols, f.rank);
  const Eigen::Map<const Eigen::VectorXd> sigma(f.sigma.data(), f.rank);
  const MatD us = u.leftCols(r) * sigma.head(r).asDiagonal();  // column-major rows × r
  const int64_t panel = transforms::skinny_panel_width(), ldv = round_up(m.cols, kChunk);
  RowMatD vt = RowMatD::Zero(r, ldv);  // V_rᵀ, rows padded with zeros to whole chunks
  vt.leftCols(m.cols) = v.leftCols(r).transpose();
  // One L block per worker, allocated once (not an allocation per tile).
  std::vector<RowMatD> blocks(size_t(resolve_threads(threads)));
  parallel_for(chunk_count(m.rows, kRowTile), threads, [&](int64_t item, int worker) {
    const int64_t r0 = item * kRowTile, nr = std::min(kRowTile, m.rows - r0);
    RowMatD& lb = blocks[size_t(worker)];
    lb.resize(round_up(kRowTile, transforms::skinny_row_group()), kChunk);
    for (int64_t c0 = 0; c0 < m.cols; c0 += kChunk) {
      const int64_t nc = std::min(kChunk, m.cols - c0), width = round_up(nc, panel);
      lb.setZero();
      if (r > 0)
        transforms::skinny_gemm(us.data() + r0, m.rows, false, nr, r, vt.data() + c0, ldv, width,
                                lb.data(), kChunk);
      for (int64_t i = 0; i < nr; ++i) {
        const float* src = in.data() + (r0 + i) * m.cols + c0;
        float* dst = out.data() + (r0 + i) * m.cols + c0;
        const double* li = lb.data() + i * kChunk;
        if (add) {
          for (int64_t j = 0; j < nc; ++j)
            dst[j] = std::isfinite(src[j]) ? float(li[j] + double(src[j])) : src[j];
        } else {
          for (int64_t j = 0; j < nc; ++j) dst[j] = float(double(src[j]) - li[j]);
        }
      }
    }
  });
}

}  // namespace

void low_rank_subtract(std::span<const float> x, const LowRankFactors& f, int64_t r,
                       std::span<float> out, int threads) {
  apply_low_rank(x, f, r, out, threads, false);
}

void low_rank_add(std::span<const float> xq, const LowRankFactors& f, int64_t r,
                  std::span<float> out, int threads) {
  apply_low_rank(xq, f, r, out, threads, true);
}

}  // namespace qs
