#include "widgets/histogram_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui_internal.h>

#include "widgets/label_placement.h"
#include "widgets/plot_geometry.h"
#include "widgets/text_fit.h"
#include "widgets/ticks.h"
#include "widgets/ui_scale.h"
#include "widgets/widget_frame.h"

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
  if (!l.stems.empty()) {
    double m = 0;
    for (size_t i = 0; i < std::min(l.stems.size(), l.counts.size()); ++i)
      if (l.stems[i] >= lo && l.stems[i] <= hi) m = std::max(m, double(l.counts[i]));
    return m;
  }
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
  dl->AddPolyline(pts.data(), int(pts.size()), l.color, 0, px(1.5f));
}

// A stem per value; where several fall into one pixel column, the tallest stands for them
// (each stem's count is that one value's, so a column never sums its neighbours). Sparse
// stems get a dot on top; dense ones are drawn faint with their tops joined, so the bars
// of x stay visible between them.
int draw_stems(ImDrawList* dl, const Frame& f, const HistogramLayer& l) {
  const size_t n = std::min(l.stems.size(), l.counts.size());
  const auto first = size_t(std::lower_bound(l.stems.begin(), l.stems.begin() + long(n), float(f.x_lo)) - l.stems.begin());
  const auto last = size_t(std::upper_bound(l.stems.begin(), l.stems.begin() + long(n), float(f.x_hi)) - l.stems.begin());
  if (first >= last) return 0;
  const float gap = last - first > 1 ? (f.x_px(l.stems[last - 1]) - f.x_px(l.stems[first])) / float(last - first - 1) : 1e9f;
  const bool sparse = gap >= px(6);
  std::vector<ImVec2> tops;
  float col = -1e9f;
  uint64_t tallest = 0;
  auto flush = [&] {
    if (col > -1e8f && tallest > 0) tops.emplace_back(col, f.y_px(double(tallest)));
  };
  for (size_t i = first; i < last; ++i) {
    const float x = std::floor(f.x_px(l.stems[i])) + 0.5f;
    if (x != col) {
      flush();
      col = x;
      tallest = 0;
    }
    tallest = std::max(tallest, l.counts[i]);
  }
  flush();
  const ImU32 stem = sparse ? l.color : with_alpha(l.color, 0.45f);
  for (const ImVec2& t : tops) dl->AddLine(ImVec2(t.x, f.y1), t, stem, sparse ? px(1.5f) : 1.0f);
  if (sparse)
    for (const ImVec2& t : tops) dl->AddCircleFilled(t, px(2.5f), l.color);
  else
    for (size_t i = 1; i < tops.size(); ++i) dl->AddLine(tops[i - 1], tops[i], l.color, px(1.5f));
  return int(last - first);
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
  const float y1 = f.y1, y0 = y1 - px(10);
  if (min_gap >= px(3)) {
    const bool faint_lines = ev.visible_levels <= 64;
    for (auto it = first; it < last; ++it) {
      const float x = f.x_px(*it);
      if (faint_lines) dl->AddLine(ImVec2(x, f.y0), ImVec2(x, y0), with_alpha(col, 0.18f));
      dl->AddLine(ImVec2(x, y0), ImVec2(x, y1), col, px(1.5f));
    }
    return;
  }
  ev.levels_as_band = true;
  const int w = std::max(1, int(f.width()));
  std::vector<int> per_px(size_t(w), 0);
  for (auto it = first; it < last; ++it) {
    const int c = std::clamp(int(f.x_px(*it) - f.x0), 0, w - 1);
    ++per_px[size_t(c)];
  }
  const int peak = *std::max_element(per_px.begin(), per_px.end());
  for (int c = 0; c < w; ++c) {
    if (per_px[size_t(c)] == 0) continue;
    const float a = 0.25f + 0.75f * std::sqrt(float(per_px[size_t(c)]) / float(peak));
    const float x = f.x0 + float(c);
    dl->AddRectFilled(ImVec2(x, y0), ImVec2(x + 1.0f, y1), with_alpha(col, a));
  }
}

