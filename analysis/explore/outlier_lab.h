#pragma once
// The Outliers view's numbers (issue 16, "outlier lab"): one tensor and a base scheme
// (default int4 per channel) against every way DESIGN.md "Beyond clipping" lists of
// taming outliers — none · clip (MSE-optimal) · keep k · rotate · rotate with signs ·
// smooth α · low-rank r · HQQ — each row the base spec plus ONE key, quantized by
// quantize() itself with the same TransformInputs the CLI builds, so a row's numbers are
// `quantscope-cli quantize FILE --tensor T --scheme SPEC --json`'s (the low-rank factors,
// cached once at r_max, truncate to within the 0.1 % contract of low_rank.h). Beside the
// metrics, each row describes x′, the quantizer's input: max|x′|/σ′, excess kurtosis, its
// histogram against a Gaussian of the same mean and σ, and the levels the quantizer put
// on it. Curves vary one knob (k, r, α) over a fixed set of values.
//
// What the sliders must not redo — the per-column maxima, the keep order, the SVD — is
// outlier_tensor_cache(), computed once per tensor. Every quantization goes through
// evaluate_outlier_schemes(), which runs them side by side (one thread each: numbers
// never depend on the thread count), counts them in the RunControl and keeps them in a
// caller-owned memo, so a slider step costs one quantization.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/base/error.h"
#include "analysis/quant/metrics.h"
#include "analysis/quant/quantize.h"
#include "analysis/base/run_control.h"
#include "analysis/quant/scheme.h"
#include "analysis/transforms/low_rank.h"
#include "analysis/transforms/matrix_view.h"

