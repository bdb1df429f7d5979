// The histogram plot widget driven headless: a real ImGui context without a window or GL,
// mouse input injected frame by frame, and the geometry read back from the draw list and
// the widget's events.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <vector>

#include <imgui.h>

#include "widgets/histogram_plot.h"
#include "widgets/plot_geometry.h"
#include "widgets/ticks.h"

namespace qs::widgets {
namespace {

class Headless : public ::testing::Test {
 protected:
  void SetUp() override {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(1000, 700);
    io.DeltaTime = 1.0f / 60.0f;
    io.IniFilename = nullptr;
    unsigned char* px = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
  }
  void TearDown() override { ImGui::DestroyContext(); }

  // One frame with the mouse at (x, y), button down or not; returns the plot's events.
  // ImGui floors the mouse position to whole pixels; tests aim at whole pixels too.
  PlotEvents frame(float x, float y, bool down, float wheel = 0) {
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2(x, y);
    io.MouseDown[0] = down;
    io.MouseWheel = wheel;
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(1000, 700));
    ImGui::Begin("test", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove);
    std::vector<HistogramLayer> layers(1);
    layers[0].counts = counts;
    layers[0].lo = 0.0;
    layers[0].hi = 4.0;
    layers[0].color = IM_COL32(50, 100, 200, 255);
    layers[0].label = "x";
    if (!stem_values.empty()) {
      HistogramLayer st;
      st.counts = stem_counts;
      st.stems = stem_values;
      st.color = IM_COL32(240, 150, 60, 255);
      st.label = "x̂";
      st.fits_axis = false;
      layers.push_back(st);
    }
    HistogramPlotOptions opt;
    opt.data_lo = -3;
    opt.data_hi = 3;
    opt.levels = levels;
    PlotEvents ev = HistogramPlot("plot", ImVec2(800, 500), view, layers, &clip, opt);
    ImGui::End();
    ImGui::Render();
    draw_list = ImGui::GetDrawData()->CmdListsCount > 0 ? ImGui::GetDrawData()->CmdLists[0] : nullptr;
    return ev;
  }
  PlotGeometry geometry(const PlotEvents& ev) const {
    PlotGeometry g;
    g.x0 = ev.plot_min.x;
    g.y0 = ev.plot_min.y;
    g.x1 = ev.plot_max.x;
    g.y1 = ev.plot_max.y;
    g.x_lo = view.lo;
    g.x_hi = view.hi;
    return g;
  }
  bool has_vertex(float x, float y) const {
    if (!draw_list) return false;
    for (const ImDrawVert& v : draw_list->VtxBuffer)
      if (std::fabs(v.pos.x - x) < 0.01f && std::fabs(v.pos.y - y) < 0.01f) return true;
    return false;
  }

