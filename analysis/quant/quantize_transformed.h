#pragma once
// Quantizing through a transform (DESIGN.md "Beyond clipping"): x′ = T(x) in the matrix
// view (analysis/transforms/), the scheme's usual quantizer on x′ in the original shape,
// x̂ = T⁻¹(x̂′). Every metric compares x with the mapped-back x̂ in the original space,
// except clipped_fraction and codes_used, which describe the quantizer on x′; the params
// (scales, zero points, clip range, groups) are those of the quantizer on x′.
//
// quantize() and quantize_ref() send a scheme with a transform here (the fast transforms
// with quantize(), the `_ref` twins with quantize_ref()), so every caller — CLI, reports,
// the Model view, the planner, sweeps, the GUI's jobs — takes transforms the same way.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "analysis/base/error.h"
#include "analysis/quant/scheme.h"
#include "analysis/transforms/low_rank.h"

namespace qs {

struct QuantizeOptions;
struct QuantizeResult;

// What a transform needs beyond the scheme, and what the GUI computes once per tensor so
// that a slider over k, r or α does not redo it. Everything but act_max is optional: what
// is missing is computed on the spot (and the result is the same bits either way, except
// lowrank, whose factors of a larger rank truncate to within the 0.1 % contract).
struct TransformInputs {
  std::vector<float> act_max;  // smooth: activation maxima (activation_maxima_for maps them to columns)
  std::shared_ptr<const std::vector<float>> column_absmax;   // max|x| per column, finite values
  std::shared_ptr<const std::vector<int64_t>> keep_priority; // keep_priority(column_absmax)
  std::shared_ptr<const LowRankFactors> low_rank;            // used when its rank ≥ r
};

// What `params.transform` reports (quantize --json), per kind.
struct TransformReport {
  TransformKind kind = TransformKind::None;
  int64_t block = 1;                 // hadamard: b
  std::optional<uint64_t> seed;      // hadamard: rot_seed
  double alpha = 0, act_absmax_before = 0, act_absmax_after = 0, scale_min = 0, scale_max = 0;  // smooth
  int64_t rank = 0;                  // lowrank
  double energy = 0;                 // lowrank: ‖L‖²/‖x‖²
  int64_t count = 0;                 // keep
  std::vector<int64_t> columns;      // keep: every kept column, ascending (JSON: the first 64)
};
nlohmann::json transform_report_to_json(const TransformReport& t);

// The extra bits/weight a transform stores: lowrank 16·r·(rows + cols)/numel, keep
// (16·rows·k + 32·k)/numel, else 0.
double transform_extra_bits(const Transform& t, std::span<const int64_t> shape);

// The shape-dependent bounds (make_layout calls it): lowrank 1 ≤ r < min(rows, cols),
// keep 1 ≤ k < cols. An error names the key, the bound and the matrix view.
Result<void> transform_fits(const Transform& t, std::span<const int64_t> shape);

// The data-dependent checks, for the edges (CLI, GUI) before quantizing: rot and lowrank
// refuse a tensor holding NaN/±Inf; smooth needs valid maxima of the right length.
// quantize() makes the same checks and returns them in QuantizeResult::error.
Result<void> transform_ready(const Scheme& s, std::span<const int64_t> shape, int64_t n_nonfinite,
                             const TransformInputs* in);

// Fills what `s`'s transform needs from x and `in` lacks — the column maxima and keep
// order (keep, smooth), the low-rank factors at rank ≥ r (lowrank) — so that many
// quantizations of x (a sweep, a slider) share one pass or one SVD. Skips what cannot run
// (x with NaN for lowrank; a shape that does not fit). control: the SVD's cancel.
void prepare_transform_inputs(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s,
                              TransformInputs& in, int threads = 0, RunControl* control = nullptr);

// Precondition: has_transform(s), s validated, transform_fits. `ref`: the _ref transforms
// and quantize_ref for the base quantizer.
QuantizeResult quantize_transformed(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s,
                                    const QuantizeOptions& opt, bool ref);

}  // namespace qs
