#include "analysis/numeric/breakdown.h"

#include <cmath>

namespace qs::numeric {

FloatBreakdown breakdown(FloatFormat f, uint32_t code) {
  const FormatTraits& t = traits(f);
  const int E = t.exponent_bits, M = t.mantissa_bits;
  const uint32_t mask = t.bits == 32 ? 0xFFFFFFFFu : ((uint32_t(1) << t.bits) - 1);
  FloatBreakdown b;
  b.format = f;
  b.code = code & mask;
  b.sign = (b.code >> (E + M)) & 1u;
  b.exponent = (b.code >> M) & ((uint32_t(1) << E) - 1);
  b.mantissa = b.code & ((uint32_t(1) << M) - 1);
  b.value = decode(f, b.code);
  if (std::isnan(b.value)) b.kind = ValueKind::NaN;
  else if (std::isinf(b.value)) b.kind = ValueKind::Inf;
  else if (b.value == 0.0f) b.kind = ValueKind::Zero;
  else if (b.exponent == 0) b.kind = ValueKind::Subnormal;
  else b.kind = ValueKind::Normal;
  b.unbiased_exponent = (b.kind == ValueKind::Normal ? int(b.exponent) : 1) - t.bias;
  if (b.kind == ValueKind::NaN || b.kind == ValueKind::Inf) return b;
  // Magnitude codes are ordered like the magnitudes they encode (every format here), so
  // the neighbours are the magnitude codes ±1 with the same sign.
  const uint32_t sign_bit = uint32_t(b.sign) << (E + M);
  const uint32_t mag = b.code & ~sign_bit;
  const uint32_t mag_max = mask >> 1;
  if (mag < mag_max) {
    const float up = decode(f, (mag + 1) | sign_bit);
    if (std::isfinite(up)) {
      b.next_away = up;
      b.ulp = std::fabs(double(up) - double(b.value));
    }
  }
  if (mag > 0) b.next_toward = decode(f, (mag - 1) | sign_bit);
  if (!b.ulp && b.next_toward) b.ulp = std::fabs(double(b.value) - double(*b.next_toward));  // at the max
  return b;
}

}  // namespace qs::numeric
