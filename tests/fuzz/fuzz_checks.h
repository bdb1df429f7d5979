#pragma once
// What every reader's fuzzer asserts of an accepted tensor: its byte view has the stored
// size and lies inside the fuzzer's input or a buffer the model owns, a strided view
// addresses only its own elements, and it decodes to the end (in chunks, streamed for
// statistics, and whole). __builtin_trap() is the fuzzer's "found a bug".
#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include "analysis/formats/model.h"
#include "analysis/numeric/tensor_decode.h"

namespace qs::fuzz {

inline void check_tensor(const TensorView& t, const Model& m, const std::byte* input, size_t size) {
  if (t.bytes.size() != size_t(t.numel()) * dtype_size(t.dtype)) __builtin_trap();
  bool inside = t.bytes.empty() || (t.bytes.data() >= input && t.bytes.data() + t.bytes.size() <= input + size);
  for (const auto& b : m.buffers) {
    inside = inside || (t.bytes.data() >= b->data() && t.bytes.data() + t.bytes.size() <= b->data() + b->size());
  }
  if (!inside) __builtin_trap();
  if (!t.contiguous()) {  // the last element's offset is the last of the view's elements
    int64_t last = 0;
    for (size_t d = 0; d < t.shape.size(); ++d) last += (t.shape[d] - 1) * t.strides[d];
    if (t.numel() > 0 && last != t.numel() - 1) __builtin_trap();
  }
  std::vector<float> buf(256);
  for (int64_t i = 0; i < t.numel(); i += 256) {
    const size_t n = size_t(std::min<int64_t>(t.numel() - i, 256));
    decode_to_float(t, i, std::span<float>(buf.data(), n));
  }
  const TensorStats s = scan_stats(t);
  if (s.n_finite + s.n_nonfinite != t.numel()) __builtin_trap();
  std::vector<float> storage;
  if (to_float(t, storage).size() != size_t(t.numel())) __builtin_trap();
}

}  // namespace qs::fuzz
