#include "analysis/explore/explore.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "analysis/quant/levels.h"
#include "analysis/quant/quantize_sorted.h"
#include "analysis/explore/transfer.h"

namespace qs {

GroupSummary summarize_group(std::span<const float> x, const GroupLayout& L, int64_t g) {
  GroupSummary s;
  s.index = g;
  bool any = false;
  float mn = 0, mx = 0;
  auto visit = [&](int64_t first, int64_t len) {
    s.count += len;
    for (int64_t i = first; i < first + len; ++i) {
      const float v = x[size_t(i)];
      if (!std::isfinite(v)) continue;
      ++s.n_finite;
      if (!any) { mn = mx = v; any = true; }
      mn = std::min(mn, v);
      mx = std::max(mx, v);
    }
  };
  switch (L.granularity) {
    case Granularity::Tensor: visit(0, L.numel); break;
    case Granularity::Channel:  // runs of `inner` elements every dim·inner
      for (int64_t start = g * L.inner; start < L.numel; start += L.dim * L.inner) visit(start, L.inner);
      break;
    case Granularity::Block: {
      const int64_t row = g / L.blocks_per_row, b = g % L.blocks_per_row;
      const int64_t first = row * L.cols + b * L.block;
      visit(first, std::min(L.block, L.cols - b * L.block));
      break;
    }
  }
  s.min = mn;
  s.max = mx;
  return s;
}

int64_t largest_scale_group(const std::vector<GroupParams>& groups) {
  int64_t best = 0;
  for (size_t g = 1; g < groups.size(); ++g)
    if (groups[g].scale > groups[size_t(best)].scale) best = int64_t(g);
  return best;
}

ExploreResult explore(std::span<const float> x, std::span<const int64_t> shape,
                      const ExploreRequest& r, RunControl* control, const SortedValues* sorted) {
  const auto t0 = std::chrono::steady_clock::now();
  ExploreResult out;
  HistogramSpec hs{r.view_lo, r.view_hi, std::max(1, r.bins)};
  if (!(hs.hi > hs.lo)) hs.hi = hs.lo + 1.0;
  QuantizeOptions o;
  if (r.hist_x) o.hist_x = hs;
  o.hist_dequant = hs;
  o.dequant_values = true;  // a one-group x̂ is drawn as a stem per level (no aliasing)
  o.threads = r.threads;
  o.control = control;
  o.tensor_clip = r.tensor_clip;
  o.transform = r.transform;
  // Under a transform the group's range, scale and levels are the quantizer's on x′.
  const bool transformed = has_transform(r.scheme);
  o.keep_transformed = transformed;
  int64_t shown_group = -1;
  double step = 0;
  if (r.hist_error) {
    o.hist_error_from_params = [&](const std::vector<GroupParams>& groups) -> std::optional<HistogramSpec> {
      if (groups.empty()) return std::nullopt;
      shown_group = r.group < 0 ? largest_scale_group(groups) : std::min<int64_t>(r.group, int64_t(groups.size()) - 1);
      const GroupParams& p = groups[size_t(shown_group)];
      const std::vector<float> L = representable_levels(r.scheme, p);
      // clip_lo/hi hold the group's data range when no clip method is set.
      step = largest_gap_within(L, std::min(p.clip_lo, p.clip_hi), std::max(p.clip_lo, p.clip_hi));
      const double half = step > 0 ? 0.75 * step : 1e-12;
      return HistogramSpec{-half, half, std::max(3, r.error_bins)};
    };
  }
  out.q = quantize_maybe_sorted(sorted, x, shape, r.scheme, o);
  if (out.q.cancelled) return out;
  if (out.q.hist_x) out.hist_x = *out.q.hist_x;
  if (out.q.hist_dequant) out.hist_dequant = *out.q.hist_dequant;
  if (out.q.hist_error) out.hist_error = *out.q.hist_error;
  out.step = step;
  const int64_t G = int64_t(out.q.groups.size());
  int64_t g = r.group < 0 ? largest_scale_group(out.q.groups) : std::min(r.group, G - 1);
  if (g < 0) g = 0;
  if (transformed) {
    if (!out.q.transformed.empty()) out.group = summarize_group(out.q.transformed, out.q.layout, g);
    std::vector<float>().swap(out.q.transformed);  // the Outliers view keeps its own x′
  } else if (r.known_range && out.q.layout.granularity == Granularity::Tensor) {
    out.group.index = 0;
    out.group.count = out.q.layout.numel;
    out.group.n_finite = r.known_range->n_finite;
    out.group.min = r.known_range->n_finite ? r.known_range->min : 0;
    out.group.max = r.known_range->n_finite ? r.known_range->max : 0;
  } else if (sorted && out.q.layout.granularity == Granularity::Tensor) {
    out.group.index = 0;
    out.group.count = out.q.layout.numel;
    out.group.n_finite = sorted->n();
    out.group.min = sorted->n() ? sorted->v.front() : 0;
    out.group.max = sorted->n() ? sorted->v.back() : 0;
  } else {
    out.group = summarize_group(x, out.q.layout, g);
  }
  if (G > 0) {
    out.group.params = out.q.groups[size_t(g)];
    out.levels = representable_levels(r.scheme, out.group.params);
  }
  out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace qs
