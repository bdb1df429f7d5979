// The fast quantizer: a range pass, calibration where the clip method needs data, and
// one fused pass over cache-sized chunks (SIMD kernels at full float lanes), split over
// threads and reduced in chunk order so the result does not depend on the thread count.
// Blocks of an integer scheme without data-driven clipping take a single pass: each tile's
// block ranges, params and codes while the tile is in L1.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

#include <hwy/cache_control.h>
#include <nlohmann/json.hpp>

#include "analysis/base/huge_pages.h"
#include "analysis/quant/calibrate.h"
#include "analysis/quant/quantize.h"
#include "analysis/quant/quantize_kernels.h"
#include "analysis/quant/quantize_passes.h"

namespace qs {

using namespace detail;

namespace {

constexpr int64_t kTile = 1024;      // elements per kernel call (scratch stays in L1)

// The slots of the codes-used table: every code the scheme can produce (integer codes
// before and after the signed shift, nf4 indices, a cast's bit patterns), offset to 0.
struct CodeSlots {
  int32_t offset = 0;
  size_t count = 1;
};
CodeSlots code_slots(const Scheme& s) {
  int32_t lo = 0, hi = 0;
  switch (s.kind) {
    case Kind::Absmax:
    case Kind::Minmax: {
      const CodeRange cr = code_range(s);
      lo = std::min(cr.qmin, s.kind == Kind::Minmax ? -(int32_t(1) << (s.bits - 1)) : cr.qmin);
      hi = cr.qmax;
      break;
    }
    case Kind::NF4: hi = 15; break;
    case Kind::Float: hi = (int32_t(1) << numeric::traits(s.format).bits) - 1; break;
    case Kind::Preset: break;
  }
  return {-lo, size_t(hi - lo + 1)};
}

// Histogram increments go to kSubHists interleaved copies (element k to copy k % 4):
// neighbouring values usually fall in the same bin, and four independent counters keep
// the increments from waiting on each other's stores. Merged when the pass ends.
constexpr int kSubHists = 4;

// Each copy has n_bins + 1 counters: slot 0 takes the outside values (bin -1), so the
// increments need no branch.
inline void count_bins(const int32_t* bins, int64_t n, uint64_t* hist, int n_bins) {
  const int64_t stride = n_bins + 1;
  uint64_t* h[kSubHists] = {hist + 1, hist + 1 + stride, hist + 1 + 2 * stride, hist + 1 + 3 * stride};
  int64_t k = 0;
  for (; k + kSubHists <= n; k += kSubHists) {
    for (int j = 0; j < kSubHists; ++j) ++h[j][bins[k + j]];
  }
  for (; k < n; ++k) ++h[0][bins[k]];
}

// Codes used, per thread: one byte per code slot, plus up to two intervals of slots known
// to be all seen. A vector of codes inside them (nearly every one, once the dense middle
// of the distribution has been seen: the code range around zero for integers, the run of
// each sign for casts) costs two compares instead of a store per element.
struct CodeSet {
  std::vector<uint8_t> seen;
  int32_t offset = 0;
  int32_t iv[4] = {1, 0, 1, 0};  // [lo1, hi1], [lo2, hi2]; empty when lo > hi

