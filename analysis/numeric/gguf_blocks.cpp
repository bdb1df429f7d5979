// GGUF block layouts and dequantization. Each type has two readers of the same bytes:
// `*_params` (the plain reference: unpacks codes, scales and offsets one by one, used by
// the stored-quantization view and the tests) and `*_fast` (decodes straight into the
// output, no allocation). Layouts follow ggml-common.h (QK_K = 256, K_SCALE_SIZE = 12);
// the formula of each type is written next to its code. All loads go through bytes, so
// there are no alignment or aliasing assumptions about the mapped file.
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
inline uint32_t load_u32(const std::byte* p) {
  return uint32_t(u8(p, 0)) | uint32_t(u8(p, 1)) << 8 | uint32_t(u8(p, 2)) << 16 |
         uint32_t(u8(p, 3)) << 24;
}

void shape_params(GgufBlockParams& p, int64_t sub, int n_sub, int code_min, int code_max,
                  int64_t elems) {
  p.sub_block_elems = sub;
  p.scale.assign(size_t(n_sub), 0.0f);
  p.offset.assign(size_t(n_sub), 0.0f);
  p.codes.assign(size_t(elems), 0);
  p.code_min = code_min;
  p.code_max = code_max;
}

// ---- 32-element blocks -------------------------------------------------------------

// block_q8_0 { half d; int8 qs[32]; } (34 bytes): x[i] = d · qs[i].
void q8_0_params(const std::byte* b, GgufBlockParams& p) {
  shape_params(p, 32, 1, -128, 127, 32);
  p.scale[0] = load_f16(b);
  for (size_t i = 0; i < 32; ++i) p.codes[i] = int8_t(u8(b, 2 + i));
}
void q8_0_fast(const std::byte* b, float* y) {
  const float d = load_f16(b);
  for (size_t i = 0; i < 32; ++i) y[i] = d * float(int8_t(u8(b, 2 + i)));
}

// block_q4_0 { half d; uint8 qs[16]; } (18 bytes): element i < 16 is the low nibble of
// qs[i], element i + 16 the high nibble; x = d · (q − 8).
void q4_0_params(const std::byte* b, GgufBlockParams& p) {
  shape_params(p, 32, 1, -8, 7, 32);
  p.scale[0] = load_f16(b);
  for (size_t i = 0; i < 16; ++i) {
    const uint8_t q = u8(b, 2 + i);
    p.codes[i] = int(q & 0x0F) - 8;
    p.codes[i + 16] = int(q >> 4) - 8;
  }
}
void q4_0_fast(const std::byte* b, float* y) {
  const float d = load_f16(b);
  for (size_t i = 0; i < 16; ++i) {
    const uint8_t q = u8(b, 2 + i);
    y[i] = d * float(int(q & 0x0F) - 8);
    y[i + 16] = d * float(int(q >> 4) - 8);
  }
}

// block_q4_1 { half d; half m; uint8 qs[16]; } (20 bytes): nibbles as Q4_0, unsigned;
// x = d · q + m.
void q4_1_params(const std::byte* b, GgufBlockParams& p) {
  shape_params(p, 32, 1, 0, 15, 32);
  p.scale[0] = load_f16(b);
  p.offset[0] = load_f16(b + 2);
  for (size_t i = 0; i < 16; ++i) {
    const uint8_t q = u8(b, 4 + i);
    p.codes[i] = q & 0x0F;
    p.codes[i + 16] = q >> 4;
  }
}
void q4_1_fast(const std::byte* b, float* y) {
  const float d = load_f16(b), m = load_f16(b + 2);
  for (size_t i = 0; i < 16; ++i) {
    const uint8_t q = u8(b, 4 + i);
    y[i] = d * float(q & 0x0F) + m;
    y[i + 16] = d * float(q >> 4) + m;
  }
}

// block_q5_0 { half d; uint8 qh[4]; uint8 qs[16]; } (22 bytes): the 5th bit of element
// j is bit j of the little-endian u32 qh; low 4 bits as Q4_0; x = d · (q − 16).
void q5_0_params(const std::byte* b, GgufBlockParams& p) {
  shape_params(p, 32, 1, -16, 15, 32);
  p.scale[0] = load_f16(b);
  const uint32_t qh = load_u32(b + 2);
  for (size_t i = 0; i < 16; ++i) {
    const uint8_t q = u8(b, 6 + i);
    p.codes[i] = int((q & 0x0F) | ((qh >> i) & 1u) << 4) - 16;
    p.codes[i + 16] = int((q >> 4) | ((qh >> (i + 16)) & 1u) << 4) - 16;
  }
}
void q5_0_fast(const std::byte* b, float* y) {
  const float d = load_f16(b);
  const uint32_t qh = load_u32(b + 2);
  for (size_t i = 0; i < 16; ++i) {
    const uint8_t q = u8(b, 6 + i);
    y[i] = d * float(int((q & 0x0F) | ((qh >> i) & 1u) << 4) - 16);
    y[i + 16] = d * float(int((q >> 4) | ((qh >> (i + 16)) & 1u) << 4) - 16);
  }
}

