// Per-group statistics: hand-derived per-row ranges, scales and SQNR, and the outlier
// ranking, checked against a direct computation.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/explore/group_stats.h"

namespace qs {
namespace {

TEST(GroupStats, RowsByHand) {
  // 3 rows of 4, absmax int8 per row (axis 0): scales max|row|/127.
  const std::vector<float> x = {0.5f, -1.0f, 0.25f, 0.0f,   // row 0: absmax 1
                                2.0f, 3.0f, -4.0f, 1.0f,    // row 1: absmax 4 (the outlier)
                                0.1f, NAN, -0.2f, 0.05f};   // row 2: absmax 0.2, one NaN
  const std::vector<int64_t> shape = {3, 4};
  const GroupStats s = group_stats(x, shape, *parse_spec("absmax:bits=8,gran=channel,axis=0"), 1);
  ASSERT_EQ(s.groups.size(), 3u);
  EXPECT_EQ(s.groups[0].min, -1.0f);
  EXPECT_EQ(s.groups[0].max, 0.5f);
  EXPECT_EQ(s.groups[1].absmax, 4.0f);
  EXPECT_FLOAT_EQ(s.groups[1].scale, 4.0f / 127.0f);
  EXPECT_EQ(s.groups[2].count, 4);
  EXPECT_EQ(s.groups[2].n_finite, 3);
  EXPECT_FLOAT_EQ(s.groups[2].absmax, 0.2f);
  EXPECT_NEAR(s.groups[0].sum_x2, 0.25 + 1.0 + 0.0625, 1e-12);
  // Row 1: 3 = 95.25 s → code 95, x̂ = 95·s; 2 → 63.5 → 64 (ties to even); 1 → 31.75 → 32;
  // -4 → -127. err² summed by hand from those codes.
  const double sc = double(4.0f / 127.0f);
  auto err = [&](double v, int q) { const double e = v - double(float(q * float(sc))); return e * e; };
  const double e2 = err(2.0, 64) + err(3.0, 95) + err(-4.0, -127) + err(1.0, 32);
  EXPECT_NEAR(s.groups[1].sum_err2, e2, 1e-15);
  EXPECT_NEAR(s.groups[1].sqnr_db(), 10 * std::log10(30.0 / e2), 1e-9);
  // Ranking: absmax {1, 4, 0.2}, median 1 → row 1 at 4×, then row 0 at 1×.
  const auto top = top_outlier_groups(s.groups, 2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].first, 1);
  EXPECT_DOUBLE_EQ(top[0].second, 4.0);
  EXPECT_EQ(top[1].first, 0);
}

TEST(GroupStats, BlocksMatchADirectComputation) {
  std::mt19937 rng(9);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> x(37 * 100);
  for (auto& v : x) v = d(rng);
  const std::vector<int64_t> shape = {37, 100};
  const Scheme sc = *parse_spec("absmax:bits=4,gran=block,block=32");  // 4 blocks per row, last has 4
  const GroupStats s = group_stats(x, shape, sc, 2);
  ASSERT_EQ(s.groups.size(), 37u * 4u);
  QuantizeOptions o;
  o.keep_dequant = true;
  const QuantizeResult q = quantize(x, shape, sc, o);
  for (int64_t r = 0; r < 37; ++r) {
    for (int64_t b = 0; b < 4; ++b) {
      const GroupStat& g = s.groups[size_t(r * 4 + b)];
      double x2 = 0, e2 = 0;
      float mx = 0;
      const int64_t c0 = b * 32, c1 = std::min<int64_t>(100, c0 + 32);
      for (int64_t c = c0; c < c1; ++c) {
        const size_t i = size_t(r * 100 + c);
        x2 += double(x[i]) * double(x[i]);
        e2 += (double(x[i]) - double(q.dequant[i])) * (double(x[i]) - double(q.dequant[i]));
        mx = std::max(mx, std::fabs(x[i]));
      }
      EXPECT_EQ(g.count, c1 - c0);
      EXPECT_EQ(g.absmax, mx);
      EXPECT_DOUBLE_EQ(g.sum_x2, x2);
      EXPECT_DOUBLE_EQ(g.sum_err2, e2);
      EXPECT_EQ(g.scale, q.groups[size_t(r * 4 + b)].scale);
    }
  }
}

}  // namespace
}  // namespace qs
