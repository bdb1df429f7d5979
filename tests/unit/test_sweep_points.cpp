// Sweeps: every point equals a direct quantize() with the same spec; SQNR vs bits gains
// 6.02 dB per bit on a Gaussian; bits/weight of blocks is bits + 32/block; the clip sweep
// has an interior optimum on Laplace data that the MSE calibration finds; the Pareto front
// on a hand-made set; cancellation.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/quant/quantize.h"
#include "analysis/explore/sweep_points.h"

namespace qs {
namespace {

std::vector<float> gaussian(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> x(n);
  for (auto& v : x) v = d(rng);
  return x;
}

void expect_points_match(std::span<const float> x, std::span<const int64_t> shape, const SweepResult& r) {
  for (const SweepPoint& p : r.points) {
    const QuantizeResult q = quantize(x, shape, *parse_spec(p.spec));
    EXPECT_EQ(p.sqnr_db, q.metrics.sqnr_db) << p.spec;
    EXPECT_EQ(p.mse, q.metrics.mse) << p.spec;
    EXPECT_EQ(p.bits_per_weight, q.metrics.bits_per_weight) << p.spec;
  }
}

TEST(Sweeps, BitsGainSixDecibelsPerBit) {
  const std::vector<float> x = gaussian(256 * 256, 1);
  const std::vector<int64_t> shape = {256, 256};
  const SweepResult r = sweep_bits(x, shape, *parse_spec("absmax:bits=8"));
  ASSERT_EQ(r.points.size(), 15u);
  EXPECT_EQ(r.points.front().x, 2);
  EXPECT_EQ(r.points.back().x, 16);
  for (size_t i = 1; i < r.points.size(); ++i) EXPECT_GT(*r.points[i].sqnr_db, *r.points[i - 1].sqnr_db);
  // Between 6 and 12 bits the grid is fine relative to the data: 20·log10(2) per bit.
  const double slope = (*r.points[10].sqnr_db - *r.points[4].sqnr_db) / 6.0;
  EXPECT_NEAR(slope, 6.02, 0.3);
  expect_points_match(x, shape, r);
  EXPECT_TRUE(sweep_bits(x, shape, *parse_spec("nf4")).points.empty());
}

TEST(Sweeps, BlockSizesAndTheirOverhead) {
  const std::vector<float> x = gaussian(64 * 512, 2);
  const std::vector<int64_t> shape = {64, 512};
  const SweepResult r = sweep_block(x, shape, *parse_spec("absmax:bits=4"));
  ASSERT_EQ(r.points.size(), 6u);  // 16 … 512 (the last dimension)
  for (const SweepPoint& p : r.points) EXPECT_DOUBLE_EQ(*p.bits_per_weight, 4.0 + 32.0 / p.x) << p.spec;
  // Smaller blocks track the data more closely.
  EXPECT_GT(*r.points.front().sqnr_db, *r.points.back().sqnr_db);
  expect_points_match(x, shape, r);
}

TEST(Sweeps, ClipOptimumOnLaplaceDataAndTheMarkers) {
  std::mt19937 rng(5);
  std::exponential_distribution<float> e(1.0f);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> x(1 << 16);
  for (auto& v : x) v = (sign(rng) ? 1.0f : -1.0f) * e(rng) * 0.02f;
  const std::vector<int64_t> shape = {int64_t(x.size())};
  const SweepResult r = sweep_clip(x, shape, *parse_spec("absmax:bits=4"), 32);
  ASSERT_EQ(r.points.size(), 32u);
  double best = INFINITY;
  for (const SweepPoint& p : r.points) best = std::min(best, *p.mse);
  // Clipping helps heavy tails at 4 bits: the optimum is below the unclipped MSE.
  EXPECT_LT(best, *r.points.back().mse * 0.8);
  ASSERT_EQ(r.markers.size(), 6u);
  const ClipMarker& mse = r.markers[4];
  EXPECT_EQ(mse.name, "mse");
  EXPECT_LE(*mse.mse, best * 1.05) << "the MSE-optimal calibration lands near the sweep's minimum";
  // The percentile markers are ordered.
  EXPECT_LT(r.markers[0].threshold, r.markers[1].threshold);
  EXPECT_LT(r.markers[1].threshold, r.markers[2].threshold);
  expect_points_match(x, shape, r);
}

// With the sorted-values cache, every sweep gives the same points: per-tensor points come
// from quantize_sorted (equal counts; sums within the kernels' float32-tile bound), the
// others from quantize().
TEST(Sweeps, SortedCacheGivesTheSamePoints) {
  const std::vector<float> x = gaussian(128 * 256, 9);
  const std::vector<int64_t> shape = {128, 256};
  const SortedValues sv = build_sorted_values(x);
  auto same = [](const SweepResult& a, const SweepResult& b) {
    ASSERT_EQ(a.points.size(), b.points.size());
    for (size_t i = 0; i < a.points.size(); ++i) {
      EXPECT_EQ(a.points[i].spec, b.points[i].spec);
      EXPECT_EQ(a.points[i].bits_per_weight, b.points[i].bits_per_weight) << a.points[i].spec;
      // The kernels' float32 tile sums hold ~1e-6 relative (kernel_sums-inl.h).
      EXPECT_NEAR(*a.points[i].mse, *b.points[i].mse, 2e-6 * *b.points[i].mse) << a.points[i].spec;
      EXPECT_NEAR(*a.points[i].sqnr_db, *b.points[i].sqnr_db, 1e-5) << a.points[i].spec;
    }
    ASSERT_EQ(a.markers.size(), b.markers.size());
    for (size_t k = 0; k < a.markers.size(); ++k) {
      EXPECT_EQ(a.markers[k].threshold, b.markers[k].threshold);
      EXPECT_NEAR(*a.markers[k].mse, *b.markers[k].mse, 2e-6 * *b.markers[k].mse) << a.markers[k].name;
    }
  };
  const Scheme base = *parse_spec("absmax:bits=6");
  same(sweep_bits(x, shape, base, nullptr, 2, &sv), sweep_bits(x, shape, base, nullptr, 2));
  same(sweep_clip(x, shape, base, 24, nullptr, 2, &sv), sweep_clip(x, shape, base, 24, nullptr, 2));
  same(sweep_block(x, shape, base, nullptr, 2, &sv), sweep_block(x, shape, base, nullptr, 2));
  same(format_map(x, shape, nullptr, 2, &sv), format_map(x, shape, nullptr, 2));
}

TEST(Sweeps, FormatMapPoints) {
  const std::vector<float> x = gaussian(64 * 256, 3);
  const std::vector<int64_t> shape = {64, 256};
  const SweepResult r = format_map(x, shape);
  ASSERT_EQ(r.points.size(), 19u);  // 14 generic formats + 5 presets (rows of 256 fit the K-quants)
  for (const SweepPoint& p : r.points) EXPECT_EQ(p.x, *p.bits_per_weight) << p.label;
  EXPECT_EQ(r.points[0].label, "int8");
  EXPECT_DOUBLE_EQ(*r.points[5].bits_per_weight, 8.5);  // q8_0-like: 8 + 16/32
  EXPECT_EQ(r.points[16].label, "llama.cpp q4_k");
  EXPECT_DOUBLE_EQ(*r.points[16].bits_per_weight, 4.5);
  EXPECT_DOUBLE_EQ(*r.points[17].bits_per_weight, 4.25);  // mxfp4: 4 + 8/32
  // The generic q8_0-like point and llama.cpp's own Q8_0 differ only in rounding ties.
  EXPECT_NEAR(*r.points[14].sqnr_db, *r.points[5].sqnr_db, 0.05);
  expect_points_match(x, shape, r);
}

TEST(Sweeps, ParetoFrontByHand) {
  // (bpw, sqnr): 0 (4, 10) front; 1 (4, 12) front (beats 0); 2 (8, 11) dominated by 1;
  // 3 (8, 30) front; 4 (8, 30) duplicate of 3 (dropped); 5 (16, 29) dominated by 3;
  // 6 (16, 60) front; 7 (2, 5) front (lowest bits).
  const std::vector<std::pair<double, double>> pts = {{4, 10}, {4, 12}, {8, 11}, {8, 30},
                                                      {8, 30}, {16, 29}, {16, 60}, {2, 5}};
  EXPECT_EQ(pareto_front(pts), (std::vector<size_t>{7, 1, 3, 6}));
  EXPECT_TRUE(pareto_front(std::vector<std::pair<double, double>>{}).empty());
}

TEST(Sweeps, CancelledBeforeStarting) {
  const std::vector<float> x = gaussian(4096, 4);
  const std::vector<int64_t> shape = {64, 64};
  RunControl c;
  c.cancel = true;
  EXPECT_TRUE(sweep_bits(x, shape, *parse_spec("absmax:bits=8"), &c).cancelled);
  EXPECT_TRUE(sweep_clip(x, shape, *parse_spec("absmax:bits=8"), 8, &c).cancelled);
  EXPECT_TRUE(format_map(x, shape, &c).cancelled);
}

}  // namespace
}  // namespace qs

namespace qs {
namespace {

TEST(Sweeps, ProgressCountsPoints) {
  const std::vector<float> x = gaussian(4096, 6);
  const std::vector<int64_t> shape = {64, 64};
  RunControl c;
  const SweepResult r = sweep_bits(x, shape, *parse_spec("absmax:bits=8"), &c);
  ASSERT_EQ(r.points.size(), 15u);
  EXPECT_EQ(c.total.load(), 15) << "points, not elements";
  EXPECT_EQ(c.done.load(), 15);
}

}  // namespace
}  // namespace qs
