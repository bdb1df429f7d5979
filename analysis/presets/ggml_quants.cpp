// llama.cpp's reference quantizers, rule for rule (ggml/src/ggml-quants.c,
// quantize_row_{q8_0,q4_0,q4_1,q5_0,q5_1,q4_K,q6_K}_ref). Float32 arithmetic in the same
// order as the C code (the build uses -ffp-contract=off, so no fused multiply-adds),
// fp16 fields rounded to nearest even as GGML_FP32_TO_FP16 does.
#include "analysis/presets/ggml_quants.h"

#include <algorithm>
#include <cmath>
#include <cfloat>
#include <cstring>

#include "analysis/numeric/float_formats.h"

namespace qs {
namespace {

constexpr float kGroupMaxEps = 1e-15f;  // GROUP_MAX_EPS

void put_half(std::byte* p, float v) {
  const uint16_t h = numeric::fp16_encode(v);
  std::memcpy(p, &h, 2);  // little-endian host (the GGUF readers check the file's order)
}

float get_half(const std::byte* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return numeric::fp16_decode(h);
}

void flag(uint8_t* clipped, int64_t i) {
  if (clipped) clipped[i] = 1;
}

// Q8_0: d = amax/127 (fp16), q = roundf(x·(1/d)): round half away from zero.
void q8_0(const float* x, std::byte* y) {
  float amax = 0.0f;
  for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / ((1 << 7) - 1);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  put_half(y, d);
  for (int j = 0; j < 32; ++j) y[2 + j] = std::byte(uint8_t(int8_t(std::round(x[j] * id))));
}

// The signed maximum: the element of largest |x|, first one on ties (Q4_0, Q5_0).
float signed_max(const float* x) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < 32; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

// Q4_0: d = max/−8, q = MIN(15, (int8_t)(x·(1/d) + 8.5)): truncation after +8.5, so the
// value opposite the signed maximum (x·id = +8) is clamped from 16 to 15.
void q4_0(const float* x, std::byte* y, uint8_t* clipped) {
  const float max = signed_max(x);
  const float d = max / -8;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  put_half(y, d);
  for (int j = 0; j < 16; ++j) {
    const int q0 = int8_t(x[j] * id + 8.5f), q1 = int8_t(x[j + 16] * id + 8.5f);
    if (q0 > 15) flag(clipped, j);
    if (q1 > 15) flag(clipped, j + 16);
    y[2 + j] = std::byte(uint8_t(std::min(15, q0) | (std::min(15, q1) << 4)));
  }
}

// Q4_1: d = (max − min)/15, m = min (both fp16), q = MIN(15, (int8_t)((x − min)·(1/d) + 0.5)).
void q4_1(const float* x, std::byte* y, uint8_t* clipped) {
  float min = FLT_MAX, max = -FLT_MAX;
  for (int j = 0; j < 32; ++j) min = std::min(min, x[j]), max = std::max(max, x[j]);
  const float d = (max - min) / ((1 << 4) - 1);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  put_half(y, d);
  put_half(y + 2, min);
  for (int j = 0; j < 16; ++j) {
    const int q0 = int8_t((x[j] - min) * id + 0.5f), q1 = int8_t((x[j + 16] - min) * id + 0.5f);
    if (q0 > 15) flag(clipped, j);
    if (q1 > 15) flag(clipped, j + 16);
    y[4 + j] = std::byte(uint8_t(std::min(15, q0) | (std::min(15, q1) << 4)));
  }
}

// Q5_0: d = max/−16, q = MIN(31, (int8_t)(x·(1/d) + 16.5)); the 5th bits go to qh.
void q5_0(const float* x, std::byte* y, uint8_t* clipped) {
  const float max = signed_max(x);
  const float d = max / -16;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  put_half(y, d);
  uint32_t qh = 0;
  for (int j = 0; j < 16; ++j) {
    int q0 = int8_t(x[j] * id + 16.5f), q1 = int8_t(x[j + 16] * id + 16.5f);
    if (q0 > 31) flag(clipped, j);
    if (q1 > 31) flag(clipped, j + 16);
    q0 = std::min(31, q0);
    q1 = std::min(31, q1);
    y[6 + j] = std::byte(uint8_t((q0 & 0x0F) | ((q1 & 0x0F) << 4)));
    qh |= uint32_t((q0 & 0x10) >> 4) << j;
    qh |= uint32_t((q1 & 0x10) >> 4) << (j + 16);
  }
  std::memcpy(y + 2, &qh, 4);
}

// Q5_1: d = (max − min)/31, m = min, q = (uint8_t)((x − min)·(1/d) + 0.5) (no clamp in
// llama.cpp: the largest value lands exactly on 31).
void q5_1(const float* x, std::byte* y) {
  float min = FLT_MAX, max = -FLT_MAX;
  for (int j = 0; j < 32; ++j) min = std::min(min, x[j]), max = std::max(max, x[j]);
  const float d = (max - min) / ((1 << 5) - 1);
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  put_half(y, d);
  put_half(y + 2, min);
  uint32_t qh = 0;
  for (int j = 0; j < 16; ++j) {
    const int q0 = uint8_t((x[j] - min) * id + 0.5f), q1 = uint8_t((x[j + 16] - min) * id + 0.5f);
    y[8 + j] = std::byte(uint8_t((q0 & 0x0F) | ((q1 & 0x0F) << 4)));
    qh |= uint32_t((q0 & 0x10) >> 4) << j;
    qh |= uint32_t((q1 & 0x10) >> 4) << (j + 16);
  }
  std::memcpy(y + 4, &qh, 4);
}

// make_qkx2_quants: an asymmetric (scale, min) for n values with weights, searching
// nstep + 1 candidate scales around nmax/(max − min) by weighted least squares.
float make_qkx2_quants(int n, int nmax, const float* x, const float* weights, uint8_t* L, float* the_min,
                       uint8_t* Laux, float rmin, float rdelta, int nstep) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    const float w = weights[i];
    sum_w += w;
    sum_x += w * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    *the_min = -min;
    return 0.f;
  }
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    const int l = ggml_nearest_int(iscale * (x[i] - min));
    L[i] = uint8_t(std::max(0, std::min(nmax, l)));
    float diff = scale * L[i] + min - x[i];
    diff = diff * diff;
    best_error += weights[i] * diff;
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * is + nmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      int l = ggml_nearest_int(iscale * (x[i] - min));
      l = std::max(0, std::min(nmax, l));
      Laux[i] = uint8_t(l);
      const float w = weights[i];
      sum_l += w * l;
      sum_l2 += w * l * l;
      sum_xl += w * l * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; ++i) {
        float diff = this_scale * Laux[i] + this_min - x[i];
        diff = diff * diff;
        cur_error += weights[i] * diff;
      }
      if (cur_error < best_error) {
        for (int i = 0; i < n; ++i) L[i] = Laux[i];
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *the_min = -min;
  return scale;
}

