#include "analysis/explore/sweep_points.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "analysis/base/parallel.h"
#include "analysis/quant/calibrate.h"
#include "analysis/quant/quantize_sorted.h"
#include "analysis/quant/quantize.h"
#include "analysis/numeric/tensor_decode.h"

namespace qs {
namespace {

// [SECTION] Points and how they are run

// What every point of one sweep shares: the tensor, and its sorted-values cache when
// the caller has one (per-tensor points then cost O(levels · log N), quantize_sorted.h).
struct SweepTensor {
  std::span<const float> x;
  std::span<const int64_t> shape;
  const SortedValues* sorted = nullptr;
  const TransformInputs* transform = nullptr;
};

// THE measurement of one point: quantize x with s (tensor_clip: a per-tensor clip range
// calibrated once for the sweep instead of inside quantize). Every point of every sweep
// goes through here, so a faster per-tensor path is one change.
SweepPoint measure_point(const SweepTensor& t, const Scheme& s, double at, std::optional<ClipRange> tensor_clip,
                         int threads) {
  QuantizeOptions o;
  o.tensor_clip = tensor_clip;
  o.threads = threads;
  o.transform = t.transform;
  const QuantizeResult q = quantize_maybe_sorted(t.sorted, t.x, t.shape, s, o);
  SweepPoint p;
  p.x = at;
  p.spec = print_spec(s);
  p.sqnr_db = q.metrics.sqnr_db;
  p.mse = q.metrics.mse;
  p.bits_per_weight = q.metrics.bits_per_weight;
  return p;
}

// Runs task(i) for i in [0, n) and reports whether all ran (false when cancelled).
// The points are independent, so they run side by side, one thread each (measured on
// 4096×4096: faster than points one after another with quantize's own threads, which
// re-synchronise at every pass of every point); each point's numbers do not depend on
// the thread count, so neither do the sweep's. The RunControl counts points (quantize
// would otherwise overwrite total/done with its element counts and make the bar jump).
template <class Task>
bool run_points(int64_t n, int threads, RunControl* control, Task&& task) {
  if (control) {
    control->total = n;
    control->done = 0;
  }
  std::atomic<bool> cancelled{false};
  parallel_for(n, threads, [&](int64_t i, int) {
    if (cancelled.load() || (control && control->cancelled())) {
      cancelled = true;
      return;
    }
    task(i);
    if (control) ++control->done;
  });
  return !cancelled.load();
}

float absmax_of(std::span<const float> x, int threads) {
  const int64_t n = int64_t(x.size());
  return parallel_reduce(
      chunk_count(n, kDecodeChunk), threads, 0.0f,
      [&](int64_t c) {
        float m = 0;
        const int64_t first = c * kDecodeChunk, last = std::min(n, first + kDecodeChunk);
        for (int64_t i = first; i < last; ++i)
          if (std::isfinite(x[size_t(i)])) m = std::max(m, std::fabs(x[size_t(i)]));
        return m;
      },
      [](float& acc, float m) { acc = std::max(acc, m); });
}

// Points in order into r (all of them, or none past a cancel).
SweepResult collect(std::vector<std::optional<SweepPoint>>& pts, bool complete) {
  SweepResult r;
  r.cancelled = !complete;
  for (auto& p : pts) {
    if (!p) break;
    r.points.push_back(std::move(*p));
  }
  return r;
}

}  // namespace

// [SECTION] Sweeps

SweepResult sweep_bits(std::span<const float> x, std::span<const int64_t> shape, const Scheme& family,
                       RunControl* control, int threads, const SortedValues* sorted, const TransformInputs* transform) {
  if (family.kind != Kind::Absmax && family.kind != Kind::Minmax) return {};
  const SweepTensor t{x, shape, sorted, transform};
  std::vector<std::optional<SweepPoint>> pts(15);
  // Widest first: the 16-bit code bitmap is the slowest point, so it should not come last.
  const bool done = run_points(15, threads, control, [&](int64_t k) {
    const int b = 16 - int(k);
    Scheme s = family;
    s.bits = b;
    pts[size_t(b - 2)] = measure_point(t, s, b, std::nullopt, 1);
  });
  return collect(pts, done);
}

SweepResult sweep_clip(std::span<const float> x_in, std::span<const int64_t> shape, const Scheme& base, int points,
                       RunControl* control, int threads, const SortedValues* sorted, const TransformInputs* transform) {
  SweepResult r;
  Scheme s = base;
  if (s.kind != Kind::Absmax) {
    const int bits = s.kind == Kind::Minmax ? s.bits : 8;
    s = Scheme{};
    s.kind = Kind::Absmax;
    s.bits = bits;
    s.transform = base.transform;
  }
  // What the clip acts on: x, or x′ when the scheme keeps a transform.
  std::vector<float> transformed;
  std::span<const float> x = x_in;
  if (has_transform(s)) {
    QuantizeOptions o;
    o.keep_transformed = true;
    o.transform = transform;
    o.threads = threads;
    QuantizeResult q = quantize(x_in, shape, s, o);
    if (!q.error.empty() || q.cancelled) return r;
    transformed = std::move(q.transformed);
    x = transformed;
  }
  const float amax = absmax_of(x, threads);
  if (!(amax > 0) || points < 2) return r;
  const SweepTensor t{x_in, shape, sorted, transform};
  // Where the calibration methods put the threshold (per tensor), and what they achieve.
  struct Method {
    const char* name;
    ClipMethod method;
    double param;
  };
  constexpr int kMarkers = 6;
  const Method methods[kMarkers] = {{"p99", ClipMethod::Percentile, 99.0},  {"p99.9", ClipMethod::Percentile, 99.9},
                                    {"p99.99", ClipMethod::Percentile, 99.99}, {"3σ", ClipMethod::Sigma, 3.0},
                                    {"mse", ClipMethod::Mse, 0},               {"kl", ClipMethod::Kl, 0}};
  Scheme per_tensor = s;
  per_tensor.granularity = Granularity::Tensor;
  // The calibrations' input, once for all six: x itself when it is all finite.
  std::vector<float> finite_copy;
  const bool all_finite = std::all_of(x.begin(), x.end(), [](float v) { return std::isfinite(v); });
  if (!all_finite) {
    finite_copy.reserve(x.size());
    for (float v : x)
      if (std::isfinite(v)) finite_copy.push_back(v);
  }
  const std::span<const float> finite = all_finite ? x : std::span<const float>(finite_copy);
  auto marker_scheme = [&](int k) {
    Scheme c = per_tensor;
    c.clip.method = methods[k].method;
    if (methods[k].method == ClipMethod::Percentile) c.clip.p = methods[k].param;
    if (methods[k].method == ClipMethod::Sigma) c.clip.k = methods[k].param;
    return c;
  };
  // One task list: the six calibrations with their points (longest first: the MSE
  // search), then the thresholds T = amax · 64^(i/(points−1) − 1), amax/64 … amax.
  std::vector<std::optional<SweepPoint>> pts(static_cast<size_t>(points)), marks(kMarkers);
  std::vector<double> marker_t(kMarkers);
  const int order[kMarkers] = {4, 5, 0, 1, 2, 3};
  const bool done = run_points(kMarkers + points, threads, control, [&](int64_t task) {
    if (task < kMarkers) {
      const int k = order[task];
      const Scheme c = marker_scheme(k);
      const ClipRange cr = calibrate(finite, c, 1);
      marker_t[size_t(k)] = std::max(std::fabs(double(cr.lo)), std::fabs(double(cr.hi)));
      marks[size_t(k)] = measure_point(t, c, marker_t[size_t(k)], cr, 1);
      return;
    }
    const int i = int(task - kMarkers);
    const double th = double(amax) * std::pow(64.0, double(i) / double(points - 1) - 1.0);
    Scheme c = s;
    c.clip.method = ClipMethod::Range;
    c.clip.lo = -th;
    c.clip.hi = th;
    pts[size_t(i)] = measure_point(t, c, th, std::nullopt, 1);
  });
  r = collect(pts, done);
  if (!done) return r;
  for (int k = 0; k < kMarkers; ++k) {
    ClipMarker m;
    m.name = methods[k].name;
    m.threshold = marker_t[size_t(k)];
    m.mse = marks[size_t(k)]->mse;
    m.sqnr_db = marks[size_t(k)]->sqnr_db;
    r.markers.push_back(m);
  }
  return r;
}

SweepResult sweep_block(std::span<const float> x, std::span<const int64_t> shape, const Scheme& base,
                        RunControl* control, int threads, const SortedValues* sorted, const TransformInputs* transform) {
  const int64_t last = shape.empty() ? int64_t(x.size()) : shape.back();
  std::vector<int64_t> sizes;
  for (int64_t b = 16; b <= 4096; b *= 2)
    if (b <= last) sizes.push_back(b);
  const SweepTensor t{x, shape, sorted, transform};
  std::vector<std::optional<SweepPoint>> pts(sizes.size());
  const bool done = run_points(int64_t(sizes.size()), threads, control, [&](int64_t i) {
    Scheme s = base;
    if (s.kind == Kind::Float && s.scale == ScaleMode::None) s.scale = ScaleMode::Absmax;  // blocks need a scale
    s.granularity = Granularity::Block;
    s.block = sizes[size_t(i)];
    pts[size_t(i)] = measure_point(t, s, double(sizes[size_t(i)]), std::nullopt, 1);
  });
  return collect(pts, done);
}

SweepResult format_map(std::span<const float> x, std::span<const int64_t> shape, RunControl* control,
                       int threads, const SortedValues* sorted) {
  static const std::pair<const char*, const char*> formats[] = {
      {"int8", "absmax:bits=8"},
      {"int4 per channel", "absmax:bits=4,gran=channel"},
      {"int4 b32", "absmax:bits=4,gran=block,block=32"},
      {"int4 b64", "absmax:bits=4,gran=block,block=64"},
      {"int4 b128", "absmax:bits=4,gran=block,block=128"},
      {"q8_0-like", "absmax:bits=8,gran=block,block=32,scale_dtype=f16"},
      {"nf4", "nf4"},
      {"fp8 e4m3", "fp8_e4m3"},
      {"fp8 e4m3 scaled", "fp8_e4m3:scale=absmax"},
      {"fp8 e5m2", "fp8_e5m2"},
      {"fp8 e5m2 scaled", "fp8_e5m2:scale=absmax"},
      {"fp4 b32 scaled", "fp4_e2m1:gran=block,block=32,scale=absmax"},
      {"bf16", "bf16"},
      {"fp16", "fp16"},
      // Real toolchains (presets): where llama.cpp and OCP MX land on the same map.
      {"llama.cpp q8_0", "q8_0"},
      {"llama.cpp q6_k", "q6_k"},
      {"llama.cpp q4_k", "q4_k"},
      {"mxfp4", "mxfp4"},
      {"mxfp8 e4m3", "mxfp8_e4m3"}};
  const int64_t n = int64_t(std::size(formats));
  std::vector<Scheme> schemes;
  std::vector<int64_t> index;  // into formats, of the schemes that fit the shape
  for (int64_t i = 0; i < n; ++i) {
    Scheme s = *parse_spec(formats[i].second);
    if (!make_layout(shape, s)) continue;  // e.g. a block larger than a short last dimension
    schemes.push_back(s);
    index.push_back(i);
  }
  const SweepTensor t{x, shape, sorted};
  const int64_t m = int64_t(schemes.size());
  std::vector<std::optional<SweepPoint>> pts(static_cast<size_t>(m));
  // The presets (llama.cpp's scalar rules) are the slow points: started first.
  const bool done = run_points(m, threads, control, [&](int64_t k) {
    const int64_t j = m - 1 - k;
    SweepPoint p = measure_point(t, schemes[size_t(j)], 0, std::nullopt, 1);
    p.label = formats[index[size_t(j)]].first;
    p.x = p.bits_per_weight.value_or(0);
    pts[size_t(j)] = std::move(p);
  });
  return collect(pts, done);
}

std::vector<size_t> pareto_front(std::span<const std::pair<double, double>> pts) {
  std::vector<size_t> order(pts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // By bits/weight ascending, then SQNR descending, then index (the first of equals wins).
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (pts[a].first != pts[b].first) return pts[a].first < pts[b].first;
    return pts[a].second > pts[b].second;
  });
  std::vector<size_t> front;
  double best = -INFINITY;
  for (size_t i : order) {
    if (std::isnan(pts[i].first) || std::isnan(pts[i].second)) continue;
    // Kept only if strictly better in SQNR than everything at lower or equal bits/weight.
    if (pts[i].second > best) {
      front.push_back(i);
      best = pts[i].second;
    }
  }
  return front;
}

}  // namespace qs
