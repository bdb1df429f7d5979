#pragma once
// The code tables of the non-integer presets: bitsandbytes' FP4 and dynamic 8-bit maps,
// and the OCP MX element formats (FP6 E3M2 / E2M3 beside FP8 and FP4).
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

namespace qs {

// bitsandbytes FP4 (bias 3, no Inf/NaN), normalized by its max 12: code bit 3 is the
// sign; dDequantizeFP4Tree's values, exactly as its float literals.
const std::array<float, 16>& bnb_fp4_table();
// dQuantizeFP4: the nearest FP4 code of a value normalized to [−1, 1] (strict `>`
// against the midpoints, as bitsandbytes' decision tree).
uint8_t bnb_fp4_encode(float normalized);

// create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): 256 sorted values
// in [−1, 1], dense near zero (10^−6 … 1), computed in float32 as torch computes them.
const std::array<float, 256>& bnb_dynamic_map();
// dQuantize<0>: bitsandbytes' binary search over the sorted map with midpoint tests.
uint8_t bnb_dynamic_encode(float normalized);

// OCP MX element formats (no Inf/NaN for FP6/FP4; FP8 elements saturate too).
enum class MxElement { E4M3, E5M2, E3M2, E2M3, E2M1 };
struct MxElementTraits {
  int exponent_bits, mantissa_bits, bias;
  int emax;     // exponent of the largest normal (the spec's emax_elem)
  float max;    // largest finite value
};
const MxElementTraits& mx_traits(MxElement e);
// Round to nearest even into the element format, saturating at ±max (RNE with subnormals).
float mx_cast(MxElement e, float v);
// The index of a non-negative element value q among mx_positive_values(e): its exponent
// and mantissa bits as the format stores them.
int32_t mx_magnitude_index(MxElement e, float q);
// The same two with the traits at hand, inline (the MX rule's per-element loop).
inline float mx_cast(const MxElementTraits& t, float v) {
  const double a = std::fabs(double(v));
  if (a == 0.0 || std::isnan(a)) return v;
  double r;
  if (a >= double(t.max)) {
    r = t.max;  // saturate (values between max and the next step round to max anyway)
  } else {
    // a (a float, so a normal double) = f·2^exp2, f in [0.5, 1): exp2 from its bits.
    const int exp2 = int((std::bit_cast<uint64_t>(a) >> 52) & 0x7FF) - 1022;
    const int E = std::max(exp2 - 1, 1 - t.bias);  // the binade (subnormals share the lowest)
    // 2^(E − mantissa_bits) built from its bits, and nearbyint as ±1.5·2^52 (ties to even,
    // exact below 2^51): the same values as ldexp and nearbyint, without the libm calls.
    // a / quantum = a · (1/quantum) exactly: both are powers of two far inside double's range.
    const double quantum = std::bit_cast<double>(uint64_t(E - t.mantissa_bits + 1023) << 52);
    const double inv_quantum = std::bit_cast<double>(uint64_t(t.mantissa_bits - E + 1023) << 52);
    r = ((a * inv_quantum + 6755399441055744.0) - 6755399441055744.0) * quantum;  // exact scaling
    r = std::min(r, double(t.max));
  }
  return float(v < 0 ? -r : r);
}

inline int32_t mx_magnitude_index(const MxElementTraits& t, float q) {
  const uint32_t b = std::bit_cast<uint32_t>(q);
  const int exp = int(b >> 23) - 127;  // q ≥ 0, a normal float or 0 (every element value is)
  if (q == 0.0f) return 0;
  if (exp < 1 - t.bias)  // an element subnormal: q / 2^(1 − bias − mantissa_bits)
    return int32_t(q * std::bit_cast<float>(uint32_t(127 + t.bias - 1 + t.mantissa_bits) << 23));
  const int32_t m = int32_t((b >> (23 - t.mantissa_bits)) & ((1u << t.mantissa_bits) - 1));
  return ((exp + t.bias) << t.mantissa_bits) | m;
}

// Every non-negative finite value of the format, ascending (for levels).
const std::vector<float>& mx_positive_values(MxElement e);

}  // namespace qs