void get_scale_min_k4(int j, const uint8_t* q, uint8_t* d, uint8_t* m) {
  if (j < 4) {
    *d = q[j] & 63;
    *m = q[j + 4] & 63;
  } else {
    *d = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *m = uint8_t((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
  }
}

// The 6-bit scales and mins of Q4_K's 8 sub-blocks, then the final codes against the
// stored fp16 d and dmin (shared by the lane-wise and the scalar search).
void q4_k_finish(const float* x, const float* scales, const float* mins, uint8_t* L, std::byte* out,
                 uint8_t* clipped) {
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    max_scale = std::max(max_scale, scales[j]);
    max_min = std::max(max_min, mins[j]);
  }
  uint8_t sc[12] = {};
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  for (int j = 0; j < 8; ++j) {
    uint8_t ls = uint8_t(ggml_nearest_int(inv_scale * scales[j]));
    uint8_t lm = uint8_t(ggml_nearest_int(inv_min * mins[j]));
    ls = std::min<uint8_t>(63, ls);
    lm = std::min<uint8_t>(63, lm);
    if (j < 4) {
      sc[j] = ls;
      sc[j + 4] = lm;
    } else {
      sc[j + 4] = uint8_t((ls & 0xF) | ((lm & 0xF) << 4));
      sc[j - 4] |= uint8_t((ls >> 4) << 6);
      sc[j - 0] |= uint8_t((lm >> 4) << 6);
    }
  }
  put_half(out, max_scale / 63.f);
  put_half(out + 2, max_min / 63.f);
  std::memcpy(out + 4, sc, 12);
  const float d_all = get_half(out), dmin_all = get_half(out + 2);
  for (int j = 0; j < 8; ++j) {
    uint8_t s, m;
    get_scale_min_k4(j, sc, &s, &m);
    const float d = d_all * s;
    if (d == 0.0f) continue;
    const float dm = dmin_all * m;
    for (int ii = 0; ii < 32; ++ii) {
      int l = ggml_nearest_int((x[32 * j + ii] + dm) / d);
      if (l < 0 || l > 15) flag(clipped, 32 * j + ii);
      l = std::max(0, std::min(15, l));
      L[32 * j + ii] = uint8_t(l);
    }
  }
  auto* q = reinterpret_cast<uint8_t*>(out + 16);
  for (int j = 0; j < 256; j += 64) {
    for (int l = 0; l < 32; ++l) q[l] = uint8_t(L[j + l] | (L[j + l + 32] << 4));
    q += 32;
  }
}

// Q4_K as llama.cpp writes it: 8 sub-blocks of 32, each (scale, min) from
// make_qkx2_quants with weights av_x + |x|; the 8 scales and 8 mins quantized to 6 bits
// against fp16 d and dmin. The readable twin of q4_k below.
void q4_k_scalar(const float* x, std::byte* out, uint8_t* clipped) {
  uint8_t L[256], Laux[32];
  float weights[32], mins[8], scales[8];
  for (int j = 0; j < 8; ++j) {
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
    scales[j] = make_qkx2_quants(32, 15, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, -1.f, 0.1f, 20);
  }
  q4_k_finish(x, scales, mins, L, out, clipped);
}

// The same search with the 8 sub-blocks in 8 lanes: lane j runs exactly sub-block j's
// scalar float operations in the same order (no reassociation, no FMA: the build has
// -ffp-contract=off), so every lane's result is bit for bit make_qkx2_quants'. Branches
// become lane masks. This is where Q4_K's time goes (21 candidate scales × 32 elements
// per sub-block); 8 lanes at a time is ~4× the scalar loop.
// The helpers are inlined: GCC's AVX-ABI note on 32-byte vectors does not apply.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef float V8f __attribute__((vector_size(32)));
typedef int32_t V8i __attribute__((vector_size(32)));
#define QS_LANES inline __attribute__((always_inline))
// mask ? a : b, lanes of mask all ones or zero.
QS_LANES V8f blend(V8i mask, V8f a, V8f b) { return (V8f)(((V8i)a & mask) | ((V8i)b & ~mask)); }
// min(15, max(0, nearest_int(f))) as a float: the integer trick, then the clamp on the
// converted value (exact: small integers), which needs no SSE4 integer min/max.
QS_LANES V8f nearest_0_15(V8f f) {
  const V8f v = f + 12582912.f;
  const V8f l = __builtin_convertvector(((V8i)v & 0x007fffff) - 0x00400000, V8f);
  const V8f lo = blend(l < 0.f, V8f{}, l);
  return blend(lo > 15.f, V8f{} + 15.f, lo);
}
// Cloned for AVX2 where GCC can (one 256-bit register per lane vector; the arithmetic is
// the same IEEE float32 either way, so the clones agree bit for bit).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
void q4_k(const float* x, std::byte* out, uint8_t* clipped) {
  constexpr int nmax = 15, nstep = 20;
  constexpr float rmin = -1.f, rdelta = 0.1f;
  V8f xs[32], w[32];
  for (int i = 0; i < 32; ++i)
    for (int j = 0; j < 8; ++j) xs[i][j] = x[32 * j + i];
  V8f sum_x2 = V8f{};
  for (int i = 0; i < 32; ++i) sum_x2 += xs[i] * xs[i];
  V8f av_x;
  for (int j = 0; j < 8; ++j) av_x[j] = std::sqrt(sum_x2[j] / 32);
  for (int i = 0; i < 32; ++i) {
    V8f a;
    for (int j = 0; j < 8; ++j) a[j] = std::fabs(xs[i][j]);
    w[i] = av_x + a;
  }
  // make_qkx2_quants(32, 15, x, weights, L, &the_min, Laux, -1, 0.1, 20), lane-wise.
  V8f min = xs[0], max = xs[0];
  V8f sum_w = w[0];
  V8f sum_x = sum_w * xs[0];
  for (int i = 1; i < 32; ++i) {
    min = blend(xs[i] < min, xs[i], min);
    max = blend(xs[i] > max, xs[i], max);
    sum_w += w[i];
    sum_x += w[i] * xs[i];
  }
  min = blend(min > 0, V8f{}, min);
  const V8i flat = max == min;  // those lanes: L = 0, the_min = −min, scale = 0
  const V8f range = max - min;
  V8f iscale = float(nmax) / range;
  V8f scale = 1.f / iscale;
  V8f best_error = V8f{};
  V8f Lv[32], Laux[32];  // codes 0..15 as floats
  for (int i = 0; i < 32; ++i) {
    Lv[i] = nearest_0_15(iscale * (xs[i] - min));
    V8f diff = scale * Lv[i] + min - xs[i];
    diff = diff * diff;
    best_error += w[i] * diff;
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * is + nmax) / (max - min);
    V8f sum_l = V8f{}, sum_l2 = V8f{}, sum_xl = V8f{};
    for (int i = 0; i < 32; ++i) {
      const V8f lf = nearest_0_15(iscale * (xs[i] - min));
      Laux[i] = lf;
      sum_l += w[i] * lf;
      sum_l2 += w[i] * lf * lf;
      sum_xl += w[i] * lf * xs[i];
    }
    const V8f D = sum_w * sum_l2 - sum_l * sum_l;
    const V8i positive = D > 0;
    if (!(positive[0] | positive[1] | positive[2] | positive[3] | positive[4] | positive[5] | positive[6] |
          positive[7]))
      continue;
    V8f this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
    V8f this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
    const V8i above = this_min > 0;
    this_min = blend(above, V8f{}, this_min);
    this_scale = blend(above, sum_xl / sum_l2, this_scale);
    V8f cur_error = V8f{};
    for (int i = 0; i < 32; ++i) {
      V8f diff = this_scale * Laux[i] + this_min - xs[i];
      diff = diff * diff;
      cur_error += w[i] * diff;
    }
    const V8i take = positive & (cur_error < best_error) & ~flat;
    for (int i = 0; i < 32; ++i) Lv[i] = blend(take, Laux[i], Lv[i]);
    best_error = blend(take, cur_error, best_error);
    scale = blend(take, this_scale, scale);
    min = blend(take, this_min, min);
  }
  float scales[8], mins[8];
  uint8_t L[256];
  for (int j = 0; j < 8; ++j) {
    scales[j] = flat[j] ? 0.f : scale[j];
    mins[j] = -min[j];
    for (int i = 0; i < 32; ++i) L[32 * j + i] = flat[j] ? 0 : uint8_t(int(Lv[i][j]));
  }
  q4_k_finish(x, scales, mins, L, out, clipped);
}

