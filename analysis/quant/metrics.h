#pragma once
// Metrics, histograms and bits-per-weight accounting (DESIGN.md "metrics").
// Error sums are float64 and mergeable, so totals over many tensors pool exactly.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "analysis/quant/scheme.h"

namespace qs {

// Raw float64 accumulators over the finite inputs; merge() in a fixed order.
struct ErrorSums {
  int64_t n = 0;           // finite inputs
  int64_t n_clipped = 0;   // clipped by the range, clamped into [qmin,qmax], or overflowing a cast
  double sum_x2 = 0;       // Σ x²
  double sum_y2 = 0;       // Σ x̂²
  double sum_xy = 0;       // Σ x·x̂
  double sum_err2 = 0;     // Σ (x - x̂)²
  double sum_abs_err = 0;  // Σ |x - x̂|
  double max_abs_err = 0;  // max |x - x̂|
  void merge(const ErrorSums& o);
};

// Null (std::nullopt) where DESIGN.md says null; sqnr_db is +inf when the error is 0.
struct Metrics {
  int64_t numel = 0;
  int64_t n = 0;
  int64_t n_nonfinite = 0;
  std::optional<double> mse, rmse, mean_abs_error, max_abs_error, sqnr_db, cosine,
      clipped_fraction, bits_per_weight;
  int64_t codes_used = 0;
  ErrorSums sums;
};

Metrics finalize_metrics(const ErrorSums& sums, int64_t numel, int64_t n_nonfinite,
                         int64_t codes_used, std::optional<double> bits_per_weight);

// (b·N + G·(scale_bits + zp_bits)) / N; float casts without a scale: the format's bits.
// nullopt for an empty tensor.
std::optional<double> bits_per_weight(const Scheme& s, int64_t numel, int64_t groups);

// JSON: null for nullopt, "inf"/"-inf"/"nan" for non-finite numbers.
nlohmann::json metrics_to_json(const Metrics& m);
nlohmann::json number_to_json(double v);  // the non-finite rule for any number

// Histogram on caller-given bins, NumPy convention: bins [a,b), the last one [a,b];
// values outside [lo, hi] and non-finite values are not counted.
struct HistogramSpec {
  double lo = 0, hi = 1;
  int bins = 256;
};
// At least one bin, and an empty range widened by ±0.5 as NumPy does: every quantizer
// bins with the same spec.
inline HistogramSpec sanitize(HistogramSpec s) {
  if (s.bins < 1) s.bins = 1;
  if (!(s.hi > s.lo)) {
    s.lo -= 0.5;
    s.hi += 0.5;
  }
  return s;
}

struct Histogram {
  HistogramSpec spec;
  std::vector<uint64_t> counts;
  double bin_width() const { return (spec.hi - spec.lo) / spec.bins; }
};
Histogram make_histogram(std::span<const float> x, const HistogramSpec& spec);

// Histogram of log2|x| over the finite non-zero values (the Formats view's log-magnitude
// axis): `bins` equal bins from max(log2 min|x|, log2 max|x| − 24) to log2 max|x|;
// smaller magnitudes fall outside. Empty spec (0 bins) when there is no such value.
Histogram log2_abs_histogram(std::span<const float> x, int bins);
// Bin index of v or -1 when outside: NumPy's rule exactly — a first guess from
// (v - lo) · bins/(hi - lo), then corrected against the linspace edges lo + k·step.
inline int histogram_bin(const HistogramSpec& s, double v) {
  if (!(v >= s.lo && v <= s.hi)) return -1;
  const int last = s.bins - 1;
  int b = int((v - s.lo) * (s.bins / (s.hi - s.lo)));
  if (b > last) b = last;
  if (b < 0) b = 0;
  const double step = (s.hi - s.lo) / s.bins;
  if (v < s.lo + b * step) {
    --b;
  } else if (b != last && v >= (b + 1 == s.bins ? s.hi : s.lo + (b + 1) * step)) {
    ++b;
  }
  return b;
}

}  // namespace qs
