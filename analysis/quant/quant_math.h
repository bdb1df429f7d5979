#pragma once
// The scalar arithmetic of every scheme, written once (gemmlowp's
// ChooseQuantizationParams + the per-element rule). The reference quantizer, the
// calibrators and the tests all use these; the fast kernels must agree bit for bit.
//
// float32 arithmetic throughout, as PyTorch does it: s, inv = 1/s and z are float32,
// q = rne(x·inv) (+ z) — a multiply by the float32 inverse, never a division (DESIGN.md;
// x/s rounds differently from x·inv on some ties, and torch multiplies) — x̂ is float32.
#include <cmath>
#include <cstdint>

#include "analysis/numeric/float_formats.h"
#include "analysis/quant/scheme.h"

namespace qs {

// One group's quantization parameters.
struct GroupParams {
  float scale = 1.0f;       // s (already rounded to the scheme's scale dtype)
  float inv = 1.0f;         // 1.0f / scale in float32: every rule multiplies by it
  float zero_point = 0.0f;  // integer zp (as float), the float minimum for zp=float, else 0
  float clip_lo = 0.0f;     // values are clamped into [clip_lo, clip_hi] first
  float clip_hi = 0.0f;
  bool clipping = false;    // a clip method is active (clip_lo/hi may cut the data)
};

// inv = 1.0f/s in float32, as torch computes it (q = rne(x·inv)). A subnormal scale
// below 2^-128 has no finite float32 inverse: FLT_MAX keeps 0·inv = 0 (inf gives NaN).
inline float inverse_scale(float s) {
  const float inv = 1.0f / s;
  return std::isinf(inv) ? 3.40282347e+38f : inv;
}

// Integer code range of the scheme (before the `signed` shift).
struct CodeRange {
  int32_t qmin = 0, qmax = 0;
};
inline CodeRange code_range(const Scheme& s) {
  switch (s.kind) {
    case Kind::Absmax: {
      const int32_t qmax = (int32_t(1) << (s.bits - 1)) - 1;
      return {-qmax, qmax};
    }
    case Kind::Minmax: return {0, (int32_t(1) << s.bits) - 1};
    case Kind::NF4: return {0, 15};
    case Kind::Float:
    case Kind::Preset: return {0, 0};  // presets: analysis/presets
  }
  return {0, 0};
}

// Round a scale (or float minimum) to the scheme's scale dtype. A scale that would
// round to 0 becomes the dtype's smallest positive value, one that would overflow its
// largest finite value (a scale must stay usable).
float round_scale(float s, ScaleDType dt);
float round_to_dtype(float v, ScaleDType dt);  // plain rounding (used for a float minimum)

// Params for one group whose clip range is [lo, hi] (lo <= hi, both finite).
// `clipping` says whether the range came from a clip method (values may lie outside).
GroupParams choose_params(const Scheme& s, float lo, float hi, bool clipping);

// Round v to an integer under the scheme's rounding rule. `u` is a uniform [0,1)
// variate used only by stochastic rounding.
inline float round_value(float v, Rounding r, float u) {
  switch (r) {
    case Rounding::NearestEven: return std::nearbyint(v);
    case Rounding::HalfAway: return std::round(v);
    case Rounding::Stochastic: return std::floor(v + u);
  }
  return std::nearbyint(v);
}

// Counter-based uniform [0,1) for stochastic rounding: depends only on (seed, index),
// so results are reproducible and independent of the thread count.
inline float stochastic_uniform(uint64_t seed, uint64_t index) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + index + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return float(z >> 40) * (1.0f / 16777216.0f);  // 24 random bits
}

// The result of quantizing one finite element.
struct ElementResult {
  int32_t code = 0;     // integer code (after the signed shift), nf4 index, or cast bits
  float xhat = 0.0f;    // dequantized value
  bool clipped = false; // outside the clip range, clamped to [qmin,qmax], or overflowed
  // Which end clipped it: -1 below the range (or a negative overflow), +1 above, 0 none.
  // quantize_sorted uses it to find a run's clipped elements (a prefix or a suffix of the run).
  int8_t clip_side = 0;
};

// Quantize→dequantize one finite element x of a group with params p. Inline: it runs
// once per element in the scalar paths (casts, NF4, stochastic rounding, the reference
// and the MSE search); out of line, g++ returned the struct through the stack and the
// reload stalled on store forwarding (18 ns per element for a bf16 cast).
inline ElementResult quantize_element(const Scheme& s, const GroupParams& p, float x, float u) {
  ElementResult r;
  float xc = x;
  if (p.clipping) {
    if (x < p.clip_lo) { xc = p.clip_lo; r.clipped = true; r.clip_side = -1; }
    else if (x > p.clip_hi) { xc = p.clip_hi; r.clipped = true; r.clip_side = 1; }
  }
  switch (s.kind) {
    case Kind::Absmax: {
      const CodeRange cr = code_range(s);
      float q = round_value(xc * p.inv, s.rounding, u);
      if (q > float(cr.qmax)) { q = float(cr.qmax); r.clipped = true; r.clip_side = 1; }
      else if (q < float(cr.qmin)) { q = float(cr.qmin); r.clipped = true; r.clip_side = -1; }
      r.code = int32_t(q);
      r.xhat = q * p.scale;
      break;
    }
    case Kind::Minmax: {
      const float levels = float((int32_t(1) << s.bits) - 1);
      float q;
      if (s.zero_point == ZeroPointKind::Int) {
        q = round_value(xc * p.inv, s.rounding, u) + p.zero_point;
      } else {
        q = round_value((xc - p.zero_point) * p.inv, s.rounding, u);
      }
      if (q > levels) { q = levels; r.clipped = true; r.clip_side = 1; }
      else if (q < 0.0f) { q = 0.0f; r.clipped = true; r.clip_side = -1; }
      r.xhat = s.zero_point == ZeroPointKind::Int ? (q - p.zero_point) * p.scale
                                                  : q * p.scale + p.zero_point;
      r.code = int32_t(q);
      if (s.is_signed) r.code -= int32_t(1) << (s.bits - 1);
      break;
    }
    case Kind::Float: {
      const float y = s.scale == ScaleMode::Absmax ? xc * p.inv : xc;
      const uint32_t code = numeric::encode(s.format, y, s.saturate);
      if (numeric::overflows(s.format, y)) {
        r.clipped = true;
        r.clip_side = y < 0 ? -1 : 1;
      }
      r.code = int32_t(code);
      const float yhat = numeric::decode(s.format, code);
      r.xhat = s.scale == ScaleMode::Absmax ? yhat * p.scale : yhat;
      break;
    }
    case Kind::NF4: {
      const uint8_t code = numeric::nf4_encode(xc * p.inv);
      r.code = code;
      r.xhat = numeric::nf4_decode(code) * p.scale;
      break;
    }
    case Kind::Preset:  // never reached: quantize() sends presets to quantize_with_preset
      r.xhat = x;
      break;
  }
  return r;
}



}  // namespace qs
