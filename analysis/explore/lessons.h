#pragma once
// The numbers behind Learn mode (issue #8): each lesson page draws what these functions
// compute, so every figure a learner reads is tested here, with the same arithmetic the
// quantizers use (quant_math.h), not a second copy of it.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "analysis/quant/calibrate.h"
#include "analysis/quant/scheme.h"

namespace qs {

// The lessons' starting vector: small, signed, one value clearly the largest.
std::vector<float> lesson_example_vector();  // {0.5, −1.2, 3.1, −0.7, 2.4, 0, −2.9, 1.6}

// Lesson 1: memory of a model of `params` weights stored in `bits` bits each, in bytes.
double model_memory_bytes(double params, double bits);

// Lesson 2: symmetric absmax, step by step. `full_negative` chooses codes in
// [−2^(b−1), 2^(b−1) − 1] with s = max|x| / 2^(b−1) (one more level, but +max|x| clips);
// otherwise [−(2^(b−1) − 1), 2^(b−1) − 1] with s = max|x| / (2^(b−1) − 1).
struct AbsmaxStep {
  double absmax = 0, scale = 0;
  int qmin = 0, qmax = 0;
  std::vector<double> scaled;    // x / s
  std::vector<int> codes;        // round half to even, clamped
  std::vector<float> xhat;       // code · s
  std::vector<double> error;     // x − x̂
  double mse = 0;
  int clipped = 0;               // codes that hit the clamp
};
AbsmaxStep absmax_walkthrough(std::span<const float> x, int bits, bool full_negative);

// Lesson 3: asymmetric min/max with an integer zero point, in both conventions: codes in
// [0, 2^b − 1] (zp_unsigned) and the same grid as signed codes (code − 2^(b−1), zp − 2^(b−1)).
struct MinmaxStep {
  double lo = 0, hi = 0;  // the range, widened to contain 0
  double scale = 0;
  int zero_point = 0, zero_point_signed = 0;
  std::vector<int> codes, codes_signed;
  std::vector<float> xhat;
  std::vector<double> error;
  double mse = 0;
  float zero_xhat = 1;  // x̂ of an exact 0: 0 when zero is representable (it always is here)
};
MinmaxStep minmax_walkthrough(std::span<const float> x, int bits);

// Lesson 4: the same vector with one element replaced by an outlier: the scale and the
// error of the other elements (the resolution they lose), and clipping to [−c, c]: the
// mean squared error split into clipping (values beyond c) and rounding (the rest).
struct OutlierStep {
  double scale = 0;
  double mse_others = 0;       // over the non-outlier elements
  double clip_mse = 0, round_mse = 0;  // with the clip, over all elements
  double clipped_scale = 0;
};
OutlierStep outlier_walkthrough(std::span<const float> x, size_t outlier_index, float outlier_value, int bits,
                                double clip);

// Lesson 4 (calibration): the clip threshold each method picks on `x` for int `bits`
// absmax, and the resulting SQNR, in this order: none, percentile 99.9, 3σ, MSE, KL.
struct CalibrationRow {
  std::string method;
  double threshold = 0, sqnr_db = 0;
};
std::vector<CalibrationRow> compare_calibrations(std::span<const float> x, int bits);

// Lesson 5: storage of N weights at k bits in blocks of B with an fp16 scale per block
// (2 bytes), or a scale and a zero point (4 bytes).
struct BlockStorage {
  double code_bytes = 0, scale_bytes = 0, total_bytes = 0, bits_per_weight = 0;
};
BlockStorage block_storage(int64_t n, int bits, int64_t block, bool zero_point);

// Lesson 5 (error side): SQNR of int `bits` absmax in blocks of each size along rows of
// `cols`, on the lesson's heavy-tailed sample (lesson_block_sample: Laplace-like values
// with a few large ones), with the bits/weight each costs (fp32 scale per block).
std::vector<float> lesson_block_sample();  // 64 × 512, deterministic
struct BlockErrorRow {
  int64_t block = 0;
  double sqnr_db = 0, bits_per_weight = 0;
};
std::vector<BlockErrorRow> block_size_errors(std::span<const float> x, int64_t cols, int bits,
                                             std::span<const int64_t> blocks);

// Lesson 6: round to nearest vs stochastic rounding of x on a grid of step `step`:
// the mean of `trials` stochastic roundings (→ x) and of round-to-nearest (biased),
// and the residuals x − round(x) of each trial for the histogram.
struct RoundingStep {
  double nearest = 0, stochastic_mean = 0;
  std::vector<double> residuals;  // x − stochastic rounding, one per trial
};
RoundingStep rounding_walkthrough(double x, double step, int trials, uint64_t seed);

// Lesson 7: a non-linear code drawn against N(0, 1): how many values fall near each code
// point — the probability mass of N(0, σ) in each code's rounding cell (midpoints), for
// NF4 (σ such that the absmax of a 64-block is ~2.6σ: σ = 1/2.6) and for a uniform 4-bit
// grid on [−1, 1]. NF4 spreads the mass far more evenly.
std::vector<double> cell_mass(std::span<const float> sorted_codes, double sigma);
double mass_entropy_bits(std::span<const double> mass);

// Lesson 9: the Outliers view's four ideas on a matrix small enough to look at: 8 rows × 16
// columns of Gaussian weights (σ = 1) whose columns 3 and 11 hold |x| ≥ 12 (outlier input
// features), and activation maxima with two outlier channels (5 and 9, ×30). Each
// row is int4 absmax per output row (`absmax:bits=4,gran=channel,axis=0`), as is or with
// one transform key — keep=k, rot=hadamard, smooth=α, lowrank=r — through quantize().
inline constexpr int64_t kLessonOutlierRows = 8, kLessonOutlierCols = 16;
std::vector<float> lesson_outlier_matrix();   // row-major, deterministic
std::vector<float> lesson_outlier_act_max();  // 16 activation maxima
struct OutlierLessonRow {
  std::string name, spec, error;
  double sqnr_db = 0, bits_per_weight = 0;
  double absmax_over_sigma = 0, excess_kurtosis = 0;  // of x′, the quantizer's input
  std::vector<float> xp, xhat;                         // x′ and x̂ (mapped back), 8 × 16
  double act_step_before = 0, act_step_after = 0;      // smooth: the activations' int8 step
};
// In this order: as is, keep k, rotate, smooth α, low-rank r.
std::vector<OutlierLessonRow> outlier_lesson(int64_t keep, double alpha, int64_t rank);

}  // namespace qs
