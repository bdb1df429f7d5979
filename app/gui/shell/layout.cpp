#include "app/gui/shell/layout.h"

#include <algorithm>

namespace qs::app {

PanelWidths panel_widths(float avail, float tabs, float fs) {
  // Preferred: long tensor names and the scheme editor's combos whole. Minimum: the
  // browser's name column still reads a layer name, the editor's combos their choice.
  const float pref_b = fs * 26, pref_s = fs * 24, min_b = fs * 15, min_s = fs * 18;
  const float need = pref_b + pref_s - (avail - tabs);  // what the views lack at the preferred widths
  if (need <= 0) return {pref_b, pref_s};
  const float t = std::min(1.0f, need / ((pref_b - min_b) + (pref_s - min_s)));
  return {pref_b - (pref_b - min_b) * t, pref_s - (pref_s - min_s) * t};
}

}  // namespace qs::app