// block_q5_1 { half d; half m; uint8 qh[4]; uint8 qs[16]; } (24 bytes): bits as Q5_0,
// unsigned; x = d · q + m.
void q5_1_params(const std::byte* b, GgufBlockParams& p) {
  shape_params(p, 32, 1, 0, 31, 32);
  p.scale[0] = load_f16(b);
  p.offset[0] = load_f16(b + 2);
  const uint32_t qh = load_u32(b + 4);
  for (size_t i = 0; i < 16; ++i) {
    const uint8_t q = u8(b, 8 + i);
    p.codes[i] = int((q & 0x0F) | ((qh >> i) & 1u) << 4);
    p.codes[i + 16] = int((q >> 4) | ((qh >> (i + 16)) & 1u) << 4);
  }
}
void q5_1_fast(const std::byte* b, float* y) {
  const float d = load_f16(b), m = load_f16(b + 2);
  const uint32_t qh = load_u32(b + 4);
  for (size_t i = 0; i < 16; ++i) {
    const uint8_t q = u8(b, 8 + i);
    y[i] = d * float((q & 0x0F) | ((qh >> i) & 1u) << 4) + m;
    y[i + 16] = d * float((q >> 4) | ((qh >> (i + 16)) & 1u) << 4) + m;
  }
}

// ---- K-quants: 256-element super-blocks ---------------------------------------------

// block_q2_K { uint8 scales[16]; uint8 qs[64]; half d; half dmin; } (84 bytes).
// 16 sub-blocks of 16: scales[j] holds the 4-bit scale (low nibble) and 4-bit min (high).
// Each 128-element half uses 32 bytes of qs; the four 2-bit planes (shift 0, 2, 4, 6)
// hold 32 elements each, of which the first 16 use qs[l] and the next 16 qs[l + 16].
// x = d·sc_j · q − dmin·m_j.
template <class Emit>
void q2_k_walk(const std::byte* b, Emit emit) {
  const float d = load_f16(b + 80), dmin = load_f16(b + 82);
  int e = 0, is = 0;
  for (size_t half = 0; half < 2; ++half) {
    const std::byte* q = b + 16 + 32 * half;
    for (int shift = 0; shift < 8; shift += 2) {
      for (size_t part = 0; part < 2; ++part, ++is) {
        const uint8_t sc = u8(b, size_t(is));
        const float dl = d * float(sc & 0x0F), ml = dmin * float(sc >> 4);
        for (size_t l = 0; l < 16; ++l) emit(e++, is, (u8(q, l + 16 * part) >> shift) & 3, dl, -ml);
      }
    }
  }
}

// block_q3_K { uint8 hmask[32]; uint8 qs[64]; uint8 scales[12]; half d; } (110 bytes).
// 16 sub-blocks of 16 with 6-bit scales: the low 4 bits of scale j are nibble (j % 8) of
// scales[0..7] (low nibbles first), the high 2 bits come from scales[8 + j % 4] at bit
// 2·(j / 4); the scale is that value − 32. The low 2 bits of each code are planes of qs
// as in Q2_K; the high bit is hmask[l] bit k for element (32·k + l), and a *cleared* bit
// subtracts 4: x = d·(s_j − 32) · (q − (h ? 0 : 4)).
int q3_k_scale(const std::byte* b, int j) {
  const std::byte* s = b + 96;
  const int lo = j < 8 ? (u8(s, size_t(j)) & 0x0F) : (u8(s, size_t(j - 8)) >> 4);
  const int hi = (u8(s, size_t(8 + j % 4)) >> (2 * (j / 4))) & 3;
  return (lo | hi << 4) - 32;
}
template <class Emit>
void q3_k_walk(const std::byte* b, Emit emit) {
  const float d = load_f16(b + 108);
  const std::byte* hm = b;
  int e = 0, is = 0;
  uint8_t m = 1;
  for (size_t half = 0; half < 2; ++half) {
    const std::byte* q = b + 32 + 32 * half;
    for (int shift = 0; shift < 8; shift += 2, m = uint8_t(m << 1)) {
      for (size_t part = 0; part < 2; ++part, ++is) {
        const float dl = d * float(q3_k_scale(b, is));
        for (size_t l = 0; l < 16; ++l) {
          const size_t k = l + 16 * part;
          const int code = int((u8(q, k) >> shift) & 3) - ((u8(hm, k) & m) ? 0 : 4);
          emit(e++, is, code, dl, 0.0f);
        }
      }
    }
  }
}

