#include "widgets/label_placement.h"

#include <algorithm>
#include <cstdint>

namespace qs::widgets {

std::vector<PlacedLabel> place_labels(std::span<const LabelRequest> labels, const LabelPlacementOptions& opt) {
  std::vector<PlacedLabel> out(labels.size());
  // Every point's marker is an obstacle for every label (including the label's own: the
  // gap keeps the text off it), so a crowded cluster stays visible under its labels.
  std::vector<Rect> taken(opt.obstacles.begin(), opt.obstacles.end());
  const float m = opt.marker;
  for (const LabelRequest& l : labels) taken.push_back({l.x - m, l.y - m, l.x + m, l.y + m});
  // Offsets leave the padded rectangle clear of the point's own marker.
  const float g = std::max(opt.gap, opt.pad);
  for (size_t i = 0; i < labels.size(); ++i) {
    const LabelRequest& l = labels[i];
    if (!(l.w > 0) || !(l.h > 0)) continue;
    const float hw = l.w * 0.5f, hh = l.h * 0.5f;
    const float d = std::max(g, m + opt.pad);  // diagonals: clear of the marker's corner
    const Rect candidates[] = {
        {l.x + g + m, l.y - hh, l.x + g + m + l.w, l.y + hh},            // right
        {l.x - g - m - l.w, l.y - hh, l.x - g - m, l.y + hh},            // left
        {l.x - hw, l.y - g - m - l.h, l.x + hw, l.y - g - m},            // above
        {l.x - hw, l.y + g + m, l.x + hw, l.y + g + m + l.h},            // below
        {l.x + d, l.y - d - l.h, l.x + d + l.w, l.y - d},                // upper right
        {l.x - d - l.w, l.y - d - l.h, l.x - d, l.y - d},                // upper left
        {l.x + d, l.y + d, l.x + d + l.w, l.y + d + l.h},                // lower right
        {l.x - d - l.w, l.y + d, l.x - d, l.y + d + l.h},                // lower left
    };
    for (const Rect& c : candidates) {
      if (!opt.bounds.contains(c)) continue;
      const Rect padded{c.x0 - opt.pad, c.y0 - opt.pad, c.x1 + opt.pad, c.y1 + opt.pad};
      bool free = true;
      for (const Rect& t : taken) {
        if (overlaps(padded, t)) {
          free = false;
          break;
        }
      }
      if (!free) continue;
      out[i] = {true, c};
      taken.push_back(c);
      break;
    }
  }
  return out;
}

size_t least_covered(std::span<const Rect> candidates, std::span<const Point> points) {
  size_t best = 0, best_n = SIZE_MAX;
  for (size_t c = 0; c < candidates.size(); ++c) {
    size_t n = 0;
    for (const Point& p : points) n += candidates[c].contains(p.x, p.y) ? 1 : 0;
    if (n < best_n) best = c, best_n = n;
  }
  return best;
}

}  // namespace qs::widgets
