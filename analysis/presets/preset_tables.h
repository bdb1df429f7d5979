#pragma once
// The code tables of the non-integer presets: bitsandbytes' FP4 and dynamic 8-bit maps,
// and the OCP MX element formats (FP6 E3M2 / E2M3 beside FP8 and FP4).
#include <array>
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
// Every non-negative finite value of the format, ascending (for levels).
const std::vector<float>& mx_positive_values(MxElement e);

}  // namespace qs
