// Bit-exact encoders/decoders for the small float formats (see float_formats.h and
// DESIGN.md "Numeric conventions").
//
// [SECTION] How the encoders round
// Every narrow format here is "float32 with fewer exponent and mantissa bits", so one
// routine does the rounding for all of them (round_magnitude). Normal results: re-bias
// |x|'s exponent bits and shift the mantissa right with round-half-to-even in integers; a
// rounding carry out of the mantissa walks into the exponent field, which is exactly what
// IEEE rounding does (1.111..b -> next binade). Subnormal results: one float32 addition of
// a power of two whose ulp is the target's subnormal quantum lets the FPU do the rounding
// (Giesen's trick; largest subnormal -> smallest normal falls out). The result is the code
// the format would have with an unbounded exponent, so "did it overflow" is just "is the
// code larger than the largest finite code" and saturation is a std::min.
// No tables, no double arithmetic, no loops, no data-dependent branches except NaN: these
// run once per element in hot loops.
//
// [SECTION] Conventions decided here (the header leaves them open)
// - NaN inputs give the format's canonical quiet NaN with the input's sign:
//   fp16 0x7E00|s, bf16 0x7FC0|s, E5M2 0x7E|s, E4M3FN 0x7F|s (its only NaN).
//   Payloads are not carried over; decoders do keep the payload of a NaN code they see.
// - fp4_e2m1 has no NaN: fp4_e2m1_encode(NaN) returns code 0 (+0) so it always yields a
//   valid code, but cast(FP4_E2M1, NaN) returns NaN (non-finite values pass through, as
//   DESIGN.md asks of every scheme) so a NaN never silently becomes a zero in a cast.
// - Inf input: fp16/bf16 keep ±Inf; E5M2 keeps ±Inf unless saturating (then ±57344);
//   E4M3FN gives ±448 when saturating, NaN otherwise; fp4 gives ±6.
// - overflows(): true when a finite |x| rounds past the largest finite code (it would
//   become Inf/NaN without saturation), and for ±Inf into fp8/fp4 (there it is clamped);
//   ±Inf into fp16/bf16 is not an overflow (it stays ±Inf); never for NaN or FP32.
#include "analysis/numeric/float_formats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace qs::numeric {

