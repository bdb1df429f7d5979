// The outlier lab's numbers (outlier_lab.h): x′'s spread, the per-tensor caches, the
// evaluations through quantize(), the rows and the curves.
#include "analysis/explore/outlier_lab.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>

#include "analysis/base/parallel.h"
#include "analysis/explore/explore.h"
#include "analysis/quant/levels.h"
#include "analysis/numeric/tensor_decode.h"
#include "analysis/transforms/keep_columns.h"
#include "analysis/transforms/smooth.h"

namespace qs {

// [SECTION] The spread of x′

SpreadStats spread_stats(std::span<const float> x, int threads) {
  const int64_t items = chunk_count(int64_t(x.size()), kDecodeChunk);
  auto item_span = [&](int64_t c) {
    const size_t first = size_t(c * kDecodeChunk);
    return x.subspan(first, std::min(x.size() - first, size_t(kDecodeChunk)));
  };
  // Pass 1: count, range, Σx. Pass 2: Σ(x−μ)², Σ(x−μ)⁴ about the exact mean (one-pass
  // raw moments lose the fourth moment to cancellation when |μ| ≫ σ).
  struct First {
    int64_t n = 0;
    double min = INFINITY, max = -INFINITY, sum = 0;
  };
  const First f = parallel_reduce(
      items, threads, First{},
      [&](int64_t c) {
        First p;
        for (float v : item_span(c)) {
          if (!std::isfinite(v)) continue;
          ++p.n;
          p.min = std::min(p.min, double(v));
          p.max = std::max(p.max, double(v));
          p.sum += v;
        }
        return p;
      },
      [](First& acc, const First& p) {
        acc.n += p.n;
        acc.min = std::min(acc.min, p.min);
        acc.max = std::max(acc.max, p.max);
        acc.sum += p.sum;
      });
  SpreadStats s;
  s.n = f.n;
  if (f.n == 0) return s;
  s.min = f.min;
  s.max = f.max;
  s.mean = f.sum / double(f.n);
  s.absmax = std::max(std::fabs(f.min), std::fabs(f.max));
  struct Second {
    double m2 = 0, m4 = 0;
  };
  const Second m = parallel_reduce(
      items, threads, Second{},
      [&](int64_t c) {
        Second p;
        for (float v : item_span(c)) {
          if (!std::isfinite(v)) continue;
          const double d = double(v) - s.mean, d2 = d * d;
          p.m2 += d2;
          p.m4 += d2 * d2;
        }
        return p;
      },
      [](Second& acc, const Second& p) {
        acc.m2 += p.m2;
        acc.m4 += p.m4;
      });
  const double var = m.m2 / double(f.n);
  s.sigma = std::sqrt(var);
  if (var > 0) {
    s.absmax_over_sigma = s.absmax / s.sigma;
    s.excess_kurtosis = (m.m4 / double(f.n)) / (var * var) - 3.0;
  }
  return s;
}

Histogram gaussian_counts(const SpreadStats& s, const HistogramSpec& spec_in) {
  Histogram h;
  h.spec = sanitize(spec_in);
  if (!(s.sigma > 0) || s.n == 0) return h;
  h.counts.assign(size_t(h.spec.bins), 0);
  const double step = (h.spec.hi - h.spec.lo) / h.spec.bins;
  auto cdf = [&](double v) { return 0.5 * std::erfc(-(v - s.mean) / (s.sigma * std::sqrt(2.0))); };
  double prev = cdf(h.spec.lo);
  for (int b = 0; b < h.spec.bins; ++b) {
    const double next = cdf(b + 1 == h.spec.bins ? h.spec.hi : h.spec.lo + (b + 1) * step);
    h.counts[size_t(b)] = uint64_t(std::llround(double(s.n) * std::max(0.0, next - prev)));
    prev = next;
  }
  return h;
}

// [SECTION] Once per tensor

int64_t outlier_lab_max_rank(MatrixShape m) {
  const int64_t r = std::min<int64_t>(64, std::min(m.rows, m.cols) - 1);
  return std::max<int64_t>(0, r);
}

OutlierTensorCache outlier_tensor_cache(std::span<const float> x, std::span<const int64_t> shape, int threads,
                                        RunControl* control) {
  OutlierTensorCache c;
  c.m = matrix_view(shape);
  c.n_nonfinite = parallel_reduce(
      chunk_count(int64_t(x.size()), kDecodeChunk), threads, int64_t(0),
      [&](int64_t item) {
        int64_t n = 0;
        const size_t first = size_t(item * kDecodeChunk), last = std::min(x.size(), first + size_t(kDecodeChunk));
        for (size_t i = first; i < last; ++i) n += !std::isfinite(x[i]);
        return n;
      },
      [](int64_t& acc, int64_t n) { acc += n; });
  c.column_absmax = std::make_shared<const std::vector<float>>(column_absmax(x, c.m, threads));
  c.keep_priority = std::make_shared<const std::vector<int64_t>>(keep_priority(*c.column_absmax));
  const int64_t r_max = outlier_lab_max_rank(c.m);
  // The reason a lowrank row would give, in its own words (transform_ready).
  Scheme probe = outlier_lab_default_base();
  probe.transform.kind = TransformKind::LowRank;
  probe.transform.count = std::max<int64_t>(1, r_max);
  if (c.m.numel() == 0) {
    c.low_rank_note = "an empty tensor has nothing to split";
  } else if (auto ready = transform_ready(probe, shape, c.n_nonfinite, nullptr); !ready) {
    c.low_rank_note = ready.error().message;
  } else {
    LowRankFactors f = low_rank_factors(x, c.m, r_max, threads, control);
    if (f.cancelled || (control && control->cancelled())) {
      c.cancelled = true;
      return c;
    }
    c.low_rank = std::make_shared<const LowRankFactors>(std::move(f));
  }
  return c;
}

TransformInputs outlier_transform_inputs(const OutlierTensorCache& c, std::vector<float> act_max) {
  TransformInputs in;
  in.act_max = std::move(act_max);
  in.column_absmax = c.column_absmax;
  in.keep_priority = c.keep_priority;
  in.low_rank = c.low_rank;
  return in;
}

// [SECTION] One quantization and what the view shows of it

namespace {

std::shared_ptr<const OutlierEval> evaluate_one(std::span<const float> x, std::span<const int64_t> shape,
                                                const Scheme& s, bool detail, const TransformInputs& in, int bins) {
  auto e = std::make_shared<OutlierEval>();
  e->spec = print_spec(s);
  e->detail = detail;
  QuantizeOptions o;
  o.threads = 1;  // the evaluations run side by side, one thread each
  o.transform = &in;
  o.keep_transformed = has_transform(s);
  QuantizeResult q = quantize(x, shape, s, o);
  if (!q.error.empty()) {
    e->error = q.error;
    return e;
  }
  e->metrics = q.metrics;
  e->transform = q.transform;
  const std::span<const float> xp =
      has_transform(s) && q.transformed.size() == x.size() ? std::span<const float>(q.transformed) : x;
  e->xp = spread_stats(xp, 1);
  e->groups = int64_t(q.groups.size());
  if (detail) {
    const HistogramSpec hs = sanitize(e->xp.n > 0 ? HistogramSpec{e->xp.min, e->xp.max, bins} : HistogramSpec{-1, 1, bins});
    e->hist_xp = make_histogram(xp, hs);
    e->hist_x = make_histogram(x, hs);
    e->hist_gauss = gaussian_counts(e->xp, hs);
    if (!q.groups.empty()) {
      // The group with the largest scale: where the grid is coarsest (the Distribution
      // view's default too). The levels live on x′, where the quantizer put them.
      e->level_group = largest_scale_group(q.groups);
      Scheme plain = s;
      plain.transform = Transform{};
      e->levels = representable_levels(plain, q.groups[size_t(e->level_group)]);
    }
  }
  return e;
}

}  // namespace

std::vector<std::shared_ptr<const OutlierEval>> evaluate_outlier_schemes(
    std::span<const float> x, std::span<const int64_t> shape, std::span<const Scheme> schemes, bool detail,
    const TransformInputs& in, RunControl* control, int threads, OutlierMemo* memo, int bins) {
  std::vector<std::shared_ptr<const OutlierEval>> out(schemes.size());
  // What must be computed: one item per distinct spec the memo cannot answer (a clip row
  // equals the base when the base clips by MSE already).
  std::vector<std::string> keys(schemes.size());
  std::map<std::string, size_t> first_of;
  std::vector<size_t> todo;
  for (size_t i = 0; i < schemes.size(); ++i) {
    keys[i] = print_spec(schemes[i]);
    if (memo) {
      auto it = memo->find(keys[i]);
      if (it != memo->end() && (it->second->detail || !detail)) {
        out[i] = it->second;
        continue;
      }
    }
    if (first_of.emplace(keys[i], i).second) todo.push_back(i);
  }
  if (control) {
    control->total = int64_t(todo.size());
    control->done = 0;
  }
  std::atomic<bool> cancelled{false};
  parallel_for(int64_t(todo.size()), threads, [&](int64_t k, int) {
    if (cancelled.load() || (control && control->cancelled())) {
      cancelled = true;
      return;
    }
    const size_t i = todo[size_t(k)];
    out[i] = evaluate_one(x, shape, schemes[i], detail, in, bins);
    if (control) ++control->done;
  });
  for (size_t i : todo)
    if (memo && out[i]) (*memo)[keys[i]] = out[i];
  for (size_t i = 0; i < schemes.size(); ++i)
    if (!out[i]) out[i] = out[first_of.count(keys[i]) ? first_of[keys[i]] : i];
  return out;
}

// [SECTION] The rows

Scheme outlier_lab_default_base() { return *parse_spec("absmax:bits=4,gran=channel,axis=0"); }

const char* outlier_method_key(OutlierMethod m) {
  switch (m) {
    case OutlierMethod::None: return "none";
    case OutlierMethod::Clip: return "clip";
    case OutlierMethod::Keep: return "keep";
    case OutlierMethod::Rotate: return "rot";
    case OutlierMethod::RotateSigns: return "rot_signs";
    case OutlierMethod::Smooth: return "smooth";
    case OutlierMethod::LowRank: return "lowrank";
    case OutlierMethod::Hqq: return "hqq";
  }
  return "";
}

std::optional<OutlierMethod> outlier_method_from_key(std::string_view key) {
  for (int i = 0; i < kOutlierMethods; ++i)
    if (key == outlier_method_key(OutlierMethod(i))) return OutlierMethod(i);
  return std::nullopt;
}

Result<void> check_outlier_base(const Scheme& base) {
  if (base.kind == Kind::Preset)
    return make_error("base " + print_spec(base) +
                      ": a preset is its toolchain's fixed rule and takes no keys; pick a generic scheme "
                      "(absmax, minmax, a float format or nf4)");
  if (has_transform(base))
    return make_error("base " + print_spec(base) + ": already has a transform (" +
                      std::string(transform_kind_name(base.transform.kind)) +
                      "); each row adds its own, at most one per scheme");
  return {};
}

Result<Scheme> outlier_row_scheme(OutlierMethod m, const OutlierLabSettings& st) {
  // HQQ's own rule (flat groups of 64, its half-quadratic zero-point search) is a preset,
  // which takes no keys: the row ignores the base.
  if (m == OutlierMethod::Hqq) return parse_spec("hqq_4bit");
  Scheme s = st.base;
  switch (m) {
    case OutlierMethod::None: break;
    case OutlierMethod::Clip:
      s.clip = Clip{};
      s.clip.method = ClipMethod::Mse;
      break;
    case OutlierMethod::Keep:
      s.transform.kind = TransformKind::Keep;
      s.transform.count = st.keep;
      break;
    case OutlierMethod::Rotate: s.transform.kind = TransformKind::Hadamard; break;
    case OutlierMethod::RotateSigns:
      s.transform.kind = TransformKind::Hadamard;
      s.transform.has_seed = true;
      s.transform.seed = st.rot_seed;
      break;
    case OutlierMethod::Smooth:
      s.transform.kind = TransformKind::Smooth;
      s.transform.alpha = st.alpha;
      break;
    case OutlierMethod::LowRank:
      s.transform.kind = TransformKind::LowRank;
      s.transform.count = st.rank;
      break;
    case OutlierMethod::Hqq: break;
  }
  // Through the spec, as the CLI gets it: the row quantizes exactly what its spec says.
  return parse_spec(print_spec(s));
}

std::string outlier_row_label(OutlierMethod m, const OutlierLabSettings& s) {
  char buf[64];
  switch (m) {
    case OutlierMethod::None: return "none (base)";
    case OutlierMethod::Clip: return "clip (MSE-optimal)";
    case OutlierMethod::Keep: std::snprintf(buf, sizeof buf, "keep %lld columns", static_cast<long long>(s.keep)); return buf;
    case OutlierMethod::Rotate: return "rotate (Hadamard)";
    case OutlierMethod::RotateSigns:
      std::snprintf(buf, sizeof buf, "rotate + signs (seed %llu)", static_cast<unsigned long long>(s.rot_seed));
      return buf;
    case OutlierMethod::Smooth: std::snprintf(buf, sizeof buf, "smooth α=%.2f", s.alpha); return buf;
    case OutlierMethod::LowRank: std::snprintf(buf, sizeof buf, "low-rank r=%lld", static_cast<long long>(s.rank)); return buf;
    case OutlierMethod::Hqq: return "HQQ 4-bit (preset)";
  }
  return "";
}

OutlierRows outlier_rows(std::span<const float> x, std::span<const int64_t> shape, const OutlierLabSettings& s,
                         const TransformInputs& in, RunControl* control, int threads, OutlierMemo* memo) {
  OutlierRows out;
  std::vector<Scheme> schemes;
  std::vector<size_t> which;
  const MatrixShape m = matrix_view(shape);
  for (int i = 0; i < kOutlierMethods; ++i) {
    OutlierRow row;
    row.method = OutlierMethod(i);
    row.label = outlier_row_label(row.method, s);
    auto sc = outlier_row_scheme(row.method, s);
    if (!sc) {
      row.error = sc.error().message;
    } else {
      row.spec = print_spec(*sc);
      if (row.method == OutlierMethod::Smooth && in.act_max.empty()) {
        row.error = "needs activation maxima: a 1-D tensor of length " + std::to_string(m.cols);
      } else if (auto L = make_layout(shape, *sc); !L) {
        row.error = L.error().message;
      } else {
        schemes.push_back(*sc);
        which.push_back(out.rows.size());
      }
    }
    out.rows.push_back(std::move(row));
  }
  const auto evals = evaluate_outlier_schemes(x, shape, schemes, true, in, control, threads, memo);
  for (size_t j = 0; j < evals.size(); ++j) {
    OutlierRow& row = out.rows[which[j]];
    if (!evals[j]) {
      out.cancelled = true;
    } else if (!evals[j]->error.empty()) {
      row.error = evals[j]->error;
    } else {
      row.eval = evals[j];
    }
  }
  return out;
}

// [SECTION] The curves

std::vector<int64_t> outlier_keep_values(MatrixShape m) {
  std::vector<int64_t> v;
  const int64_t hi = std::min(m.cols - 1, std::max<int64_t>(1, m.cols / 4));
  for (int64_t k = 1; k <= hi; k *= 2) v.push_back(k);
  return v;
}

std::vector<int64_t> outlier_rank_values(int64_t r_max) {
  std::vector<int64_t> v;
  for (int64_t r = 1; r <= r_max; r *= 2) v.push_back(r);
  if (r_max >= 1 && v.back() != r_max) v.push_back(r_max);
  return v;
}

std::vector<double> outlier_alpha_values() {
  std::vector<double> v;
  for (int i = 0; i <= 10; ++i) v.push_back(i / 10.0);  // exact tenths in the specs: 0.1, not 0.1000000000000000055
  return v;
}

OutlierCurves outlier_curves(std::span<const float> x, std::span<const int64_t> shape, const Scheme& base,
                             int64_t r_max, const TransformInputs& in, RunControl* control, int threads,
                             OutlierMemo* memo) {
  OutlierCurves out;
  OutlierLabSettings st;
  st.base = base;
  struct Planned {
    std::vector<OutlierCurvePoint>* curve;
    double at;
  };
  std::vector<Scheme> schemes;
  std::vector<Planned> plan;
  auto add = [&](OutlierMethod m, std::vector<OutlierCurvePoint>* curve, double at) {
    auto sc = outlier_row_scheme(m, st);
    if (!sc || !make_layout(shape, *sc)) return;
    schemes.push_back(*sc);
    plan.push_back({curve, at});
  };
  for (int64_t k : outlier_keep_values(matrix_view(shape))) {
    st.keep = k;
    add(OutlierMethod::Keep, &out.keep, double(k));
  }
  // Without the cached factors (NaN/Inf, one row) every point would be refused.
  if (in.low_rank)
    for (int64_t r : outlier_rank_values(r_max)) {
      st.rank = r;
      add(OutlierMethod::LowRank, &out.rank, double(r));
    }
  if (!in.act_max.empty())
    for (double a : outlier_alpha_values()) {
      st.alpha = a;
      add(OutlierMethod::Smooth, &out.alpha, a);
    }
  const auto evals = evaluate_outlier_schemes(x, shape, schemes, false, in, control, threads, memo);
  for (size_t i = 0; i < evals.size(); ++i) {
    if (!evals[i]) {
      out.cancelled = true;
      continue;
    }
    const OutlierEval& e = *evals[i];
    OutlierCurvePoint p;
    p.x = plan[i].at;
    p.spec = e.spec;
    p.error = e.error;
    p.sqnr_db = e.metrics.sqnr_db;
    p.mse = e.metrics.mse;
    p.bits_per_weight = e.metrics.bits_per_weight;
    p.xp_absmax = e.xp.absmax;
    p.xp_absmax_over_sigma = e.xp.absmax_over_sigma;
    if (e.transform && e.transform->kind == TransformKind::Smooth) {
      p.act_step = e.transform->act_absmax_after / 127.0;
      out.act_step_before = e.transform->act_absmax_before / 127.0;
    }
    plan[i].curve->push_back(std::move(p));
  }
  return out;
}

}  // namespace qs
