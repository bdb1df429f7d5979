// The greedy point-label placement (widgets/label_placement.h), checked numerically:
// placed labels never overlap each other, an obstacle or a point's marker, and stay
// inside the bounds; free labels take their first choice (right of the point).
#include <gtest/gtest.h>

#include <vector>

#include "widgets/label_placement.h"

namespace qs::widgets {
namespace {

void expect_clean(std::span<const LabelRequest> req, const std::vector<PlacedLabel>& out,
                  const LabelPlacementOptions& opt) {
  ASSERT_EQ(out.size(), req.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (!out[i].placed) continue;
    const Rect& r = out[i].rect;
    EXPECT_TRUE(opt.bounds.contains(r)) << "label " << i << " leaves the plot";
    EXPECT_FLOAT_EQ(r.width(), req[i].w);
    EXPECT_FLOAT_EQ(r.height(), req[i].h);
    for (size_t j = i + 1; j < out.size(); ++j) {
      if (out[j].placed) {
        // Apart by the padding, not merely not overlapping.
        const Rect grown{r.x0 - opt.pad, r.y0 - opt.pad, r.x1 + opt.pad, r.y1 + opt.pad};
        EXPECT_FALSE(overlaps(grown, out[j].rect)) << "labels " << i << " and " << j;
      }
    }
    for (const Rect& o : opt.obstacles) EXPECT_FALSE(overlaps(r, o)) << "label " << i << " covers an obstacle";
    for (const LabelRequest& p : req) {
      const Rect marker{p.x - opt.marker, p.y - opt.marker, p.x + opt.marker, p.y + opt.marker};
      EXPECT_FALSE(overlaps(r, marker)) << "label " << i << " covers the point at " << p.x << "," << p.y;
    }
  }
}

TEST(LabelPlacement, FreeLabelsSitRightOfTheirPoint) {
  const std::vector<LabelRequest> req = {{100, 100, 40, 14}, {100, 200, 60, 14}, {300, 150, 20, 14}};
  LabelPlacementOptions opt;
  opt.bounds = {0, 0, 500, 400};
  opt.gap = 3;
  opt.marker = 4;
  const auto out = place_labels(req, opt);
  expect_clean(req, out, opt);
  for (size_t i = 0; i < req.size(); ++i) {
    ASSERT_TRUE(out[i].placed);
    EXPECT_FLOAT_EQ(out[i].rect.x0, req[i].x + 7);  // gap + marker
    EXPECT_FLOAT_EQ(out[i].rect.y0, req[i].y - 7);  // centred on the point
  }
}

TEST(LabelPlacement, AtTheRightEdgeTheLabelGoesLeft) {
  const std::vector<LabelRequest> req = {{480, 100, 40, 14}};
  LabelPlacementOptions opt;
  opt.bounds = {0, 0, 500, 400};
  const auto out = place_labels(req, opt);
  ASSERT_TRUE(out[0].placed);
  EXPECT_FLOAT_EQ(out[0].rect.x1, 480 - opt.gap - opt.marker);
}

TEST(LabelPlacement, AnObstacleIsNeverCovered) {
  // The legend right of the point: the label takes the left.
  const Rect legend{110, 80, 300, 120};
  const std::vector<LabelRequest> req = {{100, 100, 40, 14}};
  LabelPlacementOptions opt;
  opt.bounds = {0, 0, 500, 400};
  opt.obstacles = std::span<const Rect>(&legend, 1);
  const auto out = place_labels(req, opt);
  expect_clean(req, out, opt);
  ASSERT_TRUE(out[0].placed);
  EXPECT_LT(out[0].rect.x1, 100);
}

TEST(LabelPlacement, ACrowdedClusterKeepsWhatFitsAndDropsTheRest) {
  // The format map's low-bit corner: 12 formats within a few pixels (int4 b32/b64/b128,
  // mxfp4, q4_k, nf4, …), labels 50–90 px wide; plus a few well apart.
  std::vector<LabelRequest> req;
  const float xs[] = {160, 162, 163, 165, 166, 168, 170, 171, 173, 175, 161, 169};
  const float ys[] = {300, 296, 303, 292, 299, 305, 289, 297, 301, 294, 310, 285};
  const float ws[] = {50, 62, 70, 45, 48, 90, 55, 58, 52, 47, 66, 80};
  for (int i = 0; i < 12; ++i) req.push_back({xs[i], ys[i], ws[i], 15});
  req.push_back({250, 100, 40, 15});
  req.push_back({400, 60, 40, 15});
  LabelPlacementOptions opt;
  opt.bounds = {40, 20, 460, 340};
  opt.gap = 3;
  opt.marker = 4;
  const auto out = place_labels(req, opt);
  expect_clean(req, out, opt);
  int placed = 0;
  for (const PlacedLabel& p : out) placed += p.placed;
  EXPECT_TRUE(out[0].placed) << "the first label (the caller's most important) always finds room here";
  EXPECT_TRUE(out[12].placed && out[13].placed) << "points far from the cluster keep their labels";
  EXPECT_GE(placed, 4);
  EXPECT_LT(placed, 14) << "a cluster this tight cannot label every point";
}

TEST(LabelPlacement, DegenerateLabelsAreSkipped) {
  const std::vector<LabelRequest> req = {{100, 100, 0, 14}, {100, 100, 40, 0}};
  LabelPlacementOptions opt;
  opt.bounds = {0, 0, 500, 400};
  const auto out = place_labels(req, opt);
  EXPECT_FALSE(out[0].placed);
  EXPECT_FALSE(out[1].placed);
}

TEST(LabelPlacement, LegendGoesWhereThePointsAreNot) {
  // A curve falling from the top left: the top-right corner is free.
  const Rect corners[] = {{0, 0, 100, 40}, {300, 0, 400, 40}, {0, 260, 100, 300}, {300, 260, 400, 300}};
  std::vector<Point> pts;
  for (int i = 0; i < 50; ++i) pts.push_back({float(i) * 8, 10 + float(i) * 5.8f});
  EXPECT_EQ(least_covered(corners, pts), 1u);
  EXPECT_EQ(least_covered(corners, std::span<const Point>()), 0u) << "a tie keeps the first";
}

}  // namespace
}  // namespace qs::widgets