namespace {

constexpr uint32_t kF32SignMask = 0x80000000u;
constexpr uint32_t kF32AbsMask = 0x7FFFFFFFu;
constexpr uint32_t kF32Inf = 0x7F800000u;
constexpr uint32_t kF32QNaN = 0x7FC00000u;

// |x|'s float32 bits -> the magnitude code of a float format with kBias and kMant
// mantissa bits, rounded to nearest, ties to even, as if the exponent were unbounded
// (codes above the format's largest finite code mean overflow). Valid for every input,
// float32 subnormals included; Inf and NaN give huge codes (callers handle NaN). Used for
// fp16/fp8/fp4; bf16 shares float32's exponent and is rounded on its own.
template <int kBias, int kMant>
inline uint32_t round_magnitude(uint32_t a) {
  constexpr int kShift = 23 - kMant;
  // Normal in the target (|x| >= 2^(1-bias)): re-bias the exponent, giving
  // (target exponent << 23) | mantissa, and shift right by a constant with
  // round-half-to-even (add just under half, plus one if the kept LSB is odd). A carry
  // out of the mantissa walks into the exponent; Inf/NaN inputs give huge codes.
  // For |x| >= 2^(1-bias) and kBias <= 15 nothing here wraps.
  const uint32_t n = a - (static_cast<uint32_t>(127 - kBias) << 23);
  const uint32_t normal = (n + (1u << (kShift - 1)) - 1u + ((n >> kShift) & 1u)) >> kShift;
  // Subnormal in the target: add a power of two whose float32 ulp is the target's
  // subnormal quantum 2^(1-bias-M); the FPU's round-to-nearest-even (the default mode,
  // which we rely on) rounds the sum, and the low bits of the sum are the code, including
  // the carry to the smallest normal code 1 << M. float32 subnormal inputs come out 0
  // (correct: they are far below half the quantum) even with FTZ/DAZ set.
  constexpr uint32_t kMagicBits = static_cast<uint32_t>(151 - kBias - kMant) << 23;
  const uint32_t sub =
      std::bit_cast<uint32_t>(std::bit_cast<float>(a) + std::bit_cast<float>(kMagicBits)) -
      kMagicBits;
  // Both are computed and one is selected with a mask: data straddling the subnormal
  // boundary is common after scaling to fp8, and a branch there (which g++ emits for a
  // plain ?: here) mispredicts; fp8_e4m3 went from ~190 to ~400 M/s in bench_numeric.
  constexpr uint32_t kMinNormalBits = static_cast<uint32_t>(128 - kBias) << 23;
  const uint32_t is_sub = 0u - static_cast<uint32_t>(a < kMinNormalBits);
  return (sub & is_sub) | (normal & ~is_sub);
}

inline bool is_nan_bits(uint32_t a) {
  return a > kF32Inf;
}

// Formula decoder used to build the fp8/fp4 lookup tables at compile time, for finite
// magnitude codes (the callers handle the Inf/NaN codes).
template <int kMant, int kBias>
constexpr float finite_value(uint32_t mag) {
  const uint32_t e = mag >> kMant;
  const uint32_t m = mag & ((1u << kMant) - 1u);
  if (e == 0) {
    // Subnormal: m * 2^(1 - bias - M); exact in float32 for every format here.
    float scale = 1.0f;
    for (int i = 0; i < kBias - 1 + kMant; ++i) scale *= 0.5f;
    return static_cast<float>(m) * scale;
  }
  const uint32_t bits = ((e - kBias + 127u) << 23) | (m << (23 - kMant));
  return std::bit_cast<float>(bits);
}

constexpr float with_sign(float v, bool negative) {
  return std::bit_cast<float>(std::bit_cast<uint32_t>(v) | (negative ? kF32SignMask : 0u));
}

constexpr std::array<float, 256> make_e4m3_table() {
  std::array<float, 256> t{};
  for (uint32_t c = 0; c < 256; ++c) {
    const uint32_t mag = c & 0x7Fu;
    const bool neg = (c & 0x80u) != 0;
    // E4M3FN: S.1111.111 is NaN; S.1111.000-110 are ordinary normals (up to 448).
    t[c] = mag == 0x7Fu ? with_sign(std::bit_cast<float>(kF32QNaN), neg)
                        : with_sign(finite_value<3, 7>(mag), neg);
  }
  return t;
}

constexpr std::array<float, 256> make_e5m2_table() {
  std::array<float, 256> t{};
  for (uint32_t c = 0; c < 256; ++c) {
    const uint32_t mag = c & 0x7Fu;
    const bool neg = (c & 0x80u) != 0;
    // E5M2 is IEEE-like: exponent 11111 is Inf (mantissa 0) or NaN. The NaN keeps its
    // payload bits in float32's top mantissa bits, like fp16 -> fp32 does.
    float v = 0.0f;
    if (mag == 0x7Cu) {
      v = std::numeric_limits<float>::infinity();
    } else if (mag > 0x7Cu) {
      v = std::bit_cast<float>(kF32QNaN | ((mag & 3u) << 21));
    } else {
      v = finite_value<2, 15>(mag);
    }
    t[c] = with_sign(v, neg);
  }
  return t;
}

constexpr std::array<float, 16> make_e2m1_table() {
  std::array<float, 16> t{};
  for (uint32_t c = 0; c < 16; ++c) t[c] = with_sign(finite_value<1, 1>(c & 7u), (c & 8u) != 0);
  return t;
}

constexpr std::array<float, 256> kE4M3Table = make_e4m3_table();
constexpr std::array<float, 256> kE5M2Table = make_e5m2_table();
constexpr std::array<float, 16> kE2M1Table = make_e2m1_table();

// Largest finite magnitude codes, and the codes overflow turns into.
constexpr uint32_t kF16MaxFinite = 0x7BFFu, kF16Inf = 0x7C00u, kF16QNaN = 0x7E00u;
constexpr uint32_t kBF16QNaN = 0x7FC0u;
constexpr uint32_t kE4M3Max = 0x7Eu, kE4M3NaN = 0x7Fu;
constexpr uint32_t kE5M2Max = 0x7Bu, kE5M2Inf = 0x7Cu, kE5M2QNaN = 0x7Eu;
constexpr uint32_t kE2M1Max = 0x7u;

// decimal_digits = log10(2^(M+1)) = (M+1)·log10(2); spelled out so the table is constexpr.
constexpr double kLog10Of2 = 0.30102999566398119521;

constexpr std::array<FormatTraits, 6> kTraits = {{
    {FloatFormat::FP32, "fp32", 32, 8, 23, 127, 3.4028234663852886e38, 0x1p-126, 0x1p-149, true,
     true, 24 * kLog10Of2},
    {FloatFormat::FP16, "fp16", 16, 5, 10, 15, 65504.0, 0x1p-14, 0x1p-24, true, true,
     11 * kLog10Of2},
    // bf16 max = (2 - 2^-7) · 2^127.
    {FloatFormat::BF16, "bf16", 16, 8, 7, 127, 3.3895313892515355e38, 0x1p-126, 0x1p-133, true,
     true, 8 * kLog10Of2},
    // E4M3FN has no Inf: the all-ones exponent holds normals up to 448, only S.1111.111
    // is NaN.
    {FloatFormat::FP8_E4M3, "fp8_e4m3", 8, 4, 3, 7, 448.0, 0x1p-6, 0x1p-9, false, true,
     4 * kLog10Of2},
    {FloatFormat::FP8_E5M2, "fp8_e5m2", 8, 5, 2, 15, 57344.0, 0x1p-14, 0x1p-16, true, true,
     3 * kLog10Of2},
    // OCP MX E2M1: no Inf, no NaN; the all-ones exponent is ordinary (4 and 6).
    {FloatFormat::FP4_E2M1, "fp4_e2m1", 4, 2, 1, 1, 6.0, 1.0, 0.5, false, false, 2 * kLog10Of2},
}};

// NormalFloat4 values and decision thresholds as in bitsandbytes csrc/kernels.cu
// (dDequantizeNF4 / dQuantizeNF4). The thresholds are the midpoints of neighbouring codes
// printed as doubles and written as float literals; the same literals here make the
// compiler round them the same way. A float literal rounds decimal -> float32 directly,
// so where the exact midpoint lies halfway between two floats the threshold can be one
// ulp away from float(double(midpoint)): 0.8614784181118011f is 0.86147838830947876, not
// 0.8614784479141235. Those one-ulp offsets are part of bitsandbytes' behaviour, so we
// keep the literals rather than recomputing midpoints.
constexpr std::array<float, 16> kNF4 = {
    -1.0f,
    -0.6961928009986877f,
    -0.5250730514526367f,
    -0.39491748809814453f,
    -0.28444138169288635f,
    -0.18477343022823334f,
    -0.09105003625154495f,
    0.0f,
    0.07958029955625534f,
    0.16093020141124725f,
    0.24611230194568634f,
    0.33791524171829224f,
    0.44070982933044434f,
    0.5626170039176941f,
    0.7229568362236023f,
    1.0f,
};
// kNF4Threshold[i] separates code i (x <= t) from code i + 1 (x > t).
constexpr std::array<float, 15> kNF4Threshold = {
    -0.8480964004993439f,  -0.6106329262256622f,  -0.4599952697753906f,   -0.33967943489551544f,
    -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f,
    0.1202552504837513f,   0.2035212516784668f,   0.2920137718319893f,    0.3893125355243683f,
    0.5016634166240692f,   0.6427869200706482f,   0.8614784181118011f,
};

}  // namespace

