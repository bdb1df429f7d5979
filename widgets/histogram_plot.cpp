#include "widgets/histogram_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui_internal.h>

#include "widgets/plot_geometry.h"
#include "widgets/ticks.h"

namespace qs::widgets {
namespace {

// [SECTION] Transforms between values and pixels (plot_geometry.h, tested headless).
using Frame = PlotGeometry;

ImU32 with_alpha(ImU32 c, float a) {
  ImVec4 v = ImGui::ColorConvertU32ToFloat4(c);
  v.w *= a;
  return ImGui::ColorConvertFloat4ToU32(v);
}

double layer_max_in_view(const HistogramLayer& l, double lo, double hi) {
  const size_t n = l.counts.size();
  if (n == 0 || !(l.hi > l.lo)) return 0;
  const double w = (l.hi - l.lo) / double(n);
  double m = 0;
  for (size_t i = 0; i < n; ++i) {
    const double a = l.lo + double(i) * w, b = a + w;
    if (b < lo || a > hi) continue;
    m = std::max(m, double(l.counts[i]));
  }
  return m;
}

// [SECTION] Layers.
void draw_bars(ImDrawList* dl, const Frame& f, const HistogramLayer& l) {
  const size_t n = l.counts.size();
  if (n == 0 || !(l.hi > l.lo)) return;
  const double w = (l.hi - l.lo) / double(n);
  if (!l.outline) {
    const ImU32 fill = with_alpha(l.color, 0.85f);
    for (size_t i = 0; i < n; ++i) {
      float x0 = 0, x1 = 0;
      if (l.counts[i] == 0 || !bin_columns(f, l.lo, l.hi, n, i, &x0, &x1)) continue;
      dl->AddRectFilled(ImVec2(x0, f.y_px(double(l.counts[i]))), ImVec2(x1, f.y1), fill);
    }
    return;
  }
  // Step outline.
  std::vector<ImVec2> pts;
  pts.reserve(2 * n + 2);
  for (size_t i = 0; i < n; ++i) {
    const double a = l.lo + double(i) * w, b = a + w;
    if (b < f.x_lo || a > f.x_hi) continue;
    const float x0 = std::clamp(f.x_px(a), f.x0, f.x1);
    const float x1 = std::clamp(f.x_px(b), f.x0, f.x1);
    const float y = f.y_px(double(l.counts[i]));
    if (pts.empty()) pts.emplace_back(x0, f.y1);
    pts.emplace_back(x0, y);
    pts.emplace_back(x1, y);
  }
  if (pts.empty()) return;
  pts.emplace_back(pts.back().x, f.y1);
  dl->AddPolyline(pts.data(), int(pts.size()), l.color, 0, 1.5f);
}

// Levels: a tick per level when neighbours are ≥ 3 px apart, else a density band whose
// opacity shows how many levels fall into each pixel column.
void draw_levels(ImDrawList* dl, const Frame& f, std::span<const float> levels, PlotEvents& ev) {
  if (levels.empty()) return;
  const auto first = std::lower_bound(levels.begin(), levels.end(), float(f.x_lo));
  const auto last = std::upper_bound(levels.begin(), levels.end(), float(f.x_hi));
  ev.visible_levels = int(last - first);
  if (first == last) return;
  float min_gap = 1e9f;
  for (auto it = first; it + 1 < last; ++it) min_gap = std::min(min_gap, f.x_px(*(it + 1)) - f.x_px(*it));
  const ImU32 col = ImGui::GetColorU32(ImGuiCol_PlotLinesHovered);
  const float y1 = f.y1, y0 = y1 - 10.0f;
  if (min_gap >= 3.0f) {
    const bool faint_lines = ev.visible_levels <= 64;
    for (auto it = first; it < last; ++it) {
      const float x = f.x_px(*it);
      if (faint_lines) dl->AddLine(ImVec2(x, f.y0), ImVec2(x, y0), with_alpha(col, 0.18f));
      dl->AddLine(ImVec2(x, y0), ImVec2(x, y1), col, 1.5f);
    }
    return;
  }
  ev.levels_as_band = true;
  const int w = std::max(1, int(f.width()));
  std::vector<int> per_px(size_t(w), 0);
  for (auto it = first; it < last; ++it) {
    const int px = std::clamp(int(f.x_px(*it) - f.x0), 0, w - 1);
    ++per_px[size_t(px)];
  }
  const int peak = *std::max_element(per_px.begin(), per_px.end());
  for (int px = 0; px < w; ++px) {
    if (per_px[size_t(px)] == 0) continue;
    const float a = 0.25f + 0.75f * std::sqrt(float(per_px[size_t(px)]) / float(peak));
    const float x = f.x0 + float(px);
    dl->AddRectFilled(ImVec2(x, y0), ImVec2(x + 1.0f, y1), with_alpha(col, a));
  }
}

// [SECTION] Axes.
void draw_axes(ImDrawList* dl, const Frame& f, const HistogramPlotOptions& opt) {
  const ImU32 grid = ImGui::GetColorU32(ImGuiCol_Border, 0.45f);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const float fs = ImGui::GetFontSize();
  // x ticks
  const int max_x = std::max(2, int(f.width() / (fs * 6.0f)));
  const Ticks xt = nice_ticks(f.x_lo, f.x_hi, max_x);
  for (double v : xt.values) {
    const float x = f.x_px(v);
    dl->AddLine(ImVec2(x, f.y0), ImVec2(x, f.y1), grid);
    const std::string s = tick_label(v, xt.step);
    const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
    dl->AddText(ImVec2(x - ts.x * 0.5f, f.y1 + 4.0f), text, s.c_str());
  }
  const ImVec2 ls = ImGui::CalcTextSize(opt.x_label);
  dl->AddText(ImVec2(0.5f * (f.x0 + f.x1) - ls.x * 0.5f, f.y1 + 6.0f + fs), dim,
              opt.x_label);
  // y ticks (counts)
  if (f.y_max > 0) {
    const int max_y = std::max(2, int(f.height() / (fs * 2.5f)));
    const Ticks yt = f.log_y ? log_ticks(1.0, f.y_max, max_y) : nice_ticks(0.0, f.y_max, max_y);
    for (double v : yt.values) {
      const float y = f.y_px(v);
      dl->AddLine(ImVec2(f.x0, y), ImVec2(f.x1, y), grid);
      char buf[32];
      if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
      else if (v >= 1e4) std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
      else std::snprintf(buf, sizeof buf, "%.0f", v);
      const ImVec2 ts = ImGui::CalcTextSize(buf);
      dl->AddText(ImVec2(f.x0 - ts.x - 6.0f, y - ts.y * 0.5f), text, buf);
    }
  }
  const char* ylab = f.log_y ? "count (log)" : "count";
  dl->AddText(ImVec2(f.x0 + 4.0f, f.y0 + 2.0f), dim, ylab);
  dl->AddRect(ImVec2(f.x0, f.y0), ImVec2(f.x1, f.y1), ImGui::GetColorU32(ImGuiCol_Border));
}

void draw_legend(ImDrawList* dl, const Frame& f, std::span<const HistogramLayer> layers,
                 const HistogramPlotOptions& opt) {
  const float fs = ImGui::GetFontSize();
  float y = f.y0 + 6.0f;
  float widest = 0;
  for (const auto& l : layers) widest = std::max(widest, ImGui::CalcTextSize(l.label).x);
  if (!opt.levels.empty()) widest = std::max(widest, ImGui::CalcTextSize(opt.levels_label).x);
  const float x = f.x1 - widest - fs * 2.2f;
  const float rows = float(layers.size() + (opt.levels.empty() ? 0 : 1));
  dl->AddRectFilled(ImVec2(x - 6, y - 3), ImVec2(f.x1 - 6, y + rows * (fs + 4) + 1),
                    ImGui::GetColorU32(ImGuiCol_PopupBg, 0.85f), 4.0f);
  for (const auto& l : layers) {
    if (l.outline) dl->AddLine(ImVec2(x, y + fs * 0.5f), ImVec2(x + fs, y + fs * 0.5f), l.color, 2.0f);
    else dl->AddRectFilled(ImVec2(x, y + 2), ImVec2(x + fs, y + fs - 2), l.color);
    dl->AddText(ImVec2(x + fs * 1.4f, y), ImGui::GetColorU32(ImGuiCol_Text), l.label);
    y += fs + 4;
  }
  if (!opt.levels.empty()) {
    dl->AddLine(ImVec2(x + fs * 0.5f, y + 2), ImVec2(x + fs * 0.5f, y + fs - 2),
                ImGui::GetColorU32(ImGuiCol_PlotLinesHovered), 2.0f);
    dl->AddText(ImVec2(x + fs * 1.4f, y), ImGui::GetColorU32(ImGuiCol_Text), opt.levels_label);
  }
}

}  // namespace

// [SECTION] The widget.
PlotEvents HistogramPlot(const char* id, ImVec2 size, PlotRange& view,
                         std::span<const HistogramLayer> layers, ClipHandles* clip,
                         const HistogramPlotOptions& opt) {
  PlotEvents ev;
  ImGuiWindow* window = ImGui::GetCurrentWindow();
  if (window->SkipItems) return ev;
  const ImGuiID gid = window->GetID(id);
  const float fs = ImGui::GetFontSize();
  const ImVec2 pos = ImGui::GetCursorScreenPos();
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  if (size.y <= 0) size.y = ImGui::GetContentRegionAvail().y;
  const ImRect outer(pos, ImVec2(pos.x + size.x, pos.y + size.y));
  ImGui::InvisibleButton(id, size, ImGuiButtonFlags_MouseButtonLeft);
  const bool hovered = ImGui::IsItemHovered();
  const bool active = ImGui::IsItemActive();

  if (!(view.hi > view.lo)) view = {opt.data_lo, opt.data_hi};
  if (!(view.hi > view.lo)) view = {view.lo - 1.0, view.lo + 1.0};

  Frame f;
  f.x0 = outer.Min.x + fs * 4.2f;
  f.y0 = outer.Min.y + 4.0f;
  f.x1 = outer.Max.x - 10.0f;
  f.y1 = outer.Max.y - fs * 2.6f;
  f.x_lo = view.lo;
  f.x_hi = view.hi;
  f.log_y = opt.log_y;
  f.y_max = 0;
  for (const auto& l : layers)
    if (l.fits_axis) f.y_max = std::max(f.y_max, layer_max_in_view(l, view.lo, view.hi));
  if (f.y_max == 0)  // nothing that fits the axis is in view: fit everything
    for (const auto& l : layers) f.y_max = std::max(f.y_max, layer_max_in_view(l, view.lo, view.hi));
  f.y_max *= 1.08;  // headroom for the legend and tallest bar
  ev.plot_min = ImVec2(f.x0, f.y0);
  ev.plot_max = ImVec2(f.x1, f.y1);

  ImGuiIO& io = ImGui::GetIO();
  ImGuiStorage* st = ImGui::GetStateStorage();
  const ImGuiID drag_key = gid + 1;  // 0 none, 1 lo handle, 2 hi handle, 3 pan
  int drag = st->GetInt(drag_key, 0);
  const float mx = io.MousePos.x;

  // Interaction: handles first, then pan; wheel zoom; double-click reset.
  const int handle_under_mouse = clip && clip->show ? clip_handle_at(f, clip->lo, clip->hi, mx) : 0;
  if (ImGui::IsItemActivated()) drag = handle_under_mouse ? handle_under_mouse : 3;
  if (active && drag == 3 && io.MouseDelta.x != 0.0f) {
    const double dv = double(io.MouseDelta.x) / f.width() * (view.hi - view.lo);
    view.lo -= dv;
    view.hi -= dv;
    ev.view_changed = true;
  }
  if (active && (drag == 1 || drag == 2) && clip) {
    const double v = std::clamp(f.x_val(mx), view.lo, view.hi);
    double lo = clip->lo, hi = clip->hi;
    if (clip->symmetric) {
      const double t = std::max(std::fabs(v), 1e-12);
      lo = -t;
      hi = t;
    } else if (drag == 1) {
      lo = std::min(v, hi - (view.hi - view.lo) * 1e-4);
    } else {
      hi = std::max(v, lo + (view.hi - view.lo) * 1e-4);
    }
    if (lo != clip->lo || hi != clip->hi) {
      clip->lo = lo;
      clip->hi = hi;
      ev.clip_changed = true;
    }
  }
  if (ImGui::IsItemDeactivated()) {
    if (drag == 1 || drag == 2) ev.clip_released = true;
    drag = 0;
  }
  st->SetInt(drag_key, active ? drag : 0);
  if (hovered && io.MouseWheel != 0.0f) {
    zoom_around(f, mx, io.MouseWheel > 0 ? 0.8 : 1.25);
    view = {f.x_lo, f.x_hi};
    ev.view_changed = true;
  }
  if (hovered && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) {
    view = {opt.data_lo, opt.data_hi};
    ev.view_changed = true;
  }
  f.x_lo = view.lo;
  f.x_hi = view.hi;

  // Drawing.
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(ImVec2(f.x0, f.y0), ImVec2(f.x1, f.y1), ImGui::GetColorU32(ImGuiCol_FrameBg));
  dl->PushClipRect(ImVec2(f.x0, f.y0), ImVec2(f.x1, f.y1), true);
  if (opt.band_hi > opt.band_lo) {
    const ImU32 band = ImGui::GetColorU32(ImGuiCol_PlotLinesHovered, 0.14f);
    dl->AddRectFilled(ImVec2(f.x_px(opt.band_lo), f.y0), ImVec2(f.x_px(opt.band_hi), f.y1), band);
    if (*opt.band_label)
      dl->AddText(ImVec2(f.x_px(opt.band_lo) + 4.0f, f.y0 + ImGui::GetFontSize() + 6.0f),
                  ImGui::GetColorU32(ImGuiCol_TextDisabled), opt.band_label);
  }
  for (const auto& l : layers) {
    if (!l.outline) draw_bars(dl, f, l);
  }
  for (const auto& l : layers) {
    if (l.outline) draw_bars(dl, f, l);
  }
  draw_levels(dl, f, opt.levels, ev);
  if (clip && clip->show) {
    const ImU32 shade = IM_COL32(220, 60, 60, 40);
    const float xl = f.x_px(clip->lo), xh = f.x_px(clip->hi);
    if (xl > f.x0) dl->AddRectFilled(ImVec2(f.x0, f.y0), ImVec2(xl, f.y1), shade);
    if (xh < f.x1) dl->AddRectFilled(ImVec2(xh, f.y0), ImVec2(f.x1, f.y1), shade);
    for (int h = 1; h <= 2; ++h) {
      const float x = h == 1 ? xl : xh;
      const bool hot = drag == h || (hovered && drag == 0 && handle_under_mouse == h);
      const ImU32 c = hot ? IM_COL32(255, 120, 90, 255) : IM_COL32(230, 80, 60, 230);
      dl->AddLine(ImVec2(x, f.y0), ImVec2(x, f.y1), c, hot ? 3.0f : 2.0f);
      dl->AddRectFilled(ImVec2(x - 5, f.y0 + fs * 1.6f), ImVec2(x + 5, f.y0 + fs * 3.0f),
                        c, 3.0f);
    }
    if (hovered && drag == 0 && handle_under_mouse)
      ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeEW);
  }
  dl->PopClipRect();
  draw_axes(dl, f, opt);
  if (!layers.empty() && opt.legend) draw_legend(dl, f, layers, opt);

