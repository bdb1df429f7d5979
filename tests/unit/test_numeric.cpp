// Tests for analysis/numeric/float_formats: every code of every format is decoded and
// compared with a decoder written here from the textbook formula; encoders are compared
// with a nearest-value search over the table of all finite codes (ties -> even mantissa,
// IEEE overflow rule) on every code value, every midpoint between neighbouring codes and
// the float32 neighbours of each midpoint. Known values come from the format specs
// (IEEE 754 binary16, OCP 8-bit FP spec, OCP MX spec for E2M1) and bitsandbytes (NF4).
// Nothing here is derived from the code under test.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "analysis/numeric/float_formats.h"
#include "tests/unit/float_bits.h"

namespace {

using qs::numeric::FloatFormat;
namespace nm = qs::numeric;

using qs::test::bits_of;
using qs::test::f32_from_bits;
using qs::test::kInf;
using qs::test::kNaN;

// [SECTION] Reference model of a format, written from the definitions.

enum class Specials {
  kIeee,  // all-ones exponent: mantissa 0 = Inf, else NaN (fp16, bf16, E5M2)
  kFn,    // E4M3FN: only S.1111.111 is NaN, no Inf
  kNone,  // E2M1: every code is a number
};

struct Layout {
  FloatFormat format;
  const char* name;
  int exp_bits;
  int mant_bits;
  int bias;
  Specials specials;
  uint32_t canonical_nan;  // magnitude code our encoders produce for NaN (convention)
};

const Layout kFp16{FloatFormat::FP16, "fp16", 5, 10, 15, Specials::kIeee, 0x7E00};
const Layout kBf16{FloatFormat::BF16, "bf16", 8, 7, 127, Specials::kIeee, 0x7FC0};
const Layout kE4M3{FloatFormat::FP8_E4M3, "fp8_e4m3", 4, 3, 7, Specials::kFn, 0x7F};
const Layout kE5M2{FloatFormat::FP8_E5M2, "fp8_e5m2", 5, 2, 15, Specials::kIeee, 0x7E};
const Layout kE2M1{FloatFormat::FP4_E2M1, "fp4_e2m1", 2, 1, 1, Specials::kNone, 0};

uint32_t code_count(const Layout& l) {
  return 1u << (1 + l.exp_bits + l.mant_bits);
}
uint32_t sign_bit(const Layout& l) {
  return 1u << (l.exp_bits + l.mant_bits);
}

bool ref_is_nan(const Layout& l, uint32_t code) {
  const uint32_t e = (code >> l.mant_bits) & ((1u << l.exp_bits) - 1);
  const uint32_t m = code & ((1u << l.mant_bits) - 1);
  const uint32_t e_max = (1u << l.exp_bits) - 1;
  const uint32_t m_max = (1u << l.mant_bits) - 1;
  switch (l.specials) {
    case Specials::kIeee:
      return e == e_max && m != 0;
    case Specials::kFn:
      return e == e_max && m == m_max;
    case Specials::kNone:
      return false;
  }
  return false;
}

bool ref_is_inf(const Layout& l, uint32_t code) {
  const uint32_t e = (code >> l.mant_bits) & ((1u << l.exp_bits) - 1);
  const uint32_t m = code & ((1u << l.mant_bits) - 1);
  return l.specials == Specials::kIeee && e == (1u << l.exp_bits) - 1 && m == 0;
}

// value = (-1)^s · 2^(e-bias) · (1 + m/2^M); subnormal: (-1)^s · 2^(1-bias) · m/2^M.
double ref_decode(const Layout& l, uint32_t code) {
  const bool neg = (code & sign_bit(l)) != 0;
  if (ref_is_nan(l, code)) return neg ? -std::nan("") : std::nan("");
  if (ref_is_inf(l, code)) return neg ? -HUGE_VAL : HUGE_VAL;
  const int e = static_cast<int>((code >> l.mant_bits) & ((1u << l.exp_bits) - 1));
  const double m = static_cast<double>(code & ((1u << l.mant_bits) - 1));
  const double frac = m / std::ldexp(1.0, l.mant_bits);
  const double mag = e == 0 ? std::ldexp(frac, 1 - l.bias) : std::ldexp(1.0 + frac, e - l.bias);
  return neg ? -mag : mag;
}

// Non-negative finite values sorted ascending, with their codes.
std::vector<std::pair<double, uint32_t>> finite_table(const Layout& l) {
  std::vector<std::pair<double, uint32_t>> t;
  for (uint32_t c = 0; c < sign_bit(l); ++c) {
    if (!ref_is_nan(l, c) && !ref_is_inf(l, c)) t.emplace_back(ref_decode(l, c), c);
  }
  std::sort(t.begin(), t.end());
  return t;
}

uint32_t inf_code(const Layout& l) {
  return ((1u << l.exp_bits) - 1) << l.mant_bits;
}

struct RefEncoder {
  Layout l;
  std::vector<std::pair<double, uint32_t>> table;
  double overflow_mid = 0;  // max + ulp(max)/2

