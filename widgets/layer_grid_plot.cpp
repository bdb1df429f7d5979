#include "widgets/layer_grid_plot.h"

#include <algorithm>
#include <cmath>

#include "widgets/text_fit.h"
#include "widgets/ui_scale.h"

namespace qs::widgets {

LayerGridEvent LayerGridPlot(const char* id, ImVec2 size, const LayerGridInput& in) {
  LayerGridEvent ev;
  if (in.rows <= 0 || in.cols <= 0) return ev;
  const float fs = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (size.x <= 0) size.x = avail.x;
  if (size.y <= 0) size.y = avail.y;
  float left = 0;
  for (const std::string& l : in.row_labels) left = std::max(left, ImGui::CalcTextSize(l.c_str()).x);
  left += fs * 0.6f;
  const float head = ImGui::GetTextLineHeightWithSpacing();
  const float cell_w = std::max(fs * 2.0f, (size.x - left - ImGui::GetStyle().ScrollbarSize) / float(in.cols));
  const float cell_h = std::clamp((size.y - head - px(4)) / float(in.rows), px(3), fs * 1.2f);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text), dim = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  // Column labels stay put above the scrolling cells.
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (int c = 0; c < in.cols; ++c) {
    const std::string l = elide(in.col_labels[size_t(c)], cell_w - px(4));
    const float w = ImGui::CalcTextSize(l.c_str()).x;
    dl->AddText(ImVec2(p0.x + left + cell_w * (float(c) + 0.5f) - w / 2, p0.y), dim, l.c_str());
  }
  ImGui::Dummy(ImVec2(size.x, head));
  ImGui::BeginChild(id, ImVec2(size.x, std::max(fs * 3, size.y - head)), false);
  const ImVec2 q0 = ImGui::GetCursorScreenPos();
  dl = ImGui::GetWindowDrawList();
  const float grid_h = cell_h * float(in.rows);
  ImGui::InvisibleButton("##cells", ImVec2(left + cell_w * float(in.cols), grid_h));
  const bool hovered = ImGui::IsItemHovered();
  if (hovered) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    const int c = int(std::floor((m.x - q0.x - left) / cell_w)), r = int(std::floor((m.y - q0.y) / cell_h));
    if (c >= 0 && c < in.cols && r >= 0 && r < in.rows && in.present[size_t(r * in.cols + c)]) ev.hovered = r * in.cols + c;
  }
  if (ImGui::IsItemClicked(ImGuiMouseButton_Left) && ev.hovered >= 0) {
    ev.clicked = ev.hovered;
    ev.double_clicked = ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left);
  }
  // Only the visible rows are drawn (an 80-layer model stays cheap when scrolled).
  const ImVec2 clip0 = ImGui::GetWindowPos();
  const float clip_y0 = clip0.y, clip_y1 = clip0.y + ImGui::GetWindowHeight();
  const int first = std::max(0, int((clip_y0 - q0.y) / cell_h) - 1);
  const int last = std::min(in.rows - 1, int((clip_y1 - q0.y) / cell_h) + 1);
  const int label_every = std::max(1, int(std::ceil(ImGui::GetTextLineHeight() / cell_h)));
  const float gap = cell_h >= 6 ? 1.0f : 0.0f;
  for (int r = first; r <= last; ++r) {
    const float y = q0.y + cell_h * float(r);
    if (r % label_every == 0) {
      const std::string& l = in.row_labels[size_t(r)];
      const float w = ImGui::CalcTextSize(l.c_str()).x;
      dl->AddText(ImVec2(q0.x + left - fs * 0.3f - w, y + (cell_h - ImGui::GetTextLineHeight()) / 2), dim, l.c_str());
    }
    for (int c = 0; c < in.cols; ++c) {
      const size_t i = size_t(r * in.cols + c);
      if (!in.present[i]) continue;
      const ImVec2 a(q0.x + left + cell_w * float(c) + gap, y + gap), b(a.x + cell_w - 2 * gap, y + cell_h - gap);
      dl->AddRectFilled(a, b, in.colours[i]);
      if (in.marked[i]) {
        dl->AddRect(a, b, IM_COL32(127, 29, 29, 255), 0, 0, 2.0f);
        if (cell_h >= fs * 0.8f) {
          const float w = ImGui::CalcTextSize("▼").x;
          dl->AddText(ImVec2((a.x + b.x - w) / 2, (a.y + b.y - ImGui::GetTextLineHeight()) / 2), IM_COL32_WHITE, "▼");
        }
      }
      if (int(i) == in.selected || int(i) == ev.hovered) dl->AddRect(a, b, text, 0, 0, px(int(i) == in.selected ? 2.0f : 1.0f));
    }
  }
  ImGui::EndChild();
  return ev;
}

}  // namespace qs::widgets
