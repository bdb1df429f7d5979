#pragma once
// The matrix view every transform acts on (DESIGN.md "Beyond clipping"): rows = shape[0]
// whatever the framework's layout (no transpose), cols = numel / rows. A 1-D tensor is
// one row, a 0-d tensor is 1×1. A linear layer [out, in] rotates and keeps along `in`.
#include <cstdint>
#include <span>

namespace qs {

struct MatrixShape {
  int64_t rows = 1, cols = 1;
  int64_t numel() const { return rows * cols; }
};

inline MatrixShape matrix_view(std::span<const int64_t> shape) {
  int64_t numel = 1;
  for (int64_t d : shape) numel *= d;
  if (shape.size() <= 1) return {1, numel};
  const int64_t rows = shape[0];
  return {rows, rows == 0 ? 0 : numel / rows};
}

}  // namespace qs
