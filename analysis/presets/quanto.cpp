// optimum-quanto's qint8 / qint4 weight rules (huggingface/optimum-quanto e33f820); the
// Python each line follows is quoted beside it.
#include "analysis/presets/quanto.h"

#include "analysis/presets/torch_round.h"

namespace qs {

int64_t quanto_group_size(int64_t in_features) {
  // nn/qmodule.py, QModuleMixin.__init__ (weights qint2 / qint4):
  //   group_size = 128
  //   if in_features > group_size:
  //       while in_features % group_size != 0 and group_size > 32: group_size -= 32
  //       if in_features % group_size == 0: self.weight_group_size = group_size
  int64_t group_size = 128;
  if (in_features > group_size) {
    while (in_features % group_size != 0 && group_size > 32) group_size -= 32;
    if (in_features % group_size == 0) return group_size;
  }
  return 0;
}

GroupParams quanto_qint8_params(float amax) {
  // AbsmaxOptimizer.optimize: rmax = torch.amax(torch.abs(base), dim=..., keepdim=True);
  // return rmax / qtype.qmax  (qint8.qmax = 127: a float32 division)
  GroupParams gp;
  gp.scale = amax / 127.0f;
  gp.zero_point = 0.0f;
  return gp;
}

void quanto_qint8_quantize(const GroupParams& gp, const float* x, int64_t n, float* xhat, int32_t* code,
                           uint8_t* clipped) {
  // quantize_symmetric: data = base / scale; data = torch.round(data);
  // torch.clamp(data, min=-128, max=127).to(torch.int8)
  // QBytesDequantizer: dqt = t._scale * t._data
  const float s = gp.scale;
  for (int64_t i = 0; i < n; ++i) {
    code[i] = torch_round_clamp(x[i] / s, -128, 127, clipped[i]);
    xhat[i] = s * float(code[i]);
  }
}

GroupParams quanto_qint4_params(float lo, float hi) {
  // MaxOptimizer.optimize: rmin = torch.amin(base, ...); rmax = torch.amax(base, ...)
  // qmin = -(2 ** (bits - 1)); qmax = 2 ** (bits - 1) - 1  (−8, 7 for qint4)
  // scale = (rmax - rmin) / (qmax - qmin); shift = -rmin
  GroupParams gp;
  gp.scale = (hi - lo) / 15.0f;
  gp.zero_point = lo;  // shift = −lo
  return gp;
}

void quanto_qint4_quantize(const GroupParams& gp, const float* x, int64_t n, float* xhat, int32_t* code,
                           uint8_t* clipped) {
  // quantize_affine (float shift): data = torch.round((base + shift) / scale);
  // torch.clamp(data, min=0, max=2**bits - 1).to(torch.uint8)
  // QBitsDequantizer: dqt = t._scale * data; dqt -= shift
  // A constant row has s = 0: (x + shift)/0 is NaN (code 0) and x̂ = 0·q − shift = min = x.
  const float s = gp.scale, shift = -gp.zero_point;
  for (int64_t i = 0; i < n; ++i) {
    code[i] = torch_round_clamp((x[i] + shift) / s, 0, 15, clipped[i]);
    xhat[i] = s * float(code[i]) - shift;
  }
}

}  // namespace qs
