#include "widgets/xy_plot.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <imgui_internal.h>

#include "widgets/plot_geometry.h"
#include "widgets/text_fit.h"
#include "widgets/ticks.h"
#include "widgets/ui_scale.h"
#include "widgets/widget_frame.h"

namespace qs::widgets {
namespace {

// [SECTION] Legend: the series' labels in the corner of the data area with fewest points.
struct Legend {
  Rect box;
  std::vector<const XYSeries*> rows;
};

Legend place_legend(const PlotGeometry& g, std::span<const XYSeries> series, std::span<const Point> points) {
  Legend lg;
  const float fs = ImGui::GetFontSize();
  float widest = 0;
  for (const XYSeries& s : series) {
    if (!*s.label) continue;
    lg.rows.push_back(&s);
    widest = std::max(widest, ImGui::CalcTextSize(s.label).x);
  }
  if (lg.rows.empty()) return lg;
  // Never wider than the data area: labels are cut with "…" instead (draw_legend).
  const float w = std::min(fs * 1.4f + widest + px(10), g.width() - px(8));
  const float h = float(lg.rows.size()) * (fs + px(2)) + px(6);
  const float in = px(4);
  const Rect corners[] = {{g.x0 + in, g.y0 + in, g.x0 + in + w, g.y0 + in + h},
                          {g.x1 - in - w, g.y0 + in, g.x1 - in, g.y0 + in + h},
                          {g.x0 + in, g.y1 - in - h, g.x0 + in + w, g.y1 - in},
                          {g.x1 - in - w, g.y1 - in - h, g.x1 - in, g.y1 - in}};
  lg.box = corners[least_covered(corners, points)];
  return lg;
}

void draw_legend(ImDrawList* dl, const Legend& lg) {
  if (lg.rows.empty()) return;
  const float fs = ImGui::GetFontSize();
  dl->AddRectFilled(ImVec2(lg.box.x0, lg.box.y0), ImVec2(lg.box.x1, lg.box.y1),
                    ImGui::GetColorU32(ImGuiCol_PopupBg, 0.85f), px(4));
  float y = lg.box.y0 + px(3);
  const float x = lg.box.x0 + px(5);
  for (const XYSeries* s : lg.rows) {
    if (s->lines || !s->markers)
      dl->AddLine(ImVec2(x, y + fs * 0.5f), ImVec2(x + fs, y + fs * 0.5f), s->color, px(2));
    if (s->markers) dl->AddCircleFilled(ImVec2(x + fs * 0.5f, y + fs * 0.5f), px(3.5f), s->color);
    const std::string label = elide(s->label, lg.box.x1 - px(5) - (x + fs * 1.4f));
    dl->AddText(ImVec2(x + fs * 1.4f, y), ImGui::GetColorU32(ImGuiCol_Text), label.c_str());
    y += fs + px(2);
  }
}

// Where the data's points and lines are, sampled every few pixels along each segment, so
// the legend avoids a curve as well as the markers.
std::vector<Point> occupied(std::span<const std::vector<ImVec2>> polylines, std::span<const XYSeries> series,
                            const PlotGeometry& g) {
  std::vector<Point> out;
  const float step = px(6);
  for (size_t k = 0; k < series.size(); ++k) {
    const std::vector<ImVec2>& p = polylines[k];
    for (size_t i = 0; i < p.size(); ++i) {
      if (p[i].x >= g.x0 && p[i].x <= g.x1 && p[i].y >= g.y0 && p[i].y <= g.y1) out.push_back({p[i].x, p[i].y});
      if (!series[k].lines || i == 0) continue;
      const float dx = p[i].x - p[i - 1].x, dy = p[i].y - p[i - 1].y;
      const int n = std::min(2000, int(std::hypot(dx, dy) / step));
      for (int j = 1; j < n; ++j) {
        const float t = float(j) / float(n);
        out.push_back({p[i - 1].x + dx * t, p[i - 1].y + dy * t});
      }
    }
  }
  return out;
}

}  // namespace

// [SECTION] The widget.
XYPlotEvents XYPlot(const char* id, ImVec2 size, PlotRange& view, std::span<const XYSeries> series,
                    const XYPlotOptions& opt) {
  XYPlotEvents ev;
  ImVec2 pos;
  if (!widget_frame(size, pos)) return ev;
  const float fs = ImGui::GetFontSize();
  ImGui::InvisibleButton(id, size, ImGuiButtonFlags_MouseButtonLeft);
  const bool hovered = ImGui::IsItemHovered(), active = ImGui::IsItemActive();
  if (!(view.hi > view.lo)) view = {opt.data_lo, opt.data_hi};
  if (!(view.hi > view.lo)) view = {view.lo - 1.0, view.lo + 1.0};

  const bool has_y2 = opt.y2_hi > opt.y2_lo;
  const double y_lo = opt.y_hi > opt.y_lo ? opt.y_lo : -1, y_hi = opt.y_hi > opt.y_lo ? opt.y_hi : 1;
  // Rows first (title above, x ticks and x label below), then the y ticks for that height,
  // then the margins their labels need.
  PlotGeometry g;
  const float title_h = fs + px(4);
  g.y0 = pos.y + title_h;
  g.y1 = pos.y + size.y - fs * 2.0f - px(10);
  const int max_yt = std::max(2, int((g.y1 - g.y0) / (fs * 2.2f)));
  const Ticks yt = nice_ticks(y_lo, y_hi, max_yt);
  const Ticks t2 = has_y2 ? nice_ticks(opt.y2_lo, opt.y2_hi, max_yt) : Ticks{};
  float left = fs * 1.5f, right = 0;
  for (double v : yt.values) left = std::max(left, ImGui::CalcTextSize(tick_label(v, yt.step).c_str()).x);
  for (double v : t2.values) right = std::max(right, ImGui::CalcTextSize(tick_label(v, t2.step).c_str()).x);
  g.x0 = pos.x + left + px(10);
  g.x1 = pos.x + size.x - (has_y2 ? right + px(10) : px(10));
  g.x_lo = view.lo;
  g.x_hi = view.hi;
  ev.plot_min = ImVec2(g.x0, g.y0);
  ev.plot_max = ImVec2(g.x1, g.y1);
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
  // Axes and grid; x tick labels never closer than a font height to each other.
  auto x_label_of = [&](double v, double step) { return opt.x_log2 ? pow2_label(v) : tick_label(v, step); };
  const int max_xt = std::max(3, int(g.width() / (fs * 4.5f)));
  const Ticks xt = spaced_ticks(g.x_lo, g.x_hi, max_xt, g.width(), fs, x_label_of,
                                opt.x_log2 ? &pow2_ticks : &nice_ticks);
  for (double v : xt.values) {
    const float x = g.x_px(v);
    dl->AddLine(ImVec2(x, g.y0), ImVec2(x, g.y1), grid);
    const std::string s = x_label_of(v, xt.step);
    const float w = ImGui::CalcTextSize(s.c_str()).x;  // shifted inward at the widget's edges
    dl->AddText(ImVec2(std::clamp(x - w * 0.5f, pos.x, pos.x + size.x - w), g.y1 + px(4)), text, s.c_str());
  }
  for (double v : yt.values) {
    const float y = y_px(v);
    dl->AddLine(ImVec2(g.x0, y), ImVec2(g.x1, y), grid);
    const std::string s = tick_label(v, yt.step);
    const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
    // Kept within the data area's height: off the title row above and the x labels below.
    dl->AddText(ImVec2(g.x0 - ts.x - px(6), std::clamp(y - ts.y * 0.5f, g.y0, g.y1 - ts.y)), text, s.c_str());
  }
  for (double v : t2.values) {
    const std::string s2 = tick_label(v, t2.step);
    dl->AddText(ImVec2(g.x1 + px(6), std::clamp(y2_px(v) - fs * 0.5f, g.y0, g.y1 - fs)), dim, s2.c_str());
  }
  draw_fitted_label(dl, opt.x_label, 0.5f * (g.x0 + g.x1), g.y1 + px(6) + fs, pos.x, pos.x + size.x, dim);
  // The title row: the y label from the left edge, the right axis' label at the right;
  // the title gives way (cut with "…", whole on hover).
  const float row_l = pos.x + px(2), row_r = pos.x + size.x - px(2);
  float title_room = row_r - row_l;
  if (has_y2 && *opt.y2_label) {
    const float w2 = ImGui::CalcTextSize(opt.y2_label).x;
    dl->AddText(ImVec2(row_r - w2, pos.y), dim, opt.y2_label);
    title_room -= w2 + fs;
  }
  const std::string title = elide(opt.y_label, title_room);
  dl->AddText(ImVec2(row_l, pos.y), dim, title.c_str());
  const bool title_cut = title != opt.y_label;

  // Pixel positions of every series.
  std::vector<std::vector<ImVec2>> pts(series.size());
  for (size_t k = 0; k < series.size(); ++k) {
    const XYSeries& s = series[k];
    const size_t n = std::min(s.x.size(), s.y.size());
    for (size_t i = 0; i < n; ++i) {
      // Clamp far-away points so a huge coordinate does not break the rasterizer.
      const float x = std::clamp(g.x_px(s.x[i]), g.x0 - 1e4f, g.x1 + 1e4f);
      const float y = std::clamp(s.right_axis && has_y2 ? y2_px(s.y[i]) : y_px(s.y[i]), g.y0 - 1e4f, g.y1 + 1e4f);
      pts[k].emplace_back(x, y);
    }
  }
  const std::vector<Point> busy = occupied(pts, series, g);
  Legend legend;
  if (opt.legend) legend = place_legend(g, series, busy);
  if (!legend.rows.empty()) ev.legend = legend.box;

  dl->PushClipRect(ev.plot_min, ev.plot_max, true);
  if (opt.band_hi > opt.band_lo) {
    dl->AddRectFilled(ImVec2(g.x0, y_px(opt.band_hi)), ImVec2(g.x1, y_px(opt.band_lo)),
                      ImGui::GetColorU32(ImGuiCol_PlotLinesHovered, 0.12f));
  }
  for (size_t k = 0; k < series.size(); ++k) {
    const XYSeries& s = series[k];
    // Separate segments, not one polyline: ImGui's joins turn the sawtooth's hairpin
    // corners (a vertical jump, then a shallow slope) into spikes.
    if (s.lines)
      for (size_t i = 1; i < pts[k].size(); ++i) dl->AddLine(pts[k][i - 1], pts[k][i], s.color, px(s.thickness));
    if (s.markers)
      for (const ImVec2& p : pts[k]) dl->AddCircleFilled(p, px(3.5f), s.color);
  }

  // Point labels: every labelled point inside the data area, in the callers' order.
  std::vector<LabelRequest> req;
  std::vector<ImVec2> anchors;
  for (size_t k = 0; k < series.size(); ++k) {
    const XYSeries& s = series[k];
    const size_t n = std::min(pts[k].size(), s.point_labels.size());
    std::vector<size_t> order(s.label_order.begin(), s.label_order.end());
    for (size_t i = 0; i < n; ++i)
      if (std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
    for (size_t i : order) {
      if (i >= n || s.point_labels[i].empty()) continue;
      const ImVec2 p = pts[k][i];
      if (p.x < g.x0 || p.x > g.x1 || p.y < g.y0 || p.y > g.y1) continue;
      const ImVec2 ts = ImGui::CalcTextSize(s.point_labels[i].c_str());
      req.push_back({p.x, p.y, ts.x, ts.y});
      anchors.push_back(p);
      ev.labels.push_back({s.point_labels[i], false, {}});
    }
  }
  if (!req.empty()) {
    LabelPlacementOptions lo;
    lo.bounds = {g.x0 + px(2), g.y0 + px(2), g.x1 - px(2), g.y1 - px(2)};
    // The legend and every marker (unlabelled series' too) stay uncovered.
    std::vector<Rect> obstacles;
    if (!legend.rows.empty()) obstacles.push_back(legend.box);
    for (size_t k = 0; k < series.size(); ++k) {
      if (!series[k].markers) continue;
      for (const ImVec2& p : pts[k])
        if (p.x >= g.x0 && p.x <= g.x1 && p.y >= g.y0 && p.y <= g.y1)
          obstacles.push_back({p.x - px(4), p.y - px(4), p.x + px(4), p.y + px(4)});
    }
    lo.obstacles = obstacles;
    lo.gap = px(3);
    lo.marker = px(4);
    lo.pad = px(3);
    const std::vector<PlacedLabel> placed = place_labels(req, lo);
    for (size_t i = 0; i < placed.size(); ++i) {
      ev.labels[i].placed = placed[i].placed;
      ev.labels[i].rect = placed[i].rect;
      if (placed[i].placed)
        dl->AddText(ImVec2(placed[i].rect.x0, placed[i].rect.y0), text, ev.labels[i].text.c_str());
    }
  }
  dl->PopClipRect();
  dl->AddRect(ev.plot_min, ev.plot_max, ImGui::GetColorU32(ImGuiCol_Border));
  draw_legend(dl, legend);

  if (hovered && title_cut && io.MousePos.y < g.y0 && io.MousePos.y >= pos.y) ImGui::SetTooltip("%s", opt.y_label);
  if (hovered && ImRect(ev.plot_min, ev.plot_max).Contains(io.MousePos) && !active) {
    ev.hovered = true;
    ev.hover_x = g.x_val(io.MousePos.x);
    dl->AddLine(ImVec2(io.MousePos.x, g.y0), ImVec2(io.MousePos.x, g.y1), ImGui::GetColorU32(ImGuiCol_Text, 0.35f));
    // The labelled point under the pointer (every label, placed or not, reads here).
    int near = -1;
    float best = px(10) * px(10);
    for (size_t i = 0; i < anchors.size(); ++i) {
      const float dx = anchors[i].x - io.MousePos.x, dy = anchors[i].y - io.MousePos.y;
      if (dx * dx + dy * dy <= best) best = dx * dx + dy * dy, near = int(i);
    }
    if (opt.tooltip || near >= 0) {
      ImGui::BeginTooltip();
      if (near >= 0) ImGui::TextUnformatted(ev.labels[size_t(near)].text.c_str());
      if (opt.tooltip) opt.tooltip(ev.hover_x);
      ImGui::EndTooltip();
    }
  }
  return ev;
}

}  // namespace qs::widgets
