// Learn mode's numbers: thin walkthroughs over the quantizer itself (quantize() for the
// schemes a lesson shows), so a lesson can never disagree with the views.
#include "analysis/explore/lessons.h"

#include <algorithm>
#include <cmath>

#include "analysis/explore/outlier_lab.h"
#include "analysis/quant/quantize.h"

namespace qs {

std::vector<float> lesson_example_vector() { return {0.5f, -1.2f, 3.1f, -0.7f, 2.4f, 0.0f, -2.9f, 1.6f}; }

double model_memory_bytes(double params, double bits) { return params * bits / 8.0; }

namespace {

QuantizeResult quantize_vector(std::span<const float> x, const Scheme& s) {
  const int64_t shape[1] = {int64_t(x.size())};
  QuantizeOptions o;
  o.keep_codes = true;
  o.keep_dequant = true;
  o.threads = 1;
  return quantize(x, shape, s, o);
}

Scheme absmax_bits(int bits) {
  Scheme s = default_scheme(Kind::Absmax);
  s.bits = bits;
  return s;
}

}  // namespace

AbsmaxStep absmax_walkthrough(std::span<const float> x, int bits, bool full_negative) {
  AbsmaxStep r;
  float amax = 0;
  for (float v : x) amax = std::max(amax, std::fabs(v));
  r.absmax = amax;
  const int half = 1 << (bits - 1);
  r.qmax = half - 1;
  r.qmin = full_negative ? -half : -(half - 1);
  if (!full_negative) {
    // Exactly what the absmax scheme does (the views show the same numbers).
    const QuantizeResult q = quantize_vector(x, absmax_bits(bits));
    r.scale = q.groups[0].scale;
    r.codes.assign(q.codes.begin(), q.codes.end());
    r.xhat = q.dequant;
    r.clipped = int(q.metrics.sums.n_clipped);
  } else {
    // s = max|x| / 2^(b−1): finer by one level, and +max|x| lands on 2^(b−1), one past qmax.
    const float s = amax == 0.0f ? 1.0f : amax / float(half);
    const float inv = inverse_scale(s);  // q = rne(x·inv), as every scheme (DESIGN.md)
    r.scale = s;
    for (float v : x) {
      float q = std::nearbyint(v * inv);
      if (q > float(r.qmax)) q = float(r.qmax), ++r.clipped;
      if (q < float(r.qmin)) q = float(r.qmin), ++r.clipped;
      r.codes.push_back(int(q));
      r.xhat.push_back(q * s);
    }
  }
  for (size_t i = 0; i < x.size(); ++i) {
    r.scaled.push_back(double(x[i]) / r.scale);
    r.error.push_back(double(x[i]) - double(r.xhat[i]));
    r.mse += r.error.back() * r.error.back();
  }
  if (!x.empty()) r.mse /= double(x.size());
  return r;
}

MinmaxStep minmax_walkthrough(std::span<const float> x, int bits) {
  MinmaxStep r;
  Scheme s = default_scheme(Kind::Minmax);
  s.bits = bits;
  const QuantizeResult q = quantize_vector(x, s);
  float lo = 0, hi = 0;
  for (float v : x) lo = std::min(lo, v), hi = std::max(hi, v);
  r.lo = lo, r.hi = hi;
  r.scale = q.groups[0].scale;
  r.zero_point = int(q.groups[0].zero_point);
  const int shift = 1 << (bits - 1);
  r.zero_point_signed = r.zero_point - shift;
  for (size_t i = 0; i < x.size(); ++i) {
    r.codes.push_back(q.codes[i]);
    r.codes_signed.push_back(q.codes[i] - shift);
    r.xhat.push_back(q.dequant[i]);
    r.error.push_back(double(x[i]) - double(q.dequant[i]));
    r.mse += r.error.back() * r.error.back();
  }
  if (!x.empty()) r.mse /= double(x.size());
  // Zero maps to the code z and back to (z − z)·s = 0 exactly: padding and ReLU zeros stay zero.
  const float zero[1] = {0.0f};
  GroupParams gp = q.groups[0];
  r.zero_xhat = quantize_element(s, gp, zero[0], 0.0f).xhat;
  return r;
}

OutlierStep outlier_walkthrough(std::span<const float> x, size_t outlier_index, float outlier_value, int bits,
                                double clip) {
  OutlierStep r;
  std::vector<float> v(x.begin(), x.end());
  if (outlier_index < v.size()) v[outlier_index] = outlier_value;
  const QuantizeResult q = quantize_vector(v, absmax_bits(bits));
  r.scale = q.groups[0].scale;
  size_t n_others = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i == outlier_index) continue;
    const double e = double(v[i]) - double(q.dequant[i]);
    r.mse_others += e * e;
    ++n_others;
  }
  if (n_others) r.mse_others /= double(n_others);
  Scheme c = absmax_bits(bits);
  c.clip.method = ClipMethod::Range;
  c.clip.lo = -clip;
  c.clip.hi = clip;
  const QuantizeResult qc = quantize_vector(v, c);
  r.clipped_scale = qc.groups[0].scale;
  for (size_t i = 0; i < v.size(); ++i) {
    const double e = double(v[i]) - double(qc.dequant[i]);
    (std::fabs(double(v[i])) > clip ? r.clip_mse : r.round_mse) += e * e;
  }
  if (!v.empty()) r.clip_mse /= double(v.size()), r.round_mse /= double(v.size());
  return r;
}

