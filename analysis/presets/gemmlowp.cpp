// gemmlowp doc/quantization_example.cc (google/gemmlowp 16e8662), line for line; the C++
// each line follows is quoted beside it. The types matter: `qmin`, `qmax`, `min`, `max`
// are float, `scale` and `initial_zero_point` double, `zero_point` std::uint8_t.
#include "analysis/presets/gemmlowp.h"

#include <algorithm>
#include <cmath>

namespace qs {

GroupParams gemmlowp_choose_params(float min, float max) {
  // min = std::min(min, 0.f); max = std::max(max, 0.f);
  min = std::min(min, 0.f);
  max = std::max(max, 0.f);
  const float qmin = 0;
  const float qmax = 255;
  // const double scale = (max - min) / (qmax - qmin);   — a float division, then widened
  const double scale = (max - min) / (qmax - qmin);
  // const double initial_zero_point = qmin - min / scale;   — in double
  const double initial_zero_point = qmin - min / scale;
  std::uint8_t nudged_zero_point = 0;
  if (initial_zero_point < qmin) {
    nudged_zero_point = std::uint8_t(qmin);
  } else if (initial_zero_point > qmax) {
    nudged_zero_point = std::uint8_t(qmax);
  } else if (!std::isnan(initial_zero_point)) {
    // static_cast<std::uint8_t>(std::round(initial_zero_point)): half away from zero.
    nudged_zero_point = static_cast<std::uint8_t>(std::round(initial_zero_point));
  }
  // (An all-zero tensor gives scale 0 and 0 − 0/0 = NaN, which the source converts to
  // uint8 — undefined behaviour; x86 gives 0, kept here.)
  GroupParams gp;
  gp.scale = float(scale);  // result.scale = scale (exact: it was a float)
  gp.zero_point = float(nudged_zero_point);
  return gp;
}

void gemmlowp_quantize(const GroupParams& gp, const float* x, int64_t n, float* xhat, int32_t* code,
                       uint8_t* clipped) {
  const float scale = gp.scale;
  const std::uint8_t zero_point = std::uint8_t(gp.zero_point);
  for (int64_t i = 0; i < n; ++i) {
    // const float transformed_val = qparams.zero_point + real_val / qparams.scale;
    const float transformed_val = zero_point + x[i] / scale;
    // const float clamped_val = std::max(0.f, std::min(255.f, transformed_val));
    // (a NaN — 0/0 with scale 0 — passes std::min as 255.f: code 255, x̂ = 0·255 = 0)
    const float clamped_val = std::max(0.f, std::min(255.f, transformed_val));
    // (*dst)[i] = static_cast<std::uint8_t>(std::round(clamped_val));
    const std::uint8_t q = static_cast<std::uint8_t>(std::round(clamped_val));
    const float unclamped = std::round(transformed_val);
    clipped[i] = unclamped < 0.f || unclamped > 255.f;  // the clamp changed the code
    code[i] = q;
    // (*dst)[i] = qparams.scale * (quantized_val - qparams.zero_point);
    xhat[i] = scale * (q - zero_point);
  }
}

}  // namespace qs
