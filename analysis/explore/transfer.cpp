#include "analysis/explore/transfer.h"

#include <algorithm>
#include <cmath>

namespace qs {

std::vector<TransferStep> transfer_steps(std::span<const float> levels, double clip_lo, double clip_hi,
                                         double view_lo, double view_hi) {
  std::vector<TransferStep> out;
  if (levels.empty() || !(view_hi > view_lo)) return out;
  // The level an input of x reaches: nearest to clamp(x). In x-space, the boundary
  // between level k and k+1 is their midpoint; clamping moves every x beyond a clip bound
  // to the bound, so the boundaries beyond a bound disappear.
  const double lo_b = std::isfinite(clip_lo) ? clip_lo : -INFINITY;
  const double hi_b = std::isfinite(clip_hi) ? clip_hi : INFINITY;
  auto nearest = [&](double v) {
    auto it = std::lower_bound(levels.begin(), levels.end(), float(v));
    if (it == levels.end()) return levels.size() - 1;
    if (it == levels.begin()) return size_t(0);
    const size_t k = size_t(it - levels.begin());
    return (v - double(levels[k - 1]) <= double(levels[k]) - v) ? k - 1 : k;
  };
  // Levels reachable: from nearest(lo_b) to nearest(hi_b).
  const size_t first = std::isfinite(lo_b) ? nearest(lo_b) : 0;
  const size_t last = std::isfinite(hi_b) ? nearest(hi_b) : levels.size() - 1;
  for (size_t k = first; k <= last && k < levels.size(); ++k) {
    double x0 = k == first ? -INFINITY : 0.5 * (double(levels[k - 1]) + double(levels[k]));
    double x1 = k == last ? INFINITY : 0.5 * (double(levels[k]) + double(levels[k + 1]));
    if (x1 <= view_lo || x0 >= view_hi) continue;
    out.push_back({std::max(x0, view_lo), std::min(x1, view_hi), levels[k]});
  }
  return out;
}

double largest_gap_within(std::span<const float> levels, double lo, double hi) {
  if (levels.size() < 2) return 0;
  auto a = std::lower_bound(levels.begin(), levels.end(), float(lo));
  auto b = std::upper_bound(levels.begin(), levels.end(), float(hi));
  // One level beyond each end: values just inside [lo, hi] may round outward.
  if (a != levels.begin()) --a;
  if (b != levels.end()) ++b;
  double gap = 0;
  for (auto it = a; it + 1 < b; ++it) gap = std::max(gap, double(*(it + 1)) - double(*it));
  return gap;
}

}  // namespace qs
