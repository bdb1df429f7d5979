#pragma once
// `smooth=α` (SmoothQuant), DESIGN.md "Beyond clipping": per-column activation maxima a_j
// migrate the activations' outliers into the weights. In float32 as smooth.py computes it:
//   w_j = max(max_r |x[r,j]|, 1e-5f)   (finite values only)
//   s_j = max(powf(a_j, α) / powf(w_j, 1−α), 1e-5f)
//   x′ = float32(x·s_j),  x̂ = float32(x̂′/s_j) computed in double.
// Non-finite elements pass through unchanged. bits/weight unchanged (s folds into the
// previous layer).
#include <cstdint>
#include <span>
#include <vector>

#include "analysis/base/error.h"
#include "analysis/base/run_control.h"
#include "analysis/transforms/matrix_view.h"

namespace qs {

// max |x[r, j]| over the finite values of column j (0 for a column with none).
// Threaded over row tiles, reduced in a fixed order (max is exact anyway).
std::vector<float> column_absmax(std::span<const float> x, MatrixShape m, int threads = 0);
std::vector<float> column_absmax_ref(std::span<const float> x, MatrixShape m);

// The activation maxima for the matrix's columns: `act` as given when its length is cols;
// for a conv weight (rank ≥ 3, length = shape[1], the input channels; cols a multiple of it)
// each input channel's maximum repeated over its kernel taps (PyTorch OIHW: cols = in·kh·kw,
// channel-major). Otherwise
// an error naming `smooth` and the length needed; also when a value is negative or not finite.
Result<std::vector<float>> activation_maxima_for(std::span<const float> act, std::span<const int64_t> shape);

struct SmoothScales {
  std::vector<float> s;             // s_j, length cols
  double act_absmax_before = 0;     // max a_j
  double act_absmax_after = 0;      // max a_j / s_j (double)
  double scale_min = 0, scale_max = 0;
};
// Preconditions: a.size() == col_absmax.size(), 0 ≤ alpha ≤ 1.
SmoothScales smooth_scales(std::span<const float> col_absmax, std::span<const float> a, double alpha);

// out may alias the input (element by element).
void smooth_forward(std::span<const float> x, MatrixShape m, std::span<const float> s, std::span<float> out,
                    int threads = 0);
void smooth_inverse(std::span<const float> xq, MatrixShape m, std::span<const float> s, std::span<float> out,
                    int threads = 0);

}  // namespace qs
