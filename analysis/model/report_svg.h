#pragma once
// The report's charts as inline SVG (report.html): the bits/weight-vs-SQNR map, SQNR bars
// per tensor, the layer × module grid per scheme, and the worst tensors' histograms.
// Text positions use an estimated width (kLabelCharWidth per character at the 10 px label
// size) so labels can be kept inside their chart and off each other without a renderer.
#include <string>
#include <vector>

#include "analysis/model/layer_grid.h"
#include "analysis/model/report.h"

namespace qs::report_svg {

// Upper bound of the width of one character of a 10 px DejaVu Sans label (its average is
// about 6.0 px; a few glyphs such as 'm' and 'W' are wider, so labels are budgeted at 7).
inline constexpr double kLabelCharWidth = 7.0;

// Bits/weight (x) vs pooled SQNR (y) per scheme; each label placed right or left of its
// point, above or below, inside the chart and clear of the labels placed before it (one
// that fits nowhere is left to its point's tooltip).
std::string tradeoff(const Report& r);

// Grouped horizontal bars, one row per tensor (indices into the analysis's tensors).
std::string sqnr_bars(const Report& r, const std::vector<size_t>& tensors);

// One grid per scheme: rows = layers, columns = modules, cell colour = SQNR on the shared
// scale [lo, hi] (dB), the worst kFlaggedPerScheme cells outlined in red with a ▼.
std::string layer_grid(const Report& r, const LayerGrid& g, size_t scheme, double lo, double hi);

// The colour scale under the grids.
std::string sqnr_scale(double lo, double hi);

// x's histogram with the scheme's levels as ticks underneath.
std::string histogram(const WorstTensorView& w);

// The colour of an SQNR on [lo, hi] (sqnr_rgb) as "#rrggbb".
std::string sqnr_colour(double v, double lo, double hi);

}  // namespace qs::report_svg
