#pragma once
// Fused quantize → dequantize → metrics over one tensor (DESIGN.md conventions).
//
// Passes: (1) per-group range (+ calibration when a clip method needs the data),
// (2) params per group, (3) ONE fused pass over cache-sized chunks computing codes, x̂,
// error sums, histograms and the set of codes used. Chunks are split over threads and
// reduced in chunk order, so results do not depend on the thread count. Blocks of an
// integer scheme whose params need only the block's own range take (1)-(3) in one pass,
// tile by tile.
// `quantize_ref` is the plain scalar twin the tests compare against.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "analysis/quant/calibrate.h"
#include "analysis/base/error.h"
#include "analysis/quant/metrics.h"
#include "analysis/quant/quantize_transformed.h"
#include "analysis/quant/quant_math.h"
#include "analysis/base/run_control.h"
#include "analysis/quant/scheme.h"

namespace qs {

// How elements map to groups (row-major shape).
//   tensor:  one group
//   channel: group(i) = (i / inner) % dim, dim = shape[axis], inner = Π shape[axis+1:]
//   block:   runs of `block` elements along the last axis inside each row; a row's last
//            block may be short. group(i) = row·blocks_per_row + col / block
struct GroupLayout {
  Granularity granularity = Granularity::Tensor;
  int64_t numel = 0;
  int64_t groups = 1;
  int64_t dim = 1, inner = 1;               // channel
  int64_t cols = 1, block = 1, blocks_per_row = 1;  // block
  int64_t group_of(int64_t i) const;
  // Length of the run of consecutive elements starting at i that share i's group.
  int64_t run_length(int64_t i) const;
};

// Validates the scheme against the shape (axis in range, ...): for the edges (CLI, GUI).
Result<GroupLayout> make_layout(std::span<const int64_t> shape, const Scheme& s);

struct QuantizeOptions {
  bool keep_codes = false;    // fill QuantizeResult::codes (one per element; 0 for non-finite)
  bool keep_dequant = false;  // fill QuantizeResult::dequant (non-finite pass through)
  std::optional<HistogramSpec> hist_x, hist_dequant, hist_error;
  // The error histogram's range when it depends on the scales (the Error view bins
  // x − x̂ over ± a step): called once the params are chosen, before the fused pass.
  // Overrides hist_error when set and it returns a spec.
  std::function<std::optional<HistogramSpec>(const std::vector<GroupParams>&)> hist_error_from_params;
  // Per-tensor schemes with a data-driven clip method (percentile, σ, mse, kl): the clip
  // range calibrate() gives for this tensor's finite values, when the caller has it
  // cached (the GUI, across edits that do not change it). Used instead of calibrating.
  std::optional<ClipRange> tensor_clip;
  int threads = 0;            // 0 = hardware concurrency
  RunControl* control = nullptr;  // cancel flag checked between chunks; progress in elements
  // A scheme with a transform: its inputs and per-tensor caches (smooth needs act_max).
  const TransformInputs* transform = nullptr;
  bool keep_transformed = false;  // fill QuantizeResult::transformed (x′, the quantizer's input)
  // Fill QuantizeResult::dequant_values where the quantizer counts per code anyway.
  bool dequant_values = false;
};

struct QuantizeResult {
  Scheme scheme;
  GroupLayout layout;
  std::vector<GroupParams> groups;
  std::vector<int32_t> codes;
  std::vector<float> dequant;
  Metrics metrics;
  std::optional<Histogram> hist_x, hist_dequant, hist_error;
  bool cancelled = false;
  std::optional<TransformReport> transform;  // a scheme with a transform (null for an empty tensor)
  std::vector<float> transformed;            // x′ when keep_transformed
  std::string error;  // a transform that cannot run on this data (NaN for rot, no maxima for smooth): metrics empty
  // With QuantizeOptions::dequant_values, on the paths that count elements per code (one
  // group: quantize_sorted, and quantize()'s integer kernel): x̂'s distinct finite values,
  // ascending, and how many finite elements take each. A one-group x̂ takes only the
  // grid's values, so these are exact per-level counts with no binning (a histogram of x̂
  // aliases against the level spacing). has_dequant_values is false on the other paths.
  bool has_dequant_values = false;
  std::vector<float> dequant_values;
  std::vector<uint64_t> dequant_counts;
};

// Sorts (value, count) pairs, merges equal values (−0 and +0 are one value) and stores
// them in r.dequant_values / dequant_counts.
void set_dequant_values(QuantizeResult& r, std::vector<std::pair<float, uint64_t>> values);

// Preconditions: s validated, x.size() == Π shape, layout valid (make_layout succeeded).
QuantizeResult quantize(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s,
                        const QuantizeOptions& opt = {});
QuantizeResult quantize_ref(std::span<const float> x, std::span<const int64_t> shape,
                            const Scheme& s, const QuantizeOptions& opt = {});

// A preset scheme (Kind::Preset): the toolchain's rule (analysis/presets), then the same
// metrics, histograms and codes as the other quantizers. quantize() sends presets to
// quantize_with_preset (the rule on opt.threads threads, honouring opt.control; metrics per
// fixed item, merged in item order: quantize_preset.cpp), quantize_ref() to its twin
// quantize_with_preset_ref (one thread, every element in order through float64 sums).
QuantizeResult quantize_with_preset(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s,
                                    const QuantizeOptions& opt);
QuantizeResult quantize_with_preset_ref(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s,
                                        const QuantizeOptions& opt);

// Params for one group from its finite values (range or calibration, then
// choose_params). Shared by both quantizers so they agree on calibration.
GroupParams params_for_group(const Scheme& s, std::span<const float> finite_values);

// Per-group parameter summary for reports: one group's values, or min/max over groups.
nlohmann::json params_to_json(const QuantizeResult& r);

}  // namespace qs
