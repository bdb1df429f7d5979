#include "analysis/quant/quant_math.h"

#include <algorithm>
#include <limits>

namespace qs {

float round_to_dtype(float v, ScaleDType dt) {
  switch (dt) {
    case ScaleDType::F32: return v;
    case ScaleDType::F16: return numeric::fp16_decode(numeric::fp16_encode(v));
    case ScaleDType::BF16: return numeric::bf16_decode(numeric::bf16_encode(v));
  }
  return v;
}

float round_scale(float s, ScaleDType dt) {
  float r = round_to_dtype(s, dt);
  if (r == 0.0f) {
    switch (dt) {
      case ScaleDType::F32: r = std::numeric_limits<float>::denorm_min(); break;
      case ScaleDType::F16: r = numeric::fp16_decode(0x0001); break;
      case ScaleDType::BF16: r = numeric::bf16_decode(0x0001); break;
    }
  } else if (std::isinf(r)) {
    switch (dt) {
      case ScaleDType::F32: r = std::numeric_limits<float>::max(); break;
      case ScaleDType::F16: r = numeric::fp16_decode(0x7BFF); break;
      case ScaleDType::BF16: r = numeric::bf16_decode(0x7F7F); break;
    }
  }
  return r;
}

GroupParams choose_params(const Scheme& s, float lo, float hi, bool clipping) {
  GroupParams p;
  p.clip_lo = lo;
  p.clip_hi = hi;
  p.clipping = clipping;
  switch (s.kind) {
    case Kind::Absmax: {
      const float amax = std::max(std::fabs(lo), std::fabs(hi));
      const float qmax = float(code_range(s).qmax);
      p.scale = amax == 0.0f ? 1.0f : round_scale(amax / qmax, s.scale_dtype);
      break;
    }
    case Kind::Minmax: {
      const float levels = float((int32_t(1) << s.bits) - 1);
      if (s.zero_point == ZeroPointKind::Int) {
        // Zero is always representable: widen the range to include it.
        const float l = std::min(lo, 0.0f), h = std::max(hi, 0.0f);
        if (h - l == 0.0f) {
          p.scale = 1.0f;
          p.zero_point = 0.0f;
        } else {
          p.scale = round_scale((h - l) / levels, s.scale_dtype);
          p.zero_point = std::clamp(std::nearbyint(-l * inverse_scale(p.scale)), 0.0f, levels);
        }
      } else {
        const float l = round_to_dtype(lo, s.scale_dtype);
        p.zero_point = l;  // the float minimum
        p.scale = (hi - lo) == 0.0f ? 1.0f : round_scale((hi - lo) / levels, s.scale_dtype);
      }
      break;
    }
    case Kind::Float: {
      if (s.scale == ScaleMode::Absmax) {
        const float amax = std::max(std::fabs(lo), std::fabs(hi));
        const float fmax = float(numeric::traits(s.format).max);
        p.scale = amax == 0.0f ? 1.0f : round_scale(amax / fmax, s.scale_dtype);
      } else {
        p.scale = 1.0f;
      }
      break;
    }
    case Kind::NF4: {
      const float amax = std::max(std::fabs(lo), std::fabs(hi));
      p.scale = amax == 0.0f ? 1.0f : round_scale(amax, s.scale_dtype);
      break;
    }
    case Kind::Preset: break;  // presets choose their own params (analysis/presets)
  }
  p.inv = inverse_scale(p.scale);
  return p;
}

}  // namespace qs
