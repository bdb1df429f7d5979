// The Distribution-view computation: group summaries against a brute-force walk over
// group_of, histograms against make_histogram, and the default (largest-scale) group.
#include "analysis/quant/calibrate.h"
#include "analysis/explore/explore.h"
#include "analysis/numeric/tensor_decode.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>

namespace qs {
namespace {

Scheme spec(const char* s) { return *parse_spec(s); }

TEST(Explore, GroupSummaryMatchesBruteForce) {
  std::mt19937 rng(5);
  std::normal_distribution<float> n(0.0f, 1.0f);
  std::vector<float> x(7 * 5 * 9);
  for (float& v : x) v = n(rng);
  x[13] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<int64_t> shape = {7, 5, 9};
  for (const char* sp : {"absmax", "absmax:gran=channel,axis=0", "absmax:gran=channel,axis=1",
                         "absmax:gran=channel,axis=-1", "absmax:gran=block,block=4",
                         "absmax:gran=block,block=9", "absmax:gran=block,block=20"}) {
    const GroupLayout L = *make_layout(shape, spec(sp));
    for (int64_t g = 0; g < L.groups; ++g) {
      int64_t count = 0, fin = 0;
      double mn = 1e30, mx = -1e30;
      for (int64_t i = 0; i < L.numel; ++i) {
        if (L.group_of(i) != g) continue;
        ++count;
        if (!std::isfinite(x[size_t(i)])) continue;
        ++fin;
        mn = std::min(mn, double(x[size_t(i)]));
        mx = std::max(mx, double(x[size_t(i)]));
      }
      const GroupSummary s = summarize_group(x, L, g);
      EXPECT_EQ(s.count, count) << sp << " g=" << g;
      EXPECT_EQ(s.n_finite, fin) << sp << " g=" << g;
      EXPECT_EQ(s.min, mn) << sp << " g=" << g;
      EXPECT_EQ(s.max, mx) << sp << " g=" << g;
    }
  }
}

TEST(Explore, HistogramsLevelsAndDefaultGroup) {
  // Row 2 holds the largest value, so with one scale per row it has the largest scale.
  std::vector<float> x = {0.1f, -0.2f, 0.3f, 0.05f, 0.5f, -0.4f, 4.0f, -1.0f, 2.0f, 0.0f, 0.0f, 0.25f};
  const std::vector<int64_t> shape = {4, 3};
  ExploreRequest r;
  r.scheme = spec("absmax:bits=4,gran=channel,axis=0");
  r.view_lo = -1.0;
  r.view_hi = 1.0;
  r.bins = 8;
  const ExploreResult e = explore(x, shape, r);
  EXPECT_EQ(e.group.index, 2);
  EXPECT_EQ(e.group.max, 4.0);
  EXPECT_EQ(e.group.min, -1.0);
  EXPECT_FLOAT_EQ(e.group.params.scale, 4.0f / 7.0f);
  ASSERT_EQ(e.levels.size(), 15u);
  EXPECT_FLOAT_EQ(e.levels.back(), 4.0f);
  const Histogram h = make_histogram(x, HistogramSpec{-1.0, 1.0, 8});
  EXPECT_EQ(e.hist_x.counts, h.counts);  // 4.0 and 2.0 fall outside the view
  uint64_t total = 0;
  for (auto c : e.hist_dequant.counts) total += c;
  // Row 2 (s = 4/7): 4 → 4, 2 → rne(3.5)·s = 4s = 2.29, -1 → rne(-1.75)·s = -2s = -1.14:
  // all three x̂ fall outside [-1, 1], the other 9 inside.
  EXPECT_EQ(total, 9u);
  r.group = 1;
  const ExploreResult e1 = explore(x, shape, r);
  EXPECT_EQ(e1.group.index, 1);
  EXPECT_FLOAT_EQ(e1.group.params.scale, 0.5f / 7.0f);
  EXPECT_EQ(e1.q.metrics.sums.sum_err2, e.q.metrics.sums.sum_err2);  // same quantization
}

}  // namespace
}  // namespace qs

namespace qs {
namespace {

TEST(Explore, KnownRangeGivesTheSameSummaryWithoutAPass) {
  std::vector<float> x = {0.5f, -3.0f, 2.0f, std::nanf(""), 1.0f, -0.25f};
  const std::vector<int64_t> shape = {2, 3};
  ExploreRequest r;
  r.scheme = *parse_spec("absmax:bits=8");
  const ExploreResult scanned = explore(x, shape, r);
  EXPECT_EQ(scanned.group.min, -3.0);
  EXPECT_EQ(scanned.group.max, 2.0);
  EXPECT_EQ(scanned.group.n_finite, 5);
  const TensorStats st = compute_stats(x);
  r.known_range = ExploreRequest::KnownRange{st.min, st.max, st.n_finite};
  const ExploreResult known = explore(x, shape, r);
  EXPECT_EQ(known.group.min, scanned.group.min);
  EXPECT_EQ(known.group.max, scanned.group.max);
  EXPECT_EQ(known.group.n_finite, scanned.group.n_finite);
  EXPECT_EQ(known.group.count, 6);
  // Per-group schemes ignore it: the group's own range is what the panel shows.
  r.scheme = *parse_spec("absmax:bits=8,gran=channel,axis=0");
  const ExploreResult rows = explore(x, shape, r);
  EXPECT_EQ(rows.group.min, -3.0);
  EXPECT_EQ(rows.group.max, 2.0);
  EXPECT_EQ(rows.group.n_finite, 3);  // row 0 (0.5, -3, 2) has the largest scale; the NaN is in row 1
  EXPECT_EQ(rows.group.count, 3);
}

}  // namespace
}  // namespace qs