// make_qx_quants with rmse_type 1 (weights x²): a symmetric scale for n values, trying
// 19 candidate scales around −nmax/max and keeping the weighted least-squares best.
float make_qx_quants(int n, int nmax, const float* x, int8_t* L) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    int l = ggml_nearest_int(iscale * x[i]);
    l = std::max(-nmax, std::min(nmax - 1, l));
    L[i] = int8_t(l + nmax);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * l;
    suml2 += w * l * l;
  }
  float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(nmax + 0.1f * is) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      int l = ggml_nearest_int(iscale * x[i]);
      l = std::max(-nmax, std::min(nmax - 1, l));
      const float w = x[i] * x[i];
      sumlx += w * x[i] * l;
      suml2 += w * l * l;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i) {
        const int l = ggml_nearest_int(iscale * x[i]);
        L[i] = int8_t(nmax + std::max(-nmax, std::min(nmax - 1, l)));
      }
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// Q6_K: 16 sub-blocks of 16, each a symmetric scale from make_qx_quants(16, 32); the
// scales quantized to int8 against fp16 d = max_scale/−128; codes in [−32, 31].
// make_qx_quants(16, 32, ·) for Q6_K's 16 sub-blocks in 16 lanes, as q4_k does for
// make_qkx2_quants: lane j runs sub-block j's scalar float operations in their order.
typedef float V16f __attribute__((vector_size(64)));
typedef int32_t V16i __attribute__((vector_size(64)));
QS_LANES V16f blend16(V16i mask, V16f a, V16f b) { return (V16f)(((V16i)a & mask) | ((V16i)b & ~mask)); }

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void q6_k_search(const float* x, int8_t* L, float* scales) {
  constexpr int nmax = 32;
  V16f xs[16], w[16], wx[16];  // wx = w·x, the first product of llama.cpp's w·x·l
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) xs[i][j] = x[16 * j + i];
  V16f max = V16f{}, amax = V16f{};
  for (int i = 0; i < 16; ++i) {
    V16f ax;
    for (int j = 0; j < 16; ++j) ax[j] = std::fabs(xs[i][j]);
    const V16i more = ax > amax;
    amax = blend16(more, ax, amax);
    max = blend16(more, xs[i], max);
    w[i] = xs[i] * xs[i];
    wx[i] = w[i] * xs[i];
  }
  const V16i tiny = amax < kGroupMaxEps;  // those lanes: L = 0, scale 0
  // min(nmax − 1, max(−nmax, nearest_int(v))) as a float (|v| ≤ 33 here).
  auto code = [](V16f v) {
    const V16f t = v + 12582912.f;
    const V16f l = __builtin_convertvector(((V16i)t & 0x007fffff) - 0x00400000, V16f);
    const V16f lo = blend16(l < float(-nmax), V16f{} - float(nmax), l);
    return blend16(lo > float(nmax - 1), V16f{} + float(nmax - 1), lo);
  };
  // A candidate's codes are a function of its iscale (the scalar code recomputes them from
  // it when it wins), so only the winning iscale is kept and the codes are made once.
  V16f iscale = float(-nmax) / max, best_iscale = iscale;
  V16f sumlx = V16f{}, suml2 = V16f{};
  for (int i = 0; i < 16; ++i) {
    const V16f l = code(iscale * xs[i]);
    sumlx += wx[i] * l;
    suml2 += w[i] * l * l;
  }
  V16f scale = blend16(suml2 != 0.f, sumlx / suml2, V16f{});
  V16f best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(nmax + 0.1f * is) / max;
    sumlx = suml2 = V16f{};
    for (int i = 0; i < 16; ++i) {
      const V16f l = code(iscale * xs[i]);
      sumlx += wx[i] * l;
      suml2 += w[i] * l * l;
    }
    const V16i take = (suml2 > 0.f) & (sumlx * sumlx > best * suml2) & ~tiny;
    best_iscale = blend16(take, iscale, best_iscale);
    scale = blend16(take, sumlx / suml2, scale);
    best = blend16(take, scale * sumlx, best);
  }
  V16f Lv[16];
  for (int i = 0; i < 16; ++i) Lv[i] = code(best_iscale * xs[i]);
  for (int j = 0; j < 16; ++j) {
    scales[j] = tiny[j] ? 0.f : scale[j];
    for (int i = 0; i < 16; ++i) L[16 * j + i] = tiny[j] ? int8_t(0) : int8_t(int(Lv[i][j]) + nmax);
  }
}