  void grow(int32_t& lo, int32_t& hi) const {
    if (lo > hi) return;
    const uint8_t* s = seen.data();
    while (lo > 0 && s[lo - 1]) --lo;
    while (hi + 1 < int32_t(seen.size()) && s[hi + 1]) ++hi;
  }
  // The kernels' view: seen table and intervals as (lo, width).
  kernels::CodeMarks marks() {
    kernels::CodeMarks m;
    m.seen = seen.data();
    m.offset = offset;
    for (int k = 0; k < 2; ++k) {
      if (iv[2 * k] > iv[2 * k + 1]) continue;
      m.lo[k] = iv[2 * k];
      m.width[k] = uint32_t(iv[2 * k + 1] - iv[2 * k]);
    }
    return m;
  }
  // Marks the codes of an all-finite tile (the scalar paths; the SIMD kernels mark).
  void mark(const int32_t* q, int64_t n) { update(kernels::mark_codes(q, n, offset, seen.data(), iv)); }
  // After new marks, `last` the last slot stored: grow the intervals.
  void update(int32_t last) {
    if (last < 0) return;
    grow(iv[0], iv[1]);
    grow(iv[2], iv[3]);
    if ((last >= iv[0] && last <= iv[1]) || (last >= iv[2] && last <= iv[3])) return;
    // The run of seen slots around the newest one replaces the shorter interval if longer.
    int32_t lo = last, hi = last;
    grow(lo, hi);
    const int k = (iv[1] - iv[0]) <= (iv[3] - iv[2]) ? 0 : 2;
    if (hi - lo > iv[k + 1] - iv[k]) {
      iv[k] = lo;
      iv[k + 1] = hi;
    }
  }
};

// The same for the int kernel's uint16 bins (bin + 1, 0 outside), four per 64-bit load.
inline void count_bins16(const uint16_t* bins, int64_t n, uint64_t* hist, int n_bins) {
  const int64_t stride = n_bins + 1;
  uint64_t* h[kSubHists] = {hist, hist + stride, hist + 2 * stride, hist + 3 * stride};
  int64_t k = 0;
  for (; k + 4 <= n; k += 4) {
    uint64_t w;
    std::memcpy(&w, bins + k, 8);
    ++h[0][w & 0xFFFF];
    ++h[1][(w >> 16) & 0xFFFF];
    ++h[2][(w >> 32) & 0xFFFF];
    ++h[3][w >> 48];
  }
  for (; k < n; ++k) ++h[0][bins[k]];
}

struct ThreadState {
  CodeSet codes;
  std::vector<uint32_t> code_count;  // per-tensor x̂ histogram via codes (see code_hist)
  std::vector<uint64_t> hx, hd, he;
  std::vector<int32_t> q_tile, bins;
  std::vector<uint16_t> bins16;  // the int kernel's x bins
  std::vector<float> xhat_tile;
  std::vector<float> bmn, bmx;  // fused blocks: one tile's block ranges
  std::vector<int64_t> bnf;
  bool ready = false;
};

// Software prefetch of the next tile: the stream is far above L3 for big tensors, and
// the hardware prefetcher stops at page boundaries.
inline void prefetch_range(const float* p, int64_t n) {
  for (int64_t k = 0; k < n; k += 16) hwy::Prefetch(p + k);
}

}  // namespace

QuantizeResult quantize(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s,
                        const QuantizeOptions& opt) {
  if (s.kind == Kind::Preset) return quantize_with_preset(x, shape, s, opt);
  if (has_transform(s)) return quantize_transformed(x, shape, s, opt, /*ref=*/false);
  QuantizeResult R;
  R.scheme = s;
  R.layout = *make_layout(shape, s);
  const GroupLayout& L = R.layout;
  const int threads = resolve_threads(opt.threads);
  RunControl* ctl = opt.control;
  if (ctl) ctl->total.store(L.numel * 2);
  const bool simd = is_int_simd(s), nf4 = s.kind == Kind::NF4;  // nf4: quantize_nf4_kernel.cpp

  // Blocks of an integer scheme whose params need no data beyond the block's own range:
  // one pass (block ranges, params and codes per tile), no tensor-sized range arrays.
  const bool fused_blocks = (simd || nf4) && L.granularity == Granularity::Block && L.numel > 0 &&
                            (s.clip.method == ClipMethod::None || s.clip.method == ClipMethod::Range) &&
                            !opt.hist_error_from_params;

  // 1 + 2: ranges and params.
  const bool cast_only = s.kind == Kind::Float && s.scale == ScaleMode::None &&
                         s.clip.method == ClipMethod::None;
  if (cast_only) {
    R.groups.assign(size_t(L.groups), choose_params(s, 0.0f, 0.0f, false));
  } else if (fused_blocks) {
    R.groups.resize(size_t(L.groups));  // filled by the fused pass
  } else {
    const GroupRanges ranges = range_pass(x, L, threads);
    if (ctl && ctl->cancelled()) {
      R.cancelled = true;
      return R;
    }
    if (opt.tensor_clip && L.groups == 1 && clip_needs_data(s.clip.method) &&
        ranges.nonfinite[0] < L.numel) {
      R.groups.assign(1, choose_params(s, opt.tensor_clip->lo, opt.tensor_clip->hi, true));
    } else {
      R.groups = choose_all_params(x, L, s, ranges, threads);
    }
  }
  if (ctl && !fused_blocks) ctl->done.store(L.numel);

  // 3. The fused pass.
  if (opt.keep_codes) R.codes.assign(x.size(), 0);
  if (opt.keep_dequant) assign_advised(R.dequant, x.size(), 0.0f);
  std::optional<HistogramSpec> hx, hd, he;
  if (opt.hist_x) hx = sanitize(*opt.hist_x);
  if (opt.hist_dequant) hd = sanitize(*opt.hist_dequant);
  if (opt.hist_error) he = sanitize(*opt.hist_error);
  if (opt.hist_error_from_params)
    if (auto spec = opt.hist_error_from_params(R.groups)) he = sanitize(*spec);
  const kernels::FastBins fast_hx = hx ? kernels::make_fast_bins(*hx) : kernels::FastBins{};

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
  // Work items. Fused blocks: whole rows (rows_per_item of them), or, for rows longer than
  // a chunk, pieces of a row made of whole blocks, so every block lies in one item.
  const int64_t B = L.block, cols = L.cols;
  const int64_t rows = fused_blocks ? L.numel / cols : 0;
  const int64_t rows_per_item = std::max<int64_t>(1, kChunk / std::max<int64_t>(cols, 1));
  const int64_t piece = cols <= kChunk ? cols : std::max<int64_t>(1, kChunk / B) * B;
  const int64_t pieces_per_row = (cols + piece - 1) / piece;
  const int64_t tile_blocks = std::max<int64_t>(1, kTile / B);
  const int64_t chunk = periodic ? std::max<int64_t>(1, kChunk / P) * P : kChunk;
  int64_t items = L.numel == 0 ? 0 : (L.numel + chunk - 1) / chunk;
  if (fused_blocks)
    items = cols <= kChunk ? (rows + rows_per_item - 1) / rows_per_item : rows * pieces_per_row;
  const int64_t tile_cap = fused_blocks ? std::max(kTile, B) : kTile;

  std::vector<ErrorSums> item_sums(static_cast<size_t>(items));
  std::vector<ThreadState> state(static_cast<size_t>(threads));
  // Casts run the SIMD float kernel on runs of shared params (periodic layouts, whose
  // params change every element, stay scalar).
  const bool float_simd = s.kind == Kind::Float && !periodic;
  const CodeRange cr = code_range(s);
  const bool clipping = s.clip.method != ClipMethod::None;
  const bool has_zp = s.kind == Kind::Minmax && s.zero_point == ZeroPointKind::Int;
  const bool float_zp = s.kind == Kind::Minmax && s.zero_point == ZeroPointKind::Float;
  const int32_t signed_shift =
      (s.kind == Kind::Minmax && s.is_signed) ? (int32_t(1) << (s.bits - 1)) : 0;
  const GroupParams empty_params = choose_params(s, 0.0f, 0.0f, false);
  const bool absmax_f32 = s.kind == Kind::Absmax && s.scale_dtype == ScaleDType::F32;
  const float qmax_f = float(cr.qmax);
  const GroupParams range_clip_params =
      s.clip.method == ClipMethod::Range ? choose_params(s, float(s.clip.lo), float(s.clip.hi), true)
                                         : GroupParams{};
  std::atomic<bool> stop{false};
  // One group, integer codes: x̂ takes at most 2^bits values, so its histogram is the code
  // histogram with each code's x̂ binned once, instead of binning every element's x̂. The
  // code's x̂ is computed with the kernel's float arithmetic, so the bins are identical.
  // The same counts give x̂'s distinct values (opt.dequant_values).
  const bool code_hist = (hd || opt.dequant_values) && simd && !periodic && R.groups.size() == 1;
  const CodeSlots slots = code_slots(s);
  // The int kernel skips the x̂ stores when nothing reads them.
  const bool need_xhat = opt.keep_dequant || (hd && !code_hist) || he;

  // The int kernel bins x for the histogram itself when the fast rule applies.
  const bool kernel_bins = hx && fast_hx.usable && hx->bins < 65535;
  auto int_args = [&](const float* xi, int64_t len, int32_t* q, float* xh, uint16_t* bins) {
    kernels::IntKernelArgs a;
    if (kernel_bins) {
      a.bins = &fast_hx;
      a.bin_out = bins;
    }
    a.x = xi;
    a.n = len;
    a.clipping = clipping;
    a.has_zp = has_zp;
    a.float_zp = float_zp;
    a.qmin = float(cr.qmin);
    a.qmax = float(cr.qmax);
    a.q = q;
    a.xhat = need_xhat ? xh : nullptr;
    return a;
  };

  // Everything after a tile's kernel: codes used, histograms, the signed shift.
  auto finish_tile = [&](ThreadState& st, const float* xi, int32_t* q, const float* xh, int64_t len,
                         bool all_finite, bool marked, bool binned) {
    if (marked) {
      // the kernel marked the codes used
    } else if (code_hist) {
      uint32_t* cc = st.code_count.data();
      if (all_finite) {
        for (int64_t k = 0; k < len; ++k) ++cc[q[k] + slots.offset];
      } else {
        for (int64_t k = 0; k < len; ++k)
          if (std::isfinite(xi[k])) ++cc[q[k] + slots.offset];
      }
    } else if (all_finite) {
      st.codes.mark(q, len);
    } else {
      uint8_t* seen = st.codes.seen.data();
      for (int64_t k = 0; k < len; ++k)
        if (std::isfinite(xi[k])) seen[q[k] + slots.offset] = 1;
    }
    if (simd && signed_shift && opt.keep_codes) {  // quantize_element already shifted
      for (int64_t k = 0; k < len; ++k) {
        if (std::isfinite(xi[k])) q[k] -= signed_shift;
      }
    }
    if (hx) {
      if (binned) {  // the int kernel computed the bins
        count_bins16(st.bins16.data(), len, st.hx.data(), hx->bins);
      } else if (fast_hx.usable) {
        kernels::bin_indices_fast(xi, len, fast_hx, st.bins.data());
      } else {
        kernels::bin_indices(xi, nullptr, len, *hx, st.bins.data());
      }
      if (!binned) count_bins(st.bins.data(), len, st.hx.data(), hx->bins);
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
  };

  // Fused blocks: the tiles of one row segment [c0, c1) (c0 a multiple of the block).
  auto block_segment = [&](ThreadState& st, int64_t row, int64_t c0, int64_t c1, ErrorSums& acc) {
    for (int64_t t0 = c0; t0 < c1;) {
      const int64_t len = std::min(tile_blocks * B, c1 - t0);
      const int64_t nb = (len + B - 1) / B;
      const int64_t i = row * cols + t0;
      const int64_t g0 = row * L.blocks_per_row + t0 / B;
      const float* xi = x.data() + i;
      if (t0 + len < c1) prefetch_range(xi + len, std::min(len, c1 - t0 - len));
      kernels::block_ranges(xi, len, B, st.bmn.data(), st.bmx.data(), st.bnf.data());
      GroupParams* gp = R.groups.data() + g0;
      for (int64_t j = 0; j < nb; ++j) {
        const int64_t blen = std::min(B, len - j * B);
        const float mn = st.bmn[size_t(j)], mx = st.bmx[size_t(j)];
        if (st.bnf[size_t(j)] == blen) {
          gp[j] = empty_params;
        } else if (clipping) {
          gp[j] = range_clip_params;
        } else if (absmax_f32) {
          // choose_params for absmax with f32 scales, inline (the tests compare the two):
          // s = amax/qmax, 0 → the smallest subnormal (round_scale), inv = 1/s.
          const float amax = std::max(std::fabs(mn), std::fabs(mx));
          float sc = amax / qmax_f;
          if (amax == 0.0f) sc = 1.0f;
          else if (sc == 0.0f) sc = std::numeric_limits<float>::denorm_min();
          GroupParams& p = gp[j];
          p.scale = sc;
          p.inv = inverse_scale(sc);
          p.zero_point = 0.0f;
          p.clip_lo = mn;
          p.clip_hi = mx;
          p.clipping = false;
        } else {
          gp[j] = choose_params(s, mn, mx, false);
        }
      }
      int32_t* q = opt.keep_codes ? R.codes.data() + i : st.q_tile.data();
      float* xh = opt.keep_dequant ? R.dequant.data() + i : st.xhat_tile.data();
      kernels::IntKernelArgs a = int_args(xi, len, q, xh, st.bins16.data());
      a.block = B;
      a.params = gp;
      kernels::CodeMarks marks = st.codes.marks();
      if (!code_hist) a.marks = &marks;
      const int64_t finite_before = acc.n;
      if (nf4) kernels::nf4_quantize({xi, len, B, gp, q, a.xhat, a.marks}, &acc);
      else kernels::int_quantize(a, &acc);
      if (!code_hist) st.codes.update(marks.last);
      finish_tile(st, xi, q, xh, len, acc.n - finite_before == len, !code_hist, kernel_bins && !nf4);
      t0 += len;
    }
  };

  parallel_for(items, threads, [&](int64_t item, int t) {
    if (stop.load(std::memory_order_relaxed)) return;
    if (ctl && ctl->cancelled()) {
      stop = true;
      return;
    }
    ThreadState& st = state[size_t(t)];
    if (!st.ready) {
      st.codes.seen.assign(slots.count, 0);
      st.codes.offset = slots.offset;
      if (code_hist) st.code_count.assign(slots.count, 0);
      if (hx) st.hx.assign(size_t(kSubHists * (hx->bins + 1)), 0);
      if (hd) st.hd.assign(size_t(kSubHists * (hd->bins + 1)), 0);
      if (he) st.he.assign(size_t(kSubHists * (he->bins + 1)), 0);
      st.q_tile.resize(size_t(tile_cap));
      st.xhat_tile.resize(size_t(tile_cap));
      st.bins.resize(size_t(tile_cap));
      if (kernel_bins) st.bins16.resize(size_t(tile_cap));
      if (fused_blocks) {
        st.bmn.resize(size_t(tile_blocks));
        st.bmx.resize(size_t(tile_blocks));
        st.bnf.resize(size_t(tile_blocks));
      }
      st.ready = true;
    }
    // Accumulate in locals: neighbouring items' sums share cache lines, and two threads
    // writing them element by element made 2 threads slower than 1 (false sharing).
    ErrorSums acc;
    if (fused_blocks) {
      int64_t done = 0;
      if (cols <= kChunk) {
        const int64_t r1 = std::min(rows, (item + 1) * rows_per_item);
        for (int64_t r = item * rows_per_item; r < r1; ++r) block_segment(st, r, 0, cols, acc);
        done = (r1 - item * rows_per_item) * cols;
      } else {
        const int64_t r = item / pieces_per_row, c0 = (item % pieces_per_row) * piece;
        const int64_t c1 = std::min(cols, c0 + piece);
        block_segment(st, r, c0, c1, acc);
        done = c1 - c0;
      }
      item_sums[size_t(item)] = acc;
      if (ctl) ctl->done.fetch_add(2 * done, std::memory_order_relaxed);
      return;
    }
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
      if (i + len < end) prefetch_range(xi + len, std::min(len, end - i - len));
      const int64_t finite_before = acc.n;
      kernels::CodeMarks marks = st.codes.marks();
      const bool kernel_marks = (float_simd || simd || (nf4 && !periodic)) && !code_hist;
      if (nf4 && !periodic) {
        kernels::nf4_quantize({xi, len, 0, gp, q, need_xhat ? xh : nullptr, kernel_marks ? &marks : nullptr}, &acc);
      } else if (float_simd) {
        kernels::FloatKernelArgs a;
        a.x = xi;
        a.n = len;
        a.scheme = &s;
        a.params = gp;
        a.q = q;
        a.xhat = xh;
        if (kernel_marks) a.marks = &marks;
        kernels::float_quantize(a, &acc);
      } else if (simd) {
        kernels::IntKernelArgs a = int_args(xi, len, q, xh, st.bins16.data());
        if (periodic) {
          a.scale_arr = p_scale.data() + pos;
          a.inv_arr = p_inv.data() + pos;
          a.zp_arr = p_zp.data() + pos; a.lo_arr = p_lo.data() + pos; a.hi_arr = p_hi.data() + pos;
        } else {
          a.scale = gp->scale; a.inv = gp->inv; a.zero_point = gp->zero_point;
          a.clip_lo = gp->clip_lo; a.clip_hi = gp->clip_hi;
        }
        if (kernel_marks) a.marks = &marks;
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
      // A tile without non-finite values (the usual case: every element reached the
      // sums) skips the per-element test.
      if (kernel_marks) st.codes.update(marks.last);
      finish_tile(st, xi, q, xh, len, acc.n - finite_before == len, kernel_marks, simd && kernel_bins);
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
  std::vector<uint8_t> seen(slots.count, 0);
  auto merge_hist = [&](std::optional<HistogramSpec>& spec, std::optional<Histogram>& out,
                        std::vector<uint64_t> ThreadState::*member) {
    if (!spec) return;
    Histogram h;
    h.spec = *spec;
    h.counts.assign(size_t(spec->bins), 0);
    for (const ThreadState& st : state) {
      const auto& c = st.*member;
      const size_t stride = size_t(spec->bins) + 1;  // slot 0 of each copy: outside
      for (size_t b = 0; b < c.size(); ++b)
        if (b % stride != 0) h.counts[b % stride - 1] += c[b];
    }
    out = std::move(h);
  };
  std::vector<uint64_t> code_count(code_hist ? slots.count : 0, 0);
  for (const ThreadState& st : state) {
    if (!st.ready) continue;
    for (size_t k = 0; k < slots.count; ++k) seen[k] |= st.codes.seen[k];
    if (code_hist)
      for (size_t k = 0; k < slots.count; ++k) code_count[k] += st.code_count[k];
  }
  if (code_hist) {
    for (size_t k = 0; k < slots.count; ++k) seen[k] |= code_count[k] > 0 ? 1 : 0;
    const GroupParams& g = R.groups[0];
    Histogram h;
    if (hd) {
      h.spec = *hd;
      h.counts.assign(size_t(hd->bins), 0);
    }
    std::vector<std::pair<float, uint64_t>> values;
    for (size_t k = 0; k < slots.count; ++k) {
      if (code_count[k] == 0) continue;
      const float q = float(int32_t(k) - slots.offset);
      const float xh = float_zp ? q * g.scale + g.zero_point : has_zp ? (q - g.zero_point) * g.scale : q * g.scale;
      if (hd)
        if (const int32_t b = histogram_bin(*hd, double(xh)); b >= 0) h.counts[size_t(b)] += code_count[k];
      if (opt.dequant_values && std::isfinite(xh)) values.emplace_back(xh, code_count[k]);
    }
    if (hd) R.hist_dequant = std::move(h);
    if (opt.dequant_values) set_dequant_values(R, std::move(values));
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
  if (has_transform(s)) j["transform"] = r.transform ? transform_report_to_json(*r.transform) : nlohmann::json();
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