namespace qs {
namespace {

TEST(Explore, ErrorHistogramOverPlusMinusThreeQuartersOfAStep) {
  std::mt19937 rng(3);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> x(5000);
  for (auto& v : x) v = d(rng);
  const std::vector<int64_t> shape = {50, 100};
  ExploreRequest r;
  r.scheme = *parse_spec("absmax:bits=4");
  r.hist_error = true;
  r.error_bins = 30;
  const ExploreResult e = explore(x, shape, r);
  const float s = e.q.groups[0].scale;  // max|x|/7
  EXPECT_FLOAT_EQ(float(e.step), s) << "an integer grid's gap is its scale";
  EXPECT_DOUBLE_EQ(e.hist_error.spec.lo, -0.75 * e.step);
  EXPECT_DOUBLE_EQ(e.hist_error.spec.hi, 0.75 * e.step);
  // Brute force: x − x̂ of every element, binned with the same spec.
  QuantizeOptions keep;
  keep.keep_dequant = true;
  const QuantizeResult q = quantize(x, shape, r.scheme, keep);
  uint64_t inside = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    inside += std::fabs(double(x[i]) - double(q.dequant[i])) <= 0.75 * e.step;
  }
  uint64_t total = 0;
  for (auto c : e.hist_error.counts) total += c;
  EXPECT_EQ(total, x.size()) << "no clipping: every rounding error is within ±s/2";
  EXPECT_EQ(total, inside);
  // With a clip range the clipped values' errors exceed the step and fall outside.
  r.scheme = *parse_spec("absmax:bits=4,clip=range,lo=-1,hi=1");
  const ExploreResult c = explore(x, shape, r);
  uint64_t total_c = 0;
  for (auto n : c.hist_error.counts) total_c += n;
  int64_t beyond = 0;
  for (float v : x) beyond += std::fabs(v) > 1.0f + float(c.step) * 0.75f;
  EXPECT_EQ(int64_t(x.size()) - int64_t(total_c), beyond);
}

}  // namespace
}  // namespace qs

namespace qs {
namespace {

TEST(LogAbsHistogram, BinsOfLog2Magnitudes) {
  // |x| = 2^-3 … 2^4 (one each, signs mixed) plus zeros and a NaN that are skipped.
  std::vector<float> x = {0.125f, -0.25f, 0.5f, -1.0f, 2.0f, -4.0f, 8.0f, 16.0f, 0.0f, -0.0f, NAN};
  const Histogram h = log2_abs_histogram(x, 7);
  EXPECT_DOUBLE_EQ(h.spec.lo, -3.0);
  EXPECT_DOUBLE_EQ(h.spec.hi, 4.0);
  // Bins of width 1 over [-3, 4]; NumPy's rule puts the max into the last bin.
  EXPECT_EQ(h.counts, (std::vector<uint64_t>{1, 1, 1, 1, 1, 1, 2}));
  // A range wider than 24 octaves keeps the top 24.
  std::vector<float> wide = {1e-20f, 1.0f};
  const Histogram w = log2_abs_histogram(wide, 24);
  EXPECT_DOUBLE_EQ(w.spec.lo, -24.0);
  uint64_t n = 0;
  for (auto c : w.counts) n += c;
  EXPECT_EQ(n, 1u);
  EXPECT_TRUE(log2_abs_histogram(std::vector<float>{0.0f}, 8).counts.empty());
}

}  // namespace
}  // namespace qs