void q6_k_impl(const float* x, std::byte* out, uint8_t* clipped, bool lanes) {
  int8_t L[256];
  float scales[16];
  float max_scale = 0, max_abs_scale = 0;
  if (lanes) q6_k_search(x, L, scales);
  for (int ib = 0; ib < 16; ++ib) {
    const float scale = lanes ? scales[ib] : make_qx_quants(16, 32, x + 16 * ib, L + 16 * ib);
    scales[ib] = scale;
    if (std::fabs(scale) > max_abs_scale) {
      max_abs_scale = std::fabs(scale);
      max_scale = scale;
    }
  }
  std::memset(out, 0, 210);
  if (max_abs_scale < kGroupMaxEps) {
    put_half(out + 208, 0.f);
    return;
  }
  const float iscale = -128.f / max_scale;
  put_half(out + 208, 1 / iscale);
  auto* sc = reinterpret_cast<int8_t*>(out + 192);
  for (int ib = 0; ib < 16; ++ib) sc[ib] = int8_t(std::min(127, ggml_nearest_int(iscale * scales[ib])));
  const float d_all = get_half(out + 208);
  for (int j = 0; j < 16; ++j) {
    const float d = d_all * sc[j];
    if (d == 0.0f) continue;
    for (int ii = 0; ii < 16; ++ii) {
      int l = ggml_nearest_int(x[16 * j + ii] / d);
      if (l < -32 || l > 31) flag(clipped, 16 * j + ii);
      l = std::max(-32, std::min(31, l));
      L[16 * j + ii] = int8_t(l + 32);
    }
  }
  auto* ql = reinterpret_cast<uint8_t*>(out);
  auto* qh = reinterpret_cast<uint8_t*>(out + 128);
  for (int j = 0; j < 256; j += 128) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t q1 = L[j + l + 0] & 0xF, q2 = L[j + l + 32] & 0xF;
      const uint8_t q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
      ql[l + 0] = uint8_t(q1 | (q3 << 4));
      ql[l + 32] = uint8_t(q2 | (q4 << 4));
      qh[l] = uint8_t((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) |
                      ((L[j + l + 96] >> 4) << 6));
    }
    ql += 64;
    qh += 32;
  }
}

