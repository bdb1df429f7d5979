#pragma once
// Bit-exact encode/decode of the small float formats QuantScope analyses, and a
// type-traits table per format (ggml style) that the GUI's format explorer draws from.
//
// Conventions (DESIGN.md): round to nearest, ties to even mantissa; overflow follows
// IEEE rounding (a value rounds to max when it is below max + ulp/2 ... exactly the
// midpoint rounds to even). fp16/bf16 overflow to ±Inf. fp8/fp4 saturate to ±max by
// default; with saturate=false E4M3FN overflows to NaN and E5M2 to ±Inf (fp4 has no
// Inf/NaN and always saturates). NaN input gives the format's NaN (fp4: +0 is never
// produced from NaN; fp4 maps NaN to code 0 only in `encode`, callers pass NaN through).
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace qs::numeric {

enum class FloatFormat { FP32, FP16, BF16, FP8_E4M3, FP8_E5M2, FP4_E2M1 };

struct FormatTraits {
  FloatFormat format;
  std::string_view name;       // "fp32", "fp16", "bf16", "fp8_e4m3", "fp8_e5m2", "fp4_e2m1"
  int bits;                    // total bits
  int exponent_bits;
  int mantissa_bits;
  int bias;
  double max;                  // largest finite value
  double min_normal;           // smallest positive normal
  double min_subnormal;        // smallest positive subnormal
  bool has_inf;
  bool has_nan;
  double decimal_digits;       // log10(2^(mantissa_bits+1))
};

const FormatTraits& traits(FloatFormat f);
std::optional<FloatFormat> format_from_name(std::string_view name);  // accepts the names above
inline constexpr std::array<FloatFormat, 6> kAllFloatFormats = {
    FloatFormat::FP32, FloatFormat::FP16, FloatFormat::BF16,
    FloatFormat::FP8_E4M3, FloatFormat::FP8_E5M2, FloatFormat::FP4_E2M1};

// Per-format encoders/decoders. Codes are the format's bit patterns, right-aligned.
uint16_t fp16_encode(float x);
float fp16_decode(uint16_t code);
uint16_t bf16_encode(float x);
float bf16_decode(uint16_t code);
uint8_t fp8_e4m3_encode(float x, bool saturate = true);
float fp8_e4m3_decode(uint8_t code);
uint8_t fp8_e5m2_encode(float x, bool saturate = true);
float fp8_e5m2_decode(uint8_t code);
uint8_t fp4_e2m1_encode(float x);  // always saturates to ±6
float fp4_e2m1_decode(uint8_t code);

// Generic dispatch (slower; for tools and tests). FP32 codes are the float's bits.
uint32_t encode(FloatFormat f, float x, bool saturate = true);
float decode(FloatFormat f, uint32_t code);
// Round trip x -> nearest representable value (as float32).
float cast(FloatFormat f, float x, bool saturate = true);
// Did encoding x overflow the format's finite range (rounded beyond max)?
bool overflows(FloatFormat f, float x);

// NF4: the bitsandbytes NormalFloat4 code book (16 values in [-1, 1], index 7 = 0).
const std::array<float, 16>& nf4_codebook();
// Index of the code nearest to a normalized value x/absmax in [-1, 1], with
// bitsandbytes' decision thresholds (midpoints between neighbouring codes).
uint8_t nf4_encode(float normalized);
// Its 15 decision thresholds, ascending: nf4_encode(u) = #{k : u > t[k]} (7 for NaN).
const std::array<float, 15>& nf4_thresholds();
inline float nf4_decode(uint8_t code) { return nf4_codebook()[code & 15]; }

}  // namespace qs::numeric
