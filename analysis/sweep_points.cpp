#include "analysis/sweep_points.h"

#include <algorithm>
#include <cmath>

#include "analysis/calibrate.h"
#include "analysis/quantize.h"

namespace qs {
namespace {

// One point: quantize with `s`; nullopt when cancelled. The sweep's RunControl is not
// handed to quantize(), which would overwrite total/done with its element counts and make
// the progress bar jump: cancellation is checked between points (one point of a 16.8 M
// tensor is 20–40 ms).
std::optional<SweepPoint> point(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s, double at,
                                RunControl* control, std::optional<ClipRange> tensor_clip = std::nullopt) {
  if (control && control->cancelled()) return std::nullopt;
  QuantizeOptions o;
  o.tensor_clip = tensor_clip;  // a marker's range, calibrated once (not again inside quantize)
  const QuantizeResult q = quantize(x, shape, s, o);
  SweepPoint p;
  p.x = at;
  p.spec = print_spec(s);
  p.sqnr_db = q.metrics.sqnr_db;
  p.mse = q.metrics.mse;
  p.bits_per_weight = q.metrics.bits_per_weight;
  return p;
}

void progress(RunControl* c, int64_t done, int64_t total) {
  if (!c) return;
  c->total = total;
  c->done = done;
}

float absmax_of(std::span<const float> x) {
  float m = 0;
  for (float v : x)
    if (std::isfinite(v)) m = std::max(m, std::fabs(v));
  return m;
}

}  // namespace

SweepResult sweep_bits(std::span<const float> x, std::span<const int64_t> shape, const Scheme& family,
                       RunControl* control) {
  SweepResult r;
  if (family.kind != Kind::Absmax && family.kind != Kind::Minmax) return r;
  for (int b = 2; b <= 16; ++b) {
    Scheme s = family;
    s.bits = b;
    progress(control, b - 2, 15);
    auto p = point(x, shape, s, b, control);
    if (!p) {
      r.cancelled = true;
      return r;
    }
    r.points.push_back(std::move(*p));
  }
  progress(control, 15, 15);
  return r;
}

SweepResult sweep_clip(std::span<const float> x, std::span<const int64_t> shape, const Scheme& base, int points,
                       RunControl* control) {
  SweepResult r;
  Scheme s = base;
  if (s.kind != Kind::Absmax) {
    const int bits = s.kind == Kind::Minmax ? s.bits : 8;
    s = Scheme{};
    s.kind = Kind::Absmax;
    s.bits = bits;
  }
  const float amax = absmax_of(x);
  if (!(amax > 0) || points < 2) return r;
  const int markers = 6;
  const int64_t total = points + markers;
  for (int i = 0; i < points; ++i) {
    // T = amax · 64^(i/(points−1) − 1): from amax/64 to amax.
    const double t = double(amax) * std::pow(64.0, double(i) / double(points - 1) - 1.0);
    Scheme c = s;
    c.clip.method = ClipMethod::Range;
    c.clip.lo = -t;
    c.clip.hi = t;
    progress(control, i, total);
    auto p = point(x, shape, c, t, control);
    if (!p) {
      r.cancelled = true;
      return r;
    }
    r.points.push_back(std::move(*p));
  }
  // Where the calibration methods put the threshold (per tensor), and what they achieve.
  struct Method {
    const char* name;
    ClipMethod method;
    double param;
  };
  const Method methods[markers] = {{"p99", ClipMethod::Percentile, 99.0},  {"p99.9", ClipMethod::Percentile, 99.9},
                                   {"p99.99", ClipMethod::Percentile, 99.99}, {"3σ", ClipMethod::Sigma, 3.0},
                                   {"mse", ClipMethod::Mse, 0},               {"kl", ClipMethod::Kl, 0}};
  Scheme per_tensor = s;
  per_tensor.granularity = Granularity::Tensor;
  std::vector<float> finite;
  finite.reserve(x.size());
  for (float v : x)
    if (std::isfinite(v)) finite.push_back(v);
  for (int k = 0; k < markers; ++k) {
    Scheme c = per_tensor;
    c.clip.method = methods[k].method;
    if (methods[k].method == ClipMethod::Percentile) c.clip.p = methods[k].param;
    if (methods[k].method == ClipMethod::Sigma) c.clip.k = methods[k].param;
    progress(control, points + k, total);
    if (control && control->cancelled()) {
      r.cancelled = true;
      return r;
    }
    const ClipRange cr = calibrate(finite, c);
    ClipMarker m;
    m.name = methods[k].name;
    m.threshold = std::max(std::fabs(double(cr.lo)), std::fabs(double(cr.hi)));
    auto p = point(x, shape, c, m.threshold, control, cr);
    if (!p) {
      r.cancelled = true;
      return r;
    }
    m.mse = p->mse;
    m.sqnr_db = p->sqnr_db;
    r.markers.push_back(m);
  }
  progress(control, total, total);
  return r;
}

SweepResult sweep_block(std::span<const float> x, std::span<const int64_t> shape, const Scheme& base,
                        RunControl* control) {
  SweepResult r;
  const int64_t last = shape.empty() ? int64_t(x.size()) : shape.back();
  std::vector<int64_t> sizes;
  for (int64_t b = 16; b <= 4096; b *= 2)
    if (b <= last) sizes.push_back(b);
  for (size_t i = 0; i < sizes.size(); ++i) {
    Scheme s = base;
    if (s.kind == Kind::Float && s.scale == ScaleMode::None) s.scale = ScaleMode::Absmax;  // blocks need a scale
    s.granularity = Granularity::Block;
    s.block = sizes[i];
    progress(control, int64_t(i), int64_t(sizes.size()));
    auto p = point(x, shape, s, double(sizes[i]), control);
    if (!p) {
      r.cancelled = true;
      return r;
    }
    r.points.push_back(std::move(*p));
  }
  progress(control, int64_t(sizes.size()), int64_t(sizes.size()));
  return r;
}

SweepResult format_map(std::span<const float> x, std::span<const int64_t> shape, RunControl* control) {
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
  SweepResult r;
  const int64_t n = int64_t(std::size(formats));
  for (int64_t i = 0; i < n; ++i) {
    Scheme s = *parse_spec(formats[i].second);
    if (!make_layout(shape, s)) continue;  // e.g. a block larger than a short last dimension
    progress(control, i, n);
    auto p = point(x, shape, s, 0, control);
    if (!p) {
      r.cancelled = true;
      return r;
    }
    p->label = formats[i].first;
    p->x = p->bits_per_weight.value_or(0);
    r.points.push_back(std::move(*p));
  }
  progress(control, n, n);
  return r;
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
