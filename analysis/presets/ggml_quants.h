#pragma once
// llama.cpp's reference quantizers (ggml-quants.c, quantize_row_*_ref, as of ggml-org/
// llama.cpp 01243c5): float rows → the block bytes a GGUF file holds. Decoding those
// bytes with numeric/gguf_blocks gives exactly what llama.cpp's dequantize_row_* gives,
// so x̂, the per-sub-block scales and the codes all come from the stored format itself.
#include <cstddef>
#include <cstdint>

#include "analysis/base/tensor.h"

namespace qs {

// Elements per block of a type this file encodes (32, or 256 for Q4_K / Q6_K).
int64_t ggml_block_elems(DType t);
size_t ggml_block_bytes(DType t);

// Quantizes n elements (a multiple of the block) into n / block blocks at `out`. Where
// the rule clamps a code (e.g. Q4_0's MIN(15, ·) for the value opposite the block's
// signed maximum), clipped[i] is set to 1 (clipped may be null).
// t: Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K or Q6_K.
void ggml_quantize_row(DType t, const float* x, int64_t n, std::byte* out, uint8_t* clipped);

// The same with the scalar reference searches for Q4_K and Q6_K (ggml_quantize_row runs
// their 8 / 16 sub-blocks lane-wise): the tests check the two agree bit for bit.
void ggml_quantize_row_scalar(DType t, const float* x, int64_t n, std::byte* out, uint8_t* clipped);

// llama.cpp's nearest_int: round half to even through the 1.5·2^23 trick (|x| < 2^22).
int ggml_nearest_int(float x);

}  // namespace qs
