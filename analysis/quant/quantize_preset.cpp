// quantize() of a preset scheme (Kind::Preset): the toolchain's rule (analysis/presets)
// on opt.threads threads, then the metrics, histograms and codes used per fixed item of
// the rule (a run of whole groups or rows), computed on the thread that ran the item: the
// error sums per item (the SIMD sums of kernel_sums-inl.h), merged in item order; the
// histograms and code marks per thread (integer counts: order-free). So every result is
// the same at any thread count. Its twin, quantize_with_preset_ref (quantize_ref.cpp),
// streams the elements in order through float64 sums.
#include <algorithm>
#include <cmath>
#include <set>

#include "analysis/base/parallel.h"
#include "analysis/presets/preset.h"
#include "analysis/quant/quantize.h"
#include "analysis/quant/quantize_kernels.h"
#include "analysis/quant/quantize_passes.h"

namespace qs {

namespace {

// One thread's order-free state: codes seen (a bitmap for [−256, 256), where every
// preset's codes lie, a capped set beyond), histogram counts, bin scratch.
struct PresetWorker {
  std::vector<uint8_t> seen = std::vector<uint8_t>(512, 0);
  std::set<int32_t> other;
  std::vector<uint64_t> hx, hd, he;
  std::vector<int32_t> bins;
  void mark(int32_t c) {
    if (uint32_t(c + 256) < 512u) seen[size_t(c + 256)] = 1;
    else if (other.size() < 4096) other.insert(c);
  }
  void count(const HistogramSpec& spec, std::vector<uint64_t>& h, const float* v, const float* b, int64_t len) {
    if (h.empty()) h.assign(size_t(spec.bins), 0);
    bins.resize(size_t(len));
    kernels::bin_indices(v, b, len, spec, bins.data());
    for (int64_t k = 0; k < len; ++k)
      if (bins[size_t(k)] >= 0) ++h[size_t(bins[size_t(k)])];
  }
};

std::optional<Histogram> merged(const std::optional<HistogramSpec>& spec, const std::vector<PresetWorker>& ws,
                                std::vector<uint64_t> PresetWorker::*member) {
  if (!spec) return std::nullopt;
  Histogram h;
  h.spec = *spec;
  h.counts.assign(size_t(spec->bins), 0);
  for (const PresetWorker& w : ws) {
    const auto& c = w.*member;
    for (size_t b = 0; b < c.size(); ++b) h.counts[b] += c[b];
  }
  return h;
}

}  // namespace

QuantizeResult quantize_with_preset(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s,
                                    const QuantizeOptions& opt) {
  QuantizeResult R;
  R.scheme = s;
  R.layout = *make_layout(shape, s);
  RunControl* ctl = opt.control;
  if (ctl && ctl->cancelled()) {
    R.cancelled = true;
    return R;
  }
  std::optional<HistogramSpec> hx, hd, he;
  if (opt.hist_x) hx = sanitize(*opt.hist_x);
  if (opt.hist_dequant) hd = sanitize(*opt.hist_dequant);
  if (opt.hist_error) he = sanitize(*opt.hist_error);
  if (opt.keep_codes) R.codes.assign(x.size(), 0);
  if (opt.keep_dequant) R.dequant.assign(x.size(), 0.0f);
  const int threads = resolve_threads(opt.threads);
  const PresetRun run{threads, ctl};
  std::vector<ErrorSums> item_sums(static_cast<size_t>(preset_item_count(s.preset, shape)));
  std::vector<PresetWorker> workers(static_cast<size_t>(threads));
  R.groups = visit_preset_items(
      s.preset, x, shape,
      [&](int64_t item, int64_t first, int64_t len, const float* xh, const int32_t* c, const uint8_t* cl, int w) {
        if (opt.keep_codes) std::copy(c, c + len, R.codes.begin() + first);
        if (opt.keep_dequant) std::copy(xh, xh + len, R.dequant.begin() + first);
        const float* xi = x.data() + first;
        ErrorSums& sums = item_sums[size_t(item)];
        kernels::error_sums(xi, xh, cl, len, &sums);
        PresetWorker& wk = workers[size_t(w)];
        if (sums.n == len) {
          for (int64_t k = 0; k < len; ++k) wk.mark(c[k]);
        } else {
          for (int64_t k = 0; k < len; ++k)
            if (std::isfinite(xi[k])) wk.mark(c[k]);
        }
        if (hx) wk.count(*hx, wk.hx, xi, nullptr, len);
        if (hd) wk.count(*hd, wk.hd, xh, nullptr, len);  // x̂ = x (outside) where x is not finite
        if (he) wk.count(*he, wk.he, xi, xh, len);
      },
      run);
  if (ctl && ctl->cancelled()) {
    R.cancelled = true;
    return R;
  }
  if (opt.hist_error_from_params) {
    // The error range depends on the params, known only now: bin the errors in a second pass.
    if (auto spec = opt.hist_error_from_params(R.groups)) {
      he = sanitize(*spec);
      for (PresetWorker& w : workers) w.he.clear();
      visit_preset_items(
          s.preset, x, shape,
          [&](int64_t, int64_t first, int64_t len, const float* xh, const int32_t*, const uint8_t*, int w) {
            workers[size_t(w)].count(*he, workers[size_t(w)].he, x.data() + first, xh, len);
          },
          run);
      if (ctl && ctl->cancelled()) {
        R.cancelled = true;
        return R;
      }
    }
  }
  ErrorSums sums;
  for (const ErrorSums& e : item_sums) sums.merge(e);
  std::vector<uint8_t> seen(512, 0);
  std::set<int32_t> other;
  for (const PresetWorker& w : workers) {
    for (size_t k = 0; k < seen.size(); ++k) seen[k] |= w.seen[k];
    other.insert(w.other.begin(), w.other.end());
  }
  int64_t codes_used = std::min<int64_t>(int64_t(other.size()), 4096);
  for (uint8_t b : seen) codes_used += b;
  R.hist_x = merged(hx, workers, &PresetWorker::hx);
  R.hist_dequant = merged(hd, workers, &PresetWorker::hd);
  R.hist_error = merged(he, workers, &PresetWorker::he);
  R.metrics = finalize_metrics(sums, R.layout.numel, R.layout.numel - sums.n, codes_used,
                               bits_per_weight(s, R.layout.numel, R.layout.groups));
  return R;
}

}  // namespace qs
