// Threads never change a result: every multi-pass job (presets, decoding, statistics,
// calibration, sweeps, the whole-model run) gives the same bits at 1, 2 and 3 threads,
// because work is cut into fixed items and reduced in item order (analysis/base/parallel.h).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

#include "analysis/base/parallel.h"
#include "analysis/quant/calibrate.h"
#include "analysis/model/model_analysis.h"
#include "analysis/quant/quant_math.h"
#include "analysis/quant/quantize.h"
#include "analysis/explore/sweep_points.h"
#include "analysis/quant/metrics.h"
#include "analysis/numeric/float_formats.h"
#include "analysis/presets/ggml_quants.h"
#include "analysis/presets/preset.h"
#include "analysis/presets/preset_tables.h"
#include "analysis/base/run_control.h"
#include "analysis/numeric/tensor_decode.h"

namespace qs {
namespace {

std::vector<float> gaussian(size_t n, uint32_t seed, float sigma = 0.02f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, sigma);
  std::vector<float> x(n);
  for (float& v : x) v = d(rng);
  return x;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// [SECTION] The helpers

TEST(Parallel, ForVisitsEveryItemOnce) {
  for (int threads : {1, 2, 3, 8}) {
    std::vector<std::atomic<int>> hits(1000);
    parallel_for(1000, threads, [&](int64_t i, int w) {
      EXPECT_LT(w, threads);
      hits[size_t(i)]++;
    });
    for (auto& h : hits) EXPECT_EQ(h.load(), 1);
  }
}

TEST(Parallel, ReduceMergesInItemOrder) {
  for (int threads : {1, 2, 3}) {
    // A non-commutative merge: the item order shows in the result.
    const std::vector<int64_t> order = parallel_reduce(
        50, threads, std::vector<int64_t>{}, [](int64_t i) { return i; },
        [](std::vector<int64_t>& acc, int64_t i) { acc.push_back(i); });
    for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(order[size_t(i)], i);
  }
}

TEST(Parallel, OrderedConsumesInOrderWithinTheWindow) {
  for (int threads : {1, 2, 3}) {
    std::vector<int64_t> slot_item(4, -1), consumed;
    std::atomic<int> in_flight{0}, max_in_flight{0};
    parallel_ordered(
        200, threads, 4,
        [&](int64_t i, int slot) {
          const int f = ++in_flight;
          int m = max_in_flight.load();
          while (f > m && !max_in_flight.compare_exchange_weak(m, f)) {
          }
          slot_item[size_t(slot)] = i;
        },
        [&](int64_t i, int slot) {
          EXPECT_EQ(slot_item[size_t(slot)], i);
          consumed.push_back(i);
          --in_flight;
        });
    ASSERT_EQ(consumed.size(), 200u);
    for (int64_t i = 0; i < 200; ++i) EXPECT_EQ(consumed[size_t(i)], i);
    EXPECT_LE(max_in_flight.load(), 4);
  }
}

TEST(Parallel, ExceptionsReachTheCaller) {
  for (int threads : {1, 2, 3}) {
    EXPECT_THROW(parallel_for(100, threads,
                              [](int64_t i, int) {
                                if (i == 37) throw std::runtime_error("item 37");
                              }),
                 std::runtime_error);
    EXPECT_THROW(parallel_ordered(
                     100, threads, 3,
                     [](int64_t i, int) {
                       if (i == 50) throw std::runtime_error("item 50");
                     },
                     [](int64_t, int) {}),
                 std::runtime_error);
  }
}

// [SECTION] Presets

// Every preset on a tensor with a few non-finite values and an outlier row: codes and x̂
// bit for bit, group params, and the metrics sums streamed through visit_preset.
TEST(ParallelPresets, IdenticalAtOneTwoThreeThreads) {
  const std::vector<int64_t> shape = {40, 512};
  std::vector<float> x = gaussian(size_t(40 * 512), 7);
  x[100] = NAN;
  x[3000] = INFINITY;
  for (int j = 0; j < 512; ++j) x[size_t(5 * 512 + j)] *= 40.0f;
  for (const PresetInfo& info : all_presets()) {
    SCOPED_TRACE(std::string(info.name));
    ASSERT_TRUE(preset_fits(info.id, shape));
    PresetQuantization ref;
    ErrorSums ref_sums;
    for (int threads : {1, 2, 3}) {
      PresetRun run;
      run.threads = threads;
      const PresetQuantization q = quantize_preset(info.id, x, shape, run);
      ErrorSums sums;
      int64_t next = 0;
      visit_preset(
          info.id, x, shape,
          [&](int64_t i, float xhat, int32_t, bool clipped) {
            EXPECT_EQ(i, next++);  // element order
            if (!std::isfinite(x[size_t(i)])) return;
            const double e = double(x[size_t(i)]) - double(xhat);
            sums.n += 1, sums.n_clipped += clipped, sums.sum_err2 += e * e, sums.sum_xy += double(x[size_t(i)]) * xhat;
          },
          run);
      if (threads == 1) {
        ref = q;
        ref_sums = sums;
        continue;
      }
      ASSERT_EQ(q.codes, ref.codes);
      ASSERT_EQ(q.clipped, ref.clipped);
      for (size_t i = 0; i < x.size(); ++i) ASSERT_TRUE(same_bits(q.xhat[i], ref.xhat[i])) << i;
      ASSERT_EQ(q.groups.size(), ref.groups.size());
      for (size_t g = 0; g < q.groups.size(); ++g) {
        EXPECT_TRUE(same_bits(q.groups[g].scale, ref.groups[g].scale));
        EXPECT_TRUE(same_bits(q.groups[g].zero_point, ref.groups[g].zero_point));
      }
      EXPECT_EQ(sums.n, ref_sums.n);
      EXPECT_EQ(sums.n_clipped, ref_sums.n_clipped);
      EXPECT_EQ(sums.sum_err2, ref_sums.sum_err2);
      EXPECT_EQ(sums.sum_xy, ref_sums.sum_xy);
    }
  }
}

// The lane-wise Q4_K and Q6_K searches equal llama.cpp's scalar make_qkx2_quants /
// make_qx_quants byte for byte, including flat, all-negative, all-zero, tiny and huge
// sub-blocks.
TEST(ParallelPresets, KQuantLanewiseSearchEqualsTheScalarOne) {
  const int64_t blocks = 400;
  std::vector<float> x = gaussian(size_t(blocks * 256), 11);
  std::mt19937 rng(3);
  for (int64_t b = 0; b < blocks; ++b) {
    float* xb = x.data() + b * 256;
    const int sub = int(rng() % 16);
    switch (b % 8) {
      case 1: std::fill(xb + 16 * sub, xb + 16 * sub + 32, -0.3f); break;   // flat, negative
      case 2: std::fill(xb + 16 * sub, xb + 16 * sub + 16, 0.0f); break;    // all zero
      case 3: std::fill(xb, xb + 256, 0.25f); break;                         // flat positive block
      case 4: for (int i = 0; i < 256; ++i) xb[i] = -std::fabs(xb[i]); break;  // one-sided
      case 5: for (int i = 0; i < 256; ++i) xb[i] *= (i / 16) % 2 ? 1e-6f : 1e3f; break;
      case 6: xb[rng() % 256] = 5.0f; break;                                 // an outlier
      case 7: for (int i = 0; i < 16; ++i) xb[16 * sub + i] = 1e-17f * float(i); break;  // below GROUP_MAX_EPS
      default: break;
    }
  }
  for (DType t : {DType::Q4_K, DType::Q6_K}) {
    SCOPED_TRACE(std::string(dtype_name(t)));
    const size_t bb = ggml_block_bytes(t);
    std::vector<std::byte> a(size_t(blocks) * bb), b(a.size());
    std::vector<uint8_t> ca(x.size(), 0), cb(x.size(), 0);
    ggml_quantize_row(t, x.data(), int64_t(x.size()), a.data(), ca.data());
    ggml_quantize_row_scalar(t, x.data(), int64_t(x.size()), b.data(), cb.data());
    for (int64_t k = 0; k < blocks; ++k)
      ASSERT_EQ(std::memcmp(a.data() + k * int64_t(bb), b.data() + k * int64_t(bb), bb), 0) << "block " << k;
    EXPECT_EQ(ca, cb);
  }
}

// MX codes are the element's stored bits (sign, then the magnitude's index): as many
// distinct codes as distinct x̂/scale values, −0 and +0 apart.
TEST(ParallelPresets, MxCodesAreTheElementBits) {
  const std::vector<int64_t> shape = {16, 256};
  std::vector<float> x = gaussian(16 * 256, 12);
  x[5] = -1e-30f;  // rounds to −0 in its block
  const PresetQuantization q = quantize_preset(Preset::MxFp4, x, shape);
  for (size_t i = 0; i < x.size(); ++i) {
    const int32_t c = q.codes[i];
    ASSERT_GE(c, 0);
    ASSERT_LT(c, 16);
    const float level = (c & 8 ? -1.0f : 1.0f) * std::vector<float>{0, 0.5f, 1, 1.5f, 2, 3, 4, 6}[size_t(c & 7)];
    ASSERT_TRUE(same_bits(q.xhat[i], level * q.groups[i / 32].scale)) << i;
  }
  EXPECT_EQ(q.codes[5], 8);  // −0
  for (int k = 0; k < 5; ++k) {  // the index from the bits is the value's rank, every value
    const std::vector<float>& mags = mx_positive_values(MxElement(k));
    for (size_t i = 0; i < mags.size(); ++i) EXPECT_EQ(mx_magnitude_index(MxElement(k), mags[i]), int32_t(i));
  }
}

// mx_cast without libm (exponent from the bits, ±1.5·2^52 rounding) equals the
// frexp/ldexp/nearbyint form it replaced, over every binade and the tie points.
TEST(ParallelPresets, MxCastEqualsTheLibmForm) {
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> mant(1.0f, 2.0f);
  std::uniform_int_distribution<int> ex(-140, 10);
  for (int k = 0; k < 5; ++k) {
    const MxElement e = MxElement(k);
    const MxElementTraits& t = mx_traits(e);
    auto libm = [&](float v) {
      const double a = std::fabs(double(v));
      if (a == 0.0 || std::isnan(a)) return v;
      double r = t.max;
      if (a < double(t.max)) {
        int exp2 = 0;
        std::frexp(a, &exp2);
        const double quantum = std::ldexp(1.0, std::max(exp2 - 1, 1 - t.bias) - t.mantissa_bits);
        r = std::min(std::nearbyint(a / quantum) * quantum, double(t.max));
      }
      return float(v < 0 ? -r : r);
    };
    for (int i = 0; i < 200000; ++i) {
      float v = std::ldexp(mant(rng), ex(rng)) * (i % 2 ? -1.0f : 1.0f);
      if (i % 7 == 0) v = mx_cast(e, v) + std::ldexp(1.0f, ex(rng));  // near grid points and ties
      ASSERT_TRUE(same_bits(mx_cast(e, v), libm(v))) << k << " " << v;
    }
  }
}

TEST(ParallelPresets, CancelStopsEarly) {
  const std::vector<int64_t> shape = {64, 4096};
  const std::vector<float> x = gaussian(size_t(64 * 4096), 5);
  RunControl ctl;
  ctl.cancel = true;
  PresetRun run;
  run.threads = 2;
  run.control = &ctl;
  int64_t seen = 0;
  visit_preset(Preset::Q4_K, x, shape, [&](int64_t, float, int32_t, bool) { ++seen; }, run);
  EXPECT_EQ(seen, 0);
  RunControl ok;
  run.control = &ok;
  visit_preset(Preset::Q8_0, x, shape, [&](int64_t, float, int32_t, bool) { ++seen; }, run);
  EXPECT_EQ(seen, int64_t(x.size()));
  EXPECT_EQ(ok.done.load(), int64_t(x.size()));
  EXPECT_EQ(ok.total.load(), int64_t(x.size()));
}

// quantize() of a preset: the rule on opt.threads threads and the metrics per fixed item,
// merged in item order, so every result is bit-identical at 1, 2 and 3 threads (codes,
// x̂, params, every sum, codes used, the three histograms, the error histogram from the
// params); against quantize_ref's one-thread in-order twin: codes, x̂, counts and
// histograms equal, sums within the float32 tile bound.
TEST(ParallelPresets, QuantizeIdenticalAtOneTwoThreeThreads) {
  const std::vector<int64_t> shape = {96, 4096};  // several items of ~64 K elements
  std::vector<float> x = gaussian(size_t(96 * 4096), 17);
  x[1000] = NAN;
  x[70000] = INFINITY;
  x[200000] = -INFINITY;
  for (int j = 0; j < 4096; ++j) x[size_t(33 * 4096 + j)] *= 40.0f;
  auto bits = [](double v) { uint64_t u; std::memcpy(&u, &v, 8); return u; };
  for (const char* name : {"q4_k", "q6_k", "q8_0", "q4_0", "mxfp4", "mxfp8_e4m3", "bnb_nf4", "torch_qint8",
                           "torch_quint8", "torch_qint8_channel", "fp8_e4m3_tensor", "bnb_dynamic8"}) {
    SCOPED_TRACE(name);
    const Scheme s = *parse_spec(name);
    auto run = [&](int t, bool from_params) {
      QuantizeOptions o;
      o.keep_codes = o.keep_dequant = true;
      o.threads = t;
      o.hist_x = HistogramSpec{-0.1, 0.1, 256};
      o.hist_dequant = HistogramSpec{-0.1, 0.1, 64};
      if (from_params) o.hist_error_from_params = [](const std::vector<GroupParams>& g) {
        return std::optional<HistogramSpec>(HistogramSpec{-double(g[0].scale), double(g[0].scale), 40});
      };
      else o.hist_error = HistogramSpec{-0.002, 0.002, 50};
      return t == 0 ? quantize_ref(x, shape, s, o) : quantize(x, shape, s, o);
    };
    for (bool from_params : {false, true}) {
      const QuantizeResult r1 = run(1, from_params);
      for (int t : {2, 3, 0}) {
        const QuantizeResult rt = run(t, from_params);
        const ErrorSums &a = r1.metrics.sums, &b = rt.metrics.sums;
        EXPECT_EQ(a.n, b.n) << t;
        EXPECT_EQ(a.n_clipped, b.n_clipped) << t;
        EXPECT_EQ(r1.metrics.n_nonfinite, rt.metrics.n_nonfinite) << t;
        EXPECT_EQ(r1.metrics.codes_used, rt.metrics.codes_used) << t;
        EXPECT_EQ(r1.codes, rt.codes) << t;
        ASSERT_EQ(r1.dequant.size(), rt.dequant.size());
        for (size_t i = 0; i < r1.dequant.size(); ++i) ASSERT_TRUE(same_bits(r1.dequant[i], rt.dequant[i])) << t << " " << i;
        ASSERT_EQ(r1.groups.size(), rt.groups.size());
        for (size_t g = 0; g < r1.groups.size(); ++g) EXPECT_TRUE(same_bits(r1.groups[g].scale, rt.groups[g].scale));
        EXPECT_EQ(r1.hist_x->counts, rt.hist_x->counts) << t;
        EXPECT_EQ(r1.hist_dequant->counts, rt.hist_dequant->counts) << t;
        EXPECT_EQ(r1.hist_error->counts, rt.hist_error->counts) << t;
        const std::pair<double, double> sums[] = {{a.sum_x2, b.sum_x2}, {a.sum_y2, b.sum_y2}, {a.sum_xy, b.sum_xy},
                                                  {a.sum_err2, b.sum_err2}, {a.sum_abs_err, b.sum_abs_err}};
        for (auto [p, q] : sums) {
          if (t != 0) EXPECT_EQ(bits(p), bits(q)) << t;
          else EXPECT_NEAR(p, q, 2e-6 * std::max(std::fabs(p), std::fabs(q))) << "vs ref";
        }
        if (t != 0) EXPECT_EQ(bits(a.max_abs_err), bits(b.max_abs_err)) << t;
        else EXPECT_NEAR(a.max_abs_err, b.max_abs_err, 0x1p-23 * b.max_abs_err) << "vs ref";
      }
    }
  }
}

// quantize() of a preset honours the caller's control: cancelled before or during the
// rule, the result says so; otherwise total/done count the elements.
TEST(ParallelPresets, QuantizeHonoursControl) {
  const std::vector<int64_t> shape = {64, 4096};
  const std::vector<float> x = gaussian(size_t(64 * 4096), 5);
  for (const char* name : {"q4_k", "mxfp4", "torch_qint8"}) {
    RunControl ctl;
    ctl.cancel = true;
    QuantizeOptions o;
    o.threads = 2;
    o.control = &ctl;
    EXPECT_TRUE(quantize(x, shape, *parse_spec(name), o).cancelled) << name;
    RunControl ok;
    o.control = &ok;
    const QuantizeResult r = quantize(x, shape, *parse_spec(name), o);
    EXPECT_FALSE(r.cancelled) << name;
    EXPECT_EQ(r.metrics.n, int64_t(x.size())) << name;
    EXPECT_EQ(ok.done.load(), ok.total.load()) << name;
  }
}

// [SECTION] Decoding and statistics

void expect_same_stats(const TensorStats& a, const TensorStats& b) {
  EXPECT_EQ(a.numel, b.numel);
  EXPECT_EQ(a.n_finite, b.n_finite);
  EXPECT_EQ(a.n_nonfinite, b.n_nonfinite);
  EXPECT_EQ(a.min, b.min);
  EXPECT_EQ(a.max, b.max);
  EXPECT_EQ(a.mean, b.mean);  // exact: chunk moments merged in chunk order
  EXPECT_EQ(a.std, b.std);
  EXPECT_EQ(a.absmax, b.absmax);
}

// bf16, f16, strided f32 and Q4_K blocks decoded at 1/2/3 threads: the same floats, and
// stats over them (and streamed by scan_stats) the same doubles.
TEST(ParallelTensor, DecodeAndStatsIdenticalAtOneTwoThreeThreads) {
  const int64_t rows = 37, cols = 8192, n = rows * cols;  // 4.6 chunks of kDecodeChunk
  std::vector<float> x = gaussian(size_t(n), 9, 1.0f);
  x[17] = NAN;
  x[size_t(n - 3)] = -INFINITY;
  std::vector<uint16_t> bf(static_cast<size_t>(n)), hf(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) bf[size_t(i)] = numeric::bf16_encode(x[size_t(i)]);
  for (int64_t i = 0; i < n; ++i) hf[size_t(i)] = numeric::fp16_encode(x[size_t(i)]);
  std::vector<std::byte> q4k(size_t(n / 256) * 144);
  const std::vector<float> finite = gaussian(size_t(n), 10, 1.0f);
  ggml_quantize_row(DType::Q4_K, finite.data(), n, q4k.data(), nullptr);
  // x stored transposed (Fortran order): strides make it a non-contiguous view.
  std::vector<float> xt(static_cast<size_t>(n));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) xt[size_t(c * rows + r)] = x[size_t(r * cols + c)];

