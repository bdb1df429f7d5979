#include "widgets/xy_plot.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <imgui_internal.h>

#include "widgets/plot_geometry.h"
#include "widgets/ticks.h"

namespace qs::widgets {

XYPlotEvents XYPlot(const char* id, ImVec2 size, PlotRange& view, std::span<const XYSeries> series,
                    const XYPlotOptions& opt) {
  XYPlotEvents ev;
  ImGuiWindow* window = ImGui::GetCurrentWindow();
  if (window->SkipItems) return ev;
  const float fs = ImGui::GetFontSize();
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  if (size.y <= 0) size.y = ImGui::GetContentRegionAvail().y;
  ImGui::InvisibleButton(id, size, ImGuiButtonFlags_MouseButtonLeft);
  const bool hovered = ImGui::IsItemHovered(), active = ImGui::IsItemActive();
  if (!(view.hi > view.lo)) view = {opt.data_lo, opt.data_hi};
  if (!(view.hi > view.lo)) view = {view.lo - 1.0, view.lo + 1.0};

  PlotGeometry g;
  g.x0 = pos.x + fs * 4.6f;
  g.y0 = pos.y + 4.0f;
  const bool has_y2 = opt.y2_hi > opt.y2_lo;
  g.x1 = pos.x + size.x - (has_y2 ? fs * 3.6f : 10.0f);
  g.y1 = pos.y + size.y - fs * 2.6f;
  g.x_lo = view.lo;
  g.x_hi = view.hi;
  ev.plot_min = ImVec2(g.x0, g.y0);
  ev.plot_max = ImVec2(g.x1, g.y1);
  const double y_lo = opt.y_hi > opt.y_lo ? opt.y_lo : -1, y_hi = opt.y_hi > opt.y_lo ? opt.y_hi : 1;
  auto y_px = [&](double v) { return float(g.y1 - (v - y_lo) / (y_hi - y_lo) * g.height()); };
  auto y2_px = [&](double v) { return float(g.y1 - (v - opt.y2_lo) / (opt.y2_hi - opt.y2_lo) * g.height()); };

  // Interaction: pan, wheel zoom, double-click reset (x only; y is the caller's).
  ImGuiIO& io = ImGui::GetIO();
  if (active && io.MouseDelta.x != 0.0f) {
    const double dv = double(io.MouseDelta.x) / g.width() * (view.hi - view.lo);
    view.lo -= dv;
    view.hi -= dv;
    ev.view_changed = true;
  }
  if (hovered && io.MouseWheel != 0.0f) {
    zoom_around(g, io.MousePos.x, io.MouseWheel > 0 ? 0.8 : 1.25);
    view = {g.x_lo, g.x_hi};
    ev.view_changed = true;
  }
  if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
    view = {opt.data_lo, opt.data_hi};
    ev.view_changed = true;
  }
  g.x_lo = view.lo;
  g.x_hi = view.hi;

  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImU32 grid = ImGui::GetColorU32(ImGuiCol_Border, 0.45f);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  dl->AddRectFilled(ev.plot_min, ev.plot_max, ImGui::GetColorU32(ImGuiCol_FrameBg));
  // Axes and grid.
  const int max_xt = std::max(3, int(g.width() / (fs * 4.5f)));
  const Ticks xt = opt.x_log2 ? pow2_ticks(g.x_lo, g.x_hi, max_xt) : nice_ticks(g.x_lo, g.x_hi, max_xt);
  for (double v : xt.values) {
    const float x = g.x_px(v);
    dl->AddLine(ImVec2(x, g.y0), ImVec2(x, g.y1), grid);
    const std::string s = opt.x_log2 ? pow2_label(v) : tick_label(v, xt.step);
    dl->AddText(ImVec2(x - ImGui::CalcTextSize(s.c_str()).x * 0.5f, g.y1 + 4.0f), text, s.c_str());
  }
  const Ticks yt = nice_ticks(y_lo, y_hi, std::max(2, int(g.height() / (fs * 2.2f))));
  for (double v : yt.values) {
    const float y = y_px(v);
    dl->AddLine(ImVec2(g.x0, y), ImVec2(g.x1, y), grid);
    const std::string s = tick_label(v, yt.step);
    const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
    dl->AddText(ImVec2(g.x0 - ts.x - 6.0f, y - ts.y * 0.5f), text, s.c_str());
  }
  if (has_y2) {
    const Ticks t2 = nice_ticks(opt.y2_lo, opt.y2_hi, std::max(2, int(g.height() / (fs * 2.2f))));
    for (double v : t2.values) {
      const std::string s2 = tick_label(v, t2.step);
      const float y = y2_px(v);
      dl->AddText(ImVec2(g.x1 + 6.0f, y - fs * 0.5f), dim, s2.c_str());
    }
    const ImVec2 l2 = ImGui::CalcTextSize(opt.y2_label);
    dl->AddText(ImVec2(g.x1 - l2.x - 4.0f, g.y0 + 2.0f), dim, opt.y2_label);
  }
  const ImVec2 xl = ImGui::CalcTextSize(opt.x_label);
  dl->AddText(ImVec2(0.5f * (g.x0 + g.x1) - xl.x * 0.5f, g.y1 + 6.0f + fs), dim, opt.x_label);
  dl->AddText(ImVec2(g.x0 + 4.0f, g.y0 + 2.0f), dim, opt.y_label);