// The 6-bit (scale, min) pairs of Q4_K and Q5_K in their 12 bytes (get_scale_min_k4):
// pairs 0..3 are the low 6 bits of bytes j and j + 4; pairs 4..7 take their low 4 bits
// from the nibbles of byte j + 4 and their top 2 bits from the top bits of bytes j − 4
// (scale) and j (min).
void scale_min_k4(int j, const std::byte* s, int& sc, int& m) {
  const size_t i = size_t(j);
  if (j < 4) {
    sc = u8(s, i) & 63;
    m = u8(s, i + 4) & 63;
  } else {
    sc = (u8(s, i + 4) & 0x0F) | (u8(s, i - 4) >> 6) << 4;
    m = (u8(s, i + 4) >> 4) | (u8(s, i) >> 6) << 4;
  }
}

// block_q4_K { half d; half dmin; uint8 scales[12]; uint8 qs[128]; } (144 bytes).
// 8 sub-blocks of 32; each 64 elements use 32 bytes of qs: low nibbles are sub-block
// 2k, high nibbles sub-block 2k + 1. x = d·sc_j · q − dmin·m_j.
template <class Emit>
void q4_k_walk(const std::byte* b, Emit emit) {
  const float d = load_f16(b), dmin = load_f16(b + 2);
  int e = 0;
  for (int j = 0; j < 8; ++j) {
    int sc = 0, m = 0;
    scale_min_k4(j, b + 4, sc, m);
    const float dl = d * float(sc), ml = dmin * float(m);
    const std::byte* q = b + 16 + 32 * size_t(j / 2);
    const int shift = (j % 2) * 4;
    for (size_t l = 0; l < 32; ++l) emit(e++, j, (u8(q, l) >> shift) & 0x0F, dl, -ml);
  }
}

// block_q5_K { half d; half dmin; uint8 scales[12]; uint8 qh[32]; uint8 qs[128]; }
// (176 bytes): as Q4_K plus a 5th bit, bit j of qh[l] for element l of sub-block j.
// x = d·sc_j · q − dmin·m_j.
template <class Emit>
void q5_k_walk(const std::byte* b, Emit emit) {
  const float d = load_f16(b), dmin = load_f16(b + 2);
  const std::byte* qh = b + 16;
  int e = 0;
  for (int j = 0; j < 8; ++j) {
    int sc = 0, m = 0;
    scale_min_k4(j, b + 4, sc, m);
    const float dl = d * float(sc), ml = dmin * float(m);
    const std::byte* q = b + 48 + 32 * size_t(j / 2);
    const int shift = (j % 2) * 4;
    for (size_t l = 0; l < 32; ++l) {
      const int code = ((u8(q, l) >> shift) & 0x0F) | ((u8(qh, l) >> j) & 1) << 4;
      emit(e++, j, code, dl, -ml);
    }
  }
}

// block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d; } (210 bytes).
// 16 sub-blocks of 16 with signed 8-bit scales. In each 128-element half (ql += 64,
// qh += 32): element l (l < 32) of quarter k takes its low 4 bits from ql[l + 32·(k%2)]
// (low nibble for k < 2, high for k ≥ 2) and its top 2 bits from qh[l] at bit 2k;
// x = d·sc · (q − 32), with sub-block = 8·half + 2k + l/16.
template <class Emit>
void q6_k_walk(const std::byte* b, Emit emit) {
  const float d = load_f16(b + 208);
  for (size_t half = 0; half < 2; ++half) {
    const std::byte* ql = b + 64 * half;
    const std::byte* qh = b + 128 + 32 * half;
    for (size_t k = 0; k < 4; ++k) {
      for (size_t l = 0; l < 32; ++l) {
        const int lo = (u8(ql, l + 32 * (k % 2)) >> (k < 2 ? 0 : 4)) & 0x0F;
        const int hi = (u8(qh, l) >> (2 * k)) & 3;
        const int is = int(8 * half + 2 * k + l / 16);
        const float dl = d * float(int8_t(u8(b, 192 + size_t(is))));
        emit(int(128 * half + 32 * k + l), is, (lo | hi << 4) - 32, dl, 0.0f);
      }
    }
  }
}

