#pragma once
// A number line for Learn mode: an axis over [lo, hi] with nice ticks, the grid of
// representable values as short ticks, each input value as a dot above the line and
// its quantized value as a dot on it, joined by a line (the rounding error made visible).
// Drawing only: the caller computes every number.
#include <span>

#include <imgui.h>

namespace qs::widgets {

struct NumberLineStyle {
  ImU32 value_color = IM_COL32(90, 150, 240, 255);
  ImU32 quantized_color = IM_COL32(245, 150, 60, 255);
  ImU32 level_color = IM_COL32(245, 200, 80, 200);
  ImU32 clip_color = IM_COL32(220, 70, 60, 60);
  double clip_lo = 0, clip_hi = 0;  // shade outside [clip_lo, clip_hi] when hi > lo
};

void NumberLine(const char* id, ImVec2 size, double lo, double hi, std::span<const float> levels,
                std::span<const float> values, std::span<const float> quantized, const NumberLineStyle& style = {});

}  // namespace qs::widgets
