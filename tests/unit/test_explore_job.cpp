// The explore worker (app/gui/jobs, no GUI dependency): once the sorted-values cache is
// built, per-tensor edits give what explore() gives over the elements; per-group
// schemes on a tensor over the preview threshold publish a preview first that equals
// explore() on every 16th row, then the exact result.
#include "app/gui/jobs/explore_job.h"

#include "analysis/quant/calibrate.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>

namespace qs::app {
namespace {

std::shared_ptr<const Model> one_tensor_model(int64_t rows, int64_t cols, std::vector<float>& x) {
  std::mt19937 rng(11);
  std::normal_distribution<float> g(0.0f, 0.02f);
  x.resize(size_t(rows * cols));
  for (float& v : x) v = g(rng);
  x[77] = 0.5f;  // an outlier
  auto bytes = std::make_shared<std::vector<std::byte>>(x.size() * 4);
  std::memcpy(bytes->data(), x.data(), bytes->size());
  auto m = std::make_shared<Model>();
  m->path = "memory";
  m->format = "test";
  TensorView t;
  t.name = "w";
  t.shape = {rows, cols};
  t.bytes = std::span<const std::byte>(*bytes);
  m->tensors.push_back(t);
  m->buffers.push_back(bytes);
  return m;
}

ExploreJobRequest request(const std::shared_ptr<const Model>& m, const char* spec) {
  ExploreJobRequest r;
  r.model = m;
  r.tensor = 0;
  r.req.scheme = *parse_spec(spec);
  r.req.view_lo = -0.1;
  r.req.view_hi = 0.1;
  r.req.bins = 128;
  return r;
}

void expect_same(const ExploreResult& a, const ExploreResult& b) {
  EXPECT_EQ(a.q.metrics.codes_used, b.q.metrics.codes_used);
  EXPECT_EQ(a.q.metrics.sums.n_clipped, b.q.metrics.sums.n_clipped);
  // explore() runs the kernels: float32 tile sums, ~1e-6 relative (kernel_sums-inl.h).
  EXPECT_NEAR(a.q.metrics.sums.sum_err2, b.q.metrics.sums.sum_err2, 2e-6 * b.q.metrics.sums.sum_err2);
  EXPECT_NEAR(a.q.metrics.sums.max_abs_err, b.q.metrics.sums.max_abs_err, 1.2e-7 * b.q.metrics.sums.max_abs_err);
  EXPECT_EQ(a.hist_x.counts, b.hist_x.counts);
  EXPECT_EQ(a.hist_dequant.counts, b.hist_dequant.counts);
  EXPECT_EQ(a.levels, b.levels);
}

TEST(ExploreWorker, PerTensorEditsFromTheSortedCacheEqualExplore) {
  std::vector<float> x;
  auto m = one_tensor_model(300, 256, x);
  ExploreWorker w;
  RunControl ctl;
  ExploreJobRequest r = request(m, "absmax:bits=8");
  r.reset_view = true;
  (void)w.run(r, ctl, nullptr);  // selects the tensor: the cache builds on its own thread
  for (int i = 0; i < 5000 && !w.status()->ready.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(w.status()->ready.load());
  EXPECT_EQ(w.status()->tensor.load(), 0);
  for (const char* spec : {"absmax:bits=8,clip=range,lo=-0.03,hi=0.03", "minmax:bits=4", "fp8_e4m3:scale=absmax",
                           "absmax:bits=4,clip=percentile,p=99.9", "nf4:gran=tensor"}) {
    ExploreJobRequest e = request(m, spec);
    const ExploreJobResult got = w.run(e, ctl, nullptr);
    ASSERT_FALSE(got.cancelled) << spec;
    ExploreRequest plain = e.req;
    if (plain.scheme.clip.method == ClipMethod::Percentile) plain.tensor_clip = calibrate(x, plain.scheme);
    const ExploreResult want = explore(x, m->tensors[0].shape, plain);
    SCOPED_TRACE(spec);
    expect_same(got.main, want);
    EXPECT_EQ(got.preview_stride, 0);
  }
}

TEST(ExploreWorker, PerGroupSchemeOnAHugeTensorPreviewsEverySixteenthRow) {
  std::vector<float> x;
  const int64_t rows = 200, cols = 96;
  auto m = one_tensor_model(rows, cols, x);
  ExploreWorker w;
  w.set_preview_numel(1000);  // this 19 200-element tensor counts as huge
  RunControl ctl;
  std::vector<ExploreJobResult> previews;
  const ExploreJobRequest r = request(m, "absmax:bits=4,gran=block,block=32");
  const ExploreJobResult fin = w.run(r, ctl, [&](ExploreJobResult p, double) { previews.push_back(std::move(p)); });
  ASSERT_EQ(previews.size(), 1u);
  const ExploreJobResult& p = previews[0];
  EXPECT_EQ(p.preview_stride, kPreviewStride);
  // Rows 0, 16, 32, …: 13 rows of 3 blocks each.
  std::vector<float> sub;
  for (int64_t row = 0; row < rows; row += kPreviewStride)
    sub.insert(sub.end(), x.begin() + row * cols, x.begin() + (row + 1) * cols);
  const std::vector<int64_t> sub_shape = {13, cols};
  ExploreRequest req = r.req;
  const ExploreResult want_p = explore(sub, sub_shape, req);
  EXPECT_EQ(p.main.q.groups.size(), 13u * 3u);
  EXPECT_EQ(p.main.q.metrics.sums.sum_err2, want_p.q.metrics.sums.sum_err2);
  EXPECT_EQ(p.main.q.metrics.codes_used, want_p.q.metrics.codes_used);
  for (size_t b = 0; b < want_p.hist_dequant.counts.size(); ++b)
    EXPECT_EQ(p.main.hist_dequant.counts[b], want_p.hist_dequant.counts[b] * kPreviewStride);
  // The exact result: every group.
  EXPECT_EQ(fin.preview_stride, 0);
  const ExploreResult want = explore(x, m->tensors[0].shape, req);
  EXPECT_EQ(fin.main.q.groups.size(), size_t(rows * 3));
  EXPECT_NEAR(fin.main.q.metrics.sums.sum_err2, want.q.metrics.sums.sum_err2, 1e-12 * want.q.metrics.sums.sum_err2);
  EXPECT_EQ(fin.main.hist_dequant.counts, want.hist_dequant.counts);
  // A per-tensor scheme needs no preview (the sorted cache or one fused pass answers).
  previews.clear();
  (void)w.run(request(m, "absmax:bits=4"), ctl, [&](ExploreJobResult q, double) { previews.push_back(std::move(q)); });
  EXPECT_TRUE(previews.empty());
}

// The Sweeps job reuses the worker's tensor: the shared slot carries the data the worker
// quantizes and, once built, the sorted cache of that same data (a what-if edit keeps the
// model and tensor index but not the values).
TEST(ExploreWorker, SharedTensorCarriesTheSortedCacheOfItsOwnData) {
  std::vector<float> x;
  auto m = one_tensor_model(64, 100, x);
  ExploreWorker w;
  RunControl ctl;
  auto wait_ready = [&] {
    for (int i = 0; i < 5000 && !w.status()->ready.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return w.status()->ready.load();
  };
  (void)w.run(request(m, "absmax:bits=8"), ctl, nullptr);
  ASSERT_TRUE(wait_ready());
  auto cur = w.shared_tensor()->get();
  ASSERT_TRUE(cur && cur->sorted);
  EXPECT_FALSE(cur->edited);
  EXPECT_EQ(cur->build, w.status()->build.load());
  EXPECT_EQ(cur->sorted->v.back(), 0.5f);  // the file's largest value (the outlier)
  ExploreJobRequest e = request(m, "absmax:bits=8");
  e.whatif = WhatIf{WhatIf::Kind::SetElement, 3, 7.25f};
  (void)w.run(e, ctl, nullptr);
  cur = w.shared_tensor()->get();
  ASSERT_TRUE(cur);
  EXPECT_TRUE(cur->edited);
  ASSERT_TRUE(wait_ready());
  cur = w.shared_tensor()->get();
  ASSERT_TRUE(cur->sorted);
  EXPECT_EQ(cur->sorted->v.back(), 7.25f);  // the edited data's cache, not the file's
  EXPECT_EQ(cur->build, w.status()->build.load());
}

}  // namespace
}  // namespace qs::app
