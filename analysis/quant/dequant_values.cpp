// QuantizeResult::dequant_values: x̂'s distinct values and counts, from the per-code
// counts of the paths that have them (quantize_sorted, quantize()'s integer kernel).
#include <algorithm>
#include <utility>
#include <vector>

#include "analysis/quant/quantize.h"

namespace qs {

void set_dequant_values(QuantizeResult& r, std::vector<std::pair<float, uint64_t>> values) {
  std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  r.dequant_values.clear();
  r.dequant_counts.clear();
  for (const auto& [v, n] : values) {
    if (!r.dequant_values.empty() && r.dequant_values.back() == v) r.dequant_counts.back() += n;
    else r.dequant_values.push_back(v), r.dequant_counts.push_back(n);
  }
  r.has_dequant_values = true;
}

}  // namespace qs
