// Codes taken apart: hand-derived fields, values, neighbours and ulps.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/numeric/breakdown.h"

namespace qs::numeric {
namespace {

TEST(Breakdown, E4M3LargestFiniteAndItsNeighbours) {
  // 0x7E = 0 1111 110: e = 15, bias 7 → 2^8 · (1 + 6/8) = 448. 0x7F is NaN in E4M3FN,
  // so there is nothing finite above; below is 0x7D = 2^8 · 1.625 = 416.
  const FloatBreakdown b = breakdown(FloatFormat::FP8_E4M3, 0x7E);
  EXPECT_EQ(b.sign, 0u);
  EXPECT_EQ(b.exponent, 15u);
  EXPECT_EQ(b.mantissa, 6u);
  EXPECT_EQ(b.kind, ValueKind::Normal);
  EXPECT_EQ(b.unbiased_exponent, 8);
  EXPECT_EQ(b.value, 448.0f);
  EXPECT_FALSE(b.next_away.has_value());
  ASSERT_TRUE(b.next_toward.has_value());
  EXPECT_EQ(*b.next_toward, 416.0f);
  EXPECT_DOUBLE_EQ(*b.ulp, 32.0);
  EXPECT_EQ(breakdown(FloatFormat::FP8_E4M3, 0x7F).kind, ValueKind::NaN);
}

TEST(Breakdown, SubnormalsZeroAndSign) {
  // E4M3 0x01: subnormal, 2^(1-7) · 1/8 = 2^-9; toward zero is 0, away 2^-8.
  const FloatBreakdown s = breakdown(FloatFormat::FP8_E4M3, 0x01);
  EXPECT_EQ(s.kind, ValueKind::Subnormal);
  EXPECT_EQ(s.unbiased_exponent, -6);
  EXPECT_EQ(s.value, std::ldexp(1.0f, -9));
  EXPECT_EQ(*s.next_toward, 0.0f);
  EXPECT_EQ(*s.next_away, std::ldexp(1.0f, -8));
  EXPECT_DOUBLE_EQ(*s.ulp, std::ldexp(1.0, -9));
  // -0 in fp16 (0x8000): zero, sign 1, next away is -2^-24.
  const FloatBreakdown z = breakdown(FloatFormat::FP16, 0x8000);
  EXPECT_EQ(z.kind, ValueKind::Zero);
  EXPECT_EQ(z.sign, 1u);
  EXPECT_EQ(*z.next_away, -std::ldexp(1.0f, -24));
  EXPECT_FALSE(z.next_toward.has_value());
}

TEST(Breakdown, UlpsAtOne) {
  // 1.0: fp16 0x3C00 (ulp 2^-10), bf16 0x3F80 (2^-7), fp32 (2^-23), e5m2 0x3C (2^-2),
  // fp4 0x2 = 0 01 0 (ulp 0.5: the next value is 1.5).
  EXPECT_DOUBLE_EQ(*breakdown(FloatFormat::FP16, 0x3C00).ulp, std::ldexp(1.0, -10));
  EXPECT_DOUBLE_EQ(*breakdown(FloatFormat::BF16, 0x3F80).ulp, std::ldexp(1.0, -7));
  EXPECT_DOUBLE_EQ(*breakdown(FloatFormat::FP32, 0x3F800000u).ulp, std::ldexp(1.0, -23));
  EXPECT_DOUBLE_EQ(*breakdown(FloatFormat::FP8_E5M2, 0x3C).ulp, 0.25);
  const FloatBreakdown f4 = breakdown(FloatFormat::FP4_E2M1, 0x2);
  EXPECT_EQ(f4.value, 1.0f);
  EXPECT_EQ(f4.exponent, 1u);
  EXPECT_EQ(*f4.next_away, 1.5f);
  // fp4 0xF = 1 11 1 = -6: the largest magnitude, no finite value beyond.
  const FloatBreakdown m = breakdown(FloatFormat::FP4_E2M1, 0xF);
  EXPECT_EQ(m.value, -6.0f);
  EXPECT_FALSE(m.next_away.has_value());
  EXPECT_EQ(*m.next_toward, -4.0f);
}

TEST(Breakdown, InfinityAndFieldsOfEveryFp8Code) {
  EXPECT_EQ(breakdown(FloatFormat::FP8_E5M2, 0x7C).kind, ValueKind::Inf);
  // The formula reproduces decode() for every finite E5M2 and E4M3 code.
  for (FloatFormat f : {FloatFormat::FP8_E4M3, FloatFormat::FP8_E5M2}) {
    const FormatTraits& t = traits(f);
    for (uint32_t c = 0; c < 256; ++c) {
      const FloatBreakdown b = breakdown(f, c);
      if (b.kind == ValueKind::NaN || b.kind == ValueKind::Inf) continue;
      const double frac = double(b.mantissa) / double(1u << t.mantissa_bits);
      const double mag = std::ldexp(b.kind == ValueKind::Normal ? 1.0 + frac : frac, b.unbiased_exponent);
      EXPECT_EQ(double(b.value), b.sign ? -mag : mag) << t.name << " code " << c;
    }
  }
}

}  // namespace
}  // namespace qs::numeric
