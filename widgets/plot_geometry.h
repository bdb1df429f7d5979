#pragma once
// The value ↔ pixel transforms of the histogram plot, with no ImGui dependency so tests
// check them headless: bin edges to pixel columns, counts to heights (linear or log),
// and which clip handle a pointer is on.
#include <cstddef>

namespace qs::widgets {

struct PlotGeometry {
  float x0 = 0, y0 = 0, x1 = 1, y1 = 1;  // the data area in screen pixels (y grows down)
  double x_lo = 0, x_hi = 1;             // visible value range
  double y_max = 0;                      // count at the top edge
  bool log_y = false;

  float width() const { return x1 - x0; }
  float height() const { return y1 - y0; }
  float x_px(double v) const { return float(x0 + (v - x_lo) / (x_hi - x_lo) * width()); }
  double x_val(float px) const { return x_lo + (px - x0) / width() * (x_hi - x_lo); }
  // 0..1 of the plot height; log: log10(1 + count) so an empty bin sits on the axis.
  double y_frac(double count) const;
  float y_px(double count) const { return float(y1 - y_frac(count) * height()); }
};

// Pixel columns [px0, px1) of bin i of `bins` equal bins over [lo, hi), clamped to the
// plot; never narrower than one pixel (a bin that narrow would vanish). False when the
// bin lies outside the visible range.
bool bin_columns(const PlotGeometry& g, double lo, double hi, size_t bins, size_t i, float* px0, float* px1);

// Which clip handle the pointer at x = mx grabs: 2 (hi) when within `tolerance` px of
// it (hi wins a tie, so a collapsed range can still be widened), 1 (lo), else 0.
int clip_handle_at(const PlotGeometry& g, double clip_lo, double clip_hi, float mx, float tolerance = 6.0f);

// Zoom by `factor` (< 1 zooms in) around the value under pixel mx: that value stays put.
void zoom_around(PlotGeometry& g, float mx, double factor);

}  // namespace qs::widgets
