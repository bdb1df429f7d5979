#pragma once
// Per-tensor quantization from the sorted-values cache, in O(levels · log N): the same
// metrics, histograms and params as quantize() for the schemes where one group covers
// the tensor (issue 15 §1), without touching the N elements again.
//
// x ↦ x̂ is monotone for these schemes, so the elements that share a code are one run of
// the sorted values. Each run's ends are found by galloping + binary search with
// quantize_element() itself (the quantizer's own float32 predicate), so codes, counts,
// codes_used, clipped counts and the x̂ histogram are exact; Σ(x − x̂)², Σ|x − x̂|,
// Σx·x̂ and Σx̂² come from the double-double prefix sums; max |x − x̂| from each run's
// two ends; the error histogram by galloping over each run (x − x̂ is monotone in it).
#include <span>

#include "analysis/quant/sorted_values.h"
#include "analysis/quant/quantize.h"

namespace qs {

// One group covering the tensor, deterministic rounding, not a preset.
bool sorted_path_applies(const Scheme& s);

// Preconditions: sorted_path_applies(s); sv built from the tensor of `shape`.
// Fills layout, groups, metrics and the requested histograms; never codes or x̂
// (opt.keep_codes / keep_dequant are ignored). A data-driven clip without
// opt.tensor_clip is calibrated on the sorted values.
QuantizeResult quantize_sorted(const SortedValues& sv, std::span<const int64_t> shape, const Scheme& s,
                               const QuantizeOptions& opt = {});

// quantize_sorted() when `sorted` (x's cache) is given and the scheme is one it answers,
// else quantize(): the one place where callers that may hold a cache choose the path.
QuantizeResult quantize_maybe_sorted(const SortedValues* sorted, std::span<const float> x,
                                     std::span<const int64_t> shape, const Scheme& s, const QuantizeOptions& opt = {});

// The histogram of the finite values (NumPy's rule, as make_histogram) in O(bins · log N).
Histogram sorted_histogram(const SortedValues& sv, const HistogramSpec& spec);

}  // namespace qs
