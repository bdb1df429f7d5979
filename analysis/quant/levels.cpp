#include "analysis/quant/levels.h"

#include <algorithm>
#include <cmath>

#include "analysis/numeric/float_formats.h"
#include "analysis/presets/preset.h"

namespace qs {

std::vector<float> representable_levels(const Scheme& s, const GroupParams& p) {
  std::vector<float> out;
  switch (s.kind) {
    case Kind::Absmax: {
      const CodeRange cr = code_range(s);
      out.reserve(size_t(cr.qmax - cr.qmin + 1));
      for (int32_t q = cr.qmin; q <= cr.qmax; ++q) out.push_back(float(q) * p.scale);
      break;
    }
    case Kind::Minmax: {
      const int32_t levels = (int32_t(1) << s.bits) - 1;
      out.reserve(size_t(levels + 1));
      for (int32_t q = 0; q <= levels; ++q) {
        const float qf = float(q);
        out.push_back(s.zero_point == ZeroPointKind::Int ? (qf - p.zero_point) * p.scale
                                                         : qf * p.scale + p.zero_point);
      }
      break;
    }
    case Kind::NF4:
      for (uint8_t c = 0; c < 16; ++c) out.push_back(numeric::nf4_decode(c) * p.scale);
      break;
    case Kind::Preset: return preset_levels(s.preset, p);
    case Kind::Float: {
      const int bits = numeric::traits(s.format).bits;
      const uint32_t n = uint32_t(1) << bits;
      out.reserve(n);
      const bool scaled = s.scale == ScaleMode::Absmax;
      for (uint32_t c = 0; c < n; ++c) {
        const float v = numeric::decode(s.format, c);
        if (std::isfinite(v)) out.push_back(scaled ? v * p.scale : v);
      }
      break;
    }
  }
  for (float& v : out) v = v == 0.0f ? 0.0f : v;  // -0 → +0
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace qs
