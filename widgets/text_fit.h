#pragma once
// Text that must fit a width: cut at a character boundary with "…" (the caller shows
// the whole text on hover), and the tick count whose labels do not run into each other.
#include <functional>
#include <string>

#include <imgui.h>

#include "widgets/ticks.h"

namespace qs::widgets {

// `s` itself when it fits `width` pixels at the current font, else its longest prefix
// (whole UTF-8 characters) + "…" that does; "" when not even "…" fits.
std::string elide(const std::string& s, float width);

// `text` centred on cx at height y, but kept within [x_min, x_max] (shifted, then cut with
// "…" when wider): an axis label under a plot narrower than the label.
void draw_fitted_label(ImDrawList* dl, const char* text, float cx, float y, float x_min, float x_max, ImU32 col);

// nice_ticks over [lo, hi] with at most `max_ticks`, fewer while two neighbouring labels
// (centred on their ticks, `label` formats one) would come closer than `gap` pixels on an
// axis `width` pixels long.
Ticks spaced_ticks(double lo, double hi, int max_ticks, float width, float gap,
                   const std::function<std::string(double v, double step)>& label,
                   Ticks (*make)(double, double, int) = &nice_ticks);

}  // namespace qs::widgets
