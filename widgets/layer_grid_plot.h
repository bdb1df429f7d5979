#pragma once
// A layer × module grid (the Model view's map of an LLM): one row per layer, one column per
// module, each cell in the colour the caller gives it, marked cells outlined with a ▼,
// the selected cell framed. Drawing only: the caller hands the colours and labels and gets
// back which cell is hovered or clicked.
#include <span>
#include <string>

#include <imgui.h>

namespace qs::widgets {

struct LayerGridInput {
  int rows = 0, cols = 0;
  std::span<const ImU32> colours;   // rows × cols, row-major
  std::span<const char> present;    // rows × cols: 0 = no tensor in this cell (blank)
  std::span<const char> marked;     // rows × cols: 1 = one of the worst (outlined, ▼)
  std::span<const std::string> row_labels, col_labels;
  int selected = -1;                // cell index framed in white, or −1
};

struct LayerGridEvent {
  int hovered = -1;
  int clicked = -1;
  bool double_clicked = false;
};

// Fills `size` (0 = the available region); rows shrink to fit down to 3 px, then the grid
// scrolls. Row labels are thinned so they never overlap; column labels are cut to the
// cell width with "…" (the full name is in the hover tooltip the caller draws).
LayerGridEvent LayerGridPlot(const char* id, ImVec2 size, const LayerGridInput& in);

}  // namespace qs::widgets
