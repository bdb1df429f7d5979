// The explore job (see explore_job.h): the per-tensor cache, the sorted-values builder
// thread, the preview of per-group schemes on huge tensors, and one request's work.
#include "app/gui/jobs/explore_job.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "analysis/numeric/tensor_decode.h"
#include "analysis/quant/calibrate.h"
#include "analysis/quant/quantize_sorted.h"

namespace qs::app {

Scheme ranges_scheme(const Scheme& s) {
  if (s.kind == Kind::Preset || s.granularity != Granularity::Tensor) return s;  // a preset keeps its groups
  Scheme r = s;
  r.granularity = Granularity::Channel;
  r.axis = 0;
  return r;
}

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// What a per-tensor calibration depends on: percentile and σ only on the method, its
// parameter and whether the range is symmetric (absmax-like); mse and kl on the whole
// scheme.
std::string clip_key(const Scheme& s) {
  const bool symmetric = s.kind != Kind::Minmax;
  char buf[64];
  switch (s.clip.method) {
    case ClipMethod::Percentile: std::snprintf(buf, sizeof buf, "p%.17g|%d", s.clip.p, int(symmetric)); return buf;
    case ClipMethod::Sigma: std::snprintf(buf, sizeof buf, "k%.17g|%d", s.clip.k, int(symmetric)); return buf;
    default: return print_spec(s);
  }
}

// One build of the sorted-values cache on its own thread. The thread keeps what it
// reads alive (the model's mapping, the decoded floats) and hands its result over
// through `result`; `cancel` stops it between radix passes when the tensor changes.
struct SortedBuild {
  std::thread thread;
  std::shared_ptr<RunControl> control = std::make_shared<RunControl>();
  std::shared_ptr<std::atomic<bool>> finished = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::mutex> m = std::make_shared<std::mutex>();
  std::shared_ptr<std::shared_ptr<const SortedValues>> result =
      std::make_shared<std::shared_ptr<const SortedValues>>();
};

// The groups' axis for a preview: whole groups are every stride-th index along it.
// -1 when no preview applies (one group, or too few indices along the axis).
int preview_axis(const Scheme& s, std::span<const int64_t> shape) {
  // A transform acts on the whole matrix (its columns' maxima, its SVD): a subset of
  // rows would be another transform, not a preview of this one.
  if (shape.empty() || has_transform(s)) return -1;
  int axis = -1;
  if (s.kind == Kind::Preset || s.granularity == Granularity::Block) {
    if (shape.size() >= 2) axis = 0;  // row-wise groups: rows are whole groups
  } else if (s.granularity == Granularity::Channel) {
    axis = s.axis < 0 ? int(shape.size()) + s.axis : s.axis;
  }
  if (axis < 0 || axis >= int(shape.size()) || shape[size_t(axis)] < 2 * kPreviewStride) return -1;
  return axis;
}

// Every stride-th index along `axis` (a strided copy; 1/stride of the tensor).
std::vector<float> subset_along(std::span<const float> x, std::span<const int64_t> shape, int axis, int stride,
                                std::vector<int64_t>& sub_shape) {
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= shape[size_t(d)];
  for (size_t d = size_t(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  const int64_t dim = shape[size_t(axis)], kept = (dim + stride - 1) / stride;
  sub_shape.assign(shape.begin(), shape.end());
  sub_shape[size_t(axis)] = kept;
  std::vector<float> out(static_cast<size_t>(outer * kept * inner));
  float* dst = out.data();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t d = 0; d < dim; d += stride, dst += inner)
      std::copy_n(x.data() + (o * dim + d) * inner, inner, dst);
  return out;
}

void scale_counts(Histogram& h, int k) {
  for (uint64_t& c : h.counts) c *= uint64_t(k);
}

}  // namespace

// The worker's per-tensor cache: the decoded floats and statistics of the last tensor,
// and everything already computed on it. Only the worker thread touches it.
struct ExploreWorker::Cache {
  std::shared_ptr<const Model> model;
  int tensor = -1;
  std::string whatif;                            // the what-if edit applied ("" = the file's data)
  std::shared_ptr<const std::vector<float>> storage;  // decoded or edited floats (null: x is the mapped file)
  std::span<const float> x;
  TensorStats stats;
  std::map<std::string, Metrics> metrics;        // by canonical spec
  std::map<std::string, std::string> errors;     // by canonical spec: a transform that cannot run here
  std::optional<Histogram> hist_x;               // x's histogram for the last view (scheme-free)
  std::map<std::string, Histogram> error_hists;  // by spec + range + bins (Compare view)
  std::map<std::string, std::shared_ptr<const GroupStats>> ranges;  // by spec (Ranges view)
  // The Heatmap view's x̂ (and params) for one scheme: 4 bytes per element, kept for the
  // last scheme only.
  std::string heat_spec;
  QuantizeResult heat_q;
  std::shared_ptr<const Histogram> log_abs_hist;  // log2|x|, 256 bins (Formats view)
  // Per-tensor calibrated clip ranges, by what they depend on (clip_key): changing the
  // bits under a percentile clip does not recompute the percentile.
  std::map<std::string, ClipRange> clip_ranges;
  std::vector<float> finite;  // x's finite values when x has non-finite ones (calibration)
  // The sorted-values cache, once its build has finished (shared with nothing else).
  std::shared_ptr<const SortedValues> sorted;
  // Transforms' per-tensor inputs: the column maxima and keep order once per tensor, the
  // low-rank factors at the largest rank asked so far, the activation maxima in use. A
  // slider over k, r or α, a sweep or the compare list then redo only the quantization.
  TransformInputs transform_in;
  std::shared_ptr<const std::vector<float>> act_max;  // what the cached metrics were computed with

