#pragma once
// One Distribution-view computation, independent of any GUI: quantize a tensor with a
// scheme, bin x and x̂ over the visible value range, and describe one group (its range,
// params and representable levels). The desktop app runs it on a worker thread.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "analysis/quant/metrics.h"
#include "analysis/quant/sorted_values.h"
#include "analysis/quant/quantize.h"

namespace qs {

struct ExploreRequest {
  Scheme scheme;
  double view_lo = -1, view_hi = 1;  // histogram range (the plot's visible range)
  int bins = 256;
  int64_t group = -1;                // -1: the group with the largest scale (the worst case)
  bool hist_error = false;           // also bin x − x̂ (the Error view), see ExploreResult::step
  int error_bins = 121;
  bool hist_x = true;                // false: the caller has x's histogram for this view already
                                     // (it does not depend on the scheme); hist_x stays empty
  int threads = 0;
  // The tensor's finite range and count when the caller already knows them (the GUI caches
  // them per tensor): a per-tensor group summary then skips a pass over x (~15 ms at 16 M).
  struct KnownRange {
    double min = 0, max = 0;
    int64_t n_finite = 0;
  };
  std::optional<KnownRange> known_range;
  std::optional<ClipRange> tensor_clip;  // passed to quantize (QuantizeOptions::tensor_clip)
  const TransformInputs* transform = nullptr;  // passed to quantize (QuantizeOptions::transform)
};

struct GroupSummary {
  int64_t index = 0;
  int64_t count = 0;        // elements in the group
  int64_t n_finite = 0;
  double min = 0, max = 0;  // over the group's finite values (0, 0 when none)
  GroupParams params;
};

struct ExploreResult {
  QuantizeResult q;           // metrics, layout and params of every group (no codes/x̂ kept);
                              // q.dequant_values: x̂ per level where the quantizer counts them
  Histogram hist_x, hist_dequant;
  GroupSummary group;
  std::vector<float> levels;  // representable values of `group`
  // With hist_error: the largest gap between the levels that `group`'s values round to
  // (the step s of an integer grid), and x − x̂ binned over ±0.75·step, so the ideal
  // uniform rounding error ±step/2 fills two thirds of the range; clipped values with
  // larger errors fall outside (hist_error.counts sum to fewer than the elements).
  Histogram hist_error;
  double step = 0;
  double ms = 0;              // wall time of the computation
};

// Precondition: make_layout(shape, r.scheme) succeeds (the caller checks, see make_layout).
// With `sorted` (x's sorted-values cache), a per-tensor scheme (sorted_path_applies) is
// answered by quantize_sorted in O(levels · log N) instead of a pass over x; the result
// is the same (quantize_sorted.h).
ExploreResult explore(std::span<const float> x, std::span<const int64_t> shape,
                      const ExploreRequest& r, RunControl* control = nullptr,
                      const SortedValues* sorted = nullptr);

// The range of group g's finite values, walking only that group's runs of elements.
GroupSummary summarize_group(std::span<const float> x, const GroupLayout& L, int64_t g);

// The group with the largest scale (ties: the lowest index); 0 for a cast without scale.
int64_t largest_scale_group(const std::vector<GroupParams>& groups);

}  // namespace qs