// [SECTION] Traits

const FormatTraits& traits(FloatFormat f) {
  return kTraits[static_cast<size_t>(f)];
}

std::optional<FloatFormat> format_from_name(std::string_view name) {
  for (const FormatTraits& t : kTraits) {
    if (t.name == name) return t.format;
  }
  if (name == "fp4") return FloatFormat::FP4_E2M1;  // the common short name (MXFP4 element)
  return std::nullopt;
}

// [SECTION] fp16

uint16_t fp16_encode(float x) {
  const uint32_t f = std::bit_cast<uint32_t>(x);
  const uint32_t a = f & kF32AbsMask;
  const uint32_t sign = (f >> 16) & 0x8000u;
  // Codes past 0x7BFF (65520 and up, Inf) all become Inf; Inf input lands there too.
  const uint32_t mag = std::min(round_magnitude<15, 10>(a), kF16Inf);
  return static_cast<uint16_t>(sign | (is_nan_bits(a) ? kF16QNaN : mag));
}

float fp16_decode(uint16_t code) {
  const uint32_t sign = static_cast<uint32_t>(code & 0x8000u) << 16;
  const uint32_t e = (code >> 10) & 0x1Fu;
  const uint32_t m = code & 0x3FFu;
  uint32_t bits = 0;
  if (e == 0x1F) {
    // Inf, or NaN keeping its payload; quieted (as F16C's vcvtph2ps does) so the float
    // we hand back is never a signalling NaN.
    bits = kF32Inf | (m << 13) | (m != 0 ? 0x00400000u : 0u);
  } else if (e != 0) {
    bits = ((e + (127 - 15)) << 23) | (m << 13);
  } else {
    // Subnormal or zero: m · 2^-24, exact in float32.
    bits = std::bit_cast<uint32_t>(static_cast<float>(m) * 0x1p-24f);
  }
  return std::bit_cast<float>(bits | sign);
}

