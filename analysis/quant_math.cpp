#include "analysis/quant_math.h"

#include <algorithm>
#include <limits>

namespace qs {

CodeRange code_range(const Scheme& s) {
  switch (s.kind) {
    case Kind::Absmax: {
      const int32_t qmax = (int32_t(1) << (s.bits - 1)) - 1;
      return {-qmax, qmax};
    }
    case Kind::Minmax: return {0, (int32_t(1) << s.bits) - 1};
    case Kind::NF4: return {0, 15};
    case Kind::Float: return {0, 0};
  }
  return {0, 0};
}

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
          p.zero_point = std::clamp(std::nearbyint(-l / p.scale), 0.0f, levels);
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
  }
  return p;
}

ElementResult quantize_element(const Scheme& s, const GroupParams& p, float x, float u) {
  ElementResult r;
  float xc = x;
  if (p.clipping) {
    if (x < p.clip_lo) { xc = p.clip_lo; r.clipped = true; }
    else if (x > p.clip_hi) { xc = p.clip_hi; r.clipped = true; }
  }
  switch (s.kind) {
    case Kind::Absmax: {
      const CodeRange cr = code_range(s);
      float q = round_value(xc / p.scale, s.rounding, u);
      if (q > float(cr.qmax)) { q = float(cr.qmax); r.clipped = true; }
      else if (q < float(cr.qmin)) { q = float(cr.qmin); r.clipped = true; }
      r.code = int32_t(q);
      r.xhat = q * p.scale;
      break;
    }
    case Kind::Minmax: {
      const float levels = float((int32_t(1) << s.bits) - 1);
      float q;
      if (s.zero_point == ZeroPointKind::Int) {
        q = round_value(xc / p.scale, s.rounding, u) + p.zero_point;
      } else {
        q = round_value((xc - p.zero_point) / p.scale, s.rounding, u);
      }
      if (q > levels) { q = levels; r.clipped = true; }
      else if (q < 0.0f) { q = 0.0f; r.clipped = true; }
      r.xhat = s.zero_point == ZeroPointKind::Int ? (q - p.zero_point) * p.scale
                                                  : q * p.scale + p.zero_point;
      r.code = int32_t(q);
      if (s.is_signed) r.code -= int32_t(1) << (s.bits - 1);
      break;
    }
    case Kind::Float: {
      const float y = s.scale == ScaleMode::Absmax ? xc / p.scale : xc;
      const uint32_t code = numeric::encode(s.format, y, s.saturate);
      if (numeric::overflows(s.format, y)) r.clipped = true;
      r.code = int32_t(code);
      const float yhat = numeric::decode(s.format, code);
      r.xhat = s.scale == ScaleMode::Absmax ? yhat * p.scale : yhat;
      break;
    }
    case Kind::NF4: {
      const uint8_t code = numeric::nf4_encode(xc / p.scale);
      r.code = code;
      r.xhat = numeric::nf4_decode(code) * p.scale;
      break;
    }
  }
  return r;
}

}  // namespace qs
