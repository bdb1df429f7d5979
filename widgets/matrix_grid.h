#pragma once
// A small matrix drawn as a grid of cells (Learn's outlier lesson): orange for positive,
// blue for negative, the colour's strength |v| / scale (clamped to 1), so a matrix and its
// transform drawn with one scale compare at a glance. Hovering a cell shows its row,
// column and value. Drawing only: the caller hands the values (row-major).
#include <span>

#include <imgui.h>

namespace qs::widgets {

// `title` above the grid; the cells fill `size` (0 = the available width) below it.
void MatrixGrid(const char* id, ImVec2 size, std::span<const float> v, int rows, int cols, double scale,
                const char* title);

}  // namespace qs::widgets