// [SECTION] Axes.
std::string count_label(double v) {
  char buf[32];
  if (v >= 1e6) std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  else if (v >= 1e4) std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

// Count ticks: integers only (a max count of 2 must not read "0 0 1 1 2").
Ticks count_ticks(const Frame& f) {
  if (f.y_max <= 0) return {};
  const int max_y = std::max(2, int(f.height() / (ImGui::GetFontSize() * 2.5f)));
  return f.log_y ? log_ticks(1.0, f.y_max, max_y) : integer_ticks(0.0, f.y_max, max_y);
}

void draw_axes(ImDrawList* dl, const Frame& f, const Ticks& yt, const HistogramPlotOptions& opt, const ImRect& outer) {
  const ImVec2 outer_min = outer.Min;
  const ImU32 grid = ImGui::GetColorU32(ImGuiCol_Border, 0.45f);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const float fs = ImGui::GetFontSize();
  // x ticks, their labels at least a font height apart
  const int max_x = std::max(2, int(f.width() / (fs * 6.0f)));
  const Ticks xt = spaced_ticks(f.x_lo, f.x_hi, max_x, f.width(), fs, &tick_label);
  for (double v : xt.values) {
    const float x = f.x_px(v);
    dl->AddLine(ImVec2(x, f.y0), ImVec2(x, f.y1), grid);
    const std::string s = tick_label(v, xt.step);
    const ImVec2 ts = ImGui::CalcTextSize(s.c_str());  // shifted inward at the widget's edges
    dl->AddText(ImVec2(std::clamp(x - ts.x * 0.5f, outer.Min.x, outer.Max.x - ts.x), f.y1 + px(4)), text, s.c_str());
  }
  draw_fitted_label(dl, opt.x_label, 0.5f * (f.x0 + f.x1), f.y1 + px(6) + fs, outer.Min.x, outer.Max.x, dim);
  for (double v : yt.values) {
    const float y = f.y_px(v);
    dl->AddLine(ImVec2(f.x0, y), ImVec2(f.x1, y), grid);
    const std::string s = count_label(v);
    const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
    // Kept within the data area's height: off the title row above and the x labels below.
    dl->AddText(ImVec2(f.x0 - ts.x - px(6), std::clamp(y - ts.y * 0.5f, f.y0, f.y1 - ts.y)), text, s.c_str());
  }
  // The axis' name on the row above the data area (never under the bars or the legend).
  dl->AddText(ImVec2(outer_min.x + px(2), outer_min.y), dim, f.log_y ? "count (log)" : "count");
  dl->AddRect(ImVec2(f.x0, f.y0), ImVec2(f.x1, f.y1), ImGui::GetColorU32(ImGuiCol_Border));
}

// [SECTION] Legend: a row per layer (and the levels, and the band), in the top corner
// that the bars leave free.
struct LegendRow {
  enum class Swatch { Bar, Line, Stem, Band } swatch;
  ImU32 color;
  const char* label;
};

std::vector<LegendRow> legend_rows(std::span<const HistogramLayer> layers, const HistogramPlotOptions& opt) {
  std::vector<LegendRow> rows;
  for (const auto& l : layers) {
    const auto sw = !l.stems.empty() ? LegendRow::Swatch::Stem : l.outline ? LegendRow::Swatch::Line : LegendRow::Swatch::Bar;
    rows.push_back({sw, l.color, l.label});
  }
  if (!opt.levels.empty())
    rows.push_back({LegendRow::Swatch::Stem, ImGui::GetColorU32(ImGuiCol_PlotLinesHovered), opt.levels_label});
  if (opt.band_hi > opt.band_lo && *opt.band_label)
    rows.push_back({LegendRow::Swatch::Band, ImGui::GetColorU32(ImGuiCol_PlotLinesHovered, 0.35f), opt.band_label});
  return rows;
}

Rect legend_box(const Frame& f, const std::vector<LegendRow>& rows, std::span<const HistogramLayer> layers) {
  const float fs = ImGui::GetFontSize();
  float widest = 0;
  for (const LegendRow& r : rows) widest = std::max(widest, ImGui::CalcTextSize(r.label).x);
  // Never wider than the data area: labels are cut with "…" instead (draw_legend).
  const float w = std::min(widest + fs * 1.4f + px(12), f.width() - px(12));
  const float h = float(rows.size()) * (fs + px(4)) + px(4);
  const float in = px(6);
  const Rect corners[] = {{f.x1 - in - w, f.y0 + in, f.x1 - in, f.y0 + in + h},
                          {f.x0 + in, f.y0 + in, f.x0 + in + w, f.y0 + in + h}};
  // The bars' tops (clamped to the data area: a clipped spike covers the top row).
  std::vector<Point> tops;
  for (const auto& l : layers) {
    const size_t n = l.stems.empty() ? l.counts.size() : std::min(l.stems.size(), l.counts.size());
    for (size_t i = 0; i < n; ++i) {
      if (l.counts[i] == 0) continue;
      const double v = l.stems.empty() ? l.lo + (double(i) + 0.5) * (l.hi - l.lo) / double(n) : double(l.stems[i]);
      if (v < f.x_lo || v > f.x_hi) continue;
      tops.push_back({f.x_px(v), std::max(f.y0 + 1, f.y_px(double(l.counts[i])))});
    }
  }
  // A bar under the box counts wherever its top is: test the column below the top.
  std::vector<Point> probe;
  for (const Point& p : tops) probe.push_back({p.x, std::max(p.y, corners[0].y1 - 1)});
  return corners[least_covered(corners, probe)];
}

// The tallest count (of layers that fit the axis) whose bin or stem lies in [xa, xb] px.
double max_count_under(const Frame& f, std::span<const HistogramLayer> layers, float xa, float xb) {
  double m = 0;
  for (const auto& l : layers) {
    if (!l.fits_axis) continue;
    if (!l.stems.empty()) {
      for (size_t i = 0; i < std::min(l.stems.size(), l.counts.size()); ++i) {
        const float x = f.x_px(l.stems[i]);
        if (x >= xa && x <= xb && l.stems[i] >= f.x_lo && l.stems[i] <= f.x_hi) m = std::max(m, double(l.counts[i]));
      }
      continue;
    }
    const size_t n = l.counts.size();
    for (size_t i = 0; i < n; ++i) {
      float a = 0, b = 0;
      if (l.counts[i] > 0 && bin_columns(f, l.lo, l.hi, n, i, &a, &b) && b >= xa && a <= xb)
        m = std::max(m, double(l.counts[i]));
    }
  }
  return m;
}

void draw_legend(ImDrawList* dl, const Rect& box, const std::vector<LegendRow>& rows) {
  const float fs = ImGui::GetFontSize();
  dl->AddRectFilled(ImVec2(box.x0, box.y0), ImVec2(box.x1, box.y1), ImGui::GetColorU32(ImGuiCol_PopupBg, 0.85f), px(4));
  const float x = box.x0 + px(6);
  float y = box.y0 + px(3);
  for (const LegendRow& r : rows) {
    switch (r.swatch) {
      case LegendRow::Swatch::Line:
        dl->AddLine(ImVec2(x, y + fs * 0.5f), ImVec2(x + fs, y + fs * 0.5f), r.color, px(2));
        break;
      case LegendRow::Swatch::Bar: dl->AddRectFilled(ImVec2(x, y + px(2)), ImVec2(x + fs, y + fs - px(2)), r.color); break;
      case LegendRow::Swatch::Stem:
        dl->AddLine(ImVec2(x + fs * 0.5f, y + px(2)), ImVec2(x + fs * 0.5f, y + fs - px(2)), r.color, px(2));
        break;
      case LegendRow::Swatch::Band: dl->AddRectFilled(ImVec2(x, y + px(2)), ImVec2(x + fs, y + fs - px(2)), r.color); break;
    }
    const std::string label = elide(r.label, box.x1 - px(6) - (x + fs * 1.4f));
    dl->AddText(ImVec2(x + fs * 1.4f, y), ImGui::GetColorU32(ImGuiCol_Text), label.c_str());
    y += fs + px(4);
  }
}

}  // namespace

