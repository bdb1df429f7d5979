#include "analysis/explore/what_if.h"

#include <cmath>
#include <cstdio>

namespace qs {

std::string WhatIf::describe() const {
  char buf[96];
  if (kind == Kind::SetElement)
    std::snprintf(buf, sizeof buf, "element %lld set to %g", static_cast<long long>(index), double(value));
  else
    std::snprintf(buf, sizeof buf, "row %lld scaled by %g", static_cast<long long>(index), double(value));
  return buf;
}

Result<std::vector<float>> apply_what_if(std::span<const float> x, std::span<const int64_t> shape, const WhatIf& w) {
  if (!std::isfinite(w.value)) return make_error("what-if: the value must be finite");
  const int64_t n = int64_t(x.size());
  const int64_t rows = shape.empty() ? 1 : shape[0];
  const int64_t cols = rows > 0 ? n / rows : 0;
  if (w.kind == WhatIf::Kind::SetElement && (w.index < 0 || w.index >= n))
    return make_error("what-if: element " + std::to_string(w.index) + " is outside the tensor's " +
                      std::to_string(n) + " elements");
  if (w.kind == WhatIf::Kind::ScaleRow && (w.index < 0 || w.index >= rows))
    return make_error("what-if: row " + std::to_string(w.index) + " is outside the tensor's " + std::to_string(rows) +
                      " rows");
  std::vector<float> out(x.begin(), x.end());
  if (w.kind == WhatIf::Kind::SetElement) {
    out[size_t(w.index)] = w.value;
  } else {
    for (int64_t c = 0; c < cols; ++c) out[size_t(w.index * cols + c)] *= w.value;
  }
  return out;
}

}  // namespace qs
