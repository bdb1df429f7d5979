#pragma once
// Whole-model analysis (issue #7): every selected floating-point tensor × every scheme,
// one tensor's float32 copy at a time (memory bounded by the largest tensor, pages of
// the mapped file released after each one), with per-tensor shape statistics and
// per-scheme metrics, and totals pooled over all selected elements as DESIGN.md states
// for report.json: every metric from the merged float64 error sums (mse = Σerr²/Σn,
// SQNR from Σx² and Σerr²), bits/weight = total bits / total elements.
// GGUF block tensors are decoded to their stored grid first, so each scheme is measured
// against what the file holds.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/base/error.h"
#include "analysis/formats/model.h"
#include "analysis/numeric/tensor_decode.h"
#include "analysis/quant/metrics.h"
#include "analysis/base/run_control.h"
#include "analysis/quant/scheme.h"

namespace qs {

struct ModelAnalysisRequest {
  std::vector<Scheme> schemes;
  std::string tensor_regex;  // POSIX extended regex searched in the name; empty = every tensor
  int threads = 0;           // 0 = hardware concurrency; results never depend on it
};

struct SchemeOnTensor {
  std::optional<Metrics> metrics;  // nullopt when the scheme does not apply (error says why)
  std::string error;
};

struct TensorAnalysis {
  size_t index = 0;  // into Model::tensors
  TensorStats stats;
  double kurtosis = 0;      // excess kurtosis of the finite values (0 for a Gaussian)
  double absmax_over_std = 0;
  std::vector<SchemeOnTensor> results;  // one per requested scheme, in order
};

struct SchemeTotal {
  Metrics metrics;          // pooled over the tensors where the scheme applied
  int64_t tensors = 0;
  double total_bits = 0;    // Σ bits_per_weight · numel
  double bytes() const { return total_bits / 8; }
};

struct ModelAnalysis {
  std::vector<TensorAnalysis> tensors;  // selected float tensors, in file order
  std::vector<SchemeTotal> totals;      // one per scheme
  int64_t bytes_read = 0;               // stored bytes of the selected tensors
  int64_t numel = 0;                    // their elements
  int64_t stored_quantized = 0;         // how many are GGUF block types (decoded to their grid)
  bool cancelled = false;
};

// The tensors analyze_model would take: floating-point ones whose name matches the regex
// (searched, POSIX extended; empty = all), in file order. An error for an invalid regex.
Result<std::vector<size_t>> select_tensors(const Model& m, const std::string& tensor_regex);

// An error for an invalid regex or no schemes. Progress (RunControl::done/total) counts
// stored bytes; cancel is checked between tensors and between quantizations.
Result<ModelAnalysis> analyze_model(const Model& m, const ModelAnalysisRequest& r,
                                    RunControl* control = nullptr);

// Excess kurtosis E[(x−μ)⁴]/σ⁴ − 3 of the finite values (two passes, float64); 0 when σ = 0.
// Float64 sums per fixed chunk merged in chunk order: the same at any thread count.
double excess_kurtosis(std::span<const float> x, int threads = 0);

// Rows of a.tensors with the `k` lowest SQNRs under scheme s, lowest first (ties in file
// order); tensors the scheme does not apply to are never among them.
std::vector<size_t> worst_tensors(const ModelAnalysis& a, size_t s, size_t k);
// How many tensors per scheme the Model view and the reports flag as the worst.
inline constexpr size_t kFlaggedPerScheme = 3;

// Pools per-tensor metrics of one scheme exactly as analyze_model does (merged sums).
SchemeTotal pool_metrics(const std::vector<const Metrics*>& parts);

}  // namespace qs
