#pragma once
// What-if edits for teaching and exploring: a scratch copy of a tensor with one element
// set to an outlier value, or one row (channel along axis 0) scaled. The file's data is
// never touched; the copy is what the views then quantize.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analysis/base/error.h"

namespace qs {

struct WhatIf {
  enum class Kind { SetElement, ScaleRow } kind = Kind::SetElement;
  int64_t index = 0;   // element (flat, row-major) or row
  float value = 0;     // the new element value, or the row's factor
  std::string describe() const;
};

// Errors: index out of range, or a non-finite value/factor.
Result<std::vector<float>> apply_what_if(std::span<const float> x, std::span<const int64_t> shape, const WhatIf& w);

}  // namespace qs
