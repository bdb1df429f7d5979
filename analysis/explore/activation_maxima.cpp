// Picking a weight's activation maxima among the open tensors (activation_maxima.h).
#include "analysis/explore/activation_maxima.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "analysis/numeric/tensor_decode.h"
#include "analysis/transforms/smooth.h"

namespace qs {

std::vector<int> activation_maxima_candidates(const Model& model, std::span<const int64_t> shape) {
  std::vector<int> out;
  for (size_t i = 0; i < model.tensors.size(); ++i) {
    const TensorView& t = model.tensors[i];
    if (t.shape.size() != 1 || !dtype_is_float(t.dtype) || t.shape[0] < 1) continue;
    // The length rule is activation_maxima_for's (cols, or a conv weight's input
    // channels): asked with placeholder values, so the values are checked only when used.
    const std::vector<float> ones(size_t(t.shape[0]), 1.0f);
    if (activation_maxima_for(ones, shape)) out.push_back(int(i));
  }
  return out;
}

bool names_activation_maxima(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  for (const char* key : {"act_scale", "act_max", "activation", "input_scale", "input_max", "smooth", "amax"})
    if (lower.find(key) != std::string::npos) return true;
  return false;
}

int default_activation_maxima(const Model& model, std::span<const int> candidates, std::string_view weight_name) {
  int best = -1;
  size_t best_prefix = 0;
  for (int i : candidates) {
    const std::string& name = model.tensors[size_t(i)].name;
    if (!names_activation_maxima(name)) continue;
    const size_t n = std::min(name.size(), weight_name.size());
    size_t p = 0;
    while (p < n && name[p] == weight_name[p]) ++p;
    if (best < 0 || p > best_prefix) best = i, best_prefix = p;
  }
  return best;
}

std::vector<float> load_activation_maxima(const TensorView& t) {
  std::vector<float> storage;
  const std::span<const float> v = to_float(t, storage);
  return std::vector<float>(v.begin(), v.end());
}

}  // namespace qs