void q6_k(const float* x, std::byte* out, uint8_t* clipped) { q6_k_impl(x, out, clipped, true); }
void q6_k_scalar(const float* x, std::byte* out, uint8_t* clipped) { q6_k_impl(x, out, clipped, false); }

}  // namespace

int ggml_nearest_int(float fval) {
  // fval + 1.5·2^23 puts the rounded integer in the low mantissa bits (round half to even).
  const float val = fval + 12582912.f;
  int32_t i;
  std::memcpy(&i, &val, sizeof i);
  return (i & 0x007fffff) - 0x00400000;
}

int64_t ggml_block_elems(DType t) { return t == DType::Q4_K || t == DType::Q6_K ? 256 : 32; }

size_t ggml_block_bytes(DType t) {
  switch (t) {
    case DType::Q8_0: return 34;
    case DType::Q4_0: return 18;
    case DType::Q4_1: return 20;
    case DType::Q5_0: return 22;
    case DType::Q5_1: return 24;
    case DType::Q4_K: return 144;
    case DType::Q6_K: return 210;
    default: return 0;
  }
}

void ggml_quantize_row_scalar(DType t, const float* x, int64_t n, std::byte* out, uint8_t* clipped) {
  for (int64_t b = 0; b < n / 256 && (t == DType::Q4_K || t == DType::Q6_K); ++b) {
    uint8_t* cb = clipped ? clipped + b * 256 : nullptr;
    if (t == DType::Q4_K) q4_k_scalar(x + b * 256, out + size_t(b) * 144, cb);
    else q6_k_scalar(x + b * 256, out + size_t(b) * 210, cb);
  }
  if (t != DType::Q4_K && t != DType::Q6_K) ggml_quantize_row(t, x, n, out, clipped);
}

void ggml_quantize_row(DType t, const float* x, int64_t n, std::byte* out, uint8_t* clipped) {
  const int64_t be = ggml_block_elems(t);
  const size_t bb = ggml_block_bytes(t);
  for (int64_t b = 0; b < n / be; ++b) {
    const float* xb = x + b * be;
    std::byte* yb = out + size_t(b) * bb;
    uint8_t* cb = clipped ? clipped + b * be : nullptr;
    switch (t) {
      case DType::Q8_0: q8_0(xb, yb); break;
      case DType::Q4_0: q4_0(xb, yb, cb); break;
      case DType::Q4_1: q4_1(xb, yb, cb); break;
      case DType::Q5_0: q5_0(xb, yb, cb); break;
      case DType::Q5_1: q5_1(xb, yb); break;
      case DType::Q4_K: q4_k(xb, yb, cb); break;
      case DType::Q6_K: q6_k(xb, yb, cb); break;
      default: break;
    }
  }
}

}  // namespace qs