// [SECTION] bf16

uint16_t bf16_encode(float x) {
  const uint32_t f = std::bit_cast<uint32_t>(x);
  // bf16 is float32's top half, so RNE on the low 16 bits is the whole conversion; the
  // carry handles mantissa overflow and turns values >= max + ulp/2 into Inf. The sign
  // bit rides along untouched because only NaN magnitudes could carry into it.
  const uint32_t rounded = (f + 0x7FFFu + ((f >> 16) & 1u)) >> 16;
  const uint32_t nan = ((f >> 16) & 0x8000u) | kBF16QNaN;
  return static_cast<uint16_t>(is_nan_bits(f & kF32AbsMask) ? nan : rounded);
}

float bf16_decode(uint16_t code) {
  return std::bit_cast<float>(static_cast<uint32_t>(code) << 16);
}

// [SECTION] fp8

uint8_t fp8_e4m3_encode(float x, bool saturate) {
  const uint32_t f = std::bit_cast<uint32_t>(x);
  const uint32_t a = f & kF32AbsMask;
  const uint32_t sign = (f >> 24) & 0x80u;
  // Unbounded code 0x7F would be 480: reaching it means |x| > 464 (464 itself ties to
  // 448, whose mantissa 110 is even). Clamping to 0x7F is exactly "overflow -> NaN".
  const uint32_t limit = saturate ? kE4M3Max : kE4M3NaN;
  const uint32_t mag = std::min(round_magnitude<7, 3>(a), limit);
  return static_cast<uint8_t>(sign | (is_nan_bits(a) ? kE4M3NaN : mag));
}

float fp8_e4m3_decode(uint8_t code) {
  return kE4M3Table[code];
}

uint8_t fp8_e5m2_encode(float x, bool saturate) {
  const uint32_t f = std::bit_cast<uint32_t>(x);
  const uint32_t a = f & kF32AbsMask;
  const uint32_t sign = (f >> 24) & 0x80u;
  // Unbounded codes >= 0x7C (|x| >= 61440, or Inf input) overflow: clamp to max or Inf.
  const uint32_t limit = saturate ? kE5M2Max : kE5M2Inf;
  const uint32_t mag = std::min(round_magnitude<15, 2>(a), limit);
  return static_cast<uint8_t>(sign | (is_nan_bits(a) ? kE5M2QNaN : mag));
}

float fp8_e5m2_decode(uint8_t code) {
  return kE5M2Table[code];
}

// [SECTION] fp4

uint8_t fp4_e2m1_encode(float x) {
  const uint32_t f = std::bit_cast<uint32_t>(x);
  const uint32_t a = f & kF32AbsMask;
  const uint32_t sign = (f >> 28) & 0x8u;
  // Unbounded code 8 would be 8.0; |x| >= 7 (the midpoint 6..8, tie to 8's even
  // mantissa) reaches it. fp4 always saturates, so clamp to 6.
  const uint32_t mag = std::min(round_magnitude<1, 1>(a), kE2M1Max);
  // No NaN in E2M1: NaN -> code 0 (documented at the top; cast() passes NaN through).
  return static_cast<uint8_t>(is_nan_bits(a) ? 0u : (sign | mag));
}