  dl->PushClipRect(ev.plot_min, ev.plot_max, true);
  if (opt.band_hi > opt.band_lo) {
    dl->AddRectFilled(ImVec2(g.x0, y_px(opt.band_hi)), ImVec2(g.x1, y_px(opt.band_lo)),
                      ImGui::GetColorU32(ImGuiCol_PlotLinesHovered, 0.12f));
  }
  std::vector<ImVec2> pts;
  for (const XYSeries& s : series) {
    pts.clear();
    const size_t n = std::min(s.x.size(), s.y.size());
    for (size_t i = 0; i < n; ++i) {
      // Clamp far-away points so a huge coordinate does not break the rasterizer.
      const float px = std::clamp(g.x_px(s.x[i]), g.x0 - 1e4f, g.x1 + 1e4f);
      const float py = std::clamp(s.right_axis && has_y2 ? y2_px(s.y[i]) : y_px(s.y[i]), g.y0 - 1e4f, g.y1 + 1e4f);
      pts.emplace_back(px, py);
    }
    // Separate segments, not one polyline: ImGui's joins turn the sawtooth's hairpin
    // corners (a vertical jump, then a shallow slope) into spikes.
    if (s.lines)
      for (size_t i = 1; i < pts.size(); ++i) dl->AddLine(pts[i - 1], pts[i], s.color, s.thickness);
    if (s.markers)
      for (const ImVec2& p : pts) dl->AddCircleFilled(p, 3.5f, s.color);
    for (size_t i = 0; i < std::min(pts.size(), s.point_labels.size()); ++i)
      dl->AddText(ImVec2(pts[i].x + 6, pts[i].y - fs * 0.5f), text, s.point_labels[i].c_str());
  }
  dl->PopClipRect();
  dl->AddRect(ev.plot_min, ev.plot_max, ImGui::GetColorU32(ImGuiCol_Border));

  // Legend (top left, under the y label).
  float ly = g.y0 + fs + 6.0f;
  for (const XYSeries& s : series) {
    if (!opt.legend || !*s.label) continue;
    dl->AddLine(ImVec2(g.x0 + 8, ly + fs * 0.5f), ImVec2(g.x0 + 8 + fs, ly + fs * 0.5f), s.color, 2.0f);
    dl->AddText(ImVec2(g.x0 + 12 + fs, ly), text, s.label);
    ly += fs + 2;
  }

  if (hovered && ImRect(ev.plot_min, ev.plot_max).Contains(io.MousePos) && !active) {
    ev.hovered = true;
    ev.hover_x = g.x_val(io.MousePos.x);
    dl->AddLine(ImVec2(io.MousePos.x, g.y0), ImVec2(io.MousePos.x, g.y1), ImGui::GetColorU32(ImGuiCol_Text, 0.35f));
    if (opt.tooltip) {
      ImGui::BeginTooltip();
      opt.tooltip(ev.hover_x);
      ImGui::EndTooltip();
    }
  }
  return ev;
}

}  // namespace qs::widgets
