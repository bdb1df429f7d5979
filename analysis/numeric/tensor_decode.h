#pragma once
// A TensorView's stored bytes as float32 (every dtype, including GGUF blocks and TF.js
// codes), in chunks or whole, and streaming statistics over them.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "analysis/base/tensor.h"

namespace qs {

// Decodes elements [first, first + out.size()) in logical C order into out.
// Precondition: the range is inside the tensor (the readers validated sizes).
void decode_to_float(const TensorView& t, int64_t first, std::span<float> out);

// Zero-copy float view when the tensor is F32, little-endian, contiguous and aligned.
std::optional<std::span<const float>> as_float_span(const TensorView& t);

// The whole tensor as float32: the zero-copy span when possible, else a decoded copy
// kept in `storage`, decoded in kDecodeChunk pieces on `threads` threads (0 = hardware
// concurrency; the bytes are the same at any count).
std::span<const float> to_float(const TensorView& t, std::vector<float>& storage, int threads = 0);

// Chunk size used by streaming scans (elements): a few hundred KB, cache-sized.
inline constexpr int64_t kDecodeChunk = 1 << 16;

// Statistics over the finite values, float64 accumulation (std = population std).
struct TensorStats {
  int64_t numel = 0;
  int64_t n_finite = 0;
  int64_t n_nonfinite = 0;
  double min = 0, max = 0, mean = 0, std = 0;
  double absmax = 0;
};
// Per-chunk moments (kDecodeChunk pieces) on `threads` threads (0 = hardware
// concurrency), merged in chunk order: bit-identical at any thread count.
// scan_stats streams over the tensor: never holds a full float copy.
TensorStats scan_stats(const TensorView& t, int threads = 0);
TensorStats compute_stats(std::span<const float> x, int threads = 0);

}  // namespace qs