  std::vector<uint64_t> counts = {0, 0, 10, 0};  // bins of 1 over [0, 4): only [2, 3) filled
  std::vector<float> levels;
  std::vector<float> stem_values;
  std::vector<uint64_t> stem_counts;
  PlotRange view{-2, 4};
  ClipHandles clip{true, -1, 1, false};
  const ImDrawList* draw_list = nullptr;
};

TEST_F(Headless, PlotAreaAndBarGeometry) {
  const PlotEvents ev = frame(-100, -100, false);
  const float fs = ImGui::GetFontSize();
  const ImVec2 origin = ImGui::GetStyle().WindowPadding;  // the widget's top-left
  // Left: the widest count label ("10", narrower than the 2-font-size minimum) and a gap.
  EXPECT_FLOAT_EQ(ev.plot_min.x, origin.x + fs * 2.0f + 10);
  EXPECT_FLOAT_EQ(ev.plot_min.y, origin.y + fs + 4);  // the axis' name on a row above
  EXPECT_FLOAT_EQ(ev.plot_max.x, origin.x + 800 - 10);
  EXPECT_FLOAT_EQ(ev.plot_max.y, origin.y + 500 - fs * 2.0f - 10);  // ticks and the value label below
  // The one filled bin, [2, 3), is a rectangle from the axis to count 10 under 8% headroom.
  PlotGeometry g = geometry(ev);
  g.y_max = 10 * 1.08;
  float a = 0, b = 0;
  ASSERT_TRUE(bin_columns(g, 0, 4, 4, 2, &a, &b));
  EXPECT_NEAR(a, g.x_px(2.0), 1e-3);
  EXPECT_TRUE(has_vertex(a, g.y_px(10))) << "top-left corner of the bar";
  EXPECT_TRUE(has_vertex(b, g.y1)) << "bottom-right corner of the bar";
  // Nothing drawn for the empty bins (they would start at x_px(0) and x_px(1)).
  EXPECT_FALSE(has_vertex(g.x_px(1.0), g.y_px(0)) && has_vertex(g.x_px(0.0), g.y_px(0)));
}

TEST_F(Headless, DraggingTheHiHandleMovesOnlyHi) {
  PlotEvents ev = frame(-100, -100, false);
  const PlotGeometry g = geometry(ev);
  const float y = 0.5f * (g.y0 + g.y1);
  const float hx = g.x_px(1.0);
  frame(hx + 3, y, false);  // hover within the 6 px tolerance
  ev = frame(hx + 3, y, true);
  const float to = std::floor(g.x_px(2.5));
  ev = frame(to, y, true);
  EXPECT_TRUE(ev.clip_changed);
  EXPECT_NEAR(clip.hi, g.x_val(to), 1e-9);
  EXPECT_NEAR(clip.hi, 2.5, 6.0 / g.width());  // within one pixel
  EXPECT_DOUBLE_EQ(clip.lo, -1.0);
  EXPECT_DOUBLE_EQ(view.lo, -2.0) << "dragging a handle must not pan";
  ev = frame(to, y, false);
  EXPECT_TRUE(ev.clip_released);
}

TEST_F(Headless, SymmetricHandlesMirrorAroundZero) {
  clip.symmetric = true;
  PlotEvents ev = frame(-100, -100, false);
  const PlotGeometry g = geometry(ev);
  const float y = 0.5f * (g.y0 + g.y1);
  frame(g.x_px(-1.0), y, false);
  frame(g.x_px(-1.0), y, true);
  const float to = std::floor(g.x_px(-1.5));
  frame(to, y, true);
  EXPECT_NEAR(clip.lo, g.x_val(to), 1e-9);
  EXPECT_NEAR(clip.hi, -g.x_val(to), 1e-9);
}

TEST_F(Headless, DraggingOffTheHandlesPans) {
  PlotEvents ev = frame(-100, -100, false);
  const PlotGeometry g = geometry(ev);
  const float y = 0.5f * (g.y0 + g.y1);
  const float x = g.x_px(0.0);
  frame(x, y, false);
  frame(x, y, true);
  ev = frame(x + 100, y, true);
  EXPECT_TRUE(ev.view_changed);
  const double shift = 100.0 / double(g.width()) * 6.0;
  EXPECT_NEAR(view.lo, -2.0 - shift, 1e-4);
  EXPECT_NEAR(view.hi, 4.0 - shift, 1e-4);
  EXPECT_DOUBLE_EQ(clip.hi, 1.0);
}

TEST_F(Headless, WheelZoomKeepsTheValueUnderThePointer) {
  PlotEvents ev = frame(-100, -100, false);
  const PlotGeometry g = geometry(ev);
  const float x = std::floor(g.x_px(3.0)), y = 0.5f * (g.y0 + g.y1);
  const double anchor = g.x_val(x);
  frame(x, y, false);
  ev = frame(x, y, false, 1.0f);
  EXPECT_TRUE(ev.view_changed);
  EXPECT_NEAR(view.lo, anchor - (anchor + 2.0) * 0.8, 1e-9);
  EXPECT_NEAR(view.hi, anchor + (4.0 - anchor) * 0.8, 1e-9);
}

TEST_F(Headless, DoubleClickResetsToTheDataRange) {
  PlotEvents ev = frame(-100, -100, false);
  const PlotGeometry g = geometry(ev);
  const float x = g.x_px(0.0), y = 0.5f * (g.y0 + g.y1);
  frame(x, y, false);
  frame(x, y, true);
  frame(x, y, false);
  frame(x, y, true);
  frame(x, y, false);
  EXPECT_DOUBLE_EQ(view.lo, -3.0);
  EXPECT_DOUBLE_EQ(view.hi, 3.0);
}

TEST_F(Headless, LevelsAsTicksOrAsABand) {
  clip.show = false;
  // 15 levels of an int4 absmax grid over [-1.4, 1.4]: far apart on 776 px → ticks.
  for (int k = -7; k <= 7; ++k) levels.push_back(0.2f * float(k));
  PlotEvents ev = frame(-100, -100, false);
  EXPECT_EQ(ev.visible_levels, 15);
  EXPECT_FALSE(ev.levels_as_band);
  // 4001 levels across [-2, 2]: 0.2 px apart → a density band; those outside the view
  // are not counted.
  levels.clear();
  for (int k = -2000; k <= 2000; ++k) levels.push_back(0.001f * float(k));
  view = {-1.0, 4.0};
  ev = frame(-100, -100, false);
  EXPECT_TRUE(ev.levels_as_band);
  EXPECT_EQ(ev.visible_levels, 3001);
}

TEST_F(Headless, StemsStandAtTheirValuesWithTheirCounts) {
  clip.show = false;
  // Three values of a grid, one stem each: a line from the axis to its own count (not a
  // bin's sum), so 255 levels in 256 bins can no longer alternate one and two levels.
  stem_values = {-1.0f, 0.5f, 2.25f};
  stem_counts = {4, 8, 2};
  const PlotEvents ev = frame(-100, -100, false);
  EXPECT_EQ(ev.stems_drawn, 3);
  PlotGeometry g = geometry(ev);
  g.y_max = 10 * 1.08;  // x's bin (10) fits the axis; the stems do not set it
  for (size_t i = 0; i < stem_values.size(); ++i) {
    const float x = std::floor(g.x_px(stem_values[i])) + 0.5f;
    bool found = false;
    for (const ImDrawVert& v : draw_list->VtxBuffer)
      found |= std::fabs(v.pos.x - x) < 1.5f && std::fabs(v.pos.y - g.y_px(double(stem_counts[i]))) < 1.5f;
    EXPECT_TRUE(found) << "stem " << i << " reaches its count";
  }
  // Out of view: not drawn.
  view = {0.0, 1.0};
  EXPECT_EQ(frame(-100, -100, false).stems_drawn, 1);
}

TEST_F(Headless, CountAxisTicksAreDistinctIntegers) {
  // A max count of 2 used to print "0 0 1 1 2" (steps of 0.5 formatted as integers).
  const Ticks t = integer_ticks(0.0, 2.16, 8);
  ASSERT_EQ(t.values, (std::vector<double>{0, 1, 2}));
}

}  // namespace
}  // namespace qs::widgets
