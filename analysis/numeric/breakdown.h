#pragma once
// One code of a float format taken apart, for the Formats explorer: its sign, exponent and
// mantissa fields, what kind of value it is, the value by the formula
// (−1)^s · 2^(e − bias) · (1 + m/2^M) (normal) or (−1)^s · 2^(1 − bias) · (m/2^M)
// (subnormal), and its neighbours among the format's values.
#include <cstdint>
#include <optional>

#include "analysis/numeric/float_formats.h"

namespace qs::numeric {

enum class ValueKind { Zero, Subnormal, Normal, Inf, NaN };

struct FloatBreakdown {
  FloatFormat format = FloatFormat::FP32;
  uint32_t code = 0;
  uint32_t sign = 0, exponent = 0, mantissa = 0;  // the raw fields
  ValueKind kind = ValueKind::Zero;
  int unbiased_exponent = 0;  // e − bias (normal) or 1 − bias (subnormal, zero)
  float value = 0;
  // The next representable values away from and towards zero (same sign), if any: the
  // largest finite value has no finite one above, zero none below. Their distance from
  // `value` away from zero is the ulp at this value.
  std::optional<float> next_away, next_toward;
  std::optional<double> ulp;
};

FloatBreakdown breakdown(FloatFormat f, uint32_t code);

}  // namespace qs::numeric
