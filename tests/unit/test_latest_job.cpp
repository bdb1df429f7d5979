// The newest-wins job slot: stale results are dropped, cancel reaches the running work,
// and without cancel a running job finishes (so continuous drags still show results).
#include "app/gui/jobs/latest_job.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

namespace qs::app {
namespace {

using namespace std::chrono_literals;

template <class J>
auto wait_take(J& job) {
  for (int i = 0; i < 2000; ++i) {
    if (auto d = job.take()) return d;
    std::this_thread::sleep_for(1ms);
  }
  return decltype(job.take()){};
}

TEST(LatestJob, ComputesAndTakesOnce) {
  LatestJob<int, int> job([](const int& x, RunControl&) { return x * 2; });
  const uint64_t g = job.post(21, false);
  auto d = wait_take(job);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->result, 42);
  EXPECT_EQ(d->generation, g);
  EXPECT_FALSE(job.take().has_value());  // taken once
}

TEST(LatestJob, NewestPendingReplacesOlder) {
  std::atomic<bool> release{false};
  std::atomic<int> calls{0};
  LatestJob<int, int> job([&](const int& x, RunControl&) {
    ++calls;
    while (!release) std::this_thread::sleep_for(1ms);
    return x;
  });
  job.post(1, false);  // starts running
  while (!job.busy() || calls == 0) std::this_thread::sleep_for(1ms);
  job.post(2, false);  // waits
  job.post(3, false);  // replaces 2
  release = true;
  std::vector<int> seen;
  for (int i = 0; i < 2000 && (seen.empty() || seen.back() != 3); ++i) {
    if (auto d = job.take()) seen.push_back(d->result);
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), 3);
  EXPECT_EQ(calls.load(), 2);  // 1 and 3; 2 never ran
  for (int v : seen) EXPECT_NE(v, 2);
}

TEST(LatestJob, CancelRunningDropsItsResult) {
  std::atomic<int> started{0};
  LatestJob<int, int> job([&](const int& x, RunControl& c) {
    ++started;
    if (x == 1) {
      while (!c.cancelled()) std::this_thread::sleep_for(1ms);  // a long job
    }
    return x;
  });
  job.post(1, false);
  while (started == 0) std::this_thread::sleep_for(1ms);
  job.post(2, true);  // cancels 1
  auto d = wait_take(job);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->result, 2);
  EXPECT_FALSE(job.take().has_value());
}

// A computation that publishes a preview: take() hands out the preview (flagged) first,
// then the final result of the same generation.
TEST(LatestJob, PreviewThenFinal) {
  std::atomic<bool> release{false};
  LatestJob<int, int>* self = nullptr;
  LatestJob<int, int> job([&](const int& x, RunControl&) {
    self->publish_preview(-x, 1.0);
    while (!release) std::this_thread::sleep_for(1ms);
    return x;
  });
  self = &job;
  const uint64_t g = job.post(7, false);
  auto p = wait_take(job);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->preview);
  EXPECT_EQ(p->result, -7);
  EXPECT_EQ(p->generation, g);
  EXPECT_FALSE(job.settled());  // the exact result is still coming
  release = true;
  auto f = wait_take(job);
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->preview);
  EXPECT_EQ(f->result, 7);
  EXPECT_EQ(f->generation, g);
  EXPECT_FALSE(job.take().has_value());
}

// Once a computation has shown a preview, a newer request cancels its exact pass even
// without cancel_running (a continuous edit): the newer value gets its own preview soon.
TEST(LatestJob, NewRequestCancelsAPreviewedComputation) {
  std::atomic<int> cancelled_runs{0};
  LatestJob<int, int>* self = nullptr;
  LatestJob<int, int> job([&](const int& x, RunControl& c) {
    self->publish_preview(-x, 1.0);
    for (int i = 0; i < 400 && !c.cancelled(); ++i) std::this_thread::sleep_for(1ms);
    if (c.cancelled()) ++cancelled_runs;
    return x;
  });
  self = &job;
  job.post(1, false);
  auto p = wait_take(job);
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->preview);
  const auto t0 = std::chrono::steady_clock::now();
  job.post(2, false);  // continuous edit
  std::optional<LatestJob<int, int>::Done> final2;
  for (int i = 0; i < 5000 && !final2; ++i) {
    if (auto d = job.take(); d && !d->preview) final2 = std::move(d);
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(final2.has_value());
  EXPECT_EQ(final2->result, 2);
  EXPECT_EQ(cancelled_runs.load(), 1);  // run 1 stopped early, its result dropped
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
}

}  // namespace
}  // namespace qs::app
