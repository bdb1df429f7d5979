#pragma once
// A chart of one value range per group (channel or block) along x: a vertical bar from
// lo[g] to hi[g] per group, pooled to pixel columns when groups outnumber pixels (each
// column shows the min of its groups' lo and the max of their hi), with highlighted
// groups drawn on top. Hover reports the group under the pointer; click selects it.
#include <cstdint>
#include <span>

#include <imgui.h>

namespace qs::widgets {

struct GroupChartOptions {
  const char* y_label = "";
  const char* x_label = "group";
  bool log_y = false;                   // values must be > 0 for a log axis
  bool from_axis = false;               // bars rise from the bottom edge to hi (lo ignored)
  ImU32 color = 0, highlight_color = 0;
  std::span<const int64_t> order;       // display order of the groups (empty: 0..G-1)
  std::span<const uint8_t> highlight;   // per group: nonzero = draw in highlight_color
};

struct GroupChartEvents {
  int64_t hovered_group = -1;  // under the pointer (the first of its column when pooled)
  int64_t clicked_group = -1;
  ImVec2 plot_min, plot_max;
};

GroupChartEvents GroupChart(const char* id, ImVec2 size, std::span<const float> lo, std::span<const float> hi,
                            const GroupChartOptions& opt);

}  // namespace qs::widgets