  // Hover read-out.
  if (hovered && ImRect(f.x0, f.y0, f.x1, f.y1).Contains(io.MousePos) && drag == 0) {
    ev.hovered = true;
    ev.hover_value = f.x_val(mx);
    dl->AddLine(ImVec2(mx, f.y0), ImVec2(mx, f.y1),
                ImGui::GetColorU32(ImGuiCol_Text, 0.35f));
    ImGui::BeginTooltip();
    ImGui::Text("x = %.6g", ev.hover_value);
    for (const auto& l : layers) {
      const size_t n = l.counts.size();
      if (n == 0 || !(l.hi > l.lo)) continue;
      const double w = (l.hi - l.lo) / double(n);
      const double t = (ev.hover_value - l.lo) / w;
      if (t < 0 || t >= double(n)) continue;
      const size_t b = size_t(t);
      ImGui::Text("%s: [%.6g, %.6g)  %llu", l.label, l.lo + double(b) * w,
                  l.lo + double(b + 1) * w, static_cast<unsigned long long>(l.counts[b]));
    }
    if (!opt.levels.empty()) {
      auto it = std::lower_bound(opt.levels.begin(), opt.levels.end(), float(ev.hover_value));
      float nearest = it == opt.levels.end() ? opt.levels.back() : *it;
      if (it != opt.levels.begin() &&
          (it == opt.levels.end() || ev.hover_value - *(it - 1) < *it - ev.hover_value))
        nearest = *(it - 1);
      ImGui::Text("nearest level %.6g", double(nearest));
    }
    ImGui::EndTooltip();
  }
  return ev;
}

}  // namespace qs::widgets
