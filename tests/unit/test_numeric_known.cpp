// Known values of each float format from the specs (IEEE 754 binary16, the OCP 8-bit FP
// spec, the OCP MX spec for E2M1, bfloat16) and the formats' traits table: every number
// here is written from the documents, not derived from the code under test. The
// exhaustive sweeps over every code are in test_numeric.cpp.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "analysis/numeric/float_formats.h"
#include "tests/unit/float_bits.h"

namespace {

using qs::numeric::FloatFormat;
namespace nm = qs::numeric;

using qs::test::bits_of;
using qs::test::f32_from_bits;
using qs::test::kInf;
using qs::test::kNaN;

// [SECTION] Known values from the specs

TEST(NumericKnown, E4M3FN) {
  EXPECT_EQ(nm::fp8_e4m3_encode(448.0f), 0x7E);
  EXPECT_EQ(nm::fp8_e4m3_decode(0x7E), 448.0f);
  EXPECT_EQ(nm::fp8_e4m3_decode(0xFE), -448.0f);
  // 464 is the midpoint 448..480; 448 = 1.110b·2^8 has the even mantissa.
  EXPECT_EQ(nm::fp8_e4m3_encode(464.0f, true), 0x7E);
  EXPECT_EQ(nm::fp8_e4m3_encode(464.0f, false), 0x7E);
  EXPECT_FALSE(nm::overflows(FloatFormat::FP8_E4M3, 464.0f));
  EXPECT_TRUE(nm::overflows(FloatFormat::FP8_E4M3, std::nextafter(464.0f, kInf)));
  EXPECT_EQ(nm::fp8_e4m3_encode(465.0f, true), 0x7E);
  EXPECT_EQ(nm::fp8_e4m3_encode(465.0f, false), 0x7F);
  EXPECT_EQ(nm::fp8_e4m3_encode(-465.0f, false), 0xFF);
  EXPECT_TRUE(std::isnan(nm::cast(FloatFormat::FP8_E4M3, 465.0f, false)));
  EXPECT_EQ(nm::cast(FloatFormat::FP8_E4M3, -465.0f, true), -448.0f);
  // Smallest subnormal 2^-9 = 0.001b · 2^-6.
  EXPECT_EQ(nm::fp8_e4m3_encode(0x1p-9f), 0x01);
  EXPECT_EQ(nm::fp8_e4m3_decode(0x01), 0x1p-9f);
  EXPECT_EQ(nm::fp8_e4m3_encode(0x1p-10f), 0x00);   // tie between 0 and 2^-9 -> even (0)
  EXPECT_EQ(nm::fp8_e4m3_encode(-0x1p-10f), 0x80);  // ... keeping the sign: -0
  EXPECT_EQ(nm::fp8_e4m3_encode(0x1p-10f * 1.0001f), 0x01);
  EXPECT_EQ(nm::fp8_e4m3_encode(3.0f * 0x1p-10f), 0x02);  // tie 1·2^-9 | 2·2^-9 -> even 2
  // Largest subnormal 7·2^-9 rounds up into the smallest normal 2^-6 = 0x08.
  EXPECT_EQ(nm::fp8_e4m3_encode(7.5f * 0x1p-9f), 0x08);
  EXPECT_EQ(nm::fp8_e4m3_decode(0x08), 0x1p-6f);
  EXPECT_EQ(nm::fp8_e4m3_encode(1.0f), 0x38);
  EXPECT_EQ(nm::fp8_e4m3_encode(1.0625f), 0x38);  // 1.0625 = 1 + 1/16: tie -> 1.000b
  EXPECT_EQ(nm::fp8_e4m3_encode(1.1875f), 0x3A);  // tie 1.125 | 1.25 -> 1.010b
  EXPECT_EQ(nm::fp8_e4m3_decode(0x3A), 1.25f);
  EXPECT_EQ(nm::fp8_e4m3_encode(-2.0f), 0xC0);
  EXPECT_EQ(nm::fp8_e4m3_encode(-0.0f), 0x80);
  EXPECT_EQ(nm::fp8_e4m3_encode(kInf, true), 0x7E);
  EXPECT_EQ(nm::fp8_e4m3_encode(-kInf, true), 0xFE);
  EXPECT_EQ(nm::fp8_e4m3_encode(kInf, false), 0x7F);
  EXPECT_EQ(nm::fp8_e4m3_encode(-kInf, false), 0xFF);
  EXPECT_EQ(nm::fp8_e4m3_encode(kNaN, true), 0x7F);
  EXPECT_EQ(nm::fp8_e4m3_encode(-kNaN, true), 0xFF);
  EXPECT_TRUE(std::isnan(nm::fp8_e4m3_decode(0x7F)));
  EXPECT_TRUE(std::isnan(nm::fp8_e4m3_decode(0xFF)));
  EXPECT_EQ(nm::fp8_e4m3_decode(0x78), 256.0f);  // S.1111.000 is a number in E4M3FN
  EXPECT_TRUE(nm::overflows(FloatFormat::FP8_E4M3, kInf));
  EXPECT_FALSE(nm::overflows(FloatFormat::FP8_E4M3, kNaN));
}

TEST(NumericKnown, E5M2) {
  EXPECT_EQ(nm::fp8_e5m2_encode(57344.0f), 0x7B);
  EXPECT_EQ(nm::fp8_e5m2_decode(0x7B), 57344.0f);
  EXPECT_EQ(nm::fp8_e5m2_encode(61440.0f, false), 0x7C);  // midpoint 57344..65536 -> even
  EXPECT_EQ(nm::fp8_e5m2_encode(61440.0f, true), 0x7B);
  EXPECT_EQ(nm::fp8_e5m2_encode(-61440.0f, false), 0xFC);
  const float below = std::nextafter(61440.0f, 0.0f);  // 61439.996
  EXPECT_EQ(below, 61439.99609375f);
  EXPECT_EQ(nm::fp8_e5m2_encode(below, false), 0x7B);
  EXPECT_FALSE(nm::overflows(FloatFormat::FP8_E5M2, below));
  EXPECT_TRUE(nm::overflows(FloatFormat::FP8_E5M2, 61440.0f));
  EXPECT_EQ(nm::fp8_e5m2_decode(0x7C), kInf);
  EXPECT_EQ(nm::fp8_e5m2_decode(0xFC), -kInf);
  EXPECT_TRUE(std::isnan(nm::fp8_e5m2_decode(0x7D)));
  EXPECT_EQ(nm::fp8_e5m2_encode(kInf, false), 0x7C);
  EXPECT_EQ(nm::fp8_e5m2_encode(kInf, true), 0x7B);
  EXPECT_EQ(nm::fp8_e5m2_encode(-kInf, true), 0xFB);
  EXPECT_EQ(nm::fp8_e5m2_encode(kNaN), 0x7E);
  EXPECT_EQ(nm::fp8_e5m2_encode(-kNaN), 0xFE);
  EXPECT_EQ(nm::fp8_e5m2_encode(0x1p-16f), 0x01);
  EXPECT_EQ(nm::fp8_e5m2_decode(0x01), 0x1p-16f);
  EXPECT_EQ(nm::fp8_e5m2_encode(0x1p-17f), 0x00);
  EXPECT_EQ(nm::fp8_e5m2_encode(std::nextafter(0x1p-17f, 1.0f)), 0x01);
  EXPECT_EQ(nm::fp8_e5m2_encode(1.0f), 0x3C);
  EXPECT_EQ(nm::fp8_e5m2_encode(1.125f), 0x3C);  // tie 1.00b | 1.01b -> even
  EXPECT_EQ(nm::fp8_e5m2_encode(1.375f), 0x3E);  // tie 1.01b | 1.10b -> even
}

TEST(NumericKnown, Bf16) {
  EXPECT_EQ(nm::bf16_encode(f32_from_bits(0x3F808000)), 0x3F80);  // tie, 0x3F80 even
  EXPECT_EQ(nm::bf16_encode(f32_from_bits(0x3F818000)), 0x3F82);  // tie, 0x3F81 odd -> up
  EXPECT_EQ(nm::bf16_encode(f32_from_bits(0x3F808001)), 0x3F81);
  EXPECT_EQ(nm::bf16_encode(f32_from_bits(0x3F817FFF)), 0x3F81);
  EXPECT_EQ(nm::bf16_encode(1.0f), 0x3F80);
  EXPECT_EQ(nm::bf16_encode(-2.0f), 0xC000);
  EXPECT_EQ(nm::bf16_encode(-0.0f), 0x8000);
  EXPECT_EQ(nm::bf16_encode(std::numeric_limits<float>::max()), 0x7F80);  // rounds to Inf
  EXPECT_TRUE(nm::overflows(FloatFormat::BF16, std::numeric_limits<float>::max()));
  EXPECT_FALSE(nm::overflows(FloatFormat::BF16, f32_from_bits(0x7F7F7FFF)));
  EXPECT_EQ(nm::bf16_encode(f32_from_bits(0x7F7F7FFF)), 0x7F7F);
  EXPECT_EQ(nm::bf16_encode(kInf), 0x7F80);
  EXPECT_FALSE(nm::overflows(FloatFormat::BF16, kInf));
  EXPECT_EQ(nm::bf16_encode(kNaN), 0x7FC0);
  EXPECT_EQ(nm::bf16_encode(-kNaN), 0xFFC0);
  // A NaN whose payload sits only in the low 16 bits must not truncate to Inf.
  EXPECT_EQ(nm::bf16_encode(f32_from_bits(0x7F800001)), 0x7FC0);
  EXPECT_EQ(nm::bf16_encode(f32_from_bits(0xFF800001)), 0xFFC0);
  EXPECT_EQ(nm::bf16_decode(0x3F80), 1.0f);
  EXPECT_EQ(nm::bf16_decode(0x0001), 0x1p-133f);
  EXPECT_EQ(nm::bf16_encode(0x1p-134f), 0x0000);  // tie -> even 0
  EXPECT_EQ(nm::bf16_encode(3 * 0x1p-134f), 0x0002);
}

TEST(NumericKnown, Fp16) {
  EXPECT_EQ(nm::fp16_encode(65504.0f), 0x7BFF);
  EXPECT_EQ(nm::fp16_encode(65519.0f), 0x7BFF);
  EXPECT_EQ(nm::fp16_encode(65520.0f), 0x7C00);  // midpoint 65504..65536 -> even (Inf)
  EXPECT_EQ(nm::fp16_encode(-65520.0f), 0xFC00);
  EXPECT_FALSE(nm::overflows(FloatFormat::FP16, 65519.0f));
  EXPECT_TRUE(nm::overflows(FloatFormat::FP16, 65520.0f));
  EXPECT_FALSE(nm::overflows(FloatFormat::FP16, kInf));
  EXPECT_EQ(nm::fp16_encode(1.0f), 0x3C00);
  EXPECT_EQ(nm::fp16_encode(0.1f), 0x2E66);
  EXPECT_EQ(nm::fp16_encode(1.0f / 3.0f), 0x3555);
  EXPECT_EQ(nm::fp16_encode(-0.0f), 0x8000);
  EXPECT_EQ(nm::fp16_encode(0x1p-24f), 0x0001);
  EXPECT_EQ(nm::fp16_encode(0x1p-25f), 0x0000);
  EXPECT_EQ(nm::fp16_encode(std::nextafter(0x1p-25f, 1.0f)), 0x0001);
  EXPECT_EQ(nm::fp16_encode(0x1p-14f), 0x0400);
  EXPECT_EQ(nm::fp16_encode(std::nextafter(0x1p-14f, 0.0f)), 0x0400);  // rounds up to normal
  EXPECT_EQ(nm::fp16_decode(0x03FF), 1023 * 0x1p-24f);
  EXPECT_EQ(nm::fp16_decode(0x7BFF), 65504.0f);
  EXPECT_EQ(nm::fp16_decode(0xFC00), -kInf);
  EXPECT_EQ(nm::fp16_encode(kNaN), 0x7E00);
  EXPECT_EQ(nm::fp16_encode(-kNaN), 0xFE00);
  EXPECT_EQ(nm::fp16_encode(f32_from_bits(0x7F800001)), 0x7E00);  // low payload: still NaN
}

TEST(NumericKnown, E2M1) {
  const float values[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
  for (uint8_t c = 0; c < 8; ++c) {
    EXPECT_EQ(nm::fp4_e2m1_decode(c), values[c]);
    EXPECT_EQ(bits_of(nm::fp4_e2m1_decode(static_cast<uint8_t>(c | 8))), bits_of(-values[c]));
    EXPECT_EQ(nm::fp4_e2m1_encode(values[c]), c);
    EXPECT_EQ(nm::fp4_e2m1_encode(-values[c]), c | 8);
  }
  EXPECT_EQ(nm::fp4_e2m1_encode(0.25f), 0);  // tie 0 | 0.5 -> even 0
  EXPECT_EQ(nm::fp4_e2m1_encode(0.75f), 2);  // tie 0.5 | 1 -> 1 (even mantissa)
  EXPECT_EQ(nm::fp4_e2m1_encode(1.25f), 2);  // tie 1 | 1.5 -> 1
  EXPECT_EQ(nm::fp4_e2m1_encode(1.75f), 4);  // tie 1.5 | 2 -> 2
  EXPECT_EQ(nm::fp4_e2m1_encode(2.5f), 4);   // tie 2 | 3 -> 2
  EXPECT_EQ(nm::fp4_e2m1_encode(3.5f), 6);   // tie 3 | 4 -> 4
  EXPECT_EQ(nm::fp4_e2m1_encode(5.0f), 6);   // tie 4 | 6 -> 4
  EXPECT_EQ(nm::fp4_e2m1_encode(5.01f), 7);
  EXPECT_EQ(nm::fp4_e2m1_encode(100.0f), 7);  // always saturates
  EXPECT_EQ(nm::fp4_e2m1_encode(-kInf), 15);
  EXPECT_EQ(nm::fp4_e2m1_encode(kNaN), 0);  // documented: no NaN in E2M1
  EXPECT_TRUE(std::isnan(nm::cast(FloatFormat::FP4_E2M1, kNaN)));
  EXPECT_EQ(nm::cast(FloatFormat::FP4_E2M1, -7.5f), -6.0f);
  // Overflow point is 7 = midpoint of 6 and the next step 8 (tie goes to 8's even mantissa).
  EXPECT_FALSE(nm::overflows(FloatFormat::FP4_E2M1, 6.99f));
  EXPECT_TRUE(nm::overflows(FloatFormat::FP4_E2M1, 7.0f));
  EXPECT_TRUE(nm::overflows(FloatFormat::FP4_E2M1, -kInf));
}

TEST(NumericKnown, Fp32IsIdentity) {
  for (float x : {0.0f, -0.0f, 1.5f, -3e38f, 1e-45f, kInf}) {
    EXPECT_EQ(nm::encode(FloatFormat::FP32, x), bits_of(x));
    EXPECT_EQ(bits_of(nm::decode(FloatFormat::FP32, bits_of(x))), bits_of(x));
    EXPECT_EQ(bits_of(nm::cast(FloatFormat::FP32, x)), bits_of(x));
    EXPECT_FALSE(nm::overflows(FloatFormat::FP32, x));
  }
  EXPECT_TRUE(std::isnan(nm::cast(FloatFormat::FP32, kNaN)));
}

// [SECTION] Traits

TEST(NumericTraits, Table) {
  struct Want {
    FloatFormat f;
    const char* name;
    int bits, e, m, bias;
    double max, min_normal, min_sub;
    bool inf, nan;
  };
  const Want want[] = {
      {FloatFormat::FP32, "fp32", 32, 8, 23, 127, 3.4028234663852886e38, std::ldexp(1.0, -126),
       std::ldexp(1.0, -149), true, true},
      {FloatFormat::FP16, "fp16", 16, 5, 10, 15, 65504.0, std::ldexp(1.0, -14),
       std::ldexp(1.0, -24), true, true},
      {FloatFormat::BF16, "bf16", 16, 8, 7, 127, (2.0 - std::ldexp(1.0, -7)) * std::ldexp(1.0, 127),
       std::ldexp(1.0, -126), std::ldexp(1.0, -133), true, true},
      {FloatFormat::FP8_E4M3, "fp8_e4m3", 8, 4, 3, 7, 448.0, std::ldexp(1.0, -6),
       std::ldexp(1.0, -9), false, true},
      {FloatFormat::FP8_E5M2, "fp8_e5m2", 8, 5, 2, 15, 57344.0, std::ldexp(1.0, -14),
       std::ldexp(1.0, -16), true, true},
      {FloatFormat::FP4_E2M1, "fp4_e2m1", 4, 2, 1, 1, 6.0, 1.0, 0.5, false, false},
  };
  ASSERT_EQ(std::size(want), nm::kAllFloatFormats.size());
  for (size_t i = 0; i < std::size(want); ++i) {
    const Want& w = want[i];
    EXPECT_EQ(nm::kAllFloatFormats[i], w.f);
    const nm::FormatTraits& t = nm::traits(w.f);
    SCOPED_TRACE(w.name);
    EXPECT_EQ(t.format, w.f);
    EXPECT_EQ(t.name, w.name);
    EXPECT_EQ(t.bits, w.bits);
    EXPECT_EQ(t.exponent_bits, w.e);
    EXPECT_EQ(t.mantissa_bits, w.m);
    EXPECT_EQ(t.bits, 1 + w.e + w.m);  // sign + exponent + mantissa
    EXPECT_EQ(t.bias, w.bias);
    EXPECT_EQ(t.max, w.max);
    EXPECT_EQ(t.min_normal, w.min_normal);
    EXPECT_EQ(t.min_subnormal, w.min_sub);
    EXPECT_EQ(t.has_inf, w.inf);
    EXPECT_EQ(t.has_nan, w.nan);
    EXPECT_NEAR(t.decimal_digits, std::log10(std::ldexp(1.0, w.m + 1)), 1e-12);
    // The traits agree with the codecs: max and the smallest values decode as stated.
    if (w.f != FloatFormat::FP32) {
      EXPECT_EQ(static_cast<double>(nm::cast(w.f, static_cast<float>(w.max))), w.max);
      EXPECT_EQ(static_cast<double>(nm::decode(w.f, 1)), w.min_sub);
      EXPECT_EQ(static_cast<double>(nm::decode(w.f, 1u << w.m)), w.min_normal);
    }
  }
  EXPECT_EQ(nm::traits(FloatFormat::FP32).max,
            static_cast<double>(std::numeric_limits<float>::max()));
}

TEST(NumericTraits, FormatFromName) {
  EXPECT_EQ(nm::format_from_name("fp32"), FloatFormat::FP32);
  EXPECT_EQ(nm::format_from_name("fp16"), FloatFormat::FP16);
  EXPECT_EQ(nm::format_from_name("bf16"), FloatFormat::BF16);
  EXPECT_EQ(nm::format_from_name("fp8_e4m3"), FloatFormat::FP8_E4M3);
  EXPECT_EQ(nm::format_from_name("fp8_e5m2"), FloatFormat::FP8_E5M2);
  EXPECT_EQ(nm::format_from_name("fp4_e2m1"), FloatFormat::FP4_E2M1);
  EXPECT_EQ(nm::format_from_name("fp4"), FloatFormat::FP4_E2M1);
  for (const char* bad : {"", "fp8", "FP16", "fp16 ", "e4m3", "nf4", "int8"}) {
    EXPECT_FALSE(nm::format_from_name(bad).has_value()) << '"' << bad << '"';
  }
}

}  // namespace
