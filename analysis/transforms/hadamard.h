#pragma once
// `rot=hadamard[,rot_seed=S]` (QuaRot / QuIP-style incoherence), DESIGN.md "Beyond clipping":
// b = the largest power of two dividing cols; each row is cut into cols/b consecutive
// blocks and each block v becomes (v ⊙ d)·H_b/√b, H_b the Sylvester Hadamard matrix.
// d_j = +1 without a seed; with one, d_j = −1 when the top bit of the j-th splitmix64
// output is set. Arithmetic is float64 (an in-place fast Walsh–Hadamard transform per
// block, O(b log b)), rounded once to float32. Inverse: x̂ = (x̂′·H_b/√b) ⊙ d.
// The fast versions are threaded over rows and give the same bits for any thread count;
// the `_ref` twins are the plain scalar loops the tests compare against.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "analysis/base/run_control.h"
#include "analysis/transforms/matrix_view.h"

namespace qs {

// The largest power of two dividing cols (1 for odd cols; 1 for cols == 0).
int64_t hadamard_block(int64_t cols);

// splitmix64 (state += 0x9E3779B97F4A7C15; ...), the n first outputs from `seed`.
std::vector<uint64_t> splitmix64_outputs(uint64_t seed, int64_t n);
// d_j for j in [0, cols): +1, or −1 where the top bit of the j-th output is set.
std::vector<float> hadamard_signs(int64_t cols, std::optional<uint64_t> seed);

// out = the rotated matrix (out may alias x). x holds only finite values (the caller
// refuses NaN/±Inf before). control: total/done count rows; on cancel the rest is
// skipped (check control->cancelled()).
void hadamard_forward(std::span<const float> x, MatrixShape m, std::optional<uint64_t> seed,
                      std::span<float> out, int threads = 0, RunControl* control = nullptr);
// out = (xq·H_b/√b) ⊙ d, block by block (H_b is symmetric and H_b·H_b = b·I).
void hadamard_inverse(std::span<const float> xq, MatrixShape m, std::optional<uint64_t> seed,
                      std::span<float> out, int threads = 0, RunControl* control = nullptr);

void hadamard_forward_ref(std::span<const float> x, MatrixShape m, std::optional<uint64_t> seed,
                          std::span<float> out);
void hadamard_inverse_ref(std::span<const float> xq, MatrixShape m, std::optional<uint64_t> seed,
                          std::span<float> out);

}  // namespace qs
