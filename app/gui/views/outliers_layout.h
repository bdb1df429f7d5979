#pragma once
// Small layout helpers of the Outliers view's files: the view fits a 490-pixel plot column
// at 1280 × 800 as well as a 1100-pixel one at 1920 × 1080, so its lines wrap instead of
// running past the column.
#include <imgui.h>

namespace qs::app::outliers_layout {

// SameLine() when an item `next_w` wide still fits left of `right` (screen x), else
// nothing: the next item starts a new line.
inline bool same_line_if_room(float next_w, float right) {
  const float x = ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x;
  if (x + next_w > right) return false;
  ImGui::SameLine();
  return true;
}

// One legend entry as coloured text ("— SQNR dB"), on the line if it fits.
inline void legend_item(const char* text, ImU32 color, float right, bool first) {
  if (!first) same_line_if_room(ImGui::CalcTextSize(text).x, right);
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::TextUnformatted(text);
  ImGui::PopStyleColor();
}

}  // namespace qs::app::outliers_layout
