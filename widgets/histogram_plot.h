#pragma once
// A histogram plot on a value axis, drawn with ImGui draw lists (ImPlot's contract:
// the caller owns the data and the view range; data comes pre-binned).
//   - layers: histograms binned elsewhere (e.g. x and x̂), drawn as bars or outlines
//   - levels: the scheme's representable values, as a rug of ticks when they are
//     resolvable on screen and as a density band otherwise
//   - clip: a shaded clip range with two draggable handles
// Layout: the count axis' name on a row above the data area, the legend inside it in the
// top corner the bars leave free.
// Mouse: wheel zooms around the cursor, left-drag pans, double-click resets the view to
// [data_lo, data_hi]; hovering shows the bin range and counts.
#include <cstdint>
#include <span>

#include <imgui.h>

namespace qs::widgets {

struct PlotRange {
  double lo = -1, hi = 1;
};

struct HistogramLayer {
  std::span<const uint64_t> counts;
  double lo = 0, hi = 1;  // bin edges: lo + i·(hi - lo)/bins
  ImU32 color = 0;
  bool outline = false;   // a step line instead of filled bars
  const char* label = "";
  // Whether the count axis fits this layer. x̂ takes only the grid's values, so its bins
  // hold spikes many times taller than x's; fitting them would flatten x to a sliver.
  // A layer that does not fit the axis is clipped at the top (the tooltip keeps counts).
  bool fits_axis = true;
  // Stems instead of bins: counts[i] values sit exactly at stems[i] (ascending), drawn as
  // a vertical line each (lo, hi unused). x̂ of a one-group scheme takes only the levels'
  // values: binned, bins and levels alias (255 levels in 256 bins give spikes of one and
  // two levels side by side); a stem per level shows each level's count.
  std::span<const float> stems;
};

struct ClipHandles {
  bool show = false;
  double lo = 0, hi = 0;
  bool symmetric = false;  // dragging one handle mirrors the other around 0
};

struct HistogramPlotOptions {
  bool log_y = false;
  double data_lo = -1, data_hi = 1;  // double-click resets the view to this range
  const char* x_label = "value";
  std::span<const float> levels;     // ascending
  const char* levels_label = "levels";
  double band_lo = 0, band_hi = 0;   // a shaded value interval behind the bars (hi > lo)
  const char* band_label = "";      // a legend row for the band
  bool legend = true;  // the layers' (and levels') legend in the top-right corner
  float min_left = 0;  // at least this many pixels left of the data area (rows aligned with it)
};

struct PlotEvents {
  bool view_changed = false;   // zoom, pan or reset this frame
  bool clip_changed = false;   // a handle moved this frame
  bool clip_released = false;  // a handle drag ended this frame
  bool hovered = false;
  double hover_value = 0;
  int visible_levels = 0;      // levels inside the view
  bool levels_as_band = false;
  ImVec2 plot_min, plot_max;   // the data area in screen pixels (scripted drags aim at it)
  int stems_drawn = 0;         // stems inside the view (a stem layer)
};

PlotEvents HistogramPlot(const char* id, ImVec2 size, PlotRange& view,
                         std::span<const HistogramLayer> layers, ClipHandles* clip,
                         const HistogramPlotOptions& opt);

}  // namespace qs::widgets
