// GGUF block layouts and dequantization. Each function states the ggml layout it reads;
// all loads go through bytes (no alignment or aliasing assumptions about mapped files).
#include "analysis/numeric/gguf_blocks.h"

#include <algorithm>
#include <cstring>

#include "analysis/numeric/float_formats.h"

namespace qs::numeric {
namespace {

float load_f16(const std::byte* p) {
  const uint16_t v = uint16_t(uint8_t(p[0])) | uint16_t(uint16_t(uint8_t(p[1])) << 8);
  return fp16_decode(v);
}
inline uint8_t u8(const std::byte* p, size_t i) {
  return uint8_t(p[i]);
}

// block_q8_0 { ggml_half d; int8_t qs[32]; }: x[i] = d · qs[i].
void q8_0_params(const std::byte* b, GgufBlockParams& p) {
  p.sub_block_elems = 32;
  p.scale = {load_f16(b)};
  p.min = {0.0f};
  p.codes.resize(32);
  for (int i = 0; i < 32; ++i) p.codes[size_t(i)] = int8_t(u8(b, 2 + size_t(i)));
  p.code_min = -128;
  p.code_max = 127;
}

// block_q4_0 { ggml_half d; uint8_t qs[16]; }: element i < 16 is the low nibble of qs[i],
// element i + 16 the high nibble; x = d · (q − 8).
void q4_0_params(const std::byte* b, GgufBlockParams& p) {
  p.sub_block_elems = 32;
  p.scale = {load_f16(b)};
  p.min = {0.0f};
  p.codes.resize(32);
  for (int i = 0; i < 16; ++i) {
    const uint8_t q = u8(b, 2 + size_t(i));
    p.codes[size_t(i)] = int(q & 0x0F) - 8;
    p.codes[size_t(i) + 16] = int(q >> 4) - 8;
  }
  p.code_min = -8;
  p.code_max = 7;
}

}  // namespace

GgufBlockParams gguf_block_params(DType t, const std::byte* block) {
  GgufBlockParams p;
  switch (t) {
    case DType::Q8_0: q8_0_params(block, p); break;
    case DType::Q4_0: q4_0_params(block, p); break;
    default: break;  // TODO(#5): Q4_1, Q5_0, Q5_1 and the K-quants
  }
  return p;
}

void gguf_dequantize_blocks(DType t, const std::byte* blocks, int64_t n_blocks, float* out) {
  const int64_t be = dtype_block_elems(t), bb = dtype_block_bytes(t);
  for (int64_t k = 0; k < n_blocks; ++k) {
    const GgufBlockParams p = gguf_block_params(t, blocks + k * bb);
    for (int64_t i = 0; i < be; ++i) {
      const size_t j = p.sub_block_elems ? size_t(i / p.sub_block_elems) : 0;
      out[k * be + i] = j < p.scale.size() ? p.scale[j] * float(p.codes[size_t(i)]) - p.min[j] : 0.0f;
    }
  }
}

void gguf_dequantize_range(DType t, std::span<const std::byte> bytes, int64_t first,
                           std::span<float> out) {
  const int64_t be = dtype_block_elems(t), bb = dtype_block_bytes(t);
  float block[256];
  int64_t done = 0;
  const int64_t n = int64_t(out.size());
  while (done < n) {
    const int64_t e = first + done;
    const int64_t k = e / be, off = e % be;
    const int64_t take = std::min(be - off, n - done);
    if (off == 0 && take == be) {
      gguf_dequantize_blocks(t, bytes.data() + k * bb, 1, out.data() + done);
    } else {
      gguf_dequantize_blocks(t, bytes.data() + k * bb, 1, block);
      std::copy(block + off, block + off + take, out.data() + done);
    }
    done += take;
  }
}

double gguf_bits_per_weight(DType t) {
  return double(dtype_block_bytes(t)) * 8.0 / double(dtype_block_elems(t));
}

}  // namespace qs::numeric
