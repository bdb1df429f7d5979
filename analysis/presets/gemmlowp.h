#pragma once
// gemmlowp's uint8 quantization, rule for rule: ChooseQuantizationParams, Quantize and
// Dequantize of doc/quantization_example.cc (google/gemmlowp at
// 16e8662c34917be0065110bfcd9cc27d30f52fdf; the file last changed in 15a66ad), per
// tensor as the example quantizes its matrices. Its mixed float/double arithmetic is
// kept: the scale is a float quotient widened to double, the zero point is computed in
// double and rounded half away from zero, and the codes are std::round of a float.
#include <cstdint>

#include "analysis/quant/quant_math.h"

namespace qs {

// ChooseQuantizationParams(min, max): scale (float) and the nudged uint8 zero point
// (GroupParams::zero_point, an integer as float).
GroupParams gemmlowp_choose_params(float min, float max);
// Quantize: q = (uint8) std::round(max(0.f, min(255.f, zero_point + x / scale)));
// Dequantize: x̂ = scale · (q − zero_point).
void gemmlowp_quantize(const GroupParams& gp, const float* x, int64_t n, float* xhat, int32_t* code,
                       uint8_t* clipped);
inline float gemmlowp_value(const GroupParams& gp, int32_t q) {
  return gp.scale * float(q - int32_t(gp.zero_point));
}

}  // namespace qs
