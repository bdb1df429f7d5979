#pragma once
// GGUF / ggml block-quantized weights: the byte layout of each block type and its
// dequantization to float (x = d·q or x = d·q − m per (sub-)block), plus the per-block
// parameters the file stored, so the app can show how a tensor was quantized.
//
// Layouts are facts of the format (ggml-common.h's block_q4_0 ... block_q6_K, QK_K = 256),
// transcribed in gguf_blocks.cpp with the formula of each type next to its code.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "analysis/tensor.h"

namespace qs::numeric {

// Decodes elements [first, first + out.size()) of a row-major tensor of block type t
// whose bytes are `bytes` (whole blocks; the reader validated the size).
void gguf_dequantize_range(DType t, std::span<const std::byte> bytes, int64_t first,
                           std::span<float> out);

// Dequantizes n_blocks whole blocks at `blocks` into out (n_blocks · block_elems floats).
void gguf_dequantize_blocks(DType t, const std::byte* blocks, int64_t n_blocks, float* out);

// What one stored block says, for the "stored quantization" view: every weight is
// scale[j]·code − min[j] for the sub-block j it belongs to. Types without a min
// (Q4_0, Q5_0, Q8_0, Q3_K, Q6_K) report min = 0 and signed codes.
struct GgufBlockParams {
  int64_t sub_block_elems = 0;  // 32 for Q4_0..Q8_0; 16 or 32 for the K-quants
  std::vector<float> scale;     // effective scale per sub-block (super-scale folded in)
  std::vector<float> min;       // effective min per sub-block (0 when the type has none)
  std::vector<int> codes;       // block_elems integer codes, in element order
  int code_min = 0, code_max = 0;  // the code range of the type (e.g. -8..7 for Q4_0)
};
GgufBlockParams gguf_block_params(DType t, const std::byte* block);

// Bits per weight as stored: block_bytes · 8 / block_elems (Q4_K: 4.5, Q8_0: 8.5).
double gguf_bits_per_weight(DType t);

}  // namespace qs::numeric
