#pragma once
// Which open tensors can serve a weight as its activation maxima for `smooth=α`
// (DESIGN.md "Beyond clipping": the CLI takes --act-max FILE:TENSOR; the GUI "any open
// 1-D tensor of that length"). SmoothQuant's act_scales are per-input-channel maxima of
// |activation|, saved as 1-D tensors next to (or apart from) the weights.
#include <span>
#include <string_view>
#include <vector>

#include "analysis/formats/model.h"

namespace qs {

// The model's 1-D floating-point tensors whose length fits a weight of `shape` (its
// cols, or the input channels of a conv weight: whatever activation_maxima_for takes),
// in file order.
std::vector<int> activation_maxima_candidates(const Model& model, std::span<const int64_t> shape);

// Whether a tensor's name says it holds activation statistics (act_scale, act_max,
// activation, input_scale, input_max, smooth, amax; any case).
bool names_activation_maxima(std::string_view name);

// The default among the candidates: those whose name says so, the one sharing the longest
// prefix with the weight's name (a layer's own act_scales), then the first in file order;
// -1 when no candidate's name says so (the user picks one, or smoothing waits).
int default_activation_maxima(const Model& model, std::span<const int> candidates, std::string_view weight_name);

// The tensor's values as float32, as the CLI's --act-max reads them.
std::vector<float> load_activation_maxima(const TensorView& t);

}  // namespace qs
