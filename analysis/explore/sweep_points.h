#pragma once
// The Sweeps view's data: one scheme parameter varied at a time, each point one
// quantize() call on the whole tensor (so a point equals what the Distribution view
// shows for that spec). The points run side by side on `threads` threads (0 = hardware
// concurrency), one thread each; a point's numbers never depend on the thread count, so
// neither does a sweep's. The RunControl counts points (total, done) and is checked
// before each; a cancelled sweep keeps the points before the first one not run.
//   sweep_bits   SQNR and MSE vs bits 2..16 for an integer family
//   sweep_clip   MSE vs a symmetric clip threshold T, with where the calibration
//                methods put T (percentile 99/99.9/99.99, 3σ, MSE-optimal, KL)
//   sweep_block  SQNR and bits/weight vs block size 16..4096 (the overhead trade-off)
//   format_map   bits/weight vs SQNR for the usual formats, and its Pareto front
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/quant/quantize_transformed.h"
#include "analysis/quant/sorted_values.h"
#include "analysis/base/run_control.h"
#include "analysis/quant/scheme.h"

namespace qs {

struct SweepPoint {
  double x = 0;             // the varied parameter (bits, T, block size; bits/weight in the map)
  std::string spec;         // the scheme of this point (canonical spec)
  std::string label;        // short name (format map)
  std::optional<double> sqnr_db, mse, bits_per_weight;
};

struct ClipMarker {
  std::string name;   // "p99.9", "3σ", "mse", "kl", ...
  double threshold = 0;
  std::optional<double> mse, sqnr_db;  // of the quantization with that method
};

struct SweepResult {
  std::vector<SweepPoint> points;
  std::vector<ClipMarker> markers;  // sweep_clip only
  bool cancelled = false;
};

// `family`: absmax or minmax (its granularity, clipping and rounding are kept; bits vary).
// Other kinds have no bits parameter: an empty result.
// `sorted` (optional, x's sorted-values cache): per-tensor points are then answered in
// O(levels · log N) by quantize_sorted, with the same numbers.
// `transform`: a scheme with a transform takes its inputs and per-tensor caches from here
// (QuantizeOptions::transform), so a sweep does not redo an SVD per point.
SweepResult sweep_bits(std::span<const float> x, std::span<const int64_t> shape, const Scheme& family,
                       RunControl* control = nullptr, int threads = 0, const SortedValues* sorted = nullptr,
                       const TransformInputs* transform = nullptr);
// Thresholds T log-spaced from max|x|/64 to max|x| (`points` of them), each quantized as
// clip=range [−T, T] with `base`'s kind and bits if absmax, else absmax with `base`'s
// bits (a symmetric threshold is an absmax notion). Under a transform the clip acts on x′,
// so T spans max|x′| and the markers calibrate on x′.
SweepResult sweep_clip(std::span<const float> x, std::span<const int64_t> shape, const Scheme& base,
                       int points = 48, RunControl* control = nullptr, int threads = 0,
                       const SortedValues* sorted = nullptr, const TransformInputs* transform = nullptr);
// Block sizes 16, 32, …, 4096 that fit in the last dimension, `base` made blockwise.
SweepResult sweep_block(std::span<const float> x, std::span<const int64_t> shape, const Scheme& base,
                        RunControl* control = nullptr, int threads = 0, const SortedValues* sorted = nullptr,
                        const TransformInputs* transform = nullptr);
// int8, int4 per channel, int4 blocks of 32/64/128, q8_0-like (int8 blocks of 32 with
// fp16 scales), nf4, fp8 e4m3/e5m2 scaled and not, fp4 (blocks of 32, scaled), bf16, fp16.
SweepResult format_map(std::span<const float> x, std::span<const int64_t> shape, RunControl* control = nullptr,
                       int threads = 0, const SortedValues* sorted = nullptr);

// Indices of the points no other point beats on both axes (lower bits/weight and higher
// SQNR is better; a point equal on both axes to another is kept once: the first).
// Returned in increasing bits/weight.
std::vector<size_t> pareto_front(std::span<const std::pair<double, double>> bpw_sqnr);

}  // namespace qs
