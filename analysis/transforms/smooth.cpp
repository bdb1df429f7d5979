// SmoothQuant's per-column migration (smooth.h), in float32 as smooth.py computes it.
// The per-element passes are Highway kernels (the scalar loops do not vectorize with their
// pass-through blend, and x̂′/s in float64 wants the widest divider the CPU has).
#include "analysis/transforms/smooth.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "analysis/transforms/smooth.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace qs::transforms {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One row: out[j] = x[j]·s[j] (forward) or float32(double(x[j]) / double(s[j])) (inverse)
// where x[j] is finite, x[j] itself otherwise. Lanes are whole float64 vectors' worth of
// floats, so the inverse promotes, divides and demotes without shuffles.
void SmoothRow(const float* x, const float* s, float* out, int64_t n, bool forward) {
  const hn::ScalableTag<double> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const int64_t N = int64_t(hn::Lanes(dd));
  const auto max_finite = hn::Set(df, std::numeric_limits<float>::max());
  int64_t j = 0;
  for (; j + N <= n; j += N) {
    const auto v = hn::LoadU(df, x + j), sv = hn::LoadU(df, s + j);
    const auto y = forward ? hn::Mul(v, sv)
                           : hn::DemoteTo(df, hn::Div(hn::PromoteTo(dd, v), hn::PromoteTo(dd, sv)));
    hn::StoreU(hn::IfThenElse(hn::Le(hn::Abs(v), max_finite), y, v), df, out + j);
  }
  for (; j < n; ++j) {
    const float v = x[j];
    out[j] = !(std::fabs(v) <= std::numeric_limits<float>::max()) ? v
             : forward                                            ? v * s[j]
                                                                  : float(double(v) / double(s[j]));
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace qs::transforms
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "analysis/base/parallel.h"

namespace qs {
namespace transforms {
HWY_EXPORT(SmoothRow);
}  // namespace transforms

namespace {

constexpr float kFloatMax = std::numeric_limits<float>::max();

// Row tiles of about 64K elements (at least one row): fixed by the shape alone.
int64_t rows_per_item(int64_t cols) {
  return std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(cols, 1));
}

// acc[j] = max(acc[j], |x[r, j]|) over rows [r0, r1), finite values only. |NaN| and |±Inf|
// fail `a <= FLT_MAX`, so one compare screens them (and the loop vectorizes as a blend).
void absmax_rows(const float* x, int64_t r0, int64_t r1, int64_t cols, float* acc) {
  for (int64_t r = r0; r < r1; ++r) {
    const float* row = x + r * cols;
    for (int64_t j = 0; j < cols; ++j) {
      const float a = std::fabs(row[j]);
      acc[j] = (a <= kFloatMax && a > acc[j]) ? a : acc[j];
    }
  }
}

}  // namespace

std::vector<float> column_absmax(std::span<const float> x, MatrixShape m, int threads) {
  std::vector<float> out(size_t(std::max<int64_t>(m.cols, 0)), 0.0f);
  if (m.numel() == 0) return out;
  const int64_t tile = rows_per_item(m.cols);
  const int64_t items = chunk_count(m.rows, tile);
  // Per-worker maxima, merged afterwards: max is exact and |x| is never −0, so the
  // result is the same whichever worker saw which row.
  std::vector<std::vector<float>> part(size_t(resolve_threads(threads)));
  parallel_for(items, threads, [&](int64_t item, int worker) {
    std::vector<float>& acc = part[size_t(worker)];
    if (acc.empty()) acc.assign(size_t(m.cols), 0.0f);
    const int64_t r0 = item * tile;
    absmax_rows(x.data(), r0, std::min(m.rows, r0 + tile), m.cols, acc.data());
  });
  for (const std::vector<float>& acc : part)
    if (!acc.empty())
      for (size_t j = 0; j < out.size(); ++j) out[j] = std::max(out[j], acc[j]);
  return out;
}

std::vector<float> column_absmax_ref(std::span<const float> x, MatrixShape m) {
  std::vector<float> out(size_t(std::max<int64_t>(m.cols, 0)), 0.0f);
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t j = 0; j < m.cols; ++j) {
      const float v = x[size_t(r * m.cols + j)];
      if (std::isfinite(v)) out[size_t(j)] = std::max(out[size_t(j)], std::fabs(v));
    }
  return out;
}

Result<std::vector<float>> activation_maxima_for(std::span<const float> act,
                                                 std::span<const int64_t> shape) {
  const MatrixShape m = matrix_view(shape);
  const int64_t n = int64_t(act.size());
  // A conv weight (PyTorch OIHW): cols = in·kh·kw, each input channel's taps consecutive.
  // The length must be the input-channel count shape[1], not merely a divisor of cols: a
  // vector of kh·kw or in·kh maxima would otherwise be repeated into nonsense.
  const bool conv = shape.size() >= 3 && n > 0 && n == shape[1] && n != m.cols && m.cols % n == 0;
  const auto needed = [&] {
    std::string s =
        "smooth needs activation maxima of length " + std::to_string(m.cols) + " (one per column";
    if (shape.size() >= 3 && shape[1] > 0 && m.cols % shape[1] == 0)
      s += ", or " + std::to_string(shape[1]) + ", one per input channel of this conv weight";
    return s + ")";
  };
  if (n != m.cols && !conv) return make_error(needed() + "; got " + std::to_string(n) + " values");
  for (int64_t i = 0; i < n; ++i) {
    const float a = act[size_t(i)];
    if (!std::isfinite(a) || a < 0.0f)
      return make_error(
          "smooth: activation maxima must be finite and >= 0 (value " + std::to_string(i) + " is " +
          (std::isnan(a) ? std::string("nan") : std::to_string(a)) + "); " + needed());
  }
  if (!conv) return std::vector<float>(act.begin(), act.end());
  const int64_t taps = m.cols / n;
  std::vector<float> out(size_t(m.cols));
  for (int64_t c = 0; c < n; ++c) std::fill_n(out.begin() + c * taps, taps, act[size_t(c)]);
  return out;
}

SmoothScales smooth_scales(std::span<const float> col_absmax, std::span<const float> a,
                           double alpha) {
  SmoothScales r;
  r.s.resize(a.size());
  // smooth.py: act.pow(alpha) / weight.pow(1 - alpha) on float32 tensors with Python
  // floats as exponents, so each exponent is rounded to float32 from its double value.
  // PyTorch's pow with a scalar exponent of 0.5 is sqrt (pow_tensor_scalar special-cases
  // it), which differs from powf(x, 0.5f) by an ulp for ~0.06 % of floats: at the default
  // α = 0.5 both exponents are 0.5, and sqrtf gives smooth.py's bits.
  const float e_act = float(alpha), e_w = float(1.0 - alpha);
  auto torch_pow = [](float x, float e) { return e == 0.5f ? std::sqrt(x) : ::powf(x, e); };
  for (size_t j = 0; j < a.size(); ++j) {
    const float w = std::max(col_absmax[j], 1e-5f);
    const float s = std::max(torch_pow(a[j], e_act) / torch_pow(w, e_w), 1e-5f);
    r.s[j] = s;
    const double before = a[j], after = double(a[j]) / double(s);
    r.act_absmax_before = j == 0 ? before : std::max(r.act_absmax_before, before);
    r.act_absmax_after = j == 0 ? after : std::max(r.act_absmax_after, after);
    r.scale_min = j == 0 ? s : std::min(r.scale_min, double(s));
    r.scale_max = j == 0 ? s : std::max(r.scale_max, double(s));
  }
  return r;
}

namespace {

// out[r, ·] = the row kernel over fixed row tiles.
void per_column(std::span<const float> in, MatrixShape m, std::span<const float> s,
                std::span<float> out, int threads, bool forward) {
  if (m.numel() == 0) return;
  const int64_t tile = rows_per_item(m.cols);
  const auto row = HWY_DYNAMIC_DISPATCH(transforms::SmoothRow);
  parallel_for(chunk_count(m.rows, tile), threads, [&](int64_t item, int) {
    const int64_t r0 = item * tile, r1 = std::min(m.rows, r0 + tile);
    for (int64_t r = r0; r < r1; ++r)
      row(in.data() + r * m.cols, s.data(), out.data() + r * m.cols, m.cols, forward);
  });
}

}  // namespace

// The float32 product is the exact product rounded once, as x·s in float64 then cast.
void smooth_forward(std::span<const float> x, MatrixShape m, std::span<const float> s,
                    std::span<float> out, int threads) {
  per_column(x, m, s, out, threads, true);
}

void smooth_inverse(std::span<const float> xq, MatrixShape m, std::span<const float> s,
                    std::span<float> out, int threads) {
  per_column(xq, m, s, out, threads, false);
}

}  // namespace qs
#endif  // HWY_ONCE
