// What-if edits change exactly what they say, and quantizing the copy shows the effect
// (an outlier inflates the per-tensor scale and costs the other values' resolution).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/quant/quantize.h"
#include "analysis/explore/what_if.h"

namespace qs {
namespace {

TEST(WhatIf, OutlierChangesExactlyOneElement) {
  std::mt19937 rng(2);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> x(64 * 32);
  for (auto& v : x) v = d(rng);
  const std::vector<int64_t> shape = {64, 32};
  const auto y = apply_what_if(x, shape, WhatIf{WhatIf::Kind::SetElement, 777, 5.0f});
  ASSERT_TRUE(y);
  int changed = 0;
  for (size_t i = 0; i < x.size(); ++i) changed += (*y)[i] != x[i];
  EXPECT_EQ(changed, 1);
  EXPECT_EQ((*y)[777], 5.0f);
  // The per-tensor int8 scale becomes 5/127 and SQNR drops by tens of dB.
  const Scheme s = *parse_spec("absmax:bits=8");
  const QuantizeResult before = quantize(x, shape, s), after = quantize(*y, shape, s);
  EXPECT_FLOAT_EQ(after.groups[0].scale, 5.0f / 127.0f);
  EXPECT_LT(*after.metrics.sqnr_db, *before.metrics.sqnr_db - 20.0);
}

TEST(WhatIf, ScaleRowAndErrors) {
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  const std::vector<int64_t> shape = {3, 2};
  const auto y = apply_what_if(x, shape, WhatIf{WhatIf::Kind::ScaleRow, 1, 10.0f});
  ASSERT_TRUE(y);
  EXPECT_EQ(*y, (std::vector<float>{1, 2, 30, 40, 5, 6}));
  EXPECT_FALSE(apply_what_if(x, shape, WhatIf{WhatIf::Kind::ScaleRow, 3, 2.0f}));
  EXPECT_FALSE(apply_what_if(x, shape, WhatIf{WhatIf::Kind::SetElement, 6, 2.0f}));
  EXPECT_FALSE(apply_what_if(x, shape, WhatIf{WhatIf::Kind::SetElement, 0, NAN}));
  const auto e = apply_what_if(x, shape, WhatIf{WhatIf::Kind::SetElement, -1, 1.0f});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("element -1"), std::string::npos);
}

}  // namespace
}  // namespace qs