  explicit RefEncoder(const Layout& layout) : l(layout), table(finite_table(layout)) {
    const double max = table.back().first;
    const double below = table[table.size() - 2].first;  // same binade: ulp = max - below
    overflow_mid = max + (max - below) / 2;
  }
  double max() const { return table.back().first; }
  uint32_t max_code() const { return table.back().second; }

  // IEEE overflow: beyond the midpoint between max and the next (non-existent) value,
  // or exactly on it when max's mantissa is odd (the tie would go to the next value).
  bool overflow(float x) const {
    const double d = std::fabs(static_cast<double>(x));
    return std::isinf(d) || d > overflow_mid || (d == overflow_mid && (max_code() & 1) != 0);
  }

  uint32_t encode(float x, bool saturate) const {
    if (std::isnan(x)) {
      // Convention: canonical quiet NaN with the input's sign; fp4 has no NaN -> +0.
      if (l.specials == Specials::kNone) return 0;
      return l.canonical_nan | (std::signbit(x) ? sign_bit(l) : 0);
    }
    const uint32_t s = std::signbit(x) ? sign_bit(l) : 0;
    const double d = std::fabs(static_cast<double>(x));
    if (overflow(x)) {
      switch (l.format) {
        case FloatFormat::FP16:
        case FloatFormat::BF16:
          return s | inf_code(l);
        case FloatFormat::FP8_E5M2:
          return s | (saturate ? max_code() : inf_code(l));
        case FloatFormat::FP8_E4M3:
          return s | (saturate ? max_code() : l.canonical_nan);
        default:
          return s | max_code();
      }
    }
    // First table entry with value > d; the answer is it or the one before.
    auto hi = std::upper_bound(table.begin(), table.end(), d,
                               [](double v, const auto& e) { return v < e.first; });
    if (hi == table.end()) return s | max_code();
    auto lo = hi - 1;                                       // table[0] is 0 <= d, so hi != begin
    const double dlo = d - lo->first, dhi = hi->first - d;  // exact in double
    uint32_t c;
    if (dlo < dhi) {
      c = lo->second;
    } else if (dhi < dlo) {
      c = hi->second;
    } else {
      c = (lo->second & 1) == 0 ? lo->second : hi->second;  // tie: even mantissa
    }
    return s | c;
  }
};

// Inputs that probe every rounding decision: each code value, each midpoint between
// neighbours (and between max and the overflow point), their float32 neighbours, both
// signs, plus the specials.
std::vector<float> probe_points(const RefEncoder& ref) {
  std::vector<float> pts;
  auto add = [&](double v) {
    const float f = static_cast<float>(v);
    EXPECT_EQ(static_cast<double>(f), v) << "probe not representable in float32";
    for (float p : {f, std::nextafter(f, kInf), std::nextafter(f, -kInf)}) {
      pts.push_back(p);
      pts.push_back(-p);
    }
  };
  const auto& t = ref.table;
  for (size_t i = 0; i < t.size(); ++i) {
    add(t[i].first);
    if (i + 1 < t.size()) add((t[i].first + t[i + 1].first) / 2);
  }
  add(ref.overflow_mid);
  for (float special : {kInf, -kInf, kNaN, -kNaN, std::numeric_limits<float>::max(),
                        -std::numeric_limits<float>::max(),
                        std::numeric_limits<float>::denorm_min(), 1e-30f, 1e30f}) {
    pts.push_back(special);
  }
  return pts;
}

float decode_bits_ref(const Layout& l, uint32_t code) {
  return static_cast<float>(ref_decode(l, code));
}

// [SECTION] Exhaustive decode / round trip / encode per format

void check_decode_all(const Layout& l) {
  int bad = 0;
  for (uint32_t c = 0; c < code_count(l); ++c) {
    const float got = nm::decode(l.format, c);
    const float want = decode_bits_ref(l, c);
    const bool ok = std::isnan(want)
                        ? (std::isnan(got) && std::signbit(got) == std::signbit(want))
                        : bits_of(got) == bits_of(want);  // bits: -0 must keep its sign
    if (!ok && ++bad <= 10) {
      ADD_FAILURE() << l.name << " decode(0x" << std::hex << c << ") = " << got << ", want "
                    << want;
    }
  }
  EXPECT_EQ(bad, 0) << l.name;
}

void check_round_trip_all(const Layout& l) {
  int bad = 0, finite = 0;
  for (uint32_t c = 0; c < code_count(l); ++c) {
    const float v = nm::decode(l.format, c);
    // Finite codes (±0 included: the sign of zero is kept) come back unchanged; Inf codes
    // too; NaN codes come back as the canonical quiet NaN with the same sign.
    uint32_t want = c;
    if (ref_is_nan(l, c)) want = l.canonical_nan | (c & sign_bit(l));
    const uint32_t got = nm::encode(l.format, v, /*saturate=*/false);
    finite += !ref_is_nan(l, c) && !ref_is_inf(l, c);
    if (got != want && ++bad <= 10) {
      ADD_FAILURE() << l.name << " encode(decode(0x" << std::hex << c << ")) = 0x" << got;
    }
  }
  EXPECT_EQ(bad, 0) << l.name;
  EXPECT_GT(finite, 0);
}

void check_encode_against_reference(const Layout& l) {
  const RefEncoder ref(l);
  const std::vector<float> pts = probe_points(ref);
  int bad = 0;
  for (float x : pts) {
    for (bool sat : {true, false}) {
      const uint32_t want = ref.encode(x, sat);
      const uint32_t got = nm::encode(l.format, x, sat);
      if (got != want && ++bad <= 10) {
        ADD_FAILURE() << l.name << " encode(" << x << " = 0x" << std::hex << bits_of(x)
                      << ", sat=" << sat << ") = 0x" << got << ", want 0x" << want;
      }
      // cast = the value of the reference code (fp4 passes NaN through by convention).
      const float c = nm::cast(l.format, x, sat);
      const float want_c = (std::isnan(x) || ref_is_nan(l, want)) ? kNaN : decode_bits_ref(l, want);
      const bool cast_ok = std::isnan(want_c) ? std::isnan(c) : bits_of(c) == bits_of(want_c);
      if (!cast_ok && ++bad <= 10) {
        ADD_FAILURE() << l.name << " cast(" << x << ", sat=" << sat << ") = " << c << ", want "
                      << want_c;
      }
    }
    // overflows(): finite overflow per the IEEE rule; Inf counts only where it is clamped.
    bool want_of = !std::isnan(x) && ref.overflow(x);
    if (std::isinf(x) && l.specials == Specials::kIeee && l.format != FloatFormat::FP8_E5M2) {
      want_of = false;  // fp16/bf16 keep Inf as Inf
    }
    if (nm::overflows(l.format, x) != want_of && ++bad <= 10) {
      ADD_FAILURE() << l.name << " overflows(" << x << ") != " << want_of;
    }
  }
  EXPECT_EQ(bad, 0) << l.name << " over " << pts.size() << " probes";
  // fp16/bf16: about 3 × 2 × 2^16 probes; make sure the sweep really ran.
  EXPECT_GE(pts.size(), 6 * (ref.table.size() * 2 - 1));
}

TEST(NumericDecode, Fp16AllCodes) {
  check_decode_all(kFp16);
}
TEST(NumericDecode, Bf16AllCodes) {
  check_decode_all(kBf16);
}
TEST(NumericDecode, E4M3AllCodes) {
  check_decode_all(kE4M3);
}
TEST(NumericDecode, E5M2AllCodes) {
  check_decode_all(kE5M2);
}
TEST(NumericDecode, E2M1AllCodes) {
  check_decode_all(kE2M1);
}

TEST(NumericRoundTrip, Fp16) {
  check_round_trip_all(kFp16);
}
TEST(NumericRoundTrip, Bf16) {
  check_round_trip_all(kBf16);
}
TEST(NumericRoundTrip, E4M3) {
  check_round_trip_all(kE4M3);
}
TEST(NumericRoundTrip, E5M2) {
  check_round_trip_all(kE5M2);
}
TEST(NumericRoundTrip, E2M1) {
  check_round_trip_all(kE2M1);
}

TEST(NumericEncode, Fp16MatchesNearestSearch) {
  check_encode_against_reference(kFp16);
}
TEST(NumericEncode, Bf16MatchesNearestSearch) {
  check_encode_against_reference(kBf16);
}
TEST(NumericEncode, E4M3MatchesNearestSearch) {
  check_encode_against_reference(kE4M3);
}
TEST(NumericEncode, E5M2MatchesNearestSearch) {
  check_encode_against_reference(kE5M2);
}
TEST(NumericEncode, E2M1MatchesNearestSearch) {
  check_encode_against_reference(kE2M1);
}

TEST(NumericEncode, TableSizes) {
  // Non-negative finite codes per format, counted by hand from the layouts.
  EXPECT_EQ(finite_table(kFp16).size(), 0x7C00u);  // 0x0000..0x7BFF
  EXPECT_EQ(finite_table(kBf16).size(), 0x7F80u);  // 0x0000..0x7F7F
  EXPECT_EQ(finite_table(kE4M3).size(), 0x7Fu);    // 0x00..0x7E
  EXPECT_EQ(finite_table(kE5M2).size(), 0x7Cu);    // 0x00..0x7B
  EXPECT_EQ(finite_table(kE2M1).size(), 8u);
}

#if defined(__FLT16_MAX__)
// A second, independent oracle for fp16: the compiler's float -> _Float16 conversion
// (libgcc's soft-float or F16C), over a spread of float32 bit patterns.
TEST(NumericEncode, Fp16MatchesCompilerFloat16) {
  int bad = 0;
  for (uint64_t b = 0; b <= 0xFFFFFFFFull; b += 0x1003) {  // ~1M patterns, all exponents
    const float x = f32_from_bits(static_cast<uint32_t>(b));
    if (std::isnan(x)) continue;  // payload handling differs by design (we canonicalise)
    const _Float16 h = static_cast<_Float16>(x);
    const uint16_t want = std::bit_cast<uint16_t>(h);
    if (nm::fp16_encode(x) != want && ++bad <= 10) {
      ADD_FAILURE() << "fp16_encode(0x" << std::hex << b << ") = 0x" << nm::fp16_encode(x)
                    << ", _Float16 gives 0x" << want;
    }
  }
  EXPECT_EQ(bad, 0);
}
#endif


// [SECTION] NF4

// bitsandbytes' NF4 table (csrc/kernels.cu, dDequantizeNF4), as float literals.
const float kBnbNF4[16] = {-1.0f,
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
                           1.0f};

// dQuantizeNF4's decision thresholds as written there (float literals, low to high).
// Each is the decimal shortest form of the exact midpoint of two neighbouring codes; as
// a float literal it rounds *directly* to float32, which for a midpoint that falls exactly
// between two floats can land on either side of it (0.8614784181118011f is
// 0.86147838830947876, the float below the exact midpoint, not 0.8614784479141235 that
// float(double(midpoint)) gives). The tests pin that.
const float kBnbThreshold[15] = {
    -0.8480964004993439f,  -0.6106329262256622f,  -0.4599952697753906f,   -0.33967943489551544f,
    -0.23460740596055984f, -0.13791173323988914f, -0.045525018125772476f, 0.03979014977812767f,
    0.1202552504837513f,   0.2035212516784668f,   0.2920137718319893f,    0.3893125355243683f,
    0.5016634166240692f,   0.6427869200706482f,   0.8614784181118011f};

// Exact midpoint of codes i and i+1 (sum and halving of two floats are exact in double).
double nf4_mid(int i) {
  return (static_cast<double>(kBnbNF4[i]) + kBnbNF4[i + 1]) / 2;
}

// Oracle: nearest code by exact distance (a tie cannot occur for float x except where the
// midpoint is itself a float; `x > t` sends it to the lower code), except that floats
// lying between the exact midpoint and bnb's float threshold take the side the float
// threshold puts them on.
int nf4_ref(float x) {
  const double d = x;
  int idx = 0;
  for (int i = 0; i < 15; ++i) {
    const double m = nf4_mid(i);
    const double t = kBnbThreshold[i];
    const bool above = t > m ? d > t : d > m;  // t <= m: `x > t` equals `x > m` for floats
    idx += above ? 1 : 0;
  }
  return idx;
}

TEST(NumericNF4, Codebook) {
  const auto& cb = nm::nf4_codebook();
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(bits_of(cb[static_cast<size_t>(i)]), bits_of(kBnbNF4[i])) << i;
    EXPECT_EQ(nm::nf4_decode(static_cast<uint8_t>(i)), kBnbNF4[i]);
    EXPECT_EQ(nm::nf4_encode(kBnbNF4[i]), i);  // each code maps to itself
  }
  EXPECT_EQ(nm::nf4_decode(0x1F), 1.0f);  // only the low nibble counts
}

