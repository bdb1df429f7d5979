// The fast quantizer: a range pass, calibration where the clip method needs data, and
// one fused pass over cache-sized chunks (SIMD for the integer kinds), split over
// threads and reduced in chunk order so the result does not depend on the thread count.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

#include <nlohmann/json.hpp>

#include "analysis/calibrate.h"
#include "analysis/quantize.h"
#include "analysis/quantize_kernels.h"

namespace qs {

namespace {

constexpr int64_t kChunk = 1 << 14;  // elements per work item (64 KB of input)
constexpr int64_t kTile = 1024;      // elements per kernel call (scratch stays in L1)
constexpr int32_t kCodeOffset = 32768;  // codes live in [-32767, 65535]
constexpr size_t kCodeSlots = 65536 + 32768;

int resolve_threads(int t) {
  if (t > 0) return t;
  const unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : int(std::min(hc, 64u));
}

// Calls fn(item, thread) for item in [0, n_items), dynamically scheduled.
template <class F>
void parallel_for(int64_t n_items, int threads, F&& fn) {
  threads = int(std::min<int64_t>(threads, n_items));
  if (threads <= 1) {
    for (int64_t i = 0; i < n_items; ++i) fn(i, 0);
    return;
  }
  std::atomic<int64_t> next{0};
  auto worker = [&](int t) {
    for (int64_t i = next.fetch_add(1); i < n_items; i = next.fetch_add(1)) fn(i, t);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
}

HistogramSpec sanitize(HistogramSpec s) {
  if (s.bins < 1) s.bins = 1;
  if (!(s.hi > s.lo)) {
    s.lo -= 0.5;
    s.hi += 0.5;
  }
  return s;
}

// Channel groups with a short inner run (e.g. axis = -1) are handled per "period":
// one row of dim·inner elements whose position decides the group.
bool use_periodic(const GroupLayout& L) {
  return L.granularity == Granularity::Channel && L.inner < 16;
}

int64_t group_size(const GroupLayout& L, int64_t g) {
  switch (L.granularity) {
    case Granularity::Tensor: return L.numel;
    case Granularity::Channel: return L.numel / L.dim;
    case Granularity::Block: {
      const int64_t b = g % L.blocks_per_row;
      return std::min(L.block, L.cols - b * L.block);
    }
  }
  return 0;
}

bool is_int_simd(const Scheme& s) {
  return (s.kind == Kind::Absmax || s.kind == Kind::Minmax) &&
         s.rounding == Rounding::NearestEven;
}

struct GroupRanges {
  std::vector<float> mn, mx;
  std::vector<int64_t> nonfinite;
  int64_t total_nonfinite = 0;
};

GroupRanges range_pass(std::span<const float> x, const GroupLayout& L, int threads) {
  const int64_t G = L.groups;
  const float inf = std::numeric_limits<float>::infinity();
  GroupRanges out;
  out.mn.assign(size_t(G), inf);
  out.mx.assign(size_t(G), -inf);
  out.nonfinite.assign(size_t(G), 0);
  if (L.numel == 0) return out;

  if (use_periodic(L)) {
    const int64_t P = L.dim * L.inner, rows = L.numel / P;
    std::vector<std::vector<float>> pmn(static_cast<size_t>(threads)), pmx(static_cast<size_t>(threads));
    std::vector<int64_t> nf(size_t(threads), 0);
    const int64_t rows_per_item = std::max<int64_t>(1, kChunk / P);
    const int64_t items = (rows + rows_per_item - 1) / rows_per_item;
    parallel_for(items, threads, [&](int64_t item, int t) {
      if (pmn[size_t(t)].empty()) {
        pmn[size_t(t)].assign(size_t(P), inf);
        pmx[size_t(t)].assign(size_t(P), -inf);
      }
      const int64_t r0 = item * rows_per_item, r1 = std::min(rows, r0 + rows_per_item);
      for (int64_t r = r0; r < r1; ++r) {
        nf[size_t(t)] += kernels::range_finite_positions(x.data() + r * P, P, pmn[size_t(t)].data(),
                                                         pmx[size_t(t)].data());
      }
    });
    for (int t = 0; t < threads; ++t) {
      out.total_nonfinite += nf[size_t(t)];
      if (pmn[size_t(t)].empty()) continue;
      for (int64_t k = 0; k < P; ++k) {
        const int64_t g = k / L.inner;
        out.mn[size_t(g)] = std::min(out.mn[size_t(g)], pmn[size_t(t)][size_t(k)]);
        out.mx[size_t(g)] = std::max(out.mx[size_t(g)], pmx[size_t(t)][size_t(k)]);
      }
    }
    if (out.total_nonfinite > 0) {  // rare: count per group exactly
      for (int64_t i = 0; i < L.numel; ++i) {
        if (!std::isfinite(x[size_t(i)])) ++out.nonfinite[size_t(L.group_of(i))];
      }
    }
    return out;
  }

  // Run mode: every run of elements shares one group.
  const int64_t items = (L.numel + kChunk - 1) / kChunk;
  struct Local {
    std::vector<float> mn, mx;
    std::vector<int64_t> nf;
  };
  std::vector<Local> local(static_cast<size_t>(threads));
  parallel_for(items, threads, [&](int64_t item, int t) {
    Local& lo = local[size_t(t)];
    if (lo.mn.empty()) {
      lo.mn.assign(size_t(G), inf);
      lo.mx.assign(size_t(G), -inf);
      lo.nf.assign(size_t(G), 0);
    }
    const int64_t end = std::min(L.numel, (item + 1) * kChunk);
    for (int64_t i = item * kChunk; i < end;) {
      const int64_t len = std::min(L.run_length(i), end - i);
      const int64_t g = L.group_of(i);
      lo.nf[size_t(g)] += kernels::range_finite(x.data() + i, len, &lo.mn[size_t(g)], &lo.mx[size_t(g)]);
      i += len;
    }
  });
  for (const Local& lo : local) {
    if (lo.mn.empty()) continue;
    for (int64_t g = 0; g < G; ++g) {
      out.mn[size_t(g)] = std::min(out.mn[size_t(g)], lo.mn[size_t(g)]);
      out.mx[size_t(g)] = std::max(out.mx[size_t(g)], lo.mx[size_t(g)]);
      out.nonfinite[size_t(g)] += lo.nf[size_t(g)];
      out.total_nonfinite += lo.nf[size_t(g)];
    }
  }
  return out;
}

bool needs_data(ClipMethod m) {
  return m == ClipMethod::Percentile || m == ClipMethod::Sigma || m == ClipMethod::Mse ||
         m == ClipMethod::Kl;
}

std::vector<GroupParams> choose_all_params(std::span<const float> x, const GroupLayout& L,
                                           const Scheme& s, const GroupRanges& r, int threads) {
  const int64_t G = L.groups;
  std::vector<GroupParams> params(static_cast<size_t>(G));
  if (!needs_data(s.clip.method)) {
    for (int64_t g = 0; g < G; ++g) {
      const bool empty = r.nonfinite[size_t(g)] == group_size(L, g);
      if (empty) {
        params[size_t(g)] = choose_params(s, 0.0f, 0.0f, false);
      } else if (s.clip.method == ClipMethod::None) {
        params[size_t(g)] = choose_params(s, r.mn[size_t(g)], r.mx[size_t(g)], false);
      } else {  // Range
        params[size_t(g)] = choose_params(s, float(s.clip.lo), float(s.clip.hi), true);
      }
    }
    return params;
  }
  // Calibration needs each group's finite values.
  if (G == 1 && r.total_nonfinite == 0) {
    params[0] = params_for_group(s, x);
    return params;
  }
  std::vector<int64_t> offset(size_t(G) + 1, 0);
  for (int64_t g = 0; g < G; ++g) {
    offset[size_t(g) + 1] = offset[size_t(g)] + group_size(L, g) - r.nonfinite[size_t(g)];
  }
  std::vector<float> values(static_cast<size_t>(offset[size_t(G)]));
  std::vector<int64_t> fill(offset.begin(), offset.end() - 1);
  for (int64_t i = 0; i < L.numel;) {
    const int64_t len = use_periodic(L) ? 1 : L.run_length(i);
    const int64_t g = L.group_of(i);
    for (int64_t k = i; k < i + len; ++k) {
      if (std::isfinite(x[size_t(k)])) values[size_t(fill[size_t(g)]++)] = x[size_t(k)];
    }
    i += len;
  }
  parallel_for(G, threads, [&](int64_t g, int) {
    params[size_t(g)] = params_for_group(
        s, std::span<const float>(values).subspan(size_t(offset[size_t(g)]),
                                                  size_t(offset[size_t(g) + 1] - offset[size_t(g)])));
  });
  return params;
}

// Per-thread accumulators that do not depend on order (integers, OR of flags).
// Histogram increments go to kSubHists interleaved copies (element k to copy k % 4):
// neighbouring values usually fall in the same bin, and four independent counters keep
// the increments from waiting on each other's stores. Merged when the pass ends.
constexpr int kSubHists = 4;

inline void count_bins(const int32_t* bins, int64_t n, uint64_t* hist, int n_bins) {
  uint64_t* h[kSubHists] = {hist, hist + n_bins, hist + 2 * n_bins, hist + 3 * n_bins};
  int64_t k = 0;
  for (; k + kSubHists <= n; k += kSubHists) {
    for (int j = 0; j < kSubHists; ++j)
      if (bins[k + j] >= 0) ++h[j][bins[k + j]];
  }
  for (; k < n; ++k)
    if (bins[k] >= 0) ++h[0][bins[k]];
}

struct ThreadState {
  std::vector<uint8_t> seen;
  std::vector<uint32_t> code_count;  // per-tensor x̂ histogram via codes (see code_hist)
  std::vector<uint64_t> hx, hd, he;
  std::vector<int32_t> q_tile, bins;
  std::vector<float> xhat_tile;
  // Periodic mode: params expanded per position of one period.
  bool ready = false;
};

}  // namespace

QuantizeResult quantize(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s,
                        const QuantizeOptions& opt) {
  if (s.kind == Kind::Preset) return quantize_with_preset(x, shape, s, opt);
  QuantizeResult R;
  R.scheme = s;
  R.layout = *make_layout(shape, s);
  const GroupLayout& L = R.layout;
  const int threads = resolve_threads(opt.threads);
  RunControl* ctl = opt.control;
  if (ctl) ctl->total.store(L.numel * 2);

  // 1 + 2: ranges and params.
  const bool cast_only = s.kind == Kind::Float && s.scale == ScaleMode::None &&
                         s.clip.method == ClipMethod::None;
  if (cast_only) {
    R.groups.assign(size_t(L.groups), choose_params(s, 0.0f, 0.0f, false));
  } else {
    const GroupRanges ranges = range_pass(x, L, threads);
    if (ctl && ctl->cancelled()) {
      R.cancelled = true;
      return R;
    }
    if (opt.tensor_clip && L.groups == 1 && needs_data(s.clip.method) &&
        ranges.nonfinite[0] < L.numel) {
      R.groups.assign(1, choose_params(s, opt.tensor_clip->lo, opt.tensor_clip->hi, true));
    } else {
      R.groups = choose_all_params(x, L, s, ranges, threads);
    }
  }
  if (ctl) ctl->done.store(L.numel);

  // 3. The fused pass.
  if (opt.keep_codes) R.codes.assign(x.size(), 0);
  if (opt.keep_dequant) R.dequant.assign(x.size(), 0.0f);
  std::optional<HistogramSpec> hx, hd, he;
  if (opt.hist_x) hx = sanitize(*opt.hist_x);
  if (opt.hist_dequant) hd = sanitize(*opt.hist_dequant);
  if (opt.hist_error) he = sanitize(*opt.hist_error);
  if (opt.hist_error_from_params)
    if (auto spec = opt.hist_error_from_params(R.groups)) he = sanitize(*spec);

  const bool periodic = use_periodic(L);
  const int64_t P = periodic ? L.dim * L.inner : 0;
  // Periodic mode: params expanded per position (shared read-only by all threads).
  std::vector<float> p_scale, p_inv, p_zp, p_lo, p_hi;
  if (periodic) {
    p_scale.resize(size_t(P)); p_inv.resize(size_t(P)); p_zp.resize(size_t(P));
    p_lo.resize(size_t(P)); p_hi.resize(size_t(P));
    for (int64_t k = 0; k < P; ++k) {
      const GroupParams& g = R.groups[size_t(k / L.inner)];
      p_scale[size_t(k)] = g.scale; p_inv[size_t(k)] = g.inv; p_zp[size_t(k)] = g.zero_point;
      p_lo[size_t(k)] = g.clip_lo; p_hi[size_t(k)] = g.clip_hi;
    }
  }
  const int64_t chunk = periodic ? std::max<int64_t>(1, kChunk / P) * P : kChunk;
  const int64_t items = L.numel == 0 ? 0 : (L.numel + chunk - 1) / chunk;
  std::vector<ErrorSums> item_sums(static_cast<size_t>(items));
  std::vector<ThreadState> state(static_cast<size_t>(threads));
  const bool simd = is_int_simd(s);
  // Casts run the SIMD float kernel on runs of shared params (periodic layouts, whose
  // params change every element, stay scalar).
  const bool float_simd = s.kind == Kind::Float && !periodic;
  const CodeRange cr = code_range(s);
  const bool clipping = s.clip.method != ClipMethod::None;
  const int32_t signed_shift =
      (s.kind == Kind::Minmax && s.is_signed) ? (int32_t(1) << (s.bits - 1)) : 0;
  std::atomic<bool> stop{false};
  // One group, integer codes: x̂ takes at most 2^bits values, so its histogram is the code
  // histogram with each code's x̂ binned once, instead of binning every element's x̂. The
  // code's x̂ is computed with the kernel's float arithmetic, so the bins are identical.
  const bool code_hist = hd && simd && !periodic && R.groups.size() == 1;

  parallel_for(items, threads, [&](int64_t item, int t) {
    if (stop.load(std::memory_order_relaxed)) return;
    if (ctl && ctl->cancelled()) {
      stop = true;
      return;
    }
    ThreadState& st = state[size_t(t)];
    if (!st.ready) {
      st.seen.assign(kCodeSlots, 0);
      if (code_hist) st.code_count.assign(kCodeSlots, 0);
      if (hx) st.hx.assign(size_t(kSubHists * hx->bins), 0);
      if (hd) st.hd.assign(size_t(kSubHists * hd->bins), 0);
      if (he) st.he.assign(size_t(kSubHists * he->bins), 0);
      st.q_tile.resize(kTile);
      st.xhat_tile.resize(kTile);
      st.bins.resize(kTile);
      st.ready = true;
    }
    // Accumulate in locals: neighbouring items' sums share cache lines, and two threads
    // writing them element by element made 2 threads slower than 1 (false sharing).
    ErrorSums acc;
    const int64_t end = std::min(L.numel, (item + 1) * chunk);
    for (int64_t i = item * chunk; i < end;) {
      int64_t len;
      const GroupParams* gp = nullptr;
      int64_t pos = 0;
      if (periodic) {
        pos = i % P;
        len = std::min({kTile, P - pos, end - i});
      } else {
        gp = &R.groups[size_t(L.group_of(i))];
        len = std::min({kTile, L.run_length(i), end - i});
      }
      int32_t* q = opt.keep_codes ? R.codes.data() + i : st.q_tile.data();
      float* xh = opt.keep_dequant ? R.dequant.data() + i : st.xhat_tile.data();
      const float* xi = x.data() + i;
      const int64_t finite_before = acc.n;
      if (float_simd) {
        kernels::FloatKernelArgs a;
        a.x = xi;
        a.n = len;
        a.scheme = &s;
        a.params = gp;
        a.q = q;
        a.xhat = xh;
        kernels::float_quantize(a, &acc);
      } else if (simd) {
        kernels::IntKernelArgs a;
        a.x = xi;
        a.n = len;
        if (periodic) {
          a.scale_arr = p_scale.data() + pos;
          a.inv_arr = p_inv.data() + pos;
          a.zp_arr = p_zp.data() + pos; a.lo_arr = p_lo.data() + pos; a.hi_arr = p_hi.data() + pos;
        } else {
          a.scale = gp->scale; a.inv = gp->inv; a.zero_point = gp->zero_point;
          a.clip_lo = gp->clip_lo; a.clip_hi = gp->clip_hi;
        }
        a.clipping = clipping;
        a.has_zp = s.kind == Kind::Minmax && s.zero_point == ZeroPointKind::Int;
        a.float_zp = s.kind == Kind::Minmax && s.zero_point == ZeroPointKind::Float;
        a.qmin = float(cr.qmin);
        a.qmax = float(cr.qmax);
        a.q = q;
        a.xhat = xh;
        kernels::int_quantize(a, &acc);
      } else {
        ErrorSums ts;  // this tile's sums, kept in registers (acc's address escapes above)
        for (int64_t k = 0; k < len; ++k) {
          const float v = xi[k];
          if (!std::isfinite(v)) {
            q[k] = 0;
            xh[k] = v;
            continue;
          }
          const GroupParams& g = periodic ? R.groups[size_t((pos + k) / L.inner)] : *gp;
          const float u = s.rounding == Rounding::Stochastic
                              ? stochastic_uniform(s.seed, uint64_t(i + k)) : 0.0f;
          const ElementResult e = quantize_element(s, g, v, u);
          q[k] = e.code;
          xh[k] = e.xhat;
          const double xd = v, yd = e.xhat, err = xd - yd;
          ts.n += 1;
          ts.n_clipped += e.clipped ? 1 : 0;
          ts.sum_x2 += xd * xd;
          ts.sum_y2 += yd * yd;
          ts.sum_xy += xd * yd;
          ts.sum_err2 += err * err;
          ts.sum_abs_err += std::fabs(err);
          if (std::isnan(err) || std::fabs(err) > ts.max_abs_err) ts.max_abs_err = std::fabs(err);
        }
        acc.merge(ts);
      }
      // Scatter work that does not vectorize: codes seen, histogram increments, and the
      // signed-code shift of the stored codes. A tile without non-finite values (the
      // usual case: every element reached the sums) skips the per-element test.
      const bool all_finite = acc.n - finite_before == len;
      if (code_hist) {
        if (all_finite) {
          for (int64_t k = 0; k < len; ++k) ++st.code_count[size_t(q[k] + kCodeOffset)];
        } else {
          for (int64_t k = 0; k < len; ++k)
            if (std::isfinite(xi[k])) ++st.code_count[size_t(q[k] + kCodeOffset)];
        }
      } else if (all_finite) {
        for (int64_t k = 0; k < len; ++k) st.seen[size_t(q[k] + kCodeOffset)] = 1;
      } else {
        for (int64_t k = 0; k < len; ++k) {
          if (std::isfinite(xi[k])) st.seen[size_t(q[k] + kCodeOffset)] = 1;
        }
      }
      if (simd && signed_shift && opt.keep_codes) {  // quantize_element already shifted
        for (int64_t k = 0; k < len; ++k) {
          if (std::isfinite(xi[k])) q[k] -= signed_shift;
        }
      }
      if (hx) {
        kernels::bin_indices(xi, nullptr, len, *hx, st.bins.data());
        count_bins(st.bins.data(), len, st.hx.data(), hx->bins);
      }
      // x̂ of non-finite inputs is the input itself: never inside a histogram.
      if (hd && !code_hist) {
        kernels::bin_indices(xh, nullptr, len, *hd, st.bins.data());
        count_bins(st.bins.data(), len, st.hd.data(), hd->bins);
      }
      if (he) {
        kernels::bin_indices(xi, xh, len, *he, st.bins.data());
        count_bins(st.bins.data(), len, st.he.data(), he->bins);
      }
      i += len;
    }
    item_sums[size_t(item)] = acc;
    if (ctl) ctl->done.fetch_add(end - item * chunk, std::memory_order_relaxed);
  });
  if (stop.load() || (ctl && ctl->cancelled())) {
    R.cancelled = true;
    return R;
  }

  // Reduce in item order (float64 sums), then the order-free integer state.
  ErrorSums sums;
  for (const ErrorSums& e : item_sums) sums.merge(e);
  int64_t codes_used = 0;
  std::vector<uint8_t> seen(kCodeSlots, 0);
  auto merge_hist = [&](std::optional<HistogramSpec>& spec, std::optional<Histogram>& out,
                        std::vector<uint64_t> ThreadState::*member) {
    if (!spec) return;
    Histogram h;
    h.spec = *spec;
    h.counts.assign(size_t(spec->bins), 0);
    for (const ThreadState& st : state) {
      const auto& c = st.*member;
      for (size_t b = 0; b < c.size(); ++b) h.counts[b % size_t(spec->bins)] += c[b];
    }
    out = std::move(h);
  };
  std::vector<uint64_t> code_count(code_hist ? kCodeSlots : 0, 0);
  for (const ThreadState& st : state) {
    if (!st.ready) continue;
    for (size_t k = 0; k < kCodeSlots; ++k) seen[k] |= st.seen[k];
    if (code_hist)
      for (size_t k = 0; k < kCodeSlots; ++k) code_count[k] += st.code_count[k];
  }
  if (code_hist) {
    for (size_t k = 0; k < kCodeSlots; ++k) seen[k] |= code_count[k] > 0 ? 1 : 0;
    const GroupParams& g = R.groups[0];
    const bool has_zp = s.kind == Kind::Minmax && s.zero_point == ZeroPointKind::Int;
    const bool float_zp = s.kind == Kind::Minmax && s.zero_point == ZeroPointKind::Float;
    Histogram h;
    h.spec = *hd;
    h.counts.assign(size_t(hd->bins), 0);
    for (size_t k = 0; k < kCodeSlots; ++k) {
      if (code_count[k] == 0) continue;
      const float q = float(int32_t(k) - kCodeOffset);
      const float xh = float_zp ? q * g.scale + g.zero_point : has_zp ? (q - g.zero_point) * g.scale : q * g.scale;
      const int32_t b = histogram_bin(*hd, double(xh));
      if (b >= 0) h.counts[size_t(b)] += code_count[k];
    }
    R.hist_dequant = std::move(h);
  }
  for (uint8_t v : seen) codes_used += v;
  merge_hist(hx, R.hist_x, &ThreadState::hx);
  if (!code_hist) merge_hist(hd, R.hist_dequant, &ThreadState::hd);
  merge_hist(he, R.hist_error, &ThreadState::he);
  // Non-finite inputs never reach the sums: numel - n.
  R.metrics = finalize_metrics(sums, L.numel, L.numel - sums.n, codes_used,
                               bits_per_weight(s, L.numel, L.groups));
  if (ctl) ctl->done.store(ctl->total.load());
  return R;
}

nlohmann::json params_to_json(const QuantizeResult& r) {
  const Scheme& s = r.scheme;
  const bool scaled = has_scale(s);
  const bool zp = s.kind == Kind::Minmax;
  nlohmann::json j = nlohmann::json::object();
  if (r.groups.size() == 1) {
    const GroupParams& g = r.groups[0];
    j["scale"] = scaled ? number_to_json(g.scale) : nlohmann::json(nullptr);
    j["zero_point"] = zp ? number_to_json(g.zero_point) : nlohmann::json(nullptr);
    j["clip_lo"] = g.clipping ? number_to_json(g.clip_lo) : nlohmann::json(nullptr);
    j["clip_hi"] = g.clipping ? number_to_json(g.clip_hi) : nlohmann::json(nullptr);
    return j;
  }
  nlohmann::json g = nlohmann::json::object();
  g["count"] = r.groups.size();
  if (!r.groups.empty() && scaled) {
    float smin = r.groups[0].scale, smax = smin, zmin = r.groups[0].zero_point, zmax = zmin;
    for (const GroupParams& p : r.groups) {
      smin = std::min(smin, p.scale);
      smax = std::max(smax, p.scale);
      zmin = std::min(zmin, p.zero_point);
      zmax = std::max(zmax, p.zero_point);
    }
    g["scale_min"] = number_to_json(smin);
    g["scale_max"] = number_to_json(smax);
    g["zero_point_min"] = zp ? number_to_json(zmin) : nlohmann::json(nullptr);
    g["zero_point_max"] = zp ? number_to_json(zmax) : nlohmann::json(nullptr);
  } else {
    g["scale_min"] = nullptr;
    g["scale_max"] = nullptr;
    g["zero_point_min"] = nullptr;
    g["zero_point_max"] = nullptr;
  }
  j["groups"] = g;
  return j;
}

}  // namespace qs
