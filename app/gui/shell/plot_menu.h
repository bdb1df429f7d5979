#pragma once
// Right-click on any plot: "Save image (PNG)" writes that plot's pixels after the frame
// is drawn (to the current directory, named after the view and tensor; the status bar
// says where), and "Copy data as CSV" puts the plotted numbers on the clipboard.
#include <functional>
#include <span>
#include <string>

#include <imgui.h>

#include "widgets/histogram_plot.h"

namespace qs::app {

class App;

void plot_menu(App& app, const char* id, ImVec2 min, ImVec2 max, const char* what,
               const std::function<std::string()>& csv);

// "bin_lo,bin_hi,<layer>,<layer>…": one row per bin of the first layer (the layers of
// one plot share their bins).
std::string histograms_csv(std::span<const widgets::HistogramLayer> layers);

}  // namespace qs::app
