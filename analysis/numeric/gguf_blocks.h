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

#include "analysis/base/tensor.h"

namespace qs::numeric {

// Decodes elements [first, first + out.size()) of a row-major tensor of block type t
// whose bytes are `bytes` (whole blocks; the reader validated the size).
void gguf_dequantize_range(DType t, std::span<const std::byte> bytes, int64_t first,
                           std::span<float> out);

// Dequantizes n_blocks whole blocks at `blocks` into out (n_blocks · block_elems floats).
void gguf_dequantize_blocks(DType t, const std::byte* blocks, int64_t n_blocks, float* out);

// What one stored block says, for the "stored quantization" view and as the plain
// reference the fast decoder is tested against: every weight is
// scale[j]·code + offset[j] for the sub-block j it belongs to, computed in float32 in
// exactly that order (llama.cpp's dequantize_row_* rounds the same way).
// offset is the block minimum m for Q4_1/Q5_1, −dmin·m_j for Q2_K/Q4_K/Q5_K, and 0 for
// the symmetric types (Q4_0, Q5_0, Q8_0, Q3_K, Q6_K), whose codes are signed.
struct GgufBlockParams {
  int64_t sub_block_elems = 0;  // 32 for Q4_0..Q8_0, Q4_K, Q5_K; 16 for Q2_K, Q3_K, Q6_K
  std::vector<float> scale;     // effective scale per sub-block (super-scale folded in)
  std::vector<float> offset;    // effective offset per sub-block
  std::vector<int> codes;       // block_elems integer codes, in element order
  int code_min = 0, code_max = 0;  // the code range of the type (e.g. -8..7 for Q4_0)
};
GgufBlockParams gguf_block_params(DType t, const std::byte* block);
// The same into `out`, reusing its vectors (no allocation after the first block).
void gguf_block_params(DType t, const std::byte* block, GgufBlockParams& out);

// Dequantizes one block through gguf_block_params: the slow reference twin of
// gguf_dequantize_blocks.
void gguf_dequantize_block_reference(DType t, const std::byte* block, float* out);

// Bits per weight as stored: block_bytes · 8 / block_elems (Q4_K: 4.5, Q8_0: 8.5).
double gguf_bits_per_weight(DType t);

}  // namespace qs::numeric
