#pragma once
// The content scale the widgets draw at: 1 on a ~96 dpi screen, 2 on a 4K laptop panel
// (the monitor's content scale, or `quantscope --scale F`). Fonts are rasterized at
// size × scale and ImGui's style sizes are scaled by the platform; what ImGui cannot
// scale are the widgets' own pixel constants (line widths, marker and handle sizes, hit
// tolerances, gaps between a tick and its label), so they go through px().
// One value per process, like ImGui's current context: the platform sets it once, before
// the first frame; no ImGui dependency, so headless tests set it too.
namespace qs::widgets {

void SetUiScale(float scale);  // clamped to [0.5, 8]
float UiScale();
inline float px(float v) { return v * UiScale(); }

}  // namespace qs::widgets
