// The Outliers view's worker (app/gui/jobs/outliers_job, no GUI dependency): the rows come
// first as a preview and equal outlier_rows() on the same inputs, then the curves; a
// slider step costs one quantization; the activation maxima are the default candidate,
// one asked for, or none; a tensor that the maxima do not fit falls back; cancel.
#include "app/gui/jobs/outliers_job.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "analysis/explore/activation_maxima.h"

namespace qs::app {
namespace {

void add_tensor(Model& m, std::string name, std::vector<int64_t> shape, const std::vector<float>& v) {
  auto bytes = std::make_shared<std::vector<std::byte>>(v.size() * 4);
  std::memcpy(bytes->data(), v.data(), bytes->size());
  TensorView t;
  t.name = std::move(name);
  t.shape = std::move(shape);
  t.bytes = std::span<const std::byte>(*bytes);
  m.tensors.push_back(t);
  m.buffers.push_back(bytes);
}

// A 32 × 64 weight with two outlier columns, its act_scales, and a plain 1-D tensor of
// the same length.
std::shared_ptr<const Model> lab_model(std::vector<float>& w, std::vector<float>& act) {
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0.0f, 0.02f);
  w.resize(32 * 64);
  for (float& v : w) v = g(rng);
  for (int r = 0; r < 32; ++r) w[size_t(r * 64 + 9)] *= 20.0f, w[size_t(r * 64 + 40)] *= 20.0f;
  act.assign(64, 1.0f);
  act[3] = 25.0f;
  auto m = std::make_shared<Model>();
  m->path = "memory";
  m->format = "test";
  add_tensor(*m, "layer.proj.weight", {32, 64}, w);
  add_tensor(*m, "layer.norm.weight", {64}, std::vector<float>(64, 1.0f));
  add_tensor(*m, "layer.proj.act_scales", {64}, act);
  add_tensor(*m, "other.weight", {16, 16}, std::vector<float>(256, 0.5f));
  return m;
}

TEST(OutliersJob, RowsFirstThenCurvesAndASliderStepIsOneQuantization) {
  std::vector<float> w, act;
  const auto model = lab_model(w, act);
  OutliersWorker worker;
  OutliersJobRequest req{model, 0, OutlierLabSettings{}, kActAuto};
  std::vector<OutliersJobResult> previews;
  RunControl ctl;
  const OutliersJobResult r = worker.run(req, ctl, [&](OutliersJobResult p, double) { previews.push_back(p); });
  ASSERT_FALSE(r.cancelled);
  ASSERT_EQ(previews.size(), 1u);
  EXPECT_FALSE(previews[0].curves);  // the rows, before the curves
  ASSERT_TRUE(r.curves);
  EXPECT_EQ(r.act_tensor, 2);  // named like act_scales
  EXPECT_EQ(r.act_candidates, (std::vector<int>{1, 2}));
  EXPECT_EQ(r.m.rows, 32);
  EXPECT_EQ(r.r_max, 31);
  // The rows are outlier_rows() on the same tensor and inputs.
  const std::vector<int64_t> shape = {32, 64};
  const OutlierTensorCache tc = outlier_tensor_cache(w, shape);
  const OutlierRows direct = outlier_rows(w, shape, OutlierLabSettings{}, outlier_transform_inputs(tc, act));
  ASSERT_EQ(r.rows.rows.size(), direct.rows.size());
  for (size_t i = 0; i < direct.rows.size(); ++i) {
    EXPECT_EQ(r.rows.rows[i].spec, direct.rows[i].spec);
    EXPECT_EQ(r.rows.rows[i].error, direct.rows[i].error);
    if (direct.rows[i].eval) {
      EXPECT_EQ(r.rows.rows[i].eval->metrics.sqnr_db, direct.rows[i].eval->metrics.sqnr_db) << i;
    }
  }
  // k 8 → 9: one new quantization, no preview (the curves are the base's, cached).
  const size_t memo = worker.memo_size();
  req.settings.keep = 9;
  previews.clear();
  const OutliersJobResult r2 = worker.run(req, ctl, [&](OutliersJobResult p, double) { previews.push_back(p); });
  EXPECT_TRUE(previews.empty());
  EXPECT_EQ(worker.memo_size(), memo + 1);
  EXPECT_EQ(ctl.total.load(), 1);
  EXPECT_EQ(r2.curves, r.curves);
  EXPECT_EQ(r2.rows.rows[size_t(OutlierMethod::Keep)].spec, "absmax:bits=4,gran=channel,axis=0,keep=9");
}

TEST(OutliersJob, ActivationMaximaAskedForNoneOrNotFitting) {
  std::vector<float> w, act;
  const auto model = lab_model(w, act);
  OutliersWorker worker;
  RunControl ctl;
  OutliersJobRequest req{model, 0, OutlierLabSettings{}, 1};  // the norm's ones: a fitting 1-D tensor
  OutliersJobResult r = worker.run(req, ctl, nullptr);
  EXPECT_EQ(r.act_tensor, 1);
  const OutlierRow& sm = r.rows.rows[size_t(OutlierMethod::Smooth)];
  ASSERT_TRUE(sm.eval) << sm.error;
  EXPECT_EQ(sm.eval->transform->act_absmax_before, 1.0);
  req.act_tensor = kActNone;
  r = worker.run(req, ctl, nullptr);
  EXPECT_EQ(r.act_tensor, kActNone);
  EXPECT_NE(r.rows.rows[size_t(OutlierMethod::Smooth)].error.find("needs activation maxima"), std::string::npos);
  EXPECT_TRUE(r.curves->alpha.empty());
  // Maxima chosen for another weight (length 64) do not fit a 16 × 16 one: none fits there.
  req = OutliersJobRequest{model, 3, OutlierLabSettings{}, 2};
  r = worker.run(req, ctl, nullptr);
  EXPECT_EQ(r.act_tensor, kActNone);
  EXPECT_TRUE(r.act_candidates.empty());
}

TEST(OutliersJob, CancelLeavesNothingHalfDone) {
  std::vector<float> w, act;
  const auto model = lab_model(w, act);
  OutliersWorker worker;
  RunControl cancelled;
  cancelled.cancel = true;
  const OutliersJobRequest req{model, 0, OutlierLabSettings{}, kActAuto};
  EXPECT_TRUE(worker.run(req, cancelled, nullptr).cancelled);
  EXPECT_EQ(worker.memo_size(), 0u);
  EXPECT_EQ(worker.phase(), OutliersPhase::Idle);
  RunControl ok;
  const OutliersJobResult r = worker.run(req, ok, nullptr);  // the caches are computed again
  EXPECT_FALSE(r.cancelled);
  EXPECT_TRUE(r.curves);
}

}  // namespace
}  // namespace qs::app
