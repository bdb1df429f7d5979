#pragma once
// `keep=k` (LLM.int8-style mixed precision), DESIGN.md "Beyond clipping": the k columns
// with the largest max|x| over finite values (ties: the lower index) are kept as fp16
// (x̂ = fp16(x) there); x′ = x with those columns set to 0 (the zeroed columns take part
// in the quantizer's ranges). bits/weight += (16·rows·k + 32·k)/numel.
#include <cstdint>
#include <span>
#include <vector>

#include "analysis/transforms/matrix_view.h"

namespace qs {

// The kept columns, ascending, from the per-column max |x| (column_absmax()).
// Precondition: 1 ≤ k ≤ col_absmax.size().
std::vector<int64_t> choose_kept_columns(std::span<const float> col_absmax, int64_t k);
// Every column ordered by keep priority (largest max|x| first, ties: lower index): the
// first k of it, sorted, is choose_kept_columns(.., k). Lets a slider over k reuse one sort.
std::vector<int64_t> keep_priority(std::span<const float> col_absmax);

// out = x with the kept columns set to +0 (out may alias x).
void keep_forward(std::span<const float> x, MatrixShape m, std::span<const int64_t> kept, std::span<float> out);
// x̂ at the kept columns = fp16(x) (non-finite pass through); elsewhere x̂′ (out may alias xq,
// not x).
void keep_inverse(std::span<const float> x, std::span<const float> xq, MatrixShape m,
                  std::span<const int64_t> kept, std::span<float> out);

}  // namespace qs
