// LLM.int8-style kept columns (keep_columns.h): the k columns with the largest max|x|
// stay in fp16, the others go to the quantizer.
#include "analysis/transforms/keep_columns.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "analysis/numeric/float_formats.h"

namespace qs {

std::vector<int64_t> keep_priority(std::span<const float> col_absmax) {
  std::vector<int64_t> order(col_absmax.size());
  std::iota(order.begin(), order.end(), int64_t(0));
  // Largest first; a stable sort keeps equal maxima in index order (ties: lower index).
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return col_absmax[size_t(a)] > col_absmax[size_t(b)];
  });
  return order;
}

std::vector<int64_t> choose_kept_columns(std::span<const float> col_absmax, int64_t k) {
  std::vector<int64_t> order = keep_priority(col_absmax);
  order.resize(size_t(std::clamp<int64_t>(k, 0, int64_t(order.size()))));
  std::sort(order.begin(), order.end());
  return order;
}

// Both passes go row by row: copy the row, then patch its kept columns while it is in
// cache (patching after one whole-matrix copy fetches every kept element from memory again).
void keep_forward(std::span<const float> x, MatrixShape m, std::span<const int64_t> kept,
                  std::span<float> out) {
  for (int64_t r = 0; r < m.rows; ++r) {
    const float* xr = x.data() + r * m.cols;
    float* row = out.data() + r * m.cols;
    if (row != xr) std::memcpy(row, xr, size_t(m.cols) * sizeof(float));
    for (int64_t c : kept) row[c] = 0.0f;
  }
}

void keep_inverse(std::span<const float> x, std::span<const float> xq, MatrixShape m,
                  std::span<const int64_t> kept, std::span<float> out) {
  for (int64_t r = 0; r < m.rows; ++r) {
    const float* xr = x.data() + r * m.cols;
    const float* qr = xq.data() + r * m.cols;
    float* row = out.data() + r * m.cols;
    // out may be xq's memory (the copy is skipped then), not x's: x is read after the copy.
    if (row != qr) std::memcpy(row, qr, size_t(m.cols) * sizeof(float));
    // The project's fp16 rounding (ties to even, overflow to ±Inf); NaN/±Inf pass through.
    for (int64_t c : kept)
      row[c] = std::isfinite(xr[c]) ? numeric::fp16_decode(numeric::fp16_encode(xr[c])) : xr[c];
  }
}

}  // namespace qs
