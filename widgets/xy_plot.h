#pragma once
// A line plot of y against x on a shared value axis (the Error view's staircase and
// sawtooth), drawn with ImGui draw lists like the histogram plot: the caller owns the
// data and the x range; the wheel zooms x around the cursor, dragging pans, double-click
// resets to [data_lo, data_hi]. Hovering calls `tooltip(x)` to describe that x.
// Layout: the title (y_label) and the right axis' label on a row above the data area,
// cut with "…" when they would meet; the legend in the data area's corner that covers the
// fewest points; point labels placed so that none covers another, the legend or a point
// (label_placement.h): the ones that find no room show on hover.
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <imgui.h>

#include "widgets/histogram_plot.h"
#include "widgets/label_placement.h"

namespace qs::widgets {

struct XYSeries {
  std::span<const double> x, y;  // a polyline, x ascending (any order with lines = false)
  ImU32 color = 0;
  float thickness = 1.5f;
  const char* label = "";
  bool lines = true;                       // connect the points
  bool markers = false;                    // a dot at every point
  std::span<const std::string> point_labels;  // text beside each point (scatter plots)
  // The order in which point labels claim room (indices into the points; the first win a
  // crowded spot); empty: index order.
  std::span<const size_t> label_order;
  bool right_axis = false;                 // plotted against the second y axis
};

// A series in one call (XYSeries has too many fields for brace initialisation).
inline XYSeries xy_series(std::span<const double> x, std::span<const double> y, ImU32 color, const char* label,
                          float thickness = 1.5f, bool lines = true, bool markers = false) {
  XYSeries s;
  s.x = x;
  s.y = y;
  s.color = color;
  s.label = label;
  s.thickness = thickness;
  s.lines = lines;
  s.markers = markers;
  return s;
}

struct XYPlotOptions {
  double y_lo = -1, y_hi = 1;
  double data_lo = -1, data_hi = 1;  // double-click resets the x range to this
  const char* x_label = "x";
  const char* y_label = "y";
  double band_lo = 0, band_hi = 0;   // a shaded horizontal band (e.g. ±s/2) when hi > lo
  // A second y axis on the right for series with right_axis (hi > lo to enable).
  double y2_lo = 0, y2_hi = 0;
  const char* y2_label = "";
  std::function<void(double x)> tooltip;
  // x holds log2 of the quantity (k, r, a block size): ticks at whole powers of two,
  // labelled 1, 2, 4, … instead of the exponents.
  bool x_log2 = false;
  bool legend = true;  // the series' labels in the plot's top-left corner
};

// A point label as drawn: its rectangle in screen pixels when it found room.
struct XYLabelBox {
  std::string text;
  bool placed = false;
  Rect rect;
};

struct XYPlotEvents {
  bool view_changed = false;
  bool hovered = false;
  double hover_x = 0;
  ImVec2 plot_min, plot_max;
  Rect legend;                      // empty when there is none
  std::vector<XYLabelBox> labels;   // every point label inside the data area
};

XYPlotEvents XYPlot(const char* id, ImVec2 size, PlotRange& view, std::span<const XYSeries> series,
                    const XYPlotOptions& opt);

}  // namespace qs::widgets
