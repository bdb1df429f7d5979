#include "widgets/plot_geometry.h"

#include <algorithm>
#include <cmath>

namespace qs::widgets {

double PlotGeometry::y_frac(double count) const {
  if (y_max <= 0) return 0;
  return log_y ? std::log10(1.0 + count) / std::log10(1.0 + y_max) : count / y_max;
}

bool bin_columns(const PlotGeometry& g, double lo, double hi, size_t bins, size_t i, float* px0, float* px1) {
  if (bins == 0 || !(hi > lo) || i >= bins) return false;
  const double w = (hi - lo) / double(bins);
  const double a = lo + double(i) * w, b = a + w;
  if (b < g.x_lo || a > g.x_hi) return false;
  float c0 = std::max(g.x_px(a), g.x0), c1 = std::min(g.x_px(b), g.x1);
  if (c1 - c0 < 1.0f) c1 = c0 + 1.0f;
  *px0 = c0;
  *px1 = c1;
  return true;
}

int clip_handle_at(const PlotGeometry& g, double clip_lo, double clip_hi, float mx, float tolerance) {
  if (std::fabs(g.x_px(clip_hi) - mx) <= tolerance) return 2;
  if (std::fabs(g.x_px(clip_lo) - mx) <= tolerance) return 1;
  return 0;
}

void zoom_around(PlotGeometry& g, float mx, double factor) {
  const double anchor = g.x_val(mx);
  g.x_lo = anchor - (anchor - g.x_lo) * factor;
  g.x_hi = anchor + (g.x_hi - anchor) * factor;
}

}  // namespace qs::widgets
