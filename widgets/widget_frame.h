#pragma once
// Where a plot widget draws: the cursor's screen position and its size, 0 meaning the
// available region; false when ImGui skips the window (collapsed, clipped), and the
// widget then draws nothing. Shared by the histogram, XY and group charts.
#include <imgui.h>
#include <imgui_internal.h>

namespace qs::widgets {

inline bool widget_frame(ImVec2& size, ImVec2& pos) {
  if (ImGui::GetCurrentWindow()->SkipItems) return false;
  pos = ImGui::GetCursorScreenPos();
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  if (size.y <= 0) size.y = ImGui::GetContentRegionAvail().y;
  return true;
}

}  // namespace qs::widgets