  std::vector<TensorView> views(4);
  views[0].dtype = DType::BF16, views[0].bytes = std::as_bytes(std::span<const uint16_t>(bf));
  views[1].dtype = DType::F16, views[1].bytes = std::as_bytes(std::span<const uint16_t>(hf));
  views[2].dtype = DType::Q4_K, views[2].bytes = std::span<const std::byte>(q4k);
  views[3].dtype = DType::F32, views[3].bytes = std::as_bytes(std::span<const float>(xt));
  views[3].strides = {1, rows};
  for (TensorView& v : views) v.shape = {rows, cols};
  for (const TensorView& v : views) {
    SCOPED_TRACE(std::string(dtype_name(v.dtype)));
    std::vector<float> ref_storage;
    const std::vector<float> ref(to_float(v, ref_storage, 1).begin(), to_float(v, ref_storage, 1).end());
    const TensorStats ref_stats = compute_stats(ref, 1);
    expect_same_stats(scan_stats(v, 1), ref_stats);
    for (int threads : {2, 3}) {
      std::vector<float> storage;
      const std::span<const float> y = to_float(v, storage, threads);
      ASSERT_EQ(y.size(), ref.size());
      for (size_t i = 0; i < ref.size(); ++i) ASSERT_TRUE(same_bits(y[i], ref[i])) << i;
      expect_same_stats(compute_stats(y, threads), ref_stats);
      expect_same_stats(scan_stats(v, threads), ref_stats);
    }
  }
}

// [SECTION] Calibration

// 2^20 + 3 values (over the threaded-path threshold, with a ragged last item): every clip
// method, absmax and minmax, the same range at 1, 2 and 3 threads.
TEST(ParallelCalibrate, IdenticalAtOneTwoThreeThreads) {
  std::vector<float> x = gaussian((size_t(1) << 20) + 3, 13);
  for (size_t i = 0; i < x.size(); i += 9973) x[i] *= 30.0f;  // a heavy tail
  x[77] = -0.0f;
  const char* specs[] = {"absmax:bits=4,clip=percentile,p=99.9", "minmax:bits=4,clip=percentile,p=99",
                         "absmax:bits=8,clip=sigma,k=3",          "minmax:bits=8,clip=sigma,k=2.5",
                         "absmax:bits=4,clip=mse",                "minmax:bits=3,clip=mse",
                         "absmax:bits=8,clip=kl",                 "minmax:bits=4,clip=kl",
                         "absmax:bits=8",                         "minmax:bits=8"};
  for (const char* spec : specs) {
    SCOPED_TRACE(spec);
    const Scheme s = *parse_spec(spec);
    const ClipRange ref = calibrate(x, s, 1);
    for (int threads : {2, 3}) {
      const ClipRange r = calibrate(x, s, threads);
      EXPECT_TRUE(same_bits(r.lo, ref.lo));
      EXPECT_TRUE(same_bits(r.hi, ref.hi));
    }
  }
  for (double p : {0.0, 0.1, 50.0, 99.99, 100.0}) {
    const double ref = percentile(x, p, 1);
    EXPECT_EQ(percentile(x, p, 2), ref);
    EXPECT_EQ(percentile(x, p, 3), ref);
    EXPECT_EQ(percentile_ref(x, p), ref);  // still exact
  }
  EXPECT_EQ(kl_threshold(x, 8, 3), kl_threshold(x, 8, 1));
}

// The MSE search, written out from calibrate.cpp's contract with quantize_element (the
// scheme's own arithmetic): the fast branch-free candidate loop must land on the same
// range bit for bit, for absmax, both zero-point kinds, signed codes, f16 scales and a
// rounding the fast loop leaves to the generic one, with and without the subsample.
ClipRange mse_oracle(std::span<const float> x, const Scheme& scheme) {
  Scheme s = scheme;
  std::vector<float> xs(x.begin(), x.end());
  if (x.size() > kMseMaxSamples) {
    const size_t n = x.size(), m = kMseMaxSamples, q = n / m, rem = n % m;
    xs.resize(m);
    for (size_t j = 0; j < m; ++j) xs[j] = x[j * q + (j * rem) / m];
  }
  float lo = x[0], hi = x[0];
  for (float v : x) lo = std::min(lo, v), hi = std::max(hi, v);
  const float amax = std::max(std::fabs(lo), std::fabs(hi));
  auto range = [&](double a) -> ClipRange {
    if (s.kind != Kind::Minmax) return {-float(a * amax), float(a * amax)};
    return {float(a * lo), float(a * hi)};
  };
  auto mse = [&](double a) {
    const ClipRange r = range(a);
    const GroupParams gp = choose_params(s, r.lo, r.hi, true);
    double acc = 0;
    for (float v : xs) {
      const double e = double(v) - double(quantize_element(s, gp, v, 0.0f).xhat);
      acc += e * e;
    }
    return acc / double(xs.size());
  };
  double best = INFINITY, best_a = 1.0;
  int best_i = kMseGridSteps;
  for (int i = 1; i <= kMseGridSteps; ++i) {
    const double e = mse(double(i) / kMseGridSteps);
    if (e <= best) best = e, best_a = double(i) / kMseGridSteps, best_i = i;
  }
  const double a = double(best_i - 1) / kMseGridSteps, b = std::min(double(best_i + 1) / kMseGridSteps, 1.0);
  for (int j = 0; j < kMseRefineSteps; ++j) {
    const double al = a + (b - a) * double(j) / double(kMseRefineSteps - 1);
    if (al <= 0.0) continue;
    const double e = mse(std::min(al, 1.0));
    if (e < best || (e == best && std::min(al, 1.0) > best_a)) best = e, best_a = std::min(al, 1.0);
  }
  return range(best_a);
}

TEST(ParallelCalibrate, MseSearchEqualsTheElementwiseOracle) {
  std::vector<float> x = gaussian((size_t(1) << 18) + 5, 19);
  for (size_t i = 0; i < x.size(); i += 997) x[i] *= 25.0f;
  std::vector<float> shifted(x.begin(), x.begin() + 50000);
  for (float& v : shifted) v += 0.03f;  // one-sided-ish: a non-zero integer zero point
  const char* specs[] = {"absmax:bits=4,clip=mse", "minmax:bits=3,clip=mse", "minmax:bits=4,zp=float,clip=mse",
                         "minmax:bits=4,signed=true,clip=mse", "absmax:bits=6,scale_dtype=f16,clip=mse",
                         "absmax:bits=4,rounding=half_away,clip=mse"};
  for (const char* spec : specs) {
    SCOPED_TRACE(spec);
    const auto sch = parse_spec(spec);
    ASSERT_TRUE(sch) << sch.error().message;
    for (std::span<const float> v : {std::span<const float>(x), std::span<const float>(shifted)}) {
      const ClipRange want = mse_oracle(v, *sch), got = mse_optimal_range(v, *sch, 2);
      EXPECT_TRUE(same_bits(got.lo, want.lo)) << got.lo << " " << want.lo;
      EXPECT_TRUE(same_bits(got.hi, want.hi)) << got.hi << " " << want.hi;
    }
  }
}

// [SECTION] Sweeps and the whole-model run

void expect_same_sweep(const SweepResult& a, const SweepResult& b) {
  ASSERT_EQ(a.points.size(), b.points.size());
  for (size_t i = 0; i < a.points.size(); ++i) {
    EXPECT_EQ(a.points[i].spec, b.points[i].spec);
    EXPECT_EQ(a.points[i].x, b.points[i].x);
    EXPECT_EQ(a.points[i].sqnr_db, b.points[i].sqnr_db) << a.points[i].spec;
    EXPECT_EQ(a.points[i].mse, b.points[i].mse) << a.points[i].spec;
    EXPECT_EQ(a.points[i].bits_per_weight, b.points[i].bits_per_weight);
  }
  ASSERT_EQ(a.markers.size(), b.markers.size());
  for (size_t k = 0; k < a.markers.size(); ++k) {
    EXPECT_EQ(a.markers[k].threshold, b.markers[k].threshold) << a.markers[k].name;
    EXPECT_EQ(a.markers[k].mse, b.markers[k].mse) << a.markers[k].name;
  }
}

TEST(ParallelSweeps, IdenticalAtOneTwoThreeThreads) {
  const std::vector<int64_t> shape = {64, 512};
  const std::vector<float> x = gaussian(64 * 512, 14);
  const Scheme s4 = *parse_spec("absmax:bits=4"), mm = *parse_spec("minmax:bits=8,gran=channel");
  const SweepResult bits = sweep_bits(x, shape, mm, nullptr, 1), clip = sweep_clip(x, shape, s4, 16, nullptr, 1);
  const SweepResult block = sweep_block(x, shape, s4, nullptr, 1), map = format_map(x, shape, nullptr, 1);
  EXPECT_EQ(map.points.size(), 19u);
  for (int threads : {2, 3}) {
    expect_same_sweep(sweep_bits(x, shape, mm, nullptr, threads), bits);
    expect_same_sweep(sweep_clip(x, shape, s4, 16, nullptr, threads), clip);
    expect_same_sweep(sweep_block(x, shape, s4, nullptr, threads), block);
    expect_same_sweep(format_map(x, shape, nullptr, threads), map);
  }
  // Each point is the quantize() of its spec (at any thread count too).
  for (const SweepPoint& p : map.points) {
    QuantizeOptions o;
    o.threads = 3;
    EXPECT_EQ(p.sqnr_db, quantize(x, shape, *parse_spec(p.spec), o).metrics.sqnr_db) << p.spec;
  }
}

// The whole-model run on the demo model with generic and preset schemes: the same
// per-tensor metrics, stats, kurtosis and pooled totals at 1, 2 and 3 threads (3 schemes:
// side by side at 1–3 threads; 1 scheme: threads inside quantize).
TEST(ParallelModel, IdenticalAtOneTwoThreeThreads) {
  const std::vector<float> x = gaussian(size_t(1) << 20, 15);
  for (int threads : {2, 3}) {
    EXPECT_EQ(excess_kurtosis(x, threads), excess_kurtosis(x, 1));
  }
  Model m;
  std::vector<std::vector<float>> data = {gaussian(256 * 512, 16), gaussian(128 * 256, 17, 0.5f), gaussian(300, 18)};
  data[1][40] = NAN;
  const std::vector<std::vector<int64_t>> shapes = {{256, 512}, {128, 256}, {300}};
  for (size_t i = 0; i < data.size(); ++i) {
    TensorView t;
    t.name = "t" + std::to_string(i);
    t.dtype = DType::F32;
    t.shape = shapes[i];
    t.bytes = std::as_bytes(std::span<const float>(data[i]));
    m.tensors.push_back(t);
  }
  for (const std::vector<const char*>& specs :
       {std::vector<const char*>{"absmax:bits=4,gran=channel", "q4_k", "minmax:bits=8,clip=percentile,p=99.9"},
        std::vector<const char*>{"q8_0"}}) {
    ModelAnalysisRequest req;
    for (const char* sp : specs) req.schemes.push_back(*parse_spec(sp));
    req.threads = 1;
    const ModelAnalysis ref = *analyze_model(m, req);
    for (int threads : {2, 3}) {
      req.threads = threads;
      const ModelAnalysis a = *analyze_model(m, req);
      ASSERT_EQ(a.tensors.size(), ref.tensors.size());
      for (size_t i = 0; i < a.tensors.size(); ++i) {
        expect_same_stats(a.tensors[i].stats, ref.tensors[i].stats);
        EXPECT_EQ(a.tensors[i].kurtosis, ref.tensors[i].kurtosis);
        for (size_t k = 0; k < specs.size(); ++k) {
          EXPECT_EQ(a.tensors[i].results[k].error, ref.tensors[i].results[k].error);
          ASSERT_EQ(a.tensors[i].results[k].metrics.has_value(), ref.tensors[i].results[k].metrics.has_value());
          if (!a.tensors[i].results[k].metrics) continue;
          EXPECT_EQ(a.tensors[i].results[k].metrics->sums.sum_err2, ref.tensors[i].results[k].metrics->sums.sum_err2);
          EXPECT_EQ(a.tensors[i].results[k].metrics->sqnr_db, ref.tensors[i].results[k].metrics->sqnr_db);
          EXPECT_EQ(a.tensors[i].results[k].metrics->codes_used, ref.tensors[i].results[k].metrics->codes_used);
        }
      }
      for (size_t k = 0; k < specs.size(); ++k) {
        EXPECT_EQ(a.totals[k].metrics.sums.sum_err2, ref.totals[k].metrics.sums.sum_err2);
        EXPECT_EQ(a.totals[k].metrics.mse, ref.totals[k].metrics.mse);
      }
    }
  }
}

}  // namespace
}  // namespace qs