TEST(NumericNF4, Thresholds) {
  for (int i = 0; i < 15; ++i) {
    const float t = kBnbThreshold[i];
    // The transcription really is the midpoints: within half a float ulp of the exact one.
    const double half_ulp =
        (static_cast<double>(std::nextafter(std::fabs(t), kInf)) - std::fabs(t)) / 2;
    EXPECT_LE(std::fabs(static_cast<double>(t) - nf4_mid(i)), half_ulp) << i;
    // `x > threshold` picks the upper code, so the threshold itself stays below.
    EXPECT_EQ(nm::nf4_encode(t), i) << "at threshold " << i;
    EXPECT_EQ(nm::nf4_encode(std::nextafter(t, kInf)), i + 1) << "just above threshold " << i;
  }
  // The top threshold literal as the compiler (and nvcc) rounds it.
  EXPECT_EQ(bits_of(0.8614784181118011f), 0x3F5C89D9u);
  EXPECT_EQ(nm::nf4_encode(f32_from_bits(0x3F5C89D9)), 14);  // 0.86147838830947876
  EXPECT_EQ(nm::nf4_encode(0.8614784479141235f), 15);        // float(double(midpoint))
  EXPECT_EQ(bits_of(0.8614784479141235f), 0x3F5C89DAu);
  // A threshold whose literal rounded above the exact midpoint: the float just above the
  // midpoint is nearer to code 9 but bitsandbytes' tree keeps it at 8.
  const float above_mid = static_cast<float>(nf4_mid(8));  // rounds to one side of the tie
  const float first_above =
      static_cast<double>(above_mid) > nf4_mid(8) ? above_mid : std::nextafter(above_mid, kInf);
  EXPECT_EQ(first_above, kBnbThreshold[8]);
  EXPECT_EQ(nm::nf4_encode(first_above), 8);
}

