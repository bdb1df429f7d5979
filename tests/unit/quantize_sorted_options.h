#pragma once
// The histogram options and calibrated clip the sorted-path tests pass to both quantizers:
// x's histogram over slightly less than its range (the top values fall outside), x̂'s
// over its range, the Error view's ±0.6 step, and a data-driven clip calibrated on the
// finite values in file order, as the GUI caches it.
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "analysis/quant/calibrate.h"
#include "analysis/quant/quantize.h"

namespace qs {

inline QuantizeOptions options(const std::vector<float>& x, const Scheme& s) {
  QuantizeOptions o;
  double lo = -0.1, hi = 0.1;
  for (float v : x)
    if (std::isfinite(v)) lo = std::min(lo, double(v)), hi = std::max(hi, double(v));
  o.hist_x = HistogramSpec{lo * 1.01, hi * 0.98, 200};  // the top values fall outside
  o.hist_dequant = HistogramSpec{lo, hi, 97};
  // The Error view's range: ±0.75 of the group's scale (1 for casts).
  o.hist_error_from_params = [](const std::vector<GroupParams>& g) -> std::optional<HistogramSpec> {
    if (g.empty()) return std::nullopt;  // an empty tensor
    const double half = 0.6 * double(g[0].scale);
    return HistogramSpec{-half, half, 121};
  };
  // Calibrated clips come from the finite values in file order, as the GUI caches them.
  const ClipMethod m = s.clip.method;
  if (m == ClipMethod::Percentile || m == ClipMethod::Sigma || m == ClipMethod::Mse || m == ClipMethod::Kl) {
    std::vector<float> fin;
    for (float v : x)
      if (std::isfinite(v)) fin.push_back(v);
    if (!fin.empty()) o.tensor_clip = calibrate(fin, s);
  }
  return o;
}

}  // namespace qs