std::vector<CalibrationRow> compare_calibrations(std::span<const float> x, int bits) {
  std::vector<CalibrationRow> rows;
  const std::pair<const char*, ClipMethod> methods[] = {{"none (max|x|)", ClipMethod::None},
                                                        {"percentile 99.9", ClipMethod::Percentile},
                                                        {"3σ", ClipMethod::Sigma},
                                                        {"MSE-optimal", ClipMethod::Mse},
                                                        {"KL (entropy)", ClipMethod::Kl}};
  for (const auto& [name, m] : methods) {
    Scheme s = absmax_bits(bits);
    s.clip.method = m;
    const int64_t shape[1] = {int64_t(x.size())};
    const QuantizeResult q = quantize(x, shape, s);
    const GroupParams& g = q.groups[0];
    double t = g.clipping ? std::max(std::fabs(double(g.clip_lo)), std::fabs(double(g.clip_hi))) : 0.0;
    if (!g.clipping)
      for (float v : x) t = std::max(t, std::fabs(double(v)));
    rows.push_back({name, t, q.metrics.sqnr_db.value_or(NAN)});
  }
  return rows;
}

BlockStorage block_storage(int64_t n, int bits, int64_t block, bool zero_point) {
  BlockStorage b;
  const int64_t blocks = block > 0 ? (n + block - 1) / block : 0;
  b.code_bytes = double(n) * bits / 8.0;
  b.scale_bytes = double(blocks) * (zero_point ? 4.0 : 2.0);
  b.total_bytes = b.code_bytes + b.scale_bytes;
  b.bits_per_weight = n > 0 ? 8.0 * b.total_bytes / double(n) : 0.0;
  return b;
}

std::vector<float> lesson_block_sample() {
  // A fixed LCG and inverse-CDF Laplace draws: the same sample on every machine.
  std::vector<float> x(64 * 512);
  uint64_t state = 12345;
  for (size_t i = 0; i < x.size(); ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const double u = (double((state >> 11) + 1) / 9007199254740993.0) - 0.5;  // (−0.5, 0.5)
    x[i] = float((u < 0 ? 1 : -1) * 0.02 * std::log(1 - 2 * std::fabs(u)));
  }
  for (size_t i = 97; i < x.size(); i += 1531) x[i] *= 12.0f;  // a few outliers
  return x;
}

std::vector<BlockErrorRow> block_size_errors(std::span<const float> x, int64_t cols, int bits,
                                             std::span<const int64_t> blocks) {
  std::vector<BlockErrorRow> rows;
  const int64_t shape[2] = {int64_t(x.size()) / cols, cols};
  for (int64_t b : blocks) {
    Scheme s = absmax_bits(bits);
    s.granularity = Granularity::Block;
    s.block = b;
    QuantizeOptions o;
    o.threads = 1;
    const QuantizeResult q = quantize(x, shape, s, o);
    rows.push_back({b, q.metrics.sqnr_db.value_or(NAN), q.metrics.bits_per_weight.value_or(NAN)});
  }
  return rows;
}

RoundingStep rounding_walkthrough(double x, double step, int trials, uint64_t seed) {
  RoundingStep r;
  r.nearest = std::nearbyint(x / step) * step;
  double sum = 0;
  for (int t = 0; t < trials; ++t) {
    const float u = stochastic_uniform(seed, uint64_t(t));
    const double q = double(round_value(float(x / step), Rounding::Stochastic, u)) * step;
    sum += q;
    r.residuals.push_back(x - q);
  }
  r.stochastic_mean = trials > 0 ? sum / trials : 0.0;
  return r;
}

