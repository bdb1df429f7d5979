#pragma once
// The Outliers view's plots (outliers_plots.cpp): the selected row's x′ histogram with a
// Gaussian of the same mean and σ and the row's levels, and the curves SQNR vs k, r, α.
namespace qs::app {

class App;
struct OutliersJobResult;

// Fills the rest of the view: the histogram on the left, the curves on the right (all
// three stacked when they fit, else the one picked above them).
void draw_outlier_plots(App& app, const OutliersJobResult& r);

}  // namespace qs::app
