// Representable levels: counts derived from the formats' code spaces, values from the
// conventions, and every x̂ the quantizer produces is one of the levels.
#include "analysis/quant/levels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "analysis/quant/quantize.h"

namespace qs {
namespace {

Scheme spec(const char* s) {
  auto r = parse_spec(s);
  EXPECT_TRUE(r.has_value()) << s;
  return *r;
}

TEST(Levels, AbsmaxHandDerived) {
  GroupParams p;
  p.scale = 0.5f;
  const auto l = representable_levels(spec("absmax:bits=4"), p);
  ASSERT_EQ(l.size(), 15u);  // q in [-7, 7]
  EXPECT_EQ(l.front(), -3.5f);
  EXPECT_EQ(l.back(), 3.5f);
  EXPECT_EQ(l[7], 0.0f);
}

TEST(Levels, MinmaxIncludesZeroExactly) {
  GroupParams p;
  p.scale = 0.25f;
  p.zero_point = 3.0f;
  const auto l = representable_levels(spec("minmax:bits=3"), p);
  ASSERT_EQ(l.size(), 8u);
  EXPECT_EQ(l.front(), -0.75f);  // (0 - 3)·0.25
  EXPECT_EQ(l.back(), 1.0f);     // (7 - 3)·0.25
  EXPECT_TRUE(std::binary_search(l.begin(), l.end(), 0.0f));
  GroupParams f;
  f.scale = 0.5f;
  f.zero_point = -1.25f;  // the float minimum
  const auto lf = representable_levels(spec("minmax:bits=2,zp=float"), f);
  EXPECT_EQ(lf, (std::vector<float>{-1.25f, -0.75f, -0.25f, 0.25f}));
}

// Finite codes minus the duplicate zero: fp16 2^16 - 2·2^10 - 1, bf16 2^16 - 2·2^7 - 1,
// E4M3FN 256 - 2 NaN - 1, E5M2 256 - 2 Inf - 6 NaN - 1, E2M1 16 - 1.
TEST(Levels, FloatFormatCounts) {
  GroupParams p;
  EXPECT_EQ(representable_levels(spec("fp16"), p).size(), 63487u);
  EXPECT_EQ(representable_levels(spec("bf16"), p).size(), 65279u);
  EXPECT_EQ(representable_levels(spec("fp8_e4m3"), p).size(), 253u);
  EXPECT_EQ(representable_levels(spec("fp8_e5m2"), p).size(), 247u);
  const auto fp4 = representable_levels(spec("fp4"), p);
  EXPECT_EQ(fp4, (std::vector<float>{-6, -4, -3, -2, -1.5f, -1, -0.5f, 0, 0.5f, 1, 1.5f, 2, 3, 4,
                                     6}));
  EXPECT_EQ(representable_levels(spec("fp8_e4m3"), p).back(), 448.0f);
  EXPECT_EQ(representable_levels(spec("fp8_e5m2"), p).back(), 57344.0f);
  GroupParams scaled;
  scaled.scale = 0.5f;
  EXPECT_EQ(representable_levels(spec("fp4:scale=absmax"), scaled).back(), 3.0f);
}

TEST(Levels, Nf4) {
  GroupParams p;
  p.scale = 2.0f;
  const auto l = representable_levels(spec("nf4"), p);
  ASSERT_EQ(l.size(), 16u);
  EXPECT_EQ(l.front(), -2.0f);
  EXPECT_EQ(l.back(), 2.0f);
}

// Every x̂ of a per-tensor quantization is a level (bit for bit).
TEST(Levels, EveryDequantizedValueIsALevel) {
  std::vector<float> x(4001);
  for (size_t i = 0; i < x.size(); ++i) x[i] = -1.3f + 2.9f * float(i) / 4000.0f;
  const std::vector<int64_t> shape = {int64_t(x.size())};
  QuantizeOptions o;
  o.keep_dequant = true;
  for (const char* sp : {"absmax:bits=4", "absmax:bits=8,scale_dtype=f16", "minmax:bits=3",
                         "minmax:bits=5,zp=float", "minmax:bits=4,signed=true", "nf4:gran=tensor",
                         "fp8_e4m3", "fp8_e5m2:scale=absmax", "fp4", "bf16",
                         "absmax:bits=4,clip=range,lo=-0.5,hi=0.7"}) {
    const Scheme s = spec(sp);
    const QuantizeResult r = quantize(x, shape, s, o);
    const auto l = representable_levels(s, r.groups[0]);
    for (float v : r.dequant) {
      const float key = v == 0.0f ? 0.0f : v;
      ASSERT_TRUE(std::binary_search(l.begin(), l.end(), key)) << sp << ": " << v;
    }
  }
}

}  // namespace
}  // namespace qs
