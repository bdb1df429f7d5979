#include "widgets/number_line.h"

#include <algorithm>
#include <string>

#include "widgets/ticks.h"
#include "widgets/ui_scale.h"

namespace qs::widgets {

void NumberLine(const char* id, ImVec2 size, double lo, double hi, std::span<const float> levels,
                std::span<const float> values, std::span<const float> quantized, const NumberLineStyle& style) {
  ImGui::PushID(id);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  ImGui::Dummy(size);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float fs = ImGui::GetFontSize();
  const float x0 = p0.x + fs, x1 = p0.x + size.x - fs;
  const float axis_y = p0.y + size.y - fs * 1.6f;
  if (!(hi > lo)) hi = lo + 1;
  auto x_of = [&](double v) { return float(x0 + (v - lo) / (hi - lo) * (x1 - x0)); };
  const ImU32 dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  if (style.clip_hi > style.clip_lo) {
    const float a = std::clamp(x_of(style.clip_lo), x0, x1), b = std::clamp(x_of(style.clip_hi), x0, x1);
    dl->AddRectFilled(ImVec2(x0, p0.y), ImVec2(a, axis_y), style.clip_color);
    dl->AddRectFilled(ImVec2(b, p0.y), ImVec2(x1, axis_y), style.clip_color);
  }
  dl->AddLine(ImVec2(x0, axis_y), ImVec2(x1, axis_y), dim, px(1));
  const Ticks ticks = nice_ticks(lo, hi, 7);
  for (double t : ticks.values) {
    const float x = x_of(t);
    dl->AddLine(ImVec2(x, axis_y), ImVec2(x, axis_y + px(4)), dim, px(1));
    const std::string label = tick_label(t, ticks.step);
    const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
    dl->AddText(ImVec2(x - ts.x / 2, axis_y + px(6)), dim, label.c_str());
  }
  // The grid: every representable value in view (a band when they are closer than 3 px).
  for (float l : levels) {
    if (l < lo || l > hi) continue;
    const float x = x_of(l);
    dl->AddLine(ImVec2(x, axis_y - fs * 0.6f), ImVec2(x, axis_y), style.level_color, px(1));
  }
  const float value_y = p0.y + fs * 0.8f;
  for (size_t i = 0; i < values.size(); ++i) {
    const float xv = x_of(std::clamp(double(values[i]), lo, hi));
    if (i < quantized.size()) {
      const float xq = x_of(std::clamp(double(quantized[i]), lo, hi));
      dl->AddLine(ImVec2(xv, value_y), ImVec2(xq, axis_y - fs * 0.3f), dim, px(1));
      dl->AddCircleFilled(ImVec2(xq, axis_y - fs * 0.3f), fs * 0.28f, style.quantized_color);
    }
    dl->AddCircleFilled(ImVec2(xv, value_y), fs * 0.3f, style.value_color);
  }
  ImGui::PopID();
}

}  // namespace qs::widgets
