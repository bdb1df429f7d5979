#include "analysis/quant/metrics.h"

#include "analysis/presets/preset.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

namespace qs {

void ErrorSums::merge(const ErrorSums& o) {
  n += o.n;
  n_clipped += o.n_clipped;
  sum_x2 += o.sum_x2;
  sum_y2 += o.sum_y2;
  sum_xy += o.sum_xy;
  sum_err2 += o.sum_err2;
  sum_abs_err += o.sum_abs_err;
  // NaN-propagating max: a NaN error (e.g. a non-saturating cast) must not vanish.
  if (std::isnan(o.max_abs_err) || o.max_abs_err > max_abs_err) max_abs_err = o.max_abs_err;
}

Metrics finalize_metrics(const ErrorSums& s, int64_t numel, int64_t n_nonfinite,
                         int64_t codes_used, std::optional<double> bpw) {
  Metrics m;
  m.numel = numel;
  m.n = s.n;
  m.n_nonfinite = n_nonfinite;
  m.codes_used = codes_used;
  m.bits_per_weight = bpw;
  m.sums = s;
  if (s.n == 0) return m;  // empty (or all non-finite): metrics are null
  const double n = double(s.n);
  m.mse = s.sum_err2 / n;
  m.rmse = std::sqrt(*m.mse);
  m.mean_abs_error = s.sum_abs_err / n;
  m.max_abs_error = s.max_abs_err;
  m.clipped_fraction = double(s.n_clipped) / n;
  if (s.sum_x2 > 0) {
    m.sqnr_db = s.sum_err2 == 0 ? INFINITY : 10.0 * std::log10(s.sum_x2 / s.sum_err2);
  }
  if (s.sum_x2 > 0 && s.sum_y2 > 0) {
    m.cosine = s.sum_xy / (std::sqrt(s.sum_x2) * std::sqrt(s.sum_y2));
  }
  return m;
}

std::optional<double> bits_per_weight(const Scheme& s, int64_t numel, int64_t groups) {
  if (numel <= 0) return std::nullopt;
  if (s.kind == Kind::Preset) return preset_bits_per_weight(s.preset, numel, groups);
  const double n = double(numel);
  const double per_group = has_scale(s) ? double(scale_bits(s) + zero_point_bits(s)) : 0.0;
  return (double(s.bits) * n + double(groups) * per_group) / n;
}

nlohmann::json number_to_json(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

static nlohmann::json opt_json(const std::optional<double>& v) {
  return v ? number_to_json(*v) : nlohmann::json(nullptr);
}

nlohmann::json metrics_to_json(const Metrics& m) {
  nlohmann::json j;
  j["numel"] = m.numel;
  j["n"] = m.n;
  j["n_nonfinite"] = m.n_nonfinite;
  j["mse"] = opt_json(m.mse);
  j["rmse"] = opt_json(m.rmse);
  j["mean_abs_error"] = opt_json(m.mean_abs_error);
  j["max_abs_error"] = opt_json(m.max_abs_error);
  j["sqnr_db"] = opt_json(m.sqnr_db);
  j["cosine"] = opt_json(m.cosine);
  j["clipped_fraction"] = opt_json(m.clipped_fraction);
  j["codes_used"] = m.codes_used;
  j["bits_per_weight"] = opt_json(m.bits_per_weight);
  return j;
}

Histogram make_histogram(std::span<const float> x, const HistogramSpec& spec) {
  Histogram h;
  h.spec = spec;
  h.counts.assign(size_t(std::max(spec.bins, 1)), 0);
  for (float v : x) {
    const int b = histogram_bin(spec, double(v));
    if (b >= 0) ++h.counts[size_t(b)];
  }
  return h;
}

Histogram log2_abs_histogram(std::span<const float> x, int bins) {
  Histogram h;
  float amin = INFINITY, amax = 0;
  for (float v : x) {
    const float a = std::fabs(v);
    if (!std::isfinite(a) || a == 0) continue;
    amin = std::min(amin, a);
    amax = std::max(amax, a);
  }
  if (!(amax > 0) || bins < 1) return h;
  const double hi = std::log2(double(amax)), lo = std::max(std::log2(double(amin)), hi - 24.0);
  h.spec = HistogramSpec{lo, hi > lo ? hi : lo + 1.0, bins};
  h.counts.assign(size_t(bins), 0);
  for (float v : x) {
    const float a = std::fabs(v);
    if (!std::isfinite(a) || a == 0) continue;
    const int b = histogram_bin(h.spec, std::log2(double(a)));
    if (b >= 0) ++h.counts[size_t(b)];
  }
  return h;
}

}  // namespace qs
