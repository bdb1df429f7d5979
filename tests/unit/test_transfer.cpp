// The transfer steps against quantize_element itself on dense grids of x, for integer,
// float and NF4 schemes with and without clipping; hand-derived steps for int2.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/quant/levels.h"
#include "analysis/quant/quant_math.h"
#include "analysis/quant/scheme.h"
#include "analysis/explore/transfer.h"

namespace qs {
namespace {

Scheme spec(const char* s) { return *parse_spec(s); }

TEST(Transfer, HandDerivedInt2) {
  // absmax 2 bits: qmax = 1, s = 0.5 for max|x| = 0.5 → levels {-0.5, 0, 0.5};
  // boundaries at ±0.25.
  const Scheme s = spec("absmax:bits=2");
  const GroupParams p = choose_params(s, -0.5f, 0.5f, false);
  const std::vector<float> L = representable_levels(s, p);
  ASSERT_EQ(L, (std::vector<float>{-0.5f, 0.0f, 0.5f}));
  const auto steps = transfer_steps(L, -INFINITY, INFINITY, -1.0, 1.0);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_DOUBLE_EQ(steps[0].x0, -1.0);
  EXPECT_DOUBLE_EQ(steps[0].x1, -0.25);
  EXPECT_EQ(steps[0].level, -0.5f);
  EXPECT_DOUBLE_EQ(steps[1].x0, -0.25);
  EXPECT_DOUBLE_EQ(steps[1].x1, 0.25);
  EXPECT_DOUBLE_EQ(steps[2].x1, 1.0);
  // The view cuts steps: [0.1, 0.2] lies inside the zero step.
  const auto inside = transfer_steps(L, -INFINITY, INFINITY, 0.1, 0.2);
  ASSERT_EQ(inside.size(), 1u);
  EXPECT_EQ(inside[0].level, 0.0f);
  EXPECT_DOUBLE_EQ(largest_gap_within(L, -0.1, 0.1), 0.5);
}

// For every x on a dense grid (skipping exact midpoints, where the tie rule decides),
// the step containing x has the level quantize_element produces.
void expect_matches_quantizer(const char* sp, float lo, float hi, bool clipping) {
  const Scheme s = spec(sp);
  const GroupParams p = choose_params(s, lo, hi, clipping);
  const std::vector<float> L = representable_levels(s, p);
  const double vlo = 3.0 * lo - 0.1, vhi = 3.0 * hi + 0.1;
  const auto steps = transfer_steps(L, clipping ? lo : -INFINITY, clipping ? hi : INFINITY, vlo, vhi);
  ASSERT_FALSE(steps.empty()) << sp;
  EXPECT_DOUBLE_EQ(steps.front().x0, vlo) << sp;
  EXPECT_DOUBLE_EQ(steps.back().x1, vhi) << sp;
  for (size_t k = 1; k < steps.size(); ++k) {
    EXPECT_EQ(steps[k].x0, steps[k - 1].x1) << sp << " steps are contiguous";
    EXPECT_LT(steps[k - 1].level, steps[k].level) << sp << " levels ascend";
  }
  int checked = 0;
  for (int i = 0; i <= 20000; ++i) {
    const double xd = vlo + (vhi - vlo) * i / 20000.0;
    const float x = float(xd);
    auto it = std::upper_bound(steps.begin(), steps.end(), double(x),
                               [](double v, const TransferStep& st) { return v < st.x1; });
    if (it == steps.end()) continue;
    // Skip exact boundaries (ties) and x within float rounding of one.
    if (std::fabs(double(x) - it->x0) < 1e-6 * std::fabs(it->x0) + 1e-30 ||
        std::fabs(it->x1 - double(x)) < 1e-6 * std::fabs(it->x1) + 1e-30)
      continue;
    const ElementResult e = quantize_element(s, p, x, 0.0f);
    if (std::isnan(e.xhat) || std::isinf(e.xhat)) continue;  // non-saturating overflow
    ASSERT_EQ(e.xhat, it->level) << sp << " x = " << x;
    ++checked;
  }
  EXPECT_GT(checked, 15000) << sp;
}

TEST(Transfer, MatchesTheQuantizerEverywhere) {
  expect_matches_quantizer("absmax:bits=4", -0.3f, 0.2f, false);
  expect_matches_quantizer("absmax:bits=3", -0.1f, 0.1f, true);
  expect_matches_quantizer("minmax:bits=3", -0.05f, 0.3f, false);
  expect_matches_quantizer("minmax:bits=4,zp=float", -0.2f, 0.3f, false);
  expect_matches_quantizer("minmax:bits=2,signed=true", -0.1f, 0.4f, true);
  expect_matches_quantizer("nf4", -1.5f, 2.0f, false);
  expect_matches_quantizer("fp4_e2m1", -6.0f, 6.0f, false);
  expect_matches_quantizer("fp4_e2m1:scale=absmax", -0.7f, 0.9f, false);
  expect_matches_quantizer("fp8_e4m3:scale=absmax", -0.7f, 0.9f, false);
}

}  // namespace
}  // namespace qs
