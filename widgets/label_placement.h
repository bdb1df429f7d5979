#pragma once
// Where to put the text labels of a scatter or line plot's points so that none covers
// another, the legend or another point: a greedy placement (the labels in the caller's
// order of importance, each at the first free spot around its point; a label with no free
// spot is dropped and shown on hover instead). Pure geometry in pixels, no ImGui, so the
// tests check the placements numerically.
#include <cstddef>
#include <span>
#include <vector>

namespace qs::widgets {

struct Rect {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  float width() const { return x1 - x0; }
  float height() const { return y1 - y0; }
  bool contains(float x, float y) const { return x >= x0 && x <= x1 && y >= y0 && y <= y1; }
  bool contains(const Rect& r) const { return r.x0 >= x0 && r.x1 <= x1 && r.y0 >= y0 && r.y1 <= y1; }
};

// Rectangles that share only an edge do not overlap (labels may touch).
inline bool overlaps(const Rect& a, const Rect& b) {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

struct LabelRequest {
  float x = 0, y = 0;  // the point the label belongs to (pixels)
  float w = 0, h = 0;  // the text's size
};

struct PlacedLabel {
  bool placed = false;
  Rect rect;  // the text's rectangle when placed
};

struct LabelPlacementOptions {
  Rect bounds;                     // every placed label lies inside
  std::span<const Rect> obstacles;  // text drawn already (legend, titles): never covered
  float gap = 4;                   // between a point and its label
  float marker = 4;                // half the size of every point's marker: labels leave them visible
  float pad = 2;                   // clear space kept around each label ("p99.9" "mse" not "p99.9mse")
};

// Candidates around the point, in order: right, left, above, below, then the four
// diagonals. Labels are taken in the order given (put the important ones first).
std::vector<PlacedLabel> place_labels(std::span<const LabelRequest> labels, const LabelPlacementOptions& opt);

struct Point {
  float x = 0, y = 0;
};

// The candidate rectangle (e.g. a legend in each corner of a plot) that covers the fewest
// of `points`; the first one on a tie.
size_t least_covered(std::span<const Rect> candidates, std::span<const Point> points);

}  // namespace qs::widgets
