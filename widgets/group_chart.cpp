#include "widgets/group_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <imgui_internal.h>

#include "widgets/text_fit.h"
#include "widgets/ticks.h"
#include "widgets/ui_scale.h"
#include "widgets/widget_frame.h"

namespace qs::widgets {

GroupChartEvents GroupChart(const char* id, ImVec2 size, std::span<const float> lo, std::span<const float> hi,
                            const GroupChartOptions& opt) {
  GroupChartEvents ev;
  ImVec2 pos;
  if (!widget_frame(size, pos)) return ev;
  const float fs = ImGui::GetFontSize();
  ImGui::InvisibleButton(id, size);
  const bool hovered = ImGui::IsItemHovered();
  // The title on a row above the bars; the left margin is set once the ticks are known.
  ImVec2 p0(pos.x + fs * 4.6f, pos.y + fs + px(4)), p1(pos.x + size.x - px(10), pos.y + size.y - fs * 2.0f - px(8));
  const int64_t G = int64_t(std::min(lo.size(), hi.size()));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const std::string title = elide(opt.y_label, size.x - px(4));
  dl->AddText(ImVec2(pos.x + px(2), pos.y), ImGui::GetColorU32(ImGuiCol_TextDisabled), title.c_str());
  if (hovered && title != opt.y_label && ImGui::GetIO().MousePos.y < p0.y) ImGui::SetTooltip("%s", opt.y_label);
  if (G == 0) {
    dl->AddRectFilled(p0, p1, ImGui::GetColorU32(ImGuiCol_FrameBg));
    ev.plot_min = p0;
    ev.plot_max = p1;
    return ev;
  }
  auto group_at = [&](int64_t rank) { return opt.order.empty() ? rank : opt.order[size_t(rank)]; };

  // y range over finite values.
  double y_lo = INFINITY, y_hi = -INFINITY;
  for (int64_t g = 0; g < G; ++g) {
    for (float v : {lo[size_t(g)], hi[size_t(g)]}) {
      if (!std::isfinite(v) || (opt.log_y && v <= 0)) continue;
      y_lo = std::min(y_lo, double(v));
      y_hi = std::max(y_hi, double(v));
    }
  }
  if (!(y_hi >= y_lo)) y_lo = 0, y_hi = 1;
  if (opt.log_y) {
    y_lo = std::log10(y_lo);
    y_hi = std::log10(y_hi);
  }
  if (y_hi - y_lo < 1e-12) y_lo -= 0.5, y_hi += 0.5;
  const double pad = (y_hi - y_lo) * 0.05;
  y_lo -= pad;
  y_hi += pad;
  auto y_px = [&](double v) {
    const double t = opt.log_y ? std::log10(std::max(v, 1e-300)) : v;
    return float(p1.y - (t - y_lo) / (y_hi - y_lo) * (p1.y - p0.y));
  };

  // Axes: the y labels first, so the bars start right of the widest.
  const ImU32 grid = ImGui::GetColorU32(ImGuiCol_Border, 0.45f), text = ImGui::GetColorU32(ImGuiCol_Text);
  const int max_yt = std::max(2, int((p1.y - p0.y) / (fs * 2.2f)));
  Ticks yt = opt.log_y ? log_ticks(std::pow(10.0, y_lo), std::pow(10.0, y_hi), 6) : nice_ticks(y_lo, y_hi, max_yt);
  // Scales within one decade have no power of ten to mark: plain nice values instead
  // (still placed on the log axis).
  if (opt.log_y && yt.values.size() < 2) yt = nice_ticks(std::pow(10.0, y_lo), std::pow(10.0, y_hi), max_yt);
  auto y_label_of = [&](double v) {
    if (!opt.log_y) return tick_label(v, yt.step);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return std::string(buf);
  };
  float left = fs * 1.5f;
  for (double v : yt.values) left = std::max(left, ImGui::CalcTextSize(y_label_of(v).c_str()).x);
  p0.x = pos.x + left + px(10);
  ev.plot_min = p0;
  ev.plot_max = p1;
  dl->AddRectFilled(p0, p1, ImGui::GetColorU32(ImGuiCol_FrameBg));
  for (double v : yt.values) {
    const float y = y_px(v);
    if (y < p0.y - 1 || y > p1.y + 1) continue;
    dl->AddLine(ImVec2(p0.x, y), ImVec2(p1.x, y), grid);
    const std::string s = y_label_of(v);
    const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
    dl->AddText(ImVec2(p0.x - ts.x - px(6), std::clamp(y - ts.y * 0.5f, p0.y, p1.y - ts.y)), text, s.c_str());
  }
  const Ticks xt = spaced_ticks(0, double(G), std::max(2, int((p1.x - p0.x) / (fs * 5))), p1.x - p0.x, fs, &tick_label);
  for (double v : xt.values) {
    const float x = float(p0.x + v / double(G) * (p1.x - p0.x));
    const std::string s = tick_label(v, xt.step);
    const float w = ImGui::CalcTextSize(s.c_str()).x;  // shifted inward at the widget's edges
    dl->AddText(ImVec2(std::clamp(x - w * 0.5f, pos.x, pos.x + size.x - w), p1.y + px(3)), text, s.c_str());
  }
  const std::string xl = elide(opt.x_label, size.x);
  dl->AddText(ImVec2(std::max(pos.x, p1.x - ImGui::CalcTextSize(xl.c_str()).x), p1.y + px(3) + fs),
              ImGui::GetColorU32(ImGuiCol_TextDisabled), xl.c_str());

  // Bars, pooled per pixel column; highlighted groups drawn again on top, unpooled.
  const int W = std::max(1, int(p1.x - p0.x));
  const double per_px = double(G) / W;
  dl->PushClipRect(p0, p1, true);
  const ImU32 col = opt.color ? opt.color : ImGui::GetColorU32(ImGuiCol_PlotHistogram);
  const float min_bar = px(1.5f);
  for (int column = 0; column < W; ++column) {
    const int64_t a = int64_t(column * per_px), b = std::max(a + 1, int64_t((column + 1) * per_px));
    if (a >= G) break;
    float mn = INFINITY, mx = -INFINITY;
    for (int64_t r = a; r < std::min(b, G); ++r) {
      const int64_t g = group_at(r);
      if (std::isfinite(lo[size_t(g)])) mn = std::min(mn, lo[size_t(g)]);
      if (std::isfinite(hi[size_t(g)])) mx = std::max(mx, hi[size_t(g)]);
    }
    if (!(mx >= mn)) continue;
    const float x0 = p0.x + float(a) / float(per_px), x1 = std::max(x0 + 1.0f, p0.x + float(b) / float(per_px) - 0.5f);
    float ya = y_px(mx), yb = opt.from_axis ? p1.y : y_px(mn);
    if (yb - ya < min_bar) ya = yb - min_bar;
    dl->AddRectFilled(ImVec2(x0, ya), ImVec2(x1, yb), col);
  }
  if (!opt.highlight.empty()) {
    const ImU32 hc = opt.highlight_color ? opt.highlight_color : IM_COL32(235, 90, 70, 255);
    for (int64_t r = 0; r < G; ++r) {
      const int64_t g = group_at(r);
      if (size_t(g) >= opt.highlight.size() || !opt.highlight[size_t(g)]) continue;
      const float x0 = p0.x + float(double(r) / per_px);
      const float x1 = std::max(x0 + px(2), p0.x + float(double(r + 1) / per_px));
      dl->AddRectFilled(ImVec2(x0, y_px(hi[size_t(g)])), ImVec2(x1, opt.from_axis ? p1.y : y_px(lo[size_t(g)]) + 1), hc);
    }
  }
  dl->PopClipRect();
  dl->AddRect(p0, p1, ImGui::GetColorU32(ImGuiCol_Border));

  const ImVec2 m = ImGui::GetIO().MousePos;
  if (hovered && ImRect(p0, p1).Contains(m)) {
    const int64_t r = std::clamp<int64_t>(int64_t((m.x - p0.x) * per_px), 0, G - 1);
    ev.hovered_group = group_at(r);
    dl->AddLine(ImVec2(m.x, p0.y), ImVec2(m.x, p1.y), ImGui::GetColorU32(ImGuiCol_Text, 0.35f));
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) ev.clicked_group = ev.hovered_group;
  }
  return ev;
}

}  // namespace qs::widgets
