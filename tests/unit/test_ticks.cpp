// Axis ticks: nice steps (1, 2, 5 × 10^k) and labels with just enough digits.
#include "widgets/ticks.h"

#include <gtest/gtest.h>

namespace qs::widgets {
namespace {

TEST(Ticks, NiceSteps) {
  Ticks t = nice_ticks(0.0, 1.0, 6);
  EXPECT_DOUBLE_EQ(t.step, 0.2);
  ASSERT_EQ(t.values.size(), 6u);
  EXPECT_DOUBLE_EQ(t.values[0], 0.0);
  EXPECT_DOUBLE_EQ(t.values[5], 1.0);
  t = nice_ticks(-0.187, 0.183, 8);  // raw step 0.0529 → 0.1
  EXPECT_DOUBLE_EQ(t.step, 0.1);
  EXPECT_EQ(t.values, (std::vector<double>{-0.1, 0.0, 0.1}));
  t = nice_ticks(-3.0, 7.0, 11);  // raw 1 → 1
  EXPECT_DOUBLE_EQ(t.step, 1.0);
  EXPECT_EQ(t.values.size(), 11u);
  t = nice_ticks(0.0, 448.0, 5);  // raw 112 → 200
  EXPECT_DOUBLE_EQ(t.step, 200.0);
  EXPECT_EQ(t.values, (std::vector<double>{0.0, 200.0, 400.0}));
  EXPECT_TRUE(nice_ticks(1.0, 1.0, 5).values.empty());
}

TEST(Ticks, LogDecades) {
  Ticks t = log_ticks(0.5, 2e6, 10);
  EXPECT_EQ(t.values, (std::vector<double>{1, 10, 100, 1e3, 1e4, 1e5, 1e6}));
  t = log_ticks(1, 1e12, 4);  // 13 decades, every 4th
  EXPECT_EQ(t.values, (std::vector<double>{1, 1e4, 1e8, 1e12}));
}

TEST(Ticks, PowersOfTwo) {
  // k = 1 … 256 on a log2 axis: exponents 0 … 8, every one when 9 fit, every 2nd when 5.
  Ticks t = pow2_ticks(-0.3, 8.3, 10);
  EXPECT_EQ(t.values, (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  t = pow2_ticks(-0.3, 8.3, 5);
  EXPECT_EQ(t.values, (std::vector<double>{0, 2, 4, 6, 8}));
  EXPECT_DOUBLE_EQ(t.step, 2);
  EXPECT_EQ(pow2_label(0), "1");
  EXPECT_EQ(pow2_label(6), "64");
  EXPECT_EQ(pow2_label(-1), "0.5");
}

TEST(Ticks, Labels) {
  EXPECT_EQ(tick_label(0.0, 0.1), "0");
  EXPECT_EQ(tick_label(0.2, 0.2), "0.2");
  EXPECT_EQ(tick_label(-0.15, 0.05), "-0.15");
  EXPECT_EQ(tick_label(400.0, 200.0), "400");
  EXPECT_EQ(tick_label(2e-5, 1e-5), "2e-05");
  EXPECT_EQ(tick_label(1.5e-5, 5e-6), "1.5e-05");
  EXPECT_EQ(tick_label(3e6, 1e6), "3e+06");
}

}  // namespace
}  // namespace qs::widgets
