#pragma once
// Cooperative cancellation and progress for long work: kernels check `cancelled()`
// between chunks and add to `done`; the GUI reads `progress()` from another thread.
#include <atomic>
#include <cstdint>

namespace qs {

struct RunControl {
  std::atomic<bool> cancel{false};
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> total{0};
  // Whole units of the work when it has them (tensors of a model analysis), for a
  // "12/128 tensors" display; `done`/`total` stay the fine-grained measure.
  std::atomic<int64_t> items_done{0};
  std::atomic<int64_t> items_total{0};

  bool cancelled() const { return cancel.load(std::memory_order_relaxed); }
  double progress() const {
    const int64_t t = total.load(std::memory_order_relaxed);
    return t > 0 ? double(done.load(std::memory_order_relaxed)) / double(t) : 0.0;
  }
};

}  // namespace qs
