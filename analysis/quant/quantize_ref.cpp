// The plain scalar reference quantizer: one readable loop per step, no threads, no SIMD.
// The fast quantize() must produce the same params, codes, x̂, counts and histograms bit
// for bit, and the same error sums within the bound of its float32 partial sums (≤ 16
// terms per lane before float64: 17·2^-24 ≈ 1.02e-6 relative, kernel_sums-inl.h); this
// twin sums every element in float64, in element order.
#include <cmath>
#include <set>

#include "analysis/quant/calibrate.h"
#include "analysis/quant/quantize.h"
#include "analysis/presets/preset.h"

namespace qs {

namespace {

void count(std::optional<Histogram>& h, double v) {
  if (!h) return;
  const int b = histogram_bin(h->spec, v);
  if (b >= 0) ++h->counts[size_t(b)];
}

std::optional<Histogram> empty_histogram(const std::optional<HistogramSpec>& spec) {
  if (!spec) return std::nullopt;
  Histogram h;
  h.spec = sanitize(*spec);
  h.counts.assign(size_t(h.spec.bins), 0);
  return h;
}

// One finite element into the float64 sums and the requested histograms, in element order.
void add_element(QuantizeResult& R, ErrorSums& sums, float v, float xhat, bool clipped) {
  const double xd = v, yd = xhat, err = xd - yd;
  sums.n += 1;
  sums.n_clipped += clipped ? 1 : 0;
  sums.sum_x2 += xd * xd;
  sums.sum_y2 += yd * yd;
  sums.sum_xy += xd * yd;
  sums.sum_err2 += err * err;
  sums.sum_abs_err += std::fabs(err);
  if (std::isnan(err) || std::fabs(err) > sums.max_abs_err) sums.max_abs_err = std::fabs(err);
  count(R.hist_x, xd);
  count(R.hist_dequant, yd);
  count(R.hist_error, err);
}

}  // namespace

GroupParams params_for_group(const Scheme& s, std::span<const float> finite_values) {
  if (finite_values.empty()) return choose_params(s, 0.0f, 0.0f, false);
  if (s.clip.method == ClipMethod::None) {
    float lo = finite_values[0], hi = finite_values[0];
    for (float v : finite_values) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    return choose_params(s, lo, hi, false);
  }
  const ClipRange r = calibrate(finite_values, s);
  return choose_params(s, r.lo, r.hi, true);
}

QuantizeResult quantize_with_preset_ref(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s,
                                    const QuantizeOptions& opt) {
  QuantizeResult R;
  R.scheme = s;
  R.layout = *make_layout(shape, s);
  if (opt.control && opt.control->cancelled()) {
    R.cancelled = true;
    return R;
  }
  R.hist_x = empty_histogram(opt.hist_x);
  R.hist_dequant = empty_histogram(opt.hist_dequant);
  R.hist_error = empty_histogram(opt.hist_error);
  if (opt.keep_codes) R.codes.assign(x.size(), 0);
  if (opt.keep_dequant) R.dequant.assign(x.size(), 0.0f);
  ErrorSums sums;
  // Codes seen: a bitmap for the integer grids (all within [−256, 256)), a set for the
  // rest (MX codes are the element values' bits, a few hundred at most).
  std::vector<uint8_t> seen_small(512, 0);
  std::set<int32_t> seen_other;
  int64_t n_nonfinite = 0;
  // Streamed element by element on one thread: no tensor-sized buffers unless the caller
  // keeps x̂ or codes.
  const PresetRun run{1, opt.control};
  R.groups = visit_preset(s.preset, x, shape, [&](int64_t i, float xhat, int32_t c, bool clipped) {
    if (opt.keep_codes) R.codes[size_t(i)] = c;
    if (opt.keep_dequant) R.dequant[size_t(i)] = xhat;
    const float v = x[size_t(i)];
    if (!std::isfinite(v)) {
      ++n_nonfinite;
      return;
    }
    if (c >= -256 && c < 256) seen_small[size_t(c + 256)] = 1;
    else if (seen_other.size() < 4096) seen_other.insert(c);
    add_element(R, sums, v, xhat, clipped);
  }, run);
  if (opt.control && opt.control->cancelled()) {
    R.cancelled = true;
    return R;
  }
  if (opt.hist_error_from_params) {
    // The error range depends on the params, known only now: bin the errors in a second pass.
    if (auto spec = opt.hist_error_from_params(R.groups)) {
      R.hist_error = empty_histogram(spec);
      visit_preset(s.preset, x, shape, [&](int64_t i, float xhat, int32_t, bool) {
        if (std::isfinite(x[size_t(i)])) count(R.hist_error, double(x[size_t(i)]) - double(xhat));
      }, run);
    }
  }
  int64_t codes_used = int64_t(seen_other.size());
  for (uint8_t b : seen_small) codes_used += b;
  R.metrics = finalize_metrics(sums, R.layout.numel, n_nonfinite, codes_used,
                               bits_per_weight(s, R.layout.numel, R.layout.groups));
  return R;
}

QuantizeResult quantize_ref(std::span<const float> x, std::span<const int64_t> shape,
                            const Scheme& s, const QuantizeOptions& opt) {
  if (s.kind == Kind::Preset) return quantize_with_preset_ref(x, shape, s, opt);
  if (has_transform(s)) return quantize_transformed(x, shape, s, opt, /*ref=*/true);
  QuantizeResult R;
  R.scheme = s;
  R.layout = *make_layout(shape, s);
  const GroupLayout& L = R.layout;

  // 1. Each group's finite values.
  std::vector<std::vector<float>> values(size_t(L.groups));
  int64_t n_nonfinite = 0;
  for (int64_t i = 0; i < int64_t(x.size()); ++i) {
    if (std::isfinite(x[size_t(i)])) {
      values[size_t(L.group_of(i))].push_back(x[size_t(i)]);
    } else {
      ++n_nonfinite;
    }
  }

  // 2. Params per group.
  R.groups.resize(size_t(L.groups));
  for (int64_t g = 0; g < L.groups; ++g) R.groups[size_t(g)] = params_for_group(s, values[size_t(g)]);

  // 3. Every element.
  if (opt.keep_codes) R.codes.assign(x.size(), 0);
  if (opt.keep_dequant) R.dequant.assign(x.size(), 0.0f);
  R.hist_x = empty_histogram(opt.hist_x);
  R.hist_dequant = empty_histogram(opt.hist_dequant);
  R.hist_error = empty_histogram(opt.hist_error);
  if (opt.hist_error_from_params)
    if (auto spec = opt.hist_error_from_params(R.groups)) R.hist_error = empty_histogram(spec);
  ErrorSums sums;
  std::set<int32_t> codes_seen;
  for (int64_t i = 0; i < int64_t(x.size()); ++i) {
    const float v = x[size_t(i)];
    if (!std::isfinite(v)) {
      if (opt.keep_dequant) R.dequant[size_t(i)] = v;
      continue;
    }
    const float u = s.rounding == Rounding::Stochastic ? stochastic_uniform(s.seed, uint64_t(i)) : 0.0f;
    const ElementResult e = quantize_element(s, R.groups[size_t(L.group_of(i))], v, u);
    if (opt.keep_codes) R.codes[size_t(i)] = e.code;
    if (opt.keep_dequant) R.dequant[size_t(i)] = e.xhat;
    codes_seen.insert(e.code);
    add_element(R, sums, v, e.xhat, e.clipped);
  }
  R.metrics = finalize_metrics(sums, L.numel, n_nonfinite, int64_t(codes_seen.size()),
                               bits_per_weight(s, L.numel, L.groups));
  return R;
}

}  // namespace qs