namespace qs {
namespace {

// A cached per-tensor clip range gives exactly the result of calibrating inside quantize.
TEST(Explore, CachedTensorClipEqualsCalibrating) {
  std::mt19937 rng(8);
  std::student_t_distribution<float> d(3.0f);
  std::vector<float> x(20000);
  for (auto& v : x) v = d(rng) * 0.02f;
  x[17] = NAN;
  const std::vector<int64_t> shape = {100, 200};
  std::vector<float> finite;
  for (float v : x)
    if (std::isfinite(v)) finite.push_back(v);
  for (const char* sp : {"absmax:bits=4,clip=percentile,p=99.9", "minmax:bits=3,clip=percentile,p=98",
                         "absmax:bits=4,clip=sigma,k=3", "absmax:bits=4,clip=mse", "absmax:bits=8,clip=kl"}) {
    ExploreRequest r;
    r.scheme = *parse_spec(sp);
    r.view_lo = -0.2;
    r.view_hi = 0.2;
    const ExploreResult plain = explore(x, shape, r);
    r.tensor_clip = calibrate(finite, r.scheme);
    const ExploreResult cached = explore(x, shape, r);
    EXPECT_EQ(plain.q.groups[0].scale, cached.q.groups[0].scale) << sp;
    EXPECT_EQ(plain.q.groups[0].clip_lo, cached.q.groups[0].clip_lo) << sp;
    EXPECT_EQ(plain.q.groups[0].clip_hi, cached.q.groups[0].clip_hi) << sp;
    EXPECT_EQ(plain.q.metrics.sums.sum_err2, cached.q.metrics.sums.sum_err2) << sp;
    EXPECT_EQ(plain.hist_dequant.counts, cached.hist_dequant.counts) << sp;
  }
}

}  // namespace
}  // namespace qs

namespace qs {
namespace {

// x̂ of a one-group scheme as a stem per level (ExploreResult::q.dequant_values): every
// used level exactly once, with the number of elements that round to it; the same on the
// fused kernel and on the sorted-values path. Binning x̂ into the plot's 256 bins put
// 255 levels into them as 1, 1, …, 2 (double spikes); stems cannot alias.
TEST(Explore, DequantValuesAreOneStemPerUsedLevel) {
  std::mt19937 rng(11);
  std::normal_distribution<float> n(0.0f, 0.02f);
  std::vector<float> x(1 << 16);
  for (float& v : x) v = n(rng);
  x[77] = std::numeric_limits<float>::quiet_NaN();  // not counted
  const std::vector<int64_t> shape = {256, 256};
  const SortedValues sv = build_sorted_values(x);
  for (const char* sp : {"absmax:bits=8", "minmax:bits=4", "absmax:bits=8,clip=percentile,p=99", "fp8_e4m3"}) {
    ExploreRequest r;
    r.scheme = spec(sp);
    r.view_lo = -0.1;
    r.view_hi = 0.1;
    // The fused kernel counts codes for integer schemes only; the sorted path for all.
    const bool integer = r.scheme.kind != Kind::Float;
    for (const SortedValues* sorted : {static_cast<const SortedValues*>(nullptr), &sv}) {
      const ExploreResult e = explore(x, shape, r, nullptr, sorted);
      if (!sorted && !integer) {
        EXPECT_FALSE(e.q.has_dequant_values) << sp;
        continue;
      }
      ASSERT_TRUE(e.q.has_dequant_values) << sp;
      const auto& v = e.q.dequant_values;
      const auto& c = e.q.dequant_counts;
      ASSERT_EQ(v.size(), c.size());
      // One stem per used code; a cast's −0 and +0 are two codes of one value.
      EXPECT_GE(e.q.metrics.codes_used - int64_t(v.size()), 0) << sp;
      EXPECT_LE(e.q.metrics.codes_used - int64_t(v.size()), integer ? 0 : 1) << sp;
      uint64_t total = 0;
      for (size_t i = 0; i < v.size(); ++i) {
        if (i > 0) {
          EXPECT_LT(v[i - 1], v[i]) << sp << ": ascending, no level twice";
        }
        EXPECT_TRUE(std::binary_search(e.levels.begin(), e.levels.end(), v[i])) << sp << ": " << v[i] << " is a level";
        EXPECT_GT(c[i], 0u);
        total += c[i];
      }
      EXPECT_EQ(total, x.size() - 1) << sp << ": every finite element once";
      // Brute force: x̂ of every element, counted by value.
      QuantizeOptions keep;
      keep.keep_dequant = true;
      const QuantizeResult q = quantize(x, shape, r.scheme, keep);
      std::map<float, uint64_t> by_value;
      for (size_t i = 0; i < x.size(); ++i)
        if (std::isfinite(x[i])) ++by_value[q.dequant[i] == 0.0f ? 0.0f : q.dequant[i]];
      ASSERT_EQ(by_value.size(), v.size()) << sp;
      size_t k = 0;
      for (const auto& [value, count] : by_value) {
        EXPECT_EQ(value, v[k]) << sp;
        EXPECT_EQ(count, c[k]) << sp << " at " << value;
        ++k;
      }
    }
  }
  // Many groups: x̂ takes many values (a histogram reads right); a transform maps x̂
  // back off the levels. Neither has stems.
  for (const char* sp : {"absmax:bits=8,gran=block,block=32", "absmax:bits=8,keep=4"}) {
    ExploreRequest r;
    r.scheme = spec(sp);
    EXPECT_FALSE(explore(x, shape, r, nullptr, nullptr).q.has_dequant_values) << sp;
  }
}

}  // namespace
}  // namespace qs