TEST(NumericNF4, OutOfRangeAndSpecials) {
  EXPECT_EQ(nm::nf4_encode(1.5f), 15);
  EXPECT_EQ(nm::nf4_encode(kInf), 15);
  EXPECT_EQ(nm::nf4_encode(-1.5f), 0);
  EXPECT_EQ(nm::nf4_encode(-kInf), 0);
  EXPECT_EQ(nm::nf4_encode(kNaN), 7);  // documented: NaN -> the zero code
  EXPECT_EQ(nm::nf4_encode(-0.0f), 7);
}

TEST(NumericNF4, SweepMatchesReference) {
  int bad = 0, n = 0;
  auto check = [&](float x) {
    ++n;
    if (nm::nf4_encode(x) != nf4_ref(x) && ++bad <= 10) {
      ADD_FAILURE() << "nf4_encode(" << x << " = 0x" << std::hex << bits_of(x) << ") = " << std::dec
                    << int{nm::nf4_encode(x)} << ", want " << nf4_ref(x);
    }
  };
  for (int k = -120000; k <= 120000; ++k) check(static_cast<float>(k) * 1e-5f);
  for (int i = 0; i < 15; ++i) {  // every float within 512 ulps of each threshold
    float x = kBnbThreshold[i];
    for (int j = 0; j < 512; ++j) x = std::nextafter(x, -kInf);
    for (int j = 0; j < 1024; ++j, x = std::nextafter(x, kInf)) check(x);
  }
  EXPECT_EQ(bad, 0) << "over " << n << " inputs";
}

}  // namespace
