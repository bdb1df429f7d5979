// Heatmap pooling against brute force: every cell equals the max/mean/min of exactly the
// elements it covers, for every quantity, at full size and zoomed into a rectangle.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "analysis/explore/heatmap.h"

namespace qs {
namespace {

TEST(Heatmap, DimsOfShapes) {
  int64_t r = 0, c = 0;
  std::vector<int64_t> conv = {8, 3, 3, 4};
  heatmap_dims(conv, &r, &c);
  EXPECT_EQ(r, 8);
  EXPECT_EQ(c, 36);
  std::vector<int64_t> vec = {5};
  heatmap_dims(vec, &r, &c);
  EXPECT_EQ(r, 5);
  EXPECT_EQ(c, 1);
}

TEST(Heatmap, HandPooledTwoByTwo) {
  // 4×4 of 0..15 pooled to 2×2 cells of 2×2 elements: max of cell (0,0) = 5, mean 2.5.
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[size_t(i)] = float(i);
  HeatmapRequest r;
  r.rows = r.cols = 4;
  r.r1 = r.c1 = 4;
  r.out_w = r.out_h = 2;
  const Heatmap mx = pool_heatmap(x, {}, nullptr, r);
  EXPECT_EQ(mx.cells, (std::vector<float>{5, 7, 13, 15}));
  r.pool = HeatPool::Mean;
  EXPECT_EQ(pool_heatmap(x, {}, nullptr, r).cells, (std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f}));
  r.pool = HeatPool::Min;
  const Heatmap mn = pool_heatmap(x, {}, nullptr, r);
  EXPECT_EQ(mn.cells, (std::vector<float>{0, 2, 8, 10}));
  EXPECT_EQ(mn.lo, 0.0f);
  EXPECT_EQ(mn.hi, 10.0f);
}

TEST(Heatmap, EveryCellEqualsBruteForce) {
  const int64_t R = 37, C = 53;
  std::mt19937 rng(4);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> x(size_t(R * C));
  for (auto& v : x) v = d(rng);
  x[100] = NAN;
  const std::vector<int64_t> shape = {R, C};
  QuantizeOptions o;
  o.keep_dequant = true;
  const QuantizeResult q = quantize(x, shape, *parse_spec("absmax:bits=4,gran=block,block=8"), o);
  for (auto quantity : {HeatQuantity::AbsX, HeatQuantity::AbsError, HeatQuantity::RelError, HeatQuantity::Scale}) {
    for (auto pool : {HeatPool::Max, HeatPool::Mean, HeatPool::Min}) {
      for (auto rect : {std::array<int64_t, 4>{0, R, 0, C}, std::array<int64_t, 4>{5, 22, 7, 40}}) {
        HeatmapRequest r;
        r.rows = R;
        r.cols = C;
        r.r0 = rect[0];
        r.r1 = rect[1];
        r.c0 = rect[2];
        r.c1 = rect[3];
        r.out_w = 10;
        r.out_h = 7;
        r.quantity = quantity;
        r.pool = pool;
        const Heatmap h = pool_heatmap(x, q.dequant, &q, r);
        ASSERT_EQ(h.w, 10);
        ASSERT_EQ(h.h, 7);
        const int64_t nr = r.r1 - r.r0, nc = r.c1 - r.c0;
        for (int i = 0; i < h.h; ++i) {
          for (int j = 0; j < h.w; ++j) {
            double best = pool == HeatPool::Max ? -INFINITY : pool == HeatPool::Min ? INFINITY : 0.0;
            int64_t n = 0;
            for (int64_t rr = r.r0 + nr * i / h.h; rr < r.r0 + nr * (i + 1) / h.h; ++rr) {
              for (int64_t cc = r.c0 + nc * j / h.w; cc < r.c0 + nc * (j + 1) / h.w; ++cc) {
                const size_t e = size_t(rr * C + cc);
                if (!std::isfinite(x[e])) continue;
                const double err = std::fabs(double(x[e]) - double(q.dequant[e]));
                double v = 0;
                switch (quantity) {
                  case HeatQuantity::AbsX: v = std::fabs(double(x[e])); break;
                  case HeatQuantity::AbsError: v = err; break;
                  case HeatQuantity::RelError: v = x[e] == 0 ? 0 : err / std::fabs(double(x[e])); break;
                  case HeatQuantity::Scale: v = q.groups[size_t(q.layout.group_of(int64_t(e)))].scale; break;
                }
                best = pool == HeatPool::Max ? std::max(best, v) : pool == HeatPool::Min ? std::min(best, v) : best + v;
                ++n;
              }
            }
            const float want = n == 0 ? NAN : float(pool == HeatPool::Mean ? best / double(n) : best);
            const float got = h.cells[size_t(i * h.w + j)];
            if (std::isnan(want)) EXPECT_TRUE(std::isnan(got));
            else EXPECT_EQ(got, want) << "cell " << i << "," << j;
          }
        }
      }
    }
  }
}

TEST(Heatmap, ZoomedToSingleElements) {
  // A 3×4 rectangle asked for 100×100 cells gets 3×4: one element per cell.
  std::vector<float> x(100 * 100);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i);
  HeatmapRequest r;
  r.rows = r.cols = 100;
  r.r0 = 10;
  r.r1 = 13;
  r.c0 = 50;
  r.c1 = 54;
  r.out_w = r.out_h = 100;
  const Heatmap h = pool_heatmap(x, {}, nullptr, r);
  ASSERT_EQ(h.w, 4);
  ASSERT_EQ(h.h, 3);
  EXPECT_EQ(h.cells[0], 1050.0f);
  EXPECT_EQ(h.cells[11], 1253.0f);
}

}  // namespace
}  // namespace qs
