// The histogram plot's value ↔ pixel transforms, checked with hand-computed numbers.
#include <gtest/gtest.h>

#include "widgets/plot_geometry.h"

using qs::widgets::PlotGeometry;

namespace {
PlotGeometry frame() {
  PlotGeometry g;
  g.x0 = 100;
  g.x1 = 500;  // 400 px for [-2, 2]: 100 px per unit
  g.y0 = 50;
  g.y1 = 250;  // 200 px tall
  g.x_lo = -2;
  g.x_hi = 2;
  g.y_max = 1000;
  return g;
}
}  // namespace

TEST(PlotGeometry, ValueToPixelAndBack) {
  const PlotGeometry g = frame();
  EXPECT_FLOAT_EQ(g.x_px(-2), 100);
  EXPECT_FLOAT_EQ(g.x_px(0), 300);
  EXPECT_FLOAT_EQ(g.x_px(1.5), 450);
  EXPECT_DOUBLE_EQ(g.x_val(350), 0.5);
  for (double v : {-1.75, -0.01, 0.0, 0.3, 1.99}) EXPECT_NEAR(g.x_val(g.x_px(v)), v, 1e-6);
}

TEST(PlotGeometry, CountsToHeightLinearAndLog) {
  PlotGeometry g = frame();
  EXPECT_FLOAT_EQ(g.y_px(0), 250);
  EXPECT_FLOAT_EQ(g.y_px(500), 150);
  EXPECT_FLOAT_EQ(g.y_px(1000), 50);
  g.log_y = true;
  g.y_max = 999;  // log10(1 + 999) = 3
  EXPECT_FLOAT_EQ(g.y_px(0), 250);                // an empty bin sits on the axis
  EXPECT_NEAR(g.y_px(9), 250 - 200.0 / 3, 1e-4);  // log10(10) = 1 of 3 decades
  EXPECT_NEAR(g.y_px(99), 250 - 400.0 / 3, 1e-4);
  g.y_max = 0;
  EXPECT_FLOAT_EQ(g.y_px(5), 250);  // nothing to scale: flat
}

TEST(PlotGeometry, BinColumns) {
  const PlotGeometry g = frame();
  float a = 0, b = 0;
  // 8 bins over [-2, 2]: bin 5 is [0.5, 1.0) → 350..400 px.
  ASSERT_TRUE(qs::widgets::bin_columns(g, -2, 2, 8, 5, &a, &b));
  EXPECT_FLOAT_EQ(a, 350);
  EXPECT_FLOAT_EQ(b, 400);
  // Bins over a wider range are clamped to the plot, and bins outside are skipped.
  ASSERT_TRUE(qs::widgets::bin_columns(g, -4, 4, 4, 0, &a, &b));  // [-4, -2] touches the edge
  EXPECT_FLOAT_EQ(a, 100);
  EXPECT_FLOAT_EQ(b, 100 + 1);  // a zero-width sliver is widened to one pixel
  ASSERT_TRUE(qs::widgets::bin_columns(g, -4, 4, 4, 1, &a, &b));  // [-2, 0)
  EXPECT_FLOAT_EQ(a, 100);
  EXPECT_FLOAT_EQ(b, 300);
  EXPECT_FALSE(qs::widgets::bin_columns(g, 3, 5, 4, 0, &a, &b));
  EXPECT_FALSE(qs::widgets::bin_columns(g, -2, 2, 8, 8, &a, &b));
  // 4000 bins over [-2, 2]: 0.1 px each, still one pixel wide.
  ASSERT_TRUE(qs::widgets::bin_columns(g, -2, 2, 4000, 2000, &a, &b));
  EXPECT_FLOAT_EQ(a, 300);
  EXPECT_FLOAT_EQ(b, 301);
}

TEST(PlotGeometry, ClipHandleHitTesting) {
  const PlotGeometry g = frame();
  // Handles at -1 (200 px) and 1 (400 px); 6 px tolerance.
  EXPECT_EQ(qs::widgets::clip_handle_at(g, -1, 1, 400), 2);
  EXPECT_EQ(qs::widgets::clip_handle_at(g, -1, 1, 405.9f), 2);
  EXPECT_EQ(qs::widgets::clip_handle_at(g, -1, 1, 406.5f), 0);
  EXPECT_EQ(qs::widgets::clip_handle_at(g, -1, 1, 194.5f), 1);
  EXPECT_EQ(qs::widgets::clip_handle_at(g, -1, 1, 300), 0);
  // Collapsed range: the hi handle wins so the range can be widened to the right.
  EXPECT_EQ(qs::widgets::clip_handle_at(g, 0.5, 0.5, 350), 2);
}

TEST(PlotGeometry, ZoomKeepsTheValueUnderThePointer) {
  PlotGeometry g = frame();
  const float mx = 375;  // value 0.75
  qs::widgets::zoom_around(g, mx, 0.5);
  EXPECT_DOUBLE_EQ(g.x_lo, 0.75 - 2.75 * 0.5);
  EXPECT_DOUBLE_EQ(g.x_hi, 0.75 + 1.25 * 0.5);
  EXPECT_NEAR(g.x_val(mx), 0.75, 1e-12);
}