namespace qs {

// [SECTION] The spread of x′

// Over the finite values, float64, two passes in fixed chunks (the same at any thread
// count). Kurtosis is EXCESS kurtosis, E[(x−μ)⁴]/σ⁴ − 3 (0 for a Gaussian, 3 for a
// Laplace), as the Model view and the reports print it.
struct SpreadStats {
  int64_t n = 0;                  // finite values
  double min = 0, max = 0, mean = 0;
  double sigma = 0;               // population σ
  double absmax = 0;              // max |x|
  double absmax_over_sigma = 0;   // max|x|/σ (0 when σ = 0)
  double excess_kurtosis = 0;     // 0 when σ = 0
};
SpreadStats spread_stats(std::span<const float> x, int threads = 0);

// Expected counts of N(mean, σ²) × n in each bin of `spec` (rounded to whole counts, so
// the Gaussian draws as one more histogram layer). Empty counts when σ = 0.
Histogram gaussian_counts(const SpreadStats& s, const HistogramSpec& spec);

// [SECTION] Once per tensor

// r_max for the cached SVD: min(64, min(rows, cols) − 1); 0 when there is no low-rank
// split at all (a single row or column).
int64_t outlier_lab_max_rank(MatrixShape m);

struct OutlierTensorCache {
  MatrixShape m;
  int64_t n_nonfinite = 0;
  std::shared_ptr<const std::vector<float>> column_absmax;   // max|x| per column (finite)
  std::shared_ptr<const std::vector<int64_t>> keep_priority;  // columns by keep priority
  std::shared_ptr<const LowRankFactors> low_rank;            // rank r_max, or null:
  std::string low_rank_note;                                 //   why not (NaN/Inf, one row)
  bool cancelled = false;
};
// The SVD dominates (seconds for 4096 × 4096); `control` sees its progress and can cancel.
OutlierTensorCache outlier_tensor_cache(std::span<const float> x, std::span<const int64_t> shape, int threads = 0,
                                        RunControl* control = nullptr);
// The inputs quantize() takes with the caches attached; act_max empty = no activation maxima.
TransformInputs outlier_transform_inputs(const OutlierTensorCache& c, std::vector<float> act_max);

// [SECTION] One quantization and what the view shows of it

struct OutlierEval {
  std::string spec;       // canonical
  std::string error;      // quantize() refused it on this tensor (then no numbers)
  Metrics metrics;
  std::optional<TransformReport> transform;
  SpreadStats xp;         // x′ (x itself for a scheme without a transform)
  bool detail = false;    // the histograms and levels below were computed
  Histogram hist_xp;      // x′ over its finite range
  Histogram hist_x;       // x over the same bins (how the tensor looked before)
  Histogram hist_gauss;   // N(μ′, σ′²) over the same bins
  std::vector<float> levels;  // the levels of the group with the largest scale, on x′
  int64_t level_group = 0, groups = 0;
  bool cancelled = false;
};

// Evaluations by canonical spec for ONE tensor and ONE set of activation maxima (the
// caller drops the smooth entries when the maxima change, and all of them with the tensor).
using OutlierMemo = std::map<std::string, std::shared_ptr<const OutlierEval>>;

// Every scheme of `schemes` (each validated and fitting the shape: make_layout succeeds),
// from the memo when it holds a good enough entry, else quantized — side by side on
// `threads` threads, one each. The RunControl counts the quantizations (total, done) and
// is checked before each; after a cancel the missing entries are null. `detail`: also the
// histograms (`bins` of them) and levels.
std::vector<std::shared_ptr<const OutlierEval>> evaluate_outlier_schemes(
    std::span<const float> x, std::span<const int64_t> shape, std::span<const Scheme> schemes, bool detail,
    const TransformInputs& in, RunControl* control = nullptr, int threads = 0, OutlierMemo* memo = nullptr,
    int bins = 256);

// [SECTION] The rows

enum class OutlierMethod { None, Clip, Keep, Rotate, RotateSigns, Smooth, LowRank, Hqq };
inline constexpr int kOutlierMethods = 8;
const char* outlier_method_key(OutlierMethod m);  // scripts and dumps: none, clip, keep, rot, rot_signs, smooth, lowrank, hqq
std::optional<OutlierMethod> outlier_method_from_key(std::string_view key);

// The default base: int4 absmax per output channel, `absmax:bits=4,gran=channel,axis=0`.
Scheme outlier_lab_default_base();

struct OutlierLabSettings {
  Scheme base = outlier_lab_default_base();
  int64_t keep = 8;       // k
  int64_t rank = 8;       // r (≤ the cache's r_max for the cached factors to serve)
  double alpha = 0.5;     // α
  uint64_t rot_seed = 0;  // the "rotate with signs" row's rot_seed
  bool operator==(const OutlierLabSettings&) const = default;
};

// A base the lab can add keys to: a generic scheme (not a preset) without a transform.
Result<void> check_outlier_base(const Scheme& base);
// The row's scheme: the base plus clip=mse, keep=k, rot=hadamard[,rot_seed=S], smooth=α
// or lowrank=r; the hqq_4bit preset for Hqq; the base itself for None.
Result<Scheme> outlier_row_scheme(OutlierMethod m, const OutlierLabSettings& s);
std::string outlier_row_label(OutlierMethod m, const OutlierLabSettings& s);  // "keep 8", "smooth α=0.5"

struct OutlierRow {
  OutlierMethod method = OutlierMethod::None;
  std::string label;
  std::string spec;    // empty when the scheme could not be built
  std::string error;   // why this row has no numbers
  std::shared_ptr<const OutlierEval> eval;  // set when error is empty
};
struct OutlierRows {
  std::vector<OutlierRow> rows;  // kOutlierMethods, in OutlierMethod order
  bool cancelled = false;
};
// Precondition: check_outlier_base(s.base). `in` as outlier_transform_inputs() built it
// (smooth without maxima is a row that says so, not a quantization).
OutlierRows outlier_rows(std::span<const float> x, std::span<const int64_t> shape, const OutlierLabSettings& s,
                         const TransformInputs& in, RunControl* control = nullptr, int threads = 0,
                         OutlierMemo* memo = nullptr);

// [SECTION] The curves

struct OutlierCurvePoint {
  double x = 0;  // k, r or α
  std::string spec;
  std::string error;
  std::optional<double> sqnr_db, mse, bits_per_weight;
  double xp_absmax = 0, xp_absmax_over_sigma = 0;
  double act_step = 0;  // smooth: the activations' int8 step after, max a_j/s_j/127
};
struct OutlierCurves {
  std::vector<OutlierCurvePoint> keep, rank, alpha;
  double act_step_before = 0;  // max a_j/127 (0 without maxima)
  bool cancelled = false;
};
// k = 1, 2, 4, … up to min(cols − 1, max(1, cols/4)); r = 1, 2, 4, … and r_max itself;
// α = 0, 0.1, …, 1 (only with activation maxima).
std::vector<int64_t> outlier_keep_values(MatrixShape m);
std::vector<int64_t> outlier_rank_values(int64_t r_max);
std::vector<double> outlier_alpha_values();
OutlierCurves outlier_curves(std::span<const float> x, std::span<const int64_t> shape, const Scheme& base,
                             int64_t r_max, const TransformInputs& in, RunControl* control = nullptr,
                             int threads = 0, OutlierMemo* memo = nullptr);

}  // namespace qs