std::vector<double> cell_mass(std::span<const float> codes, double sigma) {
  auto cdf = [&](double v) { return 0.5 * std::erfc(-v / (sigma * std::sqrt(2.0))); };
  std::vector<double> mass;
  for (size_t i = 0; i < codes.size(); ++i) {
    const double lo = i == 0 ? -INFINITY : 0.5 * (double(codes[i - 1]) + double(codes[i]));
    const double hi = i + 1 == codes.size() ? INFINITY : 0.5 * (double(codes[i]) + double(codes[i + 1]));
    mass.push_back((std::isinf(hi) ? 1.0 : cdf(hi)) - (std::isinf(lo) ? 0.0 : cdf(lo)));
  }
  return mass;
}

double mass_entropy_bits(std::span<const double> mass) {
  double h = 0;
  for (double p : mass)
    if (p > 0) h -= p * std::log2(p);
  return h;
}

// [SECTION] Lesson 9: outliers beyond clipping.

std::vector<float> lesson_outlier_matrix() {
  // Box–Muller from a fixed LCG: the same matrix on every machine.
  std::vector<float> x(size_t(kLessonOutlierRows * kLessonOutlierCols));
  uint64_t state = 271828;
  auto uniform = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return double((state >> 11) + 1) / 9007199254740993.0;  // (0, 1]
  };
  for (size_t i = 0; i < x.size(); i += 2) {
    const double r = std::sqrt(-2.0 * std::log(uniform())), t = 6.283185307179586 * uniform();
    x[i] = float(r * std::cos(t));
    x[i + 1] = float(r * std::sin(t));
  }
  // The outlier columns: |x| ≥ 12 in every row (12 · (1 + |g|/2) with g's sign), so each
  // row's scale is set by them, as outlier features set it in an LLM's layers.
  for (int64_t row = 0; row < kLessonOutlierRows; ++row)
    for (int64_t c : {3, 11}) {
      float& v = x[size_t(row * kLessonOutlierCols + c)];
      v = std::copysign(12.0f * (1.0f + 0.5f * std::fabs(v)), v);
    }
  return x;
}

std::vector<float> lesson_outlier_act_max() {
  std::vector<float> a(static_cast<size_t>(kLessonOutlierCols));
  for (size_t j = 0; j < a.size(); ++j) a[j] = 1.0f + 0.25f * float(j % 4);
  a[5] *= 30.0f;
  a[9] *= 30.0f;
  return a;
}

std::vector<OutlierLessonRow> outlier_lesson(int64_t keep, double alpha, int64_t rank) {
  const std::vector<float> x = lesson_outlier_matrix();
  const int64_t shape[2] = {kLessonOutlierRows, kLessonOutlierCols};
  TransformInputs in;
  in.act_max = lesson_outlier_act_max();
  OutlierLabSettings st;  // the lab's default base: int4 per output row
  st.keep = keep;
  st.alpha = alpha;
  st.rank = rank;
  const std::pair<const char*, OutlierMethod> methods[] = {{"as is", OutlierMethod::None},
                                                           {"keep k columns (fp16)", OutlierMethod::Keep},
                                                           {"rotate (Hadamard)", OutlierMethod::Rotate},
                                                           {"smooth α", OutlierMethod::Smooth},
                                                           {"low-rank r", OutlierMethod::LowRank}};
  std::vector<OutlierLessonRow> rows;
  for (const auto& [name, m] : methods) {
    OutlierLessonRow r;
    r.name = name;
    auto s = outlier_row_scheme(m, st);
    if (s) {
      r.spec = print_spec(*s);
      if (auto L = make_layout(shape, *s); !L) r.error = L.error().message;
    } else {
      r.error = s.error().message;
    }
    if (r.error.empty()) {
      QuantizeOptions o;
      o.threads = 1;
      o.transform = &in;
      o.keep_dequant = true;
      o.keep_transformed = true;
      QuantizeResult q = quantize(x, shape, *s, o);
      r.error = q.error;
      if (r.error.empty()) {
        r.sqnr_db = q.metrics.sqnr_db.value_or(NAN);
        r.bits_per_weight = q.metrics.bits_per_weight.value_or(NAN);
        r.xp = has_transform(*s) ? std::move(q.transformed) : x;
        r.xhat = std::move(q.dequant);
        const SpreadStats sp = spread_stats(r.xp, 1);
        r.absmax_over_sigma = sp.absmax_over_sigma;
        r.excess_kurtosis = sp.excess_kurtosis;
        if (q.transform && q.transform->kind == TransformKind::Smooth) {
          r.act_step_before = q.transform->act_absmax_before / 127.0;
          r.act_step_after = q.transform->act_absmax_after / 127.0;
        }
      }
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace qs
