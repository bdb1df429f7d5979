#include "widgets/matrix_grid.h"

#include <algorithm>
#include <cmath>

#include "widgets/ui_scale.h"

namespace qs::widgets {

void MatrixGrid(const char* id, ImVec2 size, std::span<const float> v, int rows, int cols, double scale,
                const char* title) {
  ImGui::PushID(id);
  ImGui::TextUnformatted(title);
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  ImGui::InvisibleButton("##grid", size);
  const bool hovered = ImGui::IsItemHovered();
  if (rows < 1 || cols < 1 || v.size() < size_t(rows) * size_t(cols)) {
    ImGui::PopID();
    return;
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float cw = size.x / float(cols), ch = size.y / float(rows);
  const ImU32 bg = ImGui::GetColorU32(ImGuiCol_FrameBg), grid = ImGui::GetColorU32(ImGuiCol_Border, 0.5f);
  dl->AddRectFilled(p0, ImVec2(p0.x + size.x, p0.y + size.y), bg);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const float x = v[size_t(r) * size_t(cols) + size_t(c)];
      const double t = scale > 0 && std::isfinite(x) ? std::min(1.0, std::fabs(double(x)) / scale) : 0.0;
      // Alpha carries the magnitude, so small values fade into the background in both themes.
      const ImU32 col = x >= 0 ? IM_COL32(245, 150, 60, int(255 * t)) : IM_COL32(90, 150, 240, int(255 * t));
      const ImVec2 a(p0.x + cw * float(c), p0.y + ch * float(r));
      const float gap = std::min(px(1), std::min(cw, ch) * 0.2f);
      dl->AddRectFilled(ImVec2(a.x + gap, a.y + gap), ImVec2(a.x + cw - gap, a.y + ch - gap), col);
    }
  }
  dl->AddRect(p0, ImVec2(p0.x + size.x, p0.y + size.y), grid);
  if (hovered) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    const int c = std::clamp(int((m.x - p0.x) / cw), 0, cols - 1), r = std::clamp(int((m.y - p0.y) / ch), 0, rows - 1);
    ImGui::SetTooltip("row %d, column %d: %.4g", r, c, double(v[size_t(r) * size_t(cols) + size_t(c)]));
  }
  ImGui::PopID();
}

}  // namespace qs::widgets