float fp4_e2m1_decode(uint8_t code) {
  return kE2M1Table[code & 0xFu];
}

// [SECTION] Generic dispatch

uint32_t encode(FloatFormat f, float x, bool saturate) {
  switch (f) {
    case FloatFormat::FP32:
      return std::bit_cast<uint32_t>(x);
    case FloatFormat::FP16:
      return fp16_encode(x);
    case FloatFormat::BF16:
      return bf16_encode(x);
    case FloatFormat::FP8_E4M3:
      return fp8_e4m3_encode(x, saturate);
    case FloatFormat::FP8_E5M2:
      return fp8_e5m2_encode(x, saturate);
    case FloatFormat::FP4_E2M1:
      return fp4_e2m1_encode(x);
  }
  return 0;
}

float decode(FloatFormat f, uint32_t code) {
  switch (f) {
    case FloatFormat::FP32:
      return std::bit_cast<float>(code);
    case FloatFormat::FP16:
      return fp16_decode(static_cast<uint16_t>(code));
    case FloatFormat::BF16:
      return bf16_decode(static_cast<uint16_t>(code));
    case FloatFormat::FP8_E4M3:
      return fp8_e4m3_decode(static_cast<uint8_t>(code));
    case FloatFormat::FP8_E5M2:
      return fp8_e5m2_decode(static_cast<uint8_t>(code));
    case FloatFormat::FP4_E2M1:
      return fp4_e2m1_decode(static_cast<uint8_t>(code));
  }
  return 0.0f;
}

float cast(FloatFormat f, float x, bool saturate) {
  if (f == FloatFormat::FP32) return x;
  // fp4 cannot hold a NaN; passing it through beats inventing a zero.
  if (f == FloatFormat::FP4_E2M1 && std::isnan(x)) return x;
  return decode(f, encode(f, x, saturate));
}

bool overflows(FloatFormat f, float x) {
  const uint32_t a = std::bit_cast<uint32_t>(x) & kF32AbsMask;
  if (is_nan_bits(a)) return false;
  switch (f) {
    case FloatFormat::FP32:
      return false;
    // Inf stays Inf in fp16/bf16: only finite values that round to Inf overflow.
    case FloatFormat::FP16:
      return a != kF32Inf && round_magnitude<15, 10>(a) > kF16MaxFinite;
    case FloatFormat::BF16:
      return a != kF32Inf && ((a + 0x7FFFu + ((a >> 16) & 1u)) >> 16) >= 0x7F80u;
    // fp8/fp4: Inf input gives an unbounded code above max as well (it gets clamped).
    case FloatFormat::FP8_E4M3:
      return round_magnitude<7, 3>(a) > kE4M3Max;
    case FloatFormat::FP8_E5M2:
      return round_magnitude<15, 2>(a) > kE5M2Max;
    case FloatFormat::FP4_E2M1:
      return round_magnitude<1, 1>(a) > kE2M1Max;
  }
  return false;
}

// [SECTION] NF4

const std::array<float, 16>& nf4_codebook() {
  return kNF4;
}

const std::array<float, 15>& nf4_thresholds() {
  return kNF4Threshold;
}

uint8_t nf4_encode(float normalized) {
  // bitsandbytes' dQuantizeNF4 is a depth-4 binary tree of `x > threshold` tests rooted at
  // the 7|8 threshold; walking the sorted thresholds with steps 8, 4, 2, 1 visits exactly
  // the same thresholds in the same order, so every input (values beyond ±1 included)
  // lands on the same index. Only NaN differs: there every test is false and bitsandbytes
  // returns 0 (-1.0); we return index 7 (0.0), the value that does the least harm.
  if (std::isnan(normalized)) return 7;
  uint32_t idx = 0;
  for (uint32_t step = 8; step != 0; step >>= 1) {
    idx += normalized > kNF4Threshold[idx + step - 1] ? step : 0u;
  }
  return static_cast<uint8_t>(idx);
}

}  // namespace qs::numeric
