#pragma once
// optimum-quanto's weight quantizers, rule for rule (huggingface/optimum-quanto at
// e33f8202e6c755256b7448789a5ed765c45d5105), as QModuleMixin.qweight runs them on a
// float32 weight on the CPU with the default optimizers:
//   qint8: AbsmaxOptimizer (optimizers/absmax_optimizer.py) per output channel (axis 0),
//          then quantize_symmetric (library/quantize.py);
//   qint4: MaxOptimizer (optimizers/max_optimizer.py) per group of each output row
//          (grouped.py: reshape([-1, group_size])), then quantize_affine with the float
//          shift (zeropoint=False: the CPU path; only XPU asks for integer zero points).
// Every operation is a float32 torch op; the order and the ops are the source's.
#include <cstdint>

#include "analysis/quant/quant_math.h"

namespace qs {

// The qint2/qint4 group size QModuleMixin.__init__ picks for a weight whose rows (axis 0)
// hold in_features = numel / out_features elements: 128, lowered by 32 while it does not
// divide in_features (down to 32), when in_features > 128; 0 when none is chosen
// (in_features ≤ 128, or no divisor found): the weight is then quantized per row.
int64_t quanto_group_size(int64_t in_features);

// qint8: s = amax / 127 (float32; amax = max |x| of the channel); zero_point = 0.
GroupParams quanto_qint8_params(float amax);
// q = clamp(round(x / s), −128, 127) (a division, rounded half to even), x̂ = s·q.
void quanto_qint8_quantize(const GroupParams& gp, const float* x, int64_t n, float* xhat, int32_t* code,
                           uint8_t* clipped);
inline float quanto_qint8_value(const GroupParams& gp, int32_t q) { return gp.scale * float(q); }

// qint4: s = (max − min) / 15 (float32), shift = −min; GroupParams holds scale = s and
// zero_point = min (= −shift: x̂ = s·q − shift = s·q + min, the same float).
GroupParams quanto_qint4_params(float lo, float hi);
// q = clamp(round((x + shift) / s), 0, 15), x̂ = s·q − shift.
void quanto_qint4_quantize(const GroupParams& gp, const float* x, int64_t n, float* xhat, int32_t* code,
                           uint8_t* clipped);
inline float quanto_qint4_value(const GroupParams& gp, int32_t q) {
  const float shift = -gp.zero_point;
  return gp.scale * float(q) - shift;
}

}  // namespace qs
