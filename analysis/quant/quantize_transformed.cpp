// Quantizing through a transform: forward in the matrix view, the scheme's quantizer on
// x′, the inverse on x̂′, metrics against the original x (quantize_transformed.h).
#include "analysis/quant/quantize_transformed.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "analysis/base/huge_pages.h"
#include "analysis/base/parallel.h"
#include "analysis/numeric/float_formats.h"
#include "analysis/quant/sorted_values.h"
#include "analysis/quant/quantize.h"
#include "analysis/transforms/hadamard.h"
#include "analysis/transforms/keep_columns.h"
#include "analysis/transforms/smooth.h"

namespace qs {
namespace {

constexpr int64_t kChunk = 1 << 16;  // metrics items: fixed, so sums never depend on the thread count

std::string matrix_text(MatrixShape m) { return std::to_string(m.rows) + "×" + std::to_string(m.cols); }

int64_t count_nonfinite(std::span<const float> x, int threads = 0) {
  const int64_t n = int64_t(x.size());
  return parallel_reduce(
      chunk_count(n, kChunk), threads, int64_t(0),
      [&](int64_t c) {
        int64_t k = 0;
        for (int64_t i = c * kChunk, e = std::min(n, (c + 1) * kChunk); i < e; ++i) k += !std::isfinite(x[size_t(i)]);
        return k;
      },
      [](int64_t& acc, int64_t k) { acc += k; });
}

// The forward transform's output and what the inverse and the report need.
struct Forward {
  FloatBuffer xp;  // x′ (not zero-filled first: every element is written)
  TransformReport rep;
  std::vector<float> smooth_s;
  std::vector<int64_t> kept;
  std::shared_ptr<const LowRankFactors> lr;
  bool cancelled = false;
};

std::shared_ptr<const std::vector<float>> col_absmax(std::span<const float> x, MatrixShape m,
                                                     const TransformInputs* in, bool ref, int threads) {
  if (in && in->column_absmax && int64_t(in->column_absmax->size()) == m.cols) return in->column_absmax;
  return std::make_shared<const std::vector<float>>(ref ? column_absmax_ref(x, m) : column_absmax(x, m, threads));
}

Forward forward(std::span<const float> x, std::span<const int64_t> shape, const Transform& t,
                const TransformInputs* in, const QuantizeOptions& opt, bool ref) {
  const MatrixShape m = matrix_view(shape);
  Forward f;
  f.rep.kind = t.kind;
  f.xp.reserve(x.size());
  advise_huge_pages(f.xp.data(), x.size() * sizeof(float));
  f.xp.resize(x.size());  // default-init: untouched until the transform writes it
  const int threads = opt.threads;
  switch (t.kind) {
    case TransformKind::Hadamard: {
      const std::optional<uint64_t> seed = t.has_seed ? std::optional<uint64_t>(t.seed) : std::nullopt;
      f.rep.block = hadamard_block(m.cols);
      f.rep.seed = seed;
      if (ref) hadamard_forward_ref(x, m, seed, f.xp);
      else hadamard_forward(x, m, seed, f.xp, threads, nullptr);
      break;
    }
    case TransformKind::Smooth: {
      const auto w = col_absmax(x, m, in, ref, threads);
      const std::vector<float> a = *activation_maxima_for(in->act_max, shape);  // checked by transform_ready
      const SmoothScales sc = smooth_scales(*w, a, t.alpha);
      f.smooth_s = sc.s;
      f.rep.alpha = t.alpha;
      f.rep.act_absmax_before = sc.act_absmax_before;
      f.rep.act_absmax_after = sc.act_absmax_after;
      f.rep.scale_min = sc.scale_min;
      f.rep.scale_max = sc.scale_max;
      smooth_forward(x, m, f.smooth_s, f.xp, ref ? 1 : threads);
      break;
    }
    case TransformKind::LowRank: {
      if (in && in->low_rank && in->low_rank->rank >= t.count && in->low_rank->m.rows == m.rows &&
          in->low_rank->m.cols == m.cols) {
        f.lr = in->low_rank;
      } else {
        auto lr = std::make_shared<LowRankFactors>(ref ? low_rank_factors_ref(x, m, t.count)
                                                       : low_rank_factors(x, m, t.count, threads, opt.control));
        if (lr->cancelled) {
          f.cancelled = true;
          return f;
        }
        f.lr = std::move(lr);
      }
      f.rep.rank = t.count;
      f.rep.energy = f.lr->energy(t.count);
      low_rank_subtract(x, *f.lr, t.count, f.xp, ref ? 1 : threads);
      break;
    }
    case TransformKind::Keep: {
      std::vector<int64_t> kept;
      if (in && in->keep_priority && int64_t(in->keep_priority->size()) == m.cols) {
        kept.assign(in->keep_priority->begin(), in->keep_priority->begin() + t.count);
        std::sort(kept.begin(), kept.end());
      } else {
        kept = choose_kept_columns(*col_absmax(x, m, in, ref, threads), t.count);
      }
      f.kept = std::move(kept);
      f.rep.count = t.count;
      f.rep.columns = f.kept;
      keep_forward(x, m, f.kept, f.xp);
      break;
    }
    case TransformKind::None: std::copy(x.begin(), x.end(), f.xp.begin()); break;
  }
  return f;
}

// x̂ = T⁻¹(x̂′), written over xhat (which holds x̂′).
void inverse(std::span<const float> x, std::span<const int64_t> shape, const Transform& t, const Forward& f,
             std::vector<float>& xhat, int threads, bool ref) {
  const MatrixShape m = matrix_view(shape);
  switch (t.kind) {
    case TransformKind::Hadamard: {
      const std::optional<uint64_t> seed = t.has_seed ? std::optional<uint64_t>(t.seed) : std::nullopt;
      if (ref) hadamard_inverse_ref(xhat, m, seed, xhat);
      else hadamard_inverse(xhat, m, seed, xhat, threads, nullptr);
      break;
    }
    case TransformKind::Smooth: smooth_inverse(xhat, m, f.smooth_s, xhat, ref ? 1 : threads); break;
    case TransformKind::LowRank: low_rank_add(xhat, *f.lr, t.count, xhat, ref ? 1 : threads); break;
    case TransformKind::Keep: keep_inverse(x, xhat, m, f.kept, xhat); break;
    case TransformKind::None: break;
  }
}

// Error sums of x against x̂ over the finite x, chunk by chunk in a fixed order.
ErrorSums pair_sums(std::span<const float> x, std::span<const float> xhat, int64_t begin, int64_t end) {
  ErrorSums s;
  for (int64_t i = begin; i < end; ++i) {
    const float xv = x[size_t(i)];
    if (!std::isfinite(xv)) continue;
    const double a = xv, b = xhat[size_t(i)], e = a - b;
    ++s.n;
    s.sum_x2 += a * a;
    s.sum_y2 += b * b;
    s.sum_xy += a * b;
    s.sum_err2 += e * e;
    s.sum_abs_err += std::fabs(e);
    const double ae = std::fabs(e);
    if (std::isnan(ae) || ae > s.max_abs_err) s.max_abs_err = ae;
  }
  return s;
}

// x̂'s or x − x̂'s histogram over the finite x, per chunk, summed in chunk order.
Histogram histogram_of(std::span<const float> x, std::span<const float> xhat, const HistogramSpec& spec_in,
                       bool error, int threads) {
  Histogram h;
  h.spec = sanitize(spec_in);
  const int64_t n = int64_t(x.size());
  h.counts = parallel_reduce(
      chunk_count(n, kChunk), threads, std::vector<uint64_t>(size_t(h.spec.bins), 0),
      [&](int64_t c) {
        std::vector<uint64_t> part(size_t(h.spec.bins), 0);
        for (int64_t i = c * kChunk, e = std::min(n, (c + 1) * kChunk); i < e; ++i) {
          if (!std::isfinite(x[size_t(i)])) continue;
          const double v = error ? double(x[size_t(i)]) - double(xhat[size_t(i)]) : double(xhat[size_t(i)]);
          const int b = histogram_bin(h.spec, v);
          if (b >= 0) ++part[size_t(b)];
        }
        return part;
      },
      [](std::vector<uint64_t>& acc, const std::vector<uint64_t>& part) {
        for (size_t b = 0; b < acc.size(); ++b) acc[b] += part[b];
      });
  return h;
}

// keep: the quantizer's clipped elements and codes over the other columns only, and the
// kept elements that overflow fp16 (DESIGN.md: clipped_fraction, codes_used for keep).
// Rows in fixed items; each item marks its codes in a bitmap, OR-ed in item order.
void keep_counts(std::span<const float> x, std::span<const int64_t> shape, const Scheme& base,
                 const QuantizeResult& q, const std::vector<int64_t>& kept, int threads, int64_t& n_clipped,
                 int64_t& codes_used) {
  const MatrixShape m = matrix_view(shape);
  std::vector<uint8_t> is_kept(size_t(m.cols), 0);
  for (int64_t c : kept) is_kept[size_t(c)] = 1;
  constexpr int64_t kCodeOffset = int64_t(1) << 17;  // codes: ±2^16 ints or ≤ 16-bit float patterns
  constexpr size_t kWords = size_t(1) << 12;         // 2^18 bits
  struct Part {
    int64_t clip_delta = 0;
    std::vector<uint64_t> seen;
  };
  const int64_t rows_per_item = std::max<int64_t>(1, kChunk / std::max<int64_t>(m.cols, 1));
  const Part all = parallel_reduce(
      chunk_count(m.rows, rows_per_item), threads, Part{0, std::vector<uint64_t>(kWords, 0)},
      [&](int64_t item) {
        Part p{0, std::vector<uint64_t>(kWords, 0)};
        const int64_t r0 = item * rows_per_item, r1 = std::min(m.rows, r0 + rows_per_item);
        for (int64_t r = r0; r < r1; ++r) {
          const int64_t row = r * m.cols;
          for (int64_t c = 0; c < m.cols; ++c) {
            if (is_kept[size_t(c)] || !std::isfinite(x[size_t(row + c)])) continue;
            const uint64_t slot = uint64_t(int64_t(q.codes[size_t(row + c)]) + kCodeOffset);
            if (slot < kWords * 64) p.seen[slot >> 6] |= uint64_t(1) << (slot & 63);
          }
          for (int64_t c : kept) {
            const float xv = x[size_t(row + c)];
            if (!std::isfinite(xv)) continue;
            // The zero the quantizer saw here: take back its clip, count the fp16 overflow.
            const GroupParams& g = q.groups[size_t(q.layout.group_of(row + c))];
            if (quantize_element(base, g, 0.0f, 0.5f).clipped) --p.clip_delta;
            if (std::isinf(numeric::fp16_decode(numeric::fp16_encode(xv)))) ++p.clip_delta;
          }
        }
        return p;
      },
      [](Part& acc, const Part& p) {
        acc.clip_delta += p.clip_delta;
        for (size_t w = 0; w < kWords; ++w) acc.seen[w] |= p.seen[w];
      });
  n_clipped = q.metrics.sums.n_clipped + all.clip_delta;
  codes_used = 0;
  for (uint64_t w : all.seen) codes_used += __builtin_popcountll(w);
}

}  // namespace

nlohmann::json transform_report_to_json(const TransformReport& t) {
  nlohmann::json j;
  j["kind"] = std::string(transform_kind_name(t.kind));
  switch (t.kind) {
    case TransformKind::Hadamard:
      j["block"] = t.block;
      j["seed"] = t.seed ? nlohmann::json(*t.seed) : nlohmann::json();
      break;
    case TransformKind::Smooth:
      j["alpha"] = t.alpha;
      j["act_absmax_before"] = number_to_json(t.act_absmax_before);
      j["act_absmax_after"] = number_to_json(t.act_absmax_after);
      j["scale_min"] = number_to_json(t.scale_min);
      j["scale_max"] = number_to_json(t.scale_max);
      break;
    case TransformKind::LowRank:
      j["rank"] = t.rank;
      j["energy"] = number_to_json(t.energy);
      break;
    case TransformKind::Keep: {
      j["count"] = t.count;
      const size_t n = std::min<size_t>(t.columns.size(), 64);
      j["columns"] = std::vector<int64_t>(t.columns.begin(), t.columns.begin() + long(n));
      break;
    }
    case TransformKind::None: break;
  }
  return j;
}

double transform_extra_bits(const Transform& t, std::span<const int64_t> shape) {
  const MatrixShape m = matrix_view(shape);
  const double numel = double(m.numel());
  if (numel <= 0) return 0.0;
  if (t.kind == TransformKind::LowRank) return 16.0 * double(t.count) * double(m.rows + m.cols) / numel;
  if (t.kind == TransformKind::Keep) return (16.0 * double(m.rows) * double(t.count) + 32.0 * double(t.count)) / numel;
  return 0.0;
}

Result<void> transform_fits(const Transform& t, std::span<const int64_t> shape) {
  const MatrixShape m = matrix_view(shape);
  if (m.numel() == 0) return {};  // an empty tensor is not an error
  if (t.kind == TransformKind::LowRank && !(t.count < std::min(m.rows, m.cols)))
    return make_error("lowrank=" + std::to_string(t.count) + ": needs 1 <= r < min(rows, cols) = " +
                      std::to_string(std::min(m.rows, m.cols)) + " for this " + matrix_text(m) + " matrix view");
  if (t.kind == TransformKind::Keep && !(t.count < m.cols))
    return make_error("keep=" + std::to_string(t.count) + ": needs 1 <= k < cols = " + std::to_string(m.cols) +
                      " for this " + matrix_text(m) + " matrix view");
  return {};
}

Result<void> transform_ready(const Scheme& s, std::span<const int64_t> shape, int64_t n_nonfinite,
                             const TransformInputs* in) {
  if (auto fits = transform_fits(s.transform, shape); !fits) return fits;
  const std::string key = s.transform.kind == TransformKind::Hadamard ? "rot" : "lowrank";
  if ((s.transform.kind == TransformKind::Hadamard || s.transform.kind == TransformKind::LowRank) &&
      n_nonfinite > 0)
    return make_error(key + ": the tensor holds " + std::to_string(n_nonfinite) +
                      " NaN/Inf values; a rotation or a low-rank split would spread them over every element");
  if (s.transform.kind == TransformKind::Smooth) {
    const MatrixShape m = matrix_view(shape);
    if (!in || in->act_max.empty())
      return make_error("smooth: needs per-column activation maxima, a 1-D tensor of length " +
                        std::to_string(m.cols) + " (--act-max FILE:TENSOR)");
    if (auto a = activation_maxima_for(in->act_max, shape); !a) return tl::unexpected(a.error());
  }
  return {};
}

void prepare_transform_inputs(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s,
                              TransformInputs& in, int threads, RunControl* control) {
  if (!has_transform(s) || x.empty() || !transform_fits(s.transform, shape)) return;
  const MatrixShape m = matrix_view(shape);
  const TransformKind k = s.transform.kind;
  if ((k == TransformKind::Keep || k == TransformKind::Smooth) &&
      (!in.column_absmax || int64_t(in.column_absmax->size()) != m.cols))
    in.column_absmax = std::make_shared<const std::vector<float>>(column_absmax(x, m, threads));
  if (k == TransformKind::Keep && (!in.keep_priority || int64_t(in.keep_priority->size()) != m.cols))
    in.keep_priority = std::make_shared<const std::vector<int64_t>>(keep_priority(*in.column_absmax));
  if (k == TransformKind::LowRank && (!in.low_rank || in.low_rank->rank < s.transform.count) &&
      count_nonfinite(x) == 0) {
    LowRankFactors f = low_rank_factors(x, m, s.transform.count, threads, control);
    if (!f.cancelled) in.low_rank = std::make_shared<const LowRankFactors>(std::move(f));
  }
}

QuantizeResult quantize_transformed(std::span<const float> x, std::span<const int64_t> shape, const Scheme& s,
                                    const QuantizeOptions& opt, bool ref) {
  Scheme base = s;
  base.transform = Transform{};
  QuantizeOptions bo = opt;
  bo.hist_x.reset();
  bo.hist_dequant.reset();
  bo.hist_error.reset();
  bo.hist_error_from_params = nullptr;
  bo.dequant_values = false;  // x̂ is mapped back: it does not sit on x′'s levels
  bo.tensor_clip.reset();  // a cached clip is x's, and clipping applies to x′
  bo.transform = nullptr;
  bo.keep_transformed = false;
  bo.keep_dequant = true;
  bo.keep_codes = opt.keep_codes || s.transform.kind == TransformKind::Keep;

  // Only rot and lowrank must know it first (they refuse NaN/Inf); the others learn it
  // from the metrics pass.
  const bool refuses_nonfinite =
      s.transform.kind == TransformKind::Hadamard || s.transform.kind == TransformKind::LowRank;
  const int64_t known_nonfinite = refuses_nonfinite ? count_nonfinite(x, opt.threads) : 0;
  if (x.empty()) {  // metrics and params.transform null
    QuantizeResult r = ref ? quantize_ref(x, shape, base, bo) : quantize(x, shape, base, bo);
    r.scheme = s;
    return r;
  }
  if (auto ready = transform_ready(s, shape, known_nonfinite, opt.transform); !ready) {
    QuantizeResult r;
    r.scheme = s;
    r.layout = *make_layout(shape, base);
    r.error = ready.error().message;
    return r;
  }
  Forward f = forward(x, shape, s.transform, opt.transform, opt, ref);
  if (f.cancelled || (opt.control && opt.control->cancelled())) {
    QuantizeResult r;
    r.scheme = s;
    r.cancelled = true;
    return r;
  }
  const std::span<const float> xp(f.xp.data(), f.xp.size());
  QuantizeResult q = ref ? quantize_ref(xp, shape, base, bo) : quantize(xp, shape, base, bo);
  if (q.cancelled) {
    q.scheme = s;
    return q;
  }
  std::vector<float> xhat = std::move(q.dequant);
  inverse(x, shape, s.transform, f, xhat, opt.threads, ref);

  int64_t n_clipped = q.metrics.sums.n_clipped, codes_used = q.metrics.codes_used;
  if (s.transform.kind == TransformKind::Keep)
    keep_counts(x, shape, base, q, f.kept, opt.threads, n_clipped, codes_used);
  QuantizeResult R;
  R.scheme = s;
  R.layout = q.layout;
  R.groups = std::move(q.groups);
  const int64_t n = int64_t(x.size());
  ErrorSums sums = ref ? pair_sums(x, xhat, 0, n)
                       : parallel_reduce(
                             chunk_count(n, kChunk), opt.threads, ErrorSums{},
                             [&](int64_t c) { return pair_sums(x, xhat, c * kChunk, std::min(n, (c + 1) * kChunk)); },
                             [](ErrorSums& acc, const ErrorSums& p) { acc.merge(p); });
  sums.n_clipped = n_clipped;
  std::optional<double> bpw = q.metrics.bits_per_weight;
  if (bpw) *bpw += transform_extra_bits(s.transform, shape);
  R.metrics = finalize_metrics(sums, n, n - sums.n, codes_used, bpw);
  if (opt.hist_x) R.hist_x = make_histogram(x, *opt.hist_x);
  if (opt.hist_dequant) R.hist_dequant = histogram_of(x, xhat, *opt.hist_dequant, false, opt.threads);
  std::optional<HistogramSpec> herr = opt.hist_error;
  if (opt.hist_error_from_params)
    if (auto h = opt.hist_error_from_params(R.groups)) herr = h;
  if (herr) R.hist_error = histogram_of(x, xhat, *herr, true, opt.threads);
  if (opt.keep_codes) R.codes = std::move(q.codes);
  if (opt.keep_dequant) R.dequant = std::move(xhat);
  if (opt.keep_transformed) R.transformed.assign(f.xp.begin(), f.xp.end());
  R.transform = std::move(f.rep);
  return R;
}

}  // namespace qs