  // The preview subset: every kPreviewStride-th index along `subset_axis`.
  int subset_axis = -1;
  std::vector<float> subset;
  std::vector<int64_t> subset_shape;

  // Builds started for earlier tensors and not yet joined, and the current one.
  std::vector<SortedBuild> retired;
  std::optional<SortedBuild> build;

  std::span<const float> finite_values() {
    if (stats.n_nonfinite == 0) return x;  // calibrate x itself: no copy
    if (finite.empty()) {
      finite.reserve(size_t(stats.n_finite));
      for (float v : x)
        if (std::isfinite(v)) finite.push_back(v);
    }
    return finite;
  }
  // Results for this tensor, as quantize() would give them: from the sorted cache when
  // it applies, else by the kernels.
  QuantizeResult quantize_fast(std::span<const int64_t> shape, const Scheme& s, QuantizeOptions o) {
    o.tensor_clip = tensor_clip(s);
    o.transform = transform_inputs(s, shape, o.control);
    return quantize_maybe_sorted(sorted.get(), x, shape, s, o);
  }
  // The inputs a scheme's transform needs, computed on first use (nullptr without one).
  const TransformInputs* transform_inputs(const Scheme& s, std::span<const int64_t> shape, RunControl* ctl) {
    if (!has_transform(s)) return nullptr;
    if (stats.n_nonfinite == 0 || s.transform.kind != TransformKind::LowRank)
      prepare_transform_inputs(x, shape, s, transform_in, 0, ctl);
    return &transform_in;
  }
  // Metrics of smooth schemes depend on the activation maxima: a new choice drops them.
  void use_act_max(std::shared_ptr<const std::vector<float>> a) {
    if (a == act_max) return;
    act_max = std::move(a);
    transform_in.act_max = act_max ? *act_max : std::vector<float>{};
    metrics.clear();
    errors.clear();
    error_hists.clear();
    heat_spec.clear();
  }
  // A per-tensor data-driven clip range, calibrated once per what it depends on.
  std::optional<ClipRange> tensor_clip(const Scheme& s) {
    if (s.granularity != Granularity::Tensor || stats.n_finite == 0 || !clip_needs_data(s.clip.method))
      return std::nullopt;
    return clip_range(s);
  }
  // x's histogram for this view, if it is cached.
  bool has_hist_x(const ExploreRequest& r) const {
    return hist_x && hist_x->spec.lo == r.view_lo && hist_x->spec.hi == r.view_hi && hist_x->spec.bins == r.bins;
  }
  ClipRange clip_range(const Scheme& s) {
    const std::string key = clip_key(s);
    auto it = clip_ranges.find(key);
    if (it == clip_ranges.end()) it = clip_ranges.emplace(key, calibrate(finite_values(), s)).first;
    return it->second;
  }
  void reap_builds() {
    for (size_t i = 0; i < retired.size();) {
      if (retired[i].finished->load()) {
        retired[i].thread.join();
        retired.erase(retired.begin() + std::ptrdiff_t(i));
      } else {
        ++i;
      }
    }
  }
  void retire_build() {
    if (!build) return;
    build->control->cancel = true;
    retired.push_back(std::move(*build));
    build.reset();
  }
};

ExploreWorker::ExploreWorker() : cache_(std::make_unique<Cache>()), status_(std::make_shared<SortedCacheStatus>()) {}

ExploreWorker::~ExploreWorker() {
  cache_->retire_build();
  for (SortedBuild& b : cache_->retired) b.thread.join();
}

ExploreJobResult ExploreWorker::run(const ExploreJobRequest& r, RunControl& ctl, const PreviewFn& preview) {
  Cache& cache = *cache_;
  cache.reap_builds();
  ExploreJobResult out;
  out.tensor = r.tensor;
  if (!r.model || r.tensor < 0 || r.tensor >= int(r.model->tensors.size())) {
    out.cancelled = true;
    return out;
  }
  const TensorView& t = r.model->tensors[size_t(r.tensor)];
  const std::string whatif_key = r.whatif ? r.whatif->describe() : "";
  if (cache.model != r.model || cache.tensor != r.tensor || cache.whatif != whatif_key) {
    cache.retire_build();
    std::vector<SortedBuild> retired = std::move(cache.retired);
    cache = Cache{};
    cache.retired = std::move(retired);
    auto storage = std::make_shared<std::vector<float>>();
    cache.x = to_float(t, *storage);
    if (!storage->empty()) r.model->release_pages(t);  // decoded: the file's pages are not needed
    if (r.whatif) {
      // A scratch copy: the mapped file (and the decoded floats) stay as they are.
      auto edited = apply_what_if(cache.x, t.shape, *r.whatif);
      if (edited) {
        *storage = std::move(*edited);
        cache.x = *storage;
      } else {
        out.whatif_error = edited.error().message;
      }
    }
    cache.storage = std::move(storage);
    cache.whatif = whatif_key;
    cache.stats = compute_stats(cache.x);
    cache.model = r.model;
    cache.tensor = r.tensor;
    // The sorted-values cache, on its own thread: edits are answered by the kernels
    // until it is ready.
    const uint64_t build_id = status_->build.load() + 1;
    status_->ready = false;
    status_->build = build_id;
    status_->tensor = r.tensor;
    status_->build_ms = 0;
    auto shared = std::make_shared<SharedTensor>();
    shared->model = r.model;
    shared->tensor = r.tensor;
    shared->build = build_id;
    shared->edited = r.whatif.has_value();
    shared->storage = cache.storage;
    shared->x = cache.x;
    shared_->set(std::move(shared));
    SortedBuild b;
    // `model` and `storage` keep the bytes behind x alive while the thread reads them.
    b.thread = std::thread([model = r.model, storage = cache.storage, x = cache.x, control = b.control,
                            finished = b.finished, m = b.m, result = b.result, status = status_,
                            slot = shared_, build_id] {
      // Someone arrowing through the model browser selects a tensor every few frames:
      // wait a moment before sorting, so a tensor left at once costs nothing.
      for (int i = 0; i < 15 && !control->cancelled(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      const auto t0 = Clock::now();
      SortedValues sv = control->cancelled() ? SortedValues{} : build_sorted_values(x, 0, control.get());
      if (!sv.cancelled && !control->cancelled()) {
        const double ms = ms_since(t0);
        const int64_t bytes = int64_t(sv.bytes());
        auto ready = std::make_shared<const SortedValues>(std::move(sv));
        {
          std::lock_guard lock(*m);
          *result = ready;
        }
        slot->attach_sorted(build_id, ready);
        if (status->build.load() == build_id) {  // still the current build
          status->build_ms = ms;
          status->bytes = bytes;
          status->ready = true;
        }
      }
      *finished = true;
    });
    cache.build = std::move(b);
  }
  if (!cache.sorted && cache.build) {
    std::lock_guard lock(*cache.build->m);
    cache.sorted = *cache.build->result;
  }
  out.stats = cache.stats;
  double lo = cache.stats.min, hi = cache.stats.max;
  if (cache.stats.n_finite == 0) lo = -1, hi = 1;
  const double pad = (hi - lo) * 0.03;
  lo -= pad > 0 ? pad : 1.0;
  hi += pad > 0 ? pad : 1.0;
  out.data_lo = lo;
  out.data_hi = hi;
  ExploreRequest req = r.req;
  if (r.reset_view) {
    req.view_lo = lo;
    req.view_hi = hi;
    out.view_reset = true;
  }
  if (cache.stats.n_finite > 0)
    req.known_range = ExploreRequest::KnownRange{cache.stats.min, cache.stats.max, cache.stats.n_finite};
  req.tensor_clip = cache.tensor_clip(req.scheme);
  cache.use_act_max(r.act_max);
  req.transform = cache.transform_inputs(req.scheme, t.shape, &ctl);
  if (ctl.cancelled()) {
    out.cancelled = true;
    return out;
  }
  // x's histogram depends on the view, not the scheme: a clip drag reuses it (and with the
  // sorted cache it costs O(bins · log N)).
  if (!cache.has_hist_x(req) && cache.sorted)
    cache.hist_x = sorted_histogram(*cache.sorted, HistogramSpec{req.view_lo, req.view_hi, std::max(1, req.bins)});
  const bool hist_x_cached = cache.has_hist_x(req);
  req.hist_x = !hist_x_cached;

  // A per-group scheme on a huge tensor: answer on every kPreviewStride-th group first.
  const bool sorted_answers = cache.sorted && sorted_path_applies(req.scheme);
  const int axis = sorted_answers || t.numel() <= preview_numel_ ? -1 : preview_axis(req.scheme, t.shape);
  if (axis >= 0 && preview) {
    const auto t0 = Clock::now();
    if (cache.subset_axis != axis) {
      cache.subset = subset_along(cache.x, t.shape, axis, kPreviewStride, cache.subset_shape);
      cache.subset_axis = axis;
    }
    ExploreRequest sub = req;
    sub.hist_x = !hist_x_cached;
    sub.known_range.reset();
    ExploreJobResult p = out;
    p.main = explore(cache.subset, cache.subset_shape, sub, &ctl);
    if (ctl.cancelled()) {
      out.cancelled = true;
      return out;
    }
    if (hist_x_cached) p.main.hist_x = *cache.hist_x;
    else scale_counts(p.main.hist_x, kPreviewStride);
    scale_counts(p.main.hist_dequant, kPreviewStride);
    scale_counts(p.main.hist_error, kPreviewStride);
    p.preview_stride = kPreviewStride;
    // The shown group by its index in the whole tensor (the subset keeps every stride-th
    // row, or channel), so the group slider does not jump when the exact result comes.
    if (p.main.q.layout.granularity == Granularity::Block || req.scheme.kind == Kind::Preset) {
      const int64_t per_row = std::max<int64_t>(1, int64_t(p.main.q.groups.size()) / cache.subset_shape[0]);
      const int64_t g = p.main.group.index;
      p.main.group.index = (g / per_row) * kPreviewStride * per_row + g % per_row;
    } else if (p.main.q.layout.granularity == Granularity::Channel) {
      p.main.group.index *= kPreviewStride;
    }
    preview(std::move(p), ms_since(t0));
  }

  out.main = explore(cache.x, t.shape, req, &ctl, cache.sorted.get());
  if (out.main.q.cancelled || ctl.cancelled()) {
    out.cancelled = true;
    return out;
  }
  if (hist_x_cached) out.main.hist_x = *cache.hist_x;
  else cache.hist_x = out.main.hist_x;
  cache.metrics[print_spec(req.scheme)] = out.main.q.metrics;
  for (const Scheme& s : r.compare) {
    if (ctl.cancelled()) {
      out.cancelled = true;
      return out;
    }
    const std::string key = print_spec(s);
    auto it = cache.metrics.find(key);
    if (it == cache.metrics.end()) {
      QuantizeOptions o;
      o.control = &ctl;
      const QuantizeResult q = cache.quantize_fast(t.shape, s, o);
      if (q.cancelled) {
        out.cancelled = true;
        return out;
      }
      if (!q.error.empty()) cache.errors[key] = q.error;
      it = cache.metrics.emplace(key, q.metrics).first;
    }
    const auto err = cache.errors.find(key);
    out.compare_errors.push_back(err == cache.errors.end() ? "" : err->second);
    out.compare.push_back(err == cache.errors.end() ? std::optional<Metrics>(it->second) : std::nullopt);
  }
  if (r.ranges) {
    const Scheme rs = ranges_scheme(req.scheme);
    const std::string key = print_spec(rs);
    auto it = cache.ranges.find(key);
    if (it == cache.ranges.end()) {
      if (!make_layout(t.shape, rs)) {
        out.cancelled = true;  // nothing to show for this shape (e.g. a scalar)
        return out;
      }
      GroupStats gs = group_stats(cache.x, t.shape, rs, 0, &ctl);
      if (gs.cancelled) {
        out.cancelled = true;
        return out;
      }
      it = cache.ranges.emplace(key, std::make_shared<const GroupStats>(std::move(gs))).first;
    }
    out.ranges = it->second;
  }
  if (r.log_abs_hist) {
    if (!cache.log_abs_hist) cache.log_abs_hist = std::make_shared<const Histogram>(log2_abs_histogram(cache.x, 256));
    out.log_abs_hist = cache.log_abs_hist;
  }
  if (r.heatmap) {
    const HeatQuantity hq = r.heatmap->quantity;
    const bool needs_q = hq != HeatQuantity::AbsX;
    const std::string key = print_spec(req.scheme);
    if (needs_q && cache.heat_spec != key) {
      QuantizeOptions o;
      o.keep_dequant = true;
      o.control = &ctl;
      o.transform = req.transform;
      QuantizeResult q = quantize(cache.x, t.shape, req.scheme, o);
      if (q.cancelled) {
        out.cancelled = true;
        return out;
      }
      cache.heat_q = std::move(q);
      cache.heat_spec = key;
    }
    Heatmap h = pool_heatmap(cache.x, needs_q ? std::span<const float>(cache.heat_q.dequant) : std::span<const float>(),
                             needs_q ? &cache.heat_q : nullptr, *r.heatmap, &ctl);
    if (h.cancelled) {
      out.cancelled = true;
      return out;
    }
    out.heatmap = std::make_shared<const Heatmap>(std::move(h));
  }
  if (!r.error_schemes.empty()) {
    // Every scheme's metrics are cached by now (main + compare): the common range first.
    double rmse_max = 0;
    for (const Scheme& sc : r.error_schemes) {
      auto it = cache.metrics.find(print_spec(sc));
      if (it != cache.metrics.end() && it->second.rmse) rmse_max = std::max(rmse_max, *it->second.rmse);
    }
    const double half = rmse_max > 0 ? 2.5 * rmse_max : 1e-12;
    const HistogramSpec spec{-half, half, std::max(3, r.error_bins)};
    char range_key[64];
    std::snprintf(range_key, sizeof range_key, "|%.17g|%d", half, spec.bins);
    for (const Scheme& sc : r.error_schemes) {
      if (ctl.cancelled()) {
        out.cancelled = true;
        return out;
      }
      const std::string key = print_spec(sc) + range_key;
      auto it = cache.error_hists.find(key);
      if (it == cache.error_hists.end()) {
        QuantizeOptions o;
        o.control = &ctl;
        o.hist_error = spec;
        QuantizeResult q = cache.quantize_fast(t.shape, sc, o);
        if (q.cancelled || (!q.hist_error && q.error.empty())) {
          out.cancelled = true;
          return out;
        }
        // A transform that cannot run here (smooth without maxima): an empty histogram.
        if (!q.hist_error) q.hist_error = Histogram{spec, std::vector<uint64_t>(size_t(spec.bins), 0)};
        it = cache.error_hists.emplace(key, std::move(*q.hist_error)).first;
      }
      out.error_hists.push_back(it->second);
    }
  }
  return out;
}

}  // namespace qs::app