// [SECTION] The widget.
PlotEvents HistogramPlot(const char* id, ImVec2 size, PlotRange& view,
                         std::span<const HistogramLayer> layers, ClipHandles* clip,
                         const HistogramPlotOptions& opt) {
  PlotEvents ev;
  ImVec2 pos;
  if (!widget_frame(size, pos)) return ev;
  const ImGuiID gid = ImGui::GetCurrentWindow()->GetID(id);
  const float fs = ImGui::GetFontSize();
  const ImRect outer(pos, ImVec2(pos.x + size.x, pos.y + size.y));
  ImGui::InvisibleButton(id, size, ImGuiButtonFlags_MouseButtonLeft);
  const bool hovered = ImGui::IsItemHovered();
  const bool active = ImGui::IsItemActive();

  if (!(view.hi > view.lo)) view = {opt.data_lo, opt.data_hi};
  if (!(view.hi > view.lo)) view = {view.lo - 1.0, view.lo + 1.0};

  // Rows first (the axis name above, ticks and the value label below), then the count
  // ticks for that height, then the left margin their labels need.
  Frame f;
  f.y0 = outer.Min.y + fs + px(4);
  f.y1 = outer.Max.y - fs * 2.0f - px(10);
  f.x_lo = view.lo;
  f.x_hi = view.hi;
  f.log_y = opt.log_y;
  f.y_max = 0;
  for (const auto& l : layers)
    if (l.fits_axis) f.y_max = std::max(f.y_max, layer_max_in_view(l, view.lo, view.hi));
  if (f.y_max == 0)  // nothing that fits the axis is in view: fit everything
    for (const auto& l : layers) f.y_max = std::max(f.y_max, layer_max_in_view(l, view.lo, view.hi));
  f.y_max *= 1.08;  // headroom for the tallest bar
  f.x1 = outer.Max.x - px(10);
  Ticks yt;
  auto fit_left = [&] {
    yt = count_ticks(f);
    float left = fs * 2.0f;
    for (double v : yt.values) left = std::max(left, ImGui::CalcTextSize(count_label(v).c_str()).x);
    f.x0 = outer.Min.x + std::max(left + px(10), opt.min_left);
  };
  fit_left();
  // The legend takes the top corner the bars leave free; when both are taken (a flat
  // error histogram), the count axis grows (at most 2×) until the bars pass under it.
  const bool show_legend = !layers.empty() && opt.legend;
  std::vector<LegendRow> rows;
  Rect legend;
  if (show_legend) {
    rows = legend_rows(layers, opt);
    legend = legend_box(f, rows, layers);
    const double under = max_count_under(f, layers, legend.x0, legend.x1);
    const double room = double(f.y1 - legend.y1 - px(2)) / double(f.height());
    if (under > 0 && room > 0 && f.y_frac(under) > room) {
      const double want = f.log_y ? std::pow(10.0, std::log10(1.0 + under) / room) - 1.0 : under / room;
      f.y_max = std::min(want, f.y_max * 2.0);
      fit_left();
      legend = legend_box(f, rows, layers);
    }
  }
  ev.plot_min = ImVec2(f.x0, f.y0);
  ev.plot_max = ImVec2(f.x1, f.y1);

  ImGuiIO& io = ImGui::GetIO();
  ImGuiStorage* st = ImGui::GetStateStorage();
  const ImGuiID drag_key = gid + 1;  // 0 none, 1 lo handle, 2 hi handle, 3 pan
  int drag = st->GetInt(drag_key, 0);
  const float mx = io.MousePos.x;

  // Interaction: handles first, then pan; wheel zoom; double-click reset.
  const int handle_under_mouse = clip && clip->show ? clip_handle_at(f, clip->lo, clip->hi, mx, px(6)) : 0;
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
  }
  for (const auto& l : layers) {
    if (!l.outline && l.stems.empty()) draw_bars(dl, f, l);
  }
  for (const auto& l : layers) {
    if (l.outline && l.stems.empty()) draw_bars(dl, f, l);
  }
  for (const auto& l : layers) {
    if (!l.stems.empty()) ev.stems_drawn += draw_stems(dl, f, l);
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
      dl->AddLine(ImVec2(x, f.y0), ImVec2(x, f.y1), c, px(hot ? 3.0f : 2.0f));
      // The grip low in the plot: a range's ends sit in the thin tails, and the legend
      // takes a top corner.
      const float gy1 = f.y1 - px(14);
      dl->AddRectFilled(ImVec2(x - px(5), gy1 - fs * 1.4f), ImVec2(x + px(5), gy1), c, px(3));
    }
    if (hovered && drag == 0 && handle_under_mouse)
      ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeEW);
  }
  dl->PopClipRect();
  draw_axes(dl, f, yt, opt, outer);
  if (show_legend) draw_legend(dl, legend, rows);

  // Hover read-out.
  if (hovered && ImRect(f.x0, f.y0, f.x1, f.y1).Contains(io.MousePos) && drag == 0) {
    ev.hovered = true;
    ev.hover_value = f.x_val(mx);
    dl->AddLine(ImVec2(mx, f.y0), ImVec2(mx, f.y1),
                ImGui::GetColorU32(ImGuiCol_Text, 0.35f));
    ImGui::BeginTooltip();
    ImGui::Text("x = %.6g", ev.hover_value);
    for (const auto& l : layers) {
      if (!l.stems.empty()) {  // the stem nearest the pointer
        const size_t n = std::min(l.stems.size(), l.counts.size());
        const auto it = std::lower_bound(l.stems.begin(), l.stems.begin() + long(n), float(ev.hover_value));
        size_t k = size_t(it - l.stems.begin());
        if (k == n || (k > 0 && ev.hover_value - l.stems[k - 1] < l.stems[k] - ev.hover_value)) --k;
        if (n > 0 && std::fabs(f.x_px(l.stems[k]) - mx) <= px(8))
          ImGui::Text("%s: %.6g  × %llu", l.label, double(l.stems[k]), static_cast<unsigned long long>(l.counts[k]));
        continue;
      }
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