template <class Walk>
void k_params(const std::byte* b, GgufBlockParams& p, Walk walk) {
  walk(b, [&](int e, int j, int code, float scale, float offset) {
    p.codes[size_t(e)] = code;
    p.scale[size_t(j)] = scale;
    p.offset[size_t(j)] = offset;
  });
}
template <class Walk>
void k_fast(const std::byte* b, float* y, Walk walk) {
  walk(b, [y](int e, int, int code, float scale, float offset) {
    y[e] = offset != 0.0f ? scale * float(code) + offset : scale * float(code);
  });
}

}  // namespace

GgufBlockParams gguf_block_params(DType t, const std::byte* block) {
  GgufBlockParams p;
  gguf_block_params(t, block, p);
  return p;
}

void gguf_block_params(DType t, const std::byte* block, GgufBlockParams& p) {
  switch (t) {
    case DType::Q8_0: q8_0_params(block, p); break;
    case DType::Q4_0: q4_0_params(block, p); break;
    case DType::Q4_1: q4_1_params(block, p); break;
    case DType::Q5_0: q5_0_params(block, p); break;
    case DType::Q5_1: q5_1_params(block, p); break;
    case DType::Q2_K:
      shape_params(p, 16, 16, 0, 3, 256);
      k_params(block, p, [](const std::byte* b, auto emit) { q2_k_walk(b, emit); });
      break;
    case DType::Q3_K:
      shape_params(p, 16, 16, -4, 3, 256);
      k_params(block, p, [](const std::byte* b, auto emit) { q3_k_walk(b, emit); });
      break;
    case DType::Q4_K:
      shape_params(p, 32, 8, 0, 15, 256);
      k_params(block, p, [](const std::byte* b, auto emit) { q4_k_walk(b, emit); });
      break;
    case DType::Q5_K:
      shape_params(p, 32, 8, 0, 31, 256);
      k_params(block, p, [](const std::byte* b, auto emit) { q5_k_walk(b, emit); });
      break;
    case DType::Q6_K:
      shape_params(p, 16, 16, -32, 31, 256);
      k_params(block, p, [](const std::byte* b, auto emit) { q6_k_walk(b, emit); });
      break;
    default: p = GgufBlockParams(); break;  // not a block type: no parameters
  }
}

void gguf_dequantize_block_reference(DType t, const std::byte* block, float* out) {
  const GgufBlockParams p = gguf_block_params(t, block);
  for (size_t i = 0; i < p.codes.size(); ++i) {
    const size_t j = size_t(int64_t(i) / p.sub_block_elems);
    // No "+ 0": it would turn a −0 product into +0, which llama.cpp does not do.
    out[i] = p.offset[j] != 0.0f ? p.scale[j] * float(p.codes[i]) + p.offset[j]
                                 : p.scale[j] * float(p.codes[i]);
  }
}

void gguf_dequantize_blocks(DType t, const std::byte* blocks, int64_t n_blocks, float* out) {
  const int64_t be = dtype_block_elems(t), bb = dtype_block_bytes(t);
  for (int64_t k = 0; k < n_blocks; ++k) {
    const std::byte* b = blocks + k * bb;
    float* y = out + k * be;
    switch (t) {
      case DType::Q8_0: q8_0_fast(b, y); break;
      case DType::Q4_0: q4_0_fast(b, y); break;
      case DType::Q4_1: q4_1_fast(b, y); break;
      case DType::Q5_0: q5_0_fast(b, y); break;
      case DType::Q5_1: q5_1_fast(b, y); break;
      case DType::Q2_K: k_fast(b, y, [](const std::byte* x, auto emit) { q2_k_walk(x, emit); }); break;
      case DType::Q3_K: k_fast(b, y, [](const std::byte* x, auto emit) { q3_k_walk(x, emit); }); break;
      case DType::Q4_K: k_fast(b, y, [](const std::byte* x, auto emit) { q4_k_walk(x, emit); }); break;
      case DType::Q5_K: k_fast(b, y, [](const std::byte* x, auto emit) { q5_k_walk(x, emit); }); break;
      case DType::Q6_K: k_fast(b, y, [](const std::byte* x, auto emit) { q6_k_walk(x, emit); }); break;
      default: std::fill(y, y + be, 0.0f); break;
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
    if (off == 0 && n - done >= be) {  // whole blocks straight into the output
      const int64_t blocks = (n - done) / be;
      gguf_dequantize_blocks(t, bytes.data() + k * bb, blocks, out.data() + done);
      done += blocks * be;
      continue;
    }
    const int64_t take = std::min(be - off, n - done);
    gguf_dequantize_blocks(t, bytes.data() + k * bb, 1, block);
    std::copy(block + off, block + off + take, out.data() + done);
    done += take;
  }
}

double gguf_bits_per_weight(DType t) {
  return double(dtype_block_bytes(t)) * 8.0 / double(dtype_block_elems(t));
}

}  // namespace qs::numeric
