#pragma once
// torch.round(x).clamp(lo, hi).to(an integer dtype) on a float32 CPU tensor, element by
// element, for the presets ported from PyTorch code (optimum-quanto, HQQ).
#include <cmath>
#include <cstdint>

namespace qs {

// torch.round: round half to even (std::nearbyint in the default mode), without the libm
// call: below 2^22 in magnitude adding and removing 1.5·2^23 rounds to an integer, above
// it every float is an integer already (±inf stay). Needs -ffp-contract=off (the build's).
inline float torch_rne(float v) {
  if (std::fabs(v) < 4194304.0f) return (v + 12582912.0f) - 12582912.0f;
  return v;
}

// round, clamp to [lo, hi], convert: `clipped` when the clamp moved the rounded value.
// torch.clamp keeps a NaN (0/0 in a group whose scale is 0) and converting NaN to an
// integer is undefined in C++; x86's conversion gives 0 and so do we. Every caller's x̂
// is then the same whatever the code (its scale is 0).
inline int32_t torch_round_clamp(float u, int32_t lo, int32_t hi, uint8_t& clipped) {
  if (std::isnan(u)) {
    clipped = 0;
    return 0;
  }
  const float r = torch_rne(u);
  const float c = r < float(lo) ? float(lo) : r > float(hi) ? float(hi) : r;
  clipped = c != r;
  return int32_t(c);
}

}  // namespace qs
