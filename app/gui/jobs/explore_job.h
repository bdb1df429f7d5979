#pragma once
// The explore job: everything the Distribution, Error, Compare, Ranges, Heatmap and
// Formats views compute for the selected tensor, on one worker (LatestJob), with a cache
// per tensor that makes edits cheap:
//  - per-tensor schemes are answered from the sorted-values cache (quantize_sorted) in
//    O(levels · log N), once it is built — on its own thread, as soon as a tensor is
//    selected; until then the fast kernels answer;
//  - per-group schemes on tensors over kPreviewNumel elements first answer on every
//    kPreviewStride-th group (a preview), then exactly.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <optional>
#include <string>
#include <vector>

#include "analysis/explore/explore.h"
#include "analysis/formats/model.h"
#include "analysis/explore/group_stats.h"
#include "analysis/explore/heatmap.h"
#include "analysis/quant/sorted_values.h"
#include "analysis/base/run_control.h"
#include "analysis/numeric/tensor_decode.h"
#include "analysis/explore/what_if.h"

namespace qs::app {

inline constexpr int64_t kPreviewNumel = int64_t(32) << 20;  // 32 M elements
inline constexpr int kPreviewStride = 16;

// What the explore worker needs: copies, so the render thread can keep editing.
struct ExploreJobRequest {
  std::shared_ptr<const Model> model;
  int tensor = -1;
  ExploreRequest req;
  bool reset_view = false;      // use the tensor's data range as the view
  std::vector<Scheme> compare;  // the other schemes: metrics only
  // The Compare view: x − x̂ of every scheme of the list (in list order) binned over one
  // common range, ±2.5 × the largest RMSE among them.
  std::vector<Scheme> error_schemes;
  int error_bins = 161;
  bool ranges = false;  // the Ranges view: per-group statistics (ranges_scheme())
  std::optional<HeatmapRequest> heatmap;  // the Heatmap view's rectangle and quantity
  std::optional<WhatIf> whatif;           // quantize a scratch copy with this edit
  bool log_abs_hist = false;              // the Formats view's log-magnitude axis
  // smooth=α schemes: the activation maxima the user chose (a 1-D tensor of the model).
  std::shared_ptr<const std::vector<float>> act_max;
};

struct ExploreJobResult {
  int tensor = -1;
  ExploreResult main;
  TensorStats stats;
  double data_lo = 0, data_hi = 0;
  bool view_reset = false;
  std::vector<std::optional<Metrics>> compare;
  std::vector<std::string> compare_errors;  // aligned with compare: why a scheme could not run ("" = ran)
  std::vector<Histogram> error_hists;  // aligned with the request's error_schemes
  std::shared_ptr<const GroupStats> ranges;
  std::shared_ptr<const Heatmap> heatmap;
  std::string whatif_error;  // the edit could not be applied (the original data was used)
  std::shared_ptr<const Histogram> log_abs_hist;
  // A preview: `main` was computed on every preview_stride-th group only (its histogram
  // counts scaled by the stride); the exact result follows. 0 for an exact result.
  int preview_stride = 0;
  bool cancelled = false;
};

// The grouping the Ranges view shows for a scheme: its own groups, or for a per-tensor
// scheme the rows (channel axis 0), which is what "which channels are outliers" asks.
Scheme ranges_scheme(const Scheme& s);

// The sorted-values cache's state, shared with the render thread (status bar, the
// interaction benchmark). Written by the worker and the builder thread.
struct SortedCacheStatus {
  std::atomic<int> tensor{-1};          // the tensor being built or built
  std::atomic<uint64_t> build{0};       // which build (a new one per tensor or what-if edit)
  std::atomic<bool> ready{false};
  std::atomic<double> progress{0};      // 0..1 while building
  std::atomic<double> build_ms{0};      // how long the last build took
  std::atomic<int64_t> bytes{0};        // its size
};

// The explore worker's current tensor, for other jobs (the Sweeps view's) to reuse instead
// of decoding and sorting it again. Immutable once published; the slot swaps whole ones.
struct SharedTensor {
  std::shared_ptr<const Model> model;
  int tensor = -1;
  uint64_t build = 0;                                  // SortedCacheStatus::build of this data
  bool edited = false;                                 // a what-if edit: not the file's data
  std::shared_ptr<const std::vector<float>> storage;   // owns x when decoded (else the model does)
  std::span<const float> x;
  std::shared_ptr<const SortedValues> sorted;          // null until built
};
class SharedTensorSlot {
 public:
  std::shared_ptr<const SharedTensor> get() const {
    std::lock_guard lock(m_);
    return cur_;
  }
  void set(std::shared_ptr<const SharedTensor> t) {
    std::lock_guard lock(m_);
    cur_ = std::move(t);
  }
  // The current tensor with its sorted cache, if `build` is still the current one (a
  // what-if edit keeps the model and tensor but not the data).
  void attach_sorted(uint64_t build, std::shared_ptr<const SortedValues> sorted) {
    std::lock_guard lock(m_);
    if (!cur_ || cur_->build != build) return;
    auto t = std::make_shared<SharedTensor>(*cur_);
    t->sorted = std::move(sorted);
    cur_ = std::move(t);
  }

 private:
  mutable std::mutex m_;
  std::shared_ptr<const SharedTensor> cur_;
};

class ExploreWorker {
 public:
  using PreviewFn = std::function<void(ExploreJobResult, double ms)>;
  ExploreWorker();
  ~ExploreWorker();
  ExploreWorker(const ExploreWorker&) = delete;
  ExploreWorker& operator=(const ExploreWorker&) = delete;

  // One request, on the job's worker thread. `preview` publishes a partial result;
  // `superseded` says a newer request is waiting (the exact pass then stops early).
  ExploreJobResult run(const ExploreJobRequest& r, RunControl& ctl, const PreviewFn& preview);
  std::shared_ptr<const SortedCacheStatus> status() const { return status_; }
  std::shared_ptr<const SharedTensorSlot> shared_tensor() const { return shared_; }
  // Tensors above this many elements get a preview (tests lower it).
  void set_preview_numel(int64_t n) { preview_numel_ = n; }

 private:
  int64_t preview_numel_ = kPreviewNumel;
  struct Cache;
  std::unique_ptr<Cache> cache_;
  std::shared_ptr<SortedCacheStatus> status_;
  std::shared_ptr<SharedTensorSlot> shared_ = std::make_shared<SharedTensorSlot>();
};

}  // namespace qs::app
